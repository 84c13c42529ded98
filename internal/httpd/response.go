package httpd

import (
	"errors"
	"strings"

	"modpy/internal/relay"
	"modpy/internal/table"
)

// bodyBufSize is how much response body is buffered before the headers go
// out: a response that fits is sent with an exact Content-Length.
const bodyBufSize = 16 << 10

var (
	// ErrContentLength is returned by Response.Write for bytes beyond the
	// Content-Length the handler set.
	ErrContentLength = errors.New("httpd: wrote more than the declared Content-Length")
	// ErrResponseFinished is returned by Response.Write after the response
	// was completed, e.g. by an error page the server sent.
	ErrResponseFinished = errors.New("httpd: response already finished")
)

// Response writes the response to one request. Its body is buffered; the
// headers go out when the buffer fills, on Flush or Finish, or when the
// handler returns. It is reused with its Request, and is not safe for
// concurrent use.
type Response struct {
	c          *conn
	s          *h2stream // the HTTP/2 stream, or nil on an HTTP/1 connection
	req        *Request
	header     table.Table
	status     int
	statusLine string
	buf        []byte

	headersSent bool
	finished    bool
	discard     bool  // HEAD or a bodyless status: body bytes are dropped
	chunked     bool  // chunked transfer coding on the wire
	declared    int64 // Content-Length on the wire, -1 if none
	bodyBytes   int64 // written by the handler
	sentBody    int64 // body bytes put on the wire
	bytesSent   int64 // all bytes put on the wire, head included
	err         error
}

func (w *Response) reset(c *conn, r *Request) {
	w.c, w.req, w.s = c, r, nil
	w.header.Clear()
	w.status, w.statusLine = 200, ""
	w.buf = w.buf[:0]
	w.headersSent, w.finished, w.discard, w.chunked = false, false, false, false
	w.declared, w.bodyBytes, w.sentBody, w.bytesSent = -1, 0, 0, 0
	w.err = nil
}

// Header returns the response header fields, to change until the headers
// are sent. Date and Transfer-Encoding are the server's; Content-Length is
// replaced by the real length when the whole body fits the buffer.
func (w *Response) Header() *table.Table { return &w.header }

// SetStatus sets the status code (default 200). It has no effect once the
// headers are sent.
func (w *Response) SetStatus(code int) {
	if !w.headersSent {
		w.status = code
	}
}

// SetStatusLine sets the status line's text, such as "299 Custom Reason"
// (mod_python's req.status_line). It is used only when it starts with the
// status code and a space and holds no control character.
func (w *Response) SetStatusLine(line string) {
	if !w.headersSent {
		w.statusLine = line
	}
}

// Status returns the status code.
func (w *Response) Status() int { return w.status }

// HeadersSent reports whether the status line and headers have been sent.
func (w *Response) HeadersSent() bool { return w.headersSent }

// BodyBytes returns the body bytes the handler wrote (for %b).
func (w *Response) BodyBytes() int64 { return w.bodyBytes }

// BytesSent returns every byte sent for this response so far, headers
// included (for %O).
func (w *Response) BytesSent() int64 { return w.bytesSent }

// Fits reports whether n more body bytes would only be buffered: no
// headers or body would be sent, so Write would do no I/O.
func (w *Response) Fits(n int) bool {
	if w.headersSent || w.finished || w.err != nil {
		return false
	}
	if w.buf == nil {
		return n <= bodyBufSize
	}
	return len(w.buf)+n <= cap(w.buf)
}

// DiscardBody drops body bytes buffered but not yet sent, as Apache drops a
// handler's unflushed output when it answers with an error page instead. It
// reports whether it could: false once the headers have been sent.
func (w *Response) DiscardBody() bool {
	if w.headersSent {
		return false
	}
	w.buf = w.buf[:0]
	w.bodyBytes = 0
	return true
}

// Request returns the request this response answers.
func (w *Response) Request() *Request { return w.req }

// Write buffers p as response body. When the buffer fills the headers are
// sent: chunked for HTTP/1.1 unless the handler set Content-Length, for
// HTTP/1.0 delimited by closing the connection. Writing more than a
// handler-set Content-Length fails with ErrContentLength.
func (w *Response) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.finished {
		return 0, ErrResponseFinished
	}
	if !w.headersSent {
		if w.buf == nil {
			w.buf = w.bodyBuf()
		}
		if len(w.buf)+len(p) <= cap(w.buf) {
			w.buf = append(w.buf, p...)
			w.bodyBytes += int64(len(p))
			return len(p), nil
		}
		if err := w.sendHeaders(false); err != nil {
			return 0, err
		}
		if w.finished {
			return 0, ErrResponseFinished
		}
	}
	return w.writeBody(p)
}

