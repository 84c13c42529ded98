package httpd

import (
	"bufio"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const (
	msg400      = "<p>Your browser sent a request that this server could not understand.<br />\n</p>\n"
	msg400Size  = "<p>Your browser sent a request that this server could not understand.<br />\nSize of a request header field exceeds server limit.</p>\n"
	msg400Count = "<p>Your browser sent a request that this server could not understand.<br />\nThe number of request header fields exceeds this server's limit.</p>\n"
	msg414      = "<p>The requested URL's length exceeds the capacity\nlimit for this server.<br />\n</p>\n"
	msg404      = "<p>The requested URL was not found on this server.</p>\n"
	msg408      = "<p>Server timeout waiting for the HTTP request from the client.</p>\n"
)

// TestBadInput sends requests Apache refuses and checks the whole answer:
// status line, Connection: close, Content-Type and the exact page, then
// that the connection closes.
func TestBadInput(t *testing.T) {
	ts := startServer(t, Config{KeepAlive: true, ServerHeader: "Apache"}, echo)
	long := func(n int) string { return strings.Repeat("a", n) }
	fields := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString("X-F" + itoa(i) + ": v\r\n")
		}
		return b.String()
	}
	cases := []struct {
		name   string
		raw    string
		status int    // 0: the connection closes with nothing sent
		page   string // the error page's message paragraph
	}{
		// Limits. Apache's buffer is the limit + 2, and a line may overrun
		// it by its final LF: 8191 characters still pass.
		{"request line 8192", "GET /" + long(8192-14) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, msg414},
		{"request line huge", "GET /" + long(20000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, msg414},
		{"field 8192", "GET / HTTP/1.1\r\nHost: x\r\nX: " + long(8192-3) + "\r\n\r\n", 400, msg400Size},
		{"101 fields", "GET / HTTP/1.1\r\nHost: x\r\n" + fields(100) + "\r\n", 400, msg400Count},
		{"merged field too long", "GET / HTTP/1.1\r\nHost: x\r\nX: " + long(5000) + "\r\nX: " + long(5000) + "\r\n\r\n", 400, msg400Size},
		{"folded field too long", "GET / HTTP/1.1\r\nHost: x\r\nX: " + long(5000) + "\r\n " + long(5000) + "\r\n\r\n", 400, msg400Size},

		// Malformed request lines.
		{"method only", "GET\r\n\r\n", 400, msg400},
		{"HTTP/0.9", "GET /\r\n\r\n", 400, msg400},
		{"HTTP/0.9 trailing space", "GET / \r\n\r\n", 400, msg400},
		{"bad method token", "G@T / HTTP/1.1\r\nHost: x\r\n\r\n", 400, msg400},
		{"double space", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400, msg400},
		{"tab separator", "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n", 400, msg400},
		{"leading space", " GET / HTTP/1.1\r\nHost: x\r\n\r\n", 400, msg400},
		{"trailing space", "GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 400, msg400},
		{"space in target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400, msg400},
		{"control char in target", "GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n", 400, msg400},
		{"DEL in target", "GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n", 400, msg400},
		{"NUL in line", "GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n", 400, msg400},
		{"lower-case protocol", "GET / http/1.1\r\nHost: x\r\n\r\n", 400, msg400},
		{"explicit HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", 400, msg400},
		{"version 1.10", "GET / HTTP/1.10\r\nHost: x\r\n\r\n", 400, msg400},
		{"garbage protocol", "GET / FOO\r\nHost: x\r\n\r\n", 400, msg400},
		{"bare LF", "GET / HTTP/1.1\nHost: x\n\n", 400, msg400},
		{"relative target", "GET foo HTTP/1.1\r\nHost: x\r\n\r\n", 400, msg400},
		{"asterisk for GET", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400, msg400},
		{"fragment", "GET /#frag HTTP/1.1\r\nHost: x\r\n\r\n", 400, msg400},
		{"userinfo", "GET http://u:p@x/ HTTP/1.1\r\nHost: x\r\n\r\n", 400, msg400},
		{"bad URI port", "GET http://x:8a/ HTTP/1.1\r\nHost: x\r\n\r\n", 400, msg400},
		{"eleven blank lines", strings.Repeat("\r\n", 11) + "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 400, msg400},
		{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "<p>The server encountered an internal error or\n"},

		// Malformed header fields.
		{"no colon", "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400, msg400},
		{"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, msg400},
		{"space in name", "GET / HTTP/1.1\r\nHo st: x\r\n\r\n", 400, msg400},
		{"empty name", "GET / HTTP/1.1\r\n: x\r\nHost: x\r\n\r\n", 400, msg400},
		{"control char in value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n", 400, msg400},
		{"CR in value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", 400, msg400},
		{"fold before first field", "GET / HTTP/1.1\r\n x: y\r\nHost: x\r\n\r\n", 400, msg400},
		{"empty folded line", "GET / HTTP/1.1\r\nHost: x\r\n \r\n\r\n", 400, msg400},
		{"bare LF in fields", "GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n", 400, msg400},
		{"EOF in fields", "GET / HTTP/1.1\r\nHost: x\r\n", 400, msg400},

		// Host.
		{"HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400, msg400},
		{"HTTP/1.1 empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", 400, msg400},
		{"absolute URI without Host", "GET http://x/ HTTP/1.1\r\n\r\n", 400, msg400},
		{"numeric Host", "GET / HTTP/1.1\r\nHost: 1234\r\n\r\n", 400, msg400},
		{"Host with slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, msg400},
		{"Host with double dot", "GET / HTTP/1.1\r\nHost: a..b\r\n\r\n", 400, msg400},
		{"Host with bad TLD", "GET / HTTP/1.1\r\nHost: a.1b\r\n\r\n", 400, msg400},
		{"Host IPv4 leading zero", "GET / HTTP/1.1\r\nHost: 01.2.3.4\r\n\r\n", 400, msg400},
		{"Host two values", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, msg400},
		{"Host port zero", "GET / HTTP/1.1\r\nHost: a:0\r\n\r\n", 400, msg400},
		{"Host bad IPv6", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400, msg400},

		// Body framing.
		{"bad Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400, msg400},
		{"negative Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400, msg400},
		{"signed Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\nx", 400, msg400},
		{"huge Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", 400, msg400},
		{"differing Content-Lengths", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy", 400, msg400},
		{"repeated Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400, msg400},
		{"list Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1\r\n\r\nx", 400, msg400},
		{"unknown Transfer-Encoding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400, msg400},
		{"chunked not last", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400, msg400},
		{"chunked with a parameter", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n", 400, msg400},
		{"chunked, parameter after a space", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked ;x\r\n\r\n0\r\n\r\n", 400, msg400},

		// Timeouts and silent closes.
		{"nothing at all", "", 0, ""},
		{"partial request line then EOF", "GET / HT", 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ts.dial(t)
			io.WriteString(c, tc.raw)
			if tc.status == 0 || strings.HasPrefix(tc.name, "EOF") {
				c.(interface{ CloseWrite() error }).CloseWrite()
			}
			br := bufio.NewReader(c)
			if tc.status == 0 {
				expectClosed(t, br)
				return
			}
			r, err := readResponse(br, false)
			if err != nil {
				t.Fatalf("%v", err)
			}
			if r.status() != tc.status {
				t.Fatalf("status line %q, want %d\n%s", r.statusLine, tc.status, ts.logs)
			}
			checkErrorResponse(t, r, tc.status, tc.page)
			expectClosed(t, br)
		})
	}
}

// checkErrorResponse checks an error response as Apache sends it with
// "Connection: close".
func checkErrorResponse(t *testing.T, r *response, status int, page string) {
	t.Helper()
	wantLine := "HTTP/1.1 " + itoa(status) + " " + StatusText(status)
	if r.statusLine != wantLine {
		t.Errorf("status line %q, want %q", r.statusLine, wantLine)
	}
	var names []string
	for _, f := range r.fields {
		names = append(names, f[0])
	}
	if got := strings.Join(names, ","); got != "Date,Server,Content-Length,Connection,Content-Type" {
		t.Errorf("fields %s, want Date,Server,Content-Length,Connection,Content-Type\n%s", got, r.head)
	}
	if v, _ := r.get("Connection"); v != "close" {
		t.Errorf("Connection: %q, want close", v)
	}
	if v, _ := r.get("Content-Type"); v != "text/html; charset=iso-8859-1" {
		t.Errorf("Content-Type: %q", v)
	}
	if status == 505 {
		if !strings.Contains(r.body, "<title>505 HTTP Version Not Supported</title>") {
			t.Errorf("body %q", r.body)
		}
		return
	}
	if want := apachePage(status, StatusText(status), page); r.body != want {
		t.Errorf("body\n%q\nwant\n%q", r.body, want)
	}
}

// TestLimitsAccepted checks the longest lines Apache still accepts.
func TestLimitsAccepted(t *testing.T) {
	ts := startServer(t, Config{}, hello)
	var fields strings.Builder
	for i := range 99 {
		fields.WriteString("X-F" + itoa(i) + ": v\r\n")
	}
	for name, raw := range map[string]string{
		"request line 8190": "GET /" + strings.Repeat("a", 8190-14) + " HTTP/1.1\r\nHost: x\r\n\r\n",
		"request line 8191": "GET /" + strings.Repeat("a", 8191-14) + " HTTP/1.1\r\nHost: x\r\n\r\n",
		"field 8191":        "GET / HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", 8191-3) + "\r\n\r\n",
		"100 fields":        "GET / HTTP/1.1\r\nHost: x\r\n" + fields.String() + "\r\n",
		"ten blank lines":   strings.Repeat("\r\n", 10) + "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			got := ts.roundTrip(t, raw)
			if !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(got, "\r\n\r\nhello") {
				t.Fatalf("got %q", got)
			}
		})
	}
}

// TestSmallLimits checks configured limits.
func TestSmallLimits(t *testing.T) {
	ts := startServer(t, Config{LimitRequestLine: 20, LimitRequestFieldSize: 20, LimitRequestFields: 2, ServerHeader: "Apache"}, hello)
	for _, tc := range []struct {
		raw    string
		status int
		page   string
	}{
		{"GET /aaaaaaa HTTP/1.1\r\nHost: x\r\n\r\n", 200, ""},      // 21 characters: 20 + 1 passes
		{"GET /aaaaaaaa HTTP/1.1\r\nHost: x\r\n\r\n", 414, msg414}, // 22
		{"GET / HTTP/1.1\r\nHost: x\r\nA: b\r\nC: d\r\n\r\n", 400, msg400Count},
		{"GET / HTTP/1.1\r\nHost: x\r\nA: 123456789012345678\r\n\r\n", 200, ""},          // 21
		{"GET / HTTP/1.1\r\nHost: x\r\nA: 1234567890123456789\r\n\r\n", 400, msg400Size}, // 22
	} {
		got := ts.roundTrip(t, tc.raw)
		br := bufio.NewReader(strings.NewReader(got))
		r, err := readResponse(br, false)
		if err != nil {
			t.Fatalf("%q: %v", got, err)
		}
		if r.status() != tc.status {
			t.Errorf("%q: %q", tc.raw, r.statusLine)
			continue
		}
		if tc.status != 200 {
			checkErrorResponse(t, r, tc.status, tc.page)
		}
	}
}

// TestKeptErrors checks the errors after which Apache keeps the
// connection: 404 for an encoded slash and 417.
func TestKeptErrors(t *testing.T) {
	ts := startServer(t, Config{KeepAlive: true}, echo)
	for _, tc := range []struct {
		raw    string
		status int
		page   string
	}{
		{"GET /a%2Fb HTTP/1.1\r\nHost: x\r\n\r\n", 404, msg404},
		{"GET /a%2fb HTTP/1.1\r\nHost: x\r\n\r\n", 404, msg404},
		{"GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n", 404, msg404},
		{"POST /x HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nContent-Length: 3\r\n\r\nabc", 417,
			"<p>The expectation given in the Expect request-header\nfield could not be met by this server.\nThe client sent<pre>\n    Expect: foo\n</pre>\n</p><p>Only the 100-continue expectation is supported.</p>\n"},
	} {
		c := ts.dial(t)
		io.WriteString(c, tc.raw+"GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		br := bufio.NewReader(c)
		r, err := readResponse(br, false)
		if err != nil {
			t.Fatal(err)
		}
		if r.status() != tc.status {
			t.Fatalf("%q: %s", tc.raw, r.statusLine)
		}
		if _, ok := r.get("Connection"); ok {
			t.Errorf("%q: Connection header on a kept connection: %s", tc.raw, r.head)
		}
		if want := apachePage(tc.status, StatusText(tc.status), tc.page); r.body != want {
			t.Errorf("body %q, want %q", r.body, want)
		}
		r, err = readResponse(br, false)
		if err != nil || !strings.Contains(r.body, "uri=/next") {
			t.Fatalf("second response %v %+v", err, r)
		}
	}
}

// TestBadEscape checks that a bad %-escape in the path is 400.
func TestBadEscape(t *testing.T) {
	ts := startServer(t, Config{ServerHeader: "Apache"}, echo)
	for _, target := range []string{"/%zz", "/a%2", "/a%", "/%2F%zz"} {
		got := ts.roundTrip(t, "GET "+target+" HTTP/1.1\r\nHost: x\r\n\r\n")
		r, err := readResponse(bufio.NewReader(strings.NewReader(got)), false)
		if err != nil {
			t.Fatal(err)
		}
		checkErrorResponse(t, r, 400, msg400)
	}
}

// TestTimeouts checks Apache's three timeouts: a stalled head gets 408, a
// stalled request line and an idle kept-alive connection are closed
// silently.
func TestTimeouts(t *testing.T) {
	var timeouts atomic.Int32
	ts := startServer(t, Config{KeepAlive: true, Timeout: 300 * time.Millisecond, KeepAliveTimeout: 300 * time.Millisecond, ServerHeader: "Apache"}, hello,
		func(s *Server) {
			s.OnProtocolError = func(w *Response) {
				if w.Status() == 408 {
					timeouts.Add(1)
				}
			}
		})

	t.Run("stalled head", func(t *testing.T) {
		c := ts.dial(t)
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Partial: ")
		start := time.Now()
		br := bufio.NewReader(c)
		r, err := readResponse(br, false)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 250*time.Millisecond {
			t.Errorf("408 after %v, before the timeout", d)
		}
		checkErrorResponse(t, r, 408, msg408)
		expectClosed(t, br)
	})
	t.Run("stalled request line", func(t *testing.T) {
		c := ts.dial(t)
		io.WriteString(c, "GET /partial")
		expectClosed(t, bufio.NewReader(c))
	})
	t.Run("nothing sent", func(t *testing.T) {
		c := ts.dial(t)
		expectClosed(t, bufio.NewReader(c))
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		c := ts.dial(t)
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		if _, err := readResponse(br, false); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		expectClosed(t, br)
		if d := time.Since(start); d < 250*time.Millisecond {
			t.Errorf("closed after %v, before KeepAliveTimeout", d)
		}
	})
	// Apache logs the 408 it sent, and the two first requests that never
	// came, but not the idle kept-alive connection.
	if n := timeouts.Load(); n != 3 {
		t.Errorf("OnProtocolError saw %d timeouts, want 3", n)
	}
}

// TestIsChunked checks the Transfer-Encoding values read as chunked: as
// Apache's ap_is_chunked ("chunked" last, bare), except that a second
// "chunked" is refused.
func TestIsChunked(t *testing.T) {
	for te, want := range map[string]bool{
		"chunked": true, "Chunked": true, "gzip, chunked": true, "gzip;q=1, chunked": true, "gzip,chunked": true,
		"gzip ,  chunked": true, ",chunked": true,
		"chunked;q=1": false, "chunked ;q=1": false, "gzip, chunked;x": false, "xchunked": false, "chunked, gzip": false,
		"chunked,": false, "gzip": false, "": false, "chunked, chunked": false, "chunked;a=b, chunked": false,
	} {
		if got := isChunked(te); got != want {
			t.Errorf("isChunked(%q) = %v, want %v", te, got, want)
		}
	}
}
