package httpd

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"

	"modpy/internal/relay"
	"modpy/internal/table"
)

// HTTP/2 is Go's own implementation (golang.org/x/net/http2, whose
// Server.ServeConn serves one connection the caller has accepted, with an
// h2c upgrade's first request if there is one). This file bridges its
// streams to the Handler: each stream is a Request and a Response like an
// HTTP/1 request's, whose bytes go to the stream rather than to the
// connection (Response.s, Body.s), so the rest of the server cannot tell
// the two apart beyond Request.Proto.

// H2Settings are the HTTP/2 settings of one connection, mod_http2's
// server-wide directives; zero fields get mod_http2's defaults. The same
// pointer must be passed for the same settings: the server keeps one
// HTTP/2 implementation per pointer.
type H2Settings struct {
	// MaxStreams is H2MaxSessionStreams: the most streams a client may
	// have open at once (SETTINGS_MAX_CONCURRENT_STREAMS; default 100).
	MaxStreams uint32
	// StreamWindow is H2WindowSize: the flow-control window each stream
	// gets for its request body (SETTINGS_INITIAL_WINDOW_SIZE; default
	// 65535).
	StreamWindow int32
	// PermitProhibitedCiphers is "H2ModernTLSOnly off": HTTP/2 over TLS
	// does not refuse the cipher suites RFC 9113 prohibits.
	PermitProhibitedCiphers bool
}

// mod_http2's defaults.
const (
	defaultH2MaxStreams   = 100
	defaultH2StreamWindow = 65535
)

// h2Preface is the client's connection preface (RFC 9113 section 3.4).
const h2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// isH2Preface reports whether the connection's first bytes, at least one
// of which has arrived, are HTTP/2's connection preface. It waits for more
// only while what has arrived is the start of the preface, which no
// HTTP/1 request is.
func (c *conn) isH2Preface() bool {
	n := min(c.br.Buffered(), len(h2Preface))
	b, _ := c.br.Peek(n)
	if string(b) != h2Preface[:n] {
		return false
	}
	if n < len(h2Preface) {
		b, err := c.br.Peek(len(h2Preface))
		return err == nil && string(b) == h2Preface
	}
	return true
}

// h2impl is one configured HTTP/2 server: Go's, and the net/http server
// it takes its base settings from and whose Shutdown sends GOAWAY on its
// connections.
type h2impl struct {
	srv  *http2.Server
	base *http.Server
}

// h2For returns the HTTP/2 server for settings st, made on first use.
func (s *Server) h2For(st *H2Settings) *h2impl {
	s.h2mu.Lock()
	defer s.h2mu.Unlock()
	if h := s.h2s[st]; h != nil {
		return h
	}
	cfg := &s.cfg
	// The header block Go accepts before answering 431 itself is larger
	// than the limits this package checks (h2stream.readRequest), so that
	// those are answered, and logged, as Apache does.
	fields := cfg.LimitRequestFields
	if fields < 0 {
		fields = 1000
	}
	maxHeader := (fields + 1) * (cfg.LimitRequestFieldSize + 32)
	base := &http.Server{
		IdleTimeout:    cfg.KeepAliveTimeout,
		MaxHeaderBytes: max(maxHeader, 64<<10),
		ErrorLog:       log.New(h2Log{cfg}, "", 0),
	}
	h := &h2impl{base: base, srv: &http2.Server{
		MaxConcurrentStreams:         cmpOr(st.MaxStreams, defaultH2MaxStreams),
		MaxUploadBufferPerStream:     cmpOr(st.StreamWindow, defaultH2StreamWindow),
		PermitProhibitedCipherSuites: st.PermitProhibitedCiphers,
		IdleTimeout:                  cfg.KeepAliveTimeout,
		WriteByteTimeout:             cfg.Timeout,
	}}
	if err := http2.ConfigureServer(base, h.srv); err != nil {
		panic("httpd: configuring HTTP/2: " + err.Error())
	}
	if s.h2s == nil {
		s.h2s = make(map[*H2Settings]*h2impl)
	}
	s.h2s[st] = h
	return h
}

