package httpd

import (
	"bufio"
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// TestShutdown checks that Shutdown closes idle connections at once, waits
// for the request in flight, whose response says "Connection: close", and
// that Serve then returns ErrServerClosed.
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
	expectClosed(t, idleBR) // the idle connection goes at once
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	default:
	}

	close(release)
	r, err := readResponse(busyBR, false)
	if err != nil || r.body != "done" {
		t.Fatalf("in-flight response: %v %+v", err, r)
	}
	if cv, _ := r.get("Connection"); cv != "close" {
		t.Errorf("Connection %q during shutdown", cv)
	}
	expectClosed(t, busyBR)
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := s.Serve(ln); err != ErrServerClosed {
		t.Errorf("Serve after Shutdown: %v", err)
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
