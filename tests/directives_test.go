package tests

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Directives modpy does not act on (issue 10): each is ignored with a
// notice only where ignoring it cannot change what is served, to whom, or
// what a response reveals; otherwise it is an error naming file and line.
// And the core directives that say what the server reveals: ServerTokens,
// ServerSignature, TraceEnable.

func TestUnsupportedDirectivesAreErrors(t *testing.T) {
	for _, c := range []struct{ conf, want string }{
		// CGI without mod_cgi loaded: the scripts would be sent as files.
		{"ScriptAlias /cgi-bin/ /usr/lib/cgi-bin/\n", "site.conf:2: ScriptAlias: CGI needs mod_cgi"},
		{"ScriptAliasMatch ^/cgi-bin/(.*) /usr/lib/cgi-bin/$1\n", "site.conf:2: ScriptAliasMatch: CGI needs mod_cgi"},
		{"AddHandler cgi-script .cgi\n", "site.conf:2: AddHandler: CGI needs mod_cgi"},
		{"<Directory /srv>\nSetHandler cgi-script\n</Directory>\n", "site.conf:3: SetHandler: CGI needs mod_cgi"},
		{"LoadModule cgi_module modules/mod_cgi.so\nScriptLog logs/cgi.log\n", "site.conf:3: ScriptLog: ScriptLog is not supported"},
		{"<FilesMatch \\.php$>\nSetHandler \"proxy:unix:/run/php/php-fpm.sock|fcgi://localhost\"\n</FilesMatch>\n",
			`site.conf:3: SetHandler: handler "proxy:unix:/run/php/php-fpm.sock|fcgi://localhost" is not provided by modpy`},
		{"AddHandler application/x-httpd-php .php\n", "site.conf:2: AddHandler: handler \"application/x-httpd-php\" is not provided"},
		{"AddType application/x-httpd-php .php\n", "site.conf:2: AddType: type application/x-httpd-php stands for a handler"},
		{"UseCanonicalName On\n", "site.conf:2: UseCanonicalName: \"On\":"},
		{"AddOutputFilterByType SUBSTITUTE text/html\n", "site.conf:2: AddOutputFilterByType: filter SUBSTITUTE:"},
		{"FallbackResource /index.py\n", "site.conf:2: FallbackResource: \"/index.py\":"},
		{"<VirtualHost *>\nServerTokens Prod\n</VirtualHost>\n", "site.conf:3: ServerTokens: not allowed in <VirtualHost>"},
		{"TraceEnable maybe\n", "site.conf:2: TraceEnable: \"maybe\": want On, Off or extended"},
	} {
		wantConfigError(t, "Listen 127.0.0.1:1\n"+c.conf, c.want)
	}
	// The server refuses to start too.
	f := filepath.Join(t.TempDir(), "site.conf")
	os.WriteFile(f, []byte(fmt.Sprintf("Listen 127.0.0.1:%d\nScriptAlias /cgi-bin/ /usr/lib/cgi-bin/\n", freePort(t))), 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, modpyBin, "-X", "-f", f).CombinedOutput(); err == nil || !strings.Contains(string(out), "site.conf:2: ScriptAlias:") {
		t.Errorf("start with ScriptAlias: %v %q", err, out)
	}
	// What may be ignored starts: values modpy behaves as anyway, a false
	// <IfModule>; and what modpy now does (mod_headers, mod_setenvif,
	// mod_deflate, mod_expires).
	ok := "Listen 127.0.0.1:1\nUseCanonicalName Off\nHostnameLookups Off\nAcceptPathInfo Default\n" +
		"<Directory /srv>\nOptions All\nOptions -ExecCGI\n</Directory>\n" +
		"<Directory /srv/wsgi>\nOptions +ExecCGI\n</Directory>\n" +
		"<IfModule mod_headers.c>\nHeader always set X-Frame-Options DENY\n</IfModule>\n" +
		"<IfModule mod_cgi.c>\nScriptAlias /cgi-bin/ /usr/lib/cgi-bin/\n</IfModule>\n" +
		"<IfDirective Header>\nHeader set X-A b\n</IfDirective>\n" +
		"BrowserMatch \"MSIE 4\\.0b2;\" nokeepalive downgrade-1.0 force-response-1.0\n" +
		"AddOutputFilterByType DEFLATE text/html\nAddHandler type-map var\nExpiresActive Off\n"
	if out, ok := checkConfig(t, ok); !ok || !strings.Contains(out, "Syntax OK") {
		t.Errorf("ignorable directives refused:\n%s", out)
	}
}

