package server

import (
	"os"
	"strconv"
	"strings"

	"modpy/internal/config"
	"modpy/internal/python"
)

// This file is the one place where the name of the interpreter that runs
// Python code is decided: every request phase, every Python filter and
// PythonConnectionHandler ask interpreterName, every WSGI application
// wsgiInterpreterName, and nothing else picks a name.

// interpreterName names the interpreter of mod_python's handlers and
// filters. mod_python's rules, in order (docs/interpreters.md, "When are
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

// wsgiInterpreterName names the interpreter of a WSGI application: its
// application group (wsgiApplicationGroup), one to one, the main group ""
// (%{GLOBAL}) being main_interpreter. A group that has the name of
// mod_python's interpreter (a ServerName, a directory) is that
// interpreter.
func wsgiInterpreterName(group string) string {
	if group == "" {
		return python.MainInterpreter
	}
	return group
}

// wsgiApplicationGroup is mod_wsgi's wsgi_application_group: the group
// that WSGIApplicationGroup or application-group= value v (nil: unset)
// names for this request, scriptName being its SCRIPT_NAME:
//
//   - unset or %{RESOURCE}: the virtual host's ServerName, ":port" unless
//     the port is 80 or 443, "|", and scriptName lower-cased;
//   - %{SERVER}: the same without "|" and the script;
//   - %{HOST}: as %{SERVER} with the Host the client asked for;
//   - %{GLOBAL} (the configuration holds it as ""): "", the main
//     interpreter;
//   - %{ENV:NAME}: the request note, else the subprocess_env variable,
//     else the process's environment variable NAME, expanded once more if
//     it starts with "%" (but not "%{ENV:"); the text itself if there is
//     none;
//   - anything else: itself.
func (rs *rstate) wsgiApplicationGroup(v *string, scriptName string) string {
	if v == nil {
		return rs.wsgiResource(scriptName)
	}
	return rs.wsgiExpand(*v, scriptName, true)
}

func (rs *rstate) wsgiExpand(s, scriptName string, again bool) string {
	if s == "" || s[0] != '%' {
		return s
	}
	switch s {
	case config.WSGIGlobal:
		return ""
	case "%{RESOURCE}":
		return rs.wsgiResource(scriptName)
	case "%{SERVER}":
		return wsgiHostPort(rs.vh.name, rs.wsgiPort())
	case "%{HOST}":
		h := rs.req.Hostname
		if h == "" {
			h = rs.vh.name
		}
		return wsgiHostPort(h, rs.wsgiPort())
	}
	if v, ok := rs.wsgiEnv(s); ok {
		if again && strings.HasPrefix(v, "%") && !strings.HasPrefix(v, "%{ENV:") {
			return rs.wsgiExpand(v, scriptName, false)
		}
		return v
	}
	return s
}

// wsgiEnv is mod_wsgi's %{ENV:NAME}: NAME's value from the request's notes,
// subprocess_env or the process's environment; false when s is no such
// reference or NAME is in none of them.
func (rs *rstate) wsgiEnv(s string) (string, bool) {
	name, ok := strings.CutPrefix(s, "%{ENV:")
	if !ok || !strings.HasSuffix(name, "}") {
		return "", false
	}
	name = name[:len(name)-1]
	if v, ok := rs.req.Notes.Get(name); ok {
		return v, true
	}
	if v, ok := rs.req.SubprocessEnv.Get(name); ok {
		return v, true
	}
	return os.LookupEnv(name)
}

// wsgiResource is %{RESOURCE}: "host:port|script", the port left out when
// it is 80 or 443.
func (rs *rstate) wsgiResource(scriptName string) string {
	return wsgiHostPort(rs.vh.name, rs.wsgiPort()) + "|" + strings.ToLower(scriptName)
}

// wsgiPort is Apache's ap_get_server_port (UseCanonicalName Off).
func (rs *rstate) wsgiPort() int {
	_, port := rs.serverName()
	return port
}

func wsgiHostPort(host string, port int) string {
	if port == 80 || port == 443 {
		return host
	}
	return host + ":" + strconv.Itoa(port)
}
