package status

import (
	"bytes"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"modpy/internal/python"
	"modpy/internal/scoreboard"
)

// metrics is the Prometheus side of one worker, on registries of its own
// (not client_golang's global one) that `SetHandler modpy-metrics` exposes.
// own has the worker's metrics: under the master each carries the label
// worker="N" (its scoreboard slot), and a scrape adds the other workers'
// from their snapshots. shared has what belongs to the whole server (worker
// restarts, the number of workers, versions), with no worker label.
// Per-request observation is lock-free: a counter looked up once per status
// code and cached in an array, and a histogram (atomic adds).
type metrics struct {
	s         *Reporter
	own       *prometheus.Registry
	shared    *prometheus.Registry
	requests  *prometheus.CounterVec
	byCode    [1000]atomic.Pointer[prometheus.Counter]
	duration  prometheus.Histogram
	queueWait prometheus.Histogram
}

// newMetrics registers a worker's metrics; worker is its label value
// ("" with -X: no label), group its process group's ("": a worker, no
// label).
func newMetrics(s *Reporter, worker, group string) *metrics {
	m := &metrics{s: s, own: prometheus.NewRegistry(), shared: prometheus.NewRegistry()}
	reg := prometheus.Registerer(m.own)
	labels := prometheus.Labels{}
	if worker != "" {
		labels["worker"] = worker
	}
	if group != "" {
		labels["group"] = group
	}
	if len(labels) > 0 {
		reg = prometheus.WrapRegistererWith(labels, m.own)
	}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "modpy_http_requests_total",
		Help: "HTTP requests answered, by status code.",
	}, []string{"code"})
	m.duration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "modpy_http_request_duration_seconds",
		Help:    "Time from reading a request to the end of its response.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})
	m.queueWait = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "modpy_python_queue_wait_seconds",
		Help:    "Time a call into an interpreter waited, from its hand-off to a thread of the interpreter taking it.",
		Buckets: []float64{.00001, .000025, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	})
	reg.MustRegister(
		m.requests, m.duration, m.queueWait,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "modpy_http_requests_in_flight",
			Help: "Requests being served now (this scrape included).",
		}, func() float64 { return float64(s.src.Active()) }),
		&interpCollector{s: s},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.shared.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "modpy_build_info",
			Help:        "modpy and Python versions; always 1.",
			ConstLabels: prometheus.Labels{"version": s.version, "python": python.Version()},
		}, func() float64 { return 1 }),
		&masterCollector{s: s},
	)
	return m
}

// Observe records one finished request: its status and how long it took.
// It takes no lock and, after the first request of each status, allocates
// nothing.
func (s *Reporter) Observe(status int, d time.Duration) { s.metrics.observe(status, d) }

// ObserveQueueWait records how long a call into an interpreter waited for
// one of its threads (python.Options.QueueWait).
func (s *Reporter) ObserveQueueWait(d time.Duration) { s.metrics.queueWait.Observe(d.Seconds()) }

// Metrics renders every worker's metrics in the Prometheus text format, and
// returns its content type; err says what could not be gathered (the body
// has the rest).
func (s *Reporter) Metrics() (body []byte, contentType string, err error) { return s.metrics.gather() }

// observe records one finished request.
func (m *metrics) observe(status int, d time.Duration) {
	if status >= 0 && status < len(m.byCode) {
		c := m.byCode[status].Load()
		if c == nil {
			cc := m.requests.WithLabelValues(strconv.Itoa(status))
			c = &cc
			m.byCode[status].Store(c)
		}
		(*c).Inc()
	} else {
		m.requests.WithLabelValues(strconv.Itoa(status)).Inc()
	}
	m.duration.Observe(d.Seconds())
}

