package httpd

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// fakeConn is a connection whose client sends data and then closes.
type fakeConn struct {
	r   *bytes.Reader
	out bytes.Buffer
}

func (f *fakeConn) Read(p []byte) (int, error)       { return f.r.Read(p) }
func (f *fakeConn) Write(p []byte) (int, error)      { return f.out.Write(p) }
func (f *fakeConn) Close() error                     { return nil }
func (f *fakeConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80} }
func (f *fakeConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1234} }
func (f *fakeConn) SetDeadline(time.Time) error      { return nil }
func (f *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (f *fakeConn) SetWriteDeadline(time.Time) error { return nil }

// serveBytes runs a whole connection over data and returns what the server
// wrote.
func serveBytes(t testing.TB, cfg Config, data []byte, h HandlerFunc) string {
	s := &Server{Config: cfg, Handler: h}
	s.init()
	fc := &fakeConn{r: bytes.NewReader(data)}
	c := newConn(s, fc)
	s.conns[c] = struct{}{}
	c.serve()
	return fc.out.String()
}

// FuzzParseRequest feeds arbitrary bytes to a connection: the request head
// parser, the body decoder and the response writer must neither panic nor
// hang, and what a handler sees must be well formed.
func FuzzParseRequest(f *testing.F) {
	for _, seed := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /a%20b?q=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n0\r\nT: v\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
		"GET http://h:80/p HTTP/1.1\r\nHost: [::1]:8\r\nX: a\r\n b\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
		"CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n",
		"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n",
		"\r\n\r\nGET /\r\n",
		"GET / HTTP/2.0\r\n\r\n",
		"GET /%2f HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, small bool) {
		cfg := Config{KeepAlive: true, MaxKeepAliveRequests: 5}
		if small {
			cfg.LimitRequestLine, cfg.LimitRequestFieldSize, cfg.LimitRequestFields = 32, 32, 4
		}
		out := serveBytes(t, cfg, data, func(w *Response, r *Request) {
			checkRequest(t, r)
			if len(r.RawQuery) > 0 {
				r.Body.SetLimit(3)
			}
			n, _ := io.Copy(io.Discard, r.Body)
			if r.Path == "/stream" {
				w.Flush()
			}
			w.Write(bytes.Repeat([]byte("x"), int(n)))
		})
		if out != "" && !strings.HasPrefix(out, "HTTP/1.1 ") {
			t.Fatalf("output %q", out)
		}
	})
}

// checkRequest checks what the parser promises a handler.
func checkRequest(t *testing.T, r *Request) {
	if r.Method == "" || strings.ContainsAny(r.Method, " \t\r\n:") {
		t.Fatalf("method %q", r.Method)
	}
	if r.ProtoNum < 1000 || r.ProtoNum >= 2000 || r.Proto != "HTTP/"+string(rune('0'+r.ProtoNum/1000))+"."+string(rune('0'+r.ProtoNum%1000)) {
		t.Fatalf("protocol %q %d", r.Proto, r.ProtoNum)
	}
	if r.Path == "" || (r.Path[0] != '/' && r.Path != "*") {
		t.Fatalf("path %q", r.Path)
	}
	if r.Host != strings.ToLower(r.Host) || strings.ContainsAny(r.Host, "/\\, ") {
		t.Fatalf("host %q", r.Host)
	}
	if r.ProtoNum == 1001 && !r.Header.Has("Host") {
		t.Fatal("HTTP/1.1 without Host")
	}
	if r.Chunked != (r.ContentLength == -1) || r.ContentLength < -1 {
		t.Fatalf("chunked %v content length %d", r.Chunked, r.ContentLength)
	}
	for _, e := range r.Header.Entries() {
		if e.Key == "" || strings.ContainsAny(e.Key, " \t:\r\n") || strings.ContainsAny(e.Value, "\r\n\x00") {
			t.Fatalf("field %q: %q", e.Key, e.Value)
		}
	}
}

// TestServeBytes runs a few connections through the fuzz harness.
func TestServeBytes(t *testing.T) {
	out := serveBytes(t, Config{KeepAlive: true}, []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\nPOST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab"), hello)
	if strings.Count(out, "HTTP/1.1 200 OK\r\n") != 2 {
		t.Errorf("got %q", out)
	}
}
