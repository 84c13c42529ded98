// Package status is what a worker shows of itself and of the whole server:
// the status page (`SetHandler modpy-status` or `server-status`: HTML from
// the embedded page.tmpl, ?auto's "Key: value" lines, ?json) and the
// Prometheus metrics (`SetHandler modpy-metrics`), and, under the master,
// the snapshots of both that a worker publishes in its scoreboard slot and
// reads of its siblings' to answer for every worker.
//
// It owns a Reporter per worker: the metrics registries and their
// per-request observation (Observe: lock-free, allocation-free after the
// first request of each status), what the documents contain and how they
// look, and the scoreboard snapshots' content (board.go). It reads the
// worker through the small Source interface the server implements
// (counters, draining, the Python runtime's interpreter and lifecycle
// stats, resident memory) and Facts fixed at start (version, pid, start,
// ThreadsPerChild).
//
// It must not import internal/server (the server calls into it, never the
// reverse), answer HTTP itself (Page and Metrics return the body; the
// server's glue checks the method, sets the headers and writes it), parse
// configuration, or change the Python runtime: it only reads what the
// python package reports. It writes only the snapshots in this worker's own
// slot; the slot's counters, states and the calls in flight are the
// server's.
package status
