package python

import (
	"testing"
	"time"

	"modpy/internal/request"
)

// newTestWorker is a thread on (or just off) the idle stack.
func newTestWorker() *worker { return &worker{ch: make(chan *job, 1), state: threadIdle} }

func TestEngageEmptyQueue(t *testing.T) {
	p := &pool{threads: 1, idle: []*worker{newTestWorker()}}
	if p.engage(0, 4) || len(p.idle) != 1 {
		t.Fatal("engage acted on an empty queue")
	}
}

// A fresh busy thread with short jobs takes the next job itself: no other
// thread is engaged, none started.
func TestEngageOneAtATime(t *testing.T) {
	busy := newTestWorker()
	idle := newTestWorker()
	p := &pool{all: []*worker{busy, idle}, idle: []*worker{idle}, threads: 2, queue: []*job{{}}}
	p.assign(busy, &job{}, 10*time.Millisecond)
	now := 10*time.Millisecond + growDelay - 1
	if !p.oneAtATime(now) || p.engage(now, 4) || len(p.queue) != 1 || len(p.idle) != 1 {
		t.Fatal("a fresh busy thread did not keep the job for itself")
	}
	// Once the busy thread is stale, the idle one takes the job.
	now = 10*time.Millisecond + growDelay
	if p.oneAtATime(now) || p.engage(now, 4) || len(p.queue) != 0 || idle.state != threadBusy {
		t.Fatal("a stale busy thread did not let the idle one in")
	}
	// Long jobs: a fresh busy thread does not hold the next one back.
	p.avgJob = growDelay
	if p.oneAtATime(now) {
		t.Fatal("long jobs ran one at a time")
	}
}

// The most recently idled thread gets the job, marked busy, on its channel.
func TestEngageLIFO(t *testing.T) {
	a, b := newTestWorker(), newTestWorker()
	j := &job{}
	p := &pool{all: []*worker{a, b}, idle: []*worker{a, b}, threads: 2, queue: []*job{j}}
	now := 5 * time.Millisecond
	if p.engage(now, 4) {
		t.Fatal("started a thread with one idle")
	}
	if got := <-b.ch; got != j {
		t.Fatal("the job did not go to the last idled thread")
	}
	if b.state != threadBusy || b.job != j || b.busySince != now || !j.taken || j.takenAt != now || p.busy != 1 {
		t.Fatalf("assign state: %+v %+v busy=%d", b, j, p.busy)
	}
	if len(p.idle) != 1 || p.idle[0] != a || a.state != threadIdle {
		t.Fatal("the other idle thread was touched")
	}
}

// With no idle thread a new one is started while every thread is busy and
// the pool is under max; not when one is still starting, nor at max.
func TestEngageGrow(t *testing.T) {
	p := &pool{threads: 1, busy: 1, queue: []*job{{}}}
	if !p.engage(0, 2) || p.threads != 2 {
		t.Fatal("did not grow")
	}
	if p.engage(0, 3) || p.threads != 2 {
		t.Fatal("grew while a thread was starting")
	}
	p.busy = 2
	if p.engage(0, 2) || p.threads != 2 {
		t.Fatal("grew past max")
	}
}

func TestPoolRemove(t *testing.T) {
	a, b := newTestWorker(), newTestWorker()
	j1, j2 := &job{}, &job{}
	p := &pool{all: []*worker{a, b}, idle: []*worker{a}, threads: 2, queue: []*job{j1, j2}}
	p.removeQueued(j1)
	p.removeQueued(j1)
	if len(p.queue) != 1 || p.queue[0] != j2 {
		t.Fatal("removeQueued")
	}
	if p.removeIdle(b) || !p.removeIdle(a) || p.removeIdle(a) || len(p.idle) != 0 {
		t.Fatal("removeIdle: a thread off the stack (taken for a job) must not exit")
	}
	p.leave(a)
	if p.threads != 1 || len(p.all) != 1 || p.all[0] != b || a.state != threadStopped {
		t.Fatal("leave")
	}
}

func TestSendBefore(t *testing.T) {
	ch := make(chan struct{}, 1)
	if !sendBefore(ch, time.Time{}) {
		t.Fatal("a free place was not taken")
	}
	if sendBefore(ch, time.Now().Add(-time.Second)) {
		t.Fatal("a full semaphore was entered past the deadline")
	}
	go func() { <-ch }()
	if !sendBefore(ch, time.Now().Add(time.Minute)) {
		t.Fatal("a place freed before the deadline was not taken")
	}
	go func() { <-ch }()
	if !sendBefore(ch, time.Time{}) {
		t.Fatal("no deadline: did not wait for a place")
	}
}

func TestSaturated(t *testing.T) {
	rt := &Runtime{busy: make(chan struct{}, 2)}
	for i := 0; i < 2; i++ {
		if rt.Saturated() {
			t.Fatalf("saturated with %d of 2 tokens", i)
		}
		if !rt.takeToken(time.Now().Add(-time.Second)) {
			t.Fatal("a free token was not taken")
		}
	}
	if !rt.Saturated() || rt.takeToken(time.Now().Add(-time.Second)) {
		t.Fatal("not saturated with every token taken")
	}
}

func TestDirectOK(t *testing.T) {
	if !directOK(&request.Request{}) {
		t.Fatal("a plain request not direct")
	}
	for _, py := range []request.PyConfig{{MaxRequests: 1}, {IdleTimeout: 1}, {Reload: true}, {RequestTimeout: 1}} {
		if directOK(&request.Request{Py: py}) {
			t.Fatalf("direct with %+v", py)
		}
	}
}
