package server

import (
	"fmt"

	"modpy/internal/scoreboard"
)

// A worker under the master shares a scoreboard with it and its siblings
// (internal/scoreboard): its request counters live there, and it records
// the Python calls it runs (the master names them when the worker dies).
// The snapshots of its status and metrics it publishes there, and reads of
// the others, are internal/status's.

// SetScoreboard makes the server a worker with slot of board. Call it
// before Start.
func (s *Server) SetScoreboard(board *scoreboard.Board, slot *scoreboard.Slot) {
	s.slot, s.board = slot, board
	s.served, s.active = slot.Requests(), slot.Active()
	s.status.SetScoreboard(board, slot)
}

// OnRecycle sets how a worker under the master recycles itself when an
// interpreter that must end cannot be (main_interpreter reaching
// PythonInterpMaxRequests, live threads in one to reload): it drains and
// exits, and the master starts a fresh worker. Call it before Start.
func (s *Server) OnRecycle(f func()) { s.onRecycle = f }

// cannotEnd is python.Options.OnCannotEnd.
func (s *Server) cannotEnd(interp, reason, why string) {
	text := fmt.Sprintf("interpreter %q not ended (%s): %s", interp, reason, why)
	if s.onRecycle == nil {
		s.errlog.Log(levelWarn, "python", interp, nil, text+"; it goes on serving (under the master, the worker would be recycled instead)")
		return
	}
	s.errlog.Log(levelWarn, "python", interp, nil, fmt.Sprintf("%s: recycling this worker (pid %d) instead", text, s.pid))
	s.slot.SetExit(scoreboard.Interpreter, text)
	s.onRecycle()
}

// SetExit tells the master why this worker is about to exit (no-op
// without a scoreboard).
func (s *Server) SetExit(r scoreboard.Reason, text string) { s.slot.SetExit(r, text) }

// beginCall records a Python call in flight in the scoreboard; endCall
// with its result ends it.
func (s *Server) beginCall(method, uri, interp string) int {
	if s.slot == nil {
		return -1
	}
	return s.slot.Begin(method, " ", uri, " in interpreter ", interp)
}

func (s *Server) endCall(i int) { s.slot.End(i) }
