package python

/*
#cgo noescape modpy_gil_busy
#cgo nocallback modpy_gil_busy
#cgo noescape modpy_call_left
#cgo nocallback modpy_call_left
#include "modpy.h"
*/
import "C"

import (
	"sync"
	"sync/atomic"
	"time"
)

// Admission of direct calls (direct.go) into Python. The process has one
// GIL (Python 3.11's sub-interpreters share it), and two calls that run
// Python at once only take turns at it: each time one lets go of it (a
// sqlite step, a file read, a lock), the other takes it, and the first
// waits to have it back, a context switch each way. So a direct call goes
// in when the GIL is idle, and otherwise waits in Go, as a parked
// goroutine that holds no OS thread:
//
//   - a call goes in at once when no direct call is running, or when nobody
//     holds the GIL and no call let in is on its way to it or just out of
//     it (the calls running wait for something else: I/O, a sleep);
//   - otherwise it waits its turn, in arrival order. A call that ends lets
//     the first waiter in when no other call runs or the GIL is idle, and
//     otherwise has the waiters looked at again shortly after (tick);
//   - tick lets the first waiter in when the GIL stays idle. When no waiter
//     has been let in for fairDelay it lets one in anyway, one at a time
//     (not another before that one ends): a long computation then shares
//     the GIL with the next call, at CPython's switch interval, rather
//     than holding up every call behind it.
//
// What it replaced decided by the calls' average duration: while it was
// under growDelay one call ran at a time, and a call still running after
// growDelay let the next one in. A call's duration counts the time it
// waits for the GIL, so once a few CPU-bound calls ran side by side, each
// took longer, the average passed growDelay and every call went in: on a
// Django page (1 ms of CPU, a dozen GIL releases) 32 connections kept
// dozens of threads queued on the GIL, 13 context switches a request
// (docs/benchmarks.md, "The GIL convoy and the Go scheduler").
type admission struct {
	mu      sync.Mutex
	running int            // calls let in, not yet ended
	escaped bool           // one of them was let in by fairDelay
	waiters []*admitWaiter // in arrival order
	last    time.Time      // when a waiter was last let in, or the first came
	poll    *time.Timer    // runs tick; armed while there are waiters
	pollAt  time.Time      // when it fires
	// idleSeen: tick saw the GIL idle last time, with calls running.
	idleSeen bool
	// starting counts the calls let in that have not reached C yet: until
	// they take the GIL, it is theirs.
	starting atomic.Int32
}

// fairDelay is how long waiters wait at most, behind calls that hold the
// GIL, before one of them is let in anyway; recheckDelay is how soon they
// are looked at again after a call ends while others run.
const (
	fairDelay    = 5 * growDelay
	recheckDelay = 100 * time.Microsecond
)

// admitWaiter is a call waiting to be let in.
type admitWaiter struct {
	ch   chan struct{} // capacity 1: a value when it is let in
	in   bool          // it was let in (under the admission's lock)
	fair bool          // by fairDelay
}

// admitWaiters are waiters to reuse.
var admitWaiters = sync.Pool{New: func() any { return &admitWaiter{ch: make(chan struct{}, 1)} }}

// directAdmission admits the process's direct calls.
var directAdmission admission

// gilBusy reports whether the GIL is, or is about to be, held: by a thread
// now, by a call let in that has not reached it yet, or by one that has
// just let go of it and will let the next waiter in as it leaves. Before
// Python 3.12 CPython records the thread state holding the GIL in one
// global; from 3.12 it cannot be read from another thread
// (modpy_gil_busy says -1), and the GIL then counts as idle: calls go in
// as they come.
func (a *admission) gilBusy() bool {
	return a.starting.Load() > 0 || C.modpy_gil_busy() > 0
}

