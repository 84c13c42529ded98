package tests

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// mod_headers (issue 13): Header and RequestHeader, their actions and
// conditions, "always" against "onsuccess" on each path a response takes
// (Python, static files, WSGI, the server's error pages, an
// ErrorDocument's page), early lines. The expectations were checked
// against Apache 2.4 with mod_python side by side.

const hdrMod = `from mod_python import apache

def fixup(req):
    # A PythonFixupHandler runs before mod_headers' fixup (APR_HOOK_LAST).
    req.notes["fixup saw X-Fix"] = str(req.headers_in.get("X-Fix"))
    return apache.OK

def handler(req):
    req.content_type = "text/plain"
    if req.args == "boom":
        raise ValueError("boom")
    req.headers_out["X-Multi"] = "a, b"
    req.headers_out.add("Set-Cookie", "s=1; Path=/")
    req.headers_out.add("Set-Cookie", "t=2")
    req.headers_out["Cache-Control"] = "private"
    req.err_headers_out["X-Err"] = "e"
    req.err_headers_out["X-Err2"] = "e2"
    req.headers_out["X-Out"] = "o"
    if req.args == "410":
        return apache.HTTP_GONE
    if req.args == "404":
        return apache.HTTP_NOT_FOUND
    for k in ("X-Early", "X-Gone", "X-Fix"):
        req.write("%s=%s\n" % (k, req.headers_in.get(k)))
    req.write("fixup saw X-Fix=%s\n" % req.notes.get("fixup saw X-Fix"))
    return apache.OK
`

const hdrWSGI = `def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-App", "wsgi")])
    return [b"from wsgi\n"]
`

const cgiHeaderScript = "#!/bin/sh\nprintf 'Content-Type: text/plain\\nX-Cgi: from the script\\n\\ncgi\\n'\n"

