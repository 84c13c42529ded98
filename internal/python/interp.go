package python

/*
#include "modpy.h"
*/
import "C"

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"modpy/internal/request"
)

// Interp is one named interpreter and its pool of OS threads. Each thread
// is locked to its goroutine for its whole life and holds one thread state
// of this interpreter only, so PyGILState_Ensure on it finds this
// interpreter.
type Interp struct {
	Name string

	rt      *Runtime
	ready   chan struct{} // closed once created (or failed: err)
	err     error
	ts      *C.PyThreadState // the control thread's state (sub-interpreters) or the main one
	istate  *C.PyInterpreterState
	created time.Time

	stop    chan struct{}
	threads sync.WaitGroup
	// idleThreads is how long an extra thread of the pool waits for work
	// before it exits: Options.IdleThreadTimeout.
	idleThreads time.Duration
	requests    atomic.Uint64
	inflight    sync.WaitGroup
	// modules is len(sys.modules) after the last call into the
	// interpreter, -1 before the first: read by the status page without
	// a hand-off.
	modules atomic.Int64

	// lastUsed (the runtime's clock) and idleTimeout (the
	// PythonInterpIdleTimeout its last request carried) drive the reaper.
	lastUsed    atomic.Int64
	idleTimeout atomic.Int64
	// refused: it could not be ended once, which was reported (OnCannotEnd).
	refused atomic.Bool
	// direct: its direct calls (direct.go).
	direct directStats

	// interrupts feed the interrupter thread (PythonRequestTimeout),
	// started on first use.
	interrupterOnce sync.Once
	interrupts      chan interruptReq

	mu      sync.Mutex
	st      interpState   // (state.go) changed by setState only
	endDone chan struct{} // closed when an End in progress is over

	pool pool
}

type job struct {
	kind  int
	h     uint64
	phase int
	a, b  string
	pack  []byte // the phase data of a dispatch call (pack.go), nil else
	rv    int
	err   error
	done  chan struct{}
	timer *time.Timer
	taken bool   // a thread has it (guarded by the pool's lock)
	seq   uint64 // bumped at each use of the pooled job
	// queuedAt and takenAt (the pool's clock, set under its lock) give
	// the job's queue wait.
	queuedAt, takenAt time.Duration
}

var jobPool = sync.Pool{New: func() any { return &job{done: make(chan struct{}, 1)} }}

func newInterp(rt *Runtime, name string, ts *C.PyThreadState) *Interp {
	in := &Interp{
		Name:        name,
		rt:          rt,
		ready:       make(chan struct{}),
		stop:        make(chan struct{}),
		idleThreads: rt.opts.IdleThreadTimeout,
	}
	in.modules.Store(-1)
	if ts != nil {
		in.setTS(ts)
	}
	return in
}

func (in *Interp) setTS(ts *C.PyThreadState) {
	in.ts = ts
	in.istate = C.modpy_interp_of(ts)
	in.created = time.Now()
}

func (in *Interp) state() interpState {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.st
}

// Served is what a call into an interpreter tells the server besides its
// result, for the server's interpreter policy (PythonInterpMaxRequests):
// the interpreter that ran it and how many requests it has served.
type Served struct {
	// Interp is the interpreter that ran the call: this very one, which
	// EndInterp ends even if the name has a new one meanwhile. It is nil
	// when no interpreter could be had.
	Interp *Interp
	// Requests is how many requests Interp has served, this one included.
	Requests uint64
	// Nested: the call was made from inside another call (an internal
	// redirect's phase), which still runs.
	Nested bool
}

// Run runs the handlers of req's phase (req.Phase, req.Handlers, req.Py) in
// the interpreter called name, creating it if needed. It returns the phase
// result: apache.OK (0), DECLINED (-1), DONE (-2) or an HTTP status; and
// where it ran.
func (rt *Runtime) Run(name string, req *request.Request) (int, Served, error) {
	return rt.dispatch(callDispatch, name, req)
}

