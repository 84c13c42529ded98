package tests

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// stillServes fails the test unless a normal GET on a new connection gets 200.
func stillServes(t *testing.T, s *site, after string) {
	t.Helper()
	st, body := s.get("/ok.txt")
	if st != 200 || body != "ok\n" {
		t.Fatalf("after %s: GET /ok.txt got %d %q, want 200 (did the server survive?)", after, st, body)
	}
}

var responseStartRE = regexp.MustCompile(`(?m)^HTTP/1\.[01] \d{3} `)

func TestBadHTTP(t *testing.T) {
	s := startSite(t, "Timeout 1\n", map[string]string{"htdocs/ok.txt": "ok\n"})
	stillServes(t, s, "start")

	many := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "X-H%d: v\r\n", i)
		}
		return b.String()
	}
	cases := []struct {
		name   string
		req    string
		status int
		title  string // Apache's error page title, if checked
	}{
		{"three words, not HTTP", "this is not http\r\n\r\n", 400, "400 Bad Request"},
		{"extra token", "GET /ok.txt HTTP/1.1 extra\r\nHost: localhost\r\n\r\n", 400, "400 Bad Request"},
		{"control character in URI", "GET /ok\x01.txt HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, "400 Bad Request"},
		{"header without colon", "GET /ok.txt HTTP/1.1\r\nHost: localhost\r\nNoColonHere\r\n\r\n", 400, "400 Bad Request"},
		{"request line over 8190", "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n", 414, "414 Request-URI Too Long"},
		{"header field over 8190", "GET /ok.txt HTTP/1.1\r\nHost: localhost\r\nX-Big: " + strings.Repeat("b", 9000) + "\r\n\r\n", 400, "400 Bad Request"},
		{"101 header fields", "GET /ok.txt HTTP/1.1\r\nHost: localhost\r\n" + many(100) + "\r\n", 400, "400 Bad Request"},
		{"HTTP/1.1 without Host", "GET /ok.txt HTTP/1.1\r\n\r\n", 400, "400 Bad Request"},
		{"HTTP/2.0", "GET /ok.txt HTTP/2.0\r\nHost: localhost\r\n\r\n", 505, "505 HTTP Version Not Supported"},
		{"two Content-Lengths that differ", "POST /ok.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, "400 Bad Request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			out := s.raw(c.req, 5*time.Second)
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("the server kept the connection open %v after a %d", d, c.status)
			}
			if st := rawStatus(out); st != c.status {
				t.Errorf("status %d, want %d; response:\n%.600s", st, c.status, out)
			} else if c.title != "" && !strings.Contains(out, "<title>"+c.title+"</title>") {
				t.Errorf("no <title>%s</title> in:\n%.600s", c.title, out)
			}
			if n := len(responseStartRE.FindAllString(out, -1)); n > 1 {
				t.Errorf("%d responses to one bad request:\n%.600s", n, out)
			}
			stillServes(t, s, c.name)
		})
	}

	t.Run("100 header fields are fine", func(t *testing.T) {
		out := s.raw("GET /ok.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"+many(98)+"\r\n", 5*time.Second)
		if st := rawStatus(out); st != 200 {
			t.Errorf("100 fields (the limit): status %d, want 200:\n%.400s", st, out)
		}
	})

	t.Run("HTTP/1.0 without Host is fine", func(t *testing.T) {
		out := s.raw("GET /ok.txt HTTP/1.0\r\n\r\n", 5*time.Second)
		if rawStatus(out) != 200 || !strings.HasSuffix(out, "\r\n\r\nok\n") {
			t.Errorf("HTTP/1.0 without Host:\n%s", out)
		}
	})

	t.Run("Content-Length and Transfer-Encoding", func(t *testing.T) {
		// Apache 2.4 (RFC 7230 3.3.3): either refuse it (400), or read the
		// body as chunked and close the connection. Never honour the
		// Content-Length: that lets a second request be smuggled.
		req := "GET /ok.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n"
		start := time.Now()
		out := s.raw(req, 5*time.Second)
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("connection still open after %v", d)
		}
		st := rawStatus(out)
		if st != 400 && st != 200 {
			t.Errorf("status %d, want 400 (refused) or 200 (read as chunked, then closed):\n%s", st, out)
		}
		if n := len(responseStartRE.FindAllString(out, -1)); n != 1 {
			t.Errorf("%d responses, want exactly 1 (the connection must close):\n%s", n, out)
		}
		if st == 200 && !strings.Contains(strings.ToLower(out), "connection: close") {
			t.Errorf("no Connection: close on the answer:\n%s", out)
		}
		stillServes(t, s, "Content-Length + Transfer-Encoding")
	})

	t.Run("Transfer-Encoding gzip", func(t *testing.T) {
		// RFC 7230 says 501; Apache 2.4.25+ answers 400 and closes.
		out := s.raw("POST /ok.txt HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\nxxxx", 5*time.Second)
		if st := rawStatus(out); st != 501 && st != 400 {
			t.Errorf("status %d, want 501 (or Apache 2.4's 400):\n%s", st, out)
		}
		stillServes(t, s, "Transfer-Encoding: gzip")
	})

	t.Run("Timeout 408", func(t *testing.T) {
		start := time.Now()
		out := s.raw("GET /ok.txt HTTP/1.1\r\nHost: localhost\r\nX-Half: ", 6*time.Second)
		d := time.Since(start)
		if st := rawStatus(out); st != 408 {
			t.Errorf("half a head then silence: status %d after %v, want 408:\n%s", st, d, out)
		}
		if d < 800*time.Millisecond || d > 3500*time.Millisecond {
			t.Errorf("the connection ended after %v; want about 1s (Timeout 1)", d)
		}
		stillServes(t, s, "a 408")
	})

	t.Run("Timeout mid request line", func(t *testing.T) {
		// Apache closes without a response when the request line is not complete.
		start := time.Now()
		s.raw("GET /ok.t", 6*time.Second)
		if d := time.Since(start); d > 3500*time.Millisecond {
			t.Errorf("the connection stayed open %v with Timeout 1", d)
		}
		stillServes(t, s, "a stalled request line")
	})
}