func cmpOr[T uint32 | int32](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// h2GoAway starts the graceful end of every HTTP/2 connection: each is
// sent GOAWAY, finishes the streams it has and closes.
func (s *Server) h2GoAway() {
	s.h2mu.Lock()
	impls := slices.Collect(maps.Values(s.h2s))
	s.h2mu.Unlock()
	for _, h := range impls {
		// No listener and no connection of its own: this returns once
		// it has told the HTTP/2 connections to go away.
		h.base.Shutdown(context.Background())
	}
}

// h2Log carries Go's HTTP/2 server's messages (a client's protocol
// errors) to the error log at debug level.
type h2Log struct{ cfg *Config }

func (l h2Log) Write(p []byte) (int, error) {
	if l.cfg.ErrorLog != nil {
		l.cfg.ErrorLog("debug", strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// h2Upgrade is an HTTP/1.1 request that switched its connection to h2c:
// once it is logged, the connection serves HTTP/2 with it as stream 1.
type h2Upgrade struct {
	settings *H2Settings
	frame    []byte        // the HTTP2-Settings header, decoded
	req      *http.Request // stream 1, for Go's server
	header   table.Table   // its header fields, in the order received
}

// serveH2 serves the connection as HTTP/2 until it closes, from its
// connection preface (or, for an upgrade, from the 101 response sent).
func (c *conn) serveH2(st *H2Settings, up *h2Upgrade) {
	if err := c.flush(); err != nil {
		return
	}
	// From here on the connection's fields are only read, by many
	// streams at once: logf's prefix is made now.
	c.remoteStr = c.remote.String()
	c.rclock.stop() // RequestReadTimeout is HTTP/1's, as mod_reqtimeout steps aside for h2
	c.nc.SetReadDeadline(time.Time{})
	h := c.srv.h2For(st)
	opts := &http2.ServeConnOpts{BaseConfig: h.base, Handler: &h2Handler{c: c, up: up}}
	if up != nil {
		opts.UpgradeRequest, opts.Settings = up.req, up.frame
	}
	var nc net.Conn = h2Conn{c.nc, c}
	if c.tls != nil {
		nc = h2TLSConn{h2Conn{c.nc, c}} // Go's server checks the TLS version and cipher suite
	}
	h.srv.ServeConn(nc, opts)
}

// ServeH2 serves nc, a TLS connection whose handshake negotiated "h2" by
// ALPN, as HTTP/2 with settings st, until it closes: it is the
// ProtoHandler for "h2" (called with the arguments a ProtoHandler gets).
// The connection counts as one of the server's until its ProtoHandler
// returns, so Shutdown sends it GOAWAY and waits for it.
func (s *Server) ServeH2(nc net.Conn, local, remote netip.AddrPort, id uint64, st *H2Settings) {
	s.init()
	c := &conn{srv: s, cfg: &s.cfg, nc: nc, id: id, remote: remote, local: local}
	if tc, ok := nc.(*tls.Conn); ok {
		cs := tc.ConnectionState()
		c.tls = &cs
	}
	c.br = readerPool.Get().(*bufio.Reader)
	c.br.Reset(connReader{c})
	defer func() {
		c.br.Reset(nil)
		readerPool.Put(c.br)
	}()
	c.serveH2(st, nil)
}

// h2TLSConn is h2Conn on a TLS connection, showing Go's server the
// handshake's outcome.
type h2TLSConn struct{ h2Conn }

func (n h2TLSConn) ConnectionState() tls.ConnectionState { return *n.c.tls }

// h2Conn is the connection as Go's HTTP/2 server reads it: the bytes
// already buffered (the preface, or what followed an upgrade request)
// first, then the socket itself, without HTTP/1's deadlines.
type h2Conn struct {
	net.Conn
	c *conn
}

func (n h2Conn) Read(p []byte) (int, error) {
	if n.c.br.Buffered() > 0 {
		return n.c.br.Read(p)
	}
	return n.Conn.Read(p)
}

// h2Handler runs the Handler for each stream of one connection.
type h2Handler struct {
	c  *conn
	up *h2Upgrade
}

// h2stream is one HTTP/2 stream: the Request and Response the Handler
// gets, and Go's side of the stream they read from and write to.
type h2stream struct {
	c       *conn
	rw      http.ResponseWriter
	rc      *http.ResponseController
	hr      *http.Request
	bodyPtr *[]byte
	aborted bool // reset the stream when the handler returns

	req     Request
	resp    Response
	body    Body
	header  table.Table
	trailer table.Table
}

var streamPool = sync.Pool{New: func() any { return new(h2stream) }}

func (h *h2Handler) ServeHTTP(rw http.ResponseWriter, hr *http.Request) {
	c := h.c
	st := streamPool.Get().(*h2stream)
	st.c, st.rw, st.hr = c, rw, hr
	st.rc = http.NewResponseController(rw)
	defer st.release()
	r, w := &st.req, &st.resp
	var up *h2Upgrade
	if h.up != nil && hr == h.up.req {
		up = h.up
	}
	herr := st.readRequest(up)
	w.reset(c, r)
	w.s = st
	if herr != nil {
		c.logf(herr.level, "%s", herr.logMsg)
		w.sendError(herr.status, ErrorDetails{Notes: herr.notes})
		if c.srv.OnProtocolError != nil {
			c.srv.OnProtocolError(w)
		}
	} else {
		c.runHandler(w, r)
		w.finish()
		st.drain()
	}
	if st.aborted {
		panic(http.ErrAbortHandler) // Go's server resets the stream
	}
}

// drain reads and discards what the handler left of the request body (up
// to drainLimit), as an HTTP/1 connection does: the response goes out
// first, and the stream then ends with the client's body rather than
// being reset while the client still sends it. That includes a body
// refused for LimitRequestBody: an HTTP/1 connection is closed then. A
// client waiting for "100 Continue" is not asked for its body.
func (st *h2stream) drain() {
	b := &st.body
	if b.eof || (b.err != nil && b.err != ErrBodyTooLarge) || st.aborted || st.resp.err != nil ||
		(!b.started && st.req.Header.Has("Expect")) {
		return
	}
	if st.resp.h2Flush() != nil {
		return
	}
	buf := st.bodyBuf()[:readBufSize]
	for total := 0; total <= drainLimit; {
		st.rc.SetReadDeadline(time.Now().Add(st.c.cfg.Timeout))
		n, err := st.hr.Body.Read(buf)
		total += n
		if err != nil {
			return
		}
	}
}

func (st *h2stream) release() {
	if st.bodyPtr != nil {
		*st.bodyPtr = (*st.bodyPtr)[:0]
		bodyPool.Put(st.bodyPtr)
	}
	st.header.Clear()
	st.trailer.Clear()
	*st = h2stream{header: st.header, trailer: st.trailer}
	streamPool.Put(st)
}

func (st *h2stream) bodyBuf() []byte {
	if st.bodyPtr == nil {
		st.bodyPtr = bodyPool.Get().(*[]byte)
	}
	return (*st.bodyPtr)[:0]
}

// readRequest makes the stream's Request from Go's, with Apache's checks
// and limits (mod_http2's h2_stream_add_header, h2_request's): a pseudo
// header longer than LimitRequestLine is 414, a field longer than
// LimitRequestFieldSize or more fields than LimitRequestFields 431.
func (st *h2stream) readRequest(up *h2Upgrade) *headError {
	c, hr, r := st.c, st.hr, &st.req
	cfg := c.cfg
	*r = Request{
		Method: hr.Method, RequestURI: hr.RequestURI, Proto: "HTTP/2.0", ProtoNum: 2000,
		Header: &st.header, Trailer: &st.trailer, Body: &st.body,
		RemoteAddr: c.remote, LocalAddr: c.local, ConnID: c.id, Received: time.Now(), TLS: c.tls,
	}
	r.TheRequest = r.Method + " " + r.RequestURI + " HTTP/2.0"
	st.body = Body{c: c, s: st, eof: true}
	if len(r.RequestURI) > cfg.LimitRequestLine || len(hr.Host) > cfg.LimitRequestLine {
		return &headError{status: 414, level: "info", logMsg: "AH10178: Request pseudo header exceeds LimitRequestFieldSize"}
	}
	hdr := r.Header
	if up != nil {
		for _, e := range up.header.Entries() {
			hdr.Add(e.Key, e.Value)
		}
	} else {
		// Go's server gives the fields as a map: they are taken in the
		// order of their names, and Host, made from :authority as
		// mod_http2 makes it, comes last.
		keys := make([]string, 0, len(hr.Header))
		for k := range hr.Header {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			vs := hr.Header[k]
			for _, v := range vs {
				if len(k)+2+len(v) > cfg.LimitRequestFieldSize {
					return &headError{status: 431, level: "info", notes: noteFieldSize,
						logMsg: "AH10180: Request header exceeds LimitRequestFieldSize: " + logEscape(k[:min(len(k), 80)])}
				}
			}
			if cfg.LimitRequestFields > 0 && hdr.Len()+len(vs) > cfg.LimitRequestFields {
				return &headError{status: 431, level: "info", notes: noteFieldsCount,
					logMsg: "AH10181: Number of request headers exceeds LimitRequestFields"}
			}
			// Repeated fields are merged as Apache merges them (Go has
			// joined cookies with "; " already).
			hdr.Add(k, strings.Join(vs, ", "))
		}
		if hr.Host != "" && !hdr.Has("Host") {
			hdr.Add("Host", hr.Host)
		}
	}
	// Only a process group's UNIX listener trusts Modpy-Relay, and it
	// speaks HTTP/1.1 only.
	hdr.Del(relay.Header)

	// What an HTTP/1 request line or head would be refused for, and Go's
	// server lets through: a method that is no token, Content-Length
	// given twice (merged, as Apache merges it, it is no number).
	for i := 0; i < len(r.Method); i++ {
		if !isTchar[r.Method[i]] {
			return &headError{status: 400, level: "debug", logMsg: "AH03445: HTTP Request Line; invalid method token: '" + logEscape(r.Method) + "'"}
		}
	}
	if v, ok := hdr.Get("Content-Length"); ok {
		if _, ok := parseContentLength(v); !ok {
			return &headError{status: 400, level: "debug", logMsg: "AH10242: client sent invalid Content-Length (" + logEscape(v) + ")"}
		}
	}
	t, ok := parseTarget(r.Method, r.RequestURI)
	if !ok {
		return &headError{status: 400, level: "debug", logMsg: "AH10388: bad request target " + logEscape(r.RequestURI)}
	}
	r.Scheme = t.scheme
	hostV, hasHost := hdr.Get("Host")
	if e := r.setHost(t, hostV, hasHost); e != nil {
		return e
	}
	if e := r.setPath(t); e != nil {
		return e
	}

	// The body, as mod_http2 shows it to HTTP/1 modules: without a
	// Content-Length it is chunked; a request that ended with its
	// headers and has a Content-Type says Content-Length 0.
	switch n := hr.ContentLength; {
	case n > 0:
		r.ContentLength = n
		st.body.kind, st.body.remaining, st.body.eof = bodyLength, n, false
	case n < 0:
		r.ContentLength, r.Chunked = -1, true
		hdr.Add("Transfer-Encoding", "chunked")
		st.body.kind, st.body.eof = bodyChunked, false
	default:
		if !hdr.Has("Content-Length") && hdr.Has("Content-Type") {
			hdr.Set("Content-Length", "0")
		}
	}
	return nil
}

// readH2 reads the stream's request body, each read waiting at most
// Timeout. At its end the trailers go to Request.Trailer.
func (b *Body) readH2(p []byte) (int, error) {
	s := b.s
	s.rc.SetReadDeadline(time.Now().Add(s.c.cfg.Timeout))
	n, err := s.hr.Body.Read(p)
	if b.kind == bodyLength {
		b.remaining -= int64(n)
	}
	if err == io.EOF {
		b.eof = true
		for k, vs := range s.hr.Trailer {
			for _, v := range vs {
				s.trailer.Add(k, v)
			}
		}
		if n > 0 {
			return n, nil
		}
		return 0, io.EOF
	}
	if err != nil {
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			err = io.ErrUnexpectedEOF // the client reset the stream or went away
		}
		return n, b.fail(err)
	}
	return n, nil
}

// hopByHop are the fields RFC 9113 section 8.2.2 forbids in HTTP/2
// (connection-specific); a response's are dropped.
var hopByHop = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade"}

// h2Head sends the response head on the stream, for sendHeaders, with
// Content-Length clen (-1: none): framing is HTTP/2's, so the response keeps only
// Content-Length (exact when the whole body is known), and no field of
// HTTP/1's connection.
func (w *Response) h2Head(final bool, clen int64) error {
	s, r, cfg := w.s, w.req, w.c.cfg
	status := w.status
	noBody := bodyless(status)
	w.declared = clen
	if w.discard {
		w.declared = -1
	}

	h := s.rw.Header()
	size := len("HTTP/2.0 200 \r\n\r\n") + len(StatusText(status))
	add := func(k, v string) {
		h[k] = append(h[k], v)
		size += len(k) + len(v) + 4
	}
	add("Date", dateValue(r.Received))
	if cfg.ServerHeader != "" {
		add("Server", cfg.ServerHeader)
	}
	hasCtype := false
	for _, e := range w.header.Entries() {
		k := e.Key
		switch {
		case strings.EqualFold(k, "Date"), strings.EqualFold(k, "Content-Length"),
			cfg.ServerHeader != "" && strings.EqualFold(k, "Server"):
			continue
		case status == 304 && !slices.ContainsFunc(notModifiedFields, func(f string) bool { return strings.EqualFold(f, k) }):
			continue
		case slices.ContainsFunc(hopByHop, func(f string) bool { return strings.EqualFold(f, k) }):
			continue
		case strings.EqualFold(k, "Content-Type"):
			if noBody || hasCtype {
				continue
			}
			hasCtype = true
		}
		add(k, e.Value)
	}
	if !hasCtype {
		h["Content-Type"] = nil // Go's server would guess one
	}
	if clen >= 0 {
		add("Content-Length", strconv.FormatInt(clen, 10))
	}
	s.rw.WriteHeader(status)
	w.bytesSent += int64(size)
	if w.discard {
		w.buf = w.buf[:0]
		if final {
			return nil
		}
		return w.h2Flush()
	}
	if len(w.buf) > 0 {
		err := w.sendBody(w.buf, nil)
		w.buf = w.buf[:0]
		return err
	}
	return nil
}

// h2Body writes body bytes to the stream, each write waiting at most
// Timeout (for the client's flow-control window, then the connection).
func (w *Response) h2Body(a, b []byte) error {
	s := w.s
	s.rc.SetWriteDeadline(time.Now().Add(w.c.cfg.Timeout))
	for _, p := range [2][]byte{a, b} {
		if len(p) == 0 {
			continue
		}
		n, err := s.rw.Write(p)
		w.sentBody += int64(n)
		w.bytesSent += int64(n)
		if err != nil {
			w.err = err
			return err
		}
	}
	return nil
}

func (w *Response) h2Flush() error {
	if err := w.s.rc.Flush(); err != nil {
		w.err = err
		return err
	}
	return nil
}

// h2Finish completes the stream's response: Go's server ends the stream
// when the handler returns. A body shorter than its Content-Length resets
// the stream, as such a response closes an HTTP/1 connection.
func (w *Response) h2Finish() {
	if !w.headersSent {
		w.sendHeaders(true)
	} else if w.err == nil {
		if len(w.buf) > 0 && !w.discard {
			w.sendBody(w.buf, nil)
		}
		if w.declared >= 0 && !w.discard && w.sentBody < w.declared {
			w.c.logf("info", "handler wrote %d bytes of its Content-Length of %d", w.sentBody, w.declared)
			w.s.aborted = true
		}
	}
	w.finished = true
	w.buf = w.buf[:0]
}

// SwitchToH2 switches the connection to HTTP/2 for an HTTP/1.1 request
// that asked for it with "Upgrade: h2c" (RFC 7540 section 3.2, as
// mod_http2 does it): it sends "101 Switching Protocols" and completes
// this response; once the handler has returned, the connection serves
// HTTP/2 with settings st, the request answered again as its stream 1
// (a new request to the Handler). Whether the request may switch is the
// caller's to say (Protocols, H2Upgrade, the Connection and Upgrade
// fields); SwitchToH2 reports false, doing nothing, when it cannot: the
// request is not HTTP/1.1 or has a body, its HTTP2-Settings field is
// missing or malformed, or the response has started.
func (w *Response) SwitchToH2(st *H2Settings) bool {
	r, c := w.req, w.c
	if w.s != nil || w.headersSent || w.finished || r.ProtoNum != 1001 || r.Chunked || r.ContentLength > 0 {
		return false
	}
	v, ok := r.Header.Get("HTTP2-Settings")
	if !ok {
		return false
	}
	frame, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(strings.TrimSpace(v), "="))
	if err != nil || len(frame)%6 != 0 {
		return false
	}
	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil && r.RequestURI != "*" {
		return false
	}
	if u == nil {
		u = &url.URL{Path: "*"}
	}
	up := &h2Upgrade{settings: st, frame: frame}
	hh := make(http.Header, r.Header.Len())
	for _, e := range r.Header.Entries() {
		if slices.ContainsFunc(hopByHop, func(f string) bool { return strings.EqualFold(f, e.Key) }) ||
			strings.EqualFold(e.Key, "HTTP2-Settings") {
			continue
		}
		up.header.Add(e.Key, e.Value)
		hh[http.CanonicalHeaderKey(e.Key)] = append(hh[http.CanonicalHeaderKey(e.Key)], e.Value)
	}
	hh.Del("Host")
	up.req = &http.Request{
		Method: r.Method, URL: u, RequestURI: r.RequestURI, Proto: "HTTP/2.0", ProtoMajor: 2,
		Header: hh, Host: r.Header.Value("Host"), Body: http.NoBody, RemoteAddr: c.remote.String(),
	}
	line := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"
	c.out = append(c.out, line...)
	w.status, w.headersSent, w.finished = 101, true, true
	w.bytesSent = int64(len(line))
	w.buf = w.buf[:0]
	c.upgrade = up
	return true
}
