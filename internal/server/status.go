package server

import (
	"strconv"
	"time"

	"modpy/internal/status"
)

// The server's own content handlers, answered in the content phase without
// Python: `SetHandler modpy-status` (or mod_status's `server-status`) and
// `SetHandler modpy-metrics` (status_module, mod_status.go). Access control
// is the section's Require. What they show is internal/status's; this is
// the glue.

// requestDone counts a finished request for the status page and metrics.
func (s *Server) requestDone(rs *rstate) {
	s.served.Add(1)
	s.active.Add(-1)
	s.status.Observe(rs.w.Status(), time.Since(rs.start))
}

// SetMaster tells a worker the pid of the master that started it (for the
// status page when there is no scoreboard) and how many workers the master
// runs (apache.mpm_query). Call it before Start.
func (s *Server) SetMaster(pid, workers int) {
	s.status.SetMaster(pid)
	for _, v := range s.vhosts {
		v.info.Daemons = workers
	}
}

// SetRSS gives the server how to read this process's resident memory
// (worker.ProcessRSS), for the status page and the scoreboard. Call it
// before Start; without it they show 0.
func (s *Server) SetRSS(rss func() int64) { s.rss = rss }

// respond sends a complete body with status 200 (HEAD: headers only).
func (rs *rstate) respond(contentType string, body []byte) int {
	req := rs.req
	switch req.Method {
	case "GET", "HEAD":
	default:
		req.HeadersOut.Set("Allow", "GET,HEAD")
		return 405
	}
	req.Status = 200
	req.ContentType = contentType
	req.HeadersOut.Set("Cache-Control", "no-store")
	req.HeadersOut.Set("Content-Length", strconv.Itoa(len(body)))
	rs.io.Write(body)
	return resDone
}

func (rs *rstate) serveStatus() int {
	ctype, body, refresh, err := rs.s.status.Page(rs.req.Args)
	if err != nil {
		rs.logError(levelError, "status: %v", err)
		return 500
	}
	if refresh > 0 {
		rs.req.HeadersOut.Set("Refresh", strconv.Itoa(refresh))
	}
	return rs.respond(ctype, body)
}

func (rs *rstate) serveMetrics() int {
	body, ctype, err := rs.s.status.Metrics()
	if err != nil {
		rs.logError(levelWarn, "metrics: %v", err)
	}
	return rs.respond(ctype, body)
}

// statusSource is the server as internal/status reads it.
type statusSource Server

var _ status.Source = (*statusSource)(nil)

// Requests is status.Source's: the requests finished.
func (s *statusSource) Requests() uint64 { return s.served.Load() }

// Active is status.Source's: the requests in progress.
func (s *statusSource) Active() int64 { return s.active.Load() }

// Stopping is status.Source's: Shutdown was called.
func (s *statusSource) Stopping() bool { return s.stopping.Load() }

// RSS is status.Source's: what SetRSS's function reads, 0 without one.
func (s *statusSource) RSS() int64 {
	if s.rss == nil {
		return 0
	}
	return s.rss()
}

// Python is status.Source's: the runtime, nil before Start.
func (s *statusSource) Python() status.Python {
	if s.rt == nil {
		return nil // not a nil *python.Runtime in an interface
	}
	return s.rt
}
