package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"modpy/internal/python"
	"modpy/internal/scoreboard"
)

// The server's own content handlers, answered in the content phase without
// Python: `SetHandler modpy-status` (or mod_status's `server-status`) and
// `SetHandler modpy-metrics`. Access control is the section's Require.

// serverHandler serves req.Handler if it is one of the server's own.
func (rs *rstate) serverHandler() (int, bool) {
	h := rs.req.Handler
	switch {
	case strings.EqualFold(h, "modpy-status"), strings.EqualFold(h, "server-status"):
		return rs.serveStatus(), true
	case strings.EqualFold(h, "modpy-metrics"):
		return rs.serveMetrics(), true
	}
	return 0, false
}

// requestDone counts a finished request for the status page and metrics.
func (s *Server) requestDone(rs *rstate) {
	s.served.Add(1)
	s.active.Add(-1)
	s.metrics.observe(rs.w.Status(), time.Since(rs.start))
}

// statusDoc is the status page's data: the ?json answer (docs/status.md).
type statusDoc struct {
	Server  string         `json:"server"`
	Time    time.Time      `json:"time"`
	Master  masterStatus   `json:"master"`
	Workers []workerStatus `json:"workers"`
}

type masterStatus struct {
	Mode        string `json:"mode"`        // "single" or "master"
	Description string `json:"description"` // "single process (-X)"
	// Under the master: its pid, start and current generation of workers.
	Pid            int        `json:"pid,omitempty"`
	Started        *time.Time `json:"started,omitempty"`
	Generation     int        `json:"generation,omitempty"`
	Workers        int        `json:"workers"`
	WorkerRestarts uint64     `json:"worker_restarts"`
	// Restarts counts replaced workers by reason (died, max_connections,
	// max_memory, stuck, interpreter, restart).
	Restarts map[string]uint64 `json:"restarts"`
}

type workerStatus struct {
	Pid             int            `json:"pid"`
	Slot            *int           `json:"slot"`       // its scoreboard slot (the metrics' worker label); null with -X
	Generation      int            `json:"generation"` // 0 with -X
	Started         time.Time      `json:"started"`
	UptimeSeconds   float64        `json:"uptime_seconds"`
	State           string         `json:"state"` // "starting", "ready" or "stopping"
	Answering       bool           `json:"answering"`
	Requests        uint64         `json:"requests"`
	Active          int64          `json:"active"`
	RSSBytes        int64          `json:"rss_bytes"`
	ThreadsPerChild int            `json:"threads_per_child"`
	GoProcs         int            `json:"go_procs"` // GOMAXPROCS: the processors its Go code may run on at once
	Python          string         `json:"python"`
	InFlight        []string       `json:"in_flight"` // the Python calls running, under the master
	Interpreters    []interpStatus `json:"interpreters"`
	Ends            []endStatus    `json:"ends"`
	// SnapshotAge: another worker's interpreters and ends are from its
	// last snapshot, this many seconds old (null: live, the answering
	// worker). Truncated: the snapshot had too many names to hold them all.
	SnapshotAge *float64 `json:"snapshot_age_seconds"`
	Truncated   bool     `json:"truncated,omitempty"`
}

type interpStatus struct {
	Name        string     `json:"name"`
	State       string     `json:"state"` // "running" or "ending"
	Created     time.Time  `json:"created"`
	Requests    uint64     `json:"requests"`
	Threads     int        `json:"threads"`
	BusyThreads int        `json:"busy_threads"`
	IdleThreads int        `json:"idle_threads"`
	Queue       int        `json:"queue"`
	Modules     *int       `json:"modules"`
	LastUsed    *time.Time `json:"last_used"`
	LastEnd     *endStatus `json:"last_end"`
}

type endStatus struct {
	Name     string    `json:"name"`
	Time     time.Time `json:"time"`
	Reason   string    `json:"reason"` // max_requests, idle, reload, explicit
	Detail   string    `json:"detail"`
	Created  time.Time `json:"created"`
	Requests uint64    `json:"requests"`
	Alive    bool      `json:"alive"` // an interpreter of this name is alive now
}

