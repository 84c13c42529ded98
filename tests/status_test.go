package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

const statusConf = `
<Directory {{DIR}}/htdocs/alpha>
    SetHandler mod_python
    PythonHandler who
    PythonInterpreter alpha
</Directory>
<Directory {{DIR}}/htdocs/beta>
    SetHandler mod_python
    PythonHandler who
    PythonInterpreter beta
</Directory>
<Directory {{DIR}}/htdocs/gamma>
    SetHandler mod_python
    PythonHandler who
    PythonInterpreter gamma
    PythonInterpMaxRequests 1
</Directory>
<Location /server-status>
    SetHandler server-status
    Require local
</Location>
<Location /modpy-status>
    SetHandler modpy-status
    Require local
</Location>
<Location /metrics>
    SetHandler modpy-metrics
    Require local
</Location>
`

// statusJSON is the part of ?json the test reads (docs/status.md).
type statusJSON struct {
	Server string `json:"server"`
	Master struct {
		Mode        string `json:"mode"`
		Description string `json:"description"`
		Workers     int    `json:"workers"`
	} `json:"master"`
	Workers []struct {
		Pid           int     `json:"pid"`
		Started       string  `json:"started"`
		UptimeSeconds float64 `json:"uptime_seconds"`
		State         string  `json:"state"`
		Requests      uint64  `json:"requests"`
		Active        int64   `json:"active"`
		RSSBytes      int64   `json:"rss_bytes"`
		GoProcs       int     `json:"go_procs"`
		Interpreters  []struct {
			Name        string `json:"name"`
			State       string `json:"state"`
			Created     string `json:"created"`
			Requests    uint64 `json:"requests"`
			Threads     int    `json:"threads"`
			BusyThreads int    `json:"busy_threads"`
			IdleThreads int    `json:"idle_threads"`
			Queue       int    `json:"queue"`
			Modules     *int   `json:"modules"`
		} `json:"interpreters"`
		Ends []struct {
			Name     string `json:"name"`
			Time     string `json:"time"`
			Reason   string `json:"reason"`
			Detail   string `json:"detail"`
			Requests uint64 `json:"requests"`
			Alive    bool   `json:"alive"`
		} `json:"ends"`
	} `json:"workers"`
}

// parseAuto parses ?auto: every non-empty line is "Key: value".
func parseAuto(t *testing.T, body string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok || k == "" {
			t.Fatalf("?auto line %q is not \"Key: value\"", line)
		}
		m[k] = v
	}
	return m
}

// metricValue finds one sample ("name{labels}" exactly as exposed) in a
// Prometheus text exposition.
func metricValue(t *testing.T, body, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatalf("metric %s: %v", series, err)
			}
			return v
		}
	}
	t.Fatalf("metric %s not exposed:\n%s", series, body)
	return 0
}

