package server

import (
	"modpy/internal/config"
	"modpy/internal/python"
)

// interpreterName is the one place where the name of the interpreter that
// runs Python code is decided: every request phase, every Python filter and
// PythonConnectionHandler ask it, and nothing else picks a name (mod_wsgi's
// counterpart is wsgi_application_group; WSGI's application groups belong
// here). mod_python's rules, in order (docs/interpreters.md, "When are
// sub-interpreters created?"), evaluated against dc, the configuration in
// effect:
//
//   - PythonInterpreter NAME (non-empty): NAME.
//   - PythonInterpPerDirectory On: the directory of the request's file with
//     a trailing "/" (fileDir); main_interpreter when there is no file
//     (<Location> handlers, connection handlers).
//   - PythonInterpPerDirective On: where h's directive was found: the
//     <Directory> path with its trailing "/" (for a wildcard or regex
//     section, the matched file's directory), or the <Location> path as
//     written; main_interpreter at server or <VirtualHost> level, hence
//     always for connection handlers.
//   - otherwise: server, the virtual server's name.
//
// fileDir returns the request's file directory ("" if none); it is called
// only when a rule needs it, so the default rule costs no allocation. A
// connection handler has no file: it passes nil.
func interpreterName(dc *config.DirConfig, server string, h config.Handler, fileDir func() string) string {
	if dc.PythonInterpreter != nil && *dc.PythonInterpreter != "" {
		return *dc.PythonInterpreter
	}
	if dc.PythonInterpPerDirectory != nil && *dc.PythonInterpPerDirectory {
		if fileDir != nil {
			if d := fileDir(); d != "" {
				return d
			}
		}
		return python.MainInterpreter
	}
	if dc.PythonInterpPerDirective != nil && *dc.PythonInterpPerDirective {
		switch {
		case h.Dir == "":
			return python.MainInterpreter
		case h.DirPattern && !h.InLocation && fileDir != nil:
			return fileDir()
		}
		return h.Dir
	}
	return server
}
