package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/common/expfmt"

	"modpy/internal/scoreboard"
)

// A worker under the master shares a scoreboard with it and its siblings
// (internal/scoreboard): its request counters live there, it records the
// Python calls it runs (the master names them when the worker dies), and
// once a second it publishes snapshots of its status and metrics, which
// whichever worker answers a status or metrics request reads to show the
// whole server.

// publishEvery is how often a worker publishes its snapshots: what other
// workers show of it is at most this old.
const publishEvery = time.Second

// SetScoreboard makes the server a worker with slot of board. Call it
// before Start.
func (s *Server) SetScoreboard(board *scoreboard.Board, slot *scoreboard.Slot) {
	s.board, s.slot = board, slot
	s.served, s.active = slot.Requests(), slot.Active()
	s.metrics = newMetrics(s, strconv.Itoa(slot.Index))
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

// publish writes this worker's snapshots into its slot every publishEvery
// until stop is closed, and once more then.
func (s *Server) publish(stop <-chan struct{}) {
	t := time.NewTicker(publishEvery)
	defer t.Stop()
	for {
		s.publishOnce()
		select {
		case <-t.C:
		case <-stop:
			s.publishOnce()
			return
		}
	}
}

func (s *Server) publishOnce() {
	w := s.workerStatus()
	s.slot.SetRSS(w.RSSBytes)
	b, _ := json.Marshal(w)
	for len(b) > scoreboard.StatusCap && (len(w.Ends) > 0 || len(w.Interpreters) > 0) {
		// Too many names: keep the first half of each list, say so.
		w.Ends = w.Ends[:len(w.Ends)/2]
		w.Interpreters = w.Interpreters[:len(w.Interpreters)/2]
		w.Truncated = true
		b, _ = json.Marshal(w)
	}
	s.slot.WriteStatus(b)
	mfs, err := s.metrics.own.Gather()
	if err != nil && len(mfs) == 0 {
		return
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeProtoDelim))
	for _, mf := range mfs {
		if buf.Len() > scoreboard.MetricsCap-64<<10 {
			break // what fits; the rest is this worker's own scrape
		}
		enc.Encode(mf)
	}
	s.slot.WriteMetrics(buf.Bytes())
}

// siblings returns the status of every worker on the board, this one live
// and the others from their snapshots, in slot order.
func (s *Server) siblings(own workerStatus) []workerStatus {
	var out []workerStatus
	now := time.Now()
	for _, sl := range s.board.Live() {
		if sl.Index == s.slot.Index {
			out = append(out, own)
			continue
		}
		var w workerStatus
		data, when := sl.ReadStatus()
		if data == nil || json.Unmarshal(data, &w) != nil {
			w = workerStatus{Interpreters: []interpStatus{}, Ends: []endStatus{}}
		} else {
			age := now.Sub(when).Seconds()
			w.SnapshotAge = &age
		}
		// The counters and state are live.
		idx := sl.Index
		w.Slot = &idx
		w.Pid = sl.Pid()
		w.Generation = sl.Generation()
		w.Started = sl.Started()
		w.UptimeSeconds = now.Sub(w.Started).Seconds()
		w.State = sl.State().String()
		w.Requests = sl.Requests().Load()
		w.Active = sl.Active().Load()
		if rss := sl.RSS(); rss > 0 {
			w.RSSBytes = rss
		}
		w.InFlight = sl.InFlight()
		out = append(out, w)
	}
	return out
}