func TestStatusAndMetrics(t *testing.T) {
	s := startSite(t, statusConf, map[string]string{
		"htdocs/alpha/who.py": whoHandler,
		"htdocs/beta/who.py":  whoHandler,
		"htdocs/gamma/who.py": whoHandler,
	})
	// Baselines: whatever the harness's readiness probes caused.
	before := parseAuto(t, s.mustGet("/server-status?auto"))
	base, err := strconv.Atoi(before["Total Accesses"])
	if err != nil {
		t.Fatalf("Total Accesses: %v", err)
	}
	m0 := s.mustGet("/metrics")
	ok0 := metricValue(t, m0, `modpy_http_requests_total{code="200"}`)
	n404 := 0.0
	if strings.Contains(m0, `modpy_http_requests_total{code="404"}`) {
		n404 = metricValue(t, m0, `modpy_http_requests_total{code="404"}`)
	}

	// What the test causes: alpha 3 requests, beta 2, gamma 1 (then ended
	// by PythonInterpMaxRequests 1), one 404.
	for i, p := range []string{"/alpha/who.py", "/beta/who.py", "/alpha/who.py", "/gamma/who.py", "/beta/who.py", "/alpha/who.py"} {
		body := s.mustGet(p)
		if want := strings.Split(p, "/")[1]; interpOf(t, body) != want {
			t.Fatalf("request %d (%s) ran in %q", i, p, interpOf(t, body))
		}
	}
	if st, _ := s.get("/nothing-here"); st != 404 {
		t.Fatalf("/nothing-here: %d", st)
	}
	s.waitLog(`interpreter "gamma" ended (PythonInterpMaxRequests 1 reached)`)
	// Requests finished since the ?auto above: it, /metrics, 6 + 1 above.
	wantServed := uint64(base) + 2 + 7

	// ?json
	st, hdr, body := s.do("GET", "/server-status?json", "")
	if st != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
		t.Fatalf("?json: %d %q", st, hdr.Get("Content-Type"))
	}
	var doc statusJSON
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("?json: %v\n%s", err, body)
	}
	if doc.Master.Mode != "single" || doc.Master.Description != "single process (-X)" || doc.Master.Workers != 1 || len(doc.Workers) != 1 {
		t.Fatalf("master/workers: %+v", doc.Master)
	}
	w := doc.Workers[0]
	if w.Pid != s.cmd.Process.Pid || w.State != "ready" || w.RSSBytes < 1<<20 || w.UptimeSeconds <= 0 || w.Active != 1 {
		t.Errorf("worker: pid %d (want %d) state %q rss %d uptime %v active %d", w.Pid, s.cmd.Process.Pid, w.State, w.RSSBytes, w.UptimeSeconds, w.Active)
	}
	if w.Requests != wantServed {
		t.Errorf("worker requests = %d, want %d", w.Requests, wantServed)
	}
	got := map[string]uint64{}
	for _, in := range w.Interpreters {
		got[in.Name] = in.Requests
		if in.Name == "alpha" || in.Name == "beta" {
			if in.State != "running" || in.Threads < 1 || in.BusyThreads != 0 || in.IdleThreads != in.Threads || in.Queue != 0 {
				t.Errorf("interpreter %s: %+v", in.Name, in)
			}
			if in.Modules == nil || *in.Modules < 10 {
				t.Errorf("interpreter %s: modules %v", in.Name, in.Modules)
			}
			if _, err := time.Parse(time.RFC3339Nano, in.Created); err != nil {
				t.Errorf("interpreter %s: created %q: %v", in.Name, in.Created, err)
			}
		}
	}
	want := map[string]uint64{"main_interpreter": 0, "alpha": 3, "beta": 2}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("interpreters and requests = %v, want %v", got, want)
	}
	if len(w.Ends) != 1 || w.Ends[0].Name != "gamma" || w.Ends[0].Reason != "max_requests" ||
		w.Ends[0].Detail != "PythonInterpMaxRequests 1 reached" || w.Ends[0].Requests != 1 || w.Ends[0].Alive {
		t.Errorf("ends = %+v", w.Ends)
	}

	// ?auto
	auto := parseAuto(t, s.mustGet("/server-status?auto"))
	for k, v := range map[string]string{
		"ServerMPM": "single process (-X)", "Workers": "1", "Worker0Interpreters": "3",
		"Worker0Interp1Name": "alpha", "Worker0Interp1Requests": "3",
		"Worker0Interp2Name": "beta", "Worker0Interp2Requests": "2",
		"Worker0Ends": "1", "Worker0End0Name": "gamma", "Worker0End0Reason": "max_requests",
		"Total Accesses": strconv.FormatUint(wantServed+1, 10),
		"Worker0Pid":     strconv.Itoa(s.cmd.Process.Pid),
	} {
		if auto[k] != v {
			t.Errorf("?auto %s = %q, want %q", k, auto[k], v)
		}
	}

	// HTML, under both handler names; HEAD.
	for _, p := range []string{"/server-status", "/modpy-status?refresh=5"} {
		st, hdr, page := s.do("GET", p, "")
		if st != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %q", p, st, hdr.Get("Content-Type"))
		}
		for _, want := range []string{"<code>alpha</code>", "<code>beta</code>", "<code>main_interpreter</code>", "<code>gamma</code>", "PythonInterpMaxRequests 1 reached", "single process (-X)"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: no %q in the page", p, want)
			}
		}
	}
	if st, hdr, page := s.do("GET", "/modpy-status?refresh=5", ""); st != 200 || hdr.Get("Refresh") != "5" || !strings.Contains(page, `http-equiv="refresh" content="5"`) {
		t.Errorf("?refresh=5: %d Refresh %q", st, hdr.Get("Refresh"))
	}
	if st, hdr, page := s.do("HEAD", "/server-status", ""); st != 200 || page != "" || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Errorf("HEAD: %d %q %q", st, hdr.Get("Content-Type"), page)
	}
	if st, _, _ := s.do("POST", "/server-status", "x=1"); st != 405 {
		t.Errorf("POST: %d, want 405", st)
	}

	// Metrics after the requests above: the metrics request itself is
	// still in flight, and 7 status requests finished since ?json.
	st, hdr, m := s.do("GET", "/metrics", "")
	if st != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %d %q", st, hdr.Get("Content-Type"))
	}
	// 200s since the first /metrics: it, 6 handler requests, ?json,
	// ?auto, 3 HTML pages, HEAD = 13.
	checks := map[string]float64{
		`modpy_http_requests_total{code="200"}`:                                ok0 + 13,
		`modpy_http_requests_total{code="404"}`:                                n404 + 1,
		`modpy_http_requests_total{code="405"}`:                                1,
		`modpy_http_requests_in_flight`:                                        1,
		`modpy_interpreter_requests_total{interpreter="alpha"}`:                3,
		`modpy_interpreter_requests_total{interpreter="beta"}`:                 2,
		`modpy_interpreter_busy_threads{interpreter="alpha"}`:                  0,
		`modpy_interpreter_queue_length{interpreter="beta"}`:                   0,
		`modpy_interpreters`:                                                   3,
		`modpy_interpreter_creations_total`:                                    4, // main + alpha, beta, gamma
		`modpy_interpreter_ends_total{reason="max_requests"}`:                  1,
		`modpy_interpreter_ends_total{reason="idle"}`:                          0,
		`modpy_interpreter_ends_total{reason="reload"}`:                        0,
		`modpy_interpreter_ends_total{reason="explicit"}`:                      0,
		`modpy_worker_restarts_total{reason="died"}`:                           0,
		`modpy_python_queue_wait_seconds_count`:                                6, // one hand-off per handler request
		`modpy_build_info{python="` + pyVersion(t, hdr) + `",version="0.1.0"}`: 1,
	}
	// Every finished request is in the duration histogram: wantServed
	// (up to ?json) + ?json, ?auto, 3 pages, HEAD, POST = wantServed + 7.
	checks[`modpy_http_request_duration_seconds_count`] = float64(wantServed) + 7
	for series, want := range checks {
		if v := metricValue(t, m, series); v != want {
			t.Errorf("%s = %v, want %v", series, v, want)
		}
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "modpy_http_request_duration_seconds_bucket{le=\"+Inf\"}"} {
		if !strings.Contains(m, "\n"+name) {
			t.Errorf("metric %s missing", name)
		}
	}

	// The page as a browser renders it.
	t.Run("chromium", func(t *testing.T) { checkStatusInChromium(t, s) })
}

