package tests

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The master process (internal/master): modpy without -X.

const masterHandlers = `import os, time
from mod_python import apache

def pid(req):
    req.content_type = "text/plain"
    if req.args:
        time.sleep(float(req.args))
    req.write(str(os.getpid()))
    return apache.OK

def abort(req):
    os.abort()

def exit1(req):
    os._exit(1)

def segv(req):
    import ctypes
    ctypes.string_at(0)  # a segfault in C

def stuck(req):
    import ctypes
    ctypes.PyDLL(None).sleep(30)  # C code holding the GIL
    return apache.OK

def uid(req):
    req.content_type = "text/plain"
    req.write("%d %d" % (os.getuid(), os.getgid()))
    return apache.OK

def spawn(req):
    # A child left running ("cmd &"), its pid the answer and appended to
    # children, next to this module. With ?inherit the worker's pipes are
    # made inheritable first: the child holds them whatever their
    # close-on-exec flag, as a child forked without exec would.
    if req.args == "inherit":
        for fd in os.listdir("/proc/self/fd"):
            try:
                if os.readlink("/proc/self/fd/" + fd).startswith("pipe:"):
                    os.set_inheritable(int(fd), True)
            except OSError:
                pass
    out = os.path.join(os.path.dirname(__file__), "children")
    os.system("sleep 60 </dev/null >/dev/null 2>&1 & echo $! >> " + out)
    with open(out) as f:
        pid = f.read().split()[-1]
    req.content_type = "text/plain"
    req.write(pid)
    return apache.OK
`

// masterConf is a site.conf for the master: /pid, /abort and /uid handlers.
func masterConf(extra string) string {
	return "Listen 127.0.0.1:{{PORT}}\nServerName localhost\nDocumentRoot {{DIR}}/htdocs\n" +
		"ErrorLog {{DIR}}/error.log\nLogLevel info\nPidFile {{DIR}}/modpy.pid\n" +
		"PythonPath \"sys.path + ['{{DIR}}/lib']\"\n" +
		"<Location /pid>\n SetHandler mod_python\n PythonHandler mp::pid\n</Location>\n" +
		"<Location /abort>\n SetHandler mod_python\n PythonHandler mp::abort\n</Location>\n" +
		"<Location /uid>\n SetHandler mod_python\n PythonHandler mp::uid\n</Location>\n" +
		"<Location /stuck>\n SetHandler mod_python\n PythonHandler mp::stuck\n PythonRequestTimeout 1\n</Location>\n" +
		"<Location /exit1>\n SetHandler mod_python\n PythonHandler mp::exit1\n</Location>\n" +
		"<Location /segv>\n SetHandler mod_python\n PythonHandler mp::segv\n</Location>\n" +
		"<Location /spawn>\n SetHandler mod_python\n PythonHandler mp::spawn\n</Location>\n" + extra
}

// startMaster starts `modpy -f site.conf` (a master) on masterConf(extra),
// with env added to its environment.
func startMaster(t *testing.T, extra string, env ...string) *site {
	t.Helper()
	s := newSite(t, map[string]string{"lib/mp.py": masterHandlers, "htdocs/index.html": "hi\n"})
	s.writeFiles(map[string]string{"site.conf": masterConf(extra)})
	s.env = env
	s.start("-f", filepath.Join(s.Dir, "site.conf"))
	return s
}