// WriteRaw puts p on the wire as it is, with no head and no framing: the
// whole response is the caller's (a CGI nph- script's). The first call
// counts as sending the headers, so nothing of the server's goes out, and
// the connection closes after the response (its end is the connection's).
// It fails once Write buffered body bytes or sent the headers.
func (w *Response) WriteRaw(p []byte) (int, error) {
	switch {
	case w.s != nil:
		return 0, errors.New("httpd: raw write on an HTTP/2 stream")
	case w.err != nil:
		return 0, w.err
	case w.finished:
		return 0, ErrResponseFinished
	case !w.headersSent && len(w.buf) > 0:
		return 0, errors.New("httpd: raw write after buffered body")
	case !w.headersSent:
		w.headersSent, w.chunked, w.declared = true, false, -1
		w.c.closeAfter = true
	case w.chunked || w.declared >= 0:
		return 0, errors.New("httpd: raw write after the headers went out")
	}
	if len(p) == 0 {
		return 0, nil
	}
	err := w.c.writev(p)
	w.bodyBytes += int64(len(p))
	w.bytesSent += int64(len(p))
	if err != nil {
		w.err = err
		return 0, err
	}
	return len(p), nil
}

// WriteString is Write for a string.
func (w *Response) WriteString(s string) (int, error) {
	if !w.headersSent && w.err == nil && !w.finished && w.buf != nil && len(w.buf)+len(s) <= cap(w.buf) {
		w.buf = append(w.buf, s...)
		w.bodyBytes += int64(len(s))
		return len(s), nil
	}
	return w.Write([]byte(s))
}

// writeBody writes p after the headers were sent.
func (w *Response) writeBody(p []byte) (int, error) {
	var over bool
	if w.declared >= 0 && !w.discard {
		room := w.declared - w.sentBody - int64(len(w.buf))
		if int64(len(p)) > room {
			p, over = p[:max(room, 0)], true
		}
	}
	if w.discard {
		w.bodyBytes += int64(len(p))
		return len(p), nil
	}
	if w.buf == nil {
		w.buf = w.bodyBuf()
	}
	written := 0
	for len(p) > 0 {
		if len(w.buf)+len(p) <= cap(w.buf) {
			w.buf = append(w.buf, p...)
			written += len(p)
			w.bodyBytes += int64(len(p))
			break
		}
		// Each write gets its own Timeout: big writes go out in pieces.
		n := min(len(p), maxWrite)
		if err := w.sendBody(w.buf, p[:n]); err != nil {
			return written, err
		}
		w.buf = w.buf[:0]
		p = p[n:]
		written += n
		w.bodyBytes += int64(n)
	}
	if over {
		w.closeConn()
		w.c.logf("error", "handler wrote more than its Content-Length of %d", w.declared)
		return written, ErrContentLength
	}
	return written, nil
}

// maxWrite is the most body data put in one write.
const maxWrite = 256 << 10

// sendBody puts a and b on the wire as body data, with the pending output
// before them, in one writev.
func (w *Response) sendBody(a, b []byte) error {
	n := len(a) + len(b)
	if n == 0 {
		return nil
	}
	if w.s != nil {
		return w.h2Body(a, b)
	}
	c := w.c
	var err error
	if w.chunked {
		before := len(c.out)
		c.out = appendHex(c.out, n)
		c.out = append(c.out, '\r', '\n')
		w.bytesSent += int64(len(c.out) - before + n + 2)
		err = c.writev(a, b, crlf)
	} else {
		w.bytesSent += int64(n)
		err = c.writev(a, b)
	}
	w.sentBody += int64(n)
	if err != nil {
		w.err = err
	}
	return err
}

var crlf = []byte("\r\n")

// Flush sends the headers if they have not been sent, then any buffered
// body.
func (w *Response) Flush() error {
	if w.err != nil {
		return w.err
	}
	if w.finished {
		return nil
	}
	if !w.headersSent {
		if err := w.sendHeaders(false); err != nil {
			return err
		}
		if w.finished {
			return nil
		}
	}
	if len(w.buf) > 0 && !w.discard {
		if err := w.sendBody(w.buf, nil); err != nil {
			return err
		}
		w.buf = w.buf[:0]
		if w.s != nil {
			return w.h2Flush() // the stream buffers what it is given
		}
		return nil
	}
	return w.flushOut()
}

