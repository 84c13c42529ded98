package status

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// goldenDocs are status documents for TestPageGolden.
func goldenDocs() map[string]*statusDoc {
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	ip := func(n int) *int { return &n }
	fp := func(f float64) *float64 { return &f }
	tp := func(t time.Time) *time.Time { return &t }
	end := endStatus{Name: "g<am>ma & \"co\" 'x' a+b", Time: now.Add(-90 * time.Second), Reason: "max_requests", Detail: "PythonInterpMaxRequests 1 reached <b>", Created: now.Add(-time.Hour), Requests: 1}
	end2 := endStatus{Name: "delta", Time: now.Add(-3 * time.Hour), Reason: "idle", Detail: "idle 5s", Created: now.Add(-4 * time.Hour), Requests: 7, Alive: true}
	live := workerStatus{Pid: 4242, Started: now.Add(-50 * time.Hour), UptimeSeconds: (50 * time.Hour).Seconds(), State: "ready", Answering: true,
		Requests: 12345, Active: 2, RSSBytes: 55 << 20, ThreadsPerChild: 25, GoProcs: 2, Python: "3.11.2",
		InFlight: []string{"GET /x?a+b&c=<d> in interpreter \"main\""},
		Interpreters: []interpStatus{
			{Name: "main_interpreter", State: "running", Created: now.Add(-50 * time.Hour), Requests: 10, Threads: 3, BusyThreads: 1, IdleThreads: 2, Queue: 0, Modules: ip(120), LastUsed: tp(now)},
			{Name: "alpha<&>\"'+", State: "running", Created: now.Add(-5 * time.Second), Requests: 3, Threads: 1, IdleThreads: 1},
			{Name: "beta", State: "running", Created: now.Add(-30 * time.Minute), Requests: 2, Threads: 2, Queue: 4, Modules: ip(5), LastEnd: &end2},
			{Name: "ending", State: "ending", Created: now.Add(-30 * time.Hour), Requests: 2, Threads: 2, BusyThreads: 1},
		},
		Ends: []endStatus{end, end2},
	}
	single := &statusDoc{Server: "modpy/0.1.0 Python/3.11.2", Time: now,
		Master:  masterStatus{Mode: "single", Description: "single process (-X)", Workers: 1, Restarts: map[string]uint64{"died": 0}},
		Workers: []workerStatus{live}}
	bare := live
	bare.Answering = true
	bare.InFlight = nil
	bare.Ends = []endStatus{}
	bare.Interpreters = []interpStatus{}
	bare.State = "stopping"
	empty := &statusDoc{Server: "modpy/0.1.0 Python/3.11.2", Time: now,
		Master:  masterStatus{Mode: "master", Pid: 7, Workers: 1, Restarts: map[string]uint64{"died": 0}, Description: "master pid 7; no scoreboard, so this page shows only the worker that answered"},
		Workers: []workerStatus{bare}}
	w0 := live
	w0.Slot = ip(0)
	w0.Generation = 2
	w1 := workerStatus{Pid: 4343, Slot: ip(1), Generation: 2, Started: now.Add(-10 * time.Second), UptimeSeconds: 10, State: "starting", Interpreters: []interpStatus{}, Ends: []endStatus{}}
	w2 := live
	w2.Answering = false
	w2.Pid = 4444
	w2.Slot = ip(2)
	w2.SnapshotAge = fp(0.73)
	w2.Truncated = true
	master := &statusDoc{Server: "modpy/0.1.0 Python/3.11.2", Time: now,
		Master: masterStatus{Mode: "master", Description: "master pid 7, generation 2, 3 workers", Pid: 7, Started: tp(now.Add(-100 * time.Hour)), Generation: 2, Workers: 3,
			WorkerRestarts: 5, Restarts: map[string]uint64{"died": 2, "max_connections": 3, "stuck": 0}},
		Workers: []workerStatus{w0, w1, w2}}
	g0 := live
	g0.Answering = false
	g0.Pid = 5000
	g0.Slot = ip(3)
	g0.Group = "hello"
	g0.ThreadsPerChild = 16
	g0.SnapshotAge = fp(0.2)
	g1 := w1
	g1.Pid = 5001
	g1.Slot = ip(4)
	g1.Group = "hello"
	g1.ThreadsPerChild = 16
	groups := &statusDoc{Server: "modpy/0.1.0 Python/3.11.2", Time: now,
		Master: masterStatus{Mode: "master", Description: "master pid 7, generation 2, 1 workers, 2 process groups (2 processes)", Pid: 7, Started: tp(now.Add(-time.Hour)), Generation: 2, Workers: 1,
			Restarts: map[string]uint64{"died": 0}, Groups: 2, GroupProcesses: 2},
		Workers: []workerStatus{w0},
		Groups: []groupStatus{
			{Name: "hello", Processes: []workerStatus{g0, g1}, Threads: 32, Requests: 12400, Active: 2, Restarts: 3, RestartsByReason: map[string]uint64{"died": 1, "max_memory": 2, "stuck": 0}},
			{Name: "~al<i>ce", Processes: []workerStatus{}, Restarts: 0, RestartsByReason: map[string]uint64{"died": 0}},
		}}
	return map[string]*statusDoc{"single": single, "empty": empty, "master": master, "groups": groups}
}

