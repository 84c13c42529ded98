package server

import (
	"testing"

	"modpy/internal/config"
	"modpy/internal/request"
)

// TestInterpreterName walks mod_python's naming table (docs/interpreters.md)
// for request handlers (with and without a file) and connection handlers.
func TestInterpreterName(t *testing.T) {
	on, named, empty := true, "shared", ""
	file := func() string { return "/srv/www/a/" }
	noFile := func() string { return "" }
	dirH := config.Handler{Dir: "/srv/www/"}
	patH := config.Handler{Dir: "/srv/*/", DirPattern: true}
	locH := config.Handler{Dir: "/loc", InLocation: true}
	srvH := config.Handler{}
	for _, c := range []struct {
		what    string
		dc      config.DirConfig
		h       config.Handler
		fileDir func() string
		want    string
	}{
		{"default", config.DirConfig{}, dirH, file, "www.example"},
		{"default, connection", config.DirConfig{}, srvH, nil, "www.example"},
		{"PythonInterpreter", config.DirConfig{PythonInterpreter: &named, PythonInterpPerDirectory: &on}, dirH, file, "shared"},
		{"PythonInterpreter, connection", config.DirConfig{PythonInterpreter: &named}, srvH, nil, "shared"},
		{"empty PythonInterpreter", config.DirConfig{PythonInterpreter: &empty}, dirH, file, "www.example"},
		{"per directory", config.DirConfig{PythonInterpPerDirectory: &on}, locH, file, "/srv/www/a/"},
		{"per directory, no file", config.DirConfig{PythonInterpPerDirectory: &on}, locH, noFile, "main_interpreter"},
		{"per directory, connection", config.DirConfig{PythonInterpPerDirectory: &on}, srvH, nil, "main_interpreter"},
		{"per directory beats per directive", config.DirConfig{PythonInterpPerDirectory: &on, PythonInterpPerDirective: &on}, dirH, file, "/srv/www/a/"},
		{"per directive, <Directory>", config.DirConfig{PythonInterpPerDirective: &on}, dirH, file, "/srv/www/"},
		{"per directive, pattern", config.DirConfig{PythonInterpPerDirective: &on}, patH, file, "/srv/www/a/"},
		{"per directive, <Location>", config.DirConfig{PythonInterpPerDirective: &on}, locH, file, "/loc"},
		{"per directive, server level", config.DirConfig{PythonInterpPerDirective: &on}, srvH, file, "main_interpreter"},
		{"per directive, connection", config.DirConfig{PythonInterpPerDirective: &on}, srvH, nil, "main_interpreter"},
	} {
		if got := interpreterName(&c.dc, "www.example", c.h, c.fileDir); got != c.want {
			t.Errorf("%s: interpreterName = %q, want %q", c.what, got, c.want)
		}
	}
}

// TestInterpreterNameAllocs: deciding a name allocates nothing by itself
// (only a rule that needs the file's directory computes it).
func TestInterpreterNameAllocs(t *testing.T) {
	rs := &rstate{req: &request.Request{Filename: "/srv/www/a/x.py"}}
	dc := &config.DirConfig{}
	h := config.Handler{Dir: "/srv/www/"}
	if n := testing.AllocsPerRun(100, func() {
		_ = interpreterName(dc, "www.example", h, rs.fileDir)
	}); n != 0 {
		t.Errorf("interpreterName allocates %.0f times per call, want 0", n)
	}
}
