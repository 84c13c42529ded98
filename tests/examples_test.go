package tests

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The example site `make run` serves: every naming mode answers as
// examples/site.conf and docs/interpreters.md say.
func TestExampleSite(t *testing.T) {
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
