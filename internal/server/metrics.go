package server

import (
	"bytes"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"

	"modpy/internal/python"
)

// metrics is the Prometheus side of one worker: a registry of its own (not
// client_golang's global one) that `SetHandler modpy-metrics` exposes.
// Per-request observation is lock-free: a counter looked up once per status
// code and cached in an array, and a histogram (atomic adds).
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	byCode    [1000]atomic.Pointer[prometheus.Counter]
	duration  prometheus.Histogram
	queueWait prometheus.Histogram
	restarts  *prometheus.CounterVec
}

// workerRestartReasons are the reasons a master restarts a worker: it
// exited, it reached MaxConnectionsPerChild, a graceful restart. There is
// no master yet: the counter stays at 0 for each.
var workerRestartReasons = []string{"exit", "max_connections", "graceful"}

func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
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
	m.restarts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "modpy_worker_restarts_total",
		Help: "Worker processes restarted by the master, by reason (single process mode: always 0).",
	}, []string{"reason"})
	for _, r := range workerRestartReasons {
		m.restarts.WithLabelValues(r)
	}
	m.reg.MustRegister(
		m.requests, m.duration, m.queueWait, m.restarts,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "modpy_http_requests_in_flight",
			Help: "Requests being served now (this scrape included).",
		}, func() float64 { return float64(s.active.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "modpy_build_info",
			Help:        "modpy and Python versions; always 1.",
			ConstLabels: prometheus.Labels{"version": Version, "python": python.Version()},
		}, func() float64 { return 1 }),
		&interpCollector{s: s},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

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

// gather renders the registry in the Prometheus text format.
func (m *metrics) gather() ([]byte, string, error) {
	mfs, err := m.reg.Gather()
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, format)
	for _, mf := range mfs {
		if e := enc.Encode(mf); e != nil && err == nil {
			err = e
		}
	}
	return buf.Bytes(), string(format), err
}

// interpCollector reads the interpreters at scrape time.
type interpCollector struct{ s *Server }

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
	rt := c.s.rt
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
