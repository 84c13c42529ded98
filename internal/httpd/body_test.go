package httpd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// TestChunkedBody checks chunked request bodies: extensions, blanks after
// the size, leading zeros, upper-case hex and trailers.
func TestChunkedBody(t *testing.T) {
	ts := startServer(t, Config{KeepAlive: true}, echo)
	c := ts.dial(t)
	io.WriteString(c, "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"+
		"5;name=value;other\r\nhello\r\n"+
		"0001  \t;ext\r\n,\r\n"+
		"A\r\n 012345678\r\n"+
		"0;last\r\nX-Trailer: t1\r\nX-Other:  t2 \r\n\r\n"+
		"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	r, err := readResponse(br, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`cl=-1 chunked=true body="hello, 012345678" err=<nil>`, "\ntrailer X-Trailer=t1", "\ntrailer X-Other=t2"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("body %q lacks %q", r.body, want)
		}
	}
	if r, err := readResponse(br, false); err != nil || !strings.Contains(r.body, "uri=/after") {
		t.Fatalf("request after the chunked body: %v %+v", err, r)
	}
}

// TestBadChunked checks that malformed chunked coding fails the handler's
// Read with a 400 ProtocolError, an oversized chunk with 413, and that the
// connection closes.
func TestBadChunked(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		status     int
	}{
		{"not hex", "x\r\n", 400},
		{"empty size", "\r\n", 400},
		{"leading blank", " 5\r\nhello\r\n0\r\n\r\n", 400},
		{"bare LF", "5\nhello\r\n0\r\n\r\n", 400},
		{"no CRLF after data", "5\r\nhelloX\r\n0\r\n\r\n", 400},
		{"LF only after data", "5\r\nhello\n0\r\n\r\n", 400},
		{"junk after blanks", "5 x\r\nhello\r\n0\r\n\r\n", 400},
		{"eleven blanks", "5" + strings.Repeat(" ", 11) + "\r\nhello\r\n0\r\n\r\n", 400},
		{"control in extension", "5;a\x01\r\nhello\r\n0\r\n\r\n", 400},
		{"bad trailer", "0\r\nbad trailer\r\n\r\n", 400},
		{"size overflow", "10000000000000000\r\n", 413},
		{"size line too long", "5;" + strings.Repeat("e", 9000) + "\r\nhello\r\n0\r\n\r\n", 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errc := make(chan error, 1)
			ts := startServer(t, Config{KeepAlive: true}, func(w *Response, r *Request) {
				_, err := io.ReadAll(r.Body)
				errc <- err
				if s := BodyErrorStatus(err); s != 0 {
					w.SetStatus(s)
				}
			})
			c := ts.dial(t)
			io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"+tc.body)
			br := bufio.NewReader(c)
			r, err := readResponse(br, false)
			if err != nil {
				t.Fatal(err)
			}
			var pe *ProtocolError
			if err := <-errc; !errors.As(err, &pe) || pe.Status != tc.status {
				t.Errorf("Read error %v, want a ProtocolError with status %d", err, tc.status)
			}
			if r.status() != tc.status {
				t.Errorf("status %s", r.statusLine)
			}
			if cv, _ := r.get("Connection"); cv != "close" {
				t.Errorf("Connection %q", cv)
			}
			expectClosed(t, br)
		})
	}
}

// TestTruncatedBody checks that a client closing early fails Read with
// io.ErrUnexpectedEOF.
func TestTruncatedBody(t *testing.T) {
	for _, body := range []string{
		"Content-Length: 10\r\n\r\nabc",
		"Transfer-Encoding: chunked\r\n\r\n5\r\nab",
		"Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n",
	} {
		errc := make(chan error, 1)
		ts := startServer(t, Config{KeepAlive: true}, func(w *Response, r *Request) {
			_, err := io.ReadAll(r.Body)
			errc <- err
		})
		c := ts.dial(t)
		io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\n"+body)
		c.(interface{ CloseWrite() error }).CloseWrite()
		io.ReadAll(c)
		if err := <-errc; err != io.ErrUnexpectedEOF {
			t.Errorf("%q: Read error %v", body, err)
		}
	}
}