// dirRedirectFiles are directories whose names need %-escaping in a URL.
var dirRedirectFiles = map[string]string{
	"htdocs/sub dir/x.txt": "x", "htdocs/é/x.txt": "x", "htdocs/a%b/x.txt": "x", "htdocs/a&b\"<c/x.txt": "x",
	"htdocs/f.txt": "file\n",
}

func TestCoreDefaults(t *testing.T) {
	files := map[string]string{
		"htdocs/cgi/.htaccess":     "AddHandler cgi-script .cgi\n",
		"htdocs/cgi/t.cgi":         "#!/bin/sh\necho password=hunter2\n",
		"htdocs/nocs/f.txt":        "plain\n",
		"htdocs/py/page.py":        "from mod_python import apache\ndef handler(req):\n    req.content_type = 'text/html'\n    req.write('ran')\n    return apache.OK\n",
		"htdocs/py/typed/page.py":  "from mod_python import apache\ndef handler(req):\n    req.content_type = 'text/html; charset=x-own'\n    req.write('ran')\n    return apache.OK\n",
		"htdocs/cgi-bin-src/t.cgi": "#!/bin/sh\necho password=hunter2\n",
	}
	for k, v := range dirRedirectFiles {
		files[k] = v
	}
	s := startSite(t, `AddCharset UTF-8 .txt
<Directory {{DIR}}/htdocs/nocs>
    RemoveCharset .txt
</Directory>
<Directory {{DIR}}/htdocs/cgi>
    AllowOverride FileInfo
</Directory>
<Directory {{DIR}}/htdocs/py>
    SetHandler mod_python
    PythonHandler page
    AddDefaultCharset utf-8
</Directory>
<Directory {{DIR}}/htdocs/py/typed>
    PythonHandler page
</Directory>
<IfModule mod_cgi.c>
    ScriptAlias /cgi-bin/ {{DIR}}/htdocs/cgi-bin-src/
</IfModule>
<IfModule mod_headers.c>
    Header always set X-Frame-Options DENY
</IfModule>
`, files)

	t.Run("ServerTokensFull", func(t *testing.T) {
		_, h, body := s.do("GET", "/nope", "")
		if srv := h.Get("Server"); !regexp.MustCompile(`^modpy/\d+\.\d+\.\d+ \(Unix\) Python/3\.\d+`).MatchString(srv) {
			t.Errorf("Server %q, want modpy/x.y.z (Unix) Python/3.n (ServerTokens Full)", srv)
		}
		if strings.Contains(body, "<address>") {
			t.Errorf("ServerSignature is Off by default, yet the 404 page has one:\n%s", body)
		}
	})

	t.Run("NoSourceForCGI", func(t *testing.T) {
		// A .htaccess handing .cgi files to CGI: an error (500), never the
		// script's text.
		st, _, body := s.do("GET", "/cgi/t.cgi", "")
		if st != 500 || strings.Contains(body, "hunter2") {
			t.Errorf("GET /cgi/t.cgi: %d %q, want 500 without the source", st, body)
		}
		contains(t, "error log", s.waitLog("AddHandler: CGI needs mod_cgi"), ".htaccess:1: AddHandler: CGI needs mod_cgi")
		// A ScriptAlias in a false <IfModule mod_cgi.c> maps nothing.
		if st, _, body := s.do("GET", "/cgi-bin/t.cgi", ""); st != 404 || strings.Contains(body, "hunter2") {
			t.Errorf("GET /cgi-bin/t.cgi: %d %q, want 404", st, body)
		}
	})

	t.Run("Trace", func(t *testing.T) {
		raw := s.raw("TRACE /py/page.py HTTP/1.1\r\nHost: x\r\nX-Probe: a b\r\nConnection: close\r\n\r\n", 5*time.Second)
		contains(t, "TRACE", raw, "HTTP/1.1 200 OK\r\n")
		contains(t, "TRACE", raw, "Content-Type: message/http\r\n")
		contains(t, "TRACE echo", raw, "\r\n\r\nTRACE /py/page.py HTTP/1.1\r\nHost: x\r\nX-Probe: a b\r\nConnection: close\r\n\r\n")
		if strings.Contains(raw, "ran") {
			t.Errorf("TRACE ran the handler:\n%s", raw)
		}
		raw = s.raw("TRACE /f.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc", 5*time.Second)
		contains(t, "TRACE with a body", raw, "HTTP/1.1 413 Request Entity Too Large\r\n")
		st, h, _ := s.do("OPTIONS", "/f.txt", "")
		if st != 200 || h.Get("Allow") != "GET,POST,OPTIONS,HEAD,TRACE" {
			t.Errorf("OPTIONS /f.txt: %d Allow %q, want 200 GET,POST,OPTIONS,HEAD,TRACE", st, h.Get("Allow"))
		}
		st, h, body := s.do("PUT", "/f.txt", "x")
		if st != 405 || h.Get("Allow") != "GET,POST,OPTIONS,HEAD,TRACE" {
			t.Errorf("PUT /f.txt: %d Allow %q", st, h.Get("Allow"))
		}
		contains(t, "405 page", body, "<p>The requested method PUT is not allowed for this URL.</p>")
	})

	t.Run("DirectoryRedirectLocation", func(t *testing.T) {
		for _, c := range []struct{ path, host, loc string }{
			{"/sub%20dir", "www.example.com", "http://www.example.com/sub%20dir/"},
			{"/sub%20dir?a=%20b", "www.example.com:8080", "http://www.example.com:8080/sub%20dir/?a=%20b"},
			{"/%C3%A9", "h", "http://h/%c3%a9/"},
			{"/a%25b", "h", "http://h/a%25b/"},
			{"/a&b%22%3Cc", "h", "http://h/a&b%22%3cc/"},
		} {
			st, h, body := s.do("GET", c.path, "", "Host", c.host)
			if st != 301 || h.Get("Location") != c.loc {
				t.Errorf("GET %s (Host %s): %d Location %q, want 301 %q", c.path, c.host, st, h.Get("Location"), c.loc)
			}
			href := strings.ReplaceAll(c.loc, "&", "&amp;")
			contains(t, "301 page", body, "<p>The document has moved <a href=\""+href+"\">here</a>.</p>\n")
		}
	})

	t.Run("ChunkedWithParameter", func(t *testing.T) {
		raw := s.raw("POST /f.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n", 5*time.Second)
		contains(t, "Transfer-Encoding: chunked;q=1", raw, "HTTP/1.1 400 Bad Request\r\n")
	})

	t.Run("Charset", func(t *testing.T) {
		for _, c := range []struct{ path, ct string }{
			{"/f.txt", "text/plain; charset=UTF-8"},           // AddCharset
			{"/nocs/f.txt", "text/plain"},                     // RemoveCharset
			{"/py/page.py", "text/html; charset=utf-8"},       // AddDefaultCharset, on a handler's type
			{"/py/typed/page.py", "text/html; charset=x-own"}, // a charset given is kept
		} {
			st, h, _ := s.do("GET", c.path, "")
			if st != 200 || h.Get("Content-Type") != c.ct {
				t.Errorf("GET %s: %d Content-Type %q, want %q", c.path, st, h.Get("Content-Type"), c.ct)
			}
		}
	})
}

