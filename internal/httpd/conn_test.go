package httpd

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"testing"
)

// TestByteByByte sends a request one byte per write, so that lines, chunk
// sizes and trailers arrive in pieces.
func TestByteByByte(t *testing.T) {
	ts := startServer(t, Config{KeepAlive: true}, echo)
	c := ts.dial(t)
	raw := "\r\nPOST /p?q HTTP/1.1\r\nHost: x\r\nX-Fold: a\r\n b\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: v\r\n\r\n"
	for i := 0; i < len(raw); i++ {
		if _, err := c.Write([]byte{raw[i]}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := readResponse(bufio.NewReader(c), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`path=/p query=q`, `body="abcde" err=<nil>`, "\nX-Fold=a b", "\ntrailer X-T=v"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("body %q lacks %q", r.body, want)
		}
	}
}

// TestHugeWrite checks one Write far larger than the buffer, chunked and
// with a declared length.
func TestHugeWrite(t *testing.T) {
	huge := strings.Repeat("abcdefghijklmnop", (3*maxWrite)/16+3)
	ts := startServer(t, Config{KeepAlive: true}, func(w *Response, r *Request) {
		if r.Path == "/length" {
			w.Header().Set("Content-Length", itoa(len(huge)))
		}
		io.WriteString(w, huge)
	})
	for _, path := range []string{"/chunked", "/length"} {
		c := ts.dial(t)
		io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		r, err := readResponse(bufio.NewReader(c), false)
		if err != nil {
			t.Fatal(err)
		}
		if r.body != huge {
			t.Errorf("%s: body of %d bytes, want %d", path, len(r.body), len(huge))
		}
	}
}

// TestConnectionFacts checks the per-connection fields of Request.
func TestConnectionFacts(t *testing.T) {
	ts := startServer(t, Config{KeepAlive: true}, func(w *Response, r *Request) {
		fmt.Fprintf(w, "%s %s %d %d %v", r.RemoteAddr.Addr(), r.LocalAddr, r.ConnID, r.KeepAlives, !r.Received.IsZero())
	})
	c := ts.dial(t)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	r1, err1 := readResponse(br, false)
	r2, err2 := readResponse(br, false)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	f1, f2 := strings.Fields(r1.body), strings.Fields(r2.body)
	if f1[0] != "127.0.0.1" || f1[1] != ts.addr || f1[2] != f2[2] || f1[3] != "0" || f2[3] != "1" || f1[4] != "true" {
		t.Errorf("got %q then %q", r1.body, r2.body)
	}
	c2 := ts.dial(t)
	io.WriteString(c2, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	r3, err := readResponse(bufio.NewReader(c2), false)
	if err != nil || strings.Fields(r3.body)[2] == f1[2] {
		t.Errorf("second connection has the same ConnID: %q %v", r3.body, err)
	}
}

// TestErrorLog checks that protocol errors reach ErrorLog with Apache's
// message numbers and the client's address.
func TestErrorLog(t *testing.T) {
	ts := startServer(t, Config{}, hello)
	ts.roundTrip(t, "GET /"+strings.Repeat("a", 9000)+" HTTP/1.1\r\n\r\n")
	ts.roundTrip(t, "GET / HTTP/1.1\r\n\r\n")
	logs := ts.logs.String()
	for _, want := range []string{
		"info: [client 127.0.0.1:",
		"AH00565: request failed: client's request-line exceeds LimitRequestLine (longer than 8190)",
		"debug: [client 127.0.0.1:",
		"AH00569: client sent HTTP/1.1 request without hostname",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

// TestProtocolErrorHook checks what OnProtocolError sees.
func TestProtocolErrorHook(t *testing.T) {
	seen := make(chan string, 1)
	ts := startServer(t, Config{}, hello, func(s *Server) {
		s.OnProtocolError = func(w *Response) {
			seen <- fmt.Sprintf("%d %q %d %v", w.Status(), w.Request().TheRequest, w.BodyBytes(), w.BytesSent() > w.BodyBytes())
		}
	})
	ts.roundTrip(t, "GET /x HTTP/1.1\r\n\r\n")
	if got := <-seen; got != `400 "GET /x HTTP/1.1" 226 true` {
		t.Errorf("hook saw %s", got)
	}
}