var update = flag.Bool("update", false, "rewrite testdata/page-*.html from the page as it renders now")

// TestPageGolden renders documents that use every part of the page (the
// master's table, a worker's snapshot, in-flight calls, busy and ending
// interpreters, ends) and names that need escaping, and compares them with
// testdata/page-*.html. Those were first written by the fmt.Fprintf page
// this template replaced, and differ from it only where html/template
// escapes "+" as "&#43;"; page-groups.html was written by -update and read.
func TestPageGolden(t *testing.T) {
	for _, c := range []struct {
		doc     string
		refresh int
	}{{"single", 5}, {"master", 0}, {"empty", 0}, {"groups", 0}} {
		got, err := statusHTML(goldenDocs()[c.doc], c.refresh)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join("testdata", "page-"+c.doc+".html")
		if *update {
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the page differs from %s (go test -update rewrites it):\n%s", c.doc, file, got)
		}
	}
}

// TestGroupsPageInChromium renders the page of a server with process groups
// in headless chromium and reads back the rows the browser built: the
// tables of groups and of their processes are well formed.
func TestGroupsPageInChromium(t *testing.T) {
	const bin = "/usr/bin/chromium"
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("MODPY_REQUIRE_TEST_DEPS") != "" {
			t.Fatalf("%s: %v (MODPY_REQUIRE_TEST_DEPS is set)", bin, err)
		}
		t.Skipf("%s: %v (make test-deps installs it)", bin, err)
	}
	page, err := statusHTML(goldenDocs()["groups"], 0)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "status.html")
	if err := os.WriteFile(file, page, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--dump-dom", "file://"+file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	rows := func(table, class string) []string {
		m := regexp.MustCompile(`(?s)<table (?:id|class)="`+table+`">.*?</table>`).FindAllString(string(dom), -1)
		var cells []string
		for _, tb := range m {
			for _, r := range regexp.MustCompile(`<tr class="`+class+`"><td>(?:<code>)?([^<]*)`).FindAllStringSubmatch(tb, -1) {
				cells = append(cells, r[1])
			}
		}
		return cells
	}
	if got := strings.Join(rows("groups", "group"), ","); got != "hello,~al&lt;i&gt;ce" { // a text node, not an element
		t.Errorf("group rows in the DOM: %q\n%s", got, dom)
	}
	if got := strings.Join(rows("group-processes", "group-process"), ","); got != "5000,5001" {
		t.Errorf("group process rows in the DOM: %q\n%s", got, dom)
	}
	if got := strings.Join(rows("workers", "worker"), ","); got != "4242" {
		t.Errorf("worker rows in the DOM: %q\n%s", got, dom)
	}
}
