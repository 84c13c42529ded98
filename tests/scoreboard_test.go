package tests

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The scoreboard the master shares with its workers: whichever worker
// answers, the status page and the metrics show the whole server.

const boardLocations = "<Location /status>\nSetHandler modpy-status\n</Location>\n" +
	"<Location /metrics>\nSetHandler modpy-metrics\n</Location>\n"

type boardDoc struct {
	Master struct {
		Mode       string            `json:"mode"`
		Pid        int               `json:"pid"`
		Generation int               `json:"generation"`
		Workers    int               `json:"workers"`
		Restarts   map[string]uint64 `json:"restarts"`
	} `json:"master"`
	Workers []struct {
		Pid          int      `json:"pid"`
		Slot         *int     `json:"slot"`
		State        string   `json:"state"`
		Answering    bool     `json:"answering"`
		Requests     uint64   `json:"requests"`
		InFlight     []string `json:"in_flight"`
		SnapshotAge  *float64 `json:"snapshot_age_seconds"`
		Interpreters []struct {
			Name     string `json:"name"`
			Requests uint64 `json:"requests"`
		} `json:"interpreters"`
	} `json:"workers"`
}

func (s *site) board() (boardDoc, string) {
	s.t.Helper()
	var d boardDoc
	st, body, err := s.doFresh("/status?json")
	if err != nil || st != 200 {
		s.t.Fatalf("GET /status?json: %d %v\n%s", st, err, body)
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		s.t.Fatalf("status JSON: %v\n%s", err, body)
	}
	return d, body
}

