package python

import (
	"fmt"

	"modpy/internal/loglevel"
)

// The thread model's states, by name, and every transition between them.
// Three things have a state: an interpreter (interpState), a thread of its
// pool (threadState) and a thread running a call, a pool thread's job or
// a direct call (gilState). Each changes state only through its own
// transition method below, which checks the change against its table.
// A change the table does not allow is a bug in this package, never a
// condition of the request or the site: under the package's tests it
// panics (strictStates); in the server it is logged and made, since a
// panic would take the worker down with every request it is serving, and
// the code that asked for the move goes on as if it were made (the pool's
// counts follow what its threads do).
//
// The tables are bit sets: moves[from] has bit 1<<to set when from → to
// is allowed.

// interpState is an interpreter's state, guarded by Interp.mu.
//
//	starting ──► ready ──► ending ──► ended
//	    │          ▲          │
//	    ▼          └──────────┘ (it could not be ended: it goes on serving)
//	  failed
type interpState uint8

const (
	// interpStarting: being created on the control thread; callers wait
	// for Interp.ready.
	interpStarting interpState = iota
	// interpReady: it takes calls.
	interpReady
	// interpEnding: it takes no new calls (new callers for the name wait
	// for Interp.endDone); those in flight drain, then it is ended, or,
	// when something stands in the way, is ready again.
	interpEnding
	// interpEnded: Py_EndInterpreter is done; the name is free for a new
	// interpreter.
	interpEnded
	// interpFailed: it could not be created (Interp.err says why).
	interpFailed
	numInterpStates
)

var interpStateNames = [numInterpStates]string{"starting", "ready", "ending", "ended", "failed"}

// String is the state's name: starting, ready, ending, ended or failed.
func (s interpState) String() string { return stateName(interpStateNames[:], int(s)) }

var interpMoves = [numInterpStates]uint8{
	interpStarting: 1<<interpReady | 1<<interpFailed,
	interpReady:    1 << interpEnding,
	interpEnding:   1<<interpReady | 1<<interpEnded,
}

// canMove reports whether s → to is a transition of the table.
func (s interpState) canMove(to interpState) bool { return canMove(interpMoves[:], s, to) }

// setState moves the interpreter to state to, with what goes with
// entering or leaving a state: entering interpEnding makes endDone, which
// leaving it closes. in.mu must be held.
func (in *Interp) setState(to interpState) {
	from := in.st
	if !from.canMove(to) {
		badTransition(fmt.Sprintf("python: interpreter %q: no transition %s → %s", in.Name, from, to))
	}
	if from == interpEnding {
		close(in.endDone)
	}
	if to == interpEnding {
		in.endDone = make(chan struct{})
	}
	in.st = to
}

// threadState is a pool thread's state, guarded by the pool's lock. The
// pool's counts follow it: pool.busy counts threads in threadBusy, and
// pool.threads (which also counts threads about to start) drops when one
// stops; a thread is on the idle stack exactly while in threadIdle.
//
//	starting ──► looking ──► busy ──► looking ...
//	    │          │  ▲        ▲
//	    │          ▼  │        │ (handed a job by a caller: engage)
//	    │          idle ───────┘
//	    │          │
//	    └──────────┴──► stopped (from looking, idle or starting)
type threadState uint8

const (
	// threadStarting: making its thread state; not in the pool's lists.
	threadStarting threadState = iota
	// threadLooking: between jobs; it takes the next queued job, goes
	// idle, or stops if the pool is stopping.
	threadLooking
	// threadIdle: on the idle stack, waiting for a job on its channel,
	// for IdleThreadTimeout, or for the pool to stop.
	threadIdle
	// threadBusy: running a job (worker.job), since worker.busySince.
	threadBusy
	// threadStopped: it left the pool; its goroutine and OS thread end.
	threadStopped
	numThreadStates
)

var threadStateNames = [numThreadStates]string{"starting", "looking", "idle", "busy", "stopped"}

// String is the state's name: starting, looking, idle, busy or stopped.
func (s threadState) String() string { return stateName(threadStateNames[:], int(s)) }

var threadMoves = [numThreadStates]uint8{
	threadStarting: 1<<threadLooking | 1<<threadStopped,
	threadLooking:  1<<threadBusy | 1<<threadIdle | 1<<threadStopped,
	threadIdle:     1<<threadBusy | 1<<threadLooking | 1<<threadStopped,
	threadBusy:     1 << threadLooking,
}

// canMove reports whether s → to is a transition of the table.
func (s threadState) canMove(to threadState) bool { return canMove(threadMoves[:], s, to) }

// setThread moves w to state to and keeps the pool's counts in step.
// p.mu must be held.
func (p *pool) setThread(w *worker, to threadState) {
	from := w.state
	if !from.canMove(to) {
		badTransition(fmt.Sprintf("python: pool thread: no transition %s → %s", from, to))
	}
	if from == threadBusy {
		p.busy--
	}
	switch to {
	case threadBusy:
		p.busy++
	case threadStopped:
		p.threads--
	}
	w.state = to
}

// gilState is the state of a thread running a call (execCtx): a pool
// thread's job or a direct call on the server's own thread. Only that
// thread reads or writes it.
//
//	held ⇄ released
type gilState uint8

const (
	// gilHeld: the thread runs Python, holding the GIL (the zero value:
	// a call starts so).
	gilHeld gilState = iota
	// gilReleased: the thread let go of the GIL while Go works for the
	// call (withoutGIL, or a hand-off to another interpreter); a nested
	// call into the same interpreter takes it back for its run.
	gilReleased
	numGILStates
)

var gilStateNames = [numGILStates]string{"GIL held", "GIL released"}

// String is the state's name: "GIL held" or "GIL released".
func (s gilState) String() string { return stateName(gilStateNames[:], int(s)) }

var gilMoves = [numGILStates]uint8{
	gilHeld:     1 << gilReleased,
	gilReleased: 1 << gilHeld,
}

// canMove reports whether s → to is a transition of the table.
func (s gilState) canMove(to gilState) bool { return canMove(gilMoves[:], s, to) }

// setGIL moves the call to state to. Only the thread running it calls it.
func (x *execCtx) setGIL(to gilState) {
	if !x.gil.canMove(to) {
		badTransition(fmt.Sprintf("python: call on a thread: no transition %s → %s", x.gil, to))
	}
	x.gil = to
}

// strictStates makes an illegal transition panic, before it changes
// anything: the package's tests set it.
var strictStates bool

// badTransition reports an illegal transition (msg): a panic under
// strictStates, else a line in the error log.
func badTransition(msg string) {
	if strictStates {
		panic(msg)
	}
	if rt := current; rt != nil {
		rt.logf(loglevel.Error, "", "%s (a bug in modpy: the move is made)", msg)
	}
}

// canMove reports whether the transition table moves has from → to.
func canMove[S ~uint8](moves []uint8, from, to S) bool {
	return int(from) < len(moves) && int(to) < len(moves) && moves[from]&(1<<to) != 0
}

// stateName is names[i], or "unknown" out of range.
func stateName(names []string, i int) string {
	if i < 0 || i >= len(names) {
		return "unknown"
	}
	return names[i]
}