var freshClient = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// pidOf asks /pid on a new connection; it returns the worker's pid or an error.
func (s *site) pidOf(c *http.Client, query string) (int, error) {
	resp, err := c.Get(s.URL + "/pid" + query)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != 200 {
		return 0, fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	return strconv.Atoi(string(b))
}

func (s *site) mustPid(query string) int {
	s.t.Helper()
	pid, err := s.pidOf(freshClient, query)
	if err != nil {
		s.t.Fatalf("GET /pid: %v\nerror log:\n%s", err, s.errorLog())
	}
	return pid
}

// workerPids collects worker pids until want distinct ones answered.
func (s *site) workerPids(want int) map[int]bool {
	s.t.Helper()
	pids := map[int]bool{}
	var mu sync.Mutex
	for round := 0; round < 20 && len(pids) < want; round++ {
		var wg sync.WaitGroup
		for i := 0; i < 6; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if pid, err := s.pidOf(freshClient, "?0.05"); err == nil {
					mu.Lock()
					pids[pid] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	return pids
}

func TestMasterStartsWorkers(t *testing.T) {
	s := startMaster(t, "StartServers 2\n<Location /status>\nSetHandler modpy-status\n</Location>\n")
	pids := s.workerPids(2)
	if len(pids) != 2 {
		t.Fatalf("want 2 worker pids, got %v\n%s", pids, s.errorLog())
	}
	master := s.cmd.Process.Pid
	if pids[master] {
		t.Fatalf("the master (pid %d) answered a request", master)
	}
	// The binary links libpython, but the master never starts it: none of
	// its log lines comes from anything but the mpm.
	for _, line := range strings.Split(s.errorLog(), "\n") {
		if strings.Contains(line, fmt.Sprintf("[pid %d]", master)) && !strings.Contains(line, "[mpm:") {
			t.Errorf("the master logged %q", line)
		}
	}
	b, _ := os.ReadFile(filepath.Join(s.Dir, "modpy.pid"))
	if strings.TrimSpace(string(b)) != strconv.Itoa(master) {
		t.Errorf("PidFile holds %q, want %d", b, master)
	}
	contains(t, "error log", s.errorLog(), fmt.Sprintf("[mpm:notice] [pid %d] modpy/", master))
	contains(t, "status page", s.mustGet("/status?auto"), fmt.Sprintf("master pid %d", master))
	s.stop()
	if _, err := os.Stat(filepath.Join(s.Dir, "modpy.pid")); err == nil {
		t.Errorf("the PidFile is still there after SIGTERM")
	}
	for pid := range pids {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("worker %d still runs after the master stopped", pid)
		}
	}
}

// workerGoProcs reads each worker's go_procs from the status page.
func (s *site) workerGoProcs() map[int]int {
	s.t.Helper()
	var doc statusJSON
	if err := json.Unmarshal([]byte(s.mustGet("/status?json")), &doc); err != nil {
		s.t.Fatal(err)
	}
	out := map[int]int{}
	for _, w := range doc.Workers {
		out[w.Pid] = w.GoProcs
	}
	return out
}

// A worker's Go code runs on its share of the CPUs (GOMAXPROCS), unless
// modpy's environment sets GOMAXPROCS.
func TestMasterWorkerGoProcs(t *testing.T) {
	conf := "StartServers 2\n<Location /status>\nSetHandler modpy-status\n</Location>\n"
	want := max(1, (runtime.GOMAXPROCS(0)+1)/2)
	if v := os.Getenv("GOMAXPROCS"); v != "" {
		want, _ = strconv.Atoi(v) // the workers inherit it
	}
	s := startMaster(t, conf)
	s.workerPids(2)
	got := s.workerGoProcs()
	if len(got) != 2 {
		t.Fatalf("status page shows %d workers, want 2: %v", len(got), got)
	}
	for pid, n := range got {
		if n != want {
			t.Errorf("worker %d: go_procs %d, want %d (%d CPUs for 2 workers)", pid, n, want, runtime.GOMAXPROCS(0))
		}
	}
	s.stop()

	s = startMaster(t, conf, "GOMAXPROCS=3")
	s.workerPids(2)
	for pid, n := range s.workerGoProcs() {
		if n != 3 {
			t.Errorf("with GOMAXPROCS=3: worker %d has go_procs %d", pid, n)
		}
	}
}

// A worker whose Python threads are all busy accepts no new connection
// while other workers exist (Apache's event MPM accepts only for an idle
// thread): with one thread per worker, three slow requests made one after
// the other on new connections land on three different workers. Without
// the pause the kernel would hand most sets of three connections to fewer
// workers (each worker waits in accept; any may win).
func TestMasterBusyWorkerLeavesConnectionsToOthers(t *testing.T) {
	s := startMaster(t, "StartServers 3\nThreadsPerChild 1\n")
	if pids := s.workerPids(3); len(pids) != 3 {
		t.Fatalf("want 3 worker pids, got %v", pids)
	}
	type answer struct {
		pid int
		err error
	}
	answers := make(chan answer, 3)
	for i := 0; i < 3; i++ {
		go func() {
			pid, err := s.pidOf(freshClient, "?1.5")
			answers <- answer{pid, err}
		}()
		time.Sleep(200 * time.Millisecond) // the request has taken its thread
	}
	pids := map[int]bool{}
	for i := 0; i < 3; i++ {
		a := <-answers
		if a.err != nil {
			t.Fatalf("GET /pid?1.5: %v", a.err)
		}
		pids[a.pid] = true
	}
	if len(pids) != 3 {
		t.Errorf("three slow requests were served by %d workers (%v), want 3: a busy worker took a new connection", len(pids), pids)
	}
}

func TestMasterReplacesKilledWorker(t *testing.T) {
	s := startMaster(t, "StartServers 2\n")
	pids := s.workerPids(2)
	var victim int
	for pid := range pids {
		victim = pid
	}
	var ok, failed atomic.Int64
	seen := sync.Map{}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if pid, err := s.pidOf(freshClient, "?0.01"); err == nil {
				ok.Add(1)
				seen.Store(pid, true)
			} else {
				failed.Add(1)
			}
		}
	}()
	time.Sleep(200 * time.Millisecond)
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	log := s.waitLog(fmt.Sprintf("worker pid %d died: killed by signal 9", victim))
	contains(t, "error log", log, fmt.Sprintf("worker pid %d died: killed by signal 9", victim))
	// A new worker appears.
	deadline := time.Now().Add(5 * time.Second)
	newPid := 0
	for newPid == 0 && time.Now().Before(deadline) {
		seen.Range(func(k, _ any) bool {
			if !pids[k.(int)] {
				newPid = k.(int)
			}
			return true
		})
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	<-done
	if newPid == 0 {
		t.Fatalf("no new worker answered after the kill\n%s", s.errorLog())
	}
	if failed.Load() > 1 || ok.Load() < 10 {
		t.Fatalf("%d requests failed, %d succeeded (at most the one in flight on the killed worker may fail)", failed.Load(), ok.Load())
	}
}

func TestMasterWorkerAborts(t *testing.T) {
	s := startMaster(t, "StartServers 1\n")
	before := s.mustPid("")
	if st, _, _ := s.doFresh("/abort"); st == 200 {
		t.Fatalf("/abort answered 200")
	}
	for i := 0; i < 5; i++ {
		if pid := s.mustPid(""); pid == before {
			t.Fatalf("the worker that aborted (pid %d) still answers", pid)
		}
	}
	log := s.waitLog("killed by signal 6")
	contains(t, "error log", log, fmt.Sprintf("worker pid %d died: killed by signal 6 (aborted)", before))
	// The master read from the scoreboard what the worker was running.
	contains(t, "error log", log, `, while running GET /abort in interpreter localhost (for `)
}

// doFresh is a GET on a new connection; a transport error gives status 0.
func (s *site) doFresh(path string) (int, string, error) {
	resp, err := freshClient.Get(s.URL + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestMasterRecyclesWorkers(t *testing.T) {
	s := startMaster(t, "StartServers 1\nMaxRequestsPerChild 5\n"+boardLocations)
	pids := map[int]bool{}
	for i := 0; i < 15; i++ {
		pids[s.mustPid("")] = true
	}
	if len(pids) < 3 {
		t.Fatalf("15 connections, MaxRequestsPerChild 5: want 3 worker pids, got %v", pids)
	}
	log := s.waitLog("recycled")
	contains(t, "error log", log, "MaxConnectionsPerChild 5 reached: recycling")
	contains(t, "error log", log, " recycled (MaxConnectionsPerChild 5 reached; lived ")
	if strings.Contains(log, "died") {
		t.Errorf("a recycle was logged as a death:\n%s", log)
	}
	d := s.waitBoard("counts the recycles by reason", func(d boardDoc) bool { return d.Master.Restarts["max_connections"] >= 2 })
	if d.Master.Restarts["died"] != 0 {
		t.Errorf("recycles counted as deaths: %v", d.Master.Restarts)
	}
}

// load runs loops clients against /pid until stop is closed: one on fresh
// connections, the others with keep-alive. It returns the failures.
func (s *site) load(loops int, stop chan struct{}, seen *sync.Map) (*atomic.Int64, *atomic.Int64, *sync.WaitGroup) {
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < loops; i++ {
		c := freshClient
		if i > 0 {
			c = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{}}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				pid, err := s.pidOf(c, "?0.005")
				if err != nil {
					s.t.Logf("request failed: %v", err)
					failed.Add(1)
					continue
				}
				ok.Add(1)
				seen.Store(pid, time.Now())
			}
		}()
	}
	return &ok, &failed, &wg
}

func TestMasterGracefulRestartUnderLoad(t *testing.T) {
	s := startMaster(t, "StartServers 2\n")
	old := s.workerPids(2)
	var seen sync.Map
	stop := make(chan struct{})
	ok, failed, wg := s.load(3, stop, &seen)
	time.Sleep(500 * time.Millisecond)
	restarted := time.Now()
	s.cmd.Process.Signal(syscall.SIGUSR1)
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	wg.Wait()
	if failed.Load() != 0 {
		t.Errorf("graceful restart: %d of %d requests failed", failed.Load(), failed.Load()+ok.Load())
	}
	// New workers answer afterwards, the old ones are gone.
	fresh := s.workerPids(2)
	for pid := range fresh {
		if old[pid] {
			t.Errorf("old worker %d still answers after the graceful restart", pid)
		}
	}
	n := 0
	seen.Range(func(k, v any) bool {
		if !old[k.(int)] && v.(time.Time).After(restarted) {
			n++
		}
		return true
	})
	if n == 0 {
		t.Errorf("no new worker answered during the load")
	}
	log := s.waitLog("generation 2")
	contains(t, "error log", log, "caught SIGUSR1")
	contains(t, "error log", log, "starting generation 2")
	for pid := range old {
		contains(t, "error log", s.waitLog(fmt.Sprintf("worker pid %d (generation 1) stopped", pid)), fmt.Sprintf("worker pid %d (generation 1) stopped", pid))
	}
	t.Logf("%d requests during the restart", ok.Load())
}

func TestMasterGracefulRestartBrokenConfig(t *testing.T) {
	s := startMaster(t, "StartServers 1\n")
	before := s.mustPid("")
	s.writeFiles(map[string]string{"site.conf": masterConf("StartServers 1\nNoSuchDirective on\n")})
	s.cmd.Process.Signal(syscall.SIGUSR1)
	log := s.waitLog("restart failed")
	contains(t, "error log", log, "restart failed, the current workers keep serving")
	contains(t, "error log", log, "NoSuchDirective")
	time.Sleep(200 * time.Millisecond)
	for i := 0; i < 5; i++ {
		if pid := s.mustPid(""); pid != before {
			t.Fatalf("pid %d answered, want the old worker %d", pid, before)
		}
	}
}

func TestMasterControlStop(t *testing.T) {
	s := startMaster(t, "StartServers 1\n")
	s.mustPid("")
	conf := filepath.Join(s.Dir, "site.conf")
	out, err := exec.Command(modpyBin, "-k", "stop", "-f", conf).CombinedOutput()
	if err != nil {
		t.Fatalf("modpy -k stop: %v\n%s", err, out)
	}
	select {
	case err := <-s.errCh:
		s.errCh <- err
		if err != nil {
			t.Errorf("the master exited with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the master still runs after -k stop")
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "modpy.pid")); err == nil {
		t.Errorf("the PidFile is still there")
	}
	out, err = exec.Command(modpyBin, "-k", "stop", "-f", conf).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "not running") {
		t.Errorf("-k stop with nothing running: %v %s", err, out)
	}
}

