package tests

import (
	"bytes"
	"mime/multipart"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The example site `make run` serves: every naming mode answers as
// examples/site.conf and docs/interpreters.md say.
func TestExampleSite(t *testing.T) {
	s, examples := exampleSite(t)
	htdocs := filepath.Join(examples, "htdocs")
	cases := []struct{ path, interp, module string }{
		{"/default/a/", "localhost", "default/a"},
		{"/default/b/", "localhost", "default/b"},
		{"/perdir/a/", htdocs + "/perdir/a/", "perdir"},
		{"/perdir/b/sub/", htdocs + "/perdir/b/sub/", "perdir"},
		{"/perdirective/", htdocs + "/perdirective/", "perdirective"},
		{"/perdirective/x/", htdocs + "/perdirective/", "perdirective"},
		{"/named/", "my_app", ""},
	}
	for _, c := range cases {
		body := s.mustGet(c.path)
		contains(t, c.path, body, "interpreter: "+c.interp+"\n")
		if c.module != "" {
			contains(t, c.path, body, "I am the MyModule of "+c.module+"\n")
		}
	}
	contains(t, "/named/", s.mustGet("/named/"), "option greeting: hello from a PythonOption")
	contains(t, "/", s.mustGet("/"), "modpy example site")
	contains(t, "access log", s.accessLog(), "interpreter=my_app")
}

// The library examples docs/util.md and docs/publisher.md show.
func TestExampleLibraryPages(t *testing.T) {
	s, _ := exampleSite(t)

	// docs/util.md: the upload form.
	contains(t, "/forms/", s.mustGet("/forms/"), `enctype="multipart/form-data"`)
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("name", "Ada <L>")
	w.WriteField("colour", "red")
	w.WriteField("colour", "blue")
	fw, _ := w.CreateFormFile("file", "notes.txt")
	fw.Write([]byte("hello"))
	w.Close()
	st, _, body := s.do("POST", "/forms/", buf.String(), "Content-Type", w.FormDataContentType())
	if st != 200 {
		t.Fatalf("POST /forms/: %d %s", st, body)
	}
	contains(t, "POST /forms/", body, "<li>name: Ada &lt;L&gt;</li>")
	contains(t, "POST /forms/", body, "<li>colours: red, blue</li>")
	contains(t, "POST /forms/", body, "<li>file: notes.txt, application/octet-stream, 5 bytes, sha256 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824</li>")
	if st, h, _ := s.do("GET", "/forms/?go=1", ""); st != 302 || h.Get("Location") != "/" {
		t.Errorf("/forms/?go=1: %d Location %q", st, h.Get("Location"))
	}

	// docs/publisher.md.
	st, h, body := s.do("GET", "/pub/", "")
	if st != 200 || h.Get("Content-Type") != "text/html; charset=UTF8" || !strings.Contains(body, "<h1>Publisher</h1>") {
		t.Errorf("/pub/: %d %q %q", st, h.Get("Content-Type"), body)
	}
	if got := s.mustGet("/pub/greet?name=you"); got != "Hello, you!" {
		t.Errorf("/pub/greet: %q", got)
	}
	if st, _, body := s.do("POST", "/pub/greet", "name=post", "Content-Type", "application/x-www-form-urlencoded"); st != 200 || body != "Hello, post!" {
		t.Errorf("POST /pub/greet: %d %q", st, body)
	}
	if st, h, _ := s.do("GET", "/pub/admin", ""); st != 401 || h.Get("WWW-Authenticate") != `Basic realm="modpy example"` {
		t.Errorf("/pub/admin: %d %q", st, h.Get("WWW-Authenticate"))
	}
	if got := s.mustGet("/pub/admin", "Authorization", "Basic YWRtaW46c2VjcmV0"); got != "Welcome, admin." {
		t.Errorf("/pub/admin as admin: %q", got)
	}
	if len(s.mustGet("/pub/clock/now")) != len("2006-01-02 15:04:05") {
		t.Errorf("/pub/clock/now")
	}
	for _, p := range []string{"/pub/_PAGE", "/pub/time", "/pub/Clock"} {
		if st, _ := s.get(p); st != 403 {
			t.Errorf("%s: %d, want 403", p, st)
		}
	}
}

// exampleSite starts modpy on examples/site.conf (on a free port, the
// access log in the test's directory); it returns the site and examples/.
func exampleSite(t *testing.T) (*site, string) {
	_, here, _, _ := runtime.Caller(0)
	examples := filepath.Join(filepath.Dir(filepath.Dir(here)), "examples")
	conf, err := os.ReadFile(filepath.Join(examples, "site.conf"))
	if err != nil {
		t.Fatal(err)
	}
	s := newSite(t, nil)
	text := strings.Replace(string(conf), "Listen 127.0.0.1:8080", "Listen 127.0.0.1:{{PORT}}", 1)
	text = strings.Replace(text, "CustomLog /dev/stdout", "CustomLog {{DIR}}/access.log", 1)
	s.writeFiles(map[string]string{"site.conf": text})
	s.start("-X", "-d", examples, "-f", filepath.Join(s.Dir, "site.conf"))
	return s, examples
}

// The PSP, cgihandler and testhandler examples docs/psp.md and
// docs/cgihandler.md show.
func TestExamplePSPAndCGI(t *testing.T) {
	s, _ := exampleSite(t)
	st, h, body := s.do("GET", "/psp/?name=Ada+<L>", "")
	if st != 200 {
		t.Fatalf("/psp/: %d %q\n%s", st, body, s.errorLog())
	}
	contains(t, "/psp/", body, "<title>PSP example</title>")
	contains(t, "/psp/", body, "<p>Hello, Ada &lt;L&gt;! This is visit 1 of this session.</p>")
	contains(t, "/psp/", body, "<li>square of 3 is 9</li>")
	if strings.Count(body, "<li>") != 3 {
		t.Errorf("/psp/: want 3 <li>:\n%s", body)
	}
	cookie := strings.SplitN(h.Get("Set-Cookie"), ";", 2)[0]
	_, _, body = s.do("GET", "/psp/", "", "Cookie", cookie)
	contains(t, "/psp/ again", body, "This is visit 2 of this session.")
	contains(t, "/psp/?fail=1", s.mustGet("/psp/?fail=1"), "Something went wrong: <b>ValueError: you asked for an error</b>")
	contains(t, "/psp/index.psp_", s.mustGet("/psp/index.psp_"), "PSP-produced Python Code:")

	body = s.mustGet("/cgi/hello.py?x=1")
	contains(t, "/cgi/hello.py", body, "<p>QUERY_STRING: x=1</p>")
	contains(t, "/cgi/hello.py", body, "<p>GATEWAY_INTERFACE: Python-CGI/1.1</p>")
	contains(t, "/mpinfo", s.mustGet("/mpinfo"), "<title>mod_python test page</title>")
}