// Finish completes the response now, as Apache does before its log phase:
// it sends the headers and any buffered body and ends chunked coding.
// Writes after it fail with ErrResponseFinished; the handler may go on
// (logging with BytesSent, running cleanups) after it.
func (w *Response) Finish() error {
	if w.finished {
		return w.err
	}
	w.finish()
	if w.err == nil {
		w.flushOut()
	}
	return w.err
}

// finish completes the response when the handler has returned.
func (w *Response) finish() {
	if w.finished {
		return
	}
	if w.s != nil {
		w.h2Finish()
		return
	}
	c := w.c
	if !w.headersSent {
		w.sendHeaders(true)
	} else if w.err == nil {
		if len(w.buf) > 0 && !w.discard {
			w.sendBody(w.buf, nil)
		}
		if w.chunked && w.err == nil {
			c.out = append(c.out, "0\r\n\r\n"...)
			w.bytesSent += 5
		}
		if w.declared >= 0 && !w.discard && w.sentBody < w.declared {
			c.logf("info", "handler wrote %d bytes of its Content-Length of %d", w.sentBody, w.declared)
			c.closeAfter = true
		}
	}
	w.finished = true
	w.buf = w.buf[:0]
	if w.err != nil {
		c.closeAfter = true
		return
	}
	// Output may wait for the next pipelined request's response, as
	// Apache delays the flush; the connection's reader flushes before it
	// blocks.
	if c.closeAfter || c.br.Buffered() == 0 || len(c.out) > outFlushSize {
		if err := c.flush(); err != nil {
			w.err = err
			c.closeAfter = true
		}
	}
}

// outFlushSize is the most output held back for pipelined responses.
const outFlushSize = 16 << 10

// Abort ends a response whose headers went out as incomplete, as Apache
// does for a handler that fails midway through its body: what was written
// is sent, but not the end of a chunked body, and the connection closes,
// so the client can tell the response was cut short. It does nothing
// before the headers are sent (an error page can still answer) or once the
// response is finished.
func (w *Response) Abort() {
	if !w.headersSent || w.finished {
		return
	}
	if len(w.buf) > 0 && !w.discard && w.err == nil {
		w.sendBody(w.buf, nil)
	}
	w.buf = w.buf[:0]
	w.finished = true
	w.closeConn()
	if w.err == nil {
		w.flushOut()
	}
}

// abort ends a response that cannot be completed (the handler panicked
// after the headers went out): what is sent stays, nothing more goes out
// and the connection closes.
func (w *Response) abort() {
	w.finished = true
	w.buf = w.buf[:0]
	if w.s != nil {
		w.s.aborted = true
		return
	}
	w.c.closeAfter = true
	w.c.out = w.c.out[:0]
}

// closeConn ends what carries the response once it is out: the HTTP/1
// connection is closed, the HTTP/2 stream reset.
func (w *Response) closeConn() {
	if w.s != nil {
		w.s.aborted = true
		return
	}
	w.c.closeAfter = true
}

// bodyBuf returns an empty body buffer of the connection's, or the
// stream's.
func (w *Response) bodyBuf() []byte {
	if w.s != nil {
		return w.s.bodyBuf()
	}
	return w.c.bodyBuf()
}

// sendError replaces the response with Apache's error page for status,
// unless the headers are already out. The connection is closed afterwards
// when closeConn is set or Apache's rules say so.
func (w *Response) sendError(status int, d ErrorDetails) {
	if w.headersSent {
		w.abort()
		return
	}
	w.header.Clear()
	w.status, w.statusLine = status, ""
	w.buf = w.buf[:0]
	w.bodyBytes = 0
	w.header.Set("Content-Type", ErrorContentType)
	if !w.req.isHead() {
		if d.Method == "" {
			d.Method = w.req.Method
		}
		if d.Signature == "" {
			d.Signature = w.c.cfg.Signature
		}
		if w.buf == nil {
			w.buf = w.bodyBuf()
		}
		page := ErrorPage(status, d)
		if len(page) > cap(w.buf) {
			page = page[:cap(w.buf)]
		}
		w.buf = append(w.buf, page...)
		w.bodyBytes = int64(len(page))
	}
	w.finish()
}

