package tests

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// mod_expires (issue 13): ExpiresActive, ExpiresDefault and ExpiresByType
// (both code forms), Expires and Cache-Control max-age, per-directory
// merging, on static files, Python responses and redirects, not on errors
// nor on a response that has its own Expires. Checked against Apache 2.4.

const expiresMod = `from mod_python import apache

def handler(req):
    req.content_type = req.args or "text/plain"
    if req.content_type == "own":
        req.content_type = "text/plain"
        req.headers_out["Expires"] = "Thu, 01 Jan 1970 00:00:00 GMT"
    req.write("python\n")
    return apache.OK
`

func TestExpires(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
ExpiresActive On
ExpiresDefault "access plus 1 day"
ExpiresByType text/css "modification plus 2 hours"
ExpiresByType image/* A600
ExpiresByType text/html A0
Redirect /moved http://example.com/
<Location /py>
	SetHandler mod_python
	PythonHandler exp
	ExpiresByType text/plain "access plus 2 minutes"
</Location>
<Directory {{DIR}}/htdocs/sub>
	ExpiresByType text/css A30
</Directory>
<Directory {{DIR}}/htdocs/off>
	ExpiresActive Off
</Directory>
`, map[string]string{
		"lib/exp.py": expiresMod, "htdocs/s.css": "body{}\n", "htdocs/p.png": "png", "htdocs/a.txt": "a\n",
		"htdocs/i.html": "<p>", "htdocs/sub/s.css": "x{}\n", "htdocs/sub/p.png": "png", "htdocs/off/a.txt": "a\n",
	})
	// s.css was last modified an hour ago: its expiry is exact.
	mtime := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(filepath.Join(s.Dir, "htdocs/s.css"), mtime, mtime); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		path   string
		status int
		maxAge int // -1: no Expires nor Cache-Control
	}{
		{"/a.txt", 200, 86400},     // ExpiresDefault
		{"/p.png", 200, 600},       // image/*
		{"/i.html", 200, 0},        // A0
		{"/py", 200, 120},          // the section's text/plain
		{"/py?text/css", 200, -1},  // modification-based, and a handler has no file
		{"/py?own", 200, -2},       // the handler's own Expires is kept
		{"/moved", 302, 0},         // a redirect is no error (its page is text/html: A0)
		{"/missing.txt", 404, -1},  // errors get none
		{"/sub/s.css", 200, 30},    // the inner section's text/css
		{"/sub/p.png", 200, 86400}, // a section with Expires* lines hides the outer wildcard (as Apache)
		{"/off/a.txt", 200, -1},    // ExpiresActive Off
		{"/s.css", 200, 3600},      // modified an hour ago, plus 2 hours
	} {
		t0 := time.Now()
		st, h, _ := s.do("GET", c.path, "")
		t1 := time.Now()
		if st != c.status {
			t.Errorf("%s: status %d, want %d", c.path, st, c.status)
			continue
		}
		exp, cc := h.Get("Expires"), h.Get("Cache-Control")
		switch c.maxAge {
		case -1:
			if exp != "" || cc != "" {
				t.Errorf("%s: Expires %q Cache-Control %q, want none", c.path, exp, cc)
			}
			continue
		case -2:
			if exp != "Thu, 01 Jan 1970 00:00:00 GMT" || cc != "" {
				t.Errorf("%s: Expires %q Cache-Control %q, want the handler's Expires alone", c.path, exp, cc)
			}
			continue
		}
		want := "max-age=" + strconv.Itoa(c.maxAge)
		if c.path == "/s.css" { // counted from the file: seconds pass on a loaded machine
			// Between what is left of the expiry when the request was sent
			// and when its answer came (whole seconds, as Apache counts).
			hi := int(mtime.Add(2*time.Hour).Sub(t0).Seconds()) + 1
			lo := int(mtime.Add(2*time.Hour).Sub(t1).Seconds()) - 1
			n, err := strconv.Atoi(strings.TrimPrefix(cc, "max-age="))
			if err != nil || !strings.HasPrefix(cc, "max-age=") || n < lo || n > hi {
				t.Errorf("%s: Cache-Control %q, want max-age between %d and %d", c.path, cc, lo, hi)
			}
			if e, err := http.ParseTime(exp); err != nil || !e.Equal(mtime.Add(2*time.Hour)) {
				t.Errorf("%s: Expires %q, want %s", c.path, exp, mtime.Add(2*time.Hour).UTC().Format(http.TimeFormat))
			}
			continue
		}
		if cc != want {
			t.Errorf("%s: Cache-Control %q, want %q", c.path, cc, want)
		}
		e, err1 := http.ParseTime(exp)
		d, err2 := http.ParseTime(h.Get("Date"))
		// Expires counts from the request's arrival, Date from the
		// response: allow for a slow machine.
		if off := e.Sub(d) - time.Duration(c.maxAge)*time.Second; err1 != nil || err2 != nil || off > time.Second || off < -30*time.Second {
			t.Errorf("%s: Expires %q is not Date %q plus %ds", c.path, exp, h.Get("Date"), c.maxAge)
		}
	}
}
