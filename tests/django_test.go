package tests

import (
	"regexp"
	"strings"
	"testing"
)

// Django (Debian's python3-django, DEBUG off, sqlite) through
// WSGIScriptAlias and through mod_python.wsgi, with Flask loaded in other
// interpreters of the same worker: a template over an sqlite query, the
// CSRF-protected form that writes to it, redirects, 404, 500, a multipart
// post.
func TestDjango(t *testing.T) {
	token := regexp.MustCompile(`name="csrfmiddlewaretoken" value="([^"]+)"`)
	testMounts(t, djangoMounts, flaskMounts, func(t *testing.T, s *site, m wsgiMount) {
		p := m.prefix
		checkMountInfo(t, s, m, "django", "flask")

		st, h, body := s.do("GET", p+"/page/", "")
		wantStatus(t, "GET /page/", st, 200, body)
		if ct := h.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s/page/: Content-Type %q", p, ct)
		}
		for _, want := range []string{"<li>1: alpha</li>", "<li>2: beta</li>", "<li>3: gamma</li>",
			"count=3", `<a href="` + p + `/form/">`} {
			contains(t, "GET "+p+"/page/", body, want)
		}

		// CommonMiddleware's APPEND_SLASH, and a view's redirect: both
		// name the mount point.
		wantRedirect(t, s, p+"/page", 301, p+"/page/")
		wantRedirect(t, s, p+"/redirect/", 302, p+"/page/")
		wantNotFound(t, s, p+"/nope/")
		st, _, body = s.do("GET", p+"/boom/", "")
		checkServerError(t, s, "GET "+p+"/boom/", st, body, "django boom marker")
		contains(t, "500 body", body, "Server Error (500)")

		// The form: its GET sets the CSRF cookie and renders the token.
		st, h, body = s.do("GET", p+"/form/", "")
		wantStatus(t, "GET /form/", st, 200, body)
		cookie := strings.SplitN(h.Get("Set-Cookie"), ";", 2)[0]
		tm := token.FindStringSubmatch(body)
		if !strings.HasPrefix(cookie, "csrftoken=") || tm == nil {
			t.Fatalf("GET %s/form/: Set-Cookie %q, body:\n%s", p, h.Get("Set-Cookie"), body)
		}
		form := "csrfmiddlewaretoken=" + tm[1] + "&name=%3Cb%3Edelta%3C%2Fb%3E"
		st, _, body = s.do("POST", p+"/form/", form, "Content-Type", "application/x-www-form-urlencoded")
		wantStatus(t, "POST /form/ without the CSRF cookie", st, 403, body)
		contains(t, "403 body", body, "CSRF verification failed")
		st, h, body = s.do("POST", p+"/form/", form, "Content-Type", "application/x-www-form-urlencoded", "Cookie", cookie)
		wantStatus(t, "POST /form/", st, 302, body)
		if loc := h.Get("Location"); loc != p+"/page/" {
			t.Errorf("POST %s/form/: Location %q", p, loc)
		}
		body = s.mustGet(p + "/page/")
		contains(t, "the page after the post", body, "<li>4: &lt;b&gt;delta&lt;/b&gt;</li>")
		contains(t, "the page after the post", body, "count=4")

		checkUpload(t, s, p+"/upload/")
	})
}
