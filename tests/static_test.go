package tests

import (
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// mediaType returns the media type of a Content-Type header, without
// parameters (Apache sends none for static files; a charset is tolerated).
func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct
	}
	return mt
}

var rawStatusRE = regexp.MustCompile(`^HTTP/1\.[01] (\d{3})`)

// rawStatus is the status code of the first response in a raw answer, or 0.
func rawStatus(resp string) int {
	m := rawStatusRE.FindStringSubmatch(resp)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

const echoBodyHandler = `from mod_python import apache
def handler(req):
    data = req.read()
    req.content_type = "text/plain"
    req.write("got %d" % len(data))
    return apache.OK
`

func startStaticSite(t *testing.T) *site {
	t.Helper()
	files := map[string]string{
		"htdocs/a.html":              "<p>hello</p>\n",
		"htdocs/style.css":           "body{}\n",
		"htdocs/note.txt":            "a note\n",
		"htdocs/pic.png":             "\x89PNG\r\n\x1a\nnot really a png",
		"htdocs/thing.foo":           "foo data",
		"htdocs/thing.zzzunknown":    "what am I",
		"htdocs/typed/style.css":     "body{}\n",
		"htdocs/digits.txt":          "0123456789",
		"htdocs/sub/inner.txt":       "inner\n",
		"htdocs/idx/second.html":     "second index\n",
		"htdocs/idx/index.html":      "plain index\n",
		"htdocs/idx2/index.html":     "only index\n",
		"htdocs/noindex/other.txt":   "other\n",
		"htdocs/idxoff/index.html":   "index despite disabled\n",
		"htdocs/idxoff/disabled":     "the keyword taken as a name\n",
		"htdocs/private/secret.txt":  "PRIVATE-CONTENT\n",
		"htdocs/private/pub/ok.txt":  "public again\n",
		"outside/file.txt":           "from outside\n",
		"htdocs/ed1/present.txt":     "present\n",
		"htdocs/ed2/present.txt":     "present\n",
		"htdocs/local.html":          "<p>local error page</p>\n",
		"htdocs/upload/echo.py":      echoBodyHandler,
		"secret.txt":                 "TOPSECRET-OUTSIDE-DOCROOT\n",
		"htdocs/older/x.txt":         "older is not old\n",
		"htdocs/private/pub/sub.txt": "sub\n",
	}
	conf := `
AddType application/x-foo .foo
DirectoryIndex missing.html second.html index.html
<Directory {{DIR}}/htdocs/typed>
    AddType application/x-special .css
</Directory>
<Directory {{DIR}}/htdocs/private>
    Require all denied
</Directory>
<Directory {{DIR}}/htdocs/private/pub>
    Require all granted
</Directory>
Alias /ext/ "{{DIR}}/outside/"
<Directory {{DIR}}/outside>
    Require all granted
</Directory>
Redirect /old http://example.com/new
Redirect permanent /perm http://example.com/p
RedirectMatch ^/rm/(.*)\.gif$ http://example.com/img/$1.png
Redirect gone /g
<Directory {{DIR}}/htdocs/idxoff>
    DirectoryIndex disabled
</Directory>
<Directory {{DIR}}/htdocs/ed1>
    ErrorDocument 404 "custom text"
</Directory>
<Directory {{DIR}}/htdocs/ed2>
    ErrorDocument 404 /local.html
</Directory>
<Directory {{DIR}}/htdocs/upload>
    SetHandler mod_python
    PythonHandler echo
    LimitRequestBody 10
</Directory>
`
	return startSite(t, conf, files)
}

func TestStaticFiles(t *testing.T) {
	s := startStaticSite(t)
	mtime := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(s.Dir, "htdocs/digits.txt"), mtime, mtime); err != nil {
		t.Fatal(err)
	}

	t.Run("ContentType", func(t *testing.T) {
		for _, c := range []struct{ path, want string }{
			{"/a.html", "text/html"},
			{"/style.css", "text/css"},
			{"/note.txt", "text/plain"},
			{"/pic.png", "image/png"},
			{"/thing.foo", "application/x-foo"},
			{"/typed/style.css", "application/x-special"},
		} {
			st, h, _ := s.do("GET", c.path, "")
			if st != 200 {
				t.Errorf("GET %s: status %d", c.path, st)
				continue
			}
			if got := mediaType(h.Get("Content-Type")); got != c.want {
				t.Errorf("GET %s: Content-Type %q, want %q", c.path, h.Get("Content-Type"), c.want)
			}
		}
	})

	t.Run("UnknownExtensionHasNoContentType", func(t *testing.T) {
		// Apache 2.4 has no DefaultType: an unknown extension gets no
		// Content-Type at all (no sniffing either).
		st, h, body := s.do("GET", "/thing.zzzunknown", "")
		if st != 200 || body != "what am I" {
			t.Errorf("GET /thing.zzzunknown: %d %q", st, body)
		}
		if ct := h.Get("Content-Type"); ct != "" {
			t.Errorf("GET /thing.zzzunknown: Content-Type %q, want none (Apache 2.4 has no DefaultType)", ct)
		}
	})

	t.Run("ValidatorsAndLength", func(t *testing.T) {
		st, h, body := s.do("GET", "/digits.txt", "")
		if st != 200 || body != "0123456789" {
			t.Fatalf("GET /digits.txt: %d %q", st, body)
		}
		if cl := h.Get("Content-Length"); cl != "10" {
			t.Errorf("Content-Length %q, want 10", cl)
		}
		if lm := h.Get("Last-Modified"); lm != mtime.Format(http.TimeFormat) {
			t.Errorf("Last-Modified %q, want %q", lm, mtime.Format(http.TimeFormat))
		}
		if et := h.Get("ETag"); !regexp.MustCompile(`^(W/)?"[^"]+"$`).MatchString(et) {
			t.Errorf("ETag %q is not a quoted entity tag", et)
		}
		if ar := h.Get("Accept-Ranges"); ar != "bytes" {
			t.Errorf("Accept-Ranges %q, want bytes", ar)
		}
	})

	t.Run("IfModifiedSince", func(t *testing.T) {
		_, h, _ := s.do("GET", "/digits.txt", "")
		st, h2, body := s.do("GET", "/digits.txt", "", "If-Modified-Since", h.Get("Last-Modified"))
		if st != 304 || body != "" {
			t.Errorf("If-Modified-Since = Last-Modified: %d, body %q; want 304 and no body", st, body)
		}
		if h2.Get("ETag") != h.Get("ETag") {
			t.Errorf("304 ETag %q, want %q", h2.Get("ETag"), h.Get("ETag"))
		}
		old := mtime.Add(-24 * time.Hour).Format(http.TimeFormat)
		if st, _, body := s.do("GET", "/digits.txt", "", "If-Modified-Since", old); st != 200 || body != "0123456789" {
			t.Errorf("If-Modified-Since a day before: %d %q, want 200 and the file", st, body)
		}
	})

	t.Run("IfNoneMatch", func(t *testing.T) {
		_, h, _ := s.do("GET", "/digits.txt", "")
		et := h.Get("ETag")
		if et == "" {
			t.Fatal("no ETag")
		}
		if st, _, body := s.do("GET", "/digits.txt", "", "If-None-Match", et); st != 304 || body != "" {
			t.Errorf("If-None-Match %s: %d %q, want 304 and no body", et, st, body)
		}
		if st, _, body := s.do("GET", "/digits.txt", "", "If-None-Match", `"x", `+et); st != 304 || body != "" {
			t.Errorf("If-None-Match list with the ETag: %d %q, want 304", st, body)
		}
		if st, _, body := s.do("GET", "/digits.txt", "", "If-None-Match", `"not-the-etag"`); st != 200 || body != "0123456789" {
			t.Errorf("If-None-Match other: %d %q, want 200", st, body)
		}
	})

	t.Run("Range", func(t *testing.T) {
		st, h, body := s.do("GET", "/digits.txt", "", "Range", "bytes=2-5")
		if st != 206 || body != "2345" {
			t.Errorf("Range bytes=2-5: %d %q, want 206 %q", st, body, "2345")
		}
		if cr := h.Get("Content-Range"); cr != "bytes 2-5/10" {
			t.Errorf("Content-Range %q, want %q", cr, "bytes 2-5/10")
		}
		if cl := h.Get("Content-Length"); cl != "4" {
			t.Errorf("206 Content-Length %q, want 4", cl)
		}
		st, h, _ = s.do("GET", "/digits.txt", "", "Range", "bytes=20-30")
		if st != 416 {
			t.Errorf("Range bytes=20-30 of 10 bytes: %d, want 416", st)
		}
		if cr := h.Get("Content-Range"); cr != "bytes */10" {
			t.Errorf("416 Content-Range %q, want %q", cr, "bytes */10")
		}
	})

	t.Run("Head", func(t *testing.T) {
		st, h, body := s.do("HEAD", "/digits.txt", "")
		if st != 200 || body != "" {
			t.Errorf("HEAD: %d %q, want 200 and no body", st, body)
		}
		if h.Get("Content-Length") != "10" || mediaType(h.Get("Content-Type")) != "text/plain" {
			t.Errorf("HEAD headers: Content-Length %q Content-Type %q", h.Get("Content-Length"), h.Get("Content-Type"))
		}
		// The raw response must carry no body bytes after the head.
		out := s.raw("HEAD /digits.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 5*time.Second)
		if i := strings.Index(out, "\r\n\r\n"); i < 0 || out[i+4:] != "" {
			t.Errorf("raw HEAD response has a body or no end of head: %q", out)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		st, h, body := s.do("GET", "/nope.html", "")
		if st != 404 {
			t.Fatalf("GET /nope.html: %d", st)
		}
		if mediaType(h.Get("Content-Type")) != "text/html" {
			t.Errorf("404 Content-Type %q", h.Get("Content-Type"))
		}
		for _, want := range []string{"<title>404 Not Found</title>", "<h1>Not Found</h1>", "was not found on this server."} {
			contains(t, "404 page", body, want)
		}
	})

	t.Run("DirectorySlashRedirect", func(t *testing.T) {
		st, h, _ := s.do("GET", "/sub", "")
		if st != 301 || !strings.HasSuffix(h.Get("Location"), "/sub/") {
			t.Errorf("GET /sub: %d Location %q, want 301 to .../sub/", st, h.Get("Location"))
		}
		st, h, _ = s.do("GET", "/sub?x=1", "")
		if st != 301 || !strings.HasSuffix(h.Get("Location"), "/sub/?x=1") {
			t.Errorf("GET /sub?x=1: %d Location %q, want 301 to .../sub/?x=1", st, h.Get("Location"))
		}
		if body := s.mustGet("/sub/inner.txt"); body != "inner\n" {
			t.Errorf("/sub/inner.txt: %q", body)
		}
	})

	t.Run("DirectoryIndex", func(t *testing.T) {
		if body := s.mustGet("/idx/"); body != "second index\n" {
			t.Errorf("/idx/: %q, want second.html (first existing of the list)", body)
		}
		if body := s.mustGet("/idx2/"); body != "only index\n" {
			t.Errorf("/idx2/: %q, want index.html", body)
		}
		if st, body := s.get("/noindex/"); st != 403 || !strings.Contains(body, "<title>403 Forbidden</title>") {
			t.Errorf("/noindex/: %d %q, want Apache's 403", st, body)
		}
		// "DirectoryIndex disabled": no name is tried, neither the
		// inherited list's index.html nor a file called "disabled".
		if st, body := s.get("/idxoff/"); st != 403 || !strings.Contains(body, "<title>403 Forbidden</title>") {
			t.Errorf("/idxoff/ (DirectoryIndex disabled): %d %q, want 403", st, body)
		}
	})

	t.Run("Require", func(t *testing.T) {
		st, body := s.get("/private/secret.txt")
		if st != 403 || strings.Contains(body, "PRIVATE-CONTENT") {
			t.Errorf("/private/secret.txt: %d %q, want 403 without the content", st, body)
		}
		if body := s.mustGet("/private/pub/ok.txt"); body != "public again\n" {
			t.Errorf("/private/pub/ok.txt: %q", body)
		}
	})

	t.Run("Alias", func(t *testing.T) {
		if body := s.mustGet("/ext/file.txt"); body != "from outside\n" {
			t.Errorf("/ext/file.txt: %q", body)
		}
		if st, _ := s.get("/ext/missing.txt"); st != 404 {
			t.Errorf("/ext/missing.txt: %d, want 404", st)
		}
	})

	t.Run("Redirect", func(t *testing.T) {
		for _, c := range []struct {
			path   string
			status int
			loc    string
		}{
			{"/old/rest", 302, "http://example.com/new/rest"},
			{"/old", 302, "http://example.com/new"},
			{"/old/rest?a=b", 302, "http://example.com/new/rest?a=b"},
			{"/perm/x", 301, "http://example.com/p/x"},
			{"/rm/cat.gif", 302, "http://example.com/img/cat.png"},
		} {
			st, h, _ := s.do("GET", c.path, "")
			if st != c.status || h.Get("Location") != c.loc {
				t.Errorf("GET %s: %d Location %q, want %d %q", c.path, st, h.Get("Location"), c.status, c.loc)
			}
		}
		// Redirect matches whole path segments: /older is not /old.
		if body := s.mustGet("/older/x.txt"); body != "older is not old\n" {
			t.Errorf("/older/x.txt: %q", body)
		}
		st, h, body := s.do("GET", "/g", "")
		if st != 410 || h.Get("Location") != "" || !strings.Contains(body, "<title>410 Gone</title>") {
			t.Errorf("GET /g: %d Location %q body %q, want Apache's 410", st, h.Get("Location"), body)
		}
	})

	t.Run("ErrorDocument", func(t *testing.T) {
		st, body := s.get("/ed1/missing.txt")
		if st != 404 || strings.TrimSpace(body) != "custom text" {
			t.Errorf("ErrorDocument text: %d %q, want 404 %q", st, body, "custom text")
		}
		st, body = s.get("/ed2/missing.txt")
		if st != 404 || body != "<p>local error page</p>\n" {
			t.Errorf("ErrorDocument local URL: %d %q, want 404 with local.html", st, body)
		}
		// Outside those directories the stock page stays.
		if st, body := s.get("/missing.txt"); st != 404 || !strings.Contains(body, "<h1>Not Found</h1>") {
			t.Errorf("/missing.txt: %d %q", st, body)
		}
	})

	t.Run("PathTraversal", func(t *testing.T) {
		for _, p := range []string{
			"/../../etc/passwd",
			"/../../../../../../etc/passwd",
			"/../secret.txt",
			"/sub/../../secret.txt",
			"/%2e%2e/secret.txt",
			"/sub/%2e%2e/%2e%2e/secret.txt",
			"/%2e%2e%2fsecret.txt",
			"/ext/../secret.txt",
			"/ext/../../secret.txt",
		} {
			out := s.raw("GET "+p+" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 5*time.Second)
			st := rawStatus(out)
			if strings.Contains(out, "root:") || strings.Contains(out, "TOPSECRET") {
				t.Errorf("GET %s returned the file:\n%s", p, out)
			}
			if st != 400 && st != 403 && st != 404 {
				t.Errorf("GET %s: status %d, want 400, 403 or 404:\n%s", p, st, out)
			}
		}
		if body := s.mustGet("/note.txt"); body != "a note\n" {
			t.Errorf("after traversal attempts: %q", body)
		}
	})

	t.Run("LimitRequestBody", func(t *testing.T) {
		st, _, body := s.do("POST", "/upload/echo.py", "12345")
		if st != 200 || body != "got 5" {
			t.Errorf("5-byte POST: %d %q, want 200 %q", st, body, "got 5")
		}
		st, _, body = s.do("POST", "/upload/echo.py", strings.Repeat("x", 100))
		if st != 413 {
			t.Errorf("100-byte POST over LimitRequestBody 10: %d %q, want 413", st, body)
		}
		// Outside the directory the limit does not apply (no handler: the
		// static file answers a GET).
		if body := s.mustGet("/note.txt"); body != "a note\n" {
			t.Errorf("/note.txt: %q", body)
		}
	})
}
