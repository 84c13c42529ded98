package httpd

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"modpy/internal/relay"
	"modpy/internal/table"
)

// Connection states, for Shutdown. The connection's goroutine moves
// between active, idle and linger; Shutdown may move idle to closing
// (Hurry) and any state to closed (its time ran out).
const (
	stateIdle    int32 = iota // waiting for the first byte of a request
	stateActive               // reading or serving a request
	stateLinger               // closing: discarding what the client still sends
	stateClosing              // writing side shut down by Hurry: linger, then close
	stateClosed               // closed by Shutdown
)

const (
	readBufSize = 4 << 10
	// drainLimit is the most unread request body read and discarded to
	// keep a connection alive; beyond it the connection is closed.
	drainLimit = 256 << 10
	// Apache's lingering close: wait 2 s for each read, 30 s in all.
	lingerRead  = 2 * time.Second
	lingerTotal = 30 * time.Second
)

var (
	readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufSize) }}
	outPool    = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}
	bodyPool   = sync.Pool{New: func() any { b := make([]byte, 0, bodyBufSize); return &b }}
)

// connIDs numbers connections within the process.
var connIDs atomic.Uint64

// conn is one client connection, served by one goroutine.
type conn struct {
	srv   *Server
	cfg   *Config
	nc    net.Conn
	id    uint64
	state atomic.Int32

	br      *bufio.Reader
	rto     time.Duration // the wait allowed for the next read
	out     []byte        // response bytes not yet written
	outPtr  *[]byte
	bodyPtr *[]byte
	iov     [4][]byte
	bufs    net.Buffers
	scratch []byte

	hp      headParser
	req     Request
	resp    Response
	body    Body
	header  table.Table
	trailer table.Table

	keepalives int
	yielded    bool  // the last read of a request yielded first (serve)
	closeAfter bool  // close once this response is out
	eof        bool  // the client closed its side
	werr       error // a write failed
	remote     netip.AddrPort
	local      netip.AddrPort
	remoteStr  string

	rclock readClock // RequestReadTimeout's stage in force

	tls   *tls.ConnectionState // the handshake's outcome on a TLS connection
	tcp   net.Conn             // under nc on a TLS connection
	plain bool                 // plain HTTP came to a TLS port (Request.PlainOnTLS)

	relay relay.Info // the last request's Modpy-Relay (Server.TrustRelay)

	h2      *H2Settings // HTTP/2 by prior knowledge is allowed, with these settings
	upgrade *h2Upgrade  // the request just served switched to h2c
}

// connReader is what the connection's bufio.Reader reads from: it flushes
// held-back output before it may block, and gives each read the current
// timeout.
type connReader struct{ c *conn }

func (r connReader) Read(p []byte) (int, error) {
	c := r.c
	if len(c.out) > 0 {
		if err := c.flush(); err != nil {
			return 0, err
		}
	}
	var n int
	var err error
	if c.rclock.st != nil {
		n, err = c.readStage(p)
	} else {
		c.setReadDeadline(time.Now().Add(c.rto))
		n, err = c.nc.Read(p)
	}
	if err == io.EOF {
		c.eof = true
	}
	return n, err
}

// setReadDeadline sets the deadline of the next read. A connection that
// Server.Hurry is closing waits lingerRead at most: closeIdle gave it that
// deadline, which a read setting its own at the same moment must not undo
// (the state is looked at after the deadline is set, closeIdle sets the
// state before the deadline).
func (c *conn) setReadDeadline(t time.Time) {
	c.nc.SetReadDeadline(t)
	if c.state.Load() == stateClosing {
		c.nc.SetReadDeadline(time.Now().Add(lingerRead))
	}
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{srv: s, cfg: &s.cfg, nc: nc, id: connIDs.Add(1)}
	c.remote = addrPort(nc.RemoteAddr())
	c.local = addrPort(nc.LocalAddr())
	c.br = readerPool.Get().(*bufio.Reader)
	c.br.Reset(connReader{c})
	c.outPtr = outPool.Get().(*[]byte)
	c.out = (*c.outPtr)[:0]
	c.hp.br = c.br
	c.hp.cfg = c.cfg
	c.state.Store(stateActive)
	return c
}

func addrPort(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}

