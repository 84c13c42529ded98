package tests

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Behaviour under many connections and floods: idle connections, the
// accept pause of busy workers, the queue timeout.

// openIdle opens n TCP connections to the site that send nothing (or, for
// every tenth one, half a request head) and closes them when the test ends.
func (s *site) openIdle(n int) {
	s.t.Helper()
	conns := make([]net.Conn, 0, n)
	s.t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", s.Port)
	for i := 0; i < n; i++ {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			s.t.Fatalf("idle connection %d: %v", i, err)
		}
		conns = append(conns, c)
		if i%10 == 9 {
			fmt.Fprintf(c, "GET /pid HTTP/1.1\r\nHost: localhost\r\nX-Half: ")
		}
	}
}

// keepAliveConn is one client connection that stays open between requests.
type keepAliveConn struct {
	c  net.Conn
	br *bufio.Reader
}

func (s *site) keepAlive() *keepAliveConn {
	c := s.dial()
	s.t.Cleanup(func() { c.Close() })
	return &keepAliveConn{c: c, br: bufio.NewReader(c)}
}

// get sends GET path on the connection and reads the response, waiting at
// most timeout.
func (k *keepAliveConn) get(path string, timeout time.Duration) (*http.Response, string, error) {
	k.c.SetDeadline(time.Now().Add(timeout))
	if _, err := fmt.Fprintf(k.c, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path); err != nil {
		return nil, "", err
	}
	resp, err := http.ReadResponse(k.br, nil)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, err = bufio.NewReader(resp.Body).WriteTo(&b)
	return resp, b.String(), err
}

// A thousand connections that send nothing (or half a head) cost a worker
// goroutines, never its Python threads: with two workers of 25 threads and
// Timeout 60, a new client and an existing keep-alive connection are
// served while they stay open, not once Timeout closes them.
func TestIdleConnectionsDoNotStopServing(t *testing.T) {
	s := startMaster(t, "StartServers 2\nThreadsPerChild 25\nTimeout 60\nKeepAliveTimeout 60\n")
	s.workerPids(2)
	ka := s.keepAlive()
	if resp, _, err := ka.get("/pid", 10*time.Second); err != nil || resp.StatusCode != 200 {
		t.Fatalf("keep-alive connection, first request: %v %v", resp, err)
	}
	s.openIdle(1000)

	fresh := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			if _, err := s.pidOf(fresh, ""); err != nil {
				errs <- fmt.Errorf("new client after %v: %v", time.Since(start), err)
			} else {
				t.Logf("new client served in %v", time.Since(start))
			}
		}()
	}
	start := time.Now()
	if resp, _, err := ka.get("/pid", 5*time.Second); err != nil || resp.StatusCode != 200 {
		errs <- fmt.Errorf("existing keep-alive connection after %v: %v %v", time.Since(start), resp, err)
	} else {
		t.Logf("keep-alive connection served in %v", time.Since(start))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// When every worker's threads are busy, a new connection is not left in
// the kernel's queue until a handler ends: a worker takes it after a short
// pause, and its request waits for a thread up to PythonInterpQueueTimeout,
// then gets 503.
func TestAllWorkersBusyNewRequestGets503(t *testing.T) {
	s := startMaster(t, "StartServers 2\nThreadsPerChild 1\nPythonInterpQueueTimeout 1\n")
	s.workerPids(2)
	slow := make(chan error, 2)
	for i := 0; i < 2; i++ {
		go func() {
			_, err := s.pidOf(freshClient, "?4")
			slow <- err
		}()
		time.Sleep(300 * time.Millisecond) // it has taken its worker's thread
	}
	start := time.Now()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(s.URL + "/pid")
	d := time.Since(start)
	if err != nil {
		t.Fatalf("GET /pid with both workers busy: %v after %v", err, d)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || d > 3*time.Second {
		t.Errorf("GET /pid with both workers busy for 4 s: status %d after %v, want 503 after about 1 s (PythonInterpQueueTimeout)", resp.StatusCode, d)
	}
	t.Logf("answered %d after %v", resp.StatusCode, d)
}
