package status

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"modpy/internal/scoreboard"
)

// served is a process that finished n requests.
type served struct {
	idle
	n uint64
}

func (s served) Requests() uint64 { return s.n }

// groupBoard is a scoreboard as the master leaves it with two workers and
// the group "hello" of two processes (16 threads each), one of which has
// published its snapshot, and a declared group "empty" with no process
// alive. The reporter answers as worker 0.
func groupBoard(t *testing.T) (*Reporter, *scoreboard.Board) {
	t.Helper()
	b, err := scoreboard.Create(6)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	b.SetMaster(7, time.Now().Add(-time.Minute))
	b.SetGeneration(1)
	b.DeclareGroup("hello")
	b.DeclareGroup("empty<&>")
	w0, w1 := b.Claim(1), b.Claim(1)
	w0.SetPid(100)
	w1.SetPid(101)
	var hello []*scoreboard.Slot
	for pid := 200; pid < 202; pid++ {
		sl := b.Claim(1)
		sl.SetGroup("hello")
		sl.SetPid(pid)
		sl.SetState(scoreboard.Ready)
		hello = append(hello, sl)
	}
	w1.Requests().Add(5)
	hello[0].Requests().Add(30)
	hello[1].Requests().Add(12)
	hello[1].Active().Add(2)
	b.CountGroupRestart("hello", scoreboard.Died)
	b.CountGroupRestart("empty<&>", scoreboard.MaxMemory)
	b.CountRestart(scoreboard.Died)

	// A process of the group that is gone: its requests stay the group's.
	gone := b.Claim(1)
	gone.SetGroup("hello")
	gone.SetPid(199)
	gone.Requests().Add(100)
	gone.Release()

	for i, sl := range hello {
		g := New(Facts{Version: "0.1.0", Pid: sl.Pid(), Started: time.Now(), ThreadsPerChild: 16}, served{n: sl.Requests().Load()})
		g.SetScoreboard(b, sl)
		if i == 0 {
			g.Observe(200, time.Millisecond)
			g.publishOnce()
		}
	}
	r := New(Facts{Version: "0.1.0", Pid: 100, Started: time.Now(), ThreadsPerChild: 25}, idle{})
	r.SetScoreboard(b, w0)
	return r, b
}

func TestGroupsJSON(t *testing.T) {
	r, _ := groupBoard(t)
	ctype, body, _, err := r.Page("json")
	if err != nil || ctype != "application/json" {
		t.Fatalf("%q %v", ctype, err)
	}
	var doc statusDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Master.Workers != 2 || len(doc.Workers) != 2 || doc.Master.Groups != 2 || doc.Master.GroupProcesses != 2 {
		t.Fatalf("master %+v, %d workers", doc.Master, len(doc.Workers))
	}
	if doc.Master.WorkerRestarts != 1 {
		t.Errorf("worker restarts %d: the groups' are not the workers'", doc.Master.WorkerRestarts)
	}
	if !strings.HasSuffix(doc.Master.Description, ", 2 workers, 2 process groups (2 processes)") {
		t.Errorf("description %q", doc.Master.Description)
	}
	for _, w := range doc.Workers {
		if w.Group != "" {
			t.Errorf("a group process among the workers: %+v", w)
		}
	}
	if len(doc.Groups) != 2 {
		t.Fatalf("groups: %+v", doc.Groups)
	}
	h, e := doc.Groups[0], doc.Groups[1]
	if h.Name != "hello" || len(h.Processes) != 2 || h.Threads != 32 || h.Requests != 142 || h.Active != 2 ||
		h.Restarts != 1 || h.RestartsByReason["died"] != 1 || h.RestartsByReason["max_memory"] != 0 {
		t.Errorf("hello: %+v", h)
	}
	p0, p1 := h.Processes[0], h.Processes[1]
	if p0.Pid != 200 || p0.Group != "hello" || p0.ThreadsPerChild != 16 || p0.State != "ready" || p0.Requests != 30 ||
		p0.SnapshotAge == nil || p0.Python == "" {
		t.Errorf("hello's first process: %+v", p0)
	}
	if p1.Pid != 201 || p1.SnapshotAge != nil || p1.ThreadsPerChild != 16 || p1.Active != 2 {
		t.Errorf("hello's second process (no snapshot yet): %+v", p1)
	}
	if e.Name != "empty<&>" || len(e.Processes) != 0 || e.Restarts != 1 || e.RestartsByReason["max_memory"] != 1 {
		t.Errorf("the group with no process: %+v", e)
	}
	if !strings.Contains(string(body), `"processes": []`) {
		t.Errorf("a group with no process has no empty list:\n%s", body)
	}
}

