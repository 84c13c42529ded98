package httpd

import (
	"net/netip"
	"strings"
)

// Character classes of RFC 7230, as Apache's ap_scan_* functions use them.
var (
	isTchar   [256]bool // token characters
	isVchar   [256]bool // VCHAR or obs-text: 0x21-0x7e, 0x80-0xff
	isContent [256]bool // field-content: VCHAR, obs-text, SP, HT
)

func init() {
	for c := 0; c < 256; c++ {
		isVchar[c] = c > 0x20 && c != 0x7f
		isContent[c] = isVchar[c] || c == ' ' || c == '\t'
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			isTchar[c] = true
		case strings.IndexByte("!#$%&'*+-.^_`|~", byte(c)) >= 0:
			isTchar[c] = true
		}
	}
}

// isSpace is apr_isspace: SP, HT, LF, VT, FF, CR.
func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// requestLine is a request line split by Apache's strict parser.
type requestLine struct {
	method, target, proto string
	protoNum              int // major*1000 + minor; 9 for HTTP/0.9
}

// parseRequestLine is ap_parse_request_line with HttpProtocolOptions
// Strict. ok is false for every "deferred error" Apache answers 400. A
// line without a protocol is HTTP/0.9 (protoNum 9); whether that is allowed
// is the caller's choice.
func parseRequestLine(line string) (rl requestLine, ok bool) {
	// Method: a token followed by exactly one SP.
	i := 0
	for i < len(line) && isTchar[line[i]] {
		i++
	}
	if i == 0 || i >= len(line) || line[i] != ' ' {
		return rl, false // bad method, bad whitespace or missing URI
	}
	rl.method = line[:i]
	i++
	if i >= len(line) || isSpace(line[i]) {
		return rl, false // missing URI or excess whitespace
	}
	// Target: VCHAR and obs-text.
	start := i
	for i < len(line) && isVchar[line[i]] {
		i++
	}
	rl.target = line[start:i]
	if i == len(line) {
		rl.proto, rl.protoNum = "HTTP/0.9", 9
		return rl, true
	}
	if line[i] != ' ' {
		return rl, false // control character in the URI, or bad whitespace
	}
	i++
	if i < len(line) && isSpace(line[i]) {
		return rl, false // excess whitespace
	}
	start = i
	for i < len(line) && isVchar[line[i]] {
		i++
	}
	proto := line[start:i]
	if i != len(line) {
		return rl, false // trailing whitespace, text or control characters
	}
	if proto == "" {
		// "GET / " is, to Apache, an HTTP/0.9 request.
		rl.proto, rl.protoNum = "HTTP/0.9", 9
		return rl, true
	}
	if len(proto) != 8 || proto[:5] != "HTTP/" || !isDigit(proto[5]) || proto[6] != '.' ||
		!isDigit(proto[7]) || proto[5] == '0' {
		return rl, false // unrecognized protocol (lower case, HTTP/0.9, HTTP/1.10...)
	}
	rl.proto = proto
	rl.protoNum = int(proto[5]-'0')*1000 + int(proto[7]-'0')
	return rl, true
}

// target is a request target split as apr_uri_parse does.
type target struct {
	scheme   string
	hostname string // from an authority, without brackets or port
	hasHost  bool   // an authority was present
	port     int
	path     string // raw path; "" when absent
	query    string
	hasQuery bool
}

// parseTarget splits a request target and applies the checks of
// ap_parse_request_line that follow it. ok is false when Apache answers 400.
func parseTarget(method, uri string) (t target, ok bool) {
	if method == "CONNECT" {
		host, port, ok := splitHostinfo(uri)
		if !ok {
			return t, false
		}
		t.hostname, t.port, t.hasHost = host, port, true
		return t, true
	}
	rest := uri
	if len(rest) > 0 && rest[0] != '/' {
		// A scheme is a letter followed by letters, digits, '+', '-', '.'
		// and then ':'.
		i := 0
		if isAlpha(rest[0]) {
			i = 1
			for i < len(rest) && (isAlpha(rest[i]) || isDigit(rest[i]) || rest[i] == '+' || rest[i] == '-' || rest[i] == '.') {
				i++
			}
		}
		if i > 0 && i < len(rest) && rest[i] == ':' {
			t.scheme = rest[:i]
			rest = rest[i+1:]
			if strings.HasPrefix(rest, "//") {
				rest = rest[2:]
				end := strings.IndexAny(rest, "/?#")
				if end < 0 {
					end = len(rest)
				}
				hostinfo := rest[:end]
				rest = rest[end:]
				if strings.IndexByte(hostinfo, '@') >= 0 {
					return t, false // user or password in the URI
				}
				host, port, ok := splitURIHost(hostinfo)
				if !ok {
					return t, false
				}
				t.hostname, t.port, t.hasHost = host, port, true
			}
		}
	}
	// The path runs to '?' or '#'.
	end := strings.IndexAny(rest, "?#")
	if end < 0 {
		t.path = rest
		rest = ""
	} else {
		t.path = rest[:end]
		rest = rest[end:]
	}
	if rest != "" {
		if rest[0] == '#' {
			return t, false // fragment
		}
		q := rest[1:]
		if strings.IndexByte(q, '#') >= 0 {
			return t, false // fragment
		}
		t.query, t.hasQuery = q, true
	}
	if t.path != "" && t.path[0] != '/' && !(method == "OPTIONS" && t.path == "*") {
		return t, false // invalid request-target (RFC 7230 5.3)
	}
	return t, true
}