func TestMasterControlStart(t *testing.T) {
	s := newSite(t, map[string]string{"lib/mp.py": masterHandlers, "htdocs/index.html": "hi\n"})
	s.writeFiles(map[string]string{"site.conf": masterConf("StartServers 1\n")})
	conf := filepath.Join(s.Dir, "site.conf")
	out, err := exec.Command(modpyBin, "-k", "start", "-f", conf).CombinedOutput()
	if err != nil {
		t.Fatalf("modpy -k start: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command(modpyBin, "-k", "stop", "-f", conf).Run() })
	s.mustPid("")
	out, err = exec.Command(modpyBin, "-k", "graceful", "-f", conf).CombinedOutput()
	if err != nil {
		t.Fatalf("modpy -k graceful: %v\n%s", err, out)
	}
	s.waitLog("generation 2")
	s.mustPid("")
	if out, err := exec.Command(modpyBin, "-k", "stop", "-f", conf).CombinedOutput(); err != nil {
		t.Fatalf("modpy -k stop: %v\n%s", err, out)
	}
	if strings.Contains(s.errorLog(), "did not stop in time") {
		t.Errorf("a worker had to be killed:\n%s", s.errorLog())
	}
	if _, _, err := s.doFresh("/pid"); err == nil {
		t.Fatalf("still answering after -k stop")
	}

	// A start that fails says why (cli_test.go has more).
	s.writeFiles(map[string]string{"lib/mp.py": masterHandlers, "site.conf": masterConf("StartServers 1\nErrorLog /nonexistent/dir/error.log\n")})
	out, err = exec.Command(modpyBin, "-k", "start", "-f", conf).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "site.conf:38: ErrorLog: (2)No such file or directory: AH02291: Cannot access directory '/nonexistent/dir/' for main error log") {
		t.Fatalf("-k start with an unwritable ErrorLog: %v\n%s", err, out)
	}
}

func TestMasterUserGroup(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	g, err := user.LookupGroup("nogroup")
	if err != nil {
		t.Skip("no group nogroup")
	}
	// Under the master, and with -X (which serves as User too, as
	// httpd -X: it ran handlers and CGI scripts as root).
	for _, args := range [][]string{nil, {"-X"}} {
		t.Run(fmt.Sprint(args), func(t *testing.T) {
			s := newSite(t, map[string]string{"lib/mp.py": masterHandlers, "htdocs/index.html": "hi\n",
				"cgi/id.cgi": "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\n%s %s' \"$(id -u)\" \"$(id -g)\"\n"})
			os.Chmod(s.Dir, 0o755) // t.TempDir and its parent are 0700
			os.Chmod(filepath.Dir(s.Dir), 0o755)
			os.Chmod(filepath.Join(s.Dir, "cgi/id.cgi"), 0o755)
			s.writeFiles(map[string]string{"site.conf": masterConf("StartServers 1\nUser nobody\nGroup nogroup\n" +
				"LoadModule cgi_module modules/mod_cgi.so\nScriptAlias /cgi-bin/ {{DIR}}/cgi/\n")})
			os.Chmod(filepath.Join(s.Dir, "site.conf"), 0o600) // the worker reads it before switching
			s.start(append(args, "-f", filepath.Join(s.Dir, "site.conf"))...)
			want := u.Uid + " " + g.Gid
			for _, path := range []string{"/uid", "/cgi-bin/id.cgi"} {
				st, body, err := s.doFresh(path)
				if err != nil || st != 200 {
					t.Fatalf("%s: %d %v %s\n%s", path, st, err, body, s.errorLog())
				}
				if body != want {
					t.Errorf("%s runs as %q, want %q", path, body, want)
				}
			}
		})
	}
}

// MaxMemoryPerChild recycles a worker whose resident memory passes the limit.
func TestMasterMaxMemoryPerChild(t *testing.T) {
	s := startMaster(t, "StartServers 1\nMaxMemoryPerChild 1M\n")
	first := s.mustPid("")
	log := s.waitLog("MaxMemoryPerChild")
	contains(t, "error log", log, "MaxMemoryPerChild 1024 KiB passed (RSS ")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if pid, err := s.pidOf(client, ""); err == nil && pid != first {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the worker (pid %d) was not replaced after passing MaxMemoryPerChild:\n%s", first, s.errorLog())
}

// A handler stuck in C code holding the GIL cannot be interrupted: past
// PythonRequestTimeout and a grace period its worker exits, the master
// replaces it, and the log names the handler.
func TestMasterReplacesWorkerStuckInC(t *testing.T) {
	s := startMaster(t, "StartServers 1\n"+boardLocations)
	before := s.mustPid("")
	start := time.Now()
	if st, _, _ := s.doFresh("/stuck"); st == 200 {
		t.Fatalf("/stuck answered 200")
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Fatalf("the stuck request ended after %v", el)
	}
	if pid := s.mustPid(""); pid == before {
		t.Fatalf("the stuck worker (pid %d) still answers", pid)
	}
	log := s.waitLog("stuck in C code")
	contains(t, "error log", log, "PythonHandler mp::stuck for GET /stuck: still running well past PythonRequestTimeout")
	contains(t, "error log", s.waitLog("stopped (exit status 3)"), fmt.Sprintf(
		`worker pid %d stopped (exit status 3): PythonHandler mp::stuck for GET /stuck in interpreter "localhost" stuck in C code past PythonRequestTimeout, after `, before))
	s.waitBoard("counts the stuck worker", func(d boardDoc) bool {
		return d.Master.Restarts["stuck"] == 1 && d.Master.Restarts["died"] == 0
	})
}

// A worker that calls os._exit() or segfaults in C is replaced, and the
// log says how it died.
func TestMasterWorkerExitsAndCrashes(t *testing.T) {
	s := startMaster(t, "StartServers 1\n")
	for _, c := range []struct{ path, death string }{
		{"/exit1", "died: exit status 1"},
		// Go's runtime turns a SIGSEGV in C into its crash dump (on the
		// master's stderr) and SIGABRT.
		{"/segv", "died: killed by signal 6"},
	} {
		before := s.mustPid("")
		if st, _, _ := s.doFresh(c.path); st == 200 {
			t.Fatalf("%s answered 200", c.path)
		}
		if pid := s.mustPid(""); pid == before {
			t.Fatalf("%s: the worker (pid %d) still answers", c.path, pid)
		}
		contains(t, "error log", s.waitLog(fmt.Sprintf("worker pid %d died", before)),
			fmt.Sprintf("worker pid %d %s", before, c.death))
	}
}

// SIGHUP (restart): new workers on the re-read config; the server answers
// afterwards.
func TestMasterRestartOnHUP(t *testing.T) {
	s := startMaster(t, "StartServers 1\n")
	before := s.mustPid("")
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if pid, err := s.pidOf(freshClient, ""); err == nil && pid != before {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("after SIGHUP the old worker (pid %d) still answers or nothing does:\n%s", before, s.errorLog())
}

// logrotate's habit: move the logs away, then a graceful restart (SIGUSR1)
// makes the master and the new workers write to fresh files of the
// configured names.
func TestMasterGracefulRestartReopensLogs(t *testing.T) {
	s := startMaster(t, "StartServers 1\nCustomLog {{DIR}}/access.log common\n")
	s.mustPid("?0")
	errLog, accLog := filepath.Join(s.Dir, "error.log"), filepath.Join(s.Dir, "access.log")
	for _, p := range []string{errLog, accLog} {
		if err := os.Rename(p, p+".1"); err != nil {
			t.Fatal(err)
		}
	}
	before := s.mustPid("")
	if err := s.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if pid, err := s.pidOf(freshClient, "?1"); err == nil && pid != before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new worker answered after SIGUSR1")
		}
		time.Sleep(50 * time.Millisecond)
	}
	contains(t, "new error log", s.waitLog("starting generation 2"), "starting generation 2")
	oldErr, _ := os.ReadFile(errLog + ".1")
	contains(t, "moved error log", string(oldErr), "caught SIGUSR1") // before the reopen
	deadline = time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(accLog)
		if strings.Contains(string(b), `"GET /pid?1 HTTP/1.1" 200`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new access log has no line for the request after the restart:\n%s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	old, _ := os.ReadFile(accLog + ".1")
	if !strings.Contains(string(old), `"GET /pid?0 HTTP/1.1" 200`) {
		t.Errorf("the moved access log lost the request before the restart:\n%s", old)
	}
}

// fdsOf lists process pid's open descriptors above stderr whose target
// starts with one of kinds ("pipe:"...; none: all), as "fd -> target".
func fdsOf(t *testing.T, pid int, kinds ...string) []string {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		link, err := os.Readlink(filepath.Join(dir, e.Name()))
		kind := len(kinds) == 0
		for _, k := range kinds {
			kind = kind || strings.HasPrefix(link, k)
		}
		if n, _ := strconv.Atoi(e.Name()); err == nil && n > 2 && kind {
			out = append(out, e.Name()+" -> "+link)
		}
	}
	return out
}

// newFds is the descriptors of list whose target none of old has.
func newFds(list, old []string) []string {
	var out []string
	for _, p := range list {
		known := false
		for _, o := range old {
			known = known || strings.SplitN(o, " -> ", 2)[1] == strings.SplitN(p, " -> ", 2)[1]
		}
		if !known {
			out = append(out, p)
		}
	}
	return out
}

// A child a handler leaves running ("cmd &") inherits none of its
// worker's descriptors (the pipes to the master, the sockets, the
// scoreboard). And a child that holds them anyway does
// not keep the master reading its worker's ready pipe once the worker
// exited: the master's descriptors do not grow, restart after restart.
func TestMasterWorkerChildKeepsNoPipe(t *testing.T) {
	for _, tc := range []struct{ name, query string }{
		{"background command", ""},
		{"child holding the pipes", "?inherit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startMaster(t, "StartServers 1\n")
			t.Cleanup(func() { // before the master stops
				b, _ := os.ReadFile(filepath.Join(s.Dir, "lib", "children"))
				for _, f := range strings.Fields(string(b)) {
					if pid, err := strconv.Atoi(f); err == nil {
						syscall.Kill(pid, syscall.SIGKILL)
					}
				}
			})
			ours := fdsOf(t, os.Getpid()) // inherited from go test's parent: modpy's too
			master := s.cmd.Process.Pid
			before := fdsOf(t, master, "pipe:")
			for gen := 1; gen <= 2; gen++ {
				wpid := s.mustPid("")
				st, body, err := s.doFresh("/spawn" + tc.query)
				child, _ := strconv.Atoi(body)
				if err != nil || st != 200 || child == 0 {
					t.Fatalf("/spawn%s: %d %q %v\n%s", tc.query, st, body, err, s.errorLog())
				}
				if tc.query == "" {
					// (Not its own files: sleep may be opening its locale.)
					held := newFds(fdsOf(t, child, "pipe:", "socket:", "/memfd:"), ours)
					if len(held) > 0 {
						t.Errorf("the handler's child (pid %d) holds its worker's descriptors: %v", child, held)
					}
				}
				s.cmd.Process.Signal(syscall.SIGUSR1)
				stopped := fmt.Sprintf("worker pid %d (generation %d) stopped", wpid, gen)
				if !s.waitCount(stopped, 1, 20*time.Second) {
					t.Fatalf("graceful restart %d: no %q:\n%s", gen, stopped, s.errorLog())
				}
				now := fdsOf(t, master, "pipe:")
				for i := 0; i < 50 && len(now) != len(before); i++ {
					time.Sleep(100 * time.Millisecond)
					now = fdsOf(t, master, "pipe:")
				}
				if len(now) != len(before) {
					t.Fatalf("after graceful restart %d the master has %d pipes, %d before (one worker each time):\nbefore %v\nnow    %v",
						gen, len(now), len(before), before, now)
				}
			}
		})
	}
}