func TestGroupsAuto(t *testing.T) {
	r, _ := groupBoard(t)
	_, body, _, err := r.Page("auto")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("line %q", line)
		}
		if _, dup := got[k]; dup {
			t.Errorf("key %q twice", k)
		}
		got[k] = v
	}
	for k, v := range map[string]string{
		"Workers": "2", "Total Accesses": "5", "Groups": "2",
		"Group0Name": "hello", "Group0Processes": "2", "Group0Threads": "32", "Group0Requests": "142",
		"Group0Active": "2", "Group0Restarts": "1", "Group0Restarts_died": "1", "Group0Restarts_stuck": "0",
		"Group0Process0Pid": "200", "Group0Process0Threads": "16", "Group0Process0Requests": "30",
		"Group0Process0State": "ready", "Group0Process1Pid": "201", "Group0Process1Active": "2",
		"Group1Name": "empty<&>", "Group1Processes": "0", "Group1Restarts_max_memory": "1",
		"Worker1Pid": "101", "Worker1Requests": "5",
	} {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	for _, k := range []string{"Worker2Pid", "Group1Process0Pid", "Worker0Threads"} {
		if _, ok := got[k]; ok {
			t.Errorf("unexpected key %s", k)
		}
	}
}

func TestGroupsMetrics(t *testing.T) {
	r, _ := groupBoard(t)
	body, _, err := r.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	text := string(body)
	for _, want := range []string{
		"\nmodpy_workers 2\n",
		"\nmodpy_group_processes{group=\"hello\"} 2\n",
		"\nmodpy_group_processes{group=\"empty<&>\"} 0\n",
		"\nmodpy_group_threads{group=\"hello\"} 32\n",
		"\nmodpy_group_requests_total{group=\"hello\"} 142\n",
		"\nmodpy_group_requests_in_flight{group=\"hello\"} 2\n",
		"\nmodpy_group_restarts_total{group=\"hello\",reason=\"died\"} 1\n",
		"\nmodpy_group_restarts_total{group=\"hello\",reason=\"max_memory\"} 0\n",
		"\nmodpy_group_restarts_total{group=\"empty<&>\",reason=\"max_memory\"} 1\n",
		"\nmodpy_worker_restarts_total{reason=\"died\"} 1\n",
		// The group process's own series, from its snapshot, carry its group.
		"\nmodpy_http_requests_total{code=\"200\",group=\"hello\",worker=\"2\"} 1\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", strings.TrimSpace(want), text)
		}
	}
	if regexp.MustCompile(`modpy_http_requests_total\{[^}]*worker="0"[^}]*group=`).MatchString(text) {
		t.Errorf("the worker's series carry a group:\n%s", text)
	}
}

func TestGroupsPage(t *testing.T) {
	r, _ := groupBoard(t)
	_, body, _, err := r.Page("")
	if err != nil {
		t.Fatal(err)
	}
	page := string(body)
	for _, re := range []string{
		`<tr class="group"><td><code>hello</code></td><td class="n">2</td><td class="n">32</td><td class="n">142</td><td class="n">2</td><td>1 <span class="dead">\(died 1\)</span></td></tr>`,
		`<tr class="group"><td><code>empty&lt;&amp;&gt;</code></td><td class="n">0</td>`,
		`<tr class="group-process"><td>200</td><td class="n">2</td>.*<td class="n">16</td>`,
		`<h2>Group <code>hello</code> process pid 200 `,
		`<h2>Group <code>hello</code> process pid 201 `,
		`<h2>Worker pid 100 `,
		`<b>2</b><span>process groups \(2 processes\)</span>`,
		`No process of this group is alive`,
	} {
		if !regexp.MustCompile(re).MatchString(page) {
			t.Errorf("no %s in the page:\n%s", re, page)
		}
	}
	if n := strings.Count(page, `<tr class="worker">`); n != 2 {
		t.Errorf("%d worker rows, want 2", n)
	}
}
