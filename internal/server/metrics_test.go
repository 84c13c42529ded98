package server

import (
	"strings"
	"testing"
	"time"
)

func TestMetricsObserveAndGather(t *testing.T) {
	s := &Server{}
	s.served, s.active = &s.counters.served, &s.counters.active
	m := newMetrics(s, "")
	for i := 0; i < 3; i++ {
		m.observe(200, time.Millisecond)
	}
	m.observe(404, time.Millisecond)
	m.observe(1234, time.Millisecond) // outside the cached range
	body, ctype, err := m.gather()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ctype, "text/plain; version=0.0.4") {
		t.Errorf("content type %q", ctype)
	}
	for _, want := range []string{
		`modpy_http_requests_total{code="200"} 3`,
		`modpy_http_requests_total{code="404"} 1`,
		`modpy_http_requests_total{code="1234"} 1`,
		`modpy_http_request_duration_seconds_count 5`,
		`modpy_worker_restarts_total{reason="died"} 0`,
		`modpy_interpreter_ends_total{reason="max_requests"} 0`,
		`modpy_interpreters 0`,
		"\ngo_goroutines ",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("no %q in:\n%s", want, body)
		}
	}
}

func TestStatusAutoLines(t *testing.T) {
	if ProcessRSS() <= 0 {
		t.Error("no VmRSS in /proc/self/status")
	}
	for _, line := range strings.Split(strings.TrimSpace(string(statusAuto(&statusDoc{Workers: []workerStatus{{Pid: 1}}}))), "\n") {
		if k, _, ok := strings.Cut(line, ": "); !ok || k == "" {
			t.Errorf("line %q", line)
		}
	}
}
