package python

/*
#include "modpy.h"
*/
import "C"

import (
	"errors"
	"sync/atomic"
	"time"

	"modpy/internal/request"
)

// Direct calls: the caller's own thread runs the call, instead of handing
// it to a thread of the interpreter's pool. The hand-off costs two thread
// wake-ups per call (docs/benchmarks.md measures 11-33 µs of it, against
// under 1 µs for a direct call). The call runs on the calling goroutine's
// OS thread, inside one call into C (modpy_direct_call), so the goroutine
// need not be locked to the thread; the thread keeps one thread state, of
// one interpreter only, made on its first direct call (C thread-local
// storage). A thread that already belongs to another interpreter hands off
// as before.
//
// A direct call goes in when the GIL is idle, and otherwise waits its turn
// in Go (directAdmission, admission.go): calls that would only take turns
// at the one GIL do not queue on it as OS threads. ThreadsPerChild still
// bounds the calls running Python, and those waiting to.
//
// The thread states live on the server's own threads, which outlive any
// interpreter's end, so an interpreter that has them is never ended in the
// process: ending it recycles the worker instead (EndInterp). Calls whose
// configuration can end the interpreter (PythonInterpMaxRequests,
// PythonInterpIdleTimeout, PythonInterpReload) or interrupt it
// (PythonRequestTimeout) are handed off as before.

// directStats are an interpreter's direct calls.
type directStats struct {
	used    atomic.Bool  // a thread holds a direct thread state of it
	threads atomic.Int64 // threads holding one
	busy    atomic.Int64 // direct calls running
}

// directOK reports whether req's call may run directly.
func directOK(req *request.Request) bool {
	py := &req.Py
	return py.MaxRequests == 0 && py.IdleTimeout == 0 && !py.Reload && py.RequestTimeout == 0
}

// callDirect runs one call on the calling goroutine's thread. ok is false
// when it cannot (this thread belongs to another interpreter, or the
// interpreter is ending): hand off then.
func (in *Interp) callDirect(kind int, req *request.Request, h uint64, phase int, packed []byte, lim limits) (rv int, err error, ok bool) {
	if !in.enter() {
		return 0, nil, false
	}
	defer in.inflight.Done()

	queued := time.Now()
	var deadline time.Time
	if lim.queue > 0 {
		deadline = queued.Add(lim.queue)
	}
	if !in.rt.takeToken(deadline) {
		return 0, ErrQueueTimeout, true
	}
	defer func() { <-in.rt.busy }()
	fair, admitted := directAdmission.enter(deadline)
	if !admitted {
		return 0, ErrQueueTimeout, true
	}
	ran := false
	defer func() { directAdmission.leave(fair, ran) }()
	// x.ts and x.entry are this thread's, filled in by modpy_direct_call
	// before Python runs: a nested call, made from a call back into Go on
	// this same thread, needs them.
	var x *execCtx
	e := stateOf(req)
	if e != nil {
		e.direct = execCtx{in: in}
		x = &e.direct
		e.exec = x
	} else {
		x = &execCtx{in: in}
	}
	pack, packLen := cBytes(packed)
	in.direct.busy.Add(1)
	waited := time.Since(queued) // counted once the call has run here
	var cerr *C.char
	var made C.int
	var nmods C.Py_ssize_t
	directAdmission.started()
	// One call into C looks up (or makes) this thread's state and runs
	// the call: the goroutine cannot move to another thread in between,
	// so it need not lock its thread, and when a long call returns it
	// goes on on whichever thread has a processor for it.
	crv := C.modpy_direct_call(in.istate, C.int(kind), C.uint64_t(h), C.int(phase), pack, packLen,
		&x.ts, &x.entry, &made, &cerr, &nmods)
	if made != 0 {
		in.direct.used.Store(true)
		in.direct.threads.Add(1)
	}
	ran = crv != C.MODPY_NOT_DIRECT
	if !ran {
		in.direct.busy.Add(-1)
		if e != nil {
			e.exec = nil
		}
		if cerr != nil {
			return 500, errors.New("python: direct call: " + takeCString(cerr)), true
		}
		return 0, nil, false
	}
	if qw := in.rt.opts.QueueWait; qw != nil {
		qw(waited)
	}
	in.direct.busy.Add(-1)
	if e != nil {
		e.exec = nil
	}
	if nmods >= 0 {
		in.modules.Store(int64(nmods))
	}
	if crv == C.MODPY_CALL_FAILED {
		return 500, errCallFailed(in.Name), true
	}
	return int(crv), nil, true
}

// directRoute runs a request's phase on the caller's own thread
// (callDirect), or hands it off when it cannot.
type directRoute struct{}

func (directRoute) run(rt *Runtime, c pyCall) (int, *Interp, error) {
	in, err := c.interp(rt)
	if err != nil {
		return 500, nil, err
	}
	if rv, err, ok := in.callDirect(c.kind, c.req, c.h, c.phase, c.pack, c.lim); ok {
		return rv, in, err
	}
	c.in = in
	return handoffRoute{}.run(rt, c)
}

// errCallFailed is the error of a call into Python that raised out of
// mod_python's entry point (the traceback went to the error log).
func errCallFailed(name string) error {
	return errors.New("python: call into \"" + name + "\" failed (see the error log)")
}