func TestServerTokensSignatureTraceOff(t *testing.T) {
	s := startSite(t, `ServerTokens Prod
ServerSignature On
ServerAdmin "web<master>@example.com"
TraceEnable Off
Mutex default
BrowserMatch "^Mozilla/2" nokeepalive
<VirtualHost *:{{PORT}}>
    ServerName hard.example
    PythonImport os hard.example
    <Location /mail>
        ServerSignature EMail
    </Location>
    <Location /quiet>
        ServerSignature Off
    </Location>
</VirtualHost>
<VirtualHost *:{{PORT}}>
    ServerName ext.example
    TraceEnable extended
</VirtualHost>
`, dirRedirectFiles)

	_, h, body := s.do("GET", "/nope", "", "Host", "hard.example")
	if srv := h.Get("Server"); srv != "modpy" {
		t.Errorf("ServerTokens Prod: Server %q, want modpy", srv)
	}
	contains(t, "404 page", body, "<p>The requested URL was not found on this server.</p>\n<hr>\n<address>modpy Server at hard.example Port 80</address>\n</body></html>\n")
	_, _, body = s.do("GET", "/mail/x", "", "Host", "hard.example:8080")
	contains(t, "ServerSignature EMail", body, `<address>modpy Server at <a href="mailto:web&lt;master&gt;@example.com">hard.example</a> Port 8080</address>`)
	if _, _, body = s.do("GET", "/quiet/x", "", "Host", "hard.example"); strings.Contains(body, "<address>") {
		t.Errorf("ServerSignature Off in a <Location>: %s", body)
	}
	// The server's own protocol errors: the main server's footer.
	raw := s.raw("GET / HTTP/1.1\r\nBad header line\r\n\r\n", 5*time.Second)
	contains(t, "400", raw, "HTTP/1.1 400 Bad Request\r\n")
	contains(t, "400", raw, "\r\nServer: modpy\r\n")
	contains(t, "400", raw, "<address>modpy Server at localhost Port 80</address>")

	// TraceEnable Off: 405, and TRACE is not in Allow.
	raw = s.raw("TRACE /f.txt HTTP/1.1\r\nHost: hard.example\r\nConnection: close\r\n\r\n", 5*time.Second)
	contains(t, "TraceEnable Off", raw, "HTTP/1.1 405 Method Not Allowed\r\n")
	contains(t, "TraceEnable Off", raw, "\r\nAllow: \r\n")
	contains(t, "TraceEnable Off", raw, "The requested method TRACE is not allowed")
	if st, h, _ := s.do("OPTIONS", "/f.txt", "", "Host", "hard.example"); st != 200 || h.Get("Allow") != "GET,POST,OPTIONS,HEAD" {
		t.Errorf("OPTIONS with TraceEnable Off: %d Allow %q", st, h.Get("Allow"))
	}
	// TraceEnable extended in a virtual host: the body is echoed too.
	raw = s.raw("TRACE /f.txt HTTP/1.1\r\nHost: ext.example\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc", 5*time.Second)
	contains(t, "TraceEnable extended", raw, "HTTP/1.1 200 OK\r\n")
	contains(t, "TraceEnable extended", raw, "\r\n\r\nTRACE /f.txt HTTP/1.1\r\nHost: ext.example\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc")

	// modpy -t prints every notice starting logged (the same file, copied:
	// compared from its name on).
	conf, err := os.ReadFile(filepath.Join(s.Dir, "site.conf"))
	if err != nil {
		t.Fatal(err)
	}
	out, ok := checkConfig(t, string(conf))
	if !ok {
		t.Fatalf("-t failed:\n%s", out)
	}
	var logged int
	for _, line := range strings.Split(s.errorLog(), "\n") {
		i := strings.Index(line, "/site.conf:")
		if !strings.Contains(line, ":notice]") || i < 0 {
			continue
		}
		logged++
		if msg := line[i:]; !strings.Contains(out, msg+"\n") {
			t.Errorf("-t does not print the notice %q; it printed:\n%s", msg, out)
		}
	}
	if logged < 2 { // Mutex, PythonImport in a <VirtualHost>
		t.Errorf("only %d notices logged:\n%s", logged, s.errorLog())
	}
	contains(t, "-t", out, "PythonImport os inside <VirtualHost> runs at worker start")
}

