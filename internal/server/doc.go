// Package server is one modpy worker's request processing: Apache's phases
// in Go (vhost selection, Redirect and Alias translation, mapping to files,
// access checks, type checking, the content handler, error documents,
// logging), with the Python runtime hooked into the phases that have a
// Python*Handler, static files for the rest, and the error and access logs.
//
// It owns policy: which interpreter a phase runs in (mod_python's naming
// rules), which handlers run, how results become responses. It must not
// parse configuration text (internal/config does), frame HTTP
// (internal/httpd does) or call the C API (internal/python does).
package server
