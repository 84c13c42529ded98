package server

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Gate wraps a worker's listening sockets (shared with the master and the
// other workers). It counts the connections accepted, for
// MaxConnectionsPerChild, and lets the worker stop accepting without
// dropping a connection it already took from the kernel's queue: Stop
// waits until no Accept is in progress, and every connection accepted is
// handed on, to be served (httpd's Shutdown serves each request it gets).
//
// A connection the worker does not accept stays in the kernel's queue for
// the other workers.
type Gate struct {
	max     int64
	onLimit func()
	limited atomic.Bool

	accepted atomic.Int64

	mu       sync.Mutex
	cond     *sync.Cond
	stopped  bool
	inAccept int // goroutines inside an inner Accept
	fresh    int // accepted connections that have not been read from yet
	lns      []*gateListener
	full     func(int) bool // PauseWhile's
}

// NewGate returns a gate that calls onLimit once, in its own goroutine,
// after max connections were accepted (max <= 0: never), and then accepts
// no more.
func NewGate(max int, onLimit func()) *Gate {
	g := &Gate{max: int64(max), onLimit: onLimit}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// PauseWhile makes Accept wait while full(fresh) reports true, fresh being
// the connections accepted that have not sent their first bytes yet (each
// will want a thread). As Apache's event MPM, which accepts a connection
// only for an idle thread of the child, a worker whose Python threads are
// all taken leaves new connections to workers that have one free. Call it
// before the first Accept.
func (g *Gate) PauseWhile(full func(fresh int) bool) { g.full = full }

// pausePoll is how often a paused Accept looks again.
const pausePoll = time.Millisecond

// Accepted returns how many connections were accepted.
func (g *Gate) Accepted() int64 { return g.accepted.Load() }

// Wrap returns l behind the gate.
func (g *Gate) Wrap(l net.Listener) net.Listener {
	gl := &gateListener{Listener: l, g: g, done: make(chan struct{})}
	g.mu.Lock()
	g.lns = append(g.lns, gl)
	g.mu.Unlock()
	return gl
}

type deadliner interface{ SetDeadline(time.Time) error }

// stopLocked stops accepting; g.mu is held.
func (g *Gate) stopLocked() {
	if g.stopped {
		return
	}
	g.stopped = true
	for _, gl := range g.lns {
		if d, ok := gl.Listener.(deadliner); ok {
			d.SetDeadline(time.Now()) // wakes a blocked Accept
		}
	}
	g.cond.Broadcast()
}

// Stop stops accepting and waits until no Accept is in progress (or ctx
// ends). Call Server.Shutdown after it.
func (g *Gate) Stop(ctx context.Context) {
	g.mu.Lock()
	g.stopLocked()
	stop := context.AfterFunc(ctx, func() {
		g.mu.Lock()
		g.cond.Broadcast()
		g.mu.Unlock()
	})
	defer stop()
	for g.inAccept > 0 && ctx.Err() == nil {
		g.cond.Wait()
	}
	g.mu.Unlock()
}

type gateListener struct {
	net.Listener
	g         *Gate
	done      chan struct{}
	closeOnce sync.Once
}

func (l *gateListener) Accept() (net.Conn, error) {
	g := l.g
	g.mu.Lock()
	for g.full != nil && !g.stopped && g.full(g.fresh) {
		g.mu.Unlock()
		time.Sleep(pausePoll)
		g.mu.Lock()
	}
	if g.stopped {
		g.mu.Unlock()
		<-l.done
		return nil, net.ErrClosed
	}
	g.inAccept++
	g.mu.Unlock()

	c, err := l.Listener.Accept()

	g.mu.Lock()
	g.inAccept--
	stopped := g.stopped
	if err == nil {
		g.fresh++
	}
	g.cond.Broadcast()
	g.mu.Unlock()
	if err != nil {
		if stopped && !errors.Is(err, net.ErrClosed) {
			<-l.done // the deadline Stop set
		}
		if stopped {
			return nil, net.ErrClosed
		}
		return nil, err
	}
	if n := g.accepted.Add(1); g.max > 0 && n >= g.max && g.limited.CompareAndSwap(false, true) {
		g.mu.Lock()
		g.stopLocked()
		g.mu.Unlock()
		if g.onLimit != nil {
			go g.onLimit()
		}
	}
	// Served even when the gate stopped meanwhile: it left the kernel's
	// queue, no other worker can take it.
	return &gateConn{Conn: c, g: g}, nil
}

func (l *gateListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// gateConn tells the gate when its first read returned.
type gateConn struct {
	net.Conn
	g    *Gate
	once sync.Once
}

func (c *gateConn) settled() {
	c.once.Do(func() {
		c.g.mu.Lock()
		c.g.fresh--
		c.g.cond.Broadcast()
		c.g.mu.Unlock()
	})
}

func (c *gateConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 || err != nil {
		c.settled()
	}
	return n, err
}

func (c *gateConn) Close() error {
	c.settled()
	return c.Conn.Close()
}

// CloseWrite keeps lingering close working (httpd looks for it).
func (c *gateConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.New("CloseWrite not supported")
}