// enter lets the call in, at once or after waiting its turn (see the
// type). ok is false when deadline (zero: none) passed first; otherwise
// fair says whether fairDelay let it in, for leave.
func (a *admission) enter(deadline time.Time) (fair, ok bool) {
	a.mu.Lock()
	if a.running == 0 || !a.gilBusy() {
		a.letIn()
		a.mu.Unlock()
		return false, true
	}
	w := admitWaiters.Get().(*admitWaiter)
	w.in, w.fair = false, false
	a.waiters = append(a.waiters, w)
	if len(a.waiters) == 1 {
		a.last = time.Now() // (fairDelay counts from here)
		a.pollIn(growDelay)
	}
	a.mu.Unlock()
	var t *time.Timer
	var expired <-chan time.Time
	if !deadline.IsZero() {
		t = getTimer(time.Until(deadline))
		defer putTimer(t)
		expired = t.C
	}
	select {
	case <-w.ch:
	case <-expired:
		a.mu.Lock()
		if !w.in {
			for i, x := range a.waiters {
				if x == w {
					a.waiters = append(a.waiters[:i], a.waiters[i+1:]...)
					break
				}
			}
			a.mu.Unlock()
			admitWaiters.Put(w)
			return false, false
		}
		a.mu.Unlock()
		<-w.ch // let in as the deadline passed: take the place
	}
	fair = w.fair
	admitWaiters.Put(w)
	return fair, true
}

// started says that a call let in is about to run its C call (it takes
// the GIL there).
func (a *admission) started() { a.starting.Add(-1) }

// leave ends a call let in (fair: as enter said; ran: its C call ran
// Python, and counts as leaving until now).
func (a *admission) leave(fair, ran bool) {
	a.mu.Lock()
	if ran {
		C.modpy_call_left()
	}
	a.running--
	if fair {
		a.escaped = false
	}
	if len(a.waiters) > 0 {
		if a.running == 0 || !a.gilBusy() {
			a.letInFirst(false)
		} else {
			a.pollBy(recheckDelay)
		}
	}
	a.mu.Unlock()
}

// letIn counts one more call in. a.mu must be held.
func (a *admission) letIn() {
	a.running++
	a.starting.Add(1)
}

// letInFirst lets the first waiter in. a.mu must be held, and there must
// be a waiter.
func (a *admission) letInFirst(fair bool) {
	w := a.waiters[0]
	a.waiters[0] = nil
	a.waiters = a.waiters[1:]
	if len(a.waiters) == 0 {
		a.waiters = nil
	}
	a.letIn()
	w.in, w.fair = true, fair
	if fair {
		a.escaped = true
	}
	w.ch <- struct{}{}
	a.last = time.Now()
	a.idleSeen = false
	if len(a.waiters) > 0 {
		a.pollIn(growDelay)
	}
}

// pollIn has tick run d from now. a.mu must be held.
func (a *admission) pollIn(d time.Duration) {
	if a.poll == nil {
		a.poll = time.AfterFunc(d, a.tick)
	} else {
		a.poll.Reset(d)
	}
	a.pollAt = time.Now().Add(d)
}

// pollBy has tick run d from now at the latest. a.mu must be held.
func (a *admission) pollBy(d time.Duration) {
	if a.pollAt.IsZero() || time.Until(a.pollAt) > d {
		a.pollIn(d)
	}
}

// tick looks at the waiters again. The GIL must look idle twice in a
// row, recheckDelay apart, for a waiter to go in while calls run: on a
// busy core the timer's thread often runs just when the thread computing
// has let go of the GIL for a system call and been preempted there, and
// that thread takes it back as soon as it runs again.
func (a *admission) tick() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pollAt = time.Time{}
	idle := a.running == 0 || !a.gilBusy()
	switch {
	case len(a.waiters) == 0:
		a.idleSeen = false
	case idle && (a.idleSeen || a.running == 0):
		a.letInFirst(false)
		if len(a.waiters) > 0 {
			a.idleSeen = true // the next may go in if it is still idle then
			a.pollIn(recheckDelay)
		}
	case idle:
		a.idleSeen = true
		a.pollIn(recheckDelay)
	case !a.escaped && time.Since(a.last) >= fairDelay:
		a.letInFirst(true)
	default:
		a.idleSeen = false
		a.pollIn(min(growDelay, max(fairDelay-time.Since(a.last), recheckDelay)))
	}
}