// workerStatus is this worker's status, live.
func (s *Server) workerStatus() workerStatus {
	now := time.Now()
	w := workerStatus{
		Pid:             s.pid,
		Started:         s.started,
		UptimeSeconds:   now.Sub(s.started).Seconds(),
		State:           "ready",
		Requests:        s.served.Load(),
		Active:          s.active.Load(),
		RSSBytes:        ProcessRSS(),
		ThreadsPerChild: s.cfg.Process.ThreadsPerChild,
		GoProcs:         runtime.GOMAXPROCS(0),
		Python:          python.Version(),
		Interpreters:    []interpStatus{},
		Ends:            []endStatus{},
	}
	if s.stopping.Load() {
		w.State = "stopping"
	}
	if s.rt != nil {
		alive := map[string]bool{}
		lastEnd := map[string]*endStatus{}
		infos := s.rt.Interps()
		for _, in := range infos {
			alive[in.Name] = true
		}
		ends := s.rt.LastEnds()
		w.Ends = make([]endStatus, len(ends))
		for i, e := range ends {
			w.Ends[i] = endStatus{Name: e.Name, Time: e.Time, Reason: e.Kind.String(), Detail: e.Reason,
				Created: e.Created, Requests: e.Requests, Alive: alive[e.Name]}
			lastEnd[e.Name] = &w.Ends[i]
		}
		for _, in := range infos {
			is := interpStatus{
				Name: in.Name, State: "running", Created: in.Created, Requests: in.Requests,
				Threads: in.Threads, BusyThreads: in.Busy, IdleThreads: in.Threads - in.Busy,
				Queue: in.Queued, LastEnd: lastEnd[in.Name],
			}
			if is.IdleThreads < 0 {
				is.IdleThreads = 0
			}
			if in.Ending {
				is.State = "ending"
			}
			if in.Modules >= 0 {
				n := in.Modules
				is.Modules = &n
			}
			if !in.LastUsed.IsZero() {
				t := in.LastUsed
				is.LastUsed = &t
			}
			w.Interpreters = append(w.Interpreters, is)
		}
	}
	if s.slot != nil {
		idx := s.slot.Index
		w.Slot = &idx
		w.Generation = s.slot.Generation()
		w.InFlight = s.slot.InFlight()
	}
	return w
}

// statusDoc is the whole status: the master and every worker (this one
// live, the others from the scoreboard), or this process alone with -X.
func (s *Server) statusDoc() *statusDoc {
	own := s.workerStatus()
	own.Answering = true
	d := &statusDoc{
		Server:  "modpy/" + Version + " Python/" + python.Version(),
		Time:    time.Now(),
		Workers: []workerStatus{own},
	}
	m := masterStatus{Mode: "single", Description: "single process (-X)", Workers: 1, Restarts: map[string]uint64{}}
	for r := scoreboard.Reason(0); r < scoreboard.NumReasons; r++ {
		m.Restarts[r.String()] = 0
	}
	if s.board != nil {
		mi := s.board.Master()
		d.Workers = s.siblings(own)
		started := mi.Started
		m = masterStatus{Mode: "master", Pid: mi.Pid, Started: &started, Generation: mi.Generation,
			Workers: len(d.Workers), Restarts: m.Restarts}
		m.Description = fmt.Sprintf("master pid %d, generation %d, %d workers", mi.Pid, mi.Generation, m.Workers)
		for r, n := range mi.Restarts {
			m.Restarts[scoreboard.Reason(r).String()] = n
			m.WorkerRestarts += n
		}
	} else if pid := s.masterPid.Load(); pid != 0 {
		m = masterStatus{Mode: "master", Pid: int(pid), Workers: 1, Restarts: m.Restarts,
			Description: fmt.Sprintf("master pid %d; no scoreboard, so this page shows only the worker that answered", pid)}
	}
	d.Master = m
	return d
}

// SetMaster tells a worker the pid of the master that started it (for the
// status page when there is no scoreboard) and how many workers the master
// runs (apache.mpm_query). Call it before Start.
func (s *Server) SetMaster(pid, workers int) {
	s.masterPid.Store(int64(pid))
	for _, v := range s.vhosts {
		v.info.Daemons = workers
	}
}

