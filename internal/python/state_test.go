package python

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The package's tests panic on an illegal transition (the server logs it).
func init() { strictStates = true }

// mustPanic reports whether f panicked.
func mustPanic(f func()) (panicked bool) {
	defer func() { panicked = recover() != nil }()
	f()
	return false
}

// Every state has a name, and no two share one.
func TestStateNames(t *testing.T) {
	seen := map[string]bool{}
	check := func(kind string, n int, name func(int) string) {
		for i := 0; i < n; i++ {
			s := name(i)
			if s == "" || s == "unknown" || seen[kind+s] {
				t.Errorf("%s state %d is named %q", kind, i, s)
			}
			seen[kind+s] = true
		}
		if name(n) != "unknown" {
			t.Errorf("%s state %d (out of range) is named %q", kind, n, name(n))
		}
	}
	check("interp", int(numInterpStates), func(i int) string { return interpState(i).String() })
	check("thread", int(numThreadStates), func(i int) string { return threadState(i).String() })
	check("gil", int(numGILStates), func(i int) string { return gilState(i).String() })
	if interpEnding.String() != "ending" || threadBusy.String() != "busy" || gilReleased.String() != "GIL released" {
		t.Error("state names")
	}
}

// The transitions each table allows, as the thread model has them
// (docs/internals.md); every other one must be refused.
var (
	legalInterp = map[[2]interpState]bool{
		{interpStarting, interpReady}:  true,
		{interpStarting, interpFailed}: true,
		{interpReady, interpEnding}:    true,
		{interpEnding, interpReady}:    true, // it could not be ended
		{interpEnding, interpEnded}:    true,
	}
	legalThread = map[[2]threadState]bool{
		{threadStarting, threadLooking}: true,
		{threadStarting, threadStopped}: true, // no thread state could be made
		{threadLooking, threadBusy}:     true, // took a queued job
		{threadLooking, threadIdle}:     true,
		{threadLooking, threadStopped}:  true, // the pool is stopping
		{threadIdle, threadBusy}:        true, // handed a job (engage)
		{threadIdle, threadLooking}:     true, // the last thread's idle timeout
		{threadIdle, threadStopped}:     true, // idle timeout, or the pool stops
		{threadBusy, threadLooking}:     true,
	}
	legalGIL = map[[2]gilState]bool{
		{gilHeld, gilReleased}: true,
		{gilReleased, gilHeld}: true,
	}
)

// Every legal interpreter transition works, with its endDone channel made
// on entering interpEnding and closed on leaving it; every other one
// panics and leaves the state as it was.
func TestInterpTransitions(t *testing.T) {
	for from := interpState(0); from < numInterpStates; from++ {
		for to := interpState(0); to < numInterpStates; to++ {
			in := &Interp{Name: "t", st: from}
			var done chan struct{}
			if from == interpEnding {
				done = make(chan struct{})
				in.endDone = done
			}
			name := fmt.Sprintf("%s → %s", from, to)
			if !legalInterp[[2]interpState{from, to}] {
				if !mustPanic(func() { in.setState(to) }) || in.st != from {
					t.Errorf("%s: not refused", name)
				}
				continue
			}
			if mustPanic(func() { in.setState(to) }) || in.st != to {
				t.Errorf("%s: refused", name)
				continue
			}
			if done != nil {
				select {
				case <-done:
				default:
					t.Errorf("%s: endDone not closed", name)
				}
			}
			if to == interpEnding && (in.endDone == nil || in.endDone == done) {
				t.Errorf("%s: no new endDone", name)
			}
		}
	}
}

// Every legal pool-thread transition works and keeps pool.busy (threads
// in threadBusy) and pool.threads (dropping when one stops) in step;
// every other one panics and changes nothing.
func TestThreadTransitions(t *testing.T) {
	for from := threadState(0); from < numThreadStates; from++ {
		for to := threadState(0); to < numThreadStates; to++ {
			w := &worker{state: from}
			p := &pool{threads: 3, busy: 1}
			name := fmt.Sprintf("%s → %s", from, to)
			if !legalThread[[2]threadState{from, to}] {
				if !mustPanic(func() { p.setThread(w, to) }) || w.state != from || p.busy != 1 || p.threads != 3 {
					t.Errorf("%s: not refused", name)
				}
				continue
			}
			if mustPanic(func() { p.setThread(w, to) }) || w.state != to {
				t.Errorf("%s: refused", name)
				continue
			}
			busy, threads := 1, 3
			if from == threadBusy {
				busy--
			}
			if to == threadBusy {
				busy++
			}
			if to == threadStopped {
				threads--
			}
			if p.busy != busy || p.threads != threads {
				t.Errorf("%s: busy %d threads %d, want %d %d", name, p.busy, p.threads, busy, threads)
			}
		}
	}
}

