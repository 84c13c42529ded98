package python

/*
#include "modpy.h"
*/
import "C"

import (
	"fmt"

	"modpy/internal/request"
)

// Nested calls: Python calling back into the server, which calls Python
// again before the first call returns (req.internal_redirect runs every
// phase of a new request; an output filter runs while a handler writes).
// The first call's thread is blocked in Go with the GIL held, so:
//   - a call into the same interpreter runs inline on that thread, still
//     holding the GIL (a hand-off to another thread of the pool would
//     wait for the GIL its caller holds, or for a thread that is not free);
//   - a call into another interpreter lets go of the GIL and hands off to
//     that interpreter's pool as usual, without taking a second
//     ThreadsPerChild token (its caller holds one).
//
// A Python thread the handler started may make the same request
// operations: its nested calls are handed off, into the same interpreter
// too, since the first call's thread state is not its own.

// execCtx is a Python call in progress on a thread: a pool thread's, or a
// direct call's (direct.go).
type execCtx struct {
	in    *Interp
	ts    *C.PyThreadState // the thread's state of in
	entry *C.PyObject
	// gil (state.go): whether the thread holds the GIL or let go of it
	// while Go works for the call (withoutGIL); a nested call takes it
	// back. Only the thread running the call changes it (setGIL).
	gil gilState
}

// withoutGIL runs f with the calling thread's GIL released, for a request
// operation, called from Python, that may block or run Python again
// (req.write, req.internal_redirect, filter writes). Calls into Python
// that f makes for the request run nested (nestedRoute), taking the GIL back
// as they need. f must not touch Python objects: read the arguments
// before.
//
// Only the thread running the call for req records that it let go of the
// GIL: a Python thread the handler started may make request operations
// too, and the call's thread, which may be without the GIL meanwhile,
// must not see its state changed by it.
func withoutGIL(req *request.Request, f func()) {
	ts := C.modpy_detach()
	x := executing(req)
	if x != nil && x.ts != ts {
		x = nil // another thread's call: not ours to mark
	}
	if x != nil {
		x.setGIL(gilReleased)
	}
	defer func() {
		if x != nil {
			x.setGIL(gilHeld)
		}
		C.modpy_attach(ts)
	}()
	f()
}

// executing returns the Python call in progress for req, for the request
// it was redirected from, or for its main request (a subrequest runs from
// inside its main request's call), if any.
func executing(req *request.Request) *execCtx {
	for r := req; r != nil; {
		if e := stateOf(r); e != nil && e.exec != nil {
			return e.exec
		}
		if r.Prev != nil {
			r = r.Prev
		} else {
			r = r.Main // a subrequest runs inside its main request
		}
	}
	return nil
}

// onThisThread reports whether the call x runs on the calling OS thread.
// A request operation of a Python thread the handler started reaches Go
// on that thread, not on x's.
func (x *execCtx) onThisThread() bool { return C.modpy_on_thread(x.ts) != 0 }

// nestedRoute is the route of a call made from inside the call running
// for the request (the execCtx it points to): on that call's thread, or
// on a Python thread the handler started.
type nestedRoute execCtx

func (r *nestedRoute) run(rt *Runtime, c pyCall) (int, *Interp, error) {
	x := (*execCtx)(r)
	pack, packLen := cBytes(c.pack)
	pa, alen := cString(c.a)
	pb, blen := cString(c.b)
	// Only the call's own thread may run Python with x's thread state
	// (another thread has let go of its own GIL: see withoutGIL). Its
	// calls are handed off, as into another interpreter.
	own := x.onThisThread()
	// Into the interpreter the outer call runs in, the call runs inline,
	// even when that interpreter is ending: it cannot end before the
	// outer call is over (its drain waits for it), so waiting for the
	// end, as a hand-off to the name would, would wait forever.
	if x.in.Name == c.name && own {
		e := stateOf(c.req)
		prev := e.exec
		e.exec = x
		var rv C.long
		if x.gil == gilReleased {
			// Take the GIL back on this thread for the call, and let
			// it go again after.
			x.setGIL(gilHeld)
			var nmods C.Py_ssize_t
			rv = C.modpy_call(x.ts, x.entry, C.int(c.kind), C.uint64_t(c.h), C.int(c.phase), pa, alen, pb, blen, pack, packLen, 0, &nmods)
			x.setGIL(gilReleased)
		} else {
			rv = C.modpy_call_held(x.entry, C.int(c.kind), C.uint64_t(c.h), C.int(c.phase), pa, alen, pb, blen, pack, packLen)
		}
		e.exec = prev
		if rv == C.MODPY_CALL_FAILED {
			return 500, x.in, fmt.Errorf("python: nested call into %q failed (see the error log)", c.name)
		}
		return int(rv), x.in, nil
	}
	if own && x.gil == gilHeld {
		ts := C.modpy_detach()
		x.setGIL(gilReleased)
		defer func() {
			x.setGIL(gilHeld)
			C.modpy_attach(ts)
		}()
	}
	// Another thread's call into the outer call's interpreter goes to
	// that very interpreter: if it is ending, in.call fails at once
	// (errEnding) rather than wait for an end that waits for the outer
	// call.
	in := x.in
	if in.Name != c.name {
		var err error
		if in, err = c.interp(rt); err != nil {
			return 500, nil, err
		}
	}
	rv, err := in.call(c.kind, c.h, c.phase, c.a, c.b, c.pack, limits{nested: true})
	return rv, in, err
}
