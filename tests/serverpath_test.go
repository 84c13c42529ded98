package tests

import (
	"strings"
	"testing"
	"time"
)

// ServerPath (Apache core): an HTTP/1.0 request without a Host header goes
// to the name-based virtual host whose ServerPath is a prefix of its URI;
// with a Host, or under no ServerPath, the usual choice stands. The
// server object shows it as server.path and server.pathlen.
func TestServerPath(t *testing.T) {
	s := startSite(t, `
<VirtualHost *>
    ServerName first.example
    DocumentRoot {{DIR}}/first
</VirtualHost>
<VirtualHost *>
    ServerName second.example
    ServerPath /app
    DocumentRoot {{DIR}}/second
    <Directory {{DIR}}/second/py>
        SetHandler mod_python
        PythonHandler who
    </Directory>
</VirtualHost>
`, map[string]string{
		"first/app/who.txt":   "first",
		"first/apply/who.txt": "first, not under /app",
		"second/app/who.txt":  "second",
		"second/py/who.py": `from mod_python import apache
def handler(req):
    req.write("path=%r pathlen=%r main=%r" % (req.server.path, req.server.pathlen, apache.main_server.path))
    return apache.OK
`,
	})
	body := func(resp string) string {
		_, b, _ := strings.Cut(resp, "\r\n\r\n")
		return b
	}
	for _, tt := range []struct{ req, want string }{
		{"GET /app/who.txt HTTP/1.0\r\n\r\n", "second"},
		{"GET /apply/who.txt HTTP/1.0\r\n\r\n", "first, not under /app"},
		{"GET /app/who.txt HTTP/1.0\r\nHost: first.example\r\n\r\n", "first"},
		{"GET /app/who.txt HTTP/1.1\r\nHost: nosuch.example\r\nConnection: close\r\n\r\n", "first"},
	} {
		if got := body(s.raw(tt.req, 10*time.Second)); got != tt.want {
			t.Errorf("%q: body %q, want %q", tt.req, got, tt.want)
		}
	}
	if got := s.mustGet("/py/x", "Host", "second.example"); got != "path='/app' pathlen=4 main=None" {
		t.Errorf("server.path: %q", got)
	}
}