// serve serves requests until the connection closes.
func (c *conn) serve() {
	defer c.release()
	defer func() {
		if p := recover(); p != nil {
			c.logf("error", "httpd: panic serving connection: %v\n%s", p, debug.Stack())
			c.nc.Close()
		}
	}()
	tc := c.srv.TLSConfig
	if c.srv.TLSFor != nil {
		tc = c.srv.TLSFor(c.local)
	}
	if tc != nil {
		if !c.startTLS(tc) {
			return
		}
		if c.tlsProto() {
			c.nc.Close()
			return
		}
	}
	if h := c.srv.ConnHandler; h != nil && !c.plain {
		c.state.Store(stateActive) // Shutdown waits for it
		if h(c.nc, c.local, c.remote, c.id) {
			c.nc.Close()
			return
		}
	}
	if d := c.cfg.H2Direct; d != nil && !c.plain {
		c.h2 = d(c.local, c.tls)
	}
	for {
		if c.keepalives > 0 {
			c.rto = c.cfg.KeepAliveTimeout
			c.rclock.stop() // the header stage starts with the first byte
		} else {
			c.rto = c.cfg.Timeout
			c.rclock.begin(&c.cfg.HeaderReadTimeout, "header")
		}
		if c.br.Buffered() == 0 {
			// Wait for the next request. A server shutting down does not
			// cut this wait short (Server.Shutdown): the client may be
			// sending the request now, and will get it answered with
			// "Connection: close".
			if c.flush() != nil || !c.state.CompareAndSwap(stateActive, stateIdle) {
				c.nc.Close()
				return
			}
			if c.keepalives > 0 {
				// The client has only just been sent the last response:
				// let other connections' goroutines run first, so that
				// the next request has more time to arrive and is read
				// at once rather than after a read that finds nothing
				// and a wait in the poller (two system calls and two
				// goroutine switches). Nothing else waiting: this returns
				// at once.
				//
				// Only before every other request, though: the runtime
				// polls the network only once no goroutine is runnable
				// (or every 10 ms), so connections that always yield and
				// always find their next request keep the run queue full,
				// and those waiting in the poller wait up to those 10 ms.
				// Yielding every time gave a p99 of 7.2-8.5 ms against
				// 3.2-3.4 ms this way, at about 3% more requests a second
				// (docs/benchmarks.md).
				c.yielded = !c.yielded
				if c.yielded {
					runtime.Gosched()
				}
			}
			_, err := c.br.Peek(1)
			if !c.state.CompareAndSwap(stateIdle, stateActive) {
				// Shutdown took the connection: Hurry shut its writing
				// side (discard what the client sends until it closes),
				// or the time ran out (closed).
				if c.state.Load() == stateClosing && err == nil {
					c.discard() // the client is sending: read it away
				}
				c.nc.Close()
				return
			}
			if err != nil {
				// Nothing of a new request came: close without a
				// response. Apache logs a first request that never came
				// as a 408.
				if isTimeout(err) {
					if c.keepalives == 0 {
						c.logTimeout()
					}
					c.lingerClose() // the client may be sending just now
					return
				}
				c.nc.Close()
				return
			}
		}
		c.rto = c.cfg.Timeout
		if c.keepalives > 0 {
			c.rclock.begin(&c.cfg.HeaderReadTimeout, "header")
		} else if c.h2 != nil && c.isH2Preface() {
			c.serveH2(c.h2, nil)
			c.nc.Close()
			return
		}
		c.serveRequest()
		if up := c.upgrade; up != nil {
			c.upgrade = nil
			c.serveH2(up.settings, up)
			c.nc.Close()
			return
		}
		if c.closeAfter {
			c.lingerClose()
			return
		}
		c.keepalives++
	}
}

// serveRequest reads one request, runs the handler and completes the
// response.
func (c *conn) serveRequest() {
	r := &c.req
	*r = Request{
		Header: &c.header, Trailer: &c.trailer, Body: &c.body,
		RemoteAddr: c.remote, LocalAddr: c.local, ConnID: c.id, KeepAlives: c.keepalives,
		TLS: c.tls, PlainOnTLS: c.plain,
	}
	c.trailer.Clear()
	c.body.reset(c, 0, false, false)
	c.resp.reset(c, r)
	defer c.releaseBodyBuf()

	herr := c.hp.readRequest(r)
	r.Received = c.hp.received
	if herr != nil {
		if herr.status == 0 {
			if herr.logMsg == "timeout" && c.keepalives == 0 {
				c.logTimeout()
			}
			c.closeAfter = true
			return
		}
		c.logf(herr.level, "%s", herr.logMsg)
		if herr.keep {
			c.body.reset(c, c.hp.clen, c.hp.chunked, c.hp.expect100)
		} else {
			c.closeAfter = true
		}
		d := ErrorDetails{Notes: herr.notes}
		if herr.status == 417 {
			d.Expect = r.Header.Value("Expect")
		}
		c.resp.sendError(herr.status, d)
		if !c.closeAfter {
			c.drain()
		}
		if c.srv.OnProtocolError != nil {
			c.srv.OnProtocolError(&c.resp)
		}
		return
	}
	if c.hp.closeConn {
		c.closeAfter = true
	}
	c.body.reset(c, c.hp.clen, c.hp.chunked, c.hp.expect100)
	if !c.takeRelay(r) {
		c.closeAfter = true
		c.resp.sendError(400, ErrorDetails{})
		return
	}
	c.rclock.begin(&c.cfg.BodyReadTimeout, "body")
	c.runHandler(&c.resp, r)
	c.resp.finish()
	if !c.closeAfter {
		c.drain()
	}
}

