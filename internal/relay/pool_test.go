package relay

import (
	"fmt"
	"net"
	"testing"
	"time"
)

// TestPoolDropsClosed: a pooled connection the group closed meanwhile (its
// process died or recycled) is not given out again; a live one is.
func TestPoolDropsClosed(t *testing.T) {
	name := fmt.Sprintf("@modpy-relay-pool-test.%d", time.Now().UnixNano())
	ln, err := net.Listen("unix", name)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 2)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	var p Pool
	c, err := p.Get(name, true)
	if err != nil {
		t.Fatal(err)
	}
	peer := <-accepted
	p.Put(c)
	if got, _ := p.Get(name, true); got != c || !got.Reused {
		t.Fatalf("a live idle connection was not reused: %v", got)
	}
	p.Put(c)
	peer.Close()
	time.Sleep(20 * time.Millisecond)
	got, err := p.Get(name, true)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	if got == c || got.Reused {
		t.Fatal("Get gave out a connection its peer had closed")
	}
}
