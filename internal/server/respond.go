package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"modpy/internal/config"
	"modpy/internal/httpd"
	"modpy/internal/python"
	"modpy/internal/table"
)

// responseIO is request.IO for one request: the body reader and the
// response writer, sending the request's status and headers_out with the
// first bytes.
//
// A flush whose data fits in the response buffer is postponed until the
// handler returns or flushDelay has passed since it was asked for,
// whichever comes first: a handler's output then usually goes out in one
// piece with a Content-Length (mod_python flushes every req.write by
// default, which would cost a system call, a GIL release and chunked
// framing on the Python thread), while a handler that goes on running
// still has its bytes leave within flushDelay, written by the timer's
// goroutine rather than its Python thread. mu serialises the timer's flush
// with the handler's writes.
type responseIO struct {
	rs      *rstate
	synced  bool
	bodyErr error
	// frozen: a flush was asked for, so the status and headers are the
	// ones the response has from then on, as if it had gone out (in
	// mod_python it has): later changes to headers_out do not reach the
	// client, whether or not the flush was postponed.
	frozen bool

	mu      sync.Mutex
	pending bool // a postponed flush: timer is armed
	timer   *time.Timer
	closed  bool // the handler is done: the timer must not write
	sent    atomic.Bool
	// ka is the response's KeepAlive as of the last write that went out
	// (state<<32 | keepalives; 0 before any), for KeepAlive to read while
	// a timer flush holds mu.
	ka atomic.Int64
}

// flushDelay bounds how long a flush may be postponed.
const flushDelay = 2 * time.Millisecond

// sync copies status, content type and headers_out + err_headers_out to the
// response, if the headers have not gone yet. It runs before every write, so
// changes a handler makes before its first flush are kept.
func (o *responseIO) sync() {
	if o.rs.w.HeadersSent() || o.frozen {
		return
	}
	o.syncHeaders()
}

// syncHeaders is sync even after a flush froze the headers, while they
// have not gone out: a filter that decides, when the first bytes reach
// it, to change the headers (DEFLATE) has them synced again. o.mu must
// be held.
func (o *responseIO) syncHeaders() {
	rs := o.rs
	w, req := rs.w, rs.req
	if w.HeadersSent() {
		return
	}
	w.SetStatus(req.Status)
	w.SetStatusLine(req.StatusLine)
	h := w.Header()
	h.Clear()
	ho, eo, ct := req.HeadersOut, req.ErrHeadersOut, req.ContentType
	if rs.changesHeaders() {
		ho, eo, ct = rs.outputHeaders()
	}
	for _, e := range ho.Entries() {
		h.Add(e.Key, e.Value)
	}
	for _, e := range eo.Entries() {
		h.Add(e.Key, e.Value)
	}
	if ct != "" && !h.Has("Content-Type") {
		h.Set("Content-Type", rs.contentType(ct))
	}
	rs.noKeepAlive(h)
	rs.fixupVary(h)
	if len(o.rs.filters) > 0 {
		h.Del("Content-Length") // a filter may change the length
	}
	if o.rs.incl != nil {
		o.rs.incl.fixHeaders(h)
	}
	o.synced = true
}

// changesHeaders reports whether modules change the response's headers
// as they go out: mod_expires, the DEFLATE filter, mod_headers' Header.
func (rs *rstate) changesHeaders() bool {
	dc := rs.filterConfig()
	return len(dc.Header)+len(dc.HeaderAlways) > 0 || (rs.deflate != nil && rs.deflate.state >= deflateVary) || rs.expiresOn()
}

