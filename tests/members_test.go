package tests

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The request, connection, server and table objects' members as mod_python
// 3.5 has them (its test_internal's checks; issue 12).

// TestConnectionKeepAliveValues: connection.keepalive is Apache's
// AP_CONN_KEEPALIVE (2) for a connection that stays open and
// AP_CONN_CLOSE (1) for one that closes; connection.keepalives counts the
// responses that kept it open, this one included. The same in a process
// group, where they are the client's connection's, not those of the
// worker's pooled connection to the group (which said 2 and counted every
// request the pool had sent on it).
func TestConnectionKeepAliveValues(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		checkKeepAliveValues(t, startSite(t, pyDir("ka"), map[string]string{"htdocs/ka.py": keepAliveHandler}))
	})
	t.Run("group", func(t *testing.T) {
		s := newSite(t, map[string]string{"lib/ka.py": keepAliveHandler, "lib/mp.py": masterHandlers, "htdocs/index.html": "hi\n"})
		s.writeFiles(map[string]string{"site.conf": masterConf("StartServers 1\nWSGIDaemonProcess g home={{DIR}}\n" +
			"<Location /ka>\n SetHandler mod_python\n PythonHandler ka\n WSGIProcessGroup g\n</Location>\n")})
		s.start("-f", filepath.Join(s.Dir, "site.conf"))
		// Another client's requests first: the pooled connection to the
		// group has served some when this client's come.
		for i := 0; i < 3; i++ {
			s.mustGet("/ka")
		}
		checkKeepAliveValues(t, s)
	})
}

const keepAliveHandler = `from mod_python import apache
def handler(req):
    c = req.connection
    before = (c.keepalive, c.keepalives)
    req.write("x")
    req.write(" %s %s %s %s|" % (before + (c.keepalive, c.keepalives)))
    return apache.OK
`

func checkKeepAliveValues(t *testing.T, s *site) {
	c := s.dial()
	defer c.Close()
	br := bufio.NewReader(c)
	get := func(hdr string) string {
		t.Helper()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		fmt.Fprintf(c, "GET /ka HTTP/1.1\r\nHost: localhost\r\n%s\r\n", hdr)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("reading the response: %v\n%s", err, s.errorLog())
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(b)
	}
	for i, c := range []struct{ hdr, want string }{
		{"", "x 2 1 2 1|"},
		{"", "x 2 2 2 2|"},
		{"Connection: close\r\n", "x 1 2 1 2|"},
	} {
		if got := get(c.hdr); got != c.want {
			t.Errorf("request %d: %q, want %q", i+1, got, c.want)
		}
	}
	// HTTP/1.0 without keep-alive: the connection closes.
	out := s.raw("GET /ka HTTP/1.0\r\nHost: localhost\r\n\r\n", 20*time.Second)
	contains(t, "HTTP/1.0", out, "x 1 0 1 0|")
}

// TestHeadersFrozenAtFlush: after a flushing req.write the response's
// status and headers are those it went out with in mod_python, even when
// modpy held the flush back: a Content-Length set later does not cut the
// body short, a header added later is not sent.
func TestHeadersFrozenAtFlush(t *testing.T) {
	s := startSite(t, pyDir("late"), map[string]string{"htdocs/late.py": `from mod_python import apache
def handler(req):
    req.content_type = "text/plain"
    req.headers_out["X-Early"] = "1"
    req.write("1234")
    req.set_content_length(15)
    req.headers_out["X-Late"] = "1"
    req.write("test ok")
    return apache.OK
`})
	st, hdr, body := s.do("GET", "/late", "")
	if st != 200 || body != "1234test ok" {
		t.Fatalf("status %d body %q", st, body)
	}
	if hdr.Get("X-Early") != "1" || hdr.Get("X-Late") != "" || hdr.Get("Content-Length") == "15" {
		t.Errorf("headers: %v", hdr)
	}
}

// TestServerErrorFnameAsConfigured: server.error_fname is ErrorLog's
// argument as written (relative to ServerRoot), inherited by a vhost
// without an ErrorLog; names and wild_names are tuples of the ServerAlias
// names, plain and with wildcards.
func TestServerErrorFnameAsConfigured(t *testing.T) {
	s := startSite(t, `<VirtualHost *:{{PORT}}>
    ServerName own.example
    ServerAlias a.example *.wild.example
    ErrorLog logs/own_error.log
    `+pyDir("srv")+`
</VirtualHost>
<VirtualHost *:{{PORT}}>
    ServerName inherits.example
    `+pyDir("srv")+`
</VirtualHost>
`, map[string]string{"logs/.keep": "", "htdocs/srv.py": `from mod_python import apache
def handler(req):
    s = req.server
    req.write("%s %r %r" % (s.error_fname, s.names, s.wild_names))
    return apache.OK
`})
	if got := s.mustGet("/", "Host", "own.example"); got != "logs/own_error.log ('a.example',) ('*.wild.example',)" {
		t.Errorf("own ErrorLog: %q", got)
	}
	if got := s.mustGet("/", "Host", "inherits.example"); got != s.Dir+"/error.log () ()" {
		t.Errorf("inherited ErrorLog: %q", got)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "logs/own_error.log")); err != nil {
		t.Errorf("the vhost's log is not under ServerRoot: %v", err)
	}
}

