package python

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"modpy/internal/request"
)

// benchRequest returns a request for the content phase of a handler that
// returns apache.OK at once, from a module in a temporary directory.
func benchRequest(b *testing.B, py request.PyConfig) func() *request.Request {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "benchmod.py"), []byte("def handler(req):\n    return 0\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	srv := &request.Server{Hostname: "bench"}
	return func() *request.Request {
		req := request.New()
		req.Method, req.URI, req.Server = "GET", "/", srv
		req.Conn = &request.Conn{}
		req.Phase = request.PhaseHandler
		req.Handlers = append(req.Handlers, request.Handler{Spec: "benchmod", Dir: dir + "/"})
		req.Py = py
		return req
	}
}

// runBench runs one request's content phase per iteration through Run and
// Finish, as the server does, in the interpreter called name.
func runBench(b *testing.B, name string, py request.PyConfig) {
	rt := runtimeForTest(b)
	mk := benchRequest(b, py)
	if st, _, err := rt.Run(name, mk()); err != nil || st != 0 {
		b.Fatalf("Run = %d, %v\n%s", st, err, rtLog.text())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := mk()
		if _, _, err := rt.Run(name, req); err != nil {
			b.Fatal(err)
		}
		rt.Finish(req)
	}
}

// BenchmarkRunDirect is one phase through Run on the caller's own thread
// (a direct call: no lifecycle directive set).
func BenchmarkRunDirect(b *testing.B) { runBench(b, "benchdirect", request.PyConfig{}) }

// BenchmarkRunHandoff is the same handed off to the pool (an idle timeout
// set keeps it off the direct route).
func BenchmarkRunHandoff(b *testing.B) {
	runBench(b, "benchhandoff", request.PyConfig{IdleTimeout: time.Hour})
}
