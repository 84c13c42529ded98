// Package request holds the state of one HTTP request as every phase sees it:
// Apache's request_rec, owned by Go. The server fills it and runs the phases;
// the Python runtime reads and writes it through mod_python's request object,
// from whichever interpreter a phase runs in. The runtime's own bookkeeping
// of a request (its id for Python, attributes, the call running for it) is
// one opaque value, Request.PyState, that nothing else reads.
//
// It owns only data and the small interfaces the server implements for I/O
// and logging, and the phase vocabulary (phase.go): the one table of the
// phases Python hooks (directive name, number, mod_python's default
// function, Apache's hook mode, mod_python's stacking rule), which the
// server, the config and the Python runtime all read, and from which
// mod_python's _protocol.py is generated. It must not import the server,
// the config parser or the Python runtime.
package request
