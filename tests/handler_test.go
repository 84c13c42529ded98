package tests

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const stackModule = `from mod_python import apache
def _w(req, s):
    req.write(s, 0)
def ok1(req): _w(req, "ok1 "); return apache.OK
def ok2(req): _w(req, "ok2 "); return apache.OK
def declined(req): _w(req, "declined "); return apache.DECLINED
def done(req): _w(req, "done "); return apache.DONE
def notfound(req): return apache.HTTP_NOT_FOUND
def forbidden(req): raise apache.SERVER_RETURN(apache.HTTP_FORBIDDEN)
def sr_ok(req): _w(req, "sr_ok "); raise apache.SERVER_RETURN(apache.OK)
def custom404(req):
    req.status = 404
    req.content_type = "text/plain"
    _w(req, "custom not found")
    return apache.OK
def none(req): return None
def teapot(req):
    req.headers_out["X-Tea"] = "earl grey"
    req.err_headers_out["X-Err"] = "kept"
    return 418
def redirect(req):
    req.headers_out["Location"] = "/elsewhere"
    raise apache.SERVER_RETURN(apache.HTTP_MOVED_TEMPORARILY)
`

func TestStackingAndReturnCodes(t *testing.T) {
	files := map[string]string{"lib/stack.py": stackModule, "htdocs/f.txt": "static file\n"}
	conf := `PythonPath "sys.path + ['{{DIR}}/lib']"
`
	locs := map[string]string{
		"/s-ok":        "stack::ok1 stack::ok2",
		"/s-declined":  "stack::ok1 stack::declined stack::ok2",
		"/s-done":      "stack::done stack::ok2",
		"/s-srok":      "stack::sr_ok stack::ok2",
		"/s-notfound":  "stack::notfound stack::ok1",
		"/s-forbidden": "stack::forbidden",
		"/s-custom404": "stack::custom404",
		"/s-none":      "stack::none",
		"/s-teapot":    "stack::teapot",
		"/s-redirect":  "stack::redirect",
	}
	for loc, hs := range locs {
		conf += fmt.Sprintf("<Location %s>\n    SetHandler mod_python\n    PythonHandler %s\n</Location>\n", loc, hs)
	}
	// Two directives in one section append.
	conf += "<Location /s-two>\n    SetHandler mod_python\n    PythonHandler stack::ok1\n    PythonHandler stack::ok2\n</Location>\n"
	s := startSite(t, conf, files)

	cases := []struct {
		path     string
		status   int
		body     string // substring
		notBody  string
		hdr, val string
	}{
		{"/s-ok", 200, "ok1 ok2 ", "", "", ""},
		{"/s-two", 200, "ok1 ok2 ", "", "", ""},
		// A content stack continues only while handlers return OK: after
		// DECLINED the stack stops and Apache's default handler answers.
		{"/s-declined", 404, "", "ok2", "", ""},
		{"/s-done", 200, "done ", "ok2", "", ""},
		{"/s-srok", 200, "sr_ok ok2 ", "", "", ""},
		{"/s-notfound", 404, "Not Found", "ok1", "", ""},
		{"/s-forbidden", 403, "Forbidden", "", "", ""},
		{"/s-custom404", 404, "custom not found", "", "", ""},
		{"/s-none", 500, "Internal Server Error", "", "", ""},
		{"/s-teapot", 418, "", "", "X-Err", "kept"},
		{"/s-redirect", 302, "", "", "Location", "/elsewhere"},
	}
	for _, c := range cases {
		st, h, body := s.do("GET", c.path, "")
		if st != c.status {
			t.Errorf("%s: status %d, want %d (body %q)", c.path, st, c.status, body)
			continue
		}
		if c.body != "" && !strings.Contains(body, c.body) {
			t.Errorf("%s: body %q lacks %q", c.path, body, c.body)
		}
		if c.notBody != "" && strings.Contains(body, c.notBody) {
			t.Errorf("%s: body %q has %q", c.path, body, c.notBody)
		}
		if c.hdr != "" && !strings.HasSuffix(h.Get(c.hdr), c.val) {
			t.Errorf("%s: header %s = %q, want %q", c.path, c.hdr, h.Get(c.hdr), c.val)
		}
	}
	_, h, _ := s.do("GET", "/s-teapot", "")
	if h.Get("X-Tea") != "" {
		t.Errorf("headers_out sent with an error response: X-Tea = %q", h.Get("X-Tea"))
	}
	contains(t, "error log", s.errorLog(), "PythonHandler stack::none: handler returned None, not an int")
}

