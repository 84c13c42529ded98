package server

import "strings"

// python_module: mod_python. Its hooks are the phase core's Python hook
// (python.go: runPhase), which runs each phase's Python*Handler
// directives before every module's hooks; its content handlers, mod_python
// and python-program, are served there, in the handler phase.
var pythonModule = &module{
	name: "python_module",
	handlers: []contentHandler{
		{name: "mod_python"},
		{name: "python-program"},
	},
}

// isPythonHandler reports whether a handler name means mod_python.
func isPythonHandler(h string) bool {
	for _, ch := range pythonModule.handlers {
		if strings.EqualFold(h, ch.name) {
			return true
		}
	}
	return false
}
