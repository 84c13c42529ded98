// Package server is one modpy worker's request processing: Apache's phases
// in Go (phases.go: post-read-request, translate_name with Redirect and
// Alias, map_to_storage, header parsing, access, authentication, type
// checking, fixups, the content handler, then log and cleanup), each with a
// hook for the phase's Python handlers; Basic authentication; .htaccess
// lookups and UserDir; the directory walk's symbolic link (Options) and
// file type checks (walk.go); the response's output filter chain ending at the
// connection (Python output filters included) and the input filters before
// req.read; internal redirects; PythonConnectionHandler; static files,
// error documents, the error and access logs; the glue that answers the
// status page and metrics handlers with internal/status, which it feeds
// (status.Source) and which reads the scoreboard for the other workers.
//
// It owns policy: which interpreter a phase runs in (mod_python's naming
// rules), which handlers run, how results become responses. It must not
// parse configuration text (internal/config does), frame HTTP
// (internal/httpd does), call the C API (internal/python does) or render
// the status page and metrics (internal/status does).
package server
