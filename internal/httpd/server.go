package httpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"modpy/internal/groupsock"
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
	// TLSConfig, if set, makes every connection a TLS one (HTTPS): the
	// server sniffs its first bytes, answers a client speaking plain HTTP
	// once (Request.PlainOnTLS) and closes, and otherwise runs the
	// handshake with this config (HandshakeReadTimeout, else Timeout,
	// bounding its reads) before anything else; a failed handshake
	// closes the connection. ConnHandler, ProtoHandlers and Handler then
	// see the decrypted connection (a *tls.Conn), and each Request its
	// TLS state.
	TLSConfig *tls.Config
	// TLSFor, if set, decides per connection instead of TLSConfig, from
	// the address the client connected to: the config to speak TLS with,
	// or nil for plain HTTP (as mod_ssl decides by the connection's
	// default virtual host).
	TLSFor func(local netip.AddrPort) *tls.Config
	// ProtoHandlers maps an ALPN protocol name ("h2") to the handler of
	// the TLS connections whose handshake negotiated it (the protocols
	// offered are TLSConfig's NextProtos, or those of the config its
	// GetConfigForClient returns). Such a connection is handed over right
	// after the handshake, before ConnHandler, and closed when its
	// handler returns; one that negotiated no protocol, or one not in the
	// map ("http/1.1"), is served as HTTP/1.x here.
	ProtoHandlers map[string]ProtoHandler
	// TrustRelay makes the server take each request's connection facts
	// from its Modpy-Relay header (relay.Info: the client's addresses,
	// TLS, start time...), which a worker adds to the requests it relays
	// to a process group. Set only on a process group's own UNIX listener,
	// never on a TCP one: elsewhere a Modpy-Relay a client sent is
	// removed before the Handler sees the request.
	TrustRelay bool
	// RelayKeyHash, when set, is the SHA-256 of the relay key: a trusted
	// Modpy-Relay must carry the key (relay.Info.KeyMatches), else the
	// request is refused with 400, as is a request without a Modpy-Relay,
	// so that only a worker, not any process that can connect to the
	// listener, can vouch for a client's facts or send a request at all.
	RelayKeyHash []byte
	// TrustPeer, if set, says whether the process at the other end of nc
	// may send a request without a Modpy-Relay on a listener with a
	// RelayKeyHash (a process group's: root may, being able to read the
	// key anyway). Asked only of such requests.
	TrustPeer func(nc net.Conn) bool

	initOnce   sync.Once
	cfg        Config
	mu         sync.Mutex
	listeners  map[net.Listener]struct{}
	conns      map[*conn]struct{}
	accepting  int // Serve loops running (under mu)
	inShutdown atomic.Bool
	hurry      atomic.Bool
	connGone   chan struct{}
	room       chan struct{} // a connection ended (MaxConns)
	draining   chan struct{} // closed when Shutdown begins
	drainOnce  sync.Once

	h2mu sync.Mutex
	h2s  map[*H2Settings]*h2impl // HTTP/2 servers by their settings (h2.go)
}

func (s *Server) init() {
	s.initOnce.Do(func() {
		s.cfg = s.Config.withDefaults()
		s.listeners = make(map[net.Listener]struct{})
		s.conns = make(map[*conn]struct{})
		s.connGone = make(chan struct{}, 1)
		s.room = make(chan struct{}, 1)
		s.draining = make(chan struct{})
	})
}

// Draining is closed when Shutdown begins: a ProtoHandler or ConnHandler
// serving a whole connection (HTTP/2) then finishes what is in flight,
// tells its client (GOAWAY) and returns, since Shutdown waits for it.
func (s *Server) Draining() <-chan struct{} {
	s.init()
	return s.draining
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
	s.accepting++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.accepting--
		s.mu.Unlock()
		s.wakeShutdown()
	}()

	var delay time.Duration
	for {
		if s.cfg.MaxConns > 0 && !s.waitRoom(l) {
			return ErrServerClosed
		}
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
		// Served even when Shutdown began meanwhile: the connection left
		// the kernel's queue, no other process can take it, and its
		// client may have sent its request already.
		c := newConn(s, nc)
		s.mu.Lock()
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
	s.wakeShutdown()
	if s.cfg.MaxConns > 0 {
		select {
		case s.room <- struct{}{}:
		default:
		}
	}
}

// roomPoll is how often Serve, with MaxConns connections open, looks
// whether a connection waits to be accepted.
const roomPoll = 5 * time.Millisecond

