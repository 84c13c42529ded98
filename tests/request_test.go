package tests

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The request, server and connection objects beyond fields and tables
// (issue 4).

const reqAPIMod = `from mod_python import apache
import os

HERE = os.path.dirname(__file__)
FIXED = 1700000000.0  # 2023-11-14T22:13:20Z

def sendfile(req):
    req.content_type = "text/plain"
    n = req.sendfile(os.path.join(HERE, "data.txt"), 2, 5)
    req.write("|%d" % n)
    return apache.OK

def discard(req):
    req.discard_request_body()
    req.write("left=%r" % req.read())
    return apache.OK

def cond(req):
    req.update_mtime(FIXED - 10)
    req.update_mtime(FIXED)
    req.update_mtime(FIXED - 20)  # the later one stays
    req.set_last_modified()
    req.set_etag()
    st = req.meets_conditions()
    if st != apache.OK:
        return st
    req.write("fresh mtime=%d" % req.mtime)
    return apache.OK

def allow(req):
    req.allow_methods(["GET", "mkworkspace"])
    req.allow_methods(["POST"])
    return apache.HTTP_METHOD_NOT_ALLOWED

def nocache(req):
    req.no_cache = 1
    req.write("no_cache=%d" % req.no_cache)
    return apache.OK

def cgivars(req):
    req.add_cgi_vars()
    env = req.subprocess_env
    req.write(" ".join("%s=%s" % (k, env.get(k)) for k in (
        "GATEWAY_INTERFACE", "REQUEST_METHOD", "QUERY_STRING", "SCRIPT_NAME",
        "PATH_INFO", "HTTP_X_TEST", "SERVER_PORT", "REMOTE_ADDR", "SCRIPT_FILENAME")))
    return apache.OK

def objects(req):
    s, c = req.server, req.connection
    req.write("|".join(str(x) for x in (
        s.keep_alive, s.keep_alive_timeout, s.keep_alive_max, s.limit_req_line,
        s.limit_req_fieldsize, s.limit_req_fields, s.restart_time > 0,
        c.base_server.server_hostname, c.local_host, c.remote_ip,
        req.get_remote_host(apache.REMOTE_NOLOOKUP), req.get_remote_host(apache.REMOTE_HOST),
        req.get_remote_host(apache.REMOTE_NAME, 1),
        req.construct_url("/x?y"), req.sent_bodyct, req.useragent_ip)))
    c.notes["k"] = "v"
    req.write("|%s|%d" % (c.notes["k"], req.sent_bodyct))
    root, cwd = apache.server_root(), os.getcwd()
    os.chdir("/")
    req.write("|root=%s" % (apache.server_root() == root and os.path.isabs(root) and root != "/"))
    os.chdir(cwd)
    return apache.OK

def tables(req):
    t = apache.table({"A": "1"})
    t.add("a", "2")
    t["B"] = b"bytes"
    out = [repr(t["a"]), t["b"], str("A" in t), str(t.has_key("c")), str(len(t)),
           repr(sorted(t.keys())), repr(dict(apache.table([("x", "1")])))]
    t2 = t.copy()
    del t2["a"]
    out.append(str(len(t2)))
    out.append(repr(t2.popitem()))
    try:
        t["c"] = 3
    except TypeError:
        out.append("TypeError")
    req.write(" ".join(out))
    return apache.OK

def atexit(req):
    def bye(path):
        with open(path, "w") as f:
            f.write("server cleanup ran in %s" % apache.interpreter)
    req.server.register_cleanup(req, bye, os.path.join(HERE, "bye.txt"))
    req.write("registered")
    return apache.OK
`

func reqAPISite(t *testing.T) *site {
	conf := `PythonPath "sys.path + ['{{DIR}}/lib']"` + "\n"
	for _, f := range []string{"sendfile", "discard", "cond", "allow", "nocache", "cgivars", "objects", "tables", "atexit"} {
		conf += "<Location /" + f + ">\nSetHandler mod_python\nPythonHandler reqapi::" + f + "\n</Location>\n"
	}
	return startSite(t, conf, map[string]string{"lib/reqapi.py": reqAPIMod, "lib/data.txt": "0123456789"})
}

func TestRequestMethods(t *testing.T) {
	s := reqAPISite(t)
	if got := s.mustGet("/sendfile"); got != "23456|5" {
		t.Errorf("sendfile: %q", got)
	}
	if st, _, body := s.do("POST", "/discard", "some body to drop"); st != 200 || body != "left=b''" {
		t.Errorf("discard_request_body: %d %q", st, body)
	}
	st, hdr, body := s.do("GET", "/cond", "")
	etag, lm := hdr.Get("ETag"), hdr.Get("Last-Modified")
	if st != 200 || body != "fresh mtime=1700000000" || lm != "Tue, 14 Nov 2023 22:13:20 GMT" || !strings.HasPrefix(etag, `"`) {
		t.Fatalf("cond: %d %q ETag %q Last-Modified %q", st, body, etag, lm)
	}
	for _, c := range []struct {
		hdr    []string
		status int
	}{
		{[]string{"If-None-Match", etag}, 304},
		{[]string{"If-None-Match", `"other"`}, 200},
		{[]string{"If-Modified-Since", "Tue, 14 Nov 2023 22:13:20 GMT"}, 304},
		{[]string{"If-Modified-Since", "Tue, 14 Nov 2023 22:13:19 GMT"}, 200},
		{[]string{"If-Match", `"other"`}, 412},
		{[]string{"If-Match", etag}, 200},
		{[]string{"If-Unmodified-Since", "Mon, 13 Nov 2023 00:00:00 GMT"}, 412},
	} {
		if st, _, _ := s.do("GET", "/cond", "", c.hdr...); st != c.status {
			t.Errorf("cond %v: %d, want %d", c.hdr, st, c.status)
		}
	}
	st, hdr, _ = s.do("GET", "/allow", "")
	if st != 405 || hdr.Get("Allow") != "GET, MKWORKSPACE, POST" {
		t.Errorf("allow_methods: %d Allow %q", st, hdr.Get("Allow"))
	}
	st, hdr, body = s.do("GET", "/nocache", "")
	if st != 200 || body != "no_cache=1" || hdr.Get("Expires") == "" {
		t.Errorf("no_cache: %d %q Expires %q", st, body, hdr.Get("Expires"))
	}
}