// splitURIHost splits the host[:port] of an absolute URI as apr_uri_parse
// does; IPv6 literals keep no brackets.
func splitURIHost(hostinfo string) (host string, port int, ok bool) {
	var portStr string
	if strings.HasPrefix(hostinfo, "[") {
		end := strings.IndexByte(hostinfo, ']')
		if end < 0 {
			return "", 0, false
		}
		host = hostinfo[1:end]
		after := hostinfo[end+1:]
		switch {
		case after == "":
		case after[0] == ':':
			portStr = after[1:]
		default:
			return "", 0, false
		}
	} else if i := strings.IndexByte(hostinfo, ':'); i >= 0 {
		host, portStr = hostinfo[:i], hostinfo[i+1:]
	} else {
		host = hostinfo
	}
	if portStr != "" {
		n, ok := atoiPort(portStr)
		if !ok {
			return "", 0, false
		}
		port = n
	}
	return host, port, true
}

// splitHostinfo splits a CONNECT target "host:port" as
// apr_uri_parse_hostinfo does: the port is required.
func splitHostinfo(s string) (host string, port int, ok bool) {
	var i int
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 || end+1 >= len(s) || s[end+1] != ':' {
			return "", 0, false
		}
		host, i = s[1:end], end+1
	} else {
		i = strings.IndexByte(s, ':')
		if i < 0 {
			return "", 0, false
		}
		host = s[:i]
	}
	port, ok = atoiPort(s[i+1:])
	return host, port, ok
}

// atoiPort parses decimal digits; values above 65535 are refused.
func atoiPort(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
		if n > 65535 {
			return 0, false
		}
	}
	return n, true
}

// hostFromHeader validates a Host header value as Apache's fix_hostname
// does in strict mode and returns the host lower-cased, without port or
// brackets. An empty value gives ok with host "".
func hostFromHeader(v string) (host string, port int, ok bool) {
	if v == "" {
		return "", 0, true
	}
	allDigits := true
	for i := 0; i < len(v); i++ {
		if !isDigit(v[i]) {
			allDigits = false
			break
		}
	}
	if allDigits {
		return "", 0, false // purely numeric host names are refused
	}
	// apr_parse_addr_port: a trailing ":digits" is the port.
	h := v
	j := len(v) - 1
	for j >= 0 && isDigit(v[j]) {
		j--
	}
	if j >= 0 && v[j] == ':' && j < len(v)-1 {
		if j == 0 {
			return "", 0, false
		}
		p, ok := atoiPort(v[j+1:])
		if !ok || p < 1 {
			return "", 0, false
		}
		port = p
		h = v[:j]
	}
	if strings.HasPrefix(h, "[") {
		if !strings.HasSuffix(h, "]") || strings.IndexByte(h, '%') >= 0 {
			return "", 0, false
		}
		addr, err := netip.ParseAddr(h[1 : len(h)-1])
		if err != nil || !addr.Is6() {
			return "", 0, false
		}
		return strings.ToLower(h[1 : len(h)-1]), port, true
	}
	host, ok = fixHostname(h)
	return host, port, ok
}

// hostFromURI validates the host of an absolute-form target.
func hostFromURI(h string) (string, bool) {
	if h == "" {
		return "", true
	}
	allDigits := true
	for i := 0; i < len(h); i++ {
		if !isDigit(h[i]) {
			allDigits = false
			break
		}
	}
	if allDigits {
		return "", false
	}
	if strings.IndexByte(h, ':') >= 0 {
		return fixHostnameV6(h)
	}
	return fixHostname(h)
}