// TestLimitRequestBody checks SetLimit for Content-Length and chunked
// bodies.
func TestLimitRequestBody(t *testing.T) {
	handler := func(w *Response, r *Request) {
		r.Body.SetLimit(5)
		b, err := io.ReadAll(r.Body)
		if err == ErrBodyTooLarge {
			w.SetStatus(413)
			w.Header().Set("Content-Type", ErrorContentType)
			w.Write(ErrorPage(413, ErrorDetails{Method: r.Method}))
			return
		}
		fmt.Fprintf(w, "read %q %v", b, err)
	}
	ts := startServer(t, Config{KeepAlive: true}, handler)
	for _, tc := range []struct {
		name, req string
		want      int
	}{
		{"length at limit", "Content-Length: 5\r\n\r\nabcde", 200},
		{"length over limit", "Content-Length: 6\r\nExpect: 100-continue\r\n\r\n", 413},
		{"chunked at limit", "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n", 200},
		{"chunked over limit", "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n4\r\ncdef\r\n0\r\n\r\n", 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ts.dial(t)
			io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\n"+tc.req)
			br := bufio.NewReader(c)
			r, err := readResponse(br, false)
			if err != nil {
				t.Fatal(err)
			}
			if r.status() != tc.want {
				t.Fatalf("status %s body %q", r.statusLine, r.body)
			}
			if tc.want == 413 {
				want := apachePage(413, "Request Entity Too Large", "The requested resource does not allow request data with POST requests, or the amount of data provided in\nthe request exceeds the capacity limit.\n")
				if r.body != want {
					t.Errorf("body %q", r.body)
				}
				if cv, _ := r.get("Connection"); cv != "close" {
					t.Errorf("Connection %q", cv)
				}
				expectClosed(t, br)
			} else if r.body != `read "abcde" <nil>` {
				t.Errorf("body %q", r.body)
			}
		})
	}
}

// TestExpectContinue checks that "100 Continue" is sent when the handler
// reads the body and not otherwise.
func TestExpectContinue(t *testing.T) {
	ts := startServer(t, Config{KeepAlive: true}, func(w *Response, r *Request) {
		if r.Path == "/read" {
			b, _ := io.ReadAll(r.Body)
			w.Write(b)
			return
		}
		w.Write([]byte("not read"))
	})

	t.Run("handler reads", func(t *testing.T) {
		c := ts.dial(t)
		io.WriteString(c, "POST /read HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
		br := bufio.NewReader(c)
		line, err := br.ReadString('\n')
		if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
			t.Fatalf("got %q %v before sending the body", line, err)
		}
		if line, _ := br.ReadString('\n'); line != "\r\n" {
			t.Fatalf("100 Continue followed by %q", line)
		}
		io.WriteString(c, "body")
		r, err := readResponse(br, false)
		if err != nil || r.body != "body" {
			t.Fatalf("%v %+v", err, r)
		}
		if _, ok := r.get("Connection"); ok {
			t.Errorf("connection not kept: %s", r.head)
		}
	})
	t.Run("handler does not read", func(t *testing.T) {
		c := ts.dial(t)
		io.WriteString(c, "POST /no HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
		br := bufio.NewReader(c)
		r, err := readResponse(br, false)
		if err != nil {
			t.Fatal(err)
		}
		if r.status() != 200 || r.body != "not read" {
			t.Fatalf("%s %q", r.statusLine, r.body)
		}
		if cv, _ := r.get("Connection"); cv != "close" {
			t.Errorf("Connection %q: the unread body must close the connection", cv)
		}
		expectClosed(t, br)
	})
	t.Run("empty body keeps", func(t *testing.T) {
		c := ts.dial(t)
		io.WriteString(c, "POST /no HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\nGET /no HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		for range 2 {
			r, err := readResponse(br, false)
			if err != nil || r.status() != 200 {
				t.Fatalf("%v %+v", err, r)
			}
		}
	})
	t.Run("HTTP/1.0 gets no 100", func(t *testing.T) {
		c := ts.dial(t)
		io.WriteString(c, "POST /read HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody")
		br := bufio.NewReader(c)
		r, err := readResponse(br, false)
		if err != nil || r.status() != 200 || r.body != "body" {
			t.Fatalf("%v %+v", err, r)
		}
	})
}