func TestExceptionsAndDebug(t *testing.T) {
	bad := "from mod_python import apache\ndef handler(req):\n    return helper()\ndef helper():\n    raise ValueError('kaboom 42')\n"
	files := map[string]string{
		"htdocs/quiet/bad.py": bad,
		"htdocs/loud/bad.py":  bad,
		"htdocs/nofunc/h.py":  "X = 1\n",
		"htdocs/none/h.py":    "handler = None\n",
		"htdocs/addbad/h.py":  "from mod_python import apache\ndef handler(req):\n    req.add_handler('PythonHandler', 'h::bad_handler')\n    req.write('ok')\n    return apache.OK\n",
		"htdocs/printer/p.py": "from mod_python import apache\nimport sys\ndef handler(req):\n    print('hello from print')\n    sys.stderr.write('to stderr\\n')\n    req.write('ok')\n    return apache.OK\n",
	}
	s := startSite(t, `
<Directory {{DIR}}/htdocs/quiet>
    SetHandler mod_python
    PythonHandler bad
</Directory>
<Directory {{DIR}}/htdocs/loud>
    SetHandler mod_python
    PythonHandler bad
    PythonDebug On
</Directory>
<Directory {{DIR}}/htdocs/nofunc>
    SetHandler mod_python
    PythonHandler h
</Directory>
<Directory {{DIR}}/htdocs/none>
    SetHandler mod_python
    PythonHandler h
</Directory>
<Directory {{DIR}}/htdocs/addbad>
    SetHandler mod_python
    PythonHandler h
</Directory>
<Directory {{DIR}}/htdocs/missing>
    SetHandler mod_python
    PythonHandler no_such_module
</Directory>
<Directory {{DIR}}/htdocs/printer>
    SetHandler mod_python
    PythonHandler p
    PythonInterpreter printer
</Directory>
`, files)
	os.MkdirAll(filepath.Join(s.Dir, "htdocs/missing"), 0o755)

	st, body := s.get("/quiet/bad.py")
	if st != 500 || strings.Contains(body, "kaboom") {
		t.Fatalf("PythonDebug Off: status %d, body %q", st, body)
	}
	log := s.waitLog("kaboom 42")
	contains(t, "error log", log, "Traceback (most recent call last):")
	contains(t, "error log", log, "PythonHandler bad: ValueError: kaboom 42")
	contains(t, "error log", log, "[python:error]")

	st, body = s.get("/loud/bad.py")
	if st != 500 || !strings.Contains(body, "kaboom 42") || !strings.Contains(body, "Traceback") {
		t.Fatalf("PythonDebug On: status %d, body %q", st, body)
	}

	if st, _ := s.get("/nofunc/h.py"); st != 500 {
		t.Fatalf("missing function: status %d", st)
	}
	// mod_python 3.5's message, on one line
	contains(t, "error log", s.waitLog("contains no"), "PythonHandler h: module '"+s.Dir+"/htdocs/nofunc/h.py' contains no 'handler'\n")
	// a handler that is None (mod_python's test_none_handler): 500
	if st, _ := s.get("/none/h.py"); st != 500 {
		t.Fatalf("a None handler: status %d", st)
	}
	contains(t, "error log", s.waitLog("not callable"), "PythonHandler h: handler in "+s.Dir+"/htdocs/none/h is not callable\n")
	s.get("/addbad/h.py")
	log = s.waitLog("contains no 'bad_handler'")
	contains(t, "error log", log, "PythonHandler h::bad_handler: module '"+s.Dir+"/htdocs/addbad/h.py' contains no 'bad_handler'\n")
	if strings.Contains(log, "PythonHandler h::bad_handler: Traceback") || strings.Contains(log, "PythonHandler h: Traceback") {
		t.Errorf("a missing function is logged with a traceback:\n%s", log)
	}
	if st, _ := s.get("/missing/"); st != 500 {
		t.Fatalf("missing module: status %d", st)
	}
	contains(t, "error log", s.waitLog("no_such_module"), "cannot import 'no_such_module'")

	if got := s.mustGet("/printer/p.py"); got != "ok" {
		t.Fatalf("printer: %q", got)
	}
	log = s.waitLog("to stderr")
	contains(t, "error log", log, "[interpreter printer] hello from print")
	contains(t, "error log", log, "[interpreter printer] to stderr")
}

