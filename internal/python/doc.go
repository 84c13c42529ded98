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
// The thread model has named states (state.go): an interpreter is
// starting, ready, ending, ended or failed; a pool thread is starting,
// looking (between jobs), idle, busy or stopped; a thread running a call
// holds the GIL or has released it. Each changes only through its
// transition method (setState, setThread, setGIL), which checks the move
// against its table. A call gets into Python by one of three routes
// (route.go): the hand-off to a pool thread, a direct call on the
// request's own thread, or a nested call from inside Python; routeFor is
// the one place that picks it.
//
// RedisSession's Redis commands (redis.go) are request operations too:
// run by internal/redispool's pools with the GIL released, within the
// request's PythonRequestTimeout.
//
// The runtime's own state of a request (its id for Python, the attributes
// carried between interpreters, the interpreters to tell when it ends, the
// call running for it) lives here; request.Request holds it only as the
// opaque PyState.
//
// It must not decide policy: which interpreter a request runs in, which
// handlers run, how the response is framed or logged, when an interpreter
// has served enough requests (PythonInterpMaxRequests: the server reads
// Run's Served and calls EndInterp) are the server's. It must not parse
// the configuration or speak HTTP. What it does with the Python* values a
// call carries (request.PyConfig) is mechanism: a call's queue and run
// limits (PythonInterpQueueTimeout, PythonRequestTimeout: raising
// RequestTimeout needs the thread running the call), the reload before any
// handler runs (PythonInterpReload: _entry.py finds the changed files, the
// call is redone in a fresh interpreter), the route a call may take (a
// direct call's thread state would keep its interpreter from ever being
// ended, or interrupted). One policy remains here: PythonInterpIdleTimeout's
// reaper, because "unused" is the pool's state under its lock and the
// timeout is the one the interpreter's last call carried.
package python