// ProcessRSS is this process's resident memory (VmRSS from
// /proc/self/status) in bytes, 0 if unknown.
func ProcessRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fields := strings.Fields(rest)
			if len(fields) >= 1 {
				n, _ := strconv.ParseInt(fields[0], 10, 64)
				if len(fields) > 1 && strings.EqualFold(fields[1], "kB") {
					n *= 1024
				}
				return n
			}
		}
	}
	return 0
}

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
	q, _ := url.ParseQuery(rs.req.Args)
	doc := rs.s.statusDoc()
	switch {
	case q.Has("json"):
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			rs.logError(levelError, "status: %v", err)
			return 500
		}
		return rs.respond("application/json", append(b, '\n'))
	case q.Has("auto"):
		return rs.respond("text/plain; charset=utf-8", statusAuto(doc))
	}
	refresh := 0
	if v := q.Get("refresh"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			refresh = min(n, 3600)
			rs.req.HeadersOut.Set("Refresh", strconv.Itoa(refresh))
		}
	}
	return rs.respond("text/html; charset=utf-8", statusHTML(doc, refresh))
}

func (rs *rstate) serveMetrics() int {
	body, ctype, err := rs.s.metrics.gather()
	if err != nil {
		rs.logError(levelWarn, "metrics: %v", err)
	}
	return rs.respond(ctype, body)
}

