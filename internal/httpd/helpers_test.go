package httpd

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"modpy/internal/table"
)

// testServer is a Server on a loopback port.
type testServer struct {
	*Server
	addr string
	logs *logSink
	done chan error
}

// logSink collects ErrorLog lines.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) log(level, msg string) {
	l.mu.Lock()
	l.lines = append(l.lines, level+": "+msg)
	l.mu.Unlock()
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func startServer(t testing.TB, cfg Config, h HandlerFunc, opts ...func(*Server)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &logSink{}
	if cfg.ErrorLog == nil {
		cfg.ErrorLog = logs.log
	}
	ts := &testServer{Server: &Server{Config: cfg, Handler: h}, addr: ln.Addr().String(), logs: logs, done: make(chan error, 1)}
	for _, o := range opts {
		o(ts.Server)
	}
	go func() { ts.done <- ts.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := ts.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-ts.done; err != ErrServerClosed {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return ts
}

func (ts *testServer) dial(t testing.TB) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip sends raw and returns everything the server sends until it
// closes the connection.
func (ts *testServer) roundTrip(t testing.TB, raw string) string {
	t.Helper()
	c := ts.dial(t)
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("reading response to %q: %v (got %q)", raw, err, b)
	}
	return string(b)
}

// response is a response read off the wire.
type response struct {
	statusLine string
	head       string // status line and fields, CRLFs included, without the blank line
	fields     [][2]string
	body       string
	trailer    string
}

func (r *response) get(name string) (string, bool) {
	for _, f := range r.fields {
		if strings.EqualFold(f[0], name) {
			return f[1], true
		}
	}
	return "", false
}

func (r *response) status() int {
	n, _ := strconv.Atoi(strings.Fields(r.statusLine)[1])
	return n
}

// readResponse reads one response; head says it answers a HEAD request.
func readResponse(br *bufio.Reader, head bool) (*response, error) {
	r := &response{}
	var hb strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return r, fmt.Errorf("reading head (have %q): %w", hb.String()+line, err)
		}
		if !strings.HasSuffix(line, "\r\n") {
			return r, fmt.Errorf("line without CRLF: %q", line)
		}
		if line == "\r\n" {
			break
		}
		hb.WriteString(line)
		line = strings.TrimSuffix(line, "\r\n")
		if r.statusLine == "" {
			r.statusLine = line
			continue
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			return r, fmt.Errorf("bad field %q", line)
		}
		r.fields = append(r.fields, [2]string{k, v})
	}
	r.head = hb.String()
	code := r.status()
	if code == 100 {
		return r, nil
	}
	if head || code == 204 || code == 304 {
		return r, nil
	}
	if cl, ok := r.get("Content-Length"); ok {
		n, _ := strconv.Atoi(cl)
		b := make([]byte, n)
		_, err := io.ReadFull(br, b)
		r.body = string(b)
		return r, err
	}
	if te, _ := r.get("Transfer-Encoding"); te == "chunked" {
		var body strings.Builder
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return r, err
			}
			n, err := strconv.ParseInt(strings.TrimSuffix(line, "\r\n"), 16, 64)
			if err != nil {
				return r, fmt.Errorf("chunk size %q: %w", line, err)
			}
			if n == 0 {
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return r, err
					}
					if line == "\r\n" {
						break
					}
					r.trailer += line
				}
				r.body = body.String()
				return r, nil
			}
			b := make([]byte, n+2)
			if _, err := io.ReadFull(br, b); err != nil {
				return r, err
			}
			if string(b[n:]) != "\r\n" {
				return r, fmt.Errorf("chunk not followed by CRLF")
			}
			body.Write(b[:n])
		}
	}
	b, err := io.ReadAll(br)
	r.body = string(b)
	return r, err
}

// expectClosed checks that the server closes the connection without
// sending anything more.
func expectClosed(t *testing.T, br *bufio.Reader) {
	t.Helper()
	b, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("waiting for close: %v", err)
	}
	if len(b) > 0 {
		t.Fatalf("after the response the server sent %q", b)
	}
}

var helloBody = []byte("hello")

// hello answers "hello".
func hello(w *Response, r *Request) { w.Write(helloBody) }

// echo answers with facts about the request and its body.
func echo(w *Response, r *Request) {
	body, err := io.ReadAll(r.Body)
	fmt.Fprintf(w, "method=%s uri=%s path=%s query=%s hasquery=%v host=%s port=%d proto=%s/%d cl=%d chunked=%v body=%q err=%v",
		r.Method, r.RequestURI, r.Path, r.RawQuery, r.HasQuery, r.Host, r.Port, r.Proto, r.ProtoNum, r.ContentLength, r.Chunked, body, err)
	for _, e := range r.Header.Entries() {
		fmt.Fprintf(w, "\n%s=%s", e.Key, e.Value)
	}
	for _, e := range r.Trailer.Entries() {
		fmt.Fprintf(w, "\ntrailer %s=%s", e.Key, e.Value)
	}
}

// apachePage is what Apache's error page looks like, for comparisons.
func apachePage(code int, title, message string) string {
	return "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>" +
		strconv.Itoa(code) + " " + title + "</title>\n</head><body>\n<h1>" + title + "</h1>\n" + message + "</body></html>\n"
}

var timeZero time.Time

func newTable() *table.Table { return table.New(16) }