// outputHeaders are the response's headers as the modules leave them on
// the normal output path, in Apache's filter order: mod_expires
// (AP_FTYPE_CONTENT_SET-2), DEFLATE, then mod_headers (both
// AP_FTYPE_CONTENT_SET, mod_headers inserted last). They work on copies of
// headers_out and err_headers_out, made for each sync, so that what a
// handler changes before the headers go out is seen, and each change is
// made once. ct is the content type the response carries.
func (rs *rstate) outputHeaders() (ho, eo *table.Table, ct string) {
	req, dc := rs.req, rs.filterConfig()
	ho, eo, ct = req.HeadersOut.Clone(), req.ErrHeadersOut.Clone(), req.ContentType
	if rs.expiresOn() {
		rs.expiresHeaders(ho, eo, ct, req.Status)
	}
	if rs.deflate != nil {
		rs.deflate.fixHeaders(ho, eo)
	}
	rs.applyHeaderOps(eo, ho, eo, dc.HeaderAlways, false, &ct)
	rs.applyHeaderOps(ho, ho, eo, dc.Header, false, &ct)
	return ho, eo, ct
}

// errorHeaders are the modules' changes to a response the server makes
// itself (h: err_headers_out and what the server added; ct its content
// type), as Apache's error filters make them: mod_expires, then
// mod_headers' "always" lines alone. Those act, as after Apache's
// ap_send_error_response swapped the tables, on a fresh err_headers_out
// whose fields go out first; for 204 and 304, which Apache sends without
// the swap, on err_headers_out itself.
func (rs *rstate) errorHeaders(h *table.Table, st int, ct string) {
	rs.noKeepAlive(h)
	defer rs.fixupVary(h)
	dc := rs.filterConfig()
	if rs.expiresOn() {
		rs.expiresHeaders(h, &table.Table{}, ct, st)
	}
	if len(dc.HeaderAlways) == 0 {
		return
	}
	if st == 204 || st == 304 {
		rs.applyHeaderOps(h, h, h, dc.HeaderAlways, false, nil)
		return
	}
	e := table.New(len(dc.HeaderAlways))
	rs.applyHeaderOps(e, h, e, dc.HeaderAlways, false, nil)
	if e.Len() > 0 {
		rest := h.Clone()
		h.Clear()
		for _, f := range [2]*table.Table{e, rest} {
			for _, x := range f.Entries() {
				h.Add(x.Key, x.Value)
			}
		}
	}
}

// noKeepAlive closes the connection after a response to a request with
// nokeepalive in its environment (BrowserMatch ... nokeepalive), as
// Apache's ap_set_keepalive does.
func (rs *rstate) noKeepAlive(h *table.Table) {
	if env := rs.req.SubprocessEnv; env.Len() > 0 && env.Has("nokeepalive") {
		h.Set("Connection", "close")
	}
}

// fixupVary is Apache's: the Vary fields become one, each token once,
// joined by ","; with force-no-vary in the environment, none.
func (rs *rstate) fixupVary(h *table.Table) {
	if !h.Has("Vary") {
		return
	}
	if env := rs.req.SubprocessEnv; env.Len() > 0 && env.Has("force-no-vary") {
		h.Del("Vary")
		return
	}
	var toks []string
	for _, v := range h.Values("Vary") {
		for _, t := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			if !slices.ContainsFunc(toks, func(x string) bool { return strings.EqualFold(x, t) }) {
				toks = append(toks, t)
			}
		}
	}
	if len(toks) > 0 {
		h.Set("Vary", strings.Join(toks, ","))
	}
}

// Read reads the request body. A postponed flush goes out first, on this
// goroutine: reading the body flushes the connection's held-back output
// too, which the timer's flush must not be writing meanwhile.
func (o *responseIO) Read(p []byte) (int, error) {
	o.mu.Lock()
	if o.pending && !o.closed {
		o.pending = false
		o.timer.Stop()
		o.sync()
		o.rs.out.Flush()
		o.noteSent()
	}
	o.mu.Unlock()
	n, err := o.rs.body().Read(p)
	if err != nil && err != io.EOF {
		o.bodyErr = err
		if errors.Is(err, httpd.ErrBodyTooLarge) {
			err = python.ErrBodyTooLarge
		}
	}
	return n, err
}

func (o *responseIO) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	defer o.noteSent()
	o.sync()
	if o.rs.req.HeaderOnly {
		return o.rs.headBody(p)
	}
	return o.rs.out.Write(p)
}

func (o *responseIO) Flush() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	defer o.noteSent()
	o.pending = false
	o.sync()
	o.frozen = true
	return o.rs.out.Flush()
}

