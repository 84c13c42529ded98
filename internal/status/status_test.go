package status

import (
	"strings"
	"testing"
	"time"
)

// idle is a worker before Python started that served nothing.
type idle struct{}

func (idle) Requests() uint64 { return 0 }
func (idle) Active() int64    { return 0 }
func (idle) Stopping() bool   { return false }
func (idle) Python() Python   { return nil }
func (idle) RSS() int64       { return 0 }

func TestMetricsObserveAndGather(t *testing.T) {
	m := New(Facts{Version: "0.1.0"}, idle{})
	for i := 0; i < 3; i++ {
		m.Observe(200, time.Millisecond)
	}
	m.Observe(404, time.Millisecond)
	m.Observe(1234, time.Millisecond) // outside the cached range
	body, ctype, err := m.Metrics()
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
	for _, line := range strings.Split(strings.TrimSpace(string(statusAuto(&statusDoc{Workers: []workerStatus{{Pid: 1}}}))), "\n") {
		if k, _, ok := strings.Cut(line, ": "); !ok || k == "" {
			t.Errorf("line %q", line)
		}
	}
}