// runHandler runs the Handler for r, the connection's request or an
// HTTP/2 stream's.
func (c *conn) runHandler(w *Response, r *Request) {
	defer func() {
		if p := recover(); p != nil {
			c.logf("error", "handler panic serving %s: %v\n%s", logEscape(r.TheRequest), p, debug.Stack())
			w.closeConn()
			w.sendError(500, ErrorDetails{})
		}
	}()
	h := c.srv.Handler
	if h == nil {
		w.sendError(404, ErrorDetails{})
		return
	}
	h.ServeHTTP1(w, r)
}

// logTimeout reports a first request that never arrived, as Apache's access
// log shows it: status 408, nothing sent.
func (c *conn) logTimeout() {
	if c.srv.OnProtocolError == nil {
		return
	}
	c.req = Request{
		Header: &c.header, Trailer: &c.trailer, Body: &c.body, ProtoNum: 1000, Proto: "HTTP/1.0",
		RemoteAddr: c.remote, LocalAddr: c.local, ConnID: c.id, Received: time.Now(),
		TLS: c.tls,
	}
	c.header.Clear()
	c.body.reset(c, 0, false, false)
	c.resp.reset(c, &c.req)
	c.resp.status = 408
	c.resp.finished = true
	c.srv.OnProtocolError(&c.resp)
}

// drain reads and discards what the handler left of the request body, so
// the next request can be read; too much, or an error, closes instead.
func (c *conn) drain() {
	b := &c.body
	if !b.pending() {
		return
	}
	if b.expect100 && !b.sent100 {
		c.closeAfter = true // the client may never send it
		return
	}
	if c.scratch == nil {
		c.scratch = make([]byte, readBufSize)
	}
	for total := 0; total <= drainLimit; {
		n, err := b.read(c.scratch)
		total += n
		if err == io.EOF {
			return
		}
		if err != nil {
			c.closeAfter = true
			return
		}
	}
	c.closeAfter = true
}

// send100 sends the interim "100 Continue" when the response has not
// started.
func (c *conn) send100() error {
	if c.resp.headersSent || c.req.ProtoNum < 1001 {
		return nil
	}
	c.out = append(c.out, "HTTP/1.1 100 Continue\r\n\r\n"...)
	return c.flush()
}

// readTrailers reads the trailer fields after the last chunk into
// Request.Trailer, with the rules and limits of header fields.
func (c *conn) readTrailers() error {
	h := &c.hp
	h.buf, h.fields = h.buf[:0], h.fields[:0]
	if e := h.readFields(); e != nil {
		c.logf("info", "AH02656: Error while reading HTTP trailer: %d", e.status)
		if e.status == 408 {
			return os.ErrDeadlineExceeded
		}
		return errBadTrailer
	}
	if e := h.fillTable(&c.trailer, string(h.buf)); e != nil {
		return errBadTrailer
	}
	return nil
}

func (c *conn) flush() error {
	if len(c.out) == 0 {
		return nil
	}
	if c.werr != nil {
		c.out = c.out[:0]
		return c.werr
	}
	c.nc.SetWriteDeadline(time.Now().Add(c.cfg.Timeout))
	_, err := c.nc.Write(c.out)
	c.out = c.out[:0]
	if err != nil {
		c.werr, c.closeAfter = err, true
	}
	return err
}

// writev writes the held-back output, then a and b, with one writev.
func (c *conn) writev(parts ...[]byte) error {
	if c.werr != nil {
		c.out = c.out[:0]
		return c.werr
	}
	c.bufs = c.iov[:0]
	if len(c.out) > 0 {
		c.bufs = append(c.bufs, c.out)
	}
	for _, p := range parts {
		if len(p) > 0 {
			c.bufs = append(c.bufs, p)
		}
	}
	c.nc.SetWriteDeadline(time.Now().Add(c.cfg.Timeout))
	_, err := c.bufs.WriteTo(c.nc)
	c.iov = [4][]byte{}
	c.bufs = nil
	c.out = c.out[:0]
	if err != nil {
		c.werr, c.closeAfter = err, true
	}
	return err
}

