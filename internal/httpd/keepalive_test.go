package httpd

import (
	"bufio"
	"io"
	"strings"
	"testing"
	"time"
)

// TestKeepAliveHeaders checks Apache's Keep-Alive and Connection headers.
func TestKeepAliveHeaders(t *testing.T) {
	cases := []struct {
		name    string
		cfg     Config
		req     string
		keep    bool
		ka      string // Keep-Alive header, "" for none
		conn    string // Connection header, "" for none
		handler HandlerFunc
	}{
		{"1.1 plain", Config{KeepAlive: true}, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", true, "", "", hello},
		{"1.1 keep-alive token", Config{KeepAlive: true}, "GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n", true, "timeout=5", "Keep-Alive", hello},
		{"1.1 with max", Config{KeepAlive: true, MaxKeepAliveRequests: 100}, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive\r\n\r\n", true, "timeout=5, max=100", "Keep-Alive", hello},
		{"1.1 close", Config{KeepAlive: true}, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false, "", "close", hello},
		{"1.0 plain", Config{KeepAlive: true}, "GET / HTTP/1.0\r\n\r\n", false, "", "close", hello},
		{"1.0 keep-alive", Config{KeepAlive: true}, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true, "timeout=5", "Keep-Alive", hello},
		{"KeepAlive off", Config{}, "GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n", false, "", "close", hello},
		{"500 drops", Config{KeepAlive: true}, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", false, "", "close",
			func(w *Response, r *Request) { w.SetStatus(500) }},
		{"404 keeps", Config{KeepAlive: true}, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", true, "", "",
			func(w *Response, r *Request) { w.SetStatus(404) }},
		{"handler close", Config{KeepAlive: true}, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", false, "", "close",
			func(w *Response, r *Request) { w.Header().Set("Connection", "close") }},
		{"handler token merged", Config{KeepAlive: true}, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false, "", "Upgrade, close",
			func(w *Response, r *Request) { w.Header().Set("Connection", "Upgrade") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, tc.cfg, tc.handler)
			c := ts.dial(t)
			io.WriteString(c, tc.req)
			br := bufio.NewReader(c)
			r, err := readResponse(br, false)
			if err != nil {
				t.Fatal(err)
			}
			if ka, _ := r.get("Keep-Alive"); ka != tc.ka {
				t.Errorf("Keep-Alive %q, want %q", ka, tc.ka)
			}
			if cv, _ := r.get("Connection"); cv != tc.conn {
				t.Errorf("Connection %q, want %q", cv, tc.conn)
			}
			if !tc.keep {
				expectClosed(t, br)
				return
			}
			io.WriteString(c, "GET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			if r, err := readResponse(br, false); err != nil || r.status() != 200 && r.status() != 404 && r.status() != 500 {
				t.Fatalf("second request: %v %v", err, r)
			}
		})
	}
}

// TestPipelining sends several requests in one write and expects the
// responses in order, with the output of all of them coalesced.
func TestPipelining(t *testing.T) {
	ts := startServer(t, Config{KeepAlive: true, MaxKeepAliveRequests: 3}, echo)
	c := ts.dial(t)
	var reqs strings.Builder
	for _, p := range []string{"/a", "/b", "/c", "/d", "/e"} {
		reqs.WriteString("GET " + p + " HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n")
	}
	io.WriteString(c, reqs.String())
	br := bufio.NewReader(c)
	// MaxKeepAliveRequests 3: three kept-alive responses, then a fourth
	// that closes, as Apache counts.
	wantKA := []string{"timeout=5, max=3", "timeout=5, max=2", "timeout=5, max=1", ""}
	for i, p := range []string{"/a", "/b", "/c", "/d"} {
		r, err := readResponse(br, false)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.body, "uri="+p+" ") {
			t.Fatalf("response %d is for %q", i, r.body)
		}
		if ka, _ := r.get("Keep-Alive"); ka != wantKA[i] {
			t.Errorf("response %d Keep-Alive %q, want %q", i, ka, wantKA[i])
		}
	}
	expectClosed(t, br)
}

// TestDrainUnreadBody checks that a body the handler did not read is
// skipped, and that a large one closes the connection instead.
func TestDrainUnreadBody(t *testing.T) {
	ts := startServer(t, Config{KeepAlive: true}, hello)
	c := ts.dial(t)
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"+
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"+
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	for i := range 3 {
		r, err := readResponse(br, false)
		if err != nil || r.body != "hello" {
			t.Fatalf("response %d: %v %+v", i, err, r)
		}
	}

	c = ts.dial(t)
	big := drainLimit + 1
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: "+itoa(big)+"\r\n\r\n")
	br = bufio.NewReader(c)
	r, err := readResponse(br, false)
	if err != nil {
		t.Fatal(err)
	}
	if cv, _ := r.get("Connection"); cv != "close" {
		t.Errorf("Connection %q for an unread body over the drain limit", cv)
	}
	expectClosed(t, br)
}