// TryWrite implements request.IO: a write that only fills the buffer, its
// flush (if asked for) postponed by at most flushDelay (see responseIO). It
// never blocks: a timer flush in progress makes it decline.
func (o *responseIO) TryWrite(p []byte, flush bool) bool {
	if !o.mu.TryLock() {
		return false
	}
	defer o.mu.Unlock()
	if o.closed || !o.rs.w.Fits(len(p)) || (flush && len(o.rs.filters) > 0) || o.rs.incl != nil {
		// (Python filters run on the handler's thread, never from
		// the timer: see filters.go; the INCLUDES filter runs
		// subrequests and Python, without the GIL held.)
		return false
	}
	o.sync()
	if len(p) > 0 {
		var err error
		if o.rs.req.HeaderOnly {
			_, err = o.rs.headBody(p)
		} else {
			_, err = o.rs.out.Write(p)
		}
		if err != nil {
			return false
		}
	}
	if flush {
		o.frozen = true
	}
	if flush && !o.pending {
		// The first flush since the last one that went out arms the
		// timer; later ones ride on it.
		o.pending = true
		if o.timer == nil {
			o.timer = time.AfterFunc(flushDelay, o.timedFlush)
		} else {
			o.timer.Reset(flushDelay)
		}
	}
	return true
}

// unfreeze lets headers_out reach the response again while the headers
// have not gone out (an internal redirect starts the response afresh).
func (o *responseIO) unfreeze() {
	o.mu.Lock()
	o.frozen = false
	o.mu.Unlock()
}

// noteSent records whether the headers went out, for HeadersSent to read
// without the lock, and the keep-alive state. o.mu must be held.
func (o *responseIO) noteSent() {
	o.sent.Store(o.rs.w.HeadersSent())
	st, n := o.rs.w.KeepAlive()
	o.ka.Store(int64(st)<<32 | int64(n))
}

// KeepAlive implements request.IO. While a timer flush holds the lock (it
// may be waiting for a slow client, and the caller holds the GIL), it is
// the state that flush records, once a write has gone out.
func (o *responseIO) KeepAlive() (state, keepalives int) {
	if !o.mu.TryLock() {
		if ka := o.ka.Load(); ka != 0 {
			return int(ka >> 32), int(uint32(ka))
		}
		o.mu.Lock()
	}
	defer o.mu.Unlock()
	return o.rs.w.KeepAlive()
}

func (o *responseIO) timedFlush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.pending && !o.closed {
		o.pending = false
		o.sync()
		o.rs.out.Flush()
		o.noteSent()
	}
}

// close ends the handler's use of the response: a postponed flush is
// dropped, the response being finished now anyway.
func (o *responseIO) close() {
	o.mu.Lock()
	o.closed = true
	o.pending = false
	if o.timer != nil {
		o.timer.Stop()
	}
	o.mu.Unlock()
}

// abort ends the handler's use of the response after it failed: a
// response whose headers went out is cut short (httpd.Response.Abort) and
// abort reports true; otherwise nothing went out, a postponed flush is
// dropped, and the server can still answer with an error page.
func (o *responseIO) abort() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	o.pending = false
	if o.timer != nil {
		o.timer.Stop()
	}
	if !o.rs.w.HeadersSent() {
		return false
	}
	o.rs.w.Abort()
	return true
}

// HeadersSent implements request.IO. It takes no lock: a handler asks while
// a timer flush may hold it.
func (o *responseIO) HeadersSent() bool { return o.sent.Load() }

// BodyBytes is request.IO's: the body bytes the response took so far.
func (o *responseIO) BodyBytes() int64 { return o.rs.w.BodyBytes() }

// finish turns the phases' result into the response.
func (rs *rstate) finish(st int) {
	switch {
	case st == resOK || st == resDone:
		if !rs.w.HeadersSent() {
			rs.io.sync()
		}
		return
	case st == resDeclined:
		st = 500
	case st < 100 || st > 999:
		rs.logError(levelError, "handler returned invalid result code %d", st)
		st = 500
	}
	// An error page replaces output the handler buffered but did not
	// flush, as Apache's does; once headers went out it is too late.
	if !rs.w.DiscardBody() {
		return
	}
	rs.errorResponse(st)
}

