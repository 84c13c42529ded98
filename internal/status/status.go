package status

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"runtime"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"modpy/internal/python"
	"modpy/internal/scoreboard"
)

// Source is what the status page, the metrics and the snapshots read of a
// worker when they are asked for (never per request): the server
// implements it.
type Source interface {
	// Requests is the number of requests finished, Active of those in
	// progress.
	Requests() uint64
	Active() int64
	// Stopping reports whether the worker is draining.
	Stopping() bool
	// Python is the embedded runtime, nil before it started.
	Python() Python
	// RSS is the process's resident memory in bytes, 0 if unknown.
	RSS() int64
}

// Python is what the status page and the metrics read of the embedded
// runtime: *python.Runtime implements it.
type Python interface {
	// Interps lists the live interpreters, main_interpreter first.
	Interps() []python.InterpInfo
	// LastEnds is the last end of each interpreter name.
	LastEnds() []python.EndInfo
	// Counts are the interpreters created and ended, by reason.
	Counts() python.Counts
}

// Facts are what the status page shows of a worker that does not change
// while it runs.
type Facts struct {
	Version         string    // modpy's
	Pid             int       // the worker's
	Started         time.Time // when the worker started
	ThreadsPerChild int       // as configured (config.Load fills in the default)
}

// Reporter is one worker's status page (Page), metrics (Observe, Metrics)
// and, under the master, the snapshots it publishes in its scoreboard slot
// and reads of the other workers' (board.go).
type Reporter struct {
	src       Source
	version   string
	pid       int
	started   time.Time
	threads   int
	masterPid atomic.Int64 // the master's pid when this is one of its workers
	board     *scoreboard.Board
	slot      *scoreboard.Slot // this worker's (nil with -X)
	metrics   *metrics
}

// New returns the reporter of a worker with facts f that reads the rest
// from src.
func New(f Facts, src Source) *Reporter {
	s := &Reporter{src: src, version: f.Version, pid: f.Pid, started: f.Started, threads: f.ThreadsPerChild}
	s.metrics = newMetrics(s, "", "")
	return s
}

// SetMaster records the pid of the master that started this worker, for
// the page to show when there is no scoreboard. Call it before Start.
func (s *Reporter) SetMaster(pid int) { s.masterPid.Store(int64(pid)) }

// Page answers a status request with query string query: the JSON document
// (?json), mod_status-like "Key: value" lines (?auto) or the HTML page.
// With ?refresh=N the page reloads itself every refresh seconds (also for
// a Refresh header; 0: no refresh).
func (s *Reporter) Page(query string) (contentType string, body []byte, refresh int, err error) {
	q, _ := url.ParseQuery(query)
	doc := s.statusDoc()
	switch {
	case q.Has("json"):
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return "", nil, 0, err
		}
		return "application/json", append(b, '\n'), 0, nil
	case q.Has("auto"):
		return "text/plain; charset=utf-8", statusAuto(doc), 0, nil
	}
	if v := q.Get("refresh"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			refresh = min(n, 3600)
		}
	}
	body, err = statusHTML(doc, refresh)
	return "text/html; charset=utf-8", body, refresh, err
}

// statusDoc is the status page's data: the ?json answer (docs/status.md).
type statusDoc struct {
	Server  string         `json:"server"`
	Time    time.Time      `json:"time"`
	Master  masterStatus   `json:"master"`
	Workers []workerStatus `json:"workers"`
	Groups  []groupStatus  `json:"groups"`
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
	// Groups and GroupProcesses count the process groups and their live
	// processes (WSGIDaemonProcess).
	Groups         int `json:"groups"`
	GroupProcesses int `json:"group_processes"`
	// Restarts counts replaced workers by reason (died, max_connections,
	// max_memory, stuck, interpreter, restart).
	Restarts map[string]uint64 `json:"restarts"`
}

// groupStatus is a process group (WSGIDaemonProcess): its processes,
// shown as workers are, and its totals.
type groupStatus struct {
	Name      string         `json:"name"`
	Processes []workerStatus `json:"processes"` // live, in scoreboard slot order
	// Threads is the sum of its processes' threads; Requests what they
	// served, those gone included; Active their requests in progress.
	Threads  int    `json:"threads"`
	Requests uint64 `json:"requests"`
	Active   int64  `json:"active"`
	// Restarts counts its processes the master replaced, the sum of
	// RestartsByReason.
	Restarts         uint64            `json:"restarts"`
	RestartsByReason map[string]uint64 `json:"restarts_by_reason"`
}

