// Package python embeds CPython. It is the only package with cgo.
//
// It owns the interpreter model: CPython initialised on a control thread
// whose main interpreter is registered as main_interpreter; sub-interpreters
// created by name on first use and ended on request; for each interpreter a
// pool of locked OS threads, each holding one long-lived thread state of that
// interpreter only; the _apache extension module (multi-phase init) through
// which mod_python's Python code reads and writes the Go-owned request; and
// the embedded mod_python package's import hook; and nested calls (Python
// calling the server calling Python again: inline on the same thread for
// the same interpreter, handed off for another).
//
// The numbers and names it shares with its C half (modpy.c) and with
// mod_python (call kinds, results, req_op and table operations, field
// numbers, the entry module mod_python._entry) are defined once, in the
// tables of internal/python/protocol (a package for the generator only);
// go generate writes protocol_gen.go, modpy_protocol.h and
// python/mod_python/_protocol.py from them, and a test there fails when
// they differ. Phases are request.Phase: their number is what a call
// carries.
//
// It must not decide policy: which interpreter a request runs in, which
// handlers run, how the response is framed or logged are the server's. It
// must not parse the configuration or speak HTTP.
package python
