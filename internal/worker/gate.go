package worker

import (
	"context"
	"errors"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
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
	lns      []*gateListener
	full     func() bool // PauseWhile's
}

// NewGate returns a gate that calls onLimit once, in its own goroutine,
// after max connections were accepted (max <= 0: never), and then accepts
// no more.
func NewGate(max int, onLimit func()) *Gate {
	g := &Gate{max: int64(max), onLimit: onLimit}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// PauseWhile makes Accept wait while full() reports true. As Apache's
// event MPM, which accepts a connection only for an idle thread of the
// child, a worker whose Python threads are all taken leaves new connections
// to workers that have one free. full should count only requests running
// in Python or waiting for a thread: a connection that sends nothing, or
// half a request, costs a goroutine, never a thread, and never pauses
// Accept.
//
// Before each Accept the gate yields, so that the connections it has just
// accepted read what their clients sent and take their threads first: in a
// burst of new connections, a worker takes no more of them than it has
// threads for.
//
// Unlike Apache's, the wait is bounded, so that a worker never stops
// serving new clients: a connection still in the kernel's queue after
// maxPause (no other worker took it: all are busy) is accepted, and so is
// each further one that waits there pausePoll more, until the queue is
// empty; their requests then wait for a thread up to
// PythonInterpQueueTimeout (then 503). Call it before the first Accept.
func (g *Gate) PauseWhile(full func() bool) { g.full = full }

const (
	// pausePoll is how often a paused Accept looks again, and how long a
	// connection may wait in the queue, once a busy worker takes waiting
	// ones, before it takes the next.
	pausePoll = time.Millisecond
	// maxPause is how long a connection waits in the kernel's queue for a
	// worker with a free thread before a busy worker takes it. A free
	// worker's Accept returns within microseconds; this leaves room for a
	// loaded machine.
	maxPause = 250 * time.Millisecond
)

// Wrap returns l behind the gate.
func (g *Gate) Wrap(l net.Listener) net.Listener {
	gl := &gateListener{Listener: l, g: g, done: make(chan struct{})}
	if sc, ok := l.(syscall.Conn); ok {
		gl.raw, _ = sc.SyscallConn()
	}
	gl.dl, _ = l.(deadliner)
	g.mu.Lock()
	g.lns = append(g.lns, gl)
	g.mu.Unlock()
	return gl
}

type deadliner interface{ SetDeadline(time.Time) error }

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

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
// ends). Call server.Server.Shutdown after it.
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
	// For PauseWhile: the socket, to wait for a connection without taking
	// it, and its deadline, to take only one already waiting.
	raw syscall.RawConn
	dl  deadliner
	// takeAt is when a paused Accept takes a connection waiting in the
	// queue (zero: not paused). Guarded by g.mu.
	takeAt time.Time
}

// pause waits while the gate is full, until l.takeAt. g.mu is held.
func (l *gateListener) pause() {
	g := l.g
	for !g.stopped && g.full() {
		now := time.Now()
		if l.takeAt.IsZero() {
			l.takeAt = now.Add(maxPause)
		}
		if !now.Before(l.takeAt) {
			// Still full: take what waits, then the next one after
			// pausePoll.
			l.takeAt = now.Add(pausePoll)
			return
		}
		g.mu.Unlock()
		time.Sleep(pausePoll)
		g.mu.Lock()
	}
	l.takeAt = time.Time{}
}

// waitPending waits until a connection is in the kernel's queue, without
// taking it (or until Stop's deadline). It reports whether it had to wait:
// the queue was empty.
func (l *gateListener) waitPending() (waited bool) {
	l.raw.Read(func(fd uintptr) bool {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, 0)
		ready := err != nil || n > 0 // on an error, Accept reports it
		waited = waited || !ready
		return ready
	})
	return waited
}

func (l *gateListener) Accept() (net.Conn, error) {
	g := l.g
	pausing := g.full != nil && l.raw != nil && l.dl != nil
	if pausing {
		runtime.Gosched() // the connections just accepted go first
	}
	for {
		// An error of waitPending's (Stop's deadline) shows below.
		emptied := pausing && l.waitPending()
		g.mu.Lock()
		if emptied {
			// The connections a busy worker was taking are gone: the
			// next one waits maxPause for a free worker again.
			l.takeAt = time.Time{}
		}
		if pausing {
			l.pause()
		}
		if g.stopped {
			g.mu.Unlock()
			<-l.done
			return nil, net.ErrClosed
		}
		if pausing {
			// What waitPending saw may have gone to another worker.
			l.dl.SetDeadline(time.Now().Add(pausePoll))
		}
		g.inAccept++
		g.mu.Unlock()

		c, err := l.Listener.Accept()

		g.mu.Lock()
		g.inAccept--
		stopped := g.stopped
		if pausing && !stopped {
			l.dl.SetDeadline(time.Time{})
			if isTimeout(err) {
				if !l.takeAt.IsZero() {
					l.takeAt = time.Now().Add(maxPause) // the others took it
				}
				g.mu.Unlock()
				continue
			}
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
		return l.accepted(c), nil
	}
}

// accepted counts c against MaxConnectionsPerChild and wraps it.
func (l *gateListener) accepted(c net.Conn) net.Conn {
	g := l.g
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
	return c
}

func (l *gateListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}