// fixHostnameV6 is fix_hostname_v6_literal.
func fixHostnameV6(h string) (string, bool) {
	double := false
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f':
		case c == ':':
			if i+1 < len(h) && h[i+1] == ':' {
				if double {
					return "", false
				}
				double = true
			} else if i+1 < len(h) && h[i+1] == '.' {
				return "", false
			}
		case c == '.':
		default:
			return "", false
		}
	}
	return strings.ToLower(h), true
}

// fixHostname is fix_hostname_non_v6 followed by strict_hostname_check.
func fixHostname(h string) (string, bool) {
	lower := true
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c == '.':
			if i+1 < len(h) && h[i+1] == '.' {
				return "", false
			}
		case 'A' <= c && c <= 'Z':
			lower = false
		case c == '/' || c == '\\':
			return "", false
		}
	}
	if !lower {
		h = strings.ToLower(h)
	}
	h = strings.TrimSuffix(h, ".")
	// strict_hostname_check
	dotted, leadingZeroes, dots := true, false, 0
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case isAlpha(c) || c == '-' || c == '_':
			dotted = false
		case c == '.':
			dots++
			if i+2 < len(h) && h[i+1] == '0' && isDigit(h[i+2]) {
				leadingZeroes = true
			}
		case !isDigit(c):
			return "", false
		}
	}
	if dotted {
		if h == "" || h[0] == '.' || (h[0] == '0' && len(h) > 1 && isDigit(h[1])) {
			leadingZeroes = true
		}
		if leadingZeroes || dots != 3 {
			return "", false
		}
	} else if i := strings.LastIndexByte(h, '.'); i >= 0 && i+1 < len(h) && !isAlpha(h[i+1]) {
		return "", false // the top-level domain must start with a letter
	}
	return h, true
}

// parseContentLength is ap_parse_strict_length: decimal digits only, no
// sign, no spaces, no overflow.
func parseContentLength(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) {
			return 0, false
		}
		if n > (1<<63-1-int64(c-'0'))/10 {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// isChunked is ap_is_chunked: "chunked", without parameters, is the last
// transfer coding ("chunked;q=1" is not chunked: 400, as in Apache). Unlike
// Apache, a "chunked" earlier in the list too is refused: a body chunked
// twice (RFC 9112 forbids it) would reach handlers still chunked once.
func isChunked(te string) bool {
	if strings.EqualFold(te, "chunked") {
		return true
	}
	i := strings.LastIndexByte(te, ',')
	if !strings.EqualFold(strings.TrimLeft(te[i+1:], " "), "chunked") {
		return false
	}
	for tok := range strings.SplitSeq(te[:max(i, 0)], ",") {
		tok, _, _ = strings.Cut(tok, ";")
		if strings.EqualFold(strings.Trim(tok, " \t"), "chunked") {
			return false
		}
	}
	return true
}

// hasToken reports whether the comma-separated list v holds tok, case
// insensitively (ap_find_token).
func hasToken(v, tok string) bool {
	for len(v) > 0 {
		var item string
		if i := strings.IndexByte(v, ','); i >= 0 {
			item, v = v[:i], v[i+1:]
		} else {
			item, v = v, ""
		}
		if strings.EqualFold(strings.Trim(item, " \t"), tok) {
			return true
		}
	}
	return false
}

// unescapePath %-decodes a URL path as Apache's ap_unescape_url does with
// AllowEncodedSlashes Off: it returns 400 for a bad escape and 404 for an
// encoded '/' or NUL, else 0.
func unescapePath(p string) (string, int) {
	i := strings.IndexByte(p, '%')
	if i < 0 {
		return p, 0
	}
	buf := make([]byte, 0, len(p))
	buf = append(buf, p[:i]...)
	status := 0
	for ; i < len(p); i++ {
		c := p[i]
		if c != '%' {
			buf = append(buf, c)
			continue
		}
		if i+2 >= len(p) || unhex(p[i+1]) < 0 || unhex(p[i+2]) < 0 {
			return p, 400
		}
		d := byte(unhex(p[i+1])<<4 | unhex(p[i+2]))
		if d == 0 || d == '/' {
			status = 404
		}
		buf = append(buf, d)
		i += 2
	}
	if status != 0 {
		return p, status
	}
	return string(buf), 0
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