// errorResponse answers with status st: ErrorDocument if configured, else
// Apache's page. Only err_headers_out survive (plus Location on redirects).
func (rs *rstate) errorResponse(st int) {
	req := rs.req
	loc := req.HeadersOut.Value("Location")
	if doc, ok := rs.errorDocument(st); ok {
		if rs.serveErrorDocument(st, doc) {
			return
		}
	}
	w := rs.w
	w.SetStatus(st)
	h := w.Header()
	h.Clear()
	for _, e := range req.ErrHeadersOut.Entries() {
		h.Add(e.Key, e.Value)
	}
	req.Status = st
	if st >= 300 && st < 400 && loc != "" {
		h.Set("Location", loc)
	}
	if allow, ok := req.HeadersOut.Get("Allow"); ok && (st == 405 || st == 501) {
		h.Set("Allow", allow) // as Apache's make_allow for these two
	}
	if st == 304 || st == 204 || (st >= 100 && st < 200) {
		rs.errorHeaders(h, st, req.ContentType)
		return
	}
	h.Set("Content-Type", "text/html; charset=iso-8859-1")
	req.ContentType = "text/html; charset=iso-8859-1"
	rs.errorHeaders(h, st, req.ContentType)
	if req.HeaderOnly {
		return
	}
	w.Write(rs.errorPage(st, loc))
}

// errorPage is Apache's page for status st, loc being the redirect target
// of a 3xx, with the ServerSignature footer.
func (rs *rstate) errorPage(st int, loc string) []byte {
	req := rs.req
	return httpd.ErrorPage(st, httpd.ErrorDetails{
		Location: loc, Method: req.Method, URI: req.URI, Notes: req.Notes.Value("error-notes"),
		ServerAdmin: rs.vh.conf.ServerAdmin, Signature: rs.signature(),
	})
}

func (rs *rstate) errorDocument(st int) (config.ErrorDocument, bool) {
	if rs.dc == nil {
		return config.ErrorDocument{}, false
	}
	return rs.dc.ErrorDocument(st)
}

// serveErrorDocument answers with an ErrorDocument: quoted text, a remote
// URL (302 to it) or a local URL (an internal redirect keeping the status).
func (rs *rstate) serveErrorDocument(st int, doc config.ErrorDocument) bool {
	req, w := rs.req, rs.w
	switch {
	case doc.Kind == config.ErrorDocText:
		w.SetStatus(st)
		w.Header().Clear()
		w.Header().Set("Content-Type", "text/html; charset=iso-8859-1")
		rs.errorHeaders(w.Header(), st, "text/html")
		req.Status = st
		if !req.HeaderOnly {
			w.Write([]byte(doc.Value))
		}
		return true
	case doc.Kind == config.ErrorDocRemote:
		req.Status = 302
		w.SetStatus(302)
		w.Header().Clear()
		w.Header().Set("Location", doc.Value)
		w.Header().Set("Content-Type", "text/html; charset=iso-8859-1")
		rs.errorHeaders(w.Header(), 302, "text/html")
		if !req.HeaderOnly {
			w.Write(rs.errorPage(302, doc.Value))
		}
		return true
	case doc.Kind == config.ErrorDocLocal && rs.redirects < maxRedirects:
		req.SubprocessEnv.Set("REDIRECT_STATUS", strconv.Itoa(st))
		req.SubprocessEnv.Set("REDIRECT_URL", req.URI)
		req.HeadersOut.Clear()
		req.Status = st
		res := rs.internalRedirect(doc.Value, true)
		if res == resOK || res == resDone {
			if !w.HeadersSent() {
				req.Status = st
				rs.io.sync()
			}
			return true
		}
		return false
	}
	return false
}