func TestRequestObject(t *testing.T) {
	files := map[string]string{
		"htdocs/r/info.py": `from mod_python import apache
def handler(req):
    req.content_type = "text/plain; charset=utf-8"
    req.headers_out.add("X-Multi", "one")
    req.headers_out.add("X-Multi", "two")
    lines = [
        "method=%s" % req.method,
        "uri=%s" % req.uri,
        "unparsed_uri=%s" % req.unparsed_uri,
        "args=%s" % req.args,
        "path_info=%s" % req.path_info,
        "filename=%s" % req.filename,
        "hostname=%s" % req.hostname,
        "protocol=%s" % req.protocol,
        "the_request=%s" % req.the_request,
        "cookie=%s" % (req.headers_in["cookie"],),
        "repeated=%s" % (req.headers_in.get("X-Rep"),),
        "has_missing=%s" % ("X-Missing" in req.headers_in),
        "option=%s" % req.get_options().get("color"),
        "empty_option=%s" % ("blank" in req.get_options()),
        "debug=%s" % req.get_config().get("PythonDebug"),
        "env=%s" % req.subprocess_env.get("SITE_NAME"),
        "docroot=%s" % req.document_root(),
        "remote=%s" % req.connection.remote_ip,
        "server=%s" % req.server.server_hostname,
        "main_server=%s" % apache.main_server.server_hostname,
        "apache.interpreter=%s" % apache.interpreter,
        "unicode=\u00e9",
    ]
    req.write("\n".join(lines) + "\n")
    req.write(b"bytes ok\n")
    return apache.OK
`,
		"htdocs/r/echo.py": `from mod_python import apache
def handler(req):
    first = req.readline()
    rest = req.read()
    req.content_type = "text/plain"
    req.write("first=%r rest=%d" % (first, len(rest)))
    return apache.OK
`,
	}
	s := startSite(t, `
SetEnv SITE_NAME testsite
<Directory {{DIR}}/htdocs/r>
    AddHandler mod_python .py
    PythonHandler info
    PythonDebug On
    PythonOption color blue
    PythonOption blank
</Directory>
<Files echo.py>
    PythonHandler echo
</Files>
`, files)
	st, h, body := s.do("GET", "/r/info.py/extra/path?a=1&b=%20x", "", "Cookie", "c=1", "X-Rep", "v1")
	if st != 200 {
		t.Fatalf("status %d: %s", st, body)
	}
	d := s.Dir + "/htdocs/r"
	for _, want := range []string{
		"method=GET\n", "uri=/r/info.py/extra/path\n", "unparsed_uri=/r/info.py/extra/path?a=1&b=%20x\n",
		"args=a=1&b=%20x\n", "path_info=/extra/path\n", "filename=" + d + "/info.py\n",
		"hostname=127.0.0.1\n", "protocol=HTTP/1.1\n", "the_request=GET /r/info.py/extra/path?a=1&b=%20x HTTP/1.1\n",
		"cookie=c=1\n", "repeated=v1\n", "has_missing=False\n", "option=blue\n", "empty_option=False\n",
		"debug=1\n", "env=testsite\n", "docroot=" + s.Dir + "/htdocs\n", "remote=127.0.0.1\n",
		"server=localhost\n", "main_server=localhost\n", "apache.interpreter=localhost\n",
		"unicode=\u00e9\n", "bytes ok\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if got := h.Values("X-Multi"); len(got) != 2 || got[0] != "one" || got[1] != "two" {
		t.Errorf("repeated response header: %v", got)
	}
	if ct := h.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}

	// Request bodies: Content-Length, chunked, and Expect: 100-continue.
	_, _, body = s.do("POST", "/r/echo.py", "line one\nthe rest of it")
	if body != "first=b'line one\\n' rest=14" {
		t.Errorf("POST body: %q", body)
	}
	raw := s.raw("POST /r/echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"+
		"5\r\nab\ncd\r\n3\r\nefg\r\n0\r\n\r\n", 5*time.Second)
	contains(t, "chunked POST", raw, "first=b'ab\\n' rest=5")
	raw = s.raw("POST /r/echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nab\nc", 5*time.Second)
	contains(t, "100-continue", raw, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK")
	contains(t, "100-continue", raw, "first=b'ab\\n' rest=1")
}

