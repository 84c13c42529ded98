package server

import (
	"os"
	"path/filepath"
	"testing"

	"modpy/internal/config"
	"modpy/internal/httpd"
	"modpy/internal/request"
)

// BenchmarkNativePhases runs the phases of requests no Python handler
// takes, through every module's hooks: a static file that exists (up to
// the content handler, which is not run: it writes the response), and a
// missing one answered 404. It is the server's own share of a request's
// cost; adding a module must not move it much.
func BenchmarkNativePhases(b *testing.B) {
	root := b.TempDir()
	if err := os.WriteFile(filepath.Join(root, "a.txt"), []byte("hi\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	s := benchServer(b, root, "Alias /icons/ /usr/share/icons/\nUserDir disabled\nRedirect /old /new\nSetEnv A b\n")
	// The handler phase of a.txt would write the response: stop before it.
	last := len(requestPhases) - 1
	for _, c := range []struct {
		name, uri string
		phases    []phase
		want      int
	}{
		{"static", "/a.txt", requestPhases[:last], resOK},
		{"missing", "/missing/x.txt", requestPhases, 404},
	} {
		b.Run(c.name, func(b *testing.B) {
			saved := requestPhases
			requestPhases = c.phases
			defer func() { requestPhases = saved }()
			hr := &httpd.Request{Body: &httpd.Body{}}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				req := request.New()
				req.Method, req.URI = "GET", c.uri
				rs := &rstate{s: s, hr: hr, req: req, vh: s.main}
				if st := rs.process(); st != c.want {
					b.Fatalf("process: %d, want %d", st, c.want)
				}
			}
		})
	}
}

// benchServer is a Server (not started) for the configuration conf after
// Listen, ServerName, DocumentRoot root and ErrorLog /dev/null.
func benchServer(b *testing.B, root, conf string) *Server {
	file := filepath.Join(root, "site.conf")
	conf = "Listen 127.0.0.1:8080\nServerName localhost\nDocumentRoot " + root + "\nErrorLog /dev/null\n" + conf
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Load(config.LoadOptions{File: file, ServerRoot: root})
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return s
}