type workerStatus struct {
	Pid             int            `json:"pid"`
	Group           string         `json:"group"`      // its process group; "" for a worker`
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
func (s *Reporter) workerStatus() workerStatus {
	now := time.Now()
	w := workerStatus{
		Pid:             s.pid,
		Started:         s.started,
		UptimeSeconds:   now.Sub(s.started).Seconds(),
		State:           "ready",
		Requests:        s.src.Requests(),
		Active:          s.src.Active(),
		RSSBytes:        s.src.RSS(),
		ThreadsPerChild: s.threads,
		GoProcs:         runtime.GOMAXPROCS(0),
		Python:          python.Version(),
		Interpreters:    []interpStatus{},
		Ends:            []endStatus{},
	}
	if s.src.Stopping() {
		w.State = "stopping"
	}
	if rt := s.src.Python(); rt != nil {
		alive := map[string]bool{}
		lastEnd := map[string]*endStatus{}
		infos := rt.Interps()
		for _, in := range infos {
			alive[in.Name] = true
		}
		ends := rt.LastEnds()
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
		w.Group = s.slot.Group()
	}
	return w
}

// statusDoc is the whole status: the master and every worker (this one
// live, the others from the scoreboard), or this process alone with -X.
func (s *Reporter) statusDoc() *statusDoc {
	own := s.workerStatus()
	own.Answering = true
	d := &statusDoc{
		Server:  "modpy/" + s.version + " Python/" + python.Version(),
		Time:    time.Now(),
		Workers: []workerStatus{own},
		Groups:  []groupStatus{},
	}
	m := masterStatus{Mode: "single", Description: "single process (-X)", Workers: 1, Restarts: map[string]uint64{}}
	for r := scoreboard.Reason(0); r < scoreboard.NumReasons; r++ {
		m.Restarts[r.String()] = 0
	}
	if s.board != nil {
		mi := s.board.Master()
		d.Workers, d.Groups = splitGroups(s.board, s.siblings(own))
		started := mi.Started
		m = masterStatus{Mode: "master", Pid: mi.Pid, Started: &started, Generation: mi.Generation,
			Workers: len(d.Workers), Restarts: m.Restarts, Groups: len(d.Groups)}
		for _, g := range d.Groups {
			m.GroupProcesses += len(g.Processes)
		}
		m.Description = fmt.Sprintf("master pid %d, generation %d, %d workers", mi.Pid, mi.Generation, m.Workers)
		if m.Groups > 0 {
			m.Description += fmt.Sprintf(", %d process groups (%d processes)", m.Groups, m.GroupProcesses)
		}
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

// splitGroups sorts the processes on the board into the workers and the
// process groups (countGroups' order and totals).
func splitGroups(b *scoreboard.Board, all []workerStatus) (workers []workerStatus, groups []groupStatus) {
	workers = []workerStatus{}
	_, counts := countGroups(b)
	groups = make([]groupStatus, len(counts))
	index := map[string]int{}
	for i, c := range counts {
		index[c.name] = i
		g := groupStatus{Name: c.name, Processes: []workerStatus{}, Threads: c.threads, Requests: c.requests,
			Active: c.active, RestartsByReason: map[string]uint64{}}
		for r, n := range c.restarts {
			g.RestartsByReason[scoreboard.Reason(r).String()] = n
			g.Restarts += n
		}
		groups[i] = g
	}
	for _, w := range all {
		if i, ok := index[w.Group]; ok && w.Group != "" {
			groups[i].Processes = append(groups[i].Processes, w)
		} else if w.Group == "" {
			workers = append(workers, w)
		}
		// (A process of a group that was not on the board when it was
		// counted started between the two reads: it shows next time.)
	}
	return workers, groups
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
// Worker<i>Interp<j>, ends Worker<i>End<j>; a process group's Group<i>,
// its processes' Group<i>Process<j> (then Interp<k>, End<k> as a worker's).
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
		autoProcess(kv, fmt.Sprintf("Worker%d", i), w)
	}
	if d.Master.Mode == "master" {
		kv("Groups", len(d.Groups))
	}
	for i, g := range d.Groups {
		p := fmt.Sprintf("Group%d", i)
		kv(p+"Name", g.Name)
		kv(p+"Processes", len(g.Processes))
		kv(p+"Threads", g.Threads)
		kv(p+"Requests", g.Requests)
		kv(p+"Active", g.Active)
		kv(p+"Restarts", g.Restarts)
		for _, r := range sortedKeys(g.RestartsByReason) {
			kv(p+"Restarts_"+r, g.RestartsByReason[r])
		}
		for j, w := range g.Processes {
			autoProcess(kv, fmt.Sprintf("%sProcess%d", p, j), w)
		}
	}
	return b.Bytes()
}

// autoProcess writes the ?auto lines of one worker or group process, each
// key prefixed p.
func autoProcess(kv func(string, any), p string, w workerStatus) {
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
	if w.Group != "" {
		kv(p+"Threads", w.ThreadsPerChild)
	}
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