func TestLimitRequestLine(t *testing.T) {
	s := startSite(t, "LimitRequestLine 100\n", map[string]string{"htdocs/ok.txt": "ok\n"})
	out := s.raw("GET /"+strings.Repeat("u", 150)+" HTTP/1.1\r\nHost: localhost\r\n\r\n", 5*time.Second)
	if st := rawStatus(out); st != 414 {
		t.Errorf("150-byte URI over LimitRequestLine 100: status %d, want 414:\n%s", st, out)
	}
	stillServes(t, s, "a 414")
	// A header field is bounded by LimitRequestFieldSize, not LimitRequestLine.
	out = s.raw("GET /ok.txt HTTP/1.1\r\nHost: localhost\r\nX-Long: "+strings.Repeat("h", 200)+"\r\nConnection: close\r\n\r\n", 5*time.Second)
	if st := rawStatus(out); st != 200 {
		t.Errorf("200-byte header field with LimitRequestLine 100: status %d, want 200", st)
	}
}

func TestKeepAlive(t *testing.T) {
	s := startSite(t, "", map[string]string{"htdocs/ok.txt": "ok\n", "htdocs/two.txt": "two\n"})
	c := s.dial()
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	send := func(path, extra string) *http.Response {
		t.Helper()
		if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: localhost\r\n"+extra+"\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("GET %s on the kept-alive connection: %v", path, err)
		}
		return resp
	}
	body := func(resp *http.Response) string {
		t.Helper()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	r1 := send("/ok.txt", "")
	if b := body(r1); r1.StatusCode != 200 || b != "ok\n" || r1.Close {
		t.Fatalf("first response: %d %q close=%v", r1.StatusCode, b, r1.Close)
	}
	r2 := send("/two.txt", "")
	if b := body(r2); r2.StatusCode != 200 || b != "two\n" {
		t.Fatalf("second response on the same connection: %d %q", r2.StatusCode, b)
	}
	// A 404 keeps the connection too.
	r3 := send("/missing", "")
	body(r3)
	if r3.StatusCode != 404 || r3.Close {
		t.Fatalf("404 on the connection: %d close=%v", r3.StatusCode, r3.Close)
	}
	r4 := send("/ok.txt", "Connection: close\r\n")
	if b := body(r4); r4.StatusCode != 200 || b != "ok\n" {
		t.Fatalf("Connection: close request: %d %q", r4.StatusCode, b)
	}
	if !r4.Close {
		t.Errorf("no Connection: close in the answer to Connection: close")
	}
	c.SetDeadline(time.Now().Add(3 * time.Second))
	n, err := r.Read(make([]byte, 1))
	var ne net.Error
	switch {
	case err == nil:
		t.Errorf("read %d more bytes after the answer to Connection: close", n)
	case errors.As(err, &ne) && ne.Timeout():
		t.Errorf("the connection stayed open after Connection: close")
	}

	// Pipelined: two requests in one write get two responses in order.
	out := s.raw("GET /ok.txt HTTP/1.1\r\nHost: localhost\r\n\r\nGET /two.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 5*time.Second)
	if n := len(responseStartRE.FindAllString(out, -1)); n != 2 || !strings.Contains(out, "\r\n\r\nok\n") || !strings.HasSuffix(out, "\r\n\r\ntwo\n") {
		t.Errorf("pipelined requests: %d responses:\n%s", n, out)
	}
}