// static is Apache's default handler: send the file, with Range,
// If-Modified-Since and ETag handled.
func (rs *rstate) static() int {
	req := rs.req
	if req.Filename == "" || !rs.exists || rs.isDir {
		switch {
		case rs.isDir && rs.exists:
			rs.logError(levelInfo, "AH00129: Attempt to serve directory: %s", req.Filename)
		case req.Filename != "":
			rs.logError(levelInfo, "AH00128: File does not exist: %s", req.Filename)
		}
		return 404
	}
	if req.PathInfo != "" {
		// AcceptPathInfo default: no path info on plain files.
		return 404
	}
	switch req.Method {
	case "GET", "HEAD":
	case "OPTIONS":
		req.HeadersOut.Set("Allow", "GET,POST,OPTIONS,HEAD"+rs.allowTrace())
		return resDone
	default:
		req.HeadersOut.Set("Allow", "GET,POST,OPTIONS,HEAD"+rs.allowTrace())
		return 405
	}
	// Not blocking: a handler may have pointed req.filename at a FIFO
	// after the walk refused irregular files.
	f, err := os.OpenFile(req.Filename, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		rs.logError(levelError, "AH00132: file permissions deny server access: %s", req.Filename)
		return 403
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		rs.logNotFileOrDir(req.Filename)
		return 403
	}
	hr := &http.Request{Method: req.Method, Header: http.Header{}}
	if req.HeaderOnly && rs.deflate != nil {
		hr.Method = "GET" // the body goes to DEFLATE, for the headers a GET would get
	}
	// A page the INCLUDES filter parses, and a subrequest's file, are
	// sent whole: ranges and validators apply to no part of them.
	for _, k := range []string{"Range", "If-Range", "If-Modified-Since", "If-Unmodified-Since", "If-None-Match", "If-Match"} {
		if v, ok := req.HeadersIn.Get(k); ok && rs.incl == nil && req.Main == nil {
			hr.Header.Set(k, v)
		}
	}
	if req.ContentType != "" {
		req.HeadersOut.Set("Content-Type", rs.contentType(req.ContentType))
	}
	req.HeadersOut.Set("ETag", fmt.Sprintf("\"%x-%x\"", fi.Size(), fi.ModTime().UnixMicro()))
	req.HeadersOut.Set("Accept-Ranges", "bytes")
	aw := &adapter{rs: rs, h: http.Header{}}
	for _, e := range req.HeadersOut.Entries() {
		aw.h.Add(e.Key, e.Value)
	}
	if req.ContentType == "" {
		// Apache 2.4 sends no Content-Type for an unknown extension;
		// a present but empty entry stops ServeContent from sniffing.
		aw.h["Content-Type"] = nil
	}
	http.ServeContent(aw, hr, path.Base(req.Filename), fi.ModTime(), f)
	return resOK
}

// adapter lets net/http's ServeContent write through our response.
type adapter struct {
	rs      *rstate
	h       http.Header
	started bool
}

func (a *adapter) Header() http.Header { return a.h }

func (a *adapter) WriteHeader(code int) {
	if a.started {
		return
	}
	a.started = true
	req := a.rs.req
	req.Status = code
	req.HeadersOut.Clear()
	for k, vs := range a.h {
		if k == "Etag" {
			k = "ETag" // net/http's canonical form is not Apache's
		}
		for _, v := range vs {
			req.HeadersOut.Add(k, v)
		}
	}
	if ct := a.h.Get("Content-Type"); ct != "" {
		req.ContentType = ct
	}
	a.rs.io.sync()
	if code == 304 || req.HeaderOnly {
		return
	}
}

func (a *adapter) Write(p []byte) (int, error) {
	if !a.started {
		a.WriteHeader(200)
	}
	return a.rs.io.Write(p)
}

// logAccess writes the access log lines of the vhost.
func (rs *rstate) logAccess() {
	if len(rs.vh.access) == 0 {
		return
	}
	e := &logEntry{
		req:      rs.req,
		status:   rs.w.Status(),
		bytes:    rs.w.BodyBytes(),
		start:    rs.start,
		duration: time.Since(rs.start),
		server:   rs.vh.name,
		pid:      rs.s.pid,
	}
	for _, a := range rs.vh.access {
		a.write(e)
	}
}
