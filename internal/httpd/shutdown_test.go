package httpd

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestShutdown checks that Shutdown leaves a keep-alive connection waiting
// for its next request open, answers that request with "Connection:
// close", waits for the request in flight, whose response says
// "Connection: close" too, and that Serve then returns ErrServerClosed.
func TestShutdown(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Config: Config{KeepAlive: true}, Handler: HandlerFunc(func(w *Response, r *Request) {
		if r.Path == "/slow" {
			close(started)
			<-release
		}
		w.Write([]byte("done"))
	})}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()

	dial := func() (net.Conn, *bufio.Reader) {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		t.Cleanup(func() { c.Close() })
		return c, bufio.NewReader(c)
	}
	idle, idleBR := dial()
	io.WriteString(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := readResponse(idleBR, false); err != nil {
		t.Fatal(err)
	}
	busy, busyBR := dial()
	io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started

	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	if err := <-served; err != ErrServerClosed {
		t.Errorf("Serve returned %v", err)
	}
	// The idle connection's client may be sending its next request as
	// the server shuts down: it is served, with "Connection: close".
	io.WriteString(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	r, err := readResponse(idleBR, false)
	if err != nil || r.body != "done" {
		t.Fatalf("next request on the idle connection: %v %+v", err, r)
	}
	if cv, _ := r.get("Connection"); cv != "close" {
		t.Errorf("Connection %q on the idle connection's next request", cv)
	}
	expectClosed(t, idleBR)
	idle.Close()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	default:
	}

	close(release)
	r, err = readResponse(busyBR, false)
	if err != nil || r.body != "done" {
		t.Fatalf("in-flight response: %v %+v", err, r)
	}
	if cv, _ := r.get("Connection"); cv != "close" {
		t.Errorf("Connection %q during shutdown", cv)
	}
	expectClosed(t, busyBR)
	busy.Close()
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := s.Serve(ln); err != ErrServerClosed {
		t.Errorf("Serve after Shutdown: %v", err)
	}
}

// TestShutdownWaitsForKeepAliveTimeout checks that a draining server
// closes a connection waiting for its next request only when its
// KeepAliveTimeout runs out, with a lingering close (a FIN, not a reset),
// and that Shutdown returns then.
func TestShutdownWaitsForKeepAliveTimeout(t *testing.T) {
	ts := startServer(t, Config{KeepAlive: true, KeepAliveTimeout: time.Second}, hello)
	c := ts.dial(t)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := readResponse(br, false); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	shut := make(chan error, 1)
	go func() { shut <- ts.Shutdown(context.Background()) }()
	expectClosed(t, br)
	c.Close()
	if waited := time.Since(start); waited < 700*time.Millisecond {
		t.Errorf("the idle connection was closed after %v, before its KeepAliveTimeout of 1s", waited)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// TestShutdownHurry checks that Hurry makes Shutdown close a connection
// waiting for a request at once, with a FIN, and that Shutdown's deadline
// cuts a request in flight and logs it.
func TestShutdownHurry(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	ts := startServer(t, Config{KeepAlive: true}, func(w *Response, r *Request) {
		if r.Path == "/slow" {
			close(started)
			<-release
		}
		w.Write(helloBody)
	})
	idle := ts.dial(t)
	idle.SetDeadline(time.Now().Add(5 * time.Second))
	idleBR := bufio.NewReader(idle)
	io.WriteString(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := readResponse(idleBR, false); err != nil {
		t.Fatal(err)
	}
	busy := ts.dial(t)
	io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	ts.Hurry()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- ts.Shutdown(ctx) }()
	expectClosed(t, idleBR)
	idle.Close()
	if err := <-shut; err != context.DeadlineExceeded {
		t.Errorf("Shutdown: %v, want context.DeadlineExceeded", err)
	}
	if l := ts.logs.String(); !strings.Contains(l, "connections closed: 1 reading or serving a request, 0 waiting for one") {
		t.Errorf("the cut is not logged:\n%s", l)
	}
}

// TestShutdownDeadline checks that Shutdown gives up when its context
// ends.
func TestShutdownDeadline(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	ts := startServer(t, Config{}, func(w *Response, r *Request) {
		close(started)
		<-release
	})
	c := ts.dial(t)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := ts.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Errorf("Shutdown: %v, want context.DeadlineExceeded", err)
	}
}

// TestShutdownHurrySilentClient checks that after Hurry a client that
// neither sends nor closes holds Shutdown for a lingering read at most,
// not for the rest of its Timeout.
func TestShutdownHurrySilentClient(t *testing.T) {
	ts := startServer(t, Config{KeepAlive: true, Timeout: time.Minute}, func(w *Response, r *Request) {
		w.Write(helloBody)
	})
	silent := ts.dial(t)
	defer silent.Close()
	ts.Hurry()
	ctx, cancel := context.WithTimeout(context.Background(), 4*lingerRead)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v, want it done within a lingering read (%s)", err, lingerRead)
	}
}