// waitBoard polls the status page until ok accepts it (snapshots of other
// workers are up to a second old).
func (s *site) waitBoard(what string, ok func(boardDoc) bool) boardDoc {
	s.t.Helper()
	deadline := time.Now().Add(8 * time.Second)
	for {
		d, body := s.board()
		if ok(d) {
			return d
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("status page: never %s; last:\n%s\nerror log:\n%s", what, body, s.errorLog())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *site) waitMetrics(want ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(8 * time.Second)
	for {
		_, body, _ := s.doFresh("/metrics")
		missing := ""
		for _, w := range want {
			if !strings.Contains(body, w+"\n") {
				missing = w
				break
			}
		}
		if missing == "" {
			return body
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("metrics: no %q in:\n%s", missing, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestScoreboardStatusAndMetricsCoverEveryWorker(t *testing.T) {
	s := startMaster(t, "StartServers 2\n"+boardLocations)
	// Requests on fresh connections until both workers answered; count
	// what each one served. On a loaded machine the second worker may
	// start serving a while after the first, so this goes on for up to
	// 15 s rather than a fixed number of requests.
	served := map[int]uint64{}
	deadline := time.Now().Add(15 * time.Second)
	for i := 0; len(served) < 2 || i < 20; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests in 15 s reached workers %v, want 2 of them", i, served)
		}
		served[s.mustPid("")]++
	}
	master := s.cmd.Process.Pid
	slots := map[int]int{}
	s.waitBoard("shows both workers with every request they served", func(d boardDoc) bool {
		if d.Master.Mode != "master" || d.Master.Pid != master || d.Master.Generation != 1 ||
			d.Master.Workers != 2 || len(d.Workers) != 2 {
			return false
		}
		answering := 0
		for _, w := range d.Workers {
			if w.Answering {
				answering++
			} else if w.SnapshotAge == nil {
				return false
			}
			if w.Slot == nil || w.State != "ready" || served[w.Pid] == 0 {
				return false
			}
			slots[w.Pid] = *w.Slot
			got := uint64(0)
			for _, in := range w.Interpreters {
				if in.Name == "localhost" {
					got = in.Requests
				}
			}
			if got != served[w.Pid] {
				return false
			}
		}
		return answering == 1
	})

	// The HTML page lists both workers in its master section.
	if _, html, _ := s.doFresh("/status"); strings.Count(html, `<tr class="worker">`) != 2 ||
		!strings.Contains(html, fmt.Sprintf("<b>%d</b><span>master pid</span>", master)) {
		t.Errorf("the HTML page does not show the master and its 2 workers:\n%s", html)
	}

	// A call in flight shows, on whichever worker runs it.
	done := make(chan int)
	go func() {
		pid, _ := s.pidOf(freshClient, "?2")
		done <- pid
	}()
	s.waitBoard("lists the call in flight", func(d boardDoc) bool {
		for _, w := range d.Workers {
			for _, c := range w.InFlight {
				if strings.HasPrefix(c, "GET /pid?2 in interpreter localhost (for ") {
					return true
				}
			}
		}
		return false
	})
	served[<-done]++

	// Per-worker metrics, labelled with the slot, from both workers.
	var want []string
	for pid, n := range served {
		want = append(want, fmt.Sprintf(`modpy_interpreter_requests_total{interpreter="localhost",worker="%d"} %d`, slots[pid], n))
	}
	want = append(want, `modpy_workers 2`, `modpy_worker_restarts_total{reason="died"} 0`)
	s.waitMetrics(want...)

	// A worker killed: the master counts it, and the page shows its
	// replacement instead.
	var victim int
	for pid := range served {
		victim = pid
	}
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.waitBoard("shows the killed worker replaced", func(d boardDoc) bool {
		if d.Master.Restarts["died"] != 1 || len(d.Workers) != 2 {
			return false
		}
		for _, w := range d.Workers {
			if w.Pid == victim || w.Pid <= 0 {
				return false
			}
		}
		return true
	})
	s.waitMetrics(`modpy_worker_restarts_total{reason="died"} 1`, `modpy_workers 2`)
}

// main_interpreter is ended only with its process: under the master,
// PythonInterpMaxRequests on it recycles the worker instead.
func TestScoreboardMainInterpreterMaxRequestsRecyclesWorker(t *testing.T) {
	s := startMaster(t, "StartServers 1\n"+boardLocations+
		"<Location /mainpid>\nSetHandler mod_python\nPythonHandler mp::pid\n"+
		"PythonInterpreter main_interpreter\nPythonInterpMaxRequests 2\n</Location>\n")
	first := s.mustPid("")
	for i := 0; i < 2; i++ {
		if st, body, err := s.doFresh("/mainpid"); st != 200 || body != fmt.Sprint(first) {
			t.Fatalf("GET /mainpid: %d %q %v, want 200 %d", st, body, err, first)
		}
	}
	log := s.waitLog("recycled (")
	contains(t, "error log", log, fmt.Sprintf(`interpreter "main_interpreter" not ended (PythonInterpMaxRequests 2 reached): main_interpreter is ended only with its process: recycling this worker (pid %d) instead`, first))
	contains(t, "error log", log, fmt.Sprintf(`worker pid %d recycled (interpreter "main_interpreter" not ended (PythonInterpMaxRequests 2 reached): main_interpreter is ended only with its process; lived `, first))
	d := s.waitBoard("counts the recycle", func(d boardDoc) bool {
		return d.Master.Restarts["interpreter"] == 1 && len(d.Workers) == 1 && d.Workers[0].Pid != first
	})
	if d.Master.Restarts["died"] != 0 {
		t.Errorf("a recycle counted as a death: %v", d.Master.Restarts)
	}
}

// yamlHandler imports yaml._yaml, Debian's PyYAML accelerator: a Cython
// module, which refuses to be imported into a second interpreter of the
// process.
const yamlHandler = `import os, yaml._yaml
from mod_python import apache

def handler(req):
    req.content_type = "text/plain"
    req.write("%d %s" % (os.getpid(), req.interpreter))
    return apache.OK
`

func needYAML(t *testing.T) {
	t.Helper()
	needTestDep(t, "python3-yaml", exec.Command("/usr/bin/python3", "-c", "import yaml._yaml").Run())
}

// An interpreter that imported a Cython module cannot be ended and created
// again (the new one could not import it): under the master the worker is
// recycled instead, and the module works in the fresh worker.
func TestScoreboardOneInterpreterExtensionRecyclesWorker(t *testing.T) {
	needYAML(t)
	s := startMaster(t, "StartServers 1\n"+boardLocations+
		"<Location /yaml>\nSetHandler mod_python\nPythonHandler yamlmod\n"+
		"PythonInterpreter yamlinterp\nPythonInterpMaxRequests 1\n</Location>\n")
	s.writeFiles(map[string]string{"lib/yamlmod.py": yamlHandler})
	pids := map[string]bool{}
	for i := 0; i < 2; i++ {
		var st int
		var body string
		deadline := time.Now().Add(10 * time.Second)
		for {
			st, body, _ = s.doFresh("/yaml")
			if st == 200 && !pids[body] || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if st != 200 || pids[body] {
			t.Fatalf("GET /yaml: %d %q (seen %v)\n%s", st, body, pids, s.errorLog())
		}
		pids[body] = true
	}
	contains(t, "error log", s.waitLog("recycled ("), `interpreter "yamlinterp" not ended (PythonInterpMaxRequests 1 reached): `+
		`extension modules that work in one interpreter per process (a new interpreter could not import them again): yaml._yaml (Cython)`)
	if strings.Contains(s.errorLog(), "Interpreter change detected") {
		t.Errorf("an interpreter was re-created and failed to import yaml._yaml:\n%s", s.errorLog())
	}
}

// With -X nothing can replace the process: the interpreter goes on serving.
func TestOneInterpreterExtensionSingleProcess(t *testing.T) {
	needYAML(t)
	s := startSite(t, pyDir("yamlmod", "PythonInterpreter yamlinterp", "PythonInterpMaxRequests 1"),
		map[string]string{"htdocs/yamlmod.py": yamlHandler})
	first := s.mustGet("/yamlmod.py")
	contains(t, "error log", s.waitLog("not ended"), "yaml._yaml (Cython); it goes on serving")
	for i := 0; i < 3; i++ {
		if got := s.mustGet("/yamlmod.py"); got != first {
			t.Fatalf("GET /yaml: %q, want %q from the same process and interpreter", got, first)
		}
	}
	if n := strings.Count(s.errorLog(), "not ended"); n != 1 {
		t.Errorf("the refusal was logged %d times, want once:\n%s", n, s.errorLog())
	}
}
