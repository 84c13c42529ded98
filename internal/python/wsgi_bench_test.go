package python

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"modpy/internal/request"
)

// benchIO is a response that goes nowhere: every write fits.
type benchIO struct {
	request.IO
	n int64
}

func (b *benchIO) TryWrite(p []byte, flush bool) bool { b.n += int64(len(p)); return true }
func (b *benchIO) HeadersSent() bool                  { return b.n > 0 }
func (b *benchIO) BodyBytes() int64                   { return b.n }

// benchWSGIHooks answers start_response as the server would, without
// checking.
type benchWSGIHooks struct {
	request.Hooks
	status string
	fields int
}

func (h *benchWSGIHooks) WSGIStart(status string, headers []string) (int64, error) {
	h.status, h.fields = status, len(headers)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Content-Length" {
			n, _ := strconv.ParseInt(headers[i+1], 10, 64)
			return n, nil
		}
	}
	return -1, nil
}
func (h *benchWSGIHooks) WSGIEnviron(bool) ([]string, bool, bool)         { return nil, false, false }
func (h *benchWSGIHooks) HandlerLocation(string) (string, bool)           { return "", false }
func (h *benchWSGIHooks) SendFile(int, int64, int64) (int64, bool, error) { return 0, false, nil }
func (h *benchWSGIHooks) AbortResponse() bool                             { return false }

// BenchmarkRunWSGI is a WSGI hello's call through RunWSGI, as the
// wsgi-script handler makes it (an environ of a browser-like request),
// on the caller's own thread: the Python side of a WSGI request and its
// crossings, without the server's phases or I/O.
func BenchmarkRunWSGI(b *testing.B) {
	rt := runtimeForTest(b)
	dir := b.TempDir()
	script := filepath.Join(dir, "hello.wsgi")
	src := "def application(environ, start_response):\n" +
		"    body = b'hello from wsgi\\n'\n" +
		"    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])\n" +
		"    return [body]\n"
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(script)
	if err != nil {
		b.Fatal(err)
	}
	srv := &request.Server{Hostname: "bench"}
	consts := []string{"", "modpy", "localhost", "127.0.0.1", "8080", dir, "http", "", dir, "[no address given]",
		script, "CGI/1.1", "HTTP/1.1", "", "http",
		"", "localhost|", "application", "wsgi-script", "", "1", "0", "0", "8080", ""}
	env := []string{"HTTP_HOST", "127.0.0.1:8080", "HTTP_USER_AGENT", "wrk", "HTTP_ACCEPT", "*/*",
		"REMOTE_ADDR", "127.0.0.1", "REMOTE_PORT", "40000", "REQUEST_METHOD", "GET", "QUERY_STRING", "",
		"REQUEST_URI", "/", "PATH_INFO", "/", "PATH_TRANSLATED", dir + "/",
		"mod_wsgi.request_start", "1764680000000000", "mod_wsgi.path_info", "/"}
	hooks := &benchWSGIHooks{}
	mk := func() *request.Request {
		req := request.New()
		req.Method, req.URI, req.Server = "GET", "/", srv
		req.Conn = &request.Conn{}
		req.Phase = request.PhaseHandler
		req.IO = &benchIO{}
		req.Hooks = hooks
		req.WSGI = &request.WSGI{Script: script, Callable: "application", Group: "localhost|", Reloading: true,
			MTime: st.ModTime().UnixNano(), MultiThread: true, Const: consts, Env: env}
		return req
	}
	run := func() {
		req := mk()
		if st, _, err := rt.RunWSGI("benchwsgi", req); err != nil || st != 0 {
			b.Fatalf("RunWSGI = %d, %v\n%s", st, err, rtLog.text())
		}
		rt.Finish(req)
		if hooks.status != "200 OK" || req.IO.BodyBytes() != 16 {
			b.Fatalf("status %q, %d bytes", hooks.status, req.IO.BodyBytes())
		}
	}
	run()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run()
	}
}
