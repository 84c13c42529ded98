package httpd

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"strings"
	"time"
	"unsafe"

	"modpy/internal/relay"
	"modpy/internal/table"
)

// Request is one parsed HTTP request. The server reuses a connection's
// Request for its next request: a handler must not keep it, or anything it
// points to, after returning.
type Request struct {
	Method     string // the method token as sent
	RequestURI string // the request target as sent
	Proto      string // "HTTP/1.1", or "HTTP/0.9" for a simple request
	ProtoNum   int    // major*1000 + minor: 1001 for HTTP/1.1, 1000 for 1.0, 9 for 0.9

	// TheRequest is the request line as received, e.g. "GET /x?y HTTP/1.1".
	TheRequest string

	// Path is the path of RequestURI, %-decoded, with its original
	// slashes and dot segments ("*" for "OPTIONS *", "/" when the target
	// has none). A bad escape is answered 400 and an encoded '/' or NUL 404
	// (Apache with AllowEncodedSlashes Off) before any Handler runs.
	Path string
	// RawPath is the path of RequestURI before decoding.
	RawPath string
	// RawQuery is what follows the first '?', undecoded; HasQuery reports
	// whether there was a '?' at all.
	RawQuery string
	HasQuery bool
	// Scheme is the scheme of an absolute-form target ("http"), or "".
	Scheme string

	// Header holds the request header fields in the order received. As
	// Apache does, repeated fields are merged into the first one with ", ".
	Header *table.Table
	// Trailer holds the trailer fields of a chunked body, once Body has
	// been read to its end.
	Trailer *table.Table

	// Host is the host the request names, from an absolute-form target or
	// else the Host header: lower-cased, without port, without the
	// brackets of an IPv6 literal and without a trailing dot.
	Host string
	// Port is the port given with Host, or 0.
	Port int

	// ContentLength is the declared body length: -1 for a chunked body,
	// 0 when there is no body.
	ContentLength int64
	// Chunked reports a chunked request body.
	Chunked bool
	// Body reads the request body. It is never nil.
	Body *Body

	RemoteAddr netip.AddrPort // the client's address
	LocalAddr  netip.AddrPort // the address the client connected to
	ConnID     uint64         // unique per connection in this process
	KeepAlives int            // requests served before this one on the connection
	Received   time.Time      // when the request line had been read

	// TLS is the outcome of the connection's TLS handshake (Server.TLSConfig);
	// nil on a plain connection. It is the connection's: requests on it
	// share it, and it must not be changed.
	TLS *tls.ConnectionState
	// PlainOnTLS marks the request a connection to a TLS port is served
	// as when its client spoke plain HTTP: "GET / HTTP/1.0" with no
	// header, as mod_ssl fakes it, whatever the client sent; the
	// connection closes after the response. mod_ssl's answer is 400.
	PlainOnTLS bool
	// Relay holds the worker's facts of a request a worker relayed to this
	// process group (Server.TrustRelay): RemoteAddr, LocalAddr, ConnID,
	// KeepAlives, Received and TLS then come from it, and Relay.Proto is
	// the client's protocol (the relayed request itself is HTTP/1.1).
	// nil otherwise.
	Relay *relay.Info
}

func (r *Request) isHead() bool { return r.Method == "HEAD" }

// headError is a request head Apache refuses: status is the response to
// send (0: close the connection silently); notes are the error page's
// error-notes; logMsg, at level, goes to the error log.
type headError struct {
	status int
	notes  string
	level  string
	logMsg string
	keep   bool // the input is still usable: the connection may stay open
}

const (
	noteFieldSize   = "Size of a request header field exceeds server limit."
	noteFieldsCount = "The number of request header fields exceeds this server's limit."
)

var (
	errLineTooLong = errors.New("httpd: line too long")
	errBadLine     = errors.New("httpd: bad line ending or NUL byte")
)

// fieldSpan locates one header field in headParser.buf.
type fieldSpan struct{ ns, ne, vs, ve int }

