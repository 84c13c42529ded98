package tests

import (
	"net"
	"os/exec"
	"strings"
	"testing"
)

const zeroHello = `from mod_python import apache
def handler(req):
    req.content_type = "text/plain"
    req.write("hello from %s" % req.interpreter)
    return apache.OK
`

func pageModule(text string) string {
	return `from mod_python import apache
def handler(req):
    req.content_type = "text/plain"
    req.write("` + text + ` in %s" % req.interpreter)
    return apache.OK
`
}

func TestZeroConfig(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:8080")
	if err != nil {
		t.Skipf("the zero-config listens on 127.0.0.1:8080, which is in use here (%v): skipping", err)
	}
	l.Close()
	s := newSite(t, map[string]string{
		"hello.py":       zeroHello,
		"page.py":        pageModule("top page"),
		"other/page.py":  pageModule("other page"),
		"readme.txt":     "just text\n",
		"index.html":     "<h1>index</h1>\n",
		"other/note.txt": "other note\n",
	})
	s.Port = 8080
	s.URL = "http://127.0.0.1:8080"
	s.start("-X")

	if body := s.mustGet("/hello.py"); body != "hello from localhost" {
		t.Errorf("/hello.py: %q, want %q", body, "hello from localhost")
	}
	if body := s.mustGet("/other/page.py"); body != "other page in localhost" {
		t.Errorf("/other/page.py: %q", body)
	}
	// Two page.py in two directories are two modules.
	if body := s.mustGet("/page.py"); body != "top page in localhost" {
		t.Errorf("/page.py: %q", body)
	}
	if body := s.mustGet("/other/page.py"); body != "other page in localhost" {
		t.Errorf("/other/page.py again: %q", body)
	}
	for _, c := range []struct{ path, body, ct string }{
		{"/readme.txt", "just text\n", "text/plain"},
		{"/other/note.txt", "other note\n", "text/plain"},
		{"/index.html", "<h1>index</h1>\n", "text/html"},
	} {
		st, h, body := s.do("GET", c.path, "")
		if st != 200 || body != c.body {
			t.Errorf("GET %s: %d %q, want 200 %q", c.path, st, body, c.body)
		}
		if got := mediaType(h.Get("Content-Type")); got != c.ct {
			t.Errorf("GET %s: Content-Type %q, want %q", c.path, h.Get("Content-Type"), c.ct)
		}
	}
	if st, _ := s.get("/missing.py"); st != 404 {
		t.Errorf("/missing.py: %d, want 404", st)
	}
}

func TestCheckZeroConfig(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(modpyBin, "-t")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("modpy -t without -f: %v\n%s", err, out)
	}
	if strings.TrimSpace(string(out)) != "Syntax OK" {
		t.Errorf("modpy -t without -f printed %q, want Syntax OK", out)
	}
}
