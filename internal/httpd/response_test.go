package httpd

import (
	"bufio"
	"io"
	"strings"
	"testing"
	"time"
)

// TestResponseFraming checks Content-Length, chunked and close-delimited
// responses, HEAD, 204 and 304.
func TestResponseFraming(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 2*bodyBufSize/16+7)
	cases := []struct {
		name    string
		req     string
		handler HandlerFunc
		head    bool
		fields  string // field names in order, Date excepted
		body    string
		closes  bool
	}{
		{"small", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", hello, false, "Server,Content-Length", "hello", false},
		{"exactly the buffer", "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
			func(w *Response, r *Request) { w.Write([]byte(big[:bodyBufSize])) }, false, "Server,Content-Length", big[:bodyBufSize], false},
		{"big 1.1 is chunked", "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
			func(w *Response, r *Request) { w.Write([]byte(big)) }, false, "Server,Transfer-Encoding", big, false},
		{"big in small writes", "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
			func(w *Response, r *Request) {
				for i := 0; i < len(big); i += 1000 {
					io.WriteString(w, big[i:min(i+1000, len(big))])
				}
			}, false, "Server,Transfer-Encoding", big, false},
		{"big 1.0 is close-delimited", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
			func(w *Response, r *Request) { w.Write([]byte(big)) }, false, "Server,Connection", big, true},
		{"handler Content-Length streamed", "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
			func(w *Response, r *Request) {
				w.Header().Set("Content-Length", itoa(len(big)))
				w.Write([]byte(big))
			}, false, "Server,Content-Length", big, false},
		{"handler Content-Length corrected", "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
			func(w *Response, r *Request) {
				w.Header().Set("Content-Length", "99")
				w.Write([]byte("hello"))
			}, false, "Server,Content-Length", "hello", false},
		{"order of fields", "GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n",
			func(w *Response, r *Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.Header().Set("X-A", "1")
				w.Header().Set("Date", "ignored")
				w.Header().Set("Server", "ignored")
				w.Header().Set("Transfer-Encoding", "ignored")
				w.Header().Add("Set-Cookie", "a=1")
				w.Header().Add("Set-Cookie", "b=2")
				w.Write([]byte("hello"))
			}, false, "Server,X-A,Set-Cookie,Set-Cookie,Content-Length,Keep-Alive,Connection,Content-Type", "hello", false},
		{"HEAD", "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", hello, true, "Server,Content-Length", "", false},
		{"HEAD empty", "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n",
			func(w *Response, r *Request) {}, true, "Server", "", false},
		{"HEAD with handler length", "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n",
			func(w *Response, r *Request) { w.Header().Set("Content-Length", "1234") }, true, "Server,Content-Length", "", false},
		{"HEAD big", "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n",
			func(w *Response, r *Request) { w.Write([]byte(big)) }, true, "Server", "", false},
		{"204", "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
			func(w *Response, r *Request) {
				w.SetStatus(204)
				w.Header().Set("Content-Type", "text/plain")
				w.Header().Set("Content-Length", "5")
				w.Write([]byte("hello"))
			}, false, "Server", "", false},
		{"304", "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
			func(w *Response, r *Request) {
				w.SetStatus(304)
				w.Header().Set("Content-Type", "text/plain")
				w.Header().Set("Last-Modified", "x")
				w.Header().Set("Vary", "y")
				w.Header().Set("ETag", `"e"`)
				w.Write([]byte("hello"))
			}, false, "Server,ETag,Vary", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, Config{KeepAlive: true, ServerHeader: "Apache"}, tc.handler)
			c := ts.dial(t)
			io.WriteString(c, tc.req)
			br := bufio.NewReader(c)
			r, err := readResponse(br, tc.head)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range r.fields {
				names = append(names, f[0])
			}
			if names[0] != "Date" {
				t.Errorf("first field %s", names[0])
			}
			if got := strings.Join(names[1:], ","); got != tc.fields {
				t.Errorf("fields %s, want %s\n%s", got, tc.fields, r.head)
			}
			if v, _ := r.get("Server"); v != "Apache" {
				t.Errorf("Server %q", v)
			}
			if r.body != tc.body {
				t.Errorf("body of %d bytes, want %d", len(r.body), len(tc.body))
			}
			if tc.closes {
				return // readResponse read to EOF
			}
			io.WriteString(c, "GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			if r, err := readResponse(br, false); err != nil || r.status() == 0 {
				t.Fatalf("next request: %v %+v", err, r)
			}
		})
	}
}