// headParser reads one request head. Its buffers are reused from request to
// request on a connection.
type headParser struct {
	br     *bufio.Reader
	cfg    *Config
	buf    []byte // the request line and header lines, without line ends
	fields []fieldSpan

	// Results for the connection, beyond what goes in the Request.
	received  time.Time
	expect100 bool
	closeConn bool // Content-Length and Transfer-Encoding both sent
	clen      int64
	chunked   bool
	connHdr   string // the Connection header
	gotLine   bool   // a request line was read (even an invalid one)
}

// readLine appends one line, without its line end, to h.buf and returns its
// bounds. n is Apache's buffer size (limit + 2): a line of up to n bytes
// with its CRLF fits, and one of n+1 when the overflow is only the LF.
func (h *headParser) readLine(n int) (int, int, error) {
	start := len(h.buf)
	for {
		frag, err := h.br.ReadSlice('\n')
		have := len(h.buf) - start + len(frag)
		if have > n+1 || (have == n+1 && err != nil) {
			// What arrived stays after start, for the log (the request
			// line's first LimitRequestLine bytes).
			h.buf = append(h.buf, frag[:min(len(frag), n+1-(len(h.buf)-start))]...)
			return 0, 0, errLineTooLong
		}
		h.buf = append(h.buf, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			h.buf = h.buf[:start]
			return 0, 0, err
		}
		break
	}
	end := len(h.buf) - 1 // the LF
	if end-start == n && h.buf[end-1] != '\r' {
		return 0, 0, errLineTooLong
	}
	if end == start || h.buf[end-1] != '\r' {
		h.buf = h.buf[:start]
		return 0, 0, errBadLine // HttpProtocolOptions Strict wants CRLF
	}
	end--
	if bytes.IndexByte(h.buf[start:end], 0) >= 0 {
		h.buf = h.buf[:start]
		return 0, 0, errBadLine
	}
	h.buf = h.buf[:end]
	return start, end, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// maxBlankLines is DEFAULT_LIMIT_BLANK_LINES: empty lines skipped before a
// request line.
const maxBlankLines = 10

// readRequest reads and checks one request head into r, as Apache's
// ap_read_request does, and returns nil when r may go to a Handler.
func (h *headParser) readRequest(r *Request) *headError {
	cfg := h.cfg
	if cap(h.buf) > 64<<10 {
		h.buf = nil // a huge head is not kept for the next request
	}
	h.buf = h.buf[:0]
	h.fields = h.fields[:0]
	h.expect100, h.closeConn, h.chunked, h.clen, h.connHdr, h.gotLine = false, false, false, 0, "", false

	// The request line, after up to ten empty lines.
	var ls, le int
	for blanks := 0; ; blanks++ {
		var err error
		ls, le, err = h.readLine(cfg.LimitRequestLine + 2)
		if err != nil {
			h.received = time.Now()
			switch {
			case err == errLineTooLong:
				h.gotLine = true
				// Apache logs the line cut at LimitRequestLine, with no
				// method and HTTP/1.0.
				r.ProtoNum, r.Proto = 1000, "HTTP/1.0"
				r.TheRequest = string(h.buf[:min(len(h.buf), cfg.LimitRequestLine)])
				return &headError{status: 414, level: "info", logMsg: "AH00565: request failed: client's request-line exceeds LimitRequestLine (longer than " + itoa(cfg.LimitRequestLine) + ")"}
			case err == errBadLine:
				h.gotLine = true
				return &headError{status: 400, level: "debug", logMsg: "AH00566: request failed: malformed request line"}
			case isTimeout(err):
				// Apache logs a 408 but sends nothing.
				return &headError{status: 0, logMsg: "timeout"}
			}
			return &headError{status: 0}
		}
		if le > ls || blanks == maxBlankLines {
			break
		}
	}
	h.received = time.Now()
	h.gotLine = true

	// The request line is checked before any header is read, as Apache
	// does; line views h.buf without copying and is not kept.
	var line string
	if le > ls {
		line = unsafe.String(&h.buf[ls], le-ls)
	}
	rl, ok := parseRequestLine(line)
	if ok && rl.protoNum == 9 && (!cfg.AllowHTTP09 || rl.method != "GET") {
		ok = false // rejected, or not GET (only GET is allowed for HTTP/0.9)
	}
	if ok {
		_, ok = parseTarget(rl.method, rl.target)
	}
	if !ok {
		r.Method = strings.Clone(rl.method)
		r.ProtoNum, r.Proto = 1000, "HTTP/1.0"
		r.TheRequest = strings.Clone(line)
		return &headError{status: 400, level: "debug", logMsg: "AH03445: HTTP Request Line; invalid request line: '" + logEscape(line) + "'"}
	}
	if rl.protoNum >= 2000 {
		r.Method, r.Proto, r.ProtoNum = strings.Clone(rl.method), strings.Clone(rl.proto), rl.protoNum
		r.TheRequest = strings.Clone(line)
		return &headError{status: 505, level: "info", logMsg: "request failed: unsupported protocol " + logEscape(rl.proto)}
	}

	if rl.protoNum != 9 {
		if e := h.readFields(); e != nil {
			r.Method, r.Proto, r.ProtoNum = strings.Clone(rl.method), strings.Clone(rl.proto), rl.protoNum
			r.TheRequest = strings.Clone(line)
			return e
		}
	}

	// One string holds the whole head: every field is a slice of it.
	head := string(h.buf)
	rl, _ = parseRequestLine(head[ls:le])
	t, _ := parseTarget(rl.method, rl.target)
	r.Method, r.RequestURI, r.Proto, r.ProtoNum = rl.method, rl.target, rl.proto, rl.protoNum
	r.TheRequest = head[ls:le]
	if rl.protoNum == 9 {
		r.TheRequest = strings.TrimSuffix(r.TheRequest, " ")
	}
	return h.finish(r, head, t)
}

// readFields reads header lines up to the empty line, as
// ap_get_mime_headers_core does in strict mode: obs-fold lines are joined
// to the field before them with one space.
func (h *headParser) readFields() *headError {
	cfg := h.cfg
	lastStart, lastEnd := -1, -1
	count := 0
	for {
		s, e, err := h.readLine(cfg.LimitRequestFieldSize + 2)
		if err != nil {
			switch {
			case err == errLineTooLong:
				return &headError{status: 400, notes: noteFieldSize, level: "info", logMsg: "AH00561: Request header exceeds LimitRequestFieldSize"}
			case isTimeout(err):
				return &headError{status: 408, level: "debug", logMsg: "AH00567: request failed: error reading the headers (timeout)"}
			}
			return &headError{status: 400, level: "debug", logMsg: "AH00567: request failed: error reading the headers"}
		}
		// Trailing whitespace is dropped, but never a lone first character.
		for e-s > 1 && (h.buf[e-1] == ' ' || h.buf[e-1] == '\t') {
			e--
		}
		h.buf = h.buf[:e]
		if e > s && (h.buf[s] == ' ' || h.buf[s] == '\t') {
			if lastStart < 0 {
				return &headError{status: 400, level: "debug", logMsg: "AH03442: Line folding encountered before first header line"}
			}
			if e-s == 1 {
				return &headError{status: 400, level: "debug", logMsg: "AH03443: Empty folded line encountered"}
			}
			k := s
			for k+1 < e && (h.buf[k+1] == ' ' || h.buf[k+1] == '\t') {
				k++
			}
			if (lastEnd-lastStart)+(e-k)+1 >= cfg.LimitRequestFieldSize {
				return &headError{status: 400, notes: noteFieldSize, level: "info", logMsg: "AH00562: Request header exceeds LimitRequestFieldSize after folding"}
			}
			// s == lastEnd: the folded text moves left over its indent.
			h.buf[lastEnd] = ' '
			n := copy(h.buf[lastEnd+1:], h.buf[k+1:e])
			lastEnd += 1 + n
			h.buf = h.buf[:lastEnd]
			continue
		}
		if lastStart >= 0 {
			count++
			if cfg.LimitRequestFields > 0 && count > cfg.LimitRequestFields {
				return &headError{status: 400, notes: noteFieldsCount, level: "info", logMsg: "AH00563: Number of request headers exceeds LimitRequestFields"}
			}
			if e := h.addField(lastStart, lastEnd); e != nil {
				return e
			}
		}
		if e == s {
			return nil
		}
		lastStart, lastEnd = s, e
	}
}

// addField checks one field line and records it.
func (h *headParser) addField(s, e int) *headError {
	f := h.buf[s:e]
	i := 0
	for i < len(f) && isTchar[f[i]] {
		i++
	}
	if i == 0 || i >= len(f) || f[i] != ':' {
		return &headError{status: 400, level: "debug", logMsg: "AH02426: Request header field name is malformed: " + logEscape(string(f[:min(len(f), 80)]))}
	}
	v := i + 1
	for v < len(f) && (f[v] == ' ' || f[v] == '\t') {
		v++
	}
	for j := v; j < len(f); j++ {
		if !isContent[f[j]] {
			return &headError{status: 400, level: "debug", logMsg: "AH02427: Request header value is malformed: " + logEscape(string(f[v:min(len(f), v+80)]))}
		}
	}
	h.fields = append(h.fields, fieldSpan{s, s + i, s + v, e})
	return nil
}

// fillTable stores the parsed fields in t, each repeated field merged
// into its first occurrence with ", " as apr_table_compress does, and
// applies LimitRequestFieldSize to the merged values.
func (h *headParser) fillTable(t *table.Table, head string) *headError {
	t.Clear()
	for i, f := range h.fields {
		if f.ns < 0 {
			continue // merged into an earlier field
		}
		name, value := head[f.ns:f.ne], head[f.vs:f.ve]
		for j := i + 1; j < len(h.fields); j++ {
			g := h.fields[j]
			if g.ns >= 0 && g.ne-g.ns == len(name) && strings.EqualFold(head[g.ns:g.ne], name) {
				value = value + ", " + head[g.vs:g.ve]
				h.fields[j].ns = -1
			}
		}
		if len(value) > h.cfg.LimitRequestFieldSize {
			return &headError{status: 400, notes: noteFieldSize, level: "info", logMsg: "AH00560: Request header exceeds LimitRequestFieldSize after merging: " + logEscape(name)}
		}
		t.Add(name, value)
	}
	return nil
}

// finish fills r from the parsed head and applies the checks Apache makes
// between reading the head and running the first hook.
func (h *headParser) finish(r *Request, head string, t target) *headError {
	hdr := r.Header
	if e := h.fillTable(hdr, head); e != nil {
		return e
	}
	var clenV, teV, hostV, expectV string
	var hasCL, hasTE, hasHost bool
	for _, e := range hdr.Entries() {
		name := e.Key
		switch len(name) {
		case 4:
			if strings.EqualFold(name, "Host") {
				hostV, hasHost = e.Value, true
			}
		case 6:
			if strings.EqualFold(name, "Expect") {
				expectV = e.Value
			}
		case 10:
			if strings.EqualFold(name, "Connection") {
				h.connHdr = e.Value
			}
		case 14:
			if strings.EqualFold(name, "Content-Length") {
				clenV, hasCL = e.Value, true
			}
		case 17:
			if strings.EqualFold(name, "Transfer-Encoding") {
				teV, hasTE = e.Value, true
			}
		}
	}

	if hasCL {
		n, ok := parseContentLength(clenV)
		if !ok {
			return &headError{status: 400, level: "debug", logMsg: "AH10242: client sent invalid Content-Length (" + logEscape(clenV) + ")"}
		}
		h.clen = n
	}
	if hasTE {
		if !isChunked(teV) {
			return &headError{status: 400, level: "debug", logMsg: "AH02539: client sent unknown Transfer-Encoding (" + logEscape(teV) + ")"}
		}
		h.chunked, h.clen = true, -1
		if hasCL {
			// RFC 7230 3.3.3: chunked wins; the connection is not reused.
			hdr.Del("Content-Length")
			h.closeConn = true
		}
	}
	r.ContentLength, r.Chunked = h.clen, h.chunked

	// The input is usable from here on: errors need not close.
	r.Scheme = t.scheme
	if e := r.setHost(t, hostV, hasHost); e != nil {
		return e
	}
	if expectV != "" {
		if !strings.EqualFold(expectV, "100-continue") {
			return &headError{status: 417, keep: true, level: "info", logMsg: "AH00570: client sent an unrecognized expectation value of Expect: " + logEscape(expectV)}
		}
		h.expect100 = true
	}
	return r.setPath(t)
}

// setHost sets Host and Port from an absolute-form target, else from the
// Host header, and checks that an HTTP/1.1 (or HTTP/2) request names one.
func (r *Request) setHost(t target, hostV string, hasHost bool) *headError {
	hostSet := false
	if t.hasHost && (strings.EqualFold(t.scheme, "http") || r.Method == "CONNECT") {
		host, ok := hostFromURI(t.hostname)
		if !ok {
			return &headError{status: 400, level: "debug", logMsg: "AH00550: Client sent malformed Host header: " + logEscape(t.hostname)}
		}
		r.Host, r.Port, hostSet = host, t.port, true
	} else if hasHost && hostV != "" {
		host, port, ok := hostFromHeader(hostV)
		if !ok {
			return &headError{status: 400, level: "debug", logMsg: "AH00550: Client sent malformed Host header: " + logEscape(hostV)}
		}
		r.Host, r.Port, hostSet = host, port, true
	}
	if (!hostSet && r.ProtoNum >= 1001) || (r.ProtoNum == 1001 && !hasHost) {
		return &headError{status: 400, level: "debug", logMsg: "AH00569: client sent HTTP/1.1 request without hostname (see RFC2616 section 14.23): " + logEscape(r.RequestURI)}
	}
	return nil
}

// setPath checks the target's scheme and sets Path, RawPath and the query,
// decoding the path as ap_process_request_internal does.
func (r *Request) setPath(t target) *headError {
	if t.scheme != "" && !strings.EqualFold(t.scheme, "http") && !strings.EqualFold(t.scheme, "https") {
		return &headError{status: 400, keep: true, level: "debug", logMsg: "request failed: scheme " + logEscape(t.scheme) + " not served"}
	}
	switch {
	case r.Method == "CONNECT" || t.path == "":
		r.RawPath = "/"
		if r.Method == "OPTIONS" {
			r.RawPath = "*"
		}
	default:
		// t.path is a slice of the target, which is a slice of head.
		r.RawPath = t.path
	}
	r.RawQuery, r.HasQuery = t.query, t.hasQuery
	p, status := unescapePath(r.RawPath)
	switch status {
	case 400:
		return &headError{status: 400, keep: true, level: "debug", logMsg: "invalid URI path (" + logEscape(r.RequestURI) + ")"}
	case 404:
		return &headError{status: 404, keep: true, level: "info", logMsg: "AH00026: found %2f (encoded '/') in URI path (" + logEscape(r.RequestURI) + "), returning 404"}
	}
	r.Path = p
	return nil
}

// logEscape makes client text safe for one log line, as
// ap_escape_logitem does.
func logEscape(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '\\' || c == '"' {
			return escapeSlow(s)
		}
	}
	return s
}

func escapeSlow(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c >= 0x7f:
			b.WriteString(`\x`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func itoa(n int) string {
	var b [20]byte
	return string(appendInt(b[:0], int64(n)))
}

func appendInt(b []byte, n int64) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}
