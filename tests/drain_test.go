package tests

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Draining: a worker that stops (graceful restart, recycling,
// graceful-stop) loses no request.

// burnCPU keeps n CPUs busy with shell loops until the test ends, as on a
// machine where new workers start under load: draining then happens
// slowly, in small steps, which is when a connection closed at the wrong
// moment loses the request its client just sent.
func burnCPU(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		cmd := exec.Command("sh", "-c", "while :; do :; done")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
	}
}

// rawLoad is a set of keep-alive clients that, as wrk, never retry: each
// sends its next request as soon as it has read the previous response,
// opens a new connection only when the server said "Connection: close",
// and counts any other end of a connection as a failed request.
type rawLoad struct {
	ok, failed, conns atomic.Int64
	stop              chan struct{}
	wg                sync.WaitGroup
	mu                sync.Mutex
	errs              []string
}

// keepAliveLoad starts n rawLoad clients asking for path.
func (s *site) keepAliveLoad(n int, path string) *rawLoad {
	l := &rawLoad{stop: make(chan struct{})}
	addr := fmt.Sprintf("127.0.0.1:%d", s.Port)
	req, err := http.NewRequest("GET", s.URL+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	wire := "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n"
	for i := 0; i < n; i++ {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			var c net.Conn
			var br *bufio.Reader
			served := 0 // requests answered on c
			fail := func(what string, err error) {
				l.failed.Add(1)
				l.mu.Lock()
				if len(l.errs) < 10 {
					l.errs = append(l.errs, fmt.Sprintf("%s (request %d on its connection): %v", what, served+1, err))
				}
				l.mu.Unlock()
				if c != nil {
					c.Close()
					c = nil
				}
			}
			for {
				select {
				case <-l.stop:
					if c != nil {
						c.Close()
					}
					return
				default:
				}
				if c == nil {
					nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
					if err != nil {
						fail("dial", err)
						time.Sleep(10 * time.Millisecond)
						continue
					}
					c, br, served = nc, bufio.NewReader(nc), 0
					l.conns.Add(1)
				}
				c.SetDeadline(time.Now().Add(20 * time.Second))
				if _, err := io.WriteString(c, wire); err != nil {
					fail("write", err)
					continue
				}
				resp, err := http.ReadResponse(br, req)
				if err != nil {
					fail("read", err)
					continue
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil {
					fail("body", err)
					continue
				}
				if resp.StatusCode != 200 {
					fail("status", fmt.Errorf("%s", resp.Status))
					continue
				}
				l.ok.Add(1)
				served++
				if resp.Close {
					c.Close()
					c = nil
				}
			}
		}()
	}
	return l
}

// finish stops the clients and fails the test if a request failed.
func (l *rawLoad) finish(t *testing.T, what string) {
	t.Helper()
	close(l.stop)
	l.wg.Wait()
	t.Logf("%s: %d requests on %d connections, %d failed", what, l.ok.Load(), l.conns.Load(), l.failed.Load())
	if l.failed.Load() != 0 || l.ok.Load() == 0 {
		t.Errorf("%s: %d of %d requests failed:\n%s", what, l.failed.Load(), l.failed.Load()+l.ok.Load(), strings.Join(l.errs, "\n"))
	}
}

// waitCount waits until the error log holds want n times.
func (s *site) waitCount(want string, n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for strings.Count(s.errorLog(), want) < n {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// Graceful restarts under keep-alive load on a busy machine: the old
// workers finish every request they read, answer the next one on each
// connection with "Connection: close" and never close a connection the
// client may be sending on, so no request fails.
func TestDrainGracefulRestartLosesNoRequest(t *testing.T) {
	s := startMaster(t, "StartServers 2\n")
	s.workerPids(2)
	burnCPU(t, 2)
	load := s.keepAliveLoad(8, "/pid")
	time.Sleep(300 * time.Millisecond)
	const rounds = 6
	for i := 1; i <= rounds; i++ {
		s.cmd.Process.Signal(syscall.SIGUSR1)
		if !s.waitCount("old workers told to stop", i, 15*time.Second) {
			t.Fatalf("restart %d: the old workers were not told to stop:\n%s", i, s.errorLog())
		}
		time.Sleep(400 * time.Millisecond)
	}
	load.finish(t, fmt.Sprintf("%d graceful restarts", rounds))
}

// A worker that recycles itself (MaxConnectionsPerChild, MaxMemoryPerChild)
// drains the same way: under keep-alive load on a busy machine, recycle
// after recycle, no request fails.
func TestDrainRecyclingLosesNoRequest(t *testing.T) {
	burnCPU(t, 2)
	for _, tc := range []struct {
		name, conf, reason string
		recycles           int
	}{
		// Each connection serves 20 requests, each worker 10 connections:
		// when it recycles, its clients are in the middle of keep-alive
		// connections.
		{"MaxConnectionsPerChild", "MaxConnectionsPerChild 12\nMaxKeepAliveRequests 100\n", "recycled (MaxConnectionsPerChild 12 reached", 20},
		// Every worker is past 1 MiB: each recycles a second after it starts.
		{"MaxMemoryPerChild", "MaxMemoryPerChild 1M\n", "recycled (MaxMemoryPerChild 1024 KiB passed", 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startMaster(t, "StartServers 2\n"+tc.conf)
			load := s.keepAliveLoad(8, "/pid")
			if !s.waitCount(tc.reason, tc.recycles, 20*time.Second) {
				t.Errorf("fewer than %d recycles:\n%s", tc.recycles, s.errorLog())
			}
			load.finish(t, tc.name+" recycling")
		})
	}
}

// stopGracefully runs `modpy -k graceful-stop` in the background; the
// channel gets its error once the master is gone (or -k gave up).
func (s *site) stopGracefully() <-chan error {
	done := make(chan error, 1)
	go func() {
		out, err := exec.Command(modpyBin, "-k", "graceful-stop", "-f", s.Dir+"/site.conf").CombinedOutput()
		if err != nil {
			err = fmt.Errorf("%v: %s", err, out)
		}
		done <- err
	}()
	return done
}

// stopDraining starts `modpy -k graceful-stop` (stopGracefully) and
// returns once the master has signalled the worker and it is draining.
func (s *site) stopDraining() <-chan error {
	stopped := s.stopGracefully()
	s.waitLog("caught SIGWINCH")
	time.Sleep(500 * time.Millisecond)
	return stopped
}

// sendGet writes a GET for path on c and reads the response.
func sendGet(c net.Conn, br *bufio.Reader, path string) (*http.Response, string, error) {
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
		return nil, "", err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b), err
}

// getInBackground sends a GET for path on a new connection of its own; the
// channel gets "STATUS close=BOOL BODY", or "error: ..." when no response
// came.
func (s *site) getInBackground(path string) <-chan string {
	c := s.dial()
	done := make(chan string, 1)
	go func() {
		defer c.Close() // the server lingers until the client closes
		c.SetDeadline(time.Now().Add(30 * time.Second))
		resp, body, err := sendGet(c, bufio.NewReader(c), path)
		if err != nil {
			done <- "error: " + err.Error()
			return
		}
		done <- fmt.Sprintf("%d close=%v %s", resp.StatusCode, resp.Close, body)
	}()
	return done
}

// idleConn opens a connection, asks /pid on it and leaves it idle, kept
// alive: it returns the connection, its reader and the worker's pid.
func (s *site) idleConn() (net.Conn, *bufio.Reader, string) {
	s.t.Helper()
	c := s.dial()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	resp, pid, err := sendGet(c, br, "/pid")
	if err != nil || resp.StatusCode != 200 || resp.Close {
		c.Close()
		s.t.Fatalf("first request: %v %v", resp, err)
	}
	return c, br, pid
}

// graceful-stop: the request in flight finishes; a keep-alive connection
// waiting for its next request stays open until its KeepAliveTimeout, and
// a request sent on it meanwhile is answered, with "Connection: close".
func TestDrainGracefulStop(t *testing.T) {
	s := startMaster(t, "StartServers 1\nKeepAliveTimeout 5\n")
	idle, idleBR, pid := s.idleConn()
	defer idle.Close()
	busyDone := s.getInBackground("/pid?2")
	time.Sleep(500 * time.Millisecond) // the slow request is in its handler
	stopped := s.stopDraining()

	resp, body, err := sendGet(idle, idleBR, "/pid")
	if err != nil {
		t.Fatalf("the next request on the idle keep-alive connection during graceful-stop: %v", err)
	}
	idle.Close()
	if resp.StatusCode != 200 || body != pid || !resp.Close {
		t.Errorf("the next request on the idle connection: status %d, body %q (want %s), Connection: close %v", resp.StatusCode, body, pid, resp.Close)
	}
	if got, want := <-busyDone, "200 close=true "+pid; got != want {
		t.Errorf("the request in flight: %q, want %q", got, want)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("modpy -k graceful-stop: %v", err)
	}
	log := s.errorLog()
	if strings.Contains(log, "closing the connections") || strings.Contains(log, "did not stop in time") {
		t.Errorf("a connection was cut:\n%s", log)
	}
}

// GracefulShutdownTimeout bounds the drain: past it the worker closes the
// connection still serving a request and logs it, and graceful-stop ends.
func TestDrainGracefulShutdownTimeout(t *testing.T) {
	s := startMaster(t, "StartServers 1\nGracefulShutdownTimeout 1\n")
	busyDone := s.getInBackground("/pid?20")
	time.Sleep(500 * time.Millisecond) // the request is in its handler
	start := time.Now()
	stopped := s.stopGracefully()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("modpy -k graceful-stop: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("graceful-stop with GracefulShutdownTimeout 1 still waits after 15s for a 20s request")
	}
	took := time.Since(start)
	if got := <-busyDone; !strings.HasPrefix(got, "error: ") {
		t.Errorf("the 20 s request was answered (%q), not cut", got)
	}
	if took < time.Second {
		t.Errorf("graceful-stop took %v, less than GracefulShutdownTimeout 1", took)
	}
	log := s.errorLog()
	contains(t, "error log", log, "GracefulShutdownTimeout 1 passed: closing the connections still open")
	contains(t, "error log", log, "connections closed: 1 reading or serving a request, 0 waiting for one")
	if strings.Contains(log, "did not stop in time") {
		t.Errorf("the master had to kill the worker:\n%s", log)
	}
}

// A worker recycling itself is replaced as soon as it begins to drain, not
// when it exits: here its idle keep-alive connection keeps it draining for
// up to KeepAliveTimeout, while a new worker already serves new
// connections; the old one still answers the idle connection's next
// request, with "Connection: close".
func TestDrainRecyclingWorkerReplacedAtOnce(t *testing.T) {
	s := startMaster(t, "StartServers 1\nMaxConnectionsPerChild 4\nKeepAliveTimeout 10\n")
	idle, idleBR, old := s.idleConn()
	defer idle.Close()
	// New connections until one lands on a new worker: the old one took
	// its fourth (the start-up probe, idle, and these) and drains.
	fresh := ""
	for i := 0; i < 10 && (fresh == "" || fresh == old); i++ {
		var err error
		_, fresh, err = s.doFresh("/pid")
		if err != nil {
			t.Fatalf("a new connection: %v\n%s", err, s.errorLog())
		}
	}
	if fresh == old {
		t.Fatalf("10 new connections all went to the old worker %s (MaxConnectionsPerChild 4)", old)
	}
	resp, body, err := sendGet(idle, idleBR, "/pid")
	if err != nil {
		t.Fatalf("the idle connection, after a new worker answered: %v (the old worker was replaced only once it exited)\n%s", err, s.errorLog())
	}
	if body != old || !resp.Close {
		t.Errorf("the idle connection's next request: body %q (want the old worker %s), Connection: close %v", body, old, resp.Close)
	}
	idle.Close()
	// (Its own line: start-up probes may have made an earlier worker recycle.)
	recycled := "worker pid " + old + " recycled (MaxConnectionsPerChild 4 reached; lived "
	contains(t, "error log", s.waitLog(recycled), recycled)
}

// A worker that dies while it drains is replaced, and its death logged as
// one, as for any other worker. Here two workers drain at once (with
// StartServers 1 the second one's replacement waits for one of them to
// exit) and both die: a new worker must then serve.
func TestDrainRecyclingWorkerThatDiesIsReplaced(t *testing.T) {
	s := startMaster(t, "StartServers 1\nMaxConnectionsPerChild 3\nKeepAliveTimeout 30\n")
	// idleOn leaves a keep-alive connection idle on a worker other than
	// not (the start-up probes may have used some of a worker's three
	// connections, so those answered with Connection: close are dropped).
	idleOn := func(not string) (net.Conn, *bufio.Reader, string) {
		for i := 0; i < 10; i++ {
			c := s.dial()
			c.SetDeadline(time.Now().Add(30 * time.Second))
			br := bufio.NewReader(c)
			resp, pid, err := sendGet(c, br, "/pid")
			if err == nil && resp.StatusCode == 200 && !resp.Close && pid != not {
				return c, br, pid
			}
			c.Close()
		}
		t.Fatalf("no keep-alive connection on a worker other than %q:\n%s", not, s.errorLog())
		return nil, nil, ""
	}
	a, aBR, first := idleOn("")
	defer a.Close()
	b, bBR, second := idleOn(first) // the first worker drains now
	defer b.Close()
	// Its second and third connections: the second worker drains too.
	for i := 0; i < 2; i++ {
		c := s.dial()
		c.SetDeadline(time.Now().Add(30 * time.Second))
		_, pid, err := sendGet(c, bufio.NewReader(c), "/pid")
		c.Close()
		if err != nil || pid != second {
			t.Fatalf("a new connection while worker %s serves: pid %q, %v\n%s", second, pid, err, s.errorLog())
		}
	}
	contains(t, "error log", s.waitLog("recycling (pid "+second+")"), "MaxConnectionsPerChild 3 reached: recycling (pid "+second+")")
	time.Sleep(500 * time.Millisecond) // the master learnt it drains
	for _, w := range []struct {
		c   net.Conn
		br  *bufio.Reader
		pid string
	}{{a, aBR, first}, {b, bBR, second}} {
		if resp, _, err := sendGet(w.c, w.br, "/exit1"); err == nil {
			t.Fatalf("/exit1 on worker %s answered %s", w.pid, resp.Status)
		}
		died := "worker pid " + w.pid + " died: exit status 1, after "
		contains(t, "error log", s.waitLog(died), died)
	}
	pid, err := s.pidOf(freshClient, "")
	if err != nil {
		t.Fatalf("no worker serves once the two draining workers died: %v\n%s", err, s.errorLog())
	}
	if p := strconv.Itoa(pid); p == first || p == second {
		t.Fatalf("worker %s still serves after it died", p)
	}
}

// A worker with two listeners drains both at once: a keep-alive connection
// on the second is answered "Connection: close" at once, not after the
// first listener's idle connections have waited out their KeepAliveTimeout.
func TestDrainEveryListenerAtOnce(t *testing.T) {
	port2 := freePort(t)
	s := startMaster(t, fmt.Sprintf("Listen 127.0.0.1:%d\nStartServers 1\nKeepAliveTimeout 5\n", port2))
	idle, _, pid := s.idleConn() // on the first listener
	defer idle.Close()
	c2, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port2))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.SetDeadline(time.Now().Add(30 * time.Second))
	br2 := bufio.NewReader(c2)
	if resp, body, err := sendGet(c2, br2, "/pid"); err != nil || resp.StatusCode != 200 || resp.Close || body != pid {
		t.Fatalf("first request on the second listener: %v %q %v", resp, body, err)
	}
	stopped := s.stopDraining()

	resp, body, err := sendGet(c2, br2, "/pid")
	if err != nil {
		t.Fatalf("the next request on the second listener's connection: %v", err)
	}
	if resp.StatusCode != 200 || body != pid || !resp.Close {
		t.Errorf("the next request on the second listener's connection while draining: status %d, body %q (want %s), Connection: close %v",
			resp.StatusCode, body, pid, resp.Close)
	}
	c2.Close()
	idle.Close()
	if err := <-stopped; err != nil {
		t.Fatalf("modpy -k graceful-stop: %v", err)
	}
}