// TestBodyAndCLWithTE checks that chunked wins over Content-Length and the
// connection then closes.
func TestBodyAndCLWithTE(t *testing.T) {
	ts := startServer(t, Config{KeepAlive: true}, echo)
	got := ts.roundTrip(t, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
	r, err := readResponse(bufio.NewReader(strings.NewReader(got)), false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.body, `cl=-1 chunked=true body="abc"`) || strings.Contains(r.body, "Content-Length=") {
		t.Errorf("body %q", r.body)
	}
	if cv, _ := r.get("Connection"); cv != "close" {
		t.Errorf("Connection %q", cv)
	}
}

// TestRequestFields checks what a handler sees of a valid request.
func TestRequestFields(t *testing.T) {
	ts := startServer(t, Config{}, echo)
	for _, tc := range []struct{ raw, want string }{
		{"GET /a%20b/../c?x=%20&y HTTP/1.1\r\nHost: Example.COM.\r\n\r\n", "method=GET uri=/a%20b/../c?x=%20&y path=/a b/../c query=x=%20&y hasquery=true host=example.com port=0 proto=HTTP/1.1/1001"},
		{"GET /x? HTTP/1.1\r\nHost: h:8080\r\n\r\n", "path=/x query= hasquery=true host=h port=8080"},
		{"GET //x//y HTTP/1.1\r\nHost: h\r\n\r\n", "path=//x//y query= hasquery=false"},
		{"GET http://Other.Host:81/p?q HTTP/1.1\r\nHost: h\r\n\r\n", "uri=http://Other.Host:81/p?q path=/p query=q hasquery=true host=other.host port=81"},
		{"GET http://h HTTP/1.1\r\nHost: h\r\n\r\n", "path=/ query="},
		{"GET https://o/p HTTP/1.1\r\nHost: h\r\n\r\n", "path=/p query= hasquery=false host=h"},
		{"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", "method=OPTIONS uri=* path=*"},
		{"GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", "host=::1 port=8080"},
		{"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "host=127.0.0.1 port=0"},
		{"GET / HTTP/1.0\r\n\r\n", "host= port=0 proto=HTTP/1.0/1000"},
		{"GET / HTTP/1.2\r\nHost: h\r\n\r\n", "proto=HTTP/1.2/1002"},
		{"FOO-BAR / HTTP/1.1\r\nHost: h\r\n\r\n", "method=FOO-BAR"},
		{"GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\nX-B:\t spaced \t \r\n\r\n", "\nHost=h\nX-A=1, 2\nX-B=spaced"},
		{"GET / HTTP/1.1\r\nHost: h\r\nX-Fold: a\r\n   b\r\n\tc\r\n\r\n", "\nX-Fold=a b c"},
		{"GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\n\r\n", "\nX-Empty="},
		{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 007\r\n\r\nabcdefg", `cl=7 chunked=false body="abcdefg"`},
		{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n", `chunked=true body="z"`},
		{"GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 0\r\n\r\n", `cl=0`},
	} {
		got := ts.roundTrip(t, strings.Replace(tc.raw, "\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1))
		if !strings.Contains(got, tc.want) {
			t.Errorf("%q:\ngot  %q\nwant %q", tc.raw, got, tc.want)
		}
	}
}

// TestHTTP09 checks AllowHTTP09: the body alone, and 400 for other methods.
func TestHTTP09(t *testing.T) {
	ts := startServer(t, Config{AllowHTTP09: true}, hello)
	if got := ts.roundTrip(t, "GET /\r\n"); got != "hello" {
		t.Errorf("GET / as HTTP/0.9: %q", got)
	}
	if got := ts.roundTrip(t, "GET /%2f\r\n"); got != apachePage(404, "Not Found", msg404) {
		t.Errorf("404 as HTTP/0.9: %q", got)
	}
	if got := ts.roundTrip(t, "HEAD /\r\n"); !strings.HasPrefix(got, "HTTP/1.1 400 Bad Request\r\n") {
		t.Errorf("HEAD as HTTP/0.9: %q", got)
	}
}

// TestMaxConns: with MaxConns connections open the server accepts no
// other, and to make room for one waiting to be accepted it closes one
// that waits for its next request, long before that one's
// KeepAliveTimeout.
func TestMaxConns(t *testing.T) {
	ts := startServer(t, Config{KeepAlive: true, KeepAliveTimeout: 30 * time.Second, MaxConns: 1},
		func(w *Response, r *Request) { io.WriteString(w, "ok") })
	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	a := ts.dial(t)
	ra := bufio.NewReader(a)
	io.WriteString(a, get)
	if body, err := readRelayResp(ra); err != nil || body != "ok" {
		t.Fatalf("first connection: %q %v", body, err)
	}
	// a holds the one place, waiting for its next request.
	b := ts.dial(t)
	io.WriteString(b, get)
	if _, err := ra.ReadByte(); err != io.EOF {
		t.Fatalf("the waiting connection: %v, want it closed (EOF)", err)
	}
	a.Close()
	if body, err := readRelayResp(bufio.NewReader(b)); err != nil || body != "ok" {
		t.Fatalf("second connection: %q %v", body, err)
	}
}
