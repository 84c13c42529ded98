package python

/*
#include "modpy.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"modpy/internal/loglevel"
)

// pool is an interpreter's threads and the jobs waiting for them.
//
// Threads of one interpreter share the GIL, so two of them running short
// Python jobs at once only take turns at it, paying a context switch per
// turn. While jobs are short (they average under growDelay), the pool keeps
// one thread running at a time: a new job goes to another thread only when
// no busy thread is "fresh" (started its job within growDelay), i.e. the
// busy ones are blocked. When jobs take longer they mostly wait (I/O,
// sleep), and every idle thread, or a new one up to ThreadsPerChild, takes
// the next job at once. Idle threads form a stack, so the extra ones stay
// idle under light load and exit after IdleThreadTimeout.
//
// Measured on 2 cores, modpy -X: hello world (wrk -c32) with a thread per
// waiting job: 25 threads, 3,700 requests/s; one at a time: 17,000. A
// handler sleeping 10 ms (wrk -c64, ThreadsPerChild 32) with one fresh
// thread at a time whatever the job length: 394 requests/s; with the
// average job time deciding: 2,700.
type pool struct {
	mu        sync.Mutex
	base      time.Time // origin of the workers' busySince clocks
	all       []*worker // every live thread
	idle      []*worker // LIFO
	queue     []*job    // jobs no thread has taken yet, oldest first
	threads   int       // live threads, including starting ones
	busy      int       // threads running a job
	completed uint64    // jobs finished
	avgJob    time.Duration
	// stopping: the pool's threads are to stop (the interpreter is
	// ending, past its drain); each goes to threadStopped at its next
	// look.
	stopping bool
}

// worker is one pool thread.
type worker struct {
	ch chan *job // capacity 1: a job handed to this idle thread
	ts *C.PyThreadState
	// state (state.go), job (the job it runs while threadBusy) and
	// busySince are guarded by the pool's lock.
	state     threadState
	job       *job
	busySince time.Duration
	// nmods is len(sys.modules) after this thread's last call (C writes it).
	nmods C.Py_ssize_t
	// interrupted: a RequestTimeout was raised in this thread; the next
	// job clears any that arrived too late for the old one.
	interrupted atomic.Bool
	// exec is what a request running on this thread points to (entry.exec).
	exec execCtx
}

// limits bound one call: how long it may wait for a thread (queue) and how
// long it may run before its handler is interrupted (run); 0 = no limit.
type limits struct {
	queue, run time.Duration
	what       string // the call, for a stuck thread's log line
	nested     bool   // made from inside another call (nestedRoute)
}

// ErrQueueTimeout is returned when a request waited longer than
// PythonInterpQueueTimeout for a thread; the server answers 503.
var ErrQueueTimeout = errors.New("python: no thread of the interpreter became free in time")

// growDelay is how long a job may run before its thread counts as stuck
// (blocked in I/O or sleeping, or busy computing) and another thread may
// run a job next to it.
const growDelay = 2 * time.Millisecond

// errEnding is returned to calls that raced with End.
var errEnding = errors.New("python: interpreter is ending")

func (p *pool) now() time.Duration {
	if p.base.IsZero() {
		p.base = time.Now()
	}
	return time.Since(p.base)
}

// oneAtATime reports whether a queued job should wait for the thread that
// is running fresh: only while jobs are short (they average under
// growDelay), so they are CPU work that more threads would only take turns
// at. Jobs that take longer mostly wait (I/O, sleep): then any idle thread,
// or a new one, takes the next job at once.
func (p *pool) oneAtATime(now time.Duration) bool {
	return p.avgJob < growDelay && p.freshBusy(now)
}

// freshBusy reports whether some thread started its job within growDelay:
// it is making progress, and will take the next queued job itself.
func (p *pool) freshBusy(now time.Duration) bool {
	for _, w := range p.all {
		if w.state == threadBusy && now-w.busySince < growDelay {
			return true
		}
	}
	return false
}

// assign makes w busy with j: from threadLooking (it took j off the
// queue) or threadIdle (a caller handed j to it). p.mu must be held.
func (p *pool) assign(w *worker, j *job, now time.Duration) {
	p.setThread(w, threadBusy)
	w.busySince, w.job = now, j
	j.taken, j.takenAt = true, now
}

// engage puts one more thread to work on the queue when no busy thread is
// fresh: an idle one, else a new one within max. It reports whether a new
// thread must be started. p.mu must be held.
func (p *pool) engage(now time.Duration, max int) (start bool) {
	if len(p.queue) == 0 || p.oneAtATime(now) {
		return false
	}
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		j := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.assign(w, j, now)
		w.ch <- j // capacity 1 and w was idle: never blocks
		return false
	}
	if p.threads < max && p.threads == p.busy {
		p.threads++
		return true
	}
	return false
}

// call hands a job to one of the interpreter's threads and waits for it.
// It holds one of the process's ThreadsPerChild tokens while the job runs.
func (in *Interp) call(kind int, h uint64, phase int, a, b string, pack []byte, lim limits) (int, error) {
	if !in.enter() {
		return 0, errEnding
	}
	defer in.inflight.Done()

	var deadline time.Time
	if lim.queue > 0 {
		deadline = time.Now().Add(lim.queue)
	}
	// A nested call (see nestedRoute) runs under its caller's token: taking
	// a second one could wait forever for itself.
	if !lim.nested {
		if !in.rt.takeToken(deadline) {
			return 0, ErrQueueTimeout
		}
		defer func() { <-in.rt.busy }()
	}

	j := jobPool.Get().(*job)
	j.kind, j.h, j.phase, j.a, j.b, j.pack, j.err, j.taken = kind, h, phase, a, b, pack, nil, false
	j.seq++
	p := &in.pool
	p.mu.Lock()
	now := p.now()
	j.queuedAt = now
	p.queue = append(p.queue, j)
	start := p.threads == 0
	if start {
		p.threads++
	} else {
		start = p.engage(now, in.rt.opts.ThreadsPerChild)
	}
	p.mu.Unlock()
	if start {
		in.startThread()
	}
	var stop, stuck *time.Timer
	if lim.run > 0 {
		seq := j.seq
		stop = time.AfterFunc(lim.run, func() { in.interrupt(j, seq) })
		if onStuck := in.rt.opts.OnStuck; onStuck != nil {
			stuck = time.AfterFunc(lim.run+stuckGrace(lim.run), func() {
				if in.running(j, seq) {
					onStuck(in.Name, lim.what)
				}
			})
		}
	}
	err := in.waitQueued(j, deadline)
	if stop != nil {
		stop.Stop()
	}
	if stuck != nil {
		stuck.Stop()
	}
	// Queue wait: from the hand-off to a thread taking the job (both on
	// the pool's clock, read under its lock: no extra clock read here).
	if qw := in.rt.opts.QueueWait; qw != nil && j.taken {
		qw(j.takenAt - j.queuedAt)
	}
	rv := j.rv
	if err == nil {
		err = j.err
	}
	j.a, j.b, j.pack = "", "", nil
	jobPool.Put(j)
	return rv, err
}

// enter counts a call in flight (drain waits for it); false when the
// interpreter is ending.
func (in *Interp) enter() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.st != interpReady {
		return false
	}
	in.inflight.Add(1)
	return true
}

// Saturated reports whether every one of the ThreadsPerChild tokens is
// taken: a new call would wait for a running one to end.
func (rt *Runtime) Saturated() bool { return len(rt.busy) >= cap(rt.busy) }

// takeToken takes one of the ThreadsPerChild tokens, waiting at most until
// deadline (zero: no limit).
func (rt *Runtime) takeToken(deadline time.Time) bool { return sendBefore(rt.busy, deadline) }

// sendBefore takes a place in the semaphore ch, waiting at most until
// deadline (zero: no limit).
func sendBefore(ch chan struct{}, deadline time.Time) bool {
	select {
	case ch <- struct{}{}:
		return true
	default:
	}
	if deadline.IsZero() {
		ch <- struct{}{}
		return true
	}
	t := getTimer(time.Until(deadline))
	defer putTimer(t)
	select {
	case ch <- struct{}{}:
		return true
	case <-t.C:
		return false
	}
}

// timers are stopped channel timers to reuse: a wait with a deadline
// needs one, and waits at a busy gate come once per request under load.
var timers sync.Pool

// getTimer returns a timer running for d.
func getTimer(d time.Duration) *time.Timer {
	if t, ok := timers.Get().(*time.Timer); ok {
		t.Reset(d)
		return t
	}
	return time.NewTimer(d)
}

// putTimer stops t and keeps it for reuse. Since Go 1.23 a stopped timer's
// channel holds no stale value, so a later Reset starts clean.
func putTimer(t *time.Timer) {
	t.Stop()
	timers.Put(t)
}

// waitQueued waits for a job to finish. While it is still queued and the
// pool runs short jobs one at a time, it checks every growDelay whether the
// busy threads are stuck, and if so engages another thread; otherwise (long
// jobs spread at once, or every thread already busy) a finishing thread
// takes it and there is nothing to check. Past deadline (if set) it gives
// up with ErrQueueTimeout.
func (in *Interp) waitQueued(j *job, deadline time.Time) error {
	p := &in.pool
	for {
		p.mu.Lock()
		if j.taken {
			p.mu.Unlock()
			<-j.done
			return nil
		}
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			p.removeQueued(j)
			p.mu.Unlock()
			return ErrQueueTimeout
		}
		start := p.engage(p.now(), in.rt.opts.ThreadsPerChild)
		poll := p.avgJob < growDelay && p.threads < in.rt.opts.ThreadsPerChild
		p.mu.Unlock()
		if start {
			in.startThread()
		}
		wait := time.Duration(-1)
		if poll {
			wait = growDelay
		}
		if !deadline.IsZero() {
			if d := time.Until(deadline); wait < 0 || d < wait {
				wait = max(d, 0)
			}
		}
		if wait < 0 {
			<-j.done
			return nil
		}
		if j.timer == nil {
			j.timer = time.NewTimer(wait)
		} else {
			j.timer.Reset(wait)
		}
		select {
		case <-j.done:
			j.timer.Stop()
			return nil
		case <-j.timer.C:
		}
	}
}

// removeQueued takes a job no thread has taken off the queue. p.mu must be
// held.
func (p *pool) removeQueued(j *job) {
	if i := slices.Index(p.queue, j); i >= 0 {
		p.queue = slices.Delete(p.queue, i, i+1)
	}
}

// interrupt raises RequestTimeout in the thread running j, if it still runs
// that call (seq): PythonRequestTimeout. The interpreter's interrupter
// thread does it, holding the GIL in the interpreter, so the target is
// inside Python or has just left it; in the second case its next job
// clears the exception.
func (in *Interp) interrupt(j *job, seq uint64) {
	in.interrupterOnce.Do(func() {
		in.interrupts = make(chan interruptReq, 16)
		in.threads.Add(1)
		go in.interrupter()
	})
	select {
	case in.interrupts <- interruptReq{j, seq}:
	default: // a backlog of interrupts: this one can wait for the next
	}
}

type interruptReq struct {
	j   *job
	seq uint64
}

// interrupter is a locked OS thread with a thread state of its own in the
// interpreter, started on the first PythonRequestTimeout. Waiting for a GIL
// that C code holds stalls only it, never the control thread.
func (in *Interp) interrupter() {
	fresh := in.onOwnThreadState("interrupter thread", func(ts *C.PyThreadState) {
		for {
			select {
			case r := <-in.interrupts:
				in.raiseTimeout(ts, r)
			case <-in.stop:
				return
			}
		}
	})
	if !fresh {
		go in.interrupter()
	}
}

// onOwnThreadState runs fn locked to this goroutine's OS thread with a
// thread state of its own in the interpreter, deleted when fn returns;
// what names the thread in the log line when that state cannot be made
// (fn then does not run). It counts as one of in.threads while it runs.
// False: the OS thread held a direct call's thread state
// (lockFreshThread), fn did not run, and the caller must start again on
// a new goroutine, returning at once so that this OS thread ends.
func (in *Interp) onOwnThreadState(what string, fn func(ts *C.PyThreadState)) bool {
	if !lockFreshThread() {
		return false
	}
	defer in.threads.Done()
	var entry *C.PyObject
	var cerr *C.char
	ts := C.modpy_thread_new(in.istate, &entry, &cerr)
	if ts == nil {
		in.rt.logf(loglevel.Error, in.Name, "python: %s for %q: %s", what, in.Name, takeCString(cerr))
		return true
	}
	defer C.modpy_thread_delete(ts, entry)
	fn(ts)
	return true
}

func (in *Interp) raiseTimeout(ts *C.PyThreadState, r interruptReq) {
	C.modpy_attach(ts)
	defer C.modpy_detach()
	p := &in.pool
	p.mu.Lock()
	var target *worker
	for _, w := range p.all {
		if w.state == threadBusy && w.job == r.j && r.j.seq == r.seq {
			target = w
			w.interrupted.Store(true)
		}
	}
	p.mu.Unlock()
	if target != nil {
		C.modpy_raise_timeout(target.ts)
	}
}

// running reports whether j is still being run for call seq.
func (in *Interp) running(j *job, seq uint64) bool {
	p := &in.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range p.all {
		if w.state == threadBusy && w.job == j && j.seq == seq {
			return true
		}
	}
	return false
}

// stuckGrace is how long after PythonRequestTimeout a call may go on
// before its thread counts as stuck in C code: RequestTimeout only fires
// when the thread runs Python again.
func stuckGrace(run time.Duration) time.Duration {
	return max(2*time.Second, run)
}

func (in *Interp) startThread() {
	in.threads.Add(1)
	go in.thread()
}

// thread is one OS thread of the pool: locked to this goroutine for life,
// with one thread state of this interpreter. It exits when the interpreter
// ends, or after IdleThreadTimeout idle unless it is the pool's last thread.
func (in *Interp) thread() {
	if !lockFreshThread() {
		go in.thread()
		return
	}
	defer in.threads.Done()
	p := &in.pool
	w := &worker{ch: make(chan *job, 1)} // threadStarting
	var entry *C.PyObject
	var cerr *C.char
	ts := C.modpy_thread_new(in.istate, &entry, &cerr)
	if ts == nil {
		err := fmt.Errorf("python: thread for %q: %s", in.Name, takeCString(cerr))
		in.rt.logf(loglevel.Error, in.Name, "%v", err)
		in.failQueued(w, err)
		return
	}
	defer C.modpy_thread_delete(ts, entry)

	w.ts = ts
	p.mu.Lock()
	p.all = append(p.all, w)
	p.setThread(w, threadLooking)
	p.mu.Unlock()
	idle := time.NewTimer(in.idleThreads)
	defer idle.Stop()
	for {
		p.mu.Lock()
		if p.stopping {
			p.leave(w)
			p.mu.Unlock()
			return
		}
		// Take the next queued job, unless another thread is running
		// fresh and will: then this one would only contend for the GIL.
		if now := p.now(); len(p.queue) > 0 && !p.oneAtATime(now) {
			j := p.queue[0]
			p.queue[0] = nil
			p.queue = p.queue[1:]
			p.assign(w, j, now)
			p.mu.Unlock()
			in.runJob(ts, entry, w, j)
			continue
		}
		p.idle = append(p.idle, w)
		p.setThread(w, threadIdle)
		p.mu.Unlock()
		idle.Reset(in.idleThreads)
		select {
		case j := <-w.ch:
			in.runJob(ts, entry, w, j)
		case <-idle.C:
			p.mu.Lock()
			if p.removeIdle(w) {
				if p.threads > 1 {
					p.leave(w)
					p.mu.Unlock()
					return
				}
				// The pool's last thread stays: it looks again, and
				// goes back on the idle stack (once).
				p.setThread(w, threadLooking)
				p.mu.Unlock()
				continue
			}
			p.mu.Unlock()
			// A job was handed to us just now: run it first.
			in.runJob(ts, entry, w, <-w.ch)
		case <-in.stop:
			p.mu.Lock()
			if p.removeIdle(w) {
				p.leave(w)
				p.mu.Unlock()
				return
			}
			p.mu.Unlock()
			// A job was handed to us just now: run it first.
			in.runJob(ts, entry, w, <-w.ch)
		}
	}
}

// lockFreshThread locks the calling goroutine to its OS thread for life
// (the thread ends with the goroutine). It returns false when that thread
// already holds a direct call's thread state (direct.go): a thread holds
// states of one interpreter only, so the caller must return at once,
// which ends this OS thread, and start again on another.
func lockFreshThread() bool {
	runtime.LockOSThread() // never unlocked: the OS thread ends with us
	return C.modpy_thread_is_direct() == 0
}

// leave removes an exiting thread (threadStopped). p.mu must be held.
func (p *pool) leave(w *worker) {
	p.setThread(w, threadStopped)
	if i := slices.Index(p.all, w); i >= 0 {
		p.all = slices.Delete(p.all, i, i+1)
	}
}

// removeIdle takes w off the idle stack; false if a caller took it first
// (and is about to hand it a job). p.mu must be held.
func (p *pool) removeIdle(w *worker) bool {
	i := slices.Index(p.idle, w)
	if i < 0 {
		return false
	}
	p.idle = slices.Delete(p.idle, i, i+1) // (clears the freed slot)
	return true
}

func (in *Interp) runJob(ts *C.PyThreadState, pyEntry *C.PyObject, w *worker, j *job) {
	var e *entry
	var prev *execCtx
	if j.h != 0 {
		if e = lookup(C.uint64_t(j.h)); e != nil {
			w.exec = execCtx{in: in, ts: ts, entry: pyEntry}
			// A nested call handed off here (a filter of the request
			// in another interpreter) comes back to the call that made
			// it: that call is the request's again after this one.
			prev, e.exec = e.exec, &w.exec
		}
	}
	j.rv = in.run(ts, pyEntry, w, j, w.interrupted.Swap(false))
	// Only while the request's call is still this job's: the call found
	// may have ended meanwhile (this job came from a Python thread the
	// handler started), and must not come back.
	if e != nil && e.exec == &w.exec {
		e.exec = prev
	}
	if w.nmods >= 0 {
		in.modules.Store(int64(w.nmods))
	}
	p := &in.pool
	p.mu.Lock()
	p.completed++
	// The average job time (an EWMA over about 8 jobs) tells short,
	// CPU-bound jobs from ones that wait (see pool).
	p.avgJob += (p.now() - w.busySince - p.avgJob) / 8
	p.setThread(w, threadLooking)
	w.job = nil
	p.mu.Unlock()
	j.done <- struct{}{}
}

// failQueued fails every queued job when a thread could not be made, and
// gives up that thread's place (w, still threadStarting, stops).
func (in *Interp) failQueued(w *worker, err error) {
	p := &in.pool
	p.mu.Lock()
	p.setThread(w, threadStopped)
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

func cBool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

func (in *Interp) run(ts *C.PyThreadState, entry *C.PyObject, w *worker, j *job, clearAsync bool) int {
	pa, alen := cString(j.a)
	pb, blen := cString(j.b)
	pack, packLen := cBytes(j.pack)
	rv := C.modpy_call(ts, entry, C.int(j.kind), C.uint64_t(j.h), C.int(j.phase),
		pa, alen, pb, blen, pack, packLen, cBool(clearAsync), &w.nmods)
	if rv == C.MODPY_CALL_FAILED {
		j.err = errCallFailed(in.Name)
		return 500
	}
	return int(rv)
}

// drain waits for the requests in flight. The caller has set interpEnding so
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

// inUse reports whether the interpreter has requests in flight or queued.
func (in *Interp) inUse() bool {
	in.pool.mu.Lock()
	defer in.pool.mu.Unlock()
	return in.pool.busy > 0 || len(in.pool.queue) > 0
}

// stats returns the pool's thread count, busy threads and queued jobs.
func (in *Interp) stats() (threads, busy, queued int) {
	in.pool.mu.Lock()
	defer in.pool.mu.Unlock()
	return in.pool.threads, in.pool.busy, len(in.pool.queue)
}