// keepAliveAllowed reports whether a response with status may keep the
// connection open, as far as the configuration, the client and the
// response's own Connection header go (ap_set_keepalive's tests after the
// body's framing).
func (w *Response) keepAliveAllowed(status int) bool {
	c, r := w.c, w.req
	reqConn := c.hp.connHdr
	respConn, hasRespConn := w.header.Get("Connection")
	cfg := c.cfg
	return cfg.KeepAlive &&
		(cfg.MaxKeepAliveRequests == 0 || cfg.MaxKeepAliveRequests-c.keepalives > 0) &&
		!dropsConnection(status) && !(hasRespConn && hasToken(respConn, "close")) &&
		!hasToken(reqConn, "close") &&
		(hasToken(reqConn, "keep-alive") || r.ProtoNum >= 1001) &&
		!c.srv.shuttingDown()
}

// Apache's keep-alive states of a connection (ap_conn_keepalive_e), the
// numbers mod_python's connection.keepalive shows.
const (
	ConnClose     = 1 // AP_CONN_CLOSE: the connection closes after this response
	ConnKeepAlive = 2 // AP_CONN_KEEPALIVE: it stays open for another request
)

// KeepAlive is Apache's c->keepalive and c->keepalives for this response:
// whether the connection stays open after it (ConnKeepAlive or ConnClose)
// and how many of the connection's responses, this one included if so,
// kept it open. Once the headers are out it is the decision they carry;
// before, the decision they would get now, assuming the body's length can
// be told (Apache says AP_CONN_UNKNOWN, 0, until then; modpy may hold a
// flushed response back, so its answer before the headers is the
// prediction).
func (w *Response) KeepAlive() (state, keepalives int) {
	if w.s != nil {
		// What mod_http2 shows of a stream's own connection.
		return ConnClose, 1
	}
	if in := w.req.Relay; in != nil {
		v, ok := w.header.Get("Connection")
		return relayedKeepAlive(in, w.status, ok && hasToken(v, "close"))
	}
	c, body := w.c, &w.c.body
	keep := !c.closeAfter
	if !w.headersSent {
		keep = keep && w.req.ProtoNum != 9 &&
			!(body.expect100 && !body.sent100 && body.pending()) &&
			!(body.kind == bodyLength && body.remaining > drainLimit) &&
			w.keepAliveAllowed(w.status)
	}
	if keep {
		return ConnKeepAlive, c.keepalives + 1
	}
	return ConnClose, c.keepalives
}

// relayedKeepAlive is KeepAlive for a request a worker relayed to this
// group process: the client's connection, not the worker's pooled one to
// the group. in says what the worker knew of it before the answer; the
// answer's status and the handler's own "Connection: close" (closes)
// decide the rest, as the worker's httpd decides it when it sends the
// answer on.
func relayedKeepAlive(in *relay.Info, status int, closes bool) (state, keepalives int) {
	if strings.HasPrefix(in.Proto, "HTTP/2") {
		return ConnClose, 1 // as a stream's, above
	}
	if in.KeepOpen && !closes && !dropsConnection(status) {
		return ConnKeepAlive, in.KeepAlives + 1
	}
	return ConnClose, in.KeepAlives
}