const membersMod = `import os
from mod_python import apache

def handler(req):
    req.content_type = "text/plain"
    out = []
    def show(name, v):
        out.append("%s=%r" % (name, v))
    for name in ("assbackwards proxyreq allowed allowed_xmethods chunked range clength "
                 "remaining read_length read_body read_chunked expecting_100 content_encoding "
                 "content_languages vlist_validator no_local_copy used_path_info eos_sent").split():
        show(name, getattr(req, name))
    show("parsed_uri", req.parsed_uri)
    part = req.read(3)
    show("after read", (part, req.read_length, req.remaining, req.read_body))
    f = req.finfo
    show("finfo", (f.fname == req.filename, f.filetype == apache.APR_REG, f.size, f[apache.FINFO_SIZE],
                   f[apache.FINFO_FNAME] == req.filename, f.mtime == int(os.stat(req.filename).st_mtime),
                   hex(f.protection)))
    missing = apache.stat(req.filename + ".nothing", apache.APR_FINFO_MIN)
    show("missing", (missing.filetype == apache.APR_NOFILE, missing.fname, missing.size))
    req.finfo = missing
    show("assigned", req.finfo is missing)
    req.add_common_vars()
    show("software", "Python/" in req.subprocess_env["SERVER_SOFTWARE"])
    show("httpoxy", (req.subprocess_env.get("HTTP_PROXY"), req.subprocess_env.get("HTTP_X_KEPT")))
    show("local_host", req.connection.local_host)
    req.write("x")
    show("chunked after a write", req.chunked)
    req.set_content_length(20)
    show("clength", req.clength)
    req.write("\n" + "\n".join(out) + "\n")
    return apache.OK
`

// TestRequestMembers: the request_rec members mod_python 3.5 has
// (assbackwards ... eos_sent), req.finfo and apache.stat (mp_finfo),
// req.parsed_uri, SERVER_SOFTWARE from ServerTokens, connection.local_host.
func TestRequestMembers(t *testing.T) {
	s := startSite(t, pyDir("members"), map[string]string{"htdocs/members.py": membersMod, "htdocs/f.txt": "0123456789"})
	os.Chmod(filepath.Join(s.Dir, "htdocs/f.txt"), 0o640)
	st, _, body := s.do("POST", "/f.txt?q=1", "abcdef", "Expect", "100-continue",
		"Proxy", "http://evil.example/", "X-Kept", "1")
	if st != 200 {
		t.Fatalf("status %d: %s\n%s", st, body, s.errorLog())
	}
	for _, want := range []string{
		"assbackwards=0", "proxyreq=0", "allowed=0", "allowed_xmethods=()", "chunked=0", "range=None",
		"clength=0", "remaining=0", "read_length=0", "read_body=0", "read_chunked=0", "expecting_100=1",
		"content_encoding=None", "content_languages=()", "vlist_validator=None", "no_local_copy=0",
		"used_path_info=2", "eos_sent=0",
		"parsed_uri=(None, None, None, None, None, None, '/f.txt', 'q=1', None)",
		"after read=(b'abc', 3, 3, 2)",
		"finfo=(True, True, 10, 10, True, True, '0x640')",
		"missing=(True, None, None)", "assigned=True", "software=True", "httpoxy=(None, '1')", "local_host=None",
		"chunked after a write=1", "clength=20",
	} {
		contains(t, "members", body, "\n"+want+"\n")
	}
	// an absolute URI in the request line, in pieces
	port := fmt.Sprint(s.Port)
	out := s.raw("GET http://localhost:"+port+"/f.txt?a=b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 20*time.Second)
	contains(t, "absolute URI", out, "parsed_uri=('http', 'localhost:"+port+"', None, None, 'localhost', "+port+", '/f.txt', 'a=b', None)")
}

// TestTypeNamesAndTableUpdate: the objects are named as mod_python's C
// types (mp_request, mp_conn, mp_server, mp_table, mp_hlist); every table
// is an apache.table; table.update takes a mapping (anything with keys()),
// making its keys and values strings, and None is an AttributeError.
func TestTypeNamesAndTableUpdate(t *testing.T) {
	s := startSite(t, pyDir("types"), map[string]string{"htdocs/types.py": `from mod_python import apache
class Mapping:
    def keys(self):
        return [1, 2]
    def __getitem__(self, k):
        return k * 10
def handler(req):
    req.content_type = "text/plain"
    out = [str(type(x)) for x in (req, req.connection, req.server, req.headers_in, apache.table(), req.hlist)]
    out.append(str(isinstance(req.headers_out, apache.table)))
    t = apache.table()
    try:
        t.update(None)
    except AttributeError:
        out.append("AttributeError")
    t.update(Mapping())
    out.append(repr(sorted(t.items())))
    out.append(str(t == apache.table({1: 10, 2: 20})))
    req.write("\n".join(out) + "\n")
    return apache.OK
`})
	want := strings.Join([]string{"<class 'mp_request'>", "<class 'mp_conn'>", "<class 'mp_server'>",
		"<class 'mp_table'>", "<class 'mp_table'>", "<class 'mp_hlist'>", "True", "AttributeError",
		"[('1', '10'), ('2', '20')]", "True"}, "\n") + "\n"
	if got := s.mustGet("/x"); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
