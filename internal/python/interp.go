package python

/*
#include "modpy.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"modpy/internal/request"
)

type interpState int

const (
	stateRunning interpState = iota
	stateEnding
	stateEnded
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

	work     chan *job // unbuffered: a send succeeds only into an idle thread
	stop     chan struct{}
	threads  sync.WaitGroup
	nthreads atomic.Int32
	busy     atomic.Int32
	requests atomic.Uint64
	inflight sync.WaitGroup

	mu sync.Mutex
	st interpState
}

// Kinds of call into mod_python.apache._modpy_entry (MODPY_CALL_* in modpy.h).
const (
	callDispatch = 1
	callImport   = 2
	callEval     = 3
	callNoop     = 4
)

type job struct {
	kind  int
	h     uint64
	phase int
	a, b  string
	rv    int
	err   error
	done  chan struct{}
}

var jobPool = sync.Pool{New: func() any { return &job{done: make(chan struct{}, 1)} }}

func newInterp(rt *Runtime, name string, ts *C.PyThreadState) *Interp {
	in := &Interp{
		Name:  name,
		rt:    rt,
		ready: make(chan struct{}),
		work:  make(chan *job),
		stop:  make(chan struct{}),
	}
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

// errEnding is returned to calls that raced with End.
var errEnding = errors.New("python: interpreter is ending")

// call hands a job to one of the interpreter's threads and waits for it.
// It holds one of the process's ThreadsPerChild tokens while the job runs.
func (in *Interp) call(kind int, h uint64, phase int, a, b string) (int, error) {
	in.mu.Lock()
	if in.st != stateRunning {
		in.mu.Unlock()
		return 0, errEnding
	}
	in.inflight.Add(1)
	in.mu.Unlock()
	defer in.inflight.Done()

	in.rt.busy <- struct{}{}
	defer func() { <-in.rt.busy }()

	j := jobPool.Get().(*job)
	j.kind, j.h, j.phase, j.a, j.b, j.err = kind, h, phase, a, b, nil
	select {
	case in.work <- j:
	default:
		if int(in.nthreads.Load()) < in.rt.opts.ThreadsPerChild {
			in.spawn()
		}
		in.work <- j
	}
	<-j.done
	rv, err := j.rv, j.err
	j.a, j.b = "", ""
	jobPool.Put(j)
	return rv, err
}

func (in *Interp) spawn() {
	n := in.nthreads.Add(1)
	in.threads.Add(1)
	go in.thread(n == 1)
}

// thread is one OS thread of the pool. The first one stays for the
// interpreter's life; later ones exit after IdleThreadTimeout without work.
func (in *Interp) thread(first bool) {
	runtime.LockOSThread() // never unlocked: the OS thread ends with us
	defer in.threads.Done()
	defer in.nthreads.Add(-1)
	var entry *C.PyObject
	var cerr *C.char
	ts := C.modpy_thread_new(in.istate, &entry, &cerr)
	if ts == nil || entry == nil {
		err := fmt.Errorf("python: thread for %q: %s", in.Name, takeCString(cerr))
		in.rt.logf(3, in.Name, "%v", err)
		if ts != nil {
			C.modpy_thread_delete(ts, nil)
		}
		// Fail whatever comes until another thread can serve.
		for {
			select {
			case j := <-in.work:
				j.rv, j.err = 0, err
				j.done <- struct{}{}
			case <-in.stop:
				return
			case <-time.After(time.Second):
				return
			}
		}
	}
	defer C.modpy_thread_delete(ts, entry)

	var idle *time.Timer
	var idleC <-chan time.Time
	if !first {
		idle = time.NewTimer(in.rt.opts.IdleThreadTimeout)
		defer idle.Stop()
		idleC = idle.C
	}
	for {
		select {
		case j := <-in.work:
			in.busy.Add(1)
			j.rv = in.run(ts, entry, j)
			in.busy.Add(-1)
			j.done <- struct{}{}
			if idle != nil {
				idle.Reset(in.rt.opts.IdleThreadTimeout)
			}
		case <-idleC:
			return
		case <-in.stop:
			return
		}
	}
}

func (in *Interp) run(ts *C.PyThreadState, entry *C.PyObject, j *job) int {
	var pa, pb *C.char
	if len(j.a) > 0 {
		pa = (*C.char)(unsafeStringData(j.a))
	}
	if len(j.b) > 0 {
		pb = (*C.char)(unsafeStringData(j.b))
	}
	rv := C.modpy_call(ts, entry, C.int(j.kind), C.uint64_t(j.h), C.int(j.phase),
		pa, C.Py_ssize_t(len(j.a)), pb, C.Py_ssize_t(len(j.b)))
	if rv == C.MODPY_CALL_FAILED {
		j.err = fmt.Errorf("python: call into %q failed (see the error log)", in.Name)
		return 500
	}
	return int(rv)
}

// drain waits for the requests in flight. The caller has set stateEnding so
// no new ones start.
func (in *Interp) drain() { in.inflight.Wait() }

// stopThreads stops every thread of the pool; each deletes its own thread
// state on its own OS thread before it exits.
func (in *Interp) stopThreads() {
	close(in.stop)
	in.threads.Wait()
}

// Run runs the handlers of req's phase (req.Phase, req.Handlers, req.Py) in
// the interpreter called name, creating it if needed. It returns the phase
// result: apache.OK (0), DECLINED (-1), DONE (-2) or an HTTP status.
func (rt *Runtime) Run(name string, req *request.Request) (int, error) {
	for attempt := 0; ; attempt++ {
		in, err := rt.Interp(name)
		if err != nil {
			return 500, err
		}
		h := register(req)
		req.Interpreter = name
		rv, err := in.call(callDispatch, h, phaseIndex(req.Phase), "", "")
		if err == errEnding && attempt < 3 {
			continue
		}
		in.requests.Add(1)
		return rv, err
	}
}

// Release forgets req: a Python object that kept it raises from now on.
// The server calls it when the request is over.
func (rt *Runtime) Release(req *request.Request) { unregister(req) }

// Import runs PythonImport module[::fn] in the interpreter called name,
// creating it. Errors are logged by Python and returned.
func (rt *Runtime) Import(name, module, fn string) error {
	in, err := rt.Interp(name)
	if err != nil {
		return err
	}
	rv, err := in.call(callImport, 0, 0, module, fn)
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
	return in.call(callEval, 0, 0, expr, "")
}
