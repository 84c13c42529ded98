package python

import (
	"testing"
	"time"
)

// gilHeldWhile runs expr in an interpreter and reports how often, out of
// the samples taken meanwhile, the GIL was held.
func gilHeldWhile(t *testing.T, expr string) (held, samples int) {
	rt := runtimeForTest(t)
	done := make(chan error, 1)
	go func() {
		_, err := rt.Eval(MainInterpreter, expr)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			return held, samples
		default:
		}
		if samples < 1000 {
			samples++
			if directAdmission.gilBusy() {
				held++
			}
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func TestGILBusy(t *testing.T) {
	if held, n := gilHeldWhile(t, "sum(i * i for i in range(3000000)) and 1"); held < n*9/10 {
		t.Errorf("GIL held in %d of %d samples while Python computes", held, n)
	}
	if held, n := gilHeldWhile(t, "__import__('time').sleep(0.3) or 1"); held > n/10 {
		t.Errorf("GIL held in %d of %d samples while Python sleeps", held, n)
	}
}

// enterAsync enters a in a goroutine; the channel gets its result.
func enterAsync(a *admission, deadline time.Time) chan [2]bool {
	c := make(chan [2]bool, 1)
	go func() {
		fair, ok := a.enter(deadline)
		c <- [2]bool{fair, ok}
	}()
	return c
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func (a *admission) queued() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.waiters)
}

func TestAdmission(t *testing.T) {
	var a admission
	// The first call goes in; until it reaches C the GIL counts as its.
	if fair, ok := a.enter(time.Time{}); !ok || fair {
		t.Fatal("the first call did not go in")
	}
	if !a.gilBusy() {
		t.Fatal("the GIL is idle for a call on its way to it")
	}
	// A second call waits while the first is on its way, and gives up at
	// its deadline.
	if _, ok := a.enter(time.Now().Add(5 * time.Millisecond)); ok {
		t.Fatal("a call went in while another was on its way to the GIL")
	}
	if a.queued() != 0 {
		t.Fatal("a call that gave up is still queued")
	}
	// Waiting its turn: the first call's end lets it in.
	second := enterAsync(&a, time.Time{})
	waitFor(t, "the second call to queue", func() bool { return a.queued() == 1 })
	a.started()
	a.leave(false, false)
	if r := <-second; !r[1] || r[0] {
		t.Fatalf("the second call after the first ended: %v", r)
	}
	// With the GIL idle (no Python runs here) and nobody queued, calls go
	// in side by side: those running wait for something else.
	a.started()
	if fair, ok := a.enter(time.Now()); !ok || fair {
		t.Fatal("a call did not go in beside one that waits")
	}
	a.started()
	a.leave(false, false)
	a.leave(false, false)
	if a.running != 0 {
		t.Fatalf("%d calls running after all ended", a.running)
	}
}

// Behind a call that holds the GIL (here: one that never reaches it), one
// waiter goes in after fairDelay, and no other until that one ends.
func TestAdmissionFairDelay(t *testing.T) {
	var a admission
	a.enter(time.Time{}) // holds the GIL: starting stays 1
	start := time.Now()
	first := enterAsync(&a, time.Time{})
	waitFor(t, "the first waiter to queue", func() bool { return a.queued() == 1 })
	second := enterAsync(&a, time.Time{})
	r := <-first
	if !r[1] || !r[0] {
		t.Fatalf("the first waiter: %v, want let in by fairDelay", r)
	}
	if d := time.Since(start); d < fairDelay {
		t.Fatalf("a waiter went in after %v, before fairDelay", d)
	}
	select {
	case r := <-second:
		t.Fatalf("a second waiter went in beside the fair one: %v", r)
	case <-time.After(3 * fairDelay):
	}
	a.leave(true, false)
	waitFor(t, "the second waiter", func() bool { return a.queued() == 0 })
	if r := <-second; !r[1] {
		t.Fatalf("the second waiter: %v", r)
	}
}
