package httpd

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("httpd: Server closed")

// Handler serves one request. It may read r.Body and write w; when it
// returns the response is finished. It must not keep r or w.
type Handler interface {
	ServeHTTP1(w *Response, r *Request)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(w *Response, r *Request)

// ServeHTTP1 calls f(w, r).
func (f HandlerFunc) ServeHTTP1(w *Response, r *Request) { f(w, r) }

// Server serves HTTP/1.x on listeners. Config and the hooks must be set
// before the first Serve and not changed after.
type Server struct {
	Config  Config
	Handler Handler
	// OnProtocolError, if set, is called after the server itself answered
	// a request it would not pass to Handler (400, 408, 414, 417, 505...),
	// with as much of the Request as was parsed, for the access log. It is
	// also called, with status 408 and nothing sent, when the first request
	// on a connection never arrived, as Apache logs it.
	OnProtocolError func(w *Response)
	// ConnHandler, if set, is offered each new connection before any of
	// it is read, as Apache's process_connection hook: when it returns
	// true it served the connection, which is then closed.
	ConnHandler func(nc net.Conn, local, remote netip.AddrPort, id uint64) bool

	initOnce   sync.Once
	cfg        Config
	mu         sync.Mutex
	listeners  map[net.Listener]struct{}
	conns      map[*conn]struct{}
	inShutdown atomic.Bool
	connGone   chan struct{}
}

func (s *Server) init() {
	s.initOnce.Do(func() {
		s.cfg = s.Config.withDefaults()
		s.listeners = make(map[net.Listener]struct{})
		s.conns = make(map[*conn]struct{})
		s.connGone = make(chan struct{}, 1)
	})
}

func (s *Server) shuttingDown() bool { return s.inShutdown.Load() }

// Serve accepts connections on l and serves each in its own goroutine. It
// returns ErrServerClosed after Shutdown, or the listener's error.
func (s *Server) Serve(l net.Listener) error {
	s.init()
	s.mu.Lock()
	if s.shuttingDown() {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()

	var delay time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.shuttingDown() {
				return ErrServerClosed
			}
			if retryableAccept(err) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				if s.cfg.ErrorLog != nil {
					s.cfg.ErrorLog("error", "httpd: accept: "+err.Error()+"; retrying in "+delay.String())
				}
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		c := newConn(s, nc)
		s.mu.Lock()
		if s.shuttingDown() {
			s.mu.Unlock()
			nc.Close()
			c.release()
			continue
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		go c.serve()
	}
}

// retryableAccept reports accept errors worth waiting out, as running out
// of file descriptors.
func retryableAccept(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.EINTR} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	select {
	case s.connGone <- struct{}{}:
	default:
	}
}

// Shutdown stops the server gracefully: it closes the listeners and the
// idle connections, lets in-flight requests finish (their responses say
// "Connection: close"), and returns when every connection is closed, or
// with ctx's error when ctx ends first.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.mu.Lock()
	s.inShutdown.Store(true)
	for l := range s.listeners {
		l.Close()
	}
	s.mu.Unlock()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if s.closeIdle() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.connGone:
		case <-tick.C:
		}
	}
}

// closeIdle closes connections between requests or lingering, and reports
// whether none are left.
func (s *Server) closeIdle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		st := c.state.Load()
		if (st == stateIdle || st == stateLinger) && c.state.CompareAndSwap(st, stateClosed) {
			c.nc.Close()
		}
	}
	return len(s.conns) == 0
}