// sendHeaders writes the status line and headers to the connection's
// output. final means the handler has returned and w.buf is the whole body,
// which is then sent with the headers.
func (w *Response) sendHeaders(final bool) error {
	c, r := w.c, w.req
	if w.headersSent {
		return nil
	}
	if w.status < 100 || w.status > 999 {
		c.logf("error", "handler set invalid status %d", w.status)
		w.status = 500
	}
	if bad := badHeader(&w.header); bad != "" {
		c.logf("error", "%s, aborting request", bad)
		w.sendError(500, ErrorDetails{})
		return nil
	}
	w.headersSent = true
	status := w.status
	noBody := bodyless(status)
	head := r.isHead()
	w.discard = noBody || head

	// Framing, as Apache's content-length filter and ap_set_keepalive
	// decide it.
	clen := w.framedLength(final)
	if w.s != nil {
		return w.h2Head(final, clen)
	}
	body := &c.body
	if body.expect100 && !body.sent100 && body.pending() {
		c.closeAfter = true // the client still waits for 100 Continue
	}
	if body.kind == bodyLength && body.remaining > drainLimit {
		c.closeAfter = true // too much unread body to drain
	}
	kaSent := hasToken(c.hp.connHdr, "keep-alive")
	respConn, hasRespConn := w.header.Get("Connection")
	wimpy := hasRespConn && hasToken(respConn, "close")
	cfg := c.cfg
	left := cfg.MaxKeepAliveRequests - c.keepalives
	w.chunked = false
	keep := !c.closeAfter && r.ProtoNum != 9 &&
		(noBody || head || clen >= 0 || (r.ProtoNum >= 1001 && w.setChunked())) &&
		w.keepAliveAllowed(status)
	if !keep {
		c.closeAfter = true
	}
	if !final && !w.discard && clen < 0 && !w.chunked {
		c.closeAfter = true // delimited by closing the connection
	}
	w.declared = clen
	if w.discard {
		w.declared = -1
	}

	if r.ProtoNum == 9 {
		// HTTP/0.9: the body alone.
		return w.afterHead(final)
	}

	// Head.
	out := c.out
	start := len(out)
	if w.statusLine != "" && len(w.statusLine) > 4 && w.statusLine[3] == ' ' && w.statusLine[:3] == itoa(status) &&
		fieldContent(w.statusLine) {
		out = append(out, "HTTP/1.1 "...)
		out = append(out, w.statusLine...)
		out = append(out, '\r', '\n')
	} else {
		out = append(out, statusLine(status)...)
	}
	out = append(out, dateLine(r.Received)...)
	if cfg.ServerHeader != "" {
		out = appendField(out, "Server", cfg.ServerHeader)
	}

	var connVal, kaVal string
	if keep {
		if kaSent {
			kaVal = "timeout=" + itoa(int(cfg.KeepAliveTimeout.Seconds()))
			if cfg.MaxKeepAliveRequests > 0 {
				kaVal += ", max=" + itoa(left)
			}
			connVal = "Keep-Alive"
		}
	} else if !wimpy {
		connVal = "close"
	}
	if hasRespConn && connVal != "" {
		connVal = respConn + ", " + connVal
	}

	if status == 304 {
		out = w.append304(out, connVal, kaVal)
	} else {
		var ctype string
		var hasCtype, clDone, connDone, kaDone bool
		for _, e := range w.header.Entries() {
			k := e.Key
			switch len(k) {
			case 4:
				if strings.EqualFold(k, "Date") {
					continue
				}
			case 6:
				if cfg.ServerHeader != "" && strings.EqualFold(k, "Server") {
					continue
				}
			case 10:
				if strings.EqualFold(k, "Keep-Alive") {
					if kaVal != "" && !kaDone {
						out, kaDone = appendField(out, k, kaVal), true
					}
					if kaVal != "" {
						continue
					}
				}
				if strings.EqualFold(k, "Connection") {
					if !connDone && connVal != "" {
						out, connDone = appendField(out, k, connVal), true
						continue
					}
					if connVal != "" {
						continue
					}
				}
			case 12:
				if strings.EqualFold(k, "Content-Type") {
					if !hasCtype && !noBody {
						ctype, hasCtype = e.Value, true
					}
					continue
				}
			case 14:
				if strings.EqualFold(k, "Content-Length") {
					if !clDone && clen >= 0 {
						out = append(out, k...)
						out = append(out, ':', ' ')
						out = appendInt(out, clen)
						out = append(out, '\r', '\n')
						clDone = true
					}
					continue
				}
			case 17:
				if strings.EqualFold(k, "Transfer-Encoding") {
					continue
				}
			}
			out = appendField(out, k, e.Value)
		}
		if clen >= 0 && !clDone {
			out = append(out, "Content-Length: "...)
			out = appendInt(out, clen)
			out = append(out, '\r', '\n')
		}
		if kaVal != "" && !kaDone {
			out = appendField(out, "Keep-Alive", kaVal)
		}
		if connVal != "" && !connDone {
			out = appendField(out, "Connection", connVal)
		}
		if wimpy && r.Relay != nil {
			// The handler closes its connection: the client's, which
			// the worker that relayed the request holds.
			out = appendField(out, relay.Header, "close")
		}
		if w.chunked {
			out = append(out, "Transfer-Encoding: chunked\r\n"...)
		}
		if hasCtype {
			out = appendField(out, "Content-Type", ctype)
		}
	}
	out = append(out, '\r', '\n')
	w.bytesSent += int64(len(out) - start)
	c.out = out
	return w.afterHead(final)
}

