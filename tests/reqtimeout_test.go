package tests

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// RequestReadTimeout (mod_reqtimeout): stages of a request that must
// arrive within a time, extended by a minimum data rate.

const reqtimeoutHandler = `from mod_python import apache

def handler(req):
    req.content_type = "text/plain"
    if req.method == "POST":
        req.write("got %d" % len(req.read()))
    else:
        req.write("ok")
    return apache.OK
`

// slowClient sends head at once, then drip in pieces of step bytes every
// gap, while reading what the server answers. It returns the answer and
// when it began: the first byte of a response, or the server's end of the
// connection. The client gives up after limit.
func (s *site) slowClient(head, drip string, step int, gap, limit time.Duration) (string, time.Duration) {
	s.t.Helper()
	c := s.dial()
	defer c.Close()
	start := time.Now()
	c.SetDeadline(start.Add(limit))
	type answer struct {
		data  string
		after time.Duration
	}
	got := make(chan answer, 1)
	go func() {
		var b strings.Builder
		buf := make([]byte, 4096)
		var first time.Duration
		for {
			n, err := c.Read(buf)
			if (n > 0 || err != nil) && first == 0 {
				first = time.Since(start)
			}
			b.Write(buf[:n])
			if err != nil {
				got <- answer{b.String(), first}
				return
			}
		}
	}()
	io.WriteString(c, head)
	for len(drip) > 0 {
		select {
		case a := <-got:
			return a.data, a.after
		case <-time.After(gap):
		}
		n := min(step, len(drip))
		if _, err := io.WriteString(c, drip[:n]); err != nil {
			break
		}
		drip = drip[n:]
	}
	a := <-got
	return a.data, a.after
}

// subtest is one of the subtests together runs.
type subtest struct {
	name string
	f    func(*testing.T)
}

// together runs the subtests at the same time (each one waits on its own
// slow client), whatever -parallel says, and returns when all are done.
func together(t *testing.T, tests ...subtest) {
	var wg sync.WaitGroup
	for _, st := range tests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(st.name, st.f)
		}()
	}
	wg.Wait()
}

func TestRequestReadTimeout(t *testing.T) {
	s := startSite(t, "Timeout 60\nKeepAliveTimeout 10\n"+
		"RequestReadTimeout header=2 body=2\n"+
		"<VirtualHost 127.0.0.1:{{PORT}}>\nServerName vhost.test\nRequestReadTimeout header=30\n</VirtualHost>\n"+
		pyDir("h"), map[string]string{"htdocs/h.py": reqtimeoutHandler})
	s.mustGet("/h.py")
	limit := 8 * time.Second // well under Timeout: past it, nothing cut the client off
	// About 2 s: RequestReadTimeout's, well before Timeout's 60 s.
	near2s := func(t *testing.T, what string, d time.Duration) {
		t.Helper()
		if d < 1500*time.Millisecond || d > 5*time.Second {
			t.Errorf("%s after %v, want about 2 s (RequestReadTimeout header=2 body=2, Timeout 60)", what, d)
		}
	}
	together(t, subtest{"headers dripping", func(t *testing.T) {
		out, d := s.slowClient("GET /h.py HTTP/1.1\r\nHost: localhost\r\n", "X-Drip: "+strings.Repeat("d", 100), 1, 200*time.Millisecond, limit)
		if st := rawStatus(out); st != 408 {
			t.Errorf("status %d after %v, want 408:\n%s", st, d, out)
		}
		near2s(t, "408", d)
	}}, subtest{"request line dripping", func(t *testing.T) {
		// As Apache: an incomplete request line gets no response.
		out, d := s.slowClient("", "GET /"+strings.Repeat("r", 100), 1, 200*time.Millisecond, limit)
		if out != "" {
			t.Errorf("answered %q, want the connection closed without a response", out)
		}
		near2s(t, "closed", d)
	}}, subtest{"nothing sent", func(t *testing.T) {
		out, d := s.slowClient("", "", 1, 0, limit)
		if out != "" {
			t.Errorf("answered %q, want the connection closed without a response", out)
		}
		near2s(t, "closed", d)
	}}, subtest{"body dripping", func(t *testing.T) {
		// The handler's req.read fails (OSError): 500, as with Apache and
		// mod_python, and the connection closes.
		out, d := s.slowClient("POST /h.py HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n", strings.Repeat("b", 1000), 1, 200*time.Millisecond, limit)
		if st := rawStatus(out); st != 500 || !strings.Contains(out, "Connection: close") {
			t.Errorf("status %d after %v, want 500 and Connection: close:\n%s", st, d, out)
		}
		near2s(t, "500", d)
	}}, subtest{"keep-alive wait is not the header stage", func(t *testing.T) {
		// Between requests KeepAliveTimeout applies; the header stage
		// starts with the next request's first byte.
		k := s.keepAlive()
		if resp, _, err := k.get("/h.py", 5*time.Second); err != nil || resp.StatusCode != 200 {
			t.Fatalf("first request: %v %v", resp, err)
		}
		time.Sleep(3 * time.Second)
		if resp, body, err := k.get("/h.py", 5*time.Second); err != nil || resp.StatusCode != 200 || body != "ok" {
			t.Errorf("a request 3 s after the last one on a keep-alive connection, header=2: %v %q %v", resp, body, err)
		}
	}})
	// A <VirtualHost> cannot have its own (modpy applies the whole
	// server's to every connection): a notice says so.
	log := s.errorLog()
	contains(t, "error log", log, "RequestReadTimeout inside <VirtualHost> is ignored")
	contains(t, "error log", log, "AH01382: Request header read timeout")
	contains(t, "error log", log, "AH01382: Request body read timeout")
}

