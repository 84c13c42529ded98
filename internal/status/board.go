package status

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"github.com/prometheus/common/expfmt"

	"modpy/internal/scoreboard"
)

// A worker under the master shares a scoreboard with it and its siblings
// (internal/scoreboard): once a second it publishes snapshots of its
// status and metrics there, which whichever worker answers a status or
// metrics request reads to show the whole server.

// publishEvery is how often a worker publishes its snapshots: what other
// workers show of it is at most this old.
const publishEvery = time.Second

// SetScoreboard makes the reporter a worker's with slot of board: its
// metrics get the label worker="N" (the slot's index), and group="NAME"
// too in a process of a process group (the slot's Group, which the master
// set before it started the process), and the page and the metrics show
// every process on the board. It records the process's threads in the
// slot. Call it before Start.
func (s *Reporter) SetScoreboard(board *scoreboard.Board, slot *scoreboard.Slot) {
	s.board, s.slot = board, slot
	slot.SetThreads(s.threads)
	s.metrics = newMetrics(s, strconv.Itoa(slot.Index), slot.Group())
}

// Publish writes this worker's snapshots into its scoreboard slot every
// publishEvery until stop is closed, and once more then. Call it (in a
// goroutine of its own) only after SetScoreboard.
func (s *Reporter) Publish(stop <-chan struct{}) {
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

func (s *Reporter) publishOnce() {
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

// siblings returns the status of every process on the board (workers and
// group processes), this one live and the others from their snapshots, in
// slot order.
func (s *Reporter) siblings(own workerStatus) []workerStatus {
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
		w.Group = sl.Group()
		if n := sl.Threads(); n > 0 {
			w.ThreadsPerChild = n
		}
		if rss := sl.RSS(); rss > 0 {
			w.RSSBytes = rss
		}
		w.InFlight = sl.InFlight()
		out = append(out, w)
	}
	return out
}