// TestResponseExact checks a whole response byte for byte.
func TestResponseExact(t *testing.T) {
	ts := startServer(t, Config{KeepAlive: true, ServerHeader: "Apache/2.4"}, func(w *Response, r *Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("hello"))
	})
	got := ts.roundTrip(t, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	i := strings.Index(got, "Date: ")
	j := strings.Index(got[i:], "\r\n")
	date := got[i+6 : i+j]
	if _, err := time.Parse(time.RFC1123, date); err != nil || !strings.HasSuffix(date, " GMT") {
		t.Errorf("Date %q: %v", date, err)
	}
	want := "HTTP/1.1 200 OK\r\nDate: " + date + "\r\nServer: Apache/2.4\r\nContent-Length: 5\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nhello"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// TestFlushStreaming checks that Flush puts the headers and body so far on
// the wire while the handler still runs.
func TestFlushStreaming(t *testing.T) {
	step := make(chan struct{})
	ts := startServer(t, Config{KeepAlive: true}, func(w *Response, r *Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("first"))
		if err := w.Flush(); err != nil {
			t.Error(err)
		}
		if !w.HeadersSent() {
			t.Error("headers not sent after Flush")
		}
		w.SetStatus(500) // too late: ignored
		<-step
		w.Write([]byte("second"))
	})
	c := ts.dial(t)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	var head strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		head.WriteString(line)
		if line == "\r\n" {
			break
		}
	}
	if !strings.HasPrefix(head.String(), "HTTP/1.1 200 OK\r\n") || !strings.Contains(head.String(), "Transfer-Encoding: chunked\r\n") {
		t.Fatalf("head %q", head.String())
	}
	chunk := make([]byte, len("5\r\nfirst\r\n"))
	if _, err := io.ReadFull(br, chunk); err != nil || string(chunk) != "5\r\nfirst\r\n" {
		t.Fatalf("first chunk %q %v", chunk, err)
	}
	close(step)
	rest := make([]byte, len("6\r\nsecond\r\n0\r\n\r\n"))
	if _, err := io.ReadFull(br, rest); err != nil || string(rest) != "6\r\nsecond\r\n0\r\n\r\n" {
		t.Fatalf("rest %q %v", rest, err)
	}
}

