package config

import (
	"maps"
	"reflect"
	"slices"
	"testing"
)

func TestMerge(t *testing.T) {
	on, off := true, false
	base := &DirConfig{
		SetHandler:       ptr("mod_python"),
		AddHandlers:      map[string]string{".py": "mod_python", ".psp": "mod_python"},
		DirectoryIndex:   []string{"index.html"},
		SetEnv:           []KV{{"A", "1"}, {"B", "2"}, {"GONE", "x"}},
		PassEnv:          []string{"PATH", "GONE2"},
		ErrorDocuments:   map[int]string{404: "/nf", 500: "/err"},
		LimitRequestBody: ptr(int64(10)),
		Options:          &Options{Indexes: true},
		Redirects:        []Redirect{{Prefix: "/base"}},
		Handlers: map[string][]Handler{
			PhaseHandler: {{Spec: "outer1"}, {Spec: "outer2"}},
			PhaseFixup:   {{Spec: "fix"}},
		},
		PythonDebug:         &on,
		PythonOptions:       []KV{{"a", "1"}, {"b", "2"}},
		PythonOutputFilters: []Filter{{Name: "F", Spec: "outer"}, {Name: "G", Spec: "g"}},
		AddOutputFilters:    map[string][]string{".x": {"X"}},
	}
	over := &DirConfig{
		AddHandlers:         map[string]string{".psp": "", ".cgi": "cgi-script"},
		SetEnv:              []KV{{"B", "20"}, {"C", "3"}},
		UnsetEnv:            []string{"GONE", "GONE2"},
		ErrorDocuments:      map[int]string{404: "default", 403: "/forbidden"},
		OptionsAdd:          &Options{ExecCGI: true},
		OptionsRemove:       &Options{Indexes: true},
		Redirects:           []Redirect{{Prefix: "/over"}},
		Handlers:            map[string][]Handler{PhaseHandler: {{Spec: "inner"}}},
		PythonDebug:         &off,
		PythonOptions:       []KV{{"b", "20"}, {"c", "3"}},
		PythonOutputFilters: []Filter{{Name: "F", Spec: "inner"}},
	}
	baseCopy := cloneForTest(base)
	overCopy := cloneForTest(over)
	r := Merge(base, over)
	if !reflect.DeepEqual(base, baseCopy) || !reflect.DeepEqual(over, overCopy) {
		t.Fatalf("Merge modified its inputs")
	}
	if *r.SetHandler != "mod_python" || *r.LimitRequestBody != 10 || *r.PythonDebug {
		t.Errorf("pointer fields wrong: %+v", r)
	}
	if !reflect.DeepEqual(r.AddHandlers, map[string]string{".py": "mod_python", ".cgi": "cgi-script"}) {
		t.Errorf("AddHandlers = %v", r.AddHandlers)
	}
	if !slices.Equal(r.SetEnv, []KV{{"A", "1"}, {"B", "20"}, {"C", "3"}}) || !slices.Equal(r.PassEnv, []string{"PATH"}) ||
		!slices.Equal(r.UnsetEnv, []string{"GONE", "GONE2"}) {
		t.Errorf("env: %v %v %v", r.SetEnv, r.PassEnv, r.UnsetEnv)
	}
	if !reflect.DeepEqual(r.ErrorDocuments, map[int]string{500: "/err", 403: "/forbidden"}) {
		t.Errorf("ErrorDocuments = %v", r.ErrorDocuments)
	}
	if *r.Options != (Options{ExecCGI: true}) || r.OptionsAdd != nil || r.OptionsRemove != nil {
		t.Errorf("Options = %+v %+v %+v", r.Options, r.OptionsAdd, r.OptionsRemove)
	}
	if len(r.Redirects) != 2 || r.Redirects[0].Prefix != "/over" || r.Redirects[1].Prefix != "/base" {
		t.Errorf("Redirects = %+v", r.Redirects)
	}
	if h := r.Handlers[PhaseHandler]; len(h) != 1 || h[0].Spec != "inner" {
		t.Errorf("PythonHandler = %+v (want replaced, not appended)", h)
	}
	if h := r.Handlers[PhaseFixup]; len(h) != 1 || h[0].Spec != "fix" {
		t.Errorf("PythonFixupHandler = %+v", h)
	}
	if !slices.Equal(r.PythonOptions, []KV{{"a", "1"}, {"b", "20"}, {"c", "3"}}) {
		t.Errorf("PythonOptions = %v", r.PythonOptions)
	}
	if !slices.Equal(r.PythonOutputFilters, []Filter{{Name: "F", Spec: "inner"}, {Name: "G", Spec: "g"}}) {
		t.Errorf("filters = %v", r.PythonOutputFilters)
	}
	if !slices.Equal(r.DirectoryIndex, []string{"index.html"}) || !slices.Equal(r.AddOutputFilters[".x"], []string{"X"}) {
		t.Errorf("inherited slices wrong")
	}
	// The result shares nothing with its inputs.
	r.AddHandlers[".new"] = "x"
	r.DirectoryIndex[0] = "changed"
	r.Handlers[PhaseFixup][0].Spec = "changed"
	r.PythonOptions[0].Value = "changed"
	r.AddOutputFilters[".x"][0] = "changed"
	if !reflect.DeepEqual(base, baseCopy) || !reflect.DeepEqual(over, overCopy) {
		t.Errorf("the merge result aliases its inputs")
	}
}

func TestMergeNil(t *testing.T) {
	if r := Merge(nil, nil); !reflect.DeepEqual(r, &DirConfig{}) {
		t.Errorf("Merge(nil, nil) = %+v", r)
	}
	d := &DirConfig{OptionsAdd: &Options{Indexes: true}, DirectoryIndex: []string{}}
	r := Merge(nil, d)
	if *r.Options != (Options{Indexes: true, FollowSymLinks: true}) {
		t.Errorf("relative options over the default = %+v", r.Options)
	}
	if r.DirectoryIndex == nil {
		t.Errorf("empty DirectoryIndex lost its 'set' state")
	}
	if r := Merge(d, nil); *r.Options != (Options{Indexes: true, FollowSymLinks: true}) {
		t.Errorf("Merge(relative, nil) = %+v", r.Options)
	}
}

// cloneForTest deep-copies the parts of a DirConfig the test mutates.
func cloneForTest(d *DirConfig) *DirConfig {
	c := *d
	c.AddHandlers = maps.Clone(d.AddHandlers)
	c.ErrorDocuments = maps.Clone(d.ErrorDocuments)
	c.DirectoryIndex = slices.Clone(d.DirectoryIndex)
	c.SetEnv = slices.Clone(d.SetEnv)
	c.PassEnv = slices.Clone(d.PassEnv)
	c.UnsetEnv = slices.Clone(d.UnsetEnv)
	c.Redirects = slices.Clone(d.Redirects)
	c.PythonOptions = slices.Clone(d.PythonOptions)
	c.PythonOutputFilters = slices.Clone(d.PythonOutputFilters)
	c.AddOutputFilters = mergeListMap(nil, d.AddOutputFilters)
	if d.Handlers != nil {
		c.Handlers = map[string][]Handler{}
		for k, v := range d.Handlers {
			c.Handlers[k] = slices.Clone(v)
		}
	}
	return &c
}