// pyVersion is the Python version the Server header names.
func pyVersion(t *testing.T, hdr map[string][]string) string {
	t.Helper()
	m := regexp.MustCompile(`Python/(\S+)`).FindStringSubmatch(strings.Join(hdr["Server"], " "))
	if m == nil {
		t.Fatalf("no Python/ in Server %q", hdr["Server"])
	}
	return m[1]
}

const chromiumBin = "/usr/bin/chromium"

func chromium(t *testing.T, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--window-size=1280,900"}
	cmd := exec.CommandContext(ctx, chromiumBin, append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

func checkStatusInChromium(t *testing.T, s *site) {
	_, err := os.Stat(chromiumBin)
	needTestDep(t, chromiumBin, err)
	url := s.URL + "/server-status"
	dom := string(chromium(t, "--dump-dom", url))
	rows := regexp.MustCompile(`<tr class="interp"><td><code>([^<]*)</code>`).FindAllStringSubmatch(dom, -1)
	var names []string
	for _, r := range rows {
		names = append(names, r[1])
	}
	if strings.Join(names, ",") != "main_interpreter,alpha,beta" {
		t.Errorf("rendered interpreter rows: %v\n%s", names, dom)
	}
	if !regexp.MustCompile(`<tr class="end"><td><code>gamma</code>`).MatchString(dom) {
		t.Errorf("rendered DOM has no end row for gamma:\n%s", dom)
	}
	png := filepath.Join(t.TempDir(), "status.png")
	chromium(t, "--screenshot="+png, url)
	b, err := os.ReadFile(png)
	if err != nil || len(b) < 1000 || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatalf("screenshot: %v (%d bytes)", err, len(b))
	}
	if dst := os.Getenv("MODPY_STATUS_SCREENSHOT"); dst != "" {
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