// gather renders every worker's metrics in the Prometheus text format:
// this worker's live, the others' from their last snapshot (at most
// publishEvery old), families merged by name.
func (m *metrics) gather() ([]byte, string, error) {
	fams := map[string]*dto.MetricFamily{}
	add := func(mfs []*dto.MetricFamily) {
		for _, mf := range mfs {
			if have := fams[mf.GetName()]; have != nil {
				have.Metric = append(have.Metric, mf.Metric...)
			} else {
				fams[mf.GetName()] = mf
			}
		}
	}
	shared, err := m.shared.Gather()
	add(shared)
	own, e := m.own.Gather()
	if err == nil {
		err = e
	}
	add(own)
	if s := m.s; s != nil && s.board != nil {
		for _, sl := range s.board.Live() {
			if sl.Index == s.slot.Index {
				continue
			}
			data, _ := sl.ReadMetrics()
			dec := expfmt.NewDecoder(bytes.NewReader(data), expfmt.NewFormat(expfmt.TypeProtoDelim))
			var mfs []*dto.MetricFamily
			for {
				mf := &dto.MetricFamily{}
				if dec.Decode(mf) != nil {
					break
				}
				mfs = append(mfs, mf)
			}
			add(mfs)
		}
	}
	names := make([]string, 0, len(fams))
	for n := range fams {
		names = append(names, n)
	}
	sort.Strings(names)
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, format)
	for _, n := range names {
		if e := enc.Encode(fams[n]); e != nil && err == nil {
			err = e
		}
	}
	return buf.Bytes(), string(format), err
}

// masterCollector reads the master's counters from the scoreboard at
// scrape time (zero with -X, which has no master).
type masterCollector struct{ s *Reporter }

var (
	descRestarts = prometheus.NewDesc("modpy_worker_restarts_total",
		"Worker processes the master replaced, by reason (always 0 with -X).", []string{"reason"}, nil)
	descWorkers = prometheus.NewDesc("modpy_workers",
		"Worker processes alive (starting, serving or draining), group processes not included.", nil, nil)
	descGroupProcesses = prometheus.NewDesc("modpy_group_processes",
		"Processes of the process group alive (starting, serving or draining).", []string{"group"}, nil)
	descGroupThreads = prometheus.NewDesc("modpy_group_threads",
		"Threads the process group's live processes serve requests with.", []string{"group"}, nil)
	descGroupRequests = prometheus.NewDesc("modpy_group_requests_total",
		"Requests the process group's processes served, those the master replaced included.", []string{"group"}, nil)
	descGroupActive = prometheus.NewDesc("modpy_group_requests_in_flight",
		"Requests the process group's processes are serving now.", []string{"group"}, nil)
	descGroupRestarts = prometheus.NewDesc("modpy_group_restarts_total",
		"Processes of the process group the master replaced, by reason.", []string{"group", "reason"}, nil)
)

func (c *masterCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRestarts, descWorkers, descGroupProcesses, descGroupThreads,
		descGroupRequests, descGroupActive, descGroupRestarts} {
		ch <- d
	}
}

func (c *masterCollector) Collect(ch chan<- prometheus.Metric) {
	var restarts [scoreboard.NumReasons]uint64
	workers := 1
	var groups []groupCount
	if b := c.s.board; b != nil {
		restarts = b.Master().Restarts
		workers, groups = countGroups(b)
	}
	for r, n := range restarts {
		ch <- prometheus.MustNewConstMetric(descRestarts, prometheus.CounterValue, float64(n), scoreboard.Reason(r).String())
	}
	ch <- prometheus.MustNewConstMetric(descWorkers, prometheus.GaugeValue, float64(workers))
	for _, g := range groups {
		ch <- prometheus.MustNewConstMetric(descGroupProcesses, prometheus.GaugeValue, float64(g.processes), g.name)
		ch <- prometheus.MustNewConstMetric(descGroupThreads, prometheus.GaugeValue, float64(g.threads), g.name)
		ch <- prometheus.MustNewConstMetric(descGroupRequests, prometheus.CounterValue, float64(g.requests), g.name)
		ch <- prometheus.MustNewConstMetric(descGroupActive, prometheus.GaugeValue, float64(g.active), g.name)
		for r, n := range g.restarts {
			ch <- prometheus.MustNewConstMetric(descGroupRestarts, prometheus.CounterValue, float64(n), g.name, scoreboard.Reason(r).String())
		}
	}
}