func TestConfigErrorsNameFileAndLine(t *testing.T) {
	cases := []struct{ conf, want string }{
		{"Listen 1\nNoSuchDirective on\n", "site.conf:2: NoSuchDirective:"},
		{"Listen 1\n<Directory /x>\nPythonHandler\n</Directory>\n", "site.conf:3: PythonHandler:"},
		{"Listen 1\nRewriteEngine On\n", "site.conf:2: RewriteEngine:"},
		{"Listen 1\n<Directory /x>\n", "site.conf:2:"},
		{"Listen 1\nPythonImport onlymodule\n", "site.conf:2: PythonImport:"},
		{"Listen 1\nPythonDebug maybe\n", "site.conf:2: PythonDebug:"},
	}
	for _, c := range cases {
		wantConfigError(t, c.conf, c.want)
		// And the server refuses to start.
		f := filepath.Join(t.TempDir(), "site.conf")
		os.WriteFile(f, []byte(c.conf), 0o644)
		out, err := exec.Command(modpyBin, "-X", "-f", f).CombinedOutput()
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("%q: server start: %v %q", c.conf, err, out)
		}
	}
	okConf := "Listen 127.0.0.1:1\n<IfModule mod_ssl.c>\nListen 443\n</IfModule>\n<IfDefine TESTING>\nNoSuchThing\n</IfDefine>\n"
	if out, ok := checkConfig(t, okConf); !ok || !strings.Contains(out, "Syntax OK") {
		t.Fatalf("valid config: %s", out)
	}
	if out, ok := checkConfig(t, okConf, "-D", "TESTING"); ok || !strings.Contains(out, "site.conf:6: NoSuchThing") {
		t.Fatalf("-D TESTING: %s", out)
	}
}

func TestKeptRequestObjectRaises(t *testing.T) {
	s := startSite(t, pyDir("keep"), map[string]string{"htdocs/keep.py": `from mod_python import apache
kept = []
def handler(req):
    req.content_type = "text/plain"
    if kept:
        try:
            kept[0].uri
            req.write("old request still readable")
        except RuntimeError as e:
            req.write("raised: %s" % e)
    else:
        req.write("first")
    kept[:] = [req]
    return apache.OK
`})
	if got := s.mustGet("/keep.py"); got != "first" {
		t.Fatalf("first: %q", got)
	}
	contains(t, "second request", s.mustGet("/keep.py"), "raised: request object is no longer valid")
}