// framedLength is the Content-Length the response goes out with (-1:
// none), as Apache's content-length filter decides it: the handler's,
// unless the handler has returned and its whole body is known.
func (w *Response) framedLength(final bool) int64 {
	hcl, hasCL := w.header.Get("Content-Length")
	clen := int64(-1)
	if hasCL {
		if n, ok := parseContentLength(strings.TrimSpace(hcl)); ok {
			clen = n
		} else {
			w.c.logf("error", "handler set invalid Content-Length %q, ignored", hcl)
			hasCL = false
		}
	}
	head := w.req.isHead()
	switch {
	case bodyless(w.status):
		clen = -1
	case final:
		if !(head && w.bodyBytes == 0 && hasCL) {
			clen = int64(len(w.buf))
		}
		if head && clen == 0 {
			clen = -1 // Apache drops "Content-Length: 0" from HEAD responses
		}
	}
	return clen
}

// setChunked chooses chunked coding; it is a step in the keep-alive
// condition, as the side effect "r->chunked = 1" is in ap_set_keepalive.
func (w *Response) setChunked() bool {
	w.chunked = true
	return true
}

// afterHead sends the buffered body after the head. For a final response
// a small body is copied behind the head for one write, a large one goes
// out with it in one writev.
func (w *Response) afterHead(final bool) error {
	c := w.c
	if w.discard {
		w.buf = w.buf[:0]
		if final {
			return nil
		}
		return w.flushOut()
	}
	if final {
		if len(w.buf) <= smallBody {
			c.out = append(c.out, w.buf...)
			w.sentBody += int64(len(w.buf))
			w.bytesSent += int64(len(w.buf))
			w.buf = w.buf[:0]
			return nil // finish flushes
		}
		err := c.writev(w.buf, nil)
		w.sentBody += int64(len(w.buf))
		w.bytesSent += int64(len(w.buf))
		w.buf = w.buf[:0]
		if err != nil {
			w.err = err
		}
		return err
	}
	// Streaming: the buffered body goes out now with the head; with no
	// body yet, the head waits in the output for the first chunk (Flush
	// sends it at once).
	if len(w.buf) > 0 {
		err := w.sendBody(w.buf, nil)
		w.buf = w.buf[:0]
		return err
	}
	return nil
}

func (w *Response) flushOut() error {
	if w.s != nil {
		return w.h2Flush()
	}
	if err := w.c.flush(); err != nil {
		w.err = err
		return err
	}
	return nil
}

// smallBody is the largest body copied behind the head rather than sent
// with writev.
const smallBody = 4 << 10

// notModifiedFields are the fields Apache sends with a 304, in its order.
var notModifiedFields = []string{
	"Connection", "Keep-Alive", "ETag", "Content-Location", "Expires", "Cache-Control",
	"Vary", "Warning", "WWW-Authenticate", "Proxy-Authenticate", "Set-Cookie", "Set-Cookie2",
}

func (w *Response) append304(out []byte, connVal, kaVal string) []byte {
	for _, name := range notModifiedFields {
		switch name {
		case "Connection":
			if connVal != "" {
				out = appendField(out, name, connVal)
				continue
			}
		case "Keep-Alive":
			if kaVal != "" {
				out = appendField(out, name, kaVal)
				continue
			}
		}
		for _, e := range w.header.Entries() {
			if strings.EqualFold(e.Key, name) {
				out = appendField(out, e.Key, e.Value)
			}
		}
	}
	return out
}

func appendField(out []byte, k, v string) []byte {
	out = append(out, k...)
	out = append(out, ':', ' ')
	out = append(out, v...)
	return append(out, '\r', '\n')
}

func appendHex(b []byte, n int) []byte {
	const hex = "0123456789abcdef"
	var tmp [16]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = hex[n&15]
		n >>= 4
		if n == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}

// fieldContent reports whether s has no control character (a status
// line's reason phrase with one, a bare CR say, would end the line early
// for some clients and proxies).
func fieldContent(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isContent[s[i]] {
			return false
		}
	}
	return true
}

// badHeader is Apache's check_headers: it names the first field whose name
// is not a token or whose value holds control characters, or returns "".
func badHeader(t *table.Table) string {
	for _, e := range t.Entries() {
		k, v := e.Key, e.Value
		if k == "" {
			return "AH02428: Empty response header name"
		}
		for i := 0; i < len(k); i++ {
			if !isTchar[k[i]] {
				return "AH02429: Response header name '" + logEscape(k) + "' contains invalid characters"
			}
		}
		if !fieldContent(v) {
			return "AH02430: Response header '" + logEscape(k) + "' value of '" + logEscape(v) + "' contains invalid characters"
		}
	}
	return ""
}