// Every legal GIL transition works; every other one panics.
func TestGILTransitions(t *testing.T) {
	for from := gilState(0); from < numGILStates; from++ {
		for to := gilState(0); to < numGILStates; to++ {
			x := &execCtx{gil: from}
			name := fmt.Sprintf("%s → %s", from, to)
			legal := legalGIL[[2]gilState{from, to}]
			if mustPanic(func() { x.setGIL(to) }) == legal || (legal && x.gil != to) || (!legal && x.gil != from) {
				t.Errorf("%s: legal %v, state now %s", name, legal, x.gil)
			}
		}
	}
	if (execCtx{}).gil != gilHeld {
		t.Error("a call does not start holding the GIL")
	}
}

// The pool's last thread, idle past its IdleThreadTimeout again and again,
// stays, and is on the idle stack once: a job is then handed to it once,
// and a second job at the same time gets a thread of its own.
func TestLastThreadIdlesOnce(t *testing.T) {
	rt := runtimeForTest(t)
	in, err := rt.Interp("idleonce")
	if err != nil {
		t.Fatal(err)
	}
	in.idleThreads = 10 * time.Millisecond // before its first thread starts
	if _, err := in.call(callNoop, 0, 0, "", "", nil, limits{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // many idle timeouts
	p := &in.pool
	p.mu.Lock()
	threads, idle, all := p.threads, len(p.idle), len(p.all)
	var st threadState
	if all == 1 {
		st = p.all[0].state
	}
	p.mu.Unlock()
	if threads != 1 || all != 1 || idle != 1 || st != threadIdle {
		t.Fatalf("after idling: %d threads (%d listed), %d on the idle stack, state %s; want 1, 1, 1, idle", threads, all, idle, st)
	}
	// Two calls that wait (sleep) at once: the second is not handed to
	// the busy thread a second time, a new thread takes it.
	errs := make(chan error, 2)
	for i := 0; i < 2; i++ {
		go func() {
			_, err := rt.Eval("idleonce", "__import__('time').sleep(0.5) or 1")
			errs <- err
		}()
	}
	grew := false
	for deadline := time.Now().Add(400 * time.Millisecond); !grew && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		p.mu.Lock()
		grew = p.threads == 2 && p.busy == 2
		p.mu.Unlock()
	}
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if !grew {
		t.Fatal("two calls at once did not run on two threads")
	}
}

// In the server (strictStates off) an illegal transition does not panic:
// it is logged, and made, the counts following it.
func TestIllegalTransitionLogged(t *testing.T) {
	runtimeForTest(t) // the log badTransition writes to
	strictStates = false
	defer func() { strictStates = true }()
	p := &pool{threads: 1, busy: 1}
	w := &worker{state: threadBusy}
	if mustPanic(func() { p.setThread(w, threadStopped) }) {
		t.Fatal("busy → stopped panicked with strictStates off")
	}
	if w.state != threadStopped || p.busy != 0 || p.threads != 0 {
		t.Errorf("after busy → stopped: state %s, busy %d, threads %d; want stopped, 0, 0", w.state, p.busy, p.threads)
	}
	in := &Interp{Name: "t", st: interpEnded}
	if mustPanic(func() { in.setState(interpReady) }) || in.st != interpReady {
		t.Errorf("ended → ready: state %s", in.st)
	}
	x := &execCtx{}
	if mustPanic(func() { x.setGIL(gilHeld) }) || x.gil != gilHeld {
		t.Errorf("held → held: %s", x.gil)
	}
	for _, want := range []string{
		"python: pool thread: no transition busy → stopped (a bug in modpy: the move is made)",
		`python: interpreter "t": no transition ended → ready`,
		"python: call on a thread: no transition GIL held → GIL held",
	} {
		if !strings.Contains(rtLog.text(), want) {
			t.Errorf("log lacks %q:\n%s", want, rtLog.text())
		}
	}
}