// TestContentLengthMismatch checks a handler that writes more, or less,
// than the Content-Length it set after the headers went out.
func TestContentLengthMismatch(t *testing.T) {
	errc := make(chan error, 1)
	ts := startServer(t, Config{KeepAlive: true}, func(w *Response, r *Request) {
		w.Header().Set("Content-Length", "3")
		w.Flush()
		if r.Path == "/more" {
			_, err := w.Write([]byte("abcd"))
			errc <- err
		} else {
			w.Write([]byte("ab"))
		}
	})
	c := ts.dial(t)
	io.WriteString(c, "GET /more HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	r, err := readResponse(br, false)
	if err != nil || r.body != "abc" {
		t.Fatalf("%v %+v", err, r)
	}
	if err := <-errc; err != ErrContentLength {
		t.Errorf("Write past Content-Length: %v", err)
	}
	expectClosed(t, br)

	c = ts.dial(t)
	io.WriteString(c, "GET /less HTTP/1.1\r\nHost: x\r\n\r\n")
	b, _ := io.ReadAll(c)
	if !strings.HasSuffix(string(b), "\r\n\r\nab") {
		t.Errorf("short response %q", b)
	}
}

// TestHandlerPanic checks that a panic is logged and answered 500 before
// the headers are out, and closes the connection after.
func TestHandlerPanic(t *testing.T) {
	ts := startServer(t, Config{KeepAlive: true, ServerHeader: "Apache"}, func(w *Response, r *Request) {
		w.Header().Set("X-Lost", "1")
		w.Write([]byte("partial"))
		if r.Path == "/late" {
			w.Flush()
		}
		panic("boom")
	})
	got := ts.roundTrip(t, "GET /early HTTP/1.1\r\nHost: x\r\n\r\n")
	r, err := readResponse(bufio.NewReader(strings.NewReader(got)), false)
	if err != nil {
		t.Fatal(err)
	}
	checkErrorResponse(t, r, 500, cannedMessage(500, &ErrorDetails{}))
	if !strings.Contains(ts.logs.String(), "boom") {
		t.Errorf("panic not logged: %s", ts.logs)
	}

	got = ts.roundTrip(t, "GET /late HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(got, "7\r\npartial\r\n") {
		t.Errorf("panic after Flush: %q", got)
	}
}

// TestInvalidResponseHeader checks Apache's check_headers: 500 instead.
func TestInvalidResponseHeader(t *testing.T) {
	ts := startServer(t, Config{KeepAlive: true}, func(w *Response, r *Request) {
		w.Header().Set("X-Bad", "a\r\nInjected: yes")
		w.Write([]byte("hello"))
	})
	got := ts.roundTrip(t, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 500 Internal Server Error\r\n") || strings.Contains(got, "Injected") {
		t.Errorf("got %q", got)
	}
}

// TestStatusLines checks Apache's reason phrases and custom status lines.
func TestStatusLines(t *testing.T) {
	ts := startServer(t, Config{}, func(w *Response, r *Request) {
		switch r.Path {
		case "/414":
			w.SetStatus(414)
		case "/custom":
			w.SetStatus(299)
			w.SetStatusLine("299 Custom Thing")
		case "/unknown":
			w.SetStatus(299)
		case "/mismatch":
			w.SetStatus(200)
			w.SetStatusLine("404 Not Really")
		}
	})
	for path, want := range map[string]string{
		"/414":      "HTTP/1.1 414 Request-URI Too Long\r\n",
		"/custom":   "HTTP/1.1 299 Custom Thing\r\n",
		"/unknown":  "HTTP/1.1 299 \r\n",
		"/mismatch": "HTTP/1.1 200 OK\r\n",
	} {
		if got := ts.roundTrip(t, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); !strings.HasPrefix(got, want) {
			t.Errorf("%s: %q", path, got)
		}
	}
}

// TestResponseAccessors checks what a handler can ask of its Response.
func TestResponseAccessors(t *testing.T) {
	done := make(chan string, 1)
	ts := startServer(t, Config{}, func(w *Response, r *Request) {
		w.Write([]byte("abc"))
		io.WriteString(w, "de")
		if w.Request() != r || w.Status() != 200 || w.BodyBytes() != 5 || w.HeadersSent() || w.BytesSent() != 0 {
			done <- "bad accessors"
			return
		}
		done <- ""
	})
	ts.roundTrip(t, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if msg := <-done; msg != "" {
		t.Error(msg)
	}
}

// TestFinish checks that Finish completes the response and that
// BytesSent then counts every byte on the wire.
func TestFinish(t *testing.T) {
	big := strings.Repeat("x", bodyBufSize+100)
	counts := make(chan [2]int64, 1)
	ts := startServer(t, Config{KeepAlive: true}, func(w *Response, r *Request) {
		if r.Path == "/big" {
			io.WriteString(w, big)
		} else {
			io.WriteString(w, "hello")
		}
		if err := w.Finish(); err != nil {
			t.Error(err)
		}
		if _, err := w.Write([]byte("late")); err != ErrResponseFinished {
			t.Errorf("Write after Finish: %v", err)
		}
		counts <- [2]int64{w.BytesSent(), w.BodyBytes()}
	})
	for _, path := range []string{"/small", "/big"} {
		c := ts.dial(t)
		io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		got, err := io.ReadAll(c)
		if err != nil {
			t.Fatal(err)
		}
		n := <-counts
		if n[0] != int64(len(got)) {
			t.Errorf("%s: BytesSent %d, %d bytes on the wire", path, n[0], len(got))
		}
		if want := map[string]int64{"/small": 5, "/big": int64(len(big))}[path]; n[1] != want {
			t.Errorf("%s: BodyBytes %d, want %d", path, n[1], want)
		}
	}
}

func TestDiscardBody(t *testing.T) {
	ts := startServer(t, Config{}, func(w *Response, r *Request) {
		w.Write([]byte("dropped"))
		if !w.DiscardBody() {
			t.Error("DiscardBody before the headers went: false")
		}
		w.SetStatus(404)
		w.Write([]byte("kept"))
		w.Flush()
		if w.DiscardBody() {
			t.Error("DiscardBody after the headers went: true")
		}
	})
	out := ts.roundTrip(t, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(out, "HTTP/1.1 404 ") || strings.Contains(out, "dropped") || !strings.Contains(out, "kept") {
		t.Fatalf("response:\n%s", out)
	}
}
