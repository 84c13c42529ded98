package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Flask (Debian's python3-flask) through WSGIScriptAlias and through
// mod_python.wsgi, with Django loaded in other interpreters of the same
// worker: routes, a redirect, 404, 500 from an exception, form and
// multipart posts, cookies, a signed session, a streamed response.
func TestFlask(t *testing.T) {
	testMounts(t, flaskMounts, djangoMounts, func(t *testing.T, s *site, m wsgiMount) {
		p := m.prefix
		checkMountInfo(t, s, m, "flask", "django")
		st, h, body := s.do("GET", p+"/hello/world?q=a+b", "")
		wantStatus(t, "GET /hello/world", st, 200, body)
		if body != "hello world, q=a b\n" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
			t.Errorf("GET %s/hello/world: %q, Content-Type %q", p, body, h.Get("Content-Type"))
		}

		wantRedirect(t, s, p+"/redirect", 302, p+"/hello/redirected")
		wantNotFound(t, s, p+"/missing")
		st, _, body = s.do("GET", p+"/boom", "")
		checkServerError(t, s, "GET "+p+"/boom", st, body, "flask boom marker")

		st, _, body = s.do("POST", p+"/form", "name=ann+lee&tag=a&tag=b%26c",
			"Content-Type", "application/x-www-form-urlencoded")
		wantStatus(t, "POST /form", st, 200, body)
		if body != "name=ann lee\ntags=a,b&c\n" {
			t.Errorf("POST %s/form: %q", p, body)
		}
		checkUpload(t, s, p+"/upload")

		st, h, body = s.do("GET", p+"/cookie/set?v=mint", "")
		wantStatus(t, "GET /cookie/set", st, 200, body)
		cookies := h.Values("Set-Cookie")
		if len(cookies) != 2 || !strings.HasPrefix(cookies[0], "flavour=mint;") || !strings.Contains(cookies[1], "HttpOnly") {
			t.Errorf("GET %s/cookie/set: Set-Cookie %q, want two (flavour=mint, second=two; HttpOnly)", p, cookies)
		}
		if body := s.mustGet(p+"/cookie/get", "Cookie", "flavour=mint; second=two"); body != "flavour=mint\n" {
			t.Errorf("GET %s/cookie/get: %q", p, body)
		}
		st, h, body = s.do("GET", p+"/session", "")
		session := strings.SplitN(h.Get("Set-Cookie"), ";", 2)[0]
		if st != 200 || body != "n=1\n" || !strings.HasPrefix(session, "session=") {
			t.Fatalf("GET %s/session: %d %q, Set-Cookie %q", p, st, body, h.Get("Set-Cookie"))
		}
		if body := s.mustGet(p+"/session", "Cookie", session); body != "n=2\n" {
			t.Errorf("GET %s/session with its cookie: %q, want n=2", p, body)
		}

		// The generator's first chunk arrives while it waits for the
		// release file: a server that held it back until the end would
		// make it wait 20 s and say "timeout".
		release := filepath.Join(s.Dir, m.dir, "stream.release")
		first, rest := readStream(t, s, p+"/stream", func() {
			if err := os.WriteFile(release, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		})
		if first != "first\n" || rest != "last: released\n" {
			t.Errorf("GET %s/stream: %q then %q, want %q then %q", p, first, rest, "first\n", "last: released\n")
		}
	})
}