// MinRate extends a stage by a second per MinRate bytes, up to its
// maximum: a client sending fast enough passes the initial time.
func TestRequestReadTimeoutMinRate(t *testing.T) {
	s := startSite(t, "Timeout 60\nRequestReadTimeout header=1-3,MinRate=100 body=1,MinRate=100\n"+pyDir("h"),
		map[string]string{"htdocs/h.py": reqtimeoutHandler})
	s.mustGet("/h.py")
	limit := 10 * time.Second
	together(t, subtest{"header past its initial time", func(t *testing.T) {
		// 400 bytes of header at about 300 bytes/s: 1.3 s, past header=1.
		out, d := s.slowClient("GET /h.py HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n", strings.Repeat("X-Pad: 0123456789abcdefghijklm\r\n", 12)+"\r\n", 30, 100*time.Millisecond, limit)
		if st := rawStatus(out); st != 200 {
			t.Errorf("a head sent at 300 bytes/s in %v, header=1-3,MinRate=100: status %d, want 200:\n%s", d, st, out)
		}
	}}, subtest{"header cut at its maximum", func(t *testing.T) {
		// Endless header fields at about 300 bytes/s: cut at 3 s.
		out, d := s.slowClient("GET /h.py HTTP/1.1\r\nHost: localhost\r\n", strings.Repeat("X-Pad: 0123456789abcdefghijklm\r\n", 100), 30, 100*time.Millisecond, limit)
		if st := rawStatus(out); st != 408 {
			t.Errorf("status %d after %v, want 408:\n%s", st, d, out)
		}
		if d < 2500*time.Millisecond || d > 6*time.Second {
			t.Errorf("408 after %v, want about 3 s (header=1-3,MinRate=100 at 300 bytes/s)", d)
		}
	}}, subtest{"header too slow for MinRate", func(t *testing.T) {
		// 10 bytes/s earns 0.1 s a second: cut at about 1.1 s.
		out, d := s.slowClient("GET /h.py HTTP/1.1\r\nHost: localhost\r\n", strings.Repeat("x", 100), 1, 100*time.Millisecond, limit)
		if st := rawStatus(out); st != 408 || d > 2500*time.Millisecond {
			t.Errorf("status %d after %v, want 408 after about 1 s:\n%s", st, d, out)
		}
	}}, subtest{"body past its initial time", func(t *testing.T) {
		// 600 bytes at about 300 bytes/s: 2 s, past body=1 (no maximum).
		// req.write flushes, so the body may come chunked (Apache chunks
		// an HTTP/1.1 response of unknown length even on Connection:
		// close) or with a Content-Length, by when the flush ran.
		out, d := s.slowClient("POST /h.py HTTP/1.1\r\nHost: localhost\r\nContent-Length: 600\r\nConnection: close\r\n\r\n", strings.Repeat("b", 600), 30, 100*time.Millisecond, limit)
		if st := rawStatus(out); st != 200 || !strings.Contains(out, "\r\ngot 600") {
			t.Errorf("a body sent at 300 bytes/s in %v, body=1,MinRate=100: status %d, want 200 and got 600:\n%s", d, st, out)
		}
	}})
}

// A stage of 0 is off: only Timeout applies.
func TestRequestReadTimeoutZeroIsOff(t *testing.T) {
	s := startSite(t, "Timeout 1\nRequestReadTimeout header=0 body=0\n", map[string]string{"htdocs/ok.txt": "ok\n"})
	c := s.dial()
	defer c.Close()
	// Without the stage a head trickling in for 2 s passes (every read
	// gets Timeout afresh).
	var b strings.Builder
	go func() { io.Copy(&b, c) }()
	for _, part := range []string{"GET /ok.txt HTTP/1.1\r\n", "Host: localhost\r\n", "X-A: 1\r\n", "Connection: close\r\n", "\r\n"} {
		io.WriteString(c, part)
		time.Sleep(500 * time.Millisecond)
	}
	c.(*net.TCPConn).CloseWrite()
	time.Sleep(300 * time.Millisecond)
	if st := rawStatus(b.String()); st != 200 {
		t.Errorf("head sent over 2 s with header=0, Timeout 1: status %d, want 200:\n%s", st, b.String())
	}
}

// Bad RequestReadTimeout syntax stops the server from starting, naming the
// file, line and directive, with mod_reqtimeout's message.
func TestRequestReadTimeoutConfigErrors(t *testing.T) {
	wantConfigError(t, "Timeout 30\nRequestReadTimeout header=20-40\n", "site.conf:2: RequestReadTimeout: header=20-40: Must set MinRate option if using timeout range")
	wantConfigError(t, "RequestReadTimeout body=20,MinRate=0\n", "site.conf:1: RequestReadTimeout: body=20,MinRate=0: Minimum data rate must be larger than 0")
	wantConfigError(t, "RequestReadTimeout 20\n", "site.conf:1: RequestReadTimeout: Invalid RequestReadTimeout parameter")
}
