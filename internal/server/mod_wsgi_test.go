package server

import (
	"os"
	"path/filepath"
	"testing"

	"modpy/internal/httpd"
	"modpy/internal/request"
)

// BenchmarkWSGIRequest is the server's own work for a WSGI hello's
// request besides the phases and Python: the environ, the application
// group, start_response's status and headers.
func BenchmarkWSGIRequest(b *testing.B) {
	root := b.TempDir()
	script := filepath.Join(root, "hello.wsgi")
	if err := os.WriteFile(script, []byte("application = None\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	s := benchServer(b, root, "WSGIScriptAlias /wsgi "+script+"\n")
	hr := &httpd.Request{Body: &httpd.Body{}, Port: 8080}
	headers := []string{"Content-Type", "text/plain", "Content-Length", "14"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		req := request.New()
		req.Method, req.URI, req.UnparsedURI, req.Protocol = "GET", "/wsgi", "/wsgi", "HTTP/1.1"
		req.HeadersIn.Add("Host", "127.0.0.1:8080")
		req.Conn = &request.Conn{RemoteIP: "127.0.0.1", RemotePort: 40000, LocalIP: "127.0.0.1", LocalPort: 8080}
		req.Filename, req.Server = script, s.main.info
		rs := &rstate{s: s, hr: hr, req: req, vh: s.main, dc: s.main.conf.Dir}
		g := rs.wsgiApplicationGroup(nil, "/wsgi")
		env, consts := rs.wsgiCGI(false, "/wsgi", 4)
		if len(env) == 0 || len(consts) != request.WSGICGIConst || g == "" {
			b.Fatal("no environ")
		}
		if _, err := rs.WSGIStart("200 OK", headers); err != nil {
			b.Fatal(err)
		}
	}
}