// waitRoom returns when fewer than MaxConns connections are open, or
// false when Shutdown began. Meanwhile, whenever a connection waits in
// l's queue, it closes one waiting for a request (closeOneIdle): that
// one's client, a worker's pool, connects again when it needs to.
func (s *Server) waitRoom(l net.Listener) bool {
	var tick *time.Ticker
	for {
		if s.shuttingDown() {
			return false
		}
		s.mu.Lock()
		n := len(s.conns)
		s.mu.Unlock()
		if n < s.cfg.MaxConns {
			return true
		}
		if tick == nil {
			tick = time.NewTicker(roomPoll)
			defer tick.Stop()
		}
		if pending(l) {
			s.closeOneIdle()
		}
		select {
		case <-s.room:
		case <-s.draining:
		case <-tick.C:
		}
	}
}

// pending reports whether a connection waits in l's queue.
func pending(l net.Listener) bool {
	sc, ok := l.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	waiting := false
	rc.Control(func(fd uintptr) { waiting = groupsock.Pending(fd) })
	return waiting
}

// closeOneIdle closes one connection waiting for a request, as closeIdle
// closes them all.
func (s *Server) closeOneIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.closeIfIdle() {
			return
		}
	}
}

// wakeShutdown tells a Shutdown in progress to look again.
func (s *Server) wakeShutdown() {
	select {
	case s.connGone <- struct{}{}:
	default:
	}
}

// Shutdown stops the server gracefully, losing no request: it closes the
// listeners and waits until every connection has ended by itself. A
// connection serving a request finishes it; the next request on each
// keep-alive connection is served with "Connection: close"; a connection
// waiting for a request is closed only when its wait (KeepAliveTimeout,
// or Timeout for the first request) runs out, as at any other time, since
// its client may be sending just then; every close is a lingering close.
// Hurry shortens the waits. When ctx ends first, Shutdown closes the
// connections still open, logs how many, and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.mu.Lock()
	s.inShutdown.Store(true)
	s.drainOnce.Do(func() { close(s.draining) })
	for l := range s.listeners {
		l.Close()
	}
	s.mu.Unlock()
	s.h2GoAway()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if s.hurry.Load() {
			s.closeIdle()
		}
		if s.done() {
			return nil
		}
		select {
		case <-ctx.Done():
			s.cut()
			return ctx.Err()
		case <-s.connGone:
		case <-tick.C:
		}
	}
}

// Hurry makes a Shutdown in progress, or one to come, close the
// connections waiting for a request now (with a lingering close) rather
// than when their wait runs out: for a stop that need not be graceful. A
// request its client sends at that very moment is lost, as with any
// server closing an idle connection.
func (s *Server) Hurry() {
	s.init()
	s.hurry.Store(true)
	s.closeIdle()
}

// done reports whether no Serve loop runs and no connection is left.
func (s *Server) done() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepting == 0 && len(s.conns) == 0
}

// closeIdle starts a lingering close of the connections waiting for a
// request: it shuts down their writing side, and each connection's own
// goroutine, woken by the client's end or its bytes, discards what comes
// and closes. A UNIX socket's (a worker's pooled connection to a group)
// is closed at once: a request the worker sends on it then fails with
// EPIPE or a reset, which it knows to send again on a new connection,
// where a half-close would end it as a process that died on it does.
func (s *Server) closeIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.closeIfIdle()
	}
}

// closeIfIdle starts closing c if it waits for a request (closeIdle), and
// reports whether it did.
func (c *conn) closeIfIdle() bool {
	if !c.state.CompareAndSwap(stateIdle, stateClosing) {
		return false
	}
	if c.nc.LocalAddr().Network() == "unix" || c.closeWrite() != nil {
		c.nc.Close()
		return true
	}
	// A client that neither sends nor closes is waited for as in a
	// lingering close, not for the rest of its Timeout.
	c.nc.SetReadDeadline(time.Now().Add(lingerRead))
	return true
}

// cut closes every connection left when Shutdown's time ran out, and
// logs it.
func (s *Server) cut() {
	s.mu.Lock()
	defer s.mu.Unlock()
	var busy, idle, linger int
	for c := range s.conns {
		switch c.state.Swap(stateClosed) {
		case stateActive:
			busy++
		case stateLinger, stateClosing:
			linger++
		case stateClosed:
			continue
		default:
			idle++
		}
		c.nc.Close()
	}
	if busy+idle+linger > 0 && s.cfg.ErrorLog != nil {
		s.cfg.ErrorLog("warn", fmt.Sprintf("httpd: the shutdown's time ran out: connections closed: "+
			"%d reading or serving a request, %d waiting for one, %d in lingering close", busy, idle, linger))
	}
}