// A URL, for Redirect, ErrorDocument and the ServerAdmin link, is what
// Apache's ap_is_url says: a scheme of letters, digits, "+", "-" and "."
// (a digit first too) and a colon. Apache 2.4.71 answers the same.
func TestURLSchemesAsApache(t *testing.T) {
	s := startSite(t, `ServerAdmin 1x+y.z:contact
ServerSignature EMail
ErrorDocument 404 9p://host/missing
Redirect /r 1a+b.c:/target
`, nil)
	// (Raw: Go's client refuses such a Location.)
	get := func(path string) string {
		return s.raw("GET "+path+" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 5*time.Second)
	}
	raw := get("/r/x")
	contains(t, "Redirect to 1a+b.c:/target", raw, "HTTP/1.1 302 Found\r\n")
	contains(t, "Redirect to 1a+b.c:/target", raw, "\r\nLocation: 1a+b.c:/target/x\r\n")
	contains(t, "ServerSignature EMail", raw, `Server at <a href="1x+y.z:contact">localhost</a> Port 80</address>`)
	raw = get("/nope")
	contains(t, "ErrorDocument 404 9p://host/missing", raw, "HTTP/1.1 302 Found\r\n")
	contains(t, "ErrorDocument 404 9p://host/missing", raw, "\r\nLocation: 9p://host/missing\r\n")
}