func TestHeaderDirectives(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
LogFormat "%U multinote=%{multinote}n" notes
CustomLog {{DIR}}/notes.log notes
Header always set X-Frame-Options DENY
Header set X-Success yes
RequestHeader set X-Early early early
Header set X-Early-Out eo early
SetEnvIf X-Foo (.+) FOO=$1
ErrorDocument 410 /errdoc.html
Redirect /moved http://example.com/
WSGIScriptAlias /wsgi {{DIR}}/app.wsgi
LoadModule cgi_module modules/mod_cgi.so
ScriptAlias /cgi/ {{DIR}}/cgi/
<Location /cgi/unset.cgi>
	Header unset X-Cgi
</Location>
<Location /cgi/always.cgi>
	Header always unset X-Cgi
</Location>
<Location /py>
	SetHandler mod_python
	PythonHandler hdr
	PythonFixupHandler hdr::fixup
	Header append X-Multi c
	Header merge X-Multi b
	Header merge X-Multi d
	Header edit* Set-Cookie "(=)([0-9])" "$2$1\\$"
	Header edit X-Err e E
	Header always edit X-Err e E2
	Header echo ^X-Ec
	Header setifempty Cache-Control "max-age=1"
	Header setifempty X-New new
	Header note X-Multi multinote
	Header add X-Env "%{FOO}e|%{NOPE}e" env=FOO
	Header add X-NoEnv yes env=!FOO
	Header add X-Time "%t %D"
	Header set X-Api yes "expr=%{QUERY_STRING} =~ /api/"
	Header set X-Uri "expr=%{REQUEST_URI} via %{req:X-Via}" "expr=req('X-Mode') == 'on'"
	Header unset X-Success
	Header unset X-Err2
	Header always unset X-Out
	RequestHeader append X-Early more
	RequestHeader unset X-Gone
	RequestHeader set X-Fix fixed
</Location>
<Location /err>
	SetHandler mod_python
	PythonHandler hdr
	Header always unset X-Err
	Header always unset X-Err2
	Header set X-Not-On-Errors yes
</Location>
<Directory {{DIR}}/htdocs/ht>
	AllowOverride FileInfo
</Directory>
<Location /wsgi>
	Header set X-Wsgi yes
	Header edit X-App ^wsgi$ WSGI
</Location>
`, map[string]string{
		"lib/hdr.py":          hdrMod,
		"app.wsgi":            hdrWSGI,
		"htdocs/static.txt":   "static\n",
		"htdocs/errdoc.html":  "the error document\n",
		"htdocs/ht/.htaccess": "Header set X-Htaccess yes\nHeader unset X-Success\n",
		"htdocs/ht/f.txt":     "f\n",
		"cgi/unset.cgi":       cgiHeaderScript,
		"cgi/always.cgi":      cgiHeaderScript,
	})

	// The normal path, from Python: every action, and RequestHeader
	// before the handler (after a PythonFixupHandler).
	st, h, body := s.do("GET", "/py", "", "X-Echo", "1", "X-Gone", "g", "X-Foo", "bar")
	if st != 200 {
		t.Fatalf("/py: %d %s", st, body)
	}
	for name, want := range map[string][]string{
		"X-Multi":         {"a, b, c, d"},
		"Set-Cookie":      {"s1=$; Path=/", "t2=$"},
		"X-Err":           {"E2"}, // only "always" reaches err_headers_out
		"X-Err2":          {"e2"}, // "Header unset" does not: the famous gotcha
		"X-Out":           {"o"},  // and "always unset" does not reach headers_out
		"X-Echo":          {"1"},
		"Cache-Control":   {"private"},
		"X-New":           {"new"},
		"X-Env":           {"bar|(null)"},
		"X-NoEnv":         nil,
		"X-Success":       nil,
		"X-Frame-Options": {"DENY"},
		"X-Early-Out":     {"eo"},
	} {
		if got := h.Values(name); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("/py: %s = %q, want %q", name, got, want)
		}
	}
	if !regexp.MustCompile(`^t=\d{16} D=\d+$`).MatchString(h.Get("X-Time")) {
		t.Errorf("/py: X-Time %q, want t=<request time> D=<microseconds>", h.Get("X-Time"))
	}
	// expr= conditions and values (ap_expr); the headers they read go
	// in Vary, as Apache adds them.
	if _, h, _ := s.do("GET", "/py?api", "", "X-Mode", "on", "X-Via", "proxy"); h.Get("X-Api") != "yes" ||
		h.Get("X-Uri") != "/py via proxy" || h.Get("Vary") != "X-Mode" {
		t.Errorf("/py?api with X-Mode on: X-Api %q X-Uri %q Vary %q", h.Get("X-Api"), h.Get("X-Uri"), h.Get("Vary"))
	}
	if h.Get("X-Api") != "" || h.Get("X-Uri") != "" || h.Get("Vary") != "X-Mode" {
		t.Errorf("/py: X-Api %q X-Uri %q Vary %q", h.Get("X-Api"), h.Get("X-Uri"), h.Get("Vary"))
	}
	for _, want := range []string{"X-Early=early, more\n", "X-Gone=None\n", "X-Fix=fixed\n", "fixup saw X-Fix=None\n"} {
		contains(t, "/py body", body, want)
	}
	_, h, _ = s.do("GET", "/py", "")
	if h.Get("X-Env") != "" || h.Get("X-NoEnv") != "yes" {
		t.Errorf("/py without FOO: X-Env %q X-NoEnv %q", h.Get("X-Env"), h.Get("X-NoEnv"))
	}
	contains(t, "note", s.readFile("notes.log"), "/py multinote=a, b, c, d\n")

	// The other paths of a response.
	for _, c := range []struct {
		path            string
		status          int
		success, always bool
	}{
		{"/static.txt", 200, true, true},
		{"/missing.txt", 404, false, true}, // the default handler's 404: the error path
		{"/py?boom", 500, false, true},     // an exception's 500
		{"/moved", 302, false, true},       // Redirect
		{"/py?410", 410, true, true},       // ErrorDocument 410: its page takes the normal path
		{"/wsgi", 200, true, true},
	} {
		st, h, _ := s.do("GET", c.path, "")
		if st != c.status || (h.Get("X-Success") == "yes") != c.success || (h.Get("X-Frame-Options") == "DENY") != c.always {
			t.Errorf("%s: %d, X-Success %q, X-Frame-Options %q; want %d, %v, %v",
				c.path, st, h.Get("X-Success"), h.Get("X-Frame-Options"), c.status, c.success, c.always)
		}
	}
	if _, h, _ := s.do("GET", "/ht/f.txt", ""); h.Get("X-Htaccess") != "yes" || h.Get("X-Success") != "" || h.Get("X-Frame-Options") != "DENY" {
		t.Errorf("/ht/f.txt (.htaccess): %v", h)
	}
	// A CGI script's header fields are in err_headers_out, as mod_cgi
	// puts them: only "always" removes them.
	for path, want := range map[string]string{"/cgi/unset.cgi": "from the script", "/cgi/always.cgi": ""} {
		os.Chmod(filepath.Join(s.Dir, path), 0o755)
		if _, h, _ := s.do("GET", path, ""); h.Get("X-Cgi") != want {
			t.Errorf("%s: X-Cgi %q, want %q", path, h.Get("X-Cgi"), want)
		}
	}
	if _, h, _ := s.do("GET", "/wsgi", ""); h.Get("X-Wsgi") != "yes" || h.Get("X-App") != "WSGI" {
		t.Errorf("/wsgi: X-Wsgi %q X-App %q", h.Get("X-Wsgi"), h.Get("X-App"))
	}

	// A handler's 404: the server's error page, where "always" acts on a
	// fresh err_headers_out (the handler's moved into headers_out), so
	// even "always unset" leaves the handler's X-Err, as in Apache.
	st, h, _ = s.do("GET", "/err?404", "")
	if st != 404 || h.Get("X-Err") != "e" || h.Get("X-Not-On-Errors") != "" || h.Get("X-Frame-Options") != "DENY" || h.Get("X-Out") != "" {
		t.Errorf("/err?404: %d %v", st, h)
	}
	// The same handler answering 200: "always unset" removes them.
	st, h, _ = s.do("GET", "/err", "")
	if st != 200 || h.Get("X-Err") != "" || h.Get("X-Err2") != "" || h.Get("X-Not-On-Errors") != "yes" {
		t.Errorf("/err: %d %v", st, h)
	}
}

func TestHeaderConfigErrors(t *testing.T) {
	wantConfigError(t, "Listen 127.0.0.1:1\n<Location /a>\nHeader set X-A 1 early\n</Location>\n",
		"site.conf:3: Header: early is valid only at server or virtual host level")
	wantConfigError(t, "Listen 127.0.0.1:1\nHeader set X-A 1 \"expr=%{REQUEST_STATE} == 200\"\n",
		"site.conf:2: Header: Can't parse envclause/expression: Variable 'REQUEST_STATE' does not exist")
	wantConfigError(t, "Listen 127.0.0.1:1\nRequestHeader echo X-A\n", "site.conf:2: RequestHeader: echo is valid only for Header")
	wantConfigError(t, "Listen 127.0.0.1:1\nHeader set X-A %Z\n", "site.conf:2: Header: Unrecognized header format %Z")
}

// readFile reads a file of the site's directory.
func (s *site) readFile(name string) string {
	s.t.Helper()
	b, err := os.ReadFile(filepath.Join(s.Dir, name))
	if err != nil {
		s.t.Fatal(err)
	}
	return string(b)
}

// Over TLS: the HSTS recipe (an "always" header on HTTPS only, by
// expr=), %{VAR}s, and REQUEST_SCHEME in an expression.
func TestHeaderOverTLS(t *testing.T) {
	lines := `Header always set Strict-Transport-Security "max-age=63072000" "expr=%{HTTPS} == 'on'"
Header set X-Proto "%{SSL_PROTOCOL}s"
Header set X-Scheme "expr=%{REQUEST_SCHEME}"
`
	s, p, port := sslSite(t, aVhost(lines)+lines, map[string]string{"htdocs/f.txt": "f\n"})
	resp, _, st, err := p.tlsGet(port, "a.test", "", "/f.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	proto := map[uint16]string{tls.VersionTLS12: "TLSv1.2", tls.VersionTLS13: "TLSv1.3"}[st.Version]
	if h := resp.Header; h.Get("Strict-Transport-Security") != "max-age=63072000" || h.Get("X-Proto") != proto || h.Get("X-Scheme") != "https" {
		t.Errorf("over TLS: %v", h)
	}
	if _, h, _ := s.do("GET", "/f.txt", ""); h.Get("Strict-Transport-Security") != "" || h.Get("X-Proto") != "(null)" || h.Get("X-Scheme") != "http" {
		t.Errorf("plain HTTP: %v", h)
	}
}