func (c *conn) bodyBuf() []byte {
	if c.bodyPtr == nil {
		c.bodyPtr = bodyPool.Get().(*[]byte)
	}
	return (*c.bodyPtr)[:0]
}

func (c *conn) releaseBodyBuf() {
	if c.bodyPtr != nil {
		*c.bodyPtr = (*c.bodyPtr)[:0]
		bodyPool.Put(c.bodyPtr)
		c.bodyPtr = nil
	}
	c.resp.buf = nil
}

// lingerClose closes as Apache's ap_lingering_close does: send what is
// left, shut down writing, then read and discard what the client still
// sends (2 s for each read, 30 s in all) so that it sees the response
// rather than a reset.
func (c *conn) lingerClose() {
	c.flush()
	if c.eof || c.werr != nil || !c.state.CompareAndSwap(stateActive, stateLinger) {
		c.nc.Close()
		return
	}
	if c.closeWrite() != nil {
		c.nc.Close()
		return
	}
	c.discard()
	c.nc.Close()
}

// closeWrite shuts down the writing side of the connection: on TLS the
// close_notify alert, then the TCP connection's writing side under it.
func (c *conn) closeWrite() error {
	cw, ok := c.nc.(interface{ CloseWrite() error })
	if !ok {
		return errors.ErrUnsupported
	}
	if err := cw.CloseWrite(); err != nil || c.tcp == nil {
		return err
	}
	if tw, ok := c.tcp.(interface{ CloseWrite() error }); ok {
		return tw.CloseWrite()
	}
	return nil
}

// discard reads and throws away what the client sends after the writing
// side was shut down, until it closes, a read waits 2 s, or 30 s passed
// since the first bytes came.
func (c *conn) discard() {
	if c.eof {
		return
	}
	if c.scratch == nil {
		c.scratch = make([]byte, readBufSize)
	}
	var until time.Time
	if c.rclock.fired {
		until = time.Now().Add(lingerRead) // as mod_reqtimeout's short lingering close
	}
	for {
		dl := time.Now().Add(lingerRead)
		if !until.IsZero() && until.Before(dl) {
			dl = until
		}
		c.nc.SetReadDeadline(dl)
		n, err := c.nc.Read(c.scratch)
		if err != nil || n == 0 {
			return
		}
		now := time.Now()
		if until.IsZero() {
			until = now.Add(lingerTotal)
		} else if now.After(until) {
			return
		}
	}
}

// release returns the connection's buffers to their pools.
func (c *conn) release() {
	c.srv.forget(c)
	c.releaseBodyBuf()
	c.br.Reset(nil)
	readerPool.Put(c.br)
	c.br, c.hp.br = nil, nil
	if cap(c.out) <= 64<<10 {
		*c.outPtr = c.out[:0]
		outPool.Put(c.outPtr)
	}
	c.out, c.outPtr = nil, nil
}

func (c *conn) logf(level, format string, args ...any) {
	if c.cfg.ErrorLog == nil {
		return
	}
	if c.remoteStr == "" {
		c.remoteStr = c.remote.String()
	}
	c.cfg.ErrorLog(level, "[client "+c.remoteStr+"] "+fmt.Sprintf(format, args...))
}

// takeRelay applies r's Modpy-Relay on a server that trusts it
// (Server.TrustRelay), and removes it from r's header fields everywhere
// else. False: a trusted Modpy-Relay that could not be parsed (logged).
func (c *conn) takeRelay(r *Request) bool {
	v, ok := r.Header.Get(relay.Header)
	if !ok {
		if c.srv.TrustRelay && len(c.srv.RelayKeyHash) > 0 && (c.srv.TrustPeer == nil || !c.srv.TrustPeer(c.nc)) {
			// A worker's request always carries it: this comes from
			// something else that may connect (a process of the
			// workers' user: a CGI script, another group's code).
			c.logf("error", "relay: a request without %s, so without the workers' key: refused", relay.Header)
			return false
		}
		return true
	}
	r.Header.Del(relay.Header)
	if !c.srv.TrustRelay {
		return true
	}
	in, err := relay.Decode(v)
	if err != nil {
		c.logf("error", "%v", err)
		return false
	}
	if len(c.srv.RelayKeyHash) > 0 && !in.KeyMatches(c.srv.RelayKeyHash) {
		c.logf("error", "relay: a %s without the workers' key: refused", relay.Header)
		return false
	}
	c.relay = in
	r.Relay = &c.relay
	r.RemoteAddr, r.LocalAddr, r.ConnID, r.KeepAlives = in.Remote, in.Local, in.ConnID, in.KeepAlives
	if !in.Start.IsZero() {
		r.Received = in.Start
	}
	r.TLS = c.relay.ConnectionState()
	return true
}