// groupCount is a process group's totals, read from the scoreboard.
type groupCount struct {
	name               string
	processes, threads int
	requests           uint64
	active             int64
	restarts           [scoreboard.NumReasons]uint64
}

// countGroups counts the workers on b and totals each process group, the
// declared ones first, in the order the master declared them, then any
// other a slot names.
func countGroups(b *scoreboard.Board) (workers int, groups []groupCount) {
	index := map[string]int{}
	for _, gi := range b.Groups() {
		index[gi.Name] = len(groups)
		groups = append(groups, groupCount{name: gi.Name, requests: gi.Retired, restarts: gi.Restarts})
	}
	for _, sl := range b.Live() {
		name := sl.Group()
		if name == "" {
			workers++
			continue
		}
		i, ok := index[name]
		if !ok {
			i = len(groups)
			index[name] = i
			groups = append(groups, groupCount{name: name})
		}
		g := &groups[i]
		g.processes++
		g.threads += sl.Threads()
		g.requests += sl.Requests().Load()
		g.active += sl.Active().Load()
	}
	return workers, groups
}

// interpCollector reads the interpreters at scrape time.
type interpCollector struct{ s *Reporter }

var (
	descInterpThreads = prometheus.NewDesc("modpy_interpreter_threads",
		"Threads of the interpreter's pool.", []string{"interpreter"}, nil)
	descInterpBusy = prometheus.NewDesc("modpy_interpreter_busy_threads",
		"Threads of the interpreter running a call now.", []string{"interpreter"}, nil)
	descInterpQueue = prometheus.NewDesc("modpy_interpreter_queue_length",
		"Calls waiting for a thread of the interpreter.", []string{"interpreter"}, nil)
	descInterpRequests = prometheus.NewDesc("modpy_interpreter_requests_total",
		"Requests the live interpreter of this name served (starts again at 0 when it is re-created).", []string{"interpreter"}, nil)
	descInterpModules = prometheus.NewDesc("modpy_interpreter_modules",
		"len(sys.modules) after the interpreter's last call.", []string{"interpreter"}, nil)
	descInterps = prometheus.NewDesc("modpy_interpreters",
		"Live interpreters in the worker.", nil, nil)
	descCreations = prometheus.NewDesc("modpy_interpreter_creations_total",
		"Interpreters created (main_interpreter included).", nil, nil)
	descEnds = prometheus.NewDesc("modpy_interpreter_ends_total",
		"Interpreters ended, by reason.", []string{"reason"}, nil)
)

func (c *interpCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descInterpThreads, descInterpBusy, descInterpQueue,
		descInterpRequests, descInterpModules, descInterps, descCreations, descEnds} {
		ch <- d
	}
}

func (c *interpCollector) Collect(ch chan<- prometheus.Metric) {
	rt := c.s.src.Python()
	var list []python.InterpInfo
	var counts python.Counts
	if rt != nil {
		list = rt.Interps()
		counts = rt.Counts()
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, in := range list {
		gauge(descInterpThreads, float64(in.Threads), in.Name)
		gauge(descInterpBusy, float64(in.Busy), in.Name)
		gauge(descInterpQueue, float64(in.Queued), in.Name)
		ch <- prometheus.MustNewConstMetric(descInterpRequests, prometheus.CounterValue, float64(in.Requests), in.Name)
		if in.Modules >= 0 {
			gauge(descInterpModules, float64(in.Modules), in.Name)
		}
	}
	gauge(descInterps, float64(len(list)))
	ch <- prometheus.MustNewConstMetric(descCreations, prometheus.CounterValue, float64(counts.Creations))
	for _, k := range python.EndKinds() {
		ch <- prometheus.MustNewConstMetric(descEnds, prometheus.CounterValue, float64(counts.Ends[k]), k.String())
	}
}