// RunConnection runs req's PythonConnectionHandler (req.Handlers[0]) in
// the interpreter called name, creating it if needed, with the connection
// object (_entry.py's _conn_dispatch). It returns the handler's result
// (apache.OK, or DECLINED to leave the connection to HTTP) and where it ran.
func (rt *Runtime) RunConnection(name string, req *request.Request) (int, Served, error) {
	return rt.dispatch(callConnection, name, req)
}

// dispatch is Run (kind callDispatch), RunConnection (callConnection)
// and RunWSGI (callWSGI).
func (rt *Runtime) dispatch(kind int, name string, req *request.Request) (int, Served, error) {
	r := routeFor(req, kind)
	if _, nested := r.(*nestedRoute); nested {
		return rt.dispatchNested(r, kind, name, req)
	}
	for attempt := 0; ; attempt++ {
		in, err := rt.Interp(name)
		if err != nil {
			return 500, Served{}, err
		}
		c := pyCall{name: name, in: in, req: req, kind: kind, h: register(req)}
		req.Interpreter = name
		in.idleTimeout.Store(int64(req.Py.IdleTimeout))
		c.lim = limits{queue: req.Py.QueueTimeout, run: req.Py.RequestTimeout}
		switch {
		case c.lim.run <= 0:
		case kind == callWSGI:
			c.lim.what = fmt.Sprintf("WSGI script %s for %s %s", req.WSGI.Script, req.Method, req.URI)
		case len(req.Handlers) > 0:
			c.lim.what = fmt.Sprintf("%s %s for %s %s", req.Phase, req.Handlers[0].Spec, req.Method, req.URI)
		}
		c.phase = req.Phase.Index()
		p := getPacker()
		packCall(p, kind, req)
		c.pack = p.b
		rv, _, err := r.run(rt, c)
		putPacker(p)
		in.lastUsed.Store(int64(rt.clock()))
		if err == errEnding && attempt < 3 {
			continue
		}
		if rv == callReload && err == nil && attempt < 3 {
			rt.EndInterp(in, EndReload, "PythonInterpReload: the site's files changed")
			continue
		}
		return rv, Served{Interp: in, Requests: in.requests.Add(1)}, err
	}
}

// dispatchNested is dispatch for a call made from inside another (route
// r is nested): no limits of its own (the outer call's hold), no retry,
// no reload.
func (rt *Runtime) dispatchNested(r route, kind int, name string, req *request.Request) (int, Served, error) {
	c := pyCall{name: name, req: req, kind: kind, h: register(req)}
	req.Interpreter = name
	// An interpreter cannot end while a call runs in it: the clean-slate
	// reload waits for the next outermost request.
	req.Py.Reload = false
	c.phase = req.Phase.Index()
	p := getPacker()
	defer putPacker(p)
	packCall(p, kind, req)
	c.pack = p.b
	rv, in, err := r.run(rt, c)
	var sv Served
	if in != nil {
		sv = Served{Interp: in, Requests: in.requests.Add(1), Nested: true}
	}
	return rv, sv, err
}

// Release forgets req: a Python object that kept it raises from now on.
// The server calls it when the request is over.
func (rt *Runtime) Release(req *request.Request) { unregister(req) }

// Import runs PythonImport module[::fn] in the interpreter called name,
// creating it. Errors are logged by Python and returned.
func (rt *Runtime) Import(name, module, fn string) error {
	rv, _, err := routeFor(nil, callImport).run(rt, pyCall{name: name, kind: callImport, a: module, b: fn})
	if err != nil {
		return err
	}
	if rv != 0 {
		return fmt.Errorf("python: PythonImport %s failed in %q (see the error log)", module, name)
	}
	return nil
}

// Eval evaluates a Python expression yielding an int in the interpreter
// called name. It is meant for tests and diagnostics.
func (rt *Runtime) Eval(name, expr string) (int, error) {
	in, err := rt.Interp(name)
	if err != nil {
		return 0, err
	}
	rv, _, err := routeFor(nil, callEval).run(rt, pyCall{name: name, in: in, kind: callEval, a: expr})
	return rv, err
}