func sortedKeys(m map[string]uint64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// statusAuto is the ?auto answer: mod_status-like "Key: value" lines.
// Per-worker keys are prefixed Worker<i>, per-interpreter ones
// Worker<i>Interp<j>, ends Worker<i>End<j>.
func statusAuto(d *statusDoc) []byte {
	var b bytes.Buffer
	kv := func(k string, v any) { fmt.Fprintf(&b, "%s: %v\n", k, v) }
	kv("ServerVersion", d.Server)
	kv("ServerMPM", d.Master.Description)
	kv("CurrentTime", rfc3339(d.Time))
	kv("Workers", len(d.Workers))
	kv("WorkerRestarts", d.Master.WorkerRestarts)
	for _, r := range sortedKeys(d.Master.Restarts) {
		kv("WorkerRestarts_"+r, d.Master.Restarts[r])
	}
	if d.Master.Pid != 0 {
		kv("MasterPid", d.Master.Pid)
	}
	if d.Master.Generation != 0 {
		kv("Generation", d.Master.Generation)
	}
	// mod_status's own keys, for the whole server (scripts expect them).
	var requests uint64
	var active int64
	uptime := 0.0
	for _, w := range d.Workers {
		requests += w.Requests
		active += w.Active
		uptime = max(uptime, w.UptimeSeconds)
	}
	if d.Master.Started != nil {
		uptime = d.Time.Sub(*d.Master.Started).Seconds()
	}
	kv("ServerUptimeSeconds", int64(uptime))
	kv("Total Accesses", requests)
	kv("BusyWorkers", active)
	for i, w := range d.Workers {
		p := fmt.Sprintf("Worker%d", i)
		kv(p+"Pid", w.Pid)
		if w.Slot != nil {
			kv(p+"Slot", *w.Slot)
		}
		kv(p+"Generation", w.Generation)
		kv(p+"Answering", w.Answering)
		kv(p+"InFlight", len(w.InFlight))
		kv(p+"Started", rfc3339(w.Started))
		kv(p+"UptimeSeconds", int64(w.UptimeSeconds))
		kv(p+"State", w.State)
		kv(p+"Requests", w.Requests)
		kv(p+"Active", w.Active)
		kv(p+"RSSBytes", w.RSSBytes)
		kv(p+"Interpreters", len(w.Interpreters))
		for j, in := range w.Interpreters {
			ip := fmt.Sprintf("%sInterp%d", p, j)
			kv(ip+"Name", in.Name)
			kv(ip+"State", in.State)
			kv(ip+"Created", rfc3339(in.Created))
			kv(ip+"Requests", in.Requests)
			kv(ip+"Threads", in.Threads)
			kv(ip+"BusyThreads", in.BusyThreads)
			kv(ip+"IdleThreads", in.IdleThreads)
			kv(ip+"Queue", in.Queue)
			if in.Modules != nil {
				kv(ip+"Modules", *in.Modules)
			} else {
				kv(ip+"Modules", "unknown")
			}
		}
		kv(p+"Ends", len(w.Ends))
		for j, e := range w.Ends {
			ep := fmt.Sprintf("%sEnd%d", p, j)
			kv(ep+"Name", e.Name)
			kv(ep+"Time", rfc3339(e.Time))
			kv(ep+"Reason", e.Reason)
			kv(ep+"Detail", e.Detail)
			kv(ep+"Requests", e.Requests)
			kv(ep+"Alive", e.Alive)
		}
	}
	return b.Bytes()
}

func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Second:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds ago", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm ago", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

func duration(sec float64) string {
	d := time.Duration(sec) * time.Second
	days := int(d.Hours()) / 24
	d -= time.Duration(days) * 24 * time.Hour
	if days > 0 {
		return fmt.Sprintf("%dd %s", days, d.Round(time.Second))
	}
	return d.Round(time.Second).String()
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

const statusCSS = `body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em 2em;color:#1d2430;background:#f7f8fa}
h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.6em 0 .5em}
.sub{color:#5b6575;margin-bottom:1em}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin-bottom:1em}
.card{background:#fff;border:1px solid #dde2ea;border-radius:6px;padding:.6em 1em;min-width:8em}
.card b{display:block;font-size:1.5em}.card span{color:#5b6575;font-size:.85em}
table{border-collapse:collapse;background:#fff;border:1px solid #dde2ea;min-width:60%}
th,td{padding:.35em .8em;text-align:left;border-bottom:1px solid #eef0f4}
th{background:#eef1f6;font-weight:600;font-size:.9em}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.busy{color:#b45309;font-weight:600}.ok{color:#15803d}.dead{color:#8a94a6}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.95em}
footer{margin-top:2em;color:#8a94a6;font-size:.85em}`

// statusHTML renders the page a person reads at a glance.
func statusHTML(d *statusDoc, refresh int) []byte {
	var b bytes.Buffer
	e := html.EscapeString
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>modpy status</title>\n")
	if refresh > 0 {
		fmt.Fprintf(&b, "<meta http-equiv=\"refresh\" content=\"%d\">\n", refresh)
	}
	b.WriteString("<style>" + statusCSS + "</style></head><body>\n")
	fmt.Fprintf(&b, "<h1>modpy status</h1>\n<div class=\"sub\">%s &middot; %s &middot; %s</div>\n",
		e(d.Server), e(rfc3339(d.Time)), e(d.Master.Description))
	card := func(v, label string) {
		fmt.Fprintf(&b, "<div class=\"card\"><b>%s</b><span>%s</span></div>\n", e(v), e(label))
	}
	stateClass := func(state string) string { return map[bool]string{true: "ok", false: "busy"}[state == "ready"] }
	if m := d.Master; m.Mode == "master" {
		b.WriteString("<h2>Master</h2>\n<div class=\"cards\">\n")
		card(strconv.Itoa(m.Pid), "master pid")
		if m.Started != nil {
			card(ago(d.Time, *m.Started), "started "+m.Started.Format("2006-01-02 15:04:05"))
		}
		card(strconv.Itoa(m.Generation), "generation (restarts of the config)")
		card(strconv.Itoa(m.Workers), "workers")
		var why []string
		for _, r := range sortedKeys(m.Restarts) {
			if n := m.Restarts[r]; n > 0 {
				why = append(why, fmt.Sprintf("%s %d", r, n))
			}
		}
		label := "workers replaced"
		if len(why) > 0 {
			label += ": " + strings.Join(why, ", ")
		}
		card(strconv.FormatUint(m.WorkerRestarts, 10), label)
		b.WriteString("</div>\n<table id=\"workers\"><thead><tr><th>pid</th><th>slot</th><th>generation</th><th>state</th><th>started</th><th>requests</th><th>in progress</th><th>resident memory</th><th>interpreters</th><th>shown as of</th></tr></thead><tbody>\n")
		for _, w := range d.Workers {
			slot, asOf := "&ndash;", "live (answered this page)"
			if w.Slot != nil {
				slot = strconv.Itoa(*w.Slot)
			}
			if w.SnapshotAge != nil {
				asOf = fmt.Sprintf("%.1f s ago", *w.SnapshotAge)
			} else if !w.Answering {
				asOf = "no snapshot yet"
			}
			fmt.Fprintf(&b, "<tr class=\"worker\"><td>%d</td><td class=\"n\">%s</td><td class=\"n\">%d</td><td class=\"%s\">%s</td><td title=\"%s\">%s</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%s</td><td class=\"n\">%d</td><td>%s</td></tr>\n",
				w.Pid, slot, w.Generation, stateClass(w.State), e(w.State), e(rfc3339(w.Started)), e(ago(d.Time, w.Started)),
				w.Requests, w.Active, e(mib(w.RSSBytes)), len(w.Interpreters), e(asOf))
		}
		b.WriteString("</tbody></table>\n")
	}
	for _, w := range d.Workers {
		ninterp := len(w.Interpreters)
		busy := 0
		for _, in := range w.Interpreters {
			busy += in.BusyThreads
		}
		note := ""
		if w.Answering {
			note = " &middot; answered this page"
		} else if w.SnapshotAge != nil {
			note = fmt.Sprintf(" &middot; interpreters as of %.1f s ago", *w.SnapshotAge)
		}
		fmt.Fprintf(&b, "<h2>Worker pid %d <span class=\"%s\">%s</span><span class=\"dead\">%s</span></h2>\n", w.Pid, stateClass(w.State), e(w.State), note)
		b.WriteString("<div class=\"cards\">\n")
		card(strconv.Itoa(ninterp), "interpreters")
		card(strconv.FormatUint(w.Requests, 10), "requests served")
		card(strconv.FormatInt(w.Active, 10), "requests in progress")
		card(fmt.Sprintf("%d / %d", busy, w.ThreadsPerChild), "busy threads / ThreadsPerChild")
		card(mib(w.RSSBytes), "resident memory")
		card(duration(w.UptimeSeconds), "uptime (since "+w.Started.Format("2006-01-02 15:04:05")+")")
		b.WriteString("</div>\n")
		if len(w.InFlight) > 0 {
			b.WriteString("<h2>Python calls running</h2>\n<ul class=\"inflight\">\n")
			for _, c := range w.InFlight {
				fmt.Fprintf(&b, "<li><code>%s</code></li>\n", e(c))
			}
			b.WriteString("</ul>\n")
		}
		b.WriteString("<h2>Interpreters</h2>\n")
		b.WriteString("<table class=\"interpreters\"><thead><tr><th>name</th><th>state</th><th>created</th><th>requests</th><th>busy / idle threads</th><th>queue</th><th>modules</th><th>last end of this name</th></tr></thead><tbody>\n")
		for _, in := range w.Interpreters {
			state := in.State
			cls := "ok"
			if in.BusyThreads > 0 || in.Queue > 0 {
				state, cls = "busy", "busy"
			}
			if in.State == "ending" {
				state, cls = "ending", "dead"
			}
			mods := "&ndash;"
			if in.Modules != nil {
				mods = strconv.Itoa(*in.Modules)
			}
			last := "&ndash;"
			if in.LastEnd != nil {
				last = e(fmt.Sprintf("%s (%s)", ago(d.Time, in.LastEnd.Time), in.LastEnd.Detail))
			}
			fmt.Fprintf(&b, "<tr class=\"interp\"><td><code>%s</code></td><td class=\"%s\">%s</td><td title=\"%s\">%s</td><td class=\"n\">%d</td><td class=\"n\">%d / %d</td><td class=\"n\">%d</td><td class=\"n\">%s</td><td>%s</td></tr>\n",
				e(in.Name), cls, e(state), e(rfc3339(in.Created)), e(ago(d.Time, in.Created)), in.Requests,
				in.BusyThreads, in.IdleThreads, in.Queue, mods, last)
		}
		b.WriteString("</tbody></table>\n")
		b.WriteString("<h2>Ended interpreters (last end of each name)</h2>\n")
		if len(w.Ends) == 0 {
			b.WriteString("<p class=\"dead\">No interpreter has been ended yet.</p>\n")
		} else {
			b.WriteString("<table class=\"ends\"><thead><tr><th>name</th><th>ended</th><th>reason</th><th>requests served</th><th>now</th></tr></thead><tbody>\n")
			for _, x := range w.Ends {
				now := "not alive"
				if x.Alive {
					now = "alive again"
				}
				fmt.Fprintf(&b, "<tr class=\"end\"><td><code>%s</code></td><td title=\"%s\">%s</td><td>%s <span class=\"dead\">(%s)</span></td><td class=\"n\">%d</td><td>%s</td></tr>\n",
					e(x.Name), e(rfc3339(x.Time)), e(ago(d.Time, x.Time)), e(x.Detail), e(x.Reason), x.Requests, now)
			}
			b.WriteString("</tbody></table>\n")
		}
	}
	b.WriteString("<footer>Also as <a href=\"?json\">JSON</a> and <a href=\"?auto\">key: value</a>; <a href=\"?refresh=5\">refresh every 5 s</a>.</footer>\n</body></html>\n")
	return b.Bytes()
}
