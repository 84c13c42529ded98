package python

/*
#include "modpy.h"
*/
import "C"

import (
	"errors"
	"sync"
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
// The pool's policy carries over: while an interpreter's direct calls
// average under growDelay, one runs at a time in the process (directGate:
// the GIL is one, and more would only take turns at it); a call that runs
// longer lets the next one in; longer calls (they wait: I/O, sleep) run
// side by side. ThreadsPerChild still bounds the calls running Python.
//
// The thread states live on the server's own threads, which outlive any
// interpreter's end, so an interpreter that has them is never ended in the
// process: ending it recycles the worker instead (EndInterp). Calls whose
// configuration can end the interpreter (PythonInterpMaxRequests,
// PythonInterpIdleTimeout, PythonInterpReload) or interrupt it
// (PythonRequestTimeout) are handed off as before.

// directGate admits one short direct call at a time.
var directGate = make(chan struct{}, 1)

// directStats are an interpreter's direct calls.
type directStats struct {
	used    atomic.Bool  // a thread holds a direct thread state of it
	threads atomic.Int64 // threads holding one
	busy    atomic.Int64 // direct calls running
	avg     atomic.Int64 // their average duration (an EWMA over about 8), ns
}

// directOK reports whether req's call may run directly.
func directOK(req *request.Request) bool {
	py := &req.Py
	return py.MaxRequests == 0 && py.IdleTimeout == 0 && !py.Reload && py.RequestTimeout == 0
}

// gateRelease lets the next short call in, once: when the call ends, or
// from its timer when the call is still running after growDelay.
type gateRelease struct {
	done  atomic.Bool
	timer *time.Timer // runs release; armed while the call runs
}

// gateReleases are gateRelease values to reuse (their timers with them).
var gateReleases sync.Pool

// takeGate returns the gate's release for a call that has just passed it.
func takeGate() *gateRelease {
	g, ok := gateReleases.Get().(*gateRelease)
	if !ok {
		g = &gateRelease{}
		g.timer = time.AfterFunc(time.Hour, g.release)
		g.timer.Stop()
	}
	g.done.Store(false)
	return g
}

// arm starts the timer: the gate opens after growDelay if the call is
// still running.
func (g *gateRelease) arm() { g.timer.Reset(growDelay) }

// end releases the gate if the timer has not, and keeps g for reuse
// unless its timer has fired (its function may still be about to run,
// and must not release a later call's gate).
func (g *gateRelease) end() {
	stopped := g.timer.Stop()
	g.release()
	if stopped {
		gateReleases.Put(g)
	}
}

func (g *gateRelease) release() {
	if g.done.CompareAndSwap(false, true) {
		<-directGate
	}
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
	var gate *gateRelease
	if in.direct.avg.Load() < int64(growDelay) {
		if !sendBefore(directGate, deadline) {
			return 0, ErrQueueTimeout, true
		}
		gate = takeGate()
		defer gate.end()
	}
	if gate != nil {
		gate.arm()
	}
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
	start := time.Now()
	waited := start.Sub(queued) // counted once the call has run here
	var cerr *C.char
	var made C.int
	var nmods C.Py_ssize_t
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
	if crv == C.MODPY_NOT_DIRECT {
		in.direct.busy.Add(-1)
		if e != nil {
			e.exec = nil
		}
		if cerr != nil {
			return 500, errors.New("python: direct call: " + takeCString(cerr)), true
		}
		return 0, nil, false
	}
	d := int64(time.Since(start))
	if qw := in.rt.opts.QueueWait; qw != nil {
		qw(waited)
	}
	in.direct.busy.Add(-1)
	if e != nil {
		e.exec = nil
	}
	avg := in.direct.avg.Load()
	in.direct.avg.Store(avg + (d-avg)/8)
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
