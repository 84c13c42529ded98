package config_test

import (
	"fmt"

	"modpy/internal/config"
)

func ExampleMerge() {
	on := true
	outer := &config.DirConfig{
		PythonDebug:   &on,
		PythonOptions: []config.KV{{Key: "a", Value: "outer"}, {Key: "b", Value: "outer"}},
		Handlers:      map[string][]config.Handler{config.PhaseHandler: {{Spec: "outer"}}},
	}
	inner := &config.DirConfig{
		PythonOptions: []config.KV{{Key: "b", Value: "inner"}},
		Handlers:      map[string][]config.Handler{config.PhaseHandler: {{Spec: "inner"}}},
	}
	m := config.Merge(outer, inner)
	fmt.Println(*m.PythonDebug, m.PythonOptions, m.Handlers[config.PhaseHandler][0].Spec)
	// Output: true [{a outer} {b inner}] inner
}

func ExampleError() {
	err := &config.Error{
		Pos:       config.Pos{File: "site.conf", Line: 12},
		Directive: "PythonHandler",
		Msg:       "takes at least one argument, got 0",
	}
	fmt.Println(err)
	// Output: site.conf:12: PythonHandler: takes at least one argument, got 0
}