func TestHandlerAsFilePathAndImportModule(t *testing.T) {
	files := map[string]string{
		"code/app.py": `from mod_python import apache
def handler(req):
    helper = apache.import_module("helper", path=["{{DIR}}/other"])
    req.write("%s %s" % (__name__, helper.NAME))
    return apache.OK
`,
		"other/helper.py": "NAME = 'helper-from-other'\n",
	}
	s := startSite(t, `
<Location /app>
    SetHandler mod_python
    PythonHandler {{DIR}}/code/app.py
</Location>
`, files)
	want := s.Dir + "/code/app helper-from-other"
	if got := s.mustGet("/app"); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestPythonOptimizeAndReadlines(t *testing.T) {
	s := startSite(t, "PythonOptimize On\n"+pyDir("h"), map[string]string{"htdocs/h.py": `from mod_python import apache
import sys
def handler(req):
    """docstring"""
    lines = req.readlines()
    req.write("optimize=%d doc=%r lines=%r" % (sys.flags.optimize, handler.__doc__, lines))
    return apache.OK
`})
	_, _, body := s.do("POST", "/h.py", "a\nbb\nccc")
	if want := `optimize=2 doc=None lines=[b'a\n', b'bb\n', b'ccc']`; body != want {
		t.Fatalf("got %q, want %q", body, want)
	}
}

// req.write flushes: a handler's first bytes reach the client while it is
// still running (modpy may hold a flush back for at most 2 ms).
func TestWriteFlushStreams(t *testing.T) {
	s := startSite(t, pyDir("slow"), map[string]string{"htdocs/slow.py": `from mod_python import apache
import time
def handler(req):
    req.content_type = "text/plain"
    req.write("first|")
    time.sleep(0.8)
    req.write("second")
    return apache.OK
`})
	c := s.dial()
	defer c.Close()
	start := time.Now()
	fmt.Fprintf(c, "GET /slow.py HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	c.SetDeadline(time.Now().Add(5 * time.Second))
	var got []byte
	buf := make([]byte, 4096)
	for !strings.Contains(string(got), "first|") {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("reading: %v (got %q)", err, got)
		}
		got = append(got, buf[:n]...)
	}
	if el := time.Since(start); el > 600*time.Millisecond {
		t.Fatalf("first bytes after %v: the flush was not sent while the handler ran", el)
	}
	if strings.Contains(string(got), "second") {
		t.Fatalf("second arrived with the first: %q", got)
	}
	rest, _ := io.ReadAll(c)
	if !strings.Contains(string(rest), "second") || !strings.Contains(string(got), "Transfer-Encoding: chunked") {
		t.Fatalf("response: %q + %q", got, rest)
	}
}

// 100,000 req.write + req.flush calls (mod_python's test_memory) keep no
// memory: the worker's resident size stays within noise. (Its address
// space may grow once by a thread's stack and malloc arena, 72 MB, when
// the Go runtime starts one more OS thread during the long Python call:
// mod_python's test compares that size, and passes once the worker has
// served a few requests.)
func TestWriteFlushMemory(t *testing.T) {
	s := startSite(t, pyDir("mem"), map[string]string{"htdocs/mem.py": `from mod_python import apache
def rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
def handler(req):
    for x in range(10000):
        req.write("test ok")
        req.flush()
    before = rss_kb()
    for x in range(100000):
        req.write("test ok")
        req.flush()
    req.write("|%d" % (rss_kb() - before))
    return apache.OK
`})
	body := s.mustGet("/mem.py")
	if n := strings.Count(body, "test ok"); n != 110000 {
		t.Fatalf("%d writes arrived, want 110000", n)
	}
	var grew int
	if _, err := fmt.Sscanf(body[strings.LastIndexByte(body, '|'):], "|%d", &grew); err != nil {
		t.Fatalf("parsing %q: %v", body[len(body)-20:], err)
	}
	// (tens of kB of noise; 10 bytes kept per flush would be 1 MB)
	if grew > 1024 {
		t.Errorf("the worker's RSS grew by %d kB over 100,000 write+flush", grew)
	}
}

// A client that stops reading blocks only its own handler: the GIL is
// released while a write waits on the socket, so other requests to the same
// interpreter are served meanwhile.
func TestStalledClientDoesNotStallPython(t *testing.T) {
	s := startSite(t, "Timeout 5\n"+pyDir("h", "PythonInterpreter shared"), map[string]string{"htdocs/h.py": `from mod_python import apache
def handler(req):
    req.content_type = "text/plain"
    if req.args == "big":
        chunk = "x" * 65536
        for i in range(400):
            req.write(chunk)
    else:
        req.write("small")
    return apache.OK
`})
	c := s.dial()
	defer c.Close()
	fmt.Fprintf(c, "GET /h.py?big HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	for i := 0; i < 5; i++ {
		if got := s.mustGet("/h.py?small"); got != "small" {
			t.Fatalf("small: %q", got)
		}
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("5 small requests took %v while a client stalled", el)
	}
}

func TestHandlerByExtensionAndRequireLocal(t *testing.T) {
	s := startSite(t, `
<Directory {{DIR}}/htdocs/ext>
    SetHandler mod_python
    PythonHandler exth::py_only | .py
    PythonHandler exth::generic
</Directory>
<Directory {{DIR}}/htdocs/local>
    Require local
</Directory>
`, map[string]string{
		"htdocs/ext/exth.py": `from mod_python import apache
def py_only(req):
    req.write("py_only")
    return apache.OK
def generic(req):
    req.write("generic")
    return apache.OK
`,
		"htdocs/ext/x.txt":   "x",
		"htdocs/local/a.txt": "local only",
	})
	if got := s.mustGet("/ext/x.py"); got != "py_only" {
		t.Errorf("/ext/x.py: %q", got)
	}
	if got := s.mustGet("/ext/x.txt"); got != "generic" {
		t.Errorf("/ext/x.txt: %q", got)
	}
	if got := s.mustGet("/local/a.txt"); got != "local only" {
		t.Errorf("Require local from 127.0.0.1: %q", got)
	}
}

// PythonHandlerModule registers a module for every phase, silently: a
// module without the phase's function is skipped, not an error.
func TestPythonHandlerModule(t *testing.T) {
	s := startSite(t, `
<Directory {{DIR}}/htdocs/with>
    SetHandler mod_python
    PythonHandlerModule hm
</Directory>
<Directory {{DIR}}/htdocs/without>
    SetHandler mod_python
    PythonHandlerModule hm
</Directory>
`, map[string]string{
		"htdocs/with/hm.py":    "from mod_python import apache\ndef handler(req):\n    req.write('from hm')\n    return apache.OK\n",
		"htdocs/without/hm.py": "X = 1\n",
		"htdocs/without/f.txt": "static file",
	})
	if got := s.mustGet("/with/"); got != "from hm" {
		t.Errorf("/with/: %q", got)
	}
	if got := s.mustGet("/without/f.txt"); got != "static file" {
		t.Errorf("/without/f.txt: %q", got)
	}
	if strings.Contains(s.errorLog(), "contains no") {
		t.Errorf("a silent handler logged an error:\n%s", s.errorLog())
	}
}