func TestRequestCGIVars(t *testing.T) {
	s := reqAPISite(t)
	st, _, body := s.do("GET", "/cgivars/extra/path?a=1", "", "X-Test", "yes")
	// A <Location> handler has no file, so no path_info (as in mod_python):
	// the whole URI is the script.
	want := "GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET QUERY_STRING=a=1 SCRIPT_NAME=/cgivars/extra/path " +
		"PATH_INFO=None HTTP_X_TEST=yes SERVER_PORT=" + strconv.Itoa(s.Port) + " REMOTE_ADDR=127.0.0.1 SCRIPT_FILENAME="
	if st != 200 || !strings.HasPrefix(body, want) {
		t.Errorf("add_cgi_vars:\n got %q\nwant %q...", body, want)
	}
}

func TestServerAndConnectionObjects(t *testing.T) {
	s := reqAPISite(t)
	// (connection.local_host: no reverse lookup, None as in Apache)
	want := "True|5|100|8190|8190|100|True|localhost|None|127.0.0.1|127.0.0.1|None|('127.0.0.1', True)|" +
		"http://127.0.0.1:" + strconv.Itoa(s.Port) + "/x?y|0|127.0.0.1|v|1|root=True"
	if got := s.mustGet("/objects"); got != want {
		t.Errorf("objects:\n got %s\nwant %s", got, want)
	}
}

func TestTableContract(t *testing.T) {
	s := reqAPISite(t)
	want := `['1', '2'] bytes True False 3 ['A', 'B', 'a'] {'x': '1'} 1 ('B', 'bytes') TypeError`
	if got := s.mustGet("/tables"); got != want {
		t.Errorf("table:\n got %s\nwant %s", got, want)
	}
}

// server.register_cleanup runs when the worker stops.
func TestServerCleanupAtStop(t *testing.T) {
	s := reqAPISite(t)
	if got := s.mustGet("/atexit"); got != "registered" {
		t.Fatalf("/atexit: %q", got)
	}
	s.stop()
	path := filepath.Join(s.Dir, "lib", "bye.txt")
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err == nil {
			if string(b) != "server cleanup ran in localhost" {
				t.Fatalf("bye.txt: %q", b)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server cleanup did not run at stop: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// req.internal_redirect runs a new request through every phase; its
// response is the client's. Into the same interpreter the call is made
// inline on the handler's thread, into another one it is handed off
// (with ThreadsPerChild 1 that must not wait for itself).
const redirMod = `from mod_python import apache

def start(req):
    req.content_type = "text/plain"
    target = req.args or "/same?x=1"
    req.internal_redirect(target)
    return apache.OK

def target(req):
    req.content_type = "text/plain"
    req.write("target %s in %s; prev=%s prev.interp=%s REDIRECT_URL=%s next_of_prev=%s" % (
        req.unparsed_uri, req.interpreter, req.prev.uri, req.prev.interpreter,
        req.subprocess_env.get("REDIRECT_URL"), req.prev.next.uri))
    return apache.OK

def loop(req):
    req.internal_redirect("/loop")
    return apache.OK
`

func TestInternalRedirect(t *testing.T) {
	s := startSite(t, `ThreadsPerChild 1
PythonPath "sys.path + ['{{DIR}}/lib']"
<Location /start>
    SetHandler mod_python
    PythonHandler redir::start
</Location>
<Location /same>
    SetHandler mod_python
    PythonHandler redir::target
</Location>
<Location /other>
    SetHandler mod_python
    PythonHandler redir::target
    PythonInterpreter other
</Location>
<Location /loop>
    SetHandler mod_python
    PythonHandler redir::loop
</Location>
`, map[string]string{"lib/redir.py": redirMod, "htdocs/static.txt": "static file\n"})
	for _, c := range []struct{ path, want string }{
		{"/start", "target /same?x=1 in localhost; prev=/start prev.interp=localhost REDIRECT_URL=/start next_of_prev=/same"},
		{"/start?/other", "target /other in other; prev=/start prev.interp=other REDIRECT_URL=/start next_of_prev=/other"},
		{"/start?/static.txt", "static file\n"},
	} {
		if got := s.mustGet(c.path); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.path, got, c.want)
		}
	}
	if st, _ := s.get("/start?/missing"); st != 404 {
		t.Errorf("redirect to a missing file: %d, want 404", st)
	}
	if st, _ := s.get("/loop"); st != 500 {
		t.Errorf("a redirect loop: %d, want 500", st)
	}
	contains(t, "error log", s.errorLog(), "AH00124: Request exceeded the limit of 10 internal redirects")
	// The server still answers (no thread or token was lost).
	if got := s.mustGet("/start"); !strings.HasPrefix(got, "target /same") {
		t.Errorf("after the loop: %q", got)
	}
}