// apache.exists_config_define sees the -D names given to -k start (the
// detached master and its workers get them) and the names Define sets;
// UnDefine takes one away.
func TestExistsConfigDefineWithKStart(t *testing.T) {
	s := newSite(t, map[string]string{"htdocs/index.html": "hi\n", "lib/defines.py": `from mod_python import apache
def handler(req):
    req.write(" ".join(n for n in ("FOOBAR", "VIA_DEFINE", "GONE", "OTHER") if apache.exists_config_define(n)))
    return apache.OK
`})
	s.writeFiles(map[string]string{"site.conf": masterConf("StartServers 1\nDefine VIA_DEFINE\nDefine GONE\nUnDefine GONE\n" +
		"<Location /defines>\n SetHandler mod_python\n PythonHandler defines\n</Location>\n")})
	conf := filepath.Join(s.Dir, "site.conf")
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "VIA_DEFINE"},
		{[]string{"-DFOOBAR"}, "FOOBAR VIA_DEFINE"},
	} {
		out, err := exec.Command(modpyBin, append(c.args, "-k", "start", "-f", conf)...).CombinedOutput()
		if err != nil {
			t.Fatalf("modpy %v -k start: %v\n%s", c.args, err, out)
		}
		st, body, err := s.doFresh("/defines")
		exec.Command(modpyBin, "-k", "stop", "-f", conf).Run()
		if err != nil || st != 200 || body != c.want {
			t.Errorf("%v: %d %q %v, want %q\n%s", c.args, st, body, err, c.want, s.errorLog())
		}
	}
}
