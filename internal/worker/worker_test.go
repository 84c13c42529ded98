package worker

import (
	"errors"
	"net"
	"testing"
	"time"
)

func TestProcessRSS(t *testing.T) {
	if rss := ProcessRSS(); rss < 1<<20 {
		t.Errorf("ProcessRSS() = %d: no VmRSS in /proc/self/status?", rss)
	}
}

// After MaxConnectionsPerChild connections the gate calls onLimit and
// takes no more: the next connection stays in the kernel's queue for the
// other workers, and Accept reports net.ErrClosed once the listener closes.
func TestGateStopsAtMaxConnections(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	limit := make(chan struct{})
	g := NewGate(2, func() { close(limit) })
	gl := g.Wrap(ln)
	defer gl.Close()
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	for i := 0; i < 2; i++ {
		c, err := gl.Accept()
		if err != nil {
			t.Fatalf("accept %d: %v", i+1, err)
		}
		c.Close()
	}
	select {
	case <-limit:
	case <-time.After(10 * time.Second):
		t.Fatal("onLimit not called after 2 connections")
	}
	// The third is still queued: the listener itself (another worker's
	// share of the socket) takes it.
	tl := ln.(*net.TCPListener)
	tl.SetDeadline(time.Now().Add(10 * time.Second))
	c, err := tl.Accept()
	if err != nil {
		t.Fatalf("the third connection is not in the queue: %v", err)
	}
	c.Close()
	done := make(chan error, 1)
	go func() {
		c, err := gl.Accept()
		if c != nil {
			c.Close()
		}
		done <- err
	}()
	gl.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept after the limit: %v, want net.ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Accept after the limit did not return when the listener closed")
	}
}
