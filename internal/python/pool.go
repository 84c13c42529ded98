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
	"time"
)

// pool is an interpreter's threads and the jobs waiting for them. Idle
// threads form a stack: the thread that went idle last takes the next job,
// so under light load extra threads stay idle long enough to exit.
type pool struct {
	mu        sync.Mutex
	idle      []*worker // LIFO
	queue     []*job    // jobs no thread has taken yet, oldest first
	threads   int       // live threads, including starting ones
	busy      int       // threads running a job
	completed uint64    // jobs finished
	stopping  bool
}

// worker is one pool thread's mailbox.
type worker struct {
	ch chan *job // capacity 1: a job handed to this idle thread
}

// growDelay: a job that waited this long while no thread of the pool
// finished anything, with every thread busy, makes the pool start another
// thread. Python threads share the GIL, so a thread per waiting request would
// only fight over it (on 2 cores, hello world ran at 3,700 requests/s with 25
// threads against 9,300 with one); threads blocked in I/O or sleep finish
// nothing, and then the pool grows.
const growDelay = 2 * time.Millisecond

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
	j.kind, j.h, j.phase, j.a, j.b, j.err, j.taken = kind, h, phase, a, b, nil, false
	p := &in.pool
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.busy++
		j.taken = true
		p.mu.Unlock()
		w.ch <- j
		<-j.done
	} else {
		p.queue = append(p.queue, j)
		first := p.threads == 0
		if first {
			p.threads++
		}
		p.mu.Unlock()
		if first {
			in.startThread()
		}
		in.waitQueued(j)
	}
	rv, err := j.rv, j.err
	j.a, j.b = "", ""
	jobPool.Put(j)
	return rv, err
}

// waitQueued waits for a queued job to finish, starting another thread
// (within ThreadsPerChild) when the pool is stuck: every thread busy and
// none finished anything for growDelay.
func (in *Interp) waitQueued(j *job) {
	p := &in.pool
	if j.timer == nil {
		j.timer = time.NewTimer(growDelay)
	} else {
		j.timer.Reset(growDelay)
	}
	p.mu.Lock()
	seen := p.completed
	p.mu.Unlock()
	for {
		select {
		case <-j.done:
			j.timer.Stop()
			return
		case <-j.timer.C:
		}
		p.mu.Lock()
		if j.taken {
			p.mu.Unlock()
			<-j.done
			return
		}
		grow := p.completed == seen && p.busy == p.threads && p.threads < in.rt.opts.ThreadsPerChild
		if grow {
			p.threads++
		}
		seen = p.completed
		p.mu.Unlock()
		if grow {
			in.startThread()
		}
		j.timer.Reset(growDelay)
	}
}

func (in *Interp) startThread() {
	in.threads.Add(1)
	go in.thread()
}

// thread is one OS thread of the pool: locked to this goroutine for life,
// with one thread state of this interpreter. It exits when the interpreter
// ends, or after IdleThreadTimeout idle unless it is the pool's last thread.
func (in *Interp) thread() {
	runtime.LockOSThread() // never unlocked: the OS thread ends with us
	defer in.threads.Done()
	p := &in.pool
	var entry *C.PyObject
	var cerr *C.char
	ts := C.modpy_thread_new(in.istate, &entry, &cerr)
	if ts == nil || entry == nil {
		err := fmt.Errorf("python: thread for %q: %s", in.Name, takeCString(cerr))
		in.rt.logf(3, in.Name, "%v", err)
		if ts != nil {
			C.modpy_thread_delete(ts, nil)
		}
		in.failQueued(err)
		return
	}
	defer C.modpy_thread_delete(ts, entry)

	w := &worker{ch: make(chan *job, 1)}
	idle := time.NewTimer(in.rt.opts.IdleThreadTimeout)
	defer idle.Stop()
	for {
		p.mu.Lock()
		if p.stopping {
			p.threads--
			p.mu.Unlock()
			return
		}
		if len(p.queue) > 0 {
			j := p.queue[0]
			p.queue[0] = nil
			p.queue = p.queue[1:]
			j.taken = true
			p.busy++
			p.mu.Unlock()
			in.runJob(ts, entry, j)
			continue
		}
		p.idle = append(p.idle, w)
		p.mu.Unlock()
		idle.Reset(in.rt.opts.IdleThreadTimeout)
		select {
		case j := <-w.ch:
			in.runJob(ts, entry, j)
		case <-idle.C:
			p.mu.Lock()
			if p.threads > 1 && p.removeIdle(w) {
				p.threads--
				p.mu.Unlock()
				return
			}
			p.mu.Unlock()
		case <-in.stop:
			p.mu.Lock()
			if p.removeIdle(w) {
				p.threads--
				p.mu.Unlock()
				return
			}
			p.mu.Unlock()
			// A job was handed to us just now: run it first.
			in.runJob(ts, entry, <-w.ch)
		}
	}
}

// removeIdle takes w off the idle stack; false if a caller took it first
// (and is about to hand it a job). p.mu must be held.
func (p *pool) removeIdle(w *worker) bool {
	for i, x := range p.idle {
		if x == w {
			copy(p.idle[i:], p.idle[i+1:])
			p.idle[len(p.idle)-1] = nil
			p.idle = p.idle[:len(p.idle)-1]
			return true
		}
	}
	return false
}

func (in *Interp) runJob(ts *C.PyThreadState, entry *C.PyObject, j *job) {
	j.rv = in.run(ts, entry, j)
	p := &in.pool
	p.mu.Lock()
	p.busy--
	p.completed++
	p.mu.Unlock()
	j.done <- struct{}{}
}

// failQueued fails every queued job when a thread could not be made, and
// gives up that thread's place.
func (in *Interp) failQueued(err error) {
	p := &in.pool
	p.mu.Lock()
	p.threads--
	var failed []*job
	if p.threads == 0 {
		failed, p.queue = p.queue, nil
	}
	p.mu.Unlock()
	for _, j := range failed {
		j.rv, j.err = 0, err
		j.done <- struct{}{}
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
	in.pool.mu.Lock()
	in.pool.stopping = true
	in.pool.mu.Unlock()
	close(in.stop)
	in.threads.Wait()
}

// stats returns the pool's thread count and busy threads.
func (in *Interp) stats() (threads, busy int) {
	in.pool.mu.Lock()
	defer in.pool.mu.Unlock()
	return in.pool.threads, in.pool.busy
}
