package tests

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// WSGI applications as mod_wsgi's embedded mode runs them (issue 12):
// WSGIScriptAlias, the environ, application groups, the response path
// and its errors, mod_python.wsgi. The applications that follow PEP 3333
// are wrapped in the standard library's wsgiref.validate.validator, so the
// protocol is checked by Python's own code on both sides of the call.

// helloWSGI is a WSGI application checked by wsgiref.validate.
const helloWSGI = `from wsgiref.validate import validator

@validator
def application(environ, start_response):
    body = b"Hello from " + environ["SCRIPT_NAME"].encode() + b"\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
`

// envWSGI answers with its environ as JSON (values that are no str as
// their repr), the request body it read (in 1000-byte reads), and
// PATH_INFO's bytes read as UTF-8.
const envWSGI = `import json
from wsgiref.validate import validator

@validator
def application(environ, start_response):
    out = dict((k, v if isinstance(v, str) else repr(v)) for k, v in environ.items())
    body = b""
    while True:
        chunk = environ["wsgi.input"].read(1000)
        if not chunk:
            break
        body += chunk
    out["body"] = body.decode("latin-1")
    out["path_info_utf8"] = environ["PATH_INFO"].encode("latin-1").decode("utf-8", "replace")
    environ["wsgi.errors"].write("env.wsgi logs " + environ["PATH_INFO"] + " to wsgi.errors\n")
    data = json.dumps(out).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
`

// wsgiJSON gets path from s and decodes its JSON answer.
func wsgiJSON(t *testing.T, s *site, path string, header ...string) map[string]string {
	t.Helper()
	st, _, body := s.do("GET", path, "", header...)
	if st != 200 {
		t.Fatalf("GET %s: %d %q\n%s", path, st, body, s.errorLog())
	}
	return decodeJSON(t, path, body)
}

func decodeJSON(t *testing.T, what, body string) map[string]string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%s: %v in %q", what, err, body)
	}
	out := map[string]string{}
	for k, v := range m {
		out[k] = fmt.Sprint(v)
	}
	return out
}

func wantKeys(t *testing.T, what string, env map[string]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		got, ok := env[k]
		switch {
		case v == "<absent>" && ok:
			t.Errorf("%s: %s = %q, want it absent", what, k, got)
		case v != "<absent>" && (!ok || got != v):
			t.Errorf("%s: %s = %q (present %v), want %q", what, k, got, ok, v)
		}
	}
}

func TestWSGIScriptAliasHello(t *testing.T) {
	s := startSite(t, "WSGIScriptAlias /hello {{DIR}}/app/hello.wsgi\n", map[string]string{
		"app/hello.wsgi": helloWSGI,
	})
	st, h, body := s.do("GET", "/hello", "")
	if st != 200 || body != "Hello from /hello\n" || h.Get("Content-Type") != "text/plain" {
		t.Fatalf("GET /hello: %d %q %v\n%s", st, body, h, s.errorLog())
	}
	if st, _ := s.get("/hellox"); st != 404 {
		t.Errorf("GET /hellox: %d, want 404 (an alias matches whole path segments)", st)
	}
	if st, h, body := s.do("HEAD", "/hello", ""); st != 200 || body != "" || h.Get("Content-Length") != "18" {
		t.Errorf("HEAD /hello: %d %q %v", st, body, h)
	}
	if strings.Contains(s.errorLog(), "Traceback") {
		t.Errorf("tracebacks in the error log:\n%s", s.errorLog())
	}
}

// The environ as mod_wsgi builds it: the CGI variables, SCRIPT_NAME and
// PATH_INFO split at the alias, wsgi.* and mod_wsgi.*.
func TestWSGIEnviron(t *testing.T) {
	s := startSite(t, `
WSGIScriptAlias /env {{DIR}}/app/env.wsgi
WSGIScriptAlias /slash/ {{DIR}}/app/env.wsgi/
WSGIScriptAlias /secure {{DIR}}/app/env.wsgi
WSGIScriptAliasMatch ^/match/([^/]+) {{DIR}}/app/$1.wsgi
SetEnv FROM_SETENV yes
<Location /secure>
    SetEnv HTTPS on
</Location>
`, map[string]string{"app/env.wsgi": envWSGI})
	port := fmt.Sprint(s.Port)
	env := wsgiJSON(t, s, "/env?a=1&b=2")
	wantKeys(t, "GET /env", env, map[string]string{
		"REQUEST_METHOD": "GET", "QUERY_STRING": "a=1&b=2", "REQUEST_URI": "/env?a=1&b=2",
		"SCRIPT_NAME": "/env", "PATH_INFO": "", "SCRIPT_FILENAME": s.Dir + "/app/env.wsgi",
		"SERVER_NAME": "127.0.0.1", "SERVER_PORT": port, "SERVER_PROTOCOL": "HTTP/1.1",
		"GATEWAY_INTERFACE": "CGI/1.1", "REMOTE_ADDR": "127.0.0.1", "SERVER_ADDR": "127.0.0.1",
		"DOCUMENT_ROOT": s.Dir + "/htdocs", "REQUEST_SCHEME": "http", "HTTP_HOST": "127.0.0.1:" + port,
		"FROM_SETENV": "yes", "PATH": "<absent>", "PATH_TRANSLATED": "<absent>",
		"CONTENT_LENGTH": "<absent>", "HTTP_AUTHORIZATION": "<absent>",
		"wsgi.version": "(1, 0)", "wsgi.url_scheme": "http", "wsgi.multithread": "True",
		"wsgi.multiprocess": "False", "wsgi.run_once": "False", "wsgi.input_terminated": "True",
		"mod_wsgi.version": "(4, 9, 4)", "mod_wsgi.process_group": "",
		"mod_wsgi.application_group": "localhost:" + port + "|/env", "mod_wsgi.callable_object": "application",
		"mod_wsgi.request_handler": "wsgi-script", "mod_wsgi.script_reloading": "1",
		"mod_wsgi.script_name": "/env", "mod_wsgi.path_info": "",
	})
	if !strings.HasPrefix(env["SERVER_SOFTWARE"], "modpy/") || !strings.Contains(env["wsgi.file_wrapper"], "FileWrapper") {
		t.Errorf("SERVER_SOFTWARE %q, wsgi.file_wrapper %q", env["SERVER_SOFTWARE"], env["wsgi.file_wrapper"])
	}

	// SCRIPT_NAME and PATH_INFO (mod_wsgi's splits, PATH_INFO decoded).
	for _, c := range []struct{ path, script, info string }{
		{"/env/", "/env", "/"},
		{"/env/a/b", "/env", "/a/b"},
		{"/env//a//b/", "/env", "/a/b/"},
		{"/slash/", "/slash", "/"},
		{"/slash/x/y", "/slash", "/x/y"},
		{"/match/env/extra/path", "/match/env", "/extra/path"},
	} {
		e := wsgiJSON(t, s, c.path)
		if e["SCRIPT_NAME"] != c.script || e["PATH_INFO"] != c.info {
			t.Errorf("%s: SCRIPT_NAME %q PATH_INFO %q, want %q %q", c.path, e["SCRIPT_NAME"], e["PATH_INFO"], c.script, c.info)
		}
	}
	if e := wsgiJSON(t, s, "/match/env/x"); e["mod_wsgi.application_group"] != "localhost:"+port+"|/match/env" {
		t.Errorf("WSGIScriptAliasMatch's group: %q", e["mod_wsgi.application_group"])
	}
	if e := wsgiJSON(t, s, "/env/a/b"); e["PATH_TRANSLATED"] != s.Dir+"/htdocs/a/b" {
		t.Errorf("PATH_TRANSLATED %q", e["PATH_TRANSLATED"])
	}
	// PEP 3333: the environ's strings are the request's bytes as Latin-1.
	if e := wsgiJSON(t, s, "/env/caf%C3%A9"); e["path_info_utf8"] != "/café" {
		t.Errorf("PATH_INFO of /env/caf%%C3%%A9 read as UTF-8: %q (PATH_INFO %q)", e["path_info_utf8"], e["PATH_INFO"])
	}
	// HTTPS in subprocess_env makes wsgi.url_scheme, and goes.
	if e := wsgiJSON(t, s, "/secure"); e["wsgi.url_scheme"] != "https" || e["HTTPS"] != "" {
		t.Errorf("with SetEnv HTTPS on: url_scheme %q, HTTPS %q", e["wsgi.url_scheme"], e["HTTPS"])
	}
	if _, ok := wsgiJSON(t, s, "/secure")["HTTPS"]; ok {
		t.Errorf("HTTPS is in the environ")
	}

	// The request body, read through wsgi.input; CONTENT_TYPE/LENGTH.
	st, _, body := s.do("POST", "/env", "name=value&x=y", "Content-Type", "application/x-www-form-urlencoded")
	if st != 200 {
		t.Fatalf("POST: %d %s", st, body)
	}
	wantKeys(t, "POST /env", decodeJSON(t, "POST", body), map[string]string{
		"body": "name=value&x=y", "CONTENT_LENGTH": "14", "CONTENT_TYPE": "application/x-www-form-urlencoded",
		"REQUEST_METHOD": "POST", "HTTP_CONTENT_TYPE": "<absent>", "HTTP_CONTENT_LENGTH": "<absent>",
	})

	// Header fields: a repeated one joined, one with "_" dropped (it
	// could pose as another), Authorization and Proxy (httpoxy) kept out.
	raw := s.raw("GET /env HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Dup: a\r\nX-Dup: b\r\nX_Under: 1\r\nX-Dash: 2\r\n"+
		"Authorization: Basic dTpw\r\nProxy: http://evil.example/\r\nConnection: close\r\n\r\n", 15*time.Second)
	_, rawBody, _ := strings.Cut(raw, "\r\n\r\n")
	wantKeys(t, "raw GET /env", decodeJSON(t, "raw", rawBody), map[string]string{
		"HTTP_X_DUP": "a, b", "HTTP_X_DASH": "2", "HTTP_X_UNDER": "<absent>", "HTTP_AUTHORIZATION": "<absent>",
		"HTTP_PROXY": "<absent>", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "mod_wsgi.application_group": "localhost|/env",
	})
	if l := s.errorLog(); strings.Contains(l, "Traceback") || strings.Contains(l, "AssertionError") {
		t.Errorf("wsgiref.validate or the server complained:\n%s", l)
	}
	// wsgi.errors: the error log, with the interpreter's name.
	contains(t, "wsgi.errors", s.errorLog(), "[interpreter localhost:"+port+"|/env] [client 127.0.0.1:")
	contains(t, "wsgi.errors", s.errorLog(), "env.wsgi logs /a/b to wsgi.errors")
}

// groupWSGI says which application group and interpreter it runs in and
// which SCRIPT_NAMEs ran in that interpreter before.
const groupWSGI = `import json, sys
from mod_python import apache

def application(environ, start_response):
    seen = getattr(sys, "modpy_wsgi_seen", [])
    sys.modpy_wsgi_seen = seen + [environ["SCRIPT_NAME"]]
    data = json.dumps({"group": environ["mod_wsgi.application_group"], "interp": apache.interpreter,
                       "seen": " ".join(seen)}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [data]
`

// Application groups are modpy's named interpreters: each script its own
// by default (%{RESOURCE}), %{GLOBAL} the main one, a name shared.
func TestWSGIApplicationGroups(t *testing.T) {
	s := startSite(t, `
WSGIScriptAlias /a {{DIR}}/app/group.wsgi
WSGIScriptAlias /b {{DIR}}/app/group2.wsgi
WSGIScriptAlias /global {{DIR}}/app/group.wsgi application-group=%{GLOBAL}
WSGIScriptAlias /named1 {{DIR}}/app/group.wsgi application-group=shared
WSGIScriptAlias /named2 {{DIR}}/app/group2.wsgi application-group=shared
WSGIScriptAlias /server {{DIR}}/app/group.wsgi
WSGIScriptAlias /envgroup {{DIR}}/app/group.wsgi
WSGIScriptAlias /Upper {{DIR}}/app/group.wsgi
WSGIScriptAlias /optwins {{DIR}}/app/group.wsgi application-group=fromoption
<Location /server>
    WSGIApplicationGroup %{SERVER}
</Location>
<Location /envgroup>
    SetEnv MYGROUP from-setenv
    WSGIApplicationGroup %{ENV:MYGROUP}
</Location>
<Location /optwins>
    WSGIApplicationGroup fromdirective
</Location>
<Location /status>
    SetHandler modpy-status
</Location>
`, map[string]string{"app/group.wsgi": groupWSGI, "app/group2.wsgi": groupWSGI})
	port := fmt.Sprint(s.Port)
	a := wsgiJSON(t, s, "/a")
	b := wsgiJSON(t, s, "/b")
	if a["group"] != "localhost:"+port+"|/a" || a["interp"] != a["group"] || b["group"] != "localhost:"+port+"|/b" ||
		b["interp"] != b["group"] || b["seen"] != "" {
		t.Errorf("/a %v, /b %v: want each script its own interpreter named host:port|script", a, b)
	}
	if g := wsgiJSON(t, s, "/global"); g["group"] != "" || g["interp"] != "main_interpreter" {
		t.Errorf("%%{GLOBAL}: %v", g)
	}
	wsgiJSON(t, s, "/named1")
	if n := wsgiJSON(t, s, "/named2"); n["group"] != "shared" || n["interp"] != "shared" || n["seen"] != "/named1" {
		t.Errorf("two scripts in group shared: %v, want one interpreter", n)
	}
	for path, want := range map[string]string{
		"/server":   "localhost:" + port,
		"/envgroup": "from-setenv",
		"/Upper":    "localhost:" + port + "|/upper",
		"/optwins":  "fromoption",
	} {
		if g := wsgiJSON(t, s, path); g["group"] != want || g["interp"] != want {
			t.Errorf("%s: group %q interpreter %q, want %q", path, g["group"], g["interp"], want)
		}
	}
	// The port is the one the client asked for, left out for 80 and 443.
	if g := wsgiJSON(t, s, "/a", "Host", "somehost"); g["group"] != "localhost|/a" {
		t.Errorf("Host: somehost: %v", g)
	}
	if g := wsgiJSON(t, s, "/a", "Host", "otherhost:8000"); g["group"] != "localhost:8000|/a" {
		t.Errorf("Host: otherhost:8000: %v", g)
	}
	if again := wsgiJSON(t, s, "/a"); again["seen"] != "/a" {
		t.Errorf("/a again: %v, want the same interpreter as the first time", again)
	}
	// The status page lists the groups' interpreters.
	_, page := s.get("/status")
	for _, name := range []string{"localhost:" + port + "|/a", "shared", "from-setenv"} {
		if !strings.Contains(page, name) {
			t.Errorf("status page does not show interpreter %q", name)
		}
	}
}

// streamWSGI yields its first chunk, then waits until the file named by
// the query string exists before the second: a chunk must reach the
// client while the application still runs. With ?write it uses write().
const streamWSGI = `import os, time

def wait(path):
    deadline = time.time() + 30
    while not os.path.exists(path) and time.time() < deadline:
        time.sleep(0.01)

def application(environ, start_response):
    flag = environ["QUERY_STRING"].split("&")[0]
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    if "write" in environ["QUERY_STRING"]:
        write(b"first\n")
        wait(flag)
        return [b"second\n"]
    def body():
        yield b"first\n"
        wait(flag)
        yield b"second\n"
    return body()
`

// readLine reads one line from r, failing after timeout (the server did
// not send it).
func readLine(t *testing.T, r *bufio.Reader, timeout time.Duration, what string) string {
	t.Helper()
	got := make(chan string, 1)
	go func() {
		line, _ := r.ReadString('\n')
		got <- line
	}()
	select {
	case line := <-got:
		return line
	case <-time.After(timeout):
		t.Fatalf("%s: nothing within %s", what, timeout)
	}
	return ""
}

// Each chunk goes out as the application yields (or writes) it.
func TestWSGIStreaming(t *testing.T) {
	s := startSite(t, "WSGIScriptAlias /stream {{DIR}}/app/stream.wsgi\n", map[string]string{"app/stream.wsgi": streamWSGI})
	for _, mode := range []string{"", "&write"} {
		flag := filepath.Join(s.Dir, "flag"+strings.TrimPrefix(mode, "&"))
		resp, err := client.Get(s.URL + "/stream?" + flag + mode)
		if err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(resp.Body)
		if line := readLine(t, r, 15*time.Second, "first chunk"+mode); line != "first\n" {
			t.Fatalf("first chunk%s: %q", mode, line)
		}
		if err := os.WriteFile(flag, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		rest, err := io.ReadAll(r)
		resp.Body.Close()
		if err != nil || string(rest) != "second\n" || len(resp.TransferEncoding) != 1 {
			t.Errorf("rest%s: %q %v (transfer encoding %v)", mode, rest, err, resp.TransferEncoding)
		}
	}
}

// closeWSGI's iterables write a marker file from close(): after a client
// went away mid-response (/abort), after a normal end (/done), after an
// exception (/raise).
const closeWSGI = `import time

class Body:
    def __init__(self, marker, forever, fail):
        self.marker, self.forever, self.fail, self.n = marker, forever, fail, 0
    def __iter__(self):
        return self
    def __next__(self):
        self.n += 1
        if self.fail:
            raise RuntimeError("iteration fails")
        if self.forever:
            time.sleep(0.02)
            return b"x" * 4096
        if self.n > 2:
            raise StopIteration
        return b"part\n"
    def close(self):
        with open(self.marker, "w") as f:
            f.write("closed after %d" % self.n)

def application(environ, start_response):
    what = environ["PATH_INFO"].strip("/")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return Body(environ["QUERY_STRING"], what == "abort", what == "raise")
`

func waitFile(t *testing.T, path string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not written within %s", path, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The iterable's close() is always called.
func TestWSGICloseAlwaysCalled(t *testing.T) {
	s := startSite(t, "WSGIScriptAlias /close {{DIR}}/app/close.wsgi\n", map[string]string{"app/close.wsgi": closeWSGI})
	done := filepath.Join(s.Dir, "done")
	if st, body := s.get("/close/done?" + done); st != 200 || body != "part\npart\n" {
		t.Errorf("/close/done: %d %q", st, body)
	}
	if m := waitFile(t, done, 10*time.Second); m != "closed after 3" {
		t.Errorf("close() after the end: %q", m)
	}
	raised := filepath.Join(s.Dir, "raised")
	if st, _ := s.get("/close/raise?" + raised); st != 500 {
		t.Errorf("/close/raise: %d, want 500", st)
	}
	waitFile(t, raised, 10*time.Second)

	// The client reads the start of an endless response and goes away.
	aborted := filepath.Join(s.Dir, "aborted")
	c := s.dial()
	fmt.Fprintf(c, "GET /close/abort?%s HTTP/1.1\r\nHost: x\r\n\r\n", aborted)
	c.SetReadDeadline(time.Now().Add(15 * time.Second))
	buf := make([]byte, 16<<10)
	if n, err := io.ReadAtLeast(c, buf, 8192); err != nil {
		t.Fatalf("reading the endless response: %d bytes, %v", n, err)
	}
	c.Close()
	if m := waitFile(t, aborted, 15*time.Second); !strings.HasPrefix(m, "closed after ") {
		t.Errorf("close() after the client went away: %q", m)
	}
}

// errWSGI misbehaves as its PATH_INFO says (not validated: each case is
// what wsgiref.validate would refuse).
const errWSGI = `import os, sys, time

def wait(path):
    deadline = time.time() + 30
    while not os.path.exists(path) and time.time() < deadline:
        time.sleep(0.01)

def application(environ, start_response):
    p = environ["PATH_INFO"]
    if p == "/before":
        raise RuntimeError("boom before start_response")
    if p == "/twice":
        start_response("200 OK", [])
        start_response("200 OK", [])
    if p == "/str":
        start_response("200 OK", [])
        return ["text, not bytes"]
    if p == "/status":
        start_response("200", [])
    if p == "/hop":
        start_response("200 OK", [("Connection", "close")])
    if p == "/nostart":
        return [b"body without start_response"]
    if p == "/custom":
        start_response("299 Custom Thing", [("Content-Type", "text/plain")])
        return [b"custom\n"]
    if p == "/cl":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
        return [b"01234", b"56789"]
    if p == "/excinfo":
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise ValueError("handled by the application")
        except ValueError:
            start_response("500 Oops", [("Content-Type", "text/plain")], sys.exc_info())
            return [b"the application's own error page\n"]
    if p == "/afterstart":
        start_response("200 OK", [])
        raise RuntimeError("boom after start_response")
    if p == "/midway":
        start_response("200 OK", [("Content-Type", "text/plain")])
        def body():
            yield b"partial-"
            wait(environ["QUERY_STRING"])
            raise RuntimeError("boom midway")
        return body()
    if p == "/reraise":
        start_response("200 OK", [("Content-Type", "text/plain")])
        def body():
            yield b"sent-"
            wait(environ["QUERY_STRING"])
            try:
                raise KeyError("late")
            except KeyError:
                start_response("500 Late", [], sys.exc_info())
            yield b"never"
        return body()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok\n"]

def other(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"other callable\n"]
`

// The error answers: 500 (404 for what is missing), the reason in the
// error log, never in the response.
func TestWSGIErrors(t *testing.T) {
	s := startSite(t, `
WSGIScriptAlias /err {{DIR}}/app/err.wsgi
WSGIScriptAlias /other {{DIR}}/app/err.wsgi callable-object=other
WSGIScriptAlias /nocallable {{DIR}}/app/err.wsgi callable-object=nothere
WSGIScriptAlias /missing {{DIR}}/app/missing.wsgi
WSGIScriptAlias /broken {{DIR}}/app/broken.wsgi
WSGIScriptAlias /syntax {{DIR}}/app/syntax.wsgi
`, map[string]string{
		"app/err.wsgi":    errWSGI,
		"app/broken.wsgi": "import no_such_module_here\n",
		"app/syntax.wsgi": "def application(:\n",
	})
	script := s.Dir + "/app/err.wsgi"
	app := "WSGI application 'application' of WSGI script '" + script + "': "
	// What the application does wrong by PEP 3333: 500 and one line.
	for _, c := range []struct{ path, log string }{
		{"/err/twice", app + "start_response() called a second time without exc_info"},
		{"/err/str", app + "sequence of byte string values expected, value of type str found"},
		{"/err/status", app + `start_response(): status line "200": no space following status code`},
		{"/err/hop", app + "start_response(): header Connection: a hop-by-hop header"},
		{"/err/nostart", app + "body data before start_response() was called"},
	} {
		st, body := s.get(c.path)
		if st != 500 || strings.Contains(body, "start_response") {
			t.Errorf("%s: %d %q, want Apache's 500 page", c.path, st, body)
		}
		contains(t, c.path+" log", s.waitLog(c.log), c.log)
	}
	if l := s.errorLog(); strings.Contains(l, "Traceback") {
		t.Errorf("a traceback for a one-line error:\n%s", l)
	}
	// An exception: 500 and the traceback, in the log only.
	for _, c := range []struct{ path, log string }{
		{"/err/before", "RuntimeError: boom before start_response"},
		{"/err/afterstart", "RuntimeError: boom after start_response"},
	} {
		st, body := s.get(c.path)
		if st != 500 || strings.Contains(body, "boom") {
			t.Errorf("%s: %d %q", c.path, st, body)
		}
		l := s.waitLog(c.log)
		contains(t, c.path+" log", l, "Exception occurred processing WSGI script '"+script+"'.")
		contains(t, c.path+" log", l, c.log)
		contains(t, c.path+" log", l, "Traceback (most recent call last):")
	}
	// exc_info before anything was sent: the application's own answer.
	if st, _, body := s.do("GET", "/err/excinfo", ""); st != 500 || body != "the application's own error page\n" {
		t.Errorf("/err/excinfo: %d %q", st, body)
	}
	// The status line is the application's, its reason phrase too.
	if raw := s.raw("GET /err/custom HTTP/1.0\r\n\r\n", 15*time.Second); !strings.HasPrefix(raw, "HTTP/1.1 299 Custom Thing\r\n") {
		t.Errorf("/err/custom: %q", raw)
	}
	// A Content-Length the application sets is honoured.
	if st, h, body := s.do("GET", "/err/cl", ""); st != 200 || body != "01234" || h.Get("Content-Length") != "5" {
		t.Errorf("/err/cl: %d %q %v", st, body, h)
	}
	// Failing after the headers went out: the response is cut short (no
	// last chunk), whether by an exception or by exc_info re-raised.
	for _, c := range []struct{ path, first, log string }{
		{"/err/midway", "partial-", "RuntimeError: boom midway"},
		{"/err/reraise", "sent-", "KeyError: 'late'"},
	} {
		flag := filepath.Join(s.Dir, "flag"+strings.TrimPrefix(c.path, "/err/"))
		resp, err := client.Get(s.URL + c.path + "?" + flag)
		if err != nil {
			t.Fatal(err)
		}
		first := make([]byte, len(c.first))
		if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != c.first {
			t.Fatalf("%s: first bytes %q %v", c.path, first, err)
		}
		os.WriteFile(flag, nil, 0o644)
		rest, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil || resp.StatusCode != 200 || strings.Contains(string(rest), "never") {
			t.Errorf("%s: status %d, rest %q, read error %v: want the body cut short", c.path, resp.StatusCode, rest, err)
		}
		contains(t, c.path+" log", s.waitLog(c.log), c.log)
	}
	// callable-object=, and what is missing: 404.
	if st, body := s.get("/other"); st != 200 || body != "other callable\n" {
		t.Errorf("callable-object=other: %d %q", st, body)
	}
	if st, _ := s.get("/nocallable"); st != 404 {
		t.Errorf("callable-object=nothere: %d, want 404", st)
	}
	contains(t, "no callable", s.errorLog(), "Target WSGI script '"+script+"' does not contain WSGI application 'nothere'.")
	if st, _ := s.get("/missing"); st != 404 {
		t.Errorf("missing script: %d, want 404", st)
	}
	contains(t, "missing script", s.errorLog(), "Target WSGI script not found or unable to stat: "+s.Dir+"/app/missing.wsgi")
	// A script that cannot be loaded: 500 naming the file, each time.
	for i := 0; i < 2; i++ {
		if st, _ := s.get("/broken"); st != 500 {
			t.Errorf("broken script: %d, want 500", st)
		}
	}
	l := s.errorLog()
	contains(t, "broken script", l, "Failed to exec Python script file '"+s.Dir+"/app/broken.wsgi'.")
	contains(t, "broken script", l, "ModuleNotFoundError: No module named 'no_such_module_here'")
	if st, _ := s.get("/syntax"); st != 500 {
		t.Errorf("syntax error: %d, want 500", st)
	}
	contains(t, "syntax error", s.errorLog(), "Could not read/compile source file '"+s.Dir+"/app/syntax.wsgi'.")
	// The server goes on.
	if st, body := s.get("/err/fine"); st != 200 || body != "ok\n" {
		t.Errorf("after the errors: %d %q", st, body)
	}
}

// reloadWSGI counts its requests since it was loaded.
const reloadWSGI = `version = %q
count = 0

def application(environ, start_response):
    global count
    count += 1
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("%%s %%d" %% (version, count)).encode()]
`

// WSGIScriptReloading On (the default): an edited script is loaded again
// on the next request; Off: it is not.
func TestWSGIScriptReloading(t *testing.T) {
	s := startSite(t, `
WSGIScriptAlias /reload {{DIR}}/app/reload.wsgi
WSGIScriptAlias /noreload {{DIR}}/app/reload.wsgi application-group=noreload
<Location /noreload>
    WSGIScriptReloading Off
</Location>
`, map[string]string{"app/reload.wsgi": fmt.Sprintf(reloadWSGI, "v1")})
	for _, c := range []struct{ path, want string }{
		{"/reload", "v1 1"}, {"/reload", "v1 2"}, {"/noreload", "v1 1"},
	} {
		if body := s.mustGet(c.path); body != c.want {
			t.Errorf("%s: %q, want %q", c.path, body, c.want)
		}
	}
	file := filepath.Join(s.Dir, "app/reload.wsgi")
	if err := os.WriteFile(file, []byte(fmt.Sprintf(reloadWSGI, "v2")), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(5 * time.Second)
	os.Chtimes(file, later, later)
	for _, c := range []struct{ path, want string }{
		{"/reload", "v2 1"}, {"/reload", "v2 2"}, {"/noreload", "v1 2"},
	} {
		if body := s.mustGet(c.path); body != c.want {
			t.Errorf("after the edit, %s: %q, want %q", c.path, body, c.want)
		}
	}
	contains(t, "log", s.errorLog(), "Reloading WSGI script '"+file+"'.")
}

// fileWSGI returns wsgi.file_wrapper around a file, as its PATH_INFO
// says; /noread's file object refuses to be read, so the body can only
// have come from the server reading the file itself.
const fileWSGI = `import io

class NoRead(io.FileIO):
    def read(self, *args):
        raise RuntimeError("the file was read through Python")
    readinto = read

def application(environ, start_response):
    p, path = environ["PATH_INFO"], environ["QUERY_STRING"]
    headers = [("Content-Type", "application/octet-stream")]
    if p == "/cl10":
        headers.append(("Content-Length", "10"))
    start_response("200 OK", headers)
    if p == "/bytesio":
        return environ["wsgi.file_wrapper"](io.BytesIO(b"from a BytesIO\n"), 4)
    f = NoRead(path) if p == "/noread" else open(path, "rb")
    if p == "/offset":
        f.seek(5)
    return environ["wsgi.file_wrapper"](f, 8192)
`

// wsgi.file_wrapper: a real file is sent by the server from its position
// (Content-Length set), without passing through Python; anything else is
// iterated.
func TestWSGIFileWrapper(t *testing.T) {
	s := startSite(t, "WSGIScriptAlias /file {{DIR}}/app/file.wsgi\n", map[string]string{"app/file.wsgi": fileWSGI})
	data := make([]byte, 300000)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	big := filepath.Join(s.Dir, "big.bin")
	if err := os.WriteFile(big, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		want []byte
	}{
		{"/file/whole", data},
		{"/file/noread", data},
		{"/file/offset", data[5:]},
		{"/file/cl10", data[:10]},
		{"/file/bytesio", []byte("from a BytesIO\n")},
	} {
		st, h, body := s.do("GET", c.path+"?"+big, "")
		if st != 200 || body != string(c.want) {
			t.Errorf("%s: %d, %d bytes, want %d", c.path, st, len(body), len(c.want))
			continue
		}
		if c.path != "/file/bytesio" && h.Get("Content-Length") != fmt.Sprint(len(c.want)) {
			t.Errorf("%s: Content-Length %q, want %d", c.path, h.Get("Content-Length"), len(c.want))
		}
	}
	if st, h, body := s.do("HEAD", "/file/whole?"+big, ""); st != 200 || body != "" || h.Get("Content-Length") != fmt.Sprint(len(data)) {
		t.Errorf("HEAD: %d %q %v", st, body, h)
	}
	if strings.Contains(s.errorLog(), "read through Python") {
		t.Errorf("the file went through Python:\n%s", s.errorLog())
	}
}

const authWSGI = `def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ.get("HTTP_AUTHORIZATION", "-").encode()]
`

// WSGIPassAuthorization (Off by default) and pass-authorization=.
func TestWSGIPassAuthorization(t *testing.T) {
	s := startSite(t, `
WSGIScriptAlias /noauth {{DIR}}/app/auth.wsgi
WSGIScriptAlias /auth {{DIR}}/app/auth.wsgi
WSGIScriptAlias /authopt {{DIR}}/app/auth.wsgi pass-authorization=On
WSGIScriptAlias /authoff {{DIR}}/app/auth.wsgi pass-authorization=Off
<Location /auth>
    WSGIPassAuthorization On
</Location>
<Location /authoff>
    WSGIPassAuthorization On
</Location>
`, map[string]string{"app/auth.wsgi": authWSGI})
	for path, want := range map[string]string{"/noauth": "-", "/auth": "Basic dTpw", "/authopt": "Basic dTpw", "/authoff": "-"} {
		if _, body := s.get(path, "Authorization", "Basic dTpw"); body != want {
			t.Errorf("%s: HTTP_AUTHORIZATION %q, want %q", path, body, want)
		}
	}
}

// chunkWSGI answers with what it reads; /stream answers the first 5 bytes
// before it reads the rest.
const chunkWSGI = `def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    inp = environ["wsgi.input"]
    if environ["PATH_INFO"] == "/stream":
        def body():
            yield b"got " + inp.read(5) + b"\n"
            yield b"then " + inp.read() + b"\n"
        return body()
    return [b"CONTENT_LENGTH=" + environ.get("CONTENT_LENGTH", "-").encode() + b" body=" + inp.read()]
`

// WSGIChunkedRequest: a chunked request body is refused with 411 unless
// On; wsgi.input reads it as it arrives.
func TestWSGIChunkedRequest(t *testing.T) {
	s := startSite(t, `
WSGIScriptAlias /chunk {{DIR}}/app/chunk.wsgi
WSGIScriptAlias /chunkon {{DIR}}/app/chunk.wsgi
<Location /chunkon>
    WSGIChunkedRequest On
</Location>
`, map[string]string{"app/chunk.wsgi": chunkWSGI})
	post := func(path string) (int, string) {
		pr, pw := io.Pipe()
		go func() { pw.Write([]byte("chunked body")); pw.Close() }()
		req, _ := http.NewRequest("POST", s.URL+path, pr)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, _ := post("/chunk"); st != 411 {
		t.Errorf("chunked POST, WSGIChunkedRequest Off: %d, want 411", st)
	}
	contains(t, "log", s.errorLog(), "Received request requiring chunked transfer encoding, but optional support")
	if st, body := post("/chunkon"); st != 200 || body != "CONTENT_LENGTH=- body=chunked body" {
		t.Errorf("chunked POST, On: %d %q", st, body)
	}
	// The application reads the body's start before the client sent the
	// rest: wsgi.input does not wait for the whole body.
	c := s.dial()
	defer c.Close()
	fmt.Fprintf(c, "POST /chunkon/stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
	r := bufio.NewReader(c)
	for {
		line := readLine(t, r, 15*time.Second, "the answer to the body's first chunk")
		if strings.Contains(line, "got hello") {
			break
		}
	}
	fmt.Fprintf(c, "5\r\nworld\r\n0\r\n\r\n")
	for {
		line := readLine(t, r, 15*time.Second, "the answer to the rest")
		if strings.Contains(line, "then world") {
			break
		}
	}
}

const mappedWSGI = `def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("%s|%s|%s" % (environ["SCRIPT_NAME"], environ["PATH_INFO"], environ["mod_wsgi.application_group"])).encode()]
`

// AddHandler and SetHandler wsgi-script run scripts where Options ExecCGI
// allows it (mod_wsgi's rule), and answer 403 elsewhere.
func TestWSGIHandlerMapping(t *testing.T) {
	s := startSite(t, `
<Directory {{DIR}}/htdocs/scripts>
    Options +ExecCGI
    AddHandler wsgi-script .wsgi
</Directory>
<Directory {{DIR}}/htdocs/noexec>
    AddHandler wsgi-script .wsgi
</Directory>
<Directory {{DIR}}/htdocs/all>
    Options ExecCGI
    SetHandler wsgi-script
</Directory>
`, map[string]string{
		"htdocs/scripts/app.wsgi": mappedWSGI,
		"htdocs/scripts/page.txt": "plain text\n",
		"htdocs/noexec/app.wsgi":  mappedWSGI,
		"htdocs/all/app.py":       mappedWSGI,
	})
	port := fmt.Sprint(s.Port)
	if st, body := s.get("/scripts/app.wsgi/extra/path"); st != 200 || body != "/scripts/app.wsgi|/extra/path|localhost:"+port+"|/scripts/app.wsgi" {
		t.Errorf("AddHandler wsgi-script: %d %q", st, body)
	}
	if body := s.mustGet("/scripts/page.txt"); body != "plain text\n" {
		t.Errorf("another file beside it: %q", body)
	}
	if st, body := s.get("/all/app.py"); st != 200 || body != "/all/app.py||localhost:"+port+"|/all/app.py" {
		t.Errorf("SetHandler wsgi-script: %d %q", st, body)
	}
	if st, _ := s.get("/noexec/app.wsgi"); st != 403 {
		t.Errorf("without ExecCGI: %d, want 403", st)
	}
	contains(t, "log", s.errorLog(), "Options ExecCGI is off in this directory: "+s.Dir+"/htdocs/noexec/app.wsgi")
}

// The WSGI directives check their arguments, daemon mode's too, naming
// file and line; what mod_wsgi accepts passes -t.
func TestWSGIConfigErrors(t *testing.T) {
	pre := "Listen 127.0.0.1:1\n"
	for _, c := range []struct{ conf, want string }{
		{"WSGIDaemonProcess site processes=2 threads=0\n", "site.conf:2: WSGIDaemonProcess: threads=0: mod_wsgi's service-script mode"},
		{"WSGIDaemonProcess site processes=two\n", "site.conf:2: WSGIDaemonProcess: processes=two: not a whole number"},
		{"WSGIDaemonProcess site header-timeout=10\n", "site.conf:2: WSGIDaemonProcess: unknown option header-timeout="},
		{"WSGIDaemonProcess site umask=0002\n", "site.conf:2: WSGIDaemonProcess: umask=: mod_wsgi's option is not implemented by modpy"},
		{"WSGIDaemonProcess site\nWSGIDaemonProcess site\n", "site.conf:3: WSGIDaemonProcess: name \"site\" duplicates the WSGIDaemonProcess at "},
		{"WSGIDaemonProcess site user=no-such-user-modpy\n", "site.conf:2: WSGIDaemonProcess: group \"site\": user no-such-user-modpy: no such user"},
		{"WSGIDaemonProcess site user=nobody\n", "site.conf:2: WSGIDaemonProcess: group \"site\": the home directory \"/nonexistent\" of user nobody"},
		{"WSGIDaemonProcess site python-home=/no/such/venv\n", "site.conf:2: WSGIDaemonProcess: group \"site\": python-home=/no/such/venv: not a directory"},
		{"WSGIProcessGroup %{REQUEST_URI}\n", "site.conf:2: WSGIProcessGroup: %{REQUEST_URI}: want a process group's name"},
		{"WSGIScriptAlias / /srv/app.wsgi process-group=site\n", "site.conf:2: WSGIScriptAlias: process-group=site: no WSGIDaemonProcess is called \"site\""},
		{"WSGIScriptAlias /\n", "site.conf:2: WSGIScriptAlias:"},
		{"WSGIScriptAlias / /srv/app.wsgi colour=blue\n", `site.conf:2: WSGIScriptAlias: invalid option "colour=blue"`},
		{"WSGIScriptAliasMatch ^/(( /srv/$1.wsgi\n", "site.conf:2: WSGIScriptAliasMatch: bad regular expression"},
		{"<Location /x>\nWSGIScriptAlias / /srv/app.wsgi\n</Location>\n", "site.conf:3: WSGIScriptAlias: not allowed in <Location>"},
		{"WSGIPythonHome /no/such/python/home\n", "site.conf:2: WSGIPythonHome: /no/such/python/home is not a directory"},
		{"WSGIImportScript /srv/app.wsgi process-group=%{GLOBAL}\n", "site.conf:2: WSGIImportScript: application-group= is required"},
		{"WSGIPassAuthorization maybe\n", "site.conf:2: WSGIPassAuthorization: must be On or Off"},
		{"WSGIRestrictEmbedded maybe\n", "site.conf:2: WSGIRestrictEmbedded: must be On or Off"},
		{"PythonUserDirProcess On user=alice\n", "site.conf:2: PythonUserDirProcess: user=: each user's group runs as that user"},
		{"WSGITrustedProxies 10.0.0.1\n", "site.conf:2: WSGITrustedProxies: unknown directive: this mod_wsgi directive is not supported by modpy"},
	} {
		wantConfigError(t, pre+c.conf, c.want)
	}
	out, ok := checkConfig(t, pre+"<IfModule mod_wsgi.c>\nWSGIDaemonProcess site processes=2 threads=15 display-name=%{GROUP} home=/\n"+
		"WSGIScriptAlias / /srv/app.wsgi process-group=%{GLOBAL} application-group=%{GLOBAL}\n"+
		"WSGIScriptAlias /site /srv/app.wsgi process-group=site application-group=%{GLOBAL}\n"+
		"WSGIProcessGroup %{GLOBAL}\nWSGIApplicationGroup %{GLOBAL}\n</IfModule>\nWSGILazyInitialization Off\nWSGISocketPrefix run/wsgi\n"+
		"WSGIRestrictEmbedded On\nPythonUserDirProcess On inactivity-timeout=60\nUserDirMinUid 1000\n"+
		"<Directory /srv>\nPythonProcessGroup site\n</Directory>\n")
	if !ok || !strings.Contains(out, "Syntax OK") {
		t.Errorf("daemon and embedded mode directives refused:\n%s", out)
	}
}

// The server refuses to start with a bad WSGIDaemonProcess, naming its
// file and line; and process groups need the master: -X (one process)
// refuses to start with one, naming the first one's file and line.
func TestWSGIDaemonStartRefused(t *testing.T) {
	for _, c := range []struct{ flag, conf, want string }{
		{"-DFOREGROUND", "WSGIDaemonProcess site threads=many\n", "site.conf:2: WSGIDaemonProcess: threads=many: not a whole number"},
		{"-DFOREGROUND", "WSGIDaemonProcess site python-home=/no/such/venv\n", "site.conf:2: WSGIDaemonProcess: group \"site\": python-home=/no/such/venv"},
		{"-X", "WSGIDaemonProcess site home=/\nWSGIDaemonProcess other home=/\n", "site.conf:2: WSGIDaemonProcess: process groups are started by modpy's master"},
		{"-X", "PythonUserDirProcess On\n", "site.conf:2: PythonUserDirProcess: process groups are started by modpy's master"},
	} {
		f := filepath.Join(t.TempDir(), "site.conf")
		os.WriteFile(f, []byte(fmt.Sprintf("Listen 127.0.0.1:%d\n%s", freePort(t), c.conf)), 0o644)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		out, err := exec.CommandContext(ctx, modpyBin, c.flag, "-f", f).CombinedOutput()
		cancel()
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("%s with %q: %v %q, want %q", c.flag, c.conf, err, out, c.want)
		}
	}
}

// preWSGI counts how often it was loaded (a file beside it) and says so.
const preWSGI = `import os
from mod_python import apache
marker = os.path.join(os.path.dirname(__file__), os.path.basename(__file__) + ".loaded")
with open(marker, "a") as f:
    f.write(apache.interpreter + "\n")

def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [open(marker).read().encode()]
`

// WSGIImportScript, and a WSGIScriptAlias with both process-group= and
// application-group=, load the script when the worker starts.
func TestWSGIImportScript(t *testing.T) {
	s := startSite(t, `
WSGIImportScript {{DIR}}/app/pre.wsgi process-group=%{GLOBAL} application-group=%{GLOBAL}
WSGIScriptAlias /pre {{DIR}}/app/pre.wsgi application-group=%{GLOBAL}
WSGIScriptAlias /pre2 {{DIR}}/app/pre2.wsgi process-group=%{GLOBAL} application-group=pregroup
`, map[string]string{"app/pre.wsgi": preWSGI, "app/pre2.wsgi": preWSGI})
	// Loaded before any request for them.
	if m := waitFile(t, filepath.Join(s.Dir, "app/pre.wsgi.loaded"), 10*time.Second); m != "main_interpreter\n" {
		t.Errorf("WSGIImportScript: %q", m)
	}
	if m := waitFile(t, filepath.Join(s.Dir, "app/pre2.wsgi.loaded"), 10*time.Second); m != "pregroup\n" {
		t.Errorf("preloaded alias: %q", m)
	}
	// The requests find them loaded: not again.
	if body := s.mustGet("/pre"); body != "main_interpreter\n" {
		t.Errorf("/pre: %q, want the script loaded once", body)
	}
	if body := s.mustGet("/pre2"); body != "pregroup\n" {
		t.Errorf("/pre2: %q, want the script loaded once", body)
	}
}

const pathWSGI = `import sys, json
import libone_mod, libthree_mod

def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"prefix": sys.prefix, "one": libone_mod.NAME, "three": libthree_mod.NAME,
                        "path0": sys.path[0]}).encode()]
`

// WSGIPythonPath: site directories (their .pth files read) in front of
// sys.path; WSGIPythonHome: a virtual environment's Python.
func TestWSGIPythonPathAndHome(t *testing.T) {
	files := map[string]string{
		"app/path.wsgi":          pathWSGI,
		"lib1/libone_mod.py":     "NAME = 'one'\n",
		"lib2/extra.pth":         "{{DIR}}/lib3\n",
		"lib3/libthree_mod.py":   "NAME = 'three'\n",
		"htdocs/placeholder.txt": "",
	}
	s := startSite(t, "WSGIPythonPath {{DIR}}/lib1:{{DIR}}/lib2\nWSGIScriptAlias /path {{DIR}}/app/path.wsgi\n", files)
	e := wsgiJSON(t, s, "/path")
	if e["one"] != "one" || e["three"] != "three" || e["path0"] != s.Dir+"/lib1" {
		t.Errorf("WSGIPythonPath: %v", e)
	}

	venv := filepath.Join(t.TempDir(), "venv")
	if out, err := exec.Command("python3", "-m", "venv", "--without-pip", venv).CombinedOutput(); err != nil {
		needTestDep(t, "python3 -m venv", fmt.Errorf("%v: %s", err, out))
	}
	s2 := startSite(t, "WSGIPythonHome "+venv+"\nWSGIPythonPath {{DIR}}/lib1:{{DIR}}/lib2\nWSGIScriptAlias /path {{DIR}}/app/path.wsgi\n", files)
	if e := wsgiJSON(t, s2, "/path"); e["prefix"] != venv {
		t.Errorf("WSGIPythonHome %s: sys.prefix %q", venv, e["prefix"])
	}
}

// mpApp is a WSGI application for mod_python.wsgi, checked by
// wsgiref.validate, that answers by its PATH_INFO.
const mpApp = `from wsgiref.validate import validator

@validator
def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/missing":
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not here\n"]
    if path == "/redir":
        start_response("302 Found", [("Location", "http://example.com/elsewhere"), ("Content-Type", "text/plain")])
        return [b""]
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-App", "yes")])
    return [("SCRIPT_NAME=%s PATH_INFO=%s" % (environ["SCRIPT_NAME"], path)).encode()]

def other(environ, start_response):
    start_response("201 Created", [("Content-Type", "text/plain")])
    return [b"other"]

def compat(environ, start_response):
    # What mod_python 3.5's mod_python.wsgi gave an application (its own
    # test suite checks these): the request as wsgi.input, sys.stderr as
    # wsgi.errors, and str items sent as text.
    import sys
    ok = type(environ["wsgi.input"]).__name__ == "mp_request" and environ["wsgi.errors"] is sys.stderr
    environ["wsgi.errors"].write("compat wrote to wsgi.errors\n")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ["compat ok\n" if ok else "compat fail\n"]
`

// mod_python.wsgi as mod_python 3.5 documents it, sending the status and
// headers the application gives (3.5 sent 200 whatever they were).
func TestModPythonWSGI(t *testing.T) {
	s := startSite(t, `
<Location /wsgiapps>
    SetHandler mod_python
    PythonHandler mod_python.wsgi
    PythonOption mod_python.wsgi.application mpapp
    PythonPath "sys.path+['{{DIR}}/lib']"
</Location>
<Location /based>
    SetHandler mod_python
    PythonHandler mod_python.wsgi
    PythonOption mod_python.wsgi.application mpapp::other
    PythonOption mod_python.wsgi.base_uri /based/app
    PythonPath "sys.path+['{{DIR}}/lib']"
</Location>
<Location /compat>
    SetHandler mod_python
    PythonHandler mod_python.wsgi
    PythonOption mod_python.wsgi.application mpapp::compat
    PythonPath "sys.path+['{{DIR}}/lib']"
</Location>
<Location /nothing>
    SetHandler mod_python
    PythonHandler mod_python.wsgi
    PythonOption mod_python.wsgi.application mpapp::nothing
    PythonPath "sys.path+['{{DIR}}/lib']"
</Location>
`, map[string]string{"lib/mpapp.py": mpApp})
	st, h, body := s.do("GET", "/wsgiapps/hello/world", "")
	if st != 200 || body != "SCRIPT_NAME=/wsgiapps PATH_INFO=/hello/world" || h.Get("X-App") != "yes" {
		t.Errorf("/wsgiapps/hello/world: %d %q %v", st, body, h)
	}
	if st, body := s.get("/wsgiapps/missing"); st != 404 || body != "not here\n" {
		t.Errorf("the application's 404: %d %q", st, body)
	}
	if st, h, _ := s.do("GET", "/wsgiapps/redir", ""); st != 302 || h.Get("Location") != "http://example.com/elsewhere" {
		t.Errorf("the application's redirect: %d %v", st, h)
	}
	if st, body := s.get("/based/app/x"); st != 201 || body != "other" {
		t.Errorf("base_uri and ::other: %d %q", st, body)
	}
	if st, body := s.get("/compat/x"); st != 200 || body != "compat ok\n" {
		t.Errorf("::compat (3.5's wsgi.input, wsgi.errors, str items): %d %q", st, body)
	}
	contains(t, "log", s.waitLog("compat wrote"), "compat wrote to wsgi.errors")
	s.get("/nothing")
	contains(t, "log", s.waitLog("not found, declining"), "WSGI handler: mod_python.wsgi.application ('mpapp::nothing') not found, declining.")
	if l := s.errorLog(); strings.Contains(l, "Traceback") || strings.Contains(l, "AssertionError") {
		t.Errorf("errors in the log:\n%s", l)
	}
}

const overrideWSGI = `def application(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"the application's body\n"]
`

// WSGIErrorOverride: the server's error response replaces an
// application's 4xx/5xx body.
func TestWSGIErrorOverride(t *testing.T) {
	s := startSite(t, `
WSGIScriptAlias /plain {{DIR}}/app/override.wsgi
WSGIScriptAlias /override {{DIR}}/app/override.wsgi
<Location /override>
    WSGIErrorOverride On
    ErrorDocument 404 "the server's page"
</Location>
`, map[string]string{"app/override.wsgi": overrideWSGI})
	if st, body := s.get("/plain"); st != 404 || body != "the application's body\n" {
		t.Errorf("/plain: %d %q", st, body)
	}
	if st, body := s.get("/override"); st != 404 || body != "the server's page" {
		t.Errorf("/override: %d %q", st, body)
	}
}

const countWSGI = `import time
count = 0

def application(environ, start_response):
    global count
    count += 1
    if environ["PATH_INFO"] == "/slow":
        while True:
            time.sleep(0.01)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(count).encode()]
`

// An application group is one of modpy's interpreters: the lifecycle
// directives apply to it (PythonInterpMaxRequests ends it, and the next
// request loads the script in a fresh one; PythonRequestTimeout
// interrupts the application).
func TestWSGIInterpreterLifecycle(t *testing.T) {
	s := startSite(t, `
WSGIScriptAlias /count {{DIR}}/app/count.wsgi
<Location /count>
    PythonInterpMaxRequests 2
    PythonRequestTimeout 1
</Location>
`, map[string]string{"app/count.wsgi": countWSGI})
	name := fmt.Sprintf("localhost:%d|/count", s.Port)
	if a, b := s.mustGet("/count"), s.mustGet("/count"); a != "1" || b != "2" {
		t.Fatalf("counts %q %q", a, b)
	}
	contains(t, "log", s.waitLog("PythonInterpMaxRequests 2 reached"), fmt.Sprintf("interpreter %q ended (PythonInterpMaxRequests 2 reached)", name))
	if c := s.mustGet("/count"); c != "1" {
		t.Errorf("after the end: %q, want the script loaded in a fresh interpreter", c)
	}
	if st, _ := s.get("/count/slow"); st != 504 {
		t.Errorf("/count/slow: %d, want 504 (PythonRequestTimeout)", st)
	}
	contains(t, "log", s.errorLog(), "interrupted: it ran past PythonRequestTimeout")
}

// WSGIScriptAlias / in a virtual host: SCRIPT_NAME is empty, the whole
// path is PATH_INFO, and the group is the vhost's name and port with an
// empty script.
func TestWSGIRootAlias(t *testing.T) {
	s := startSite(t, `
<VirtualHost *:{{PORT}}>
    ServerName vhost.test
    WSGIScriptAlias / {{DIR}}/app/env.wsgi
</VirtualHost>
`, map[string]string{"app/env.wsgi": envWSGI})
	port := fmt.Sprint(s.Port)
	for path, info := range map[string]string{"/": "/", "/a/b": "/a/b"} {
		e := wsgiJSON(t, s, path, "Host", "vhost.test:"+port)
		if e["SCRIPT_NAME"] != "" || e["PATH_INFO"] != info || e["mod_wsgi.application_group"] != "vhost.test:"+port+"|" {
			t.Errorf("%s: SCRIPT_NAME %q PATH_INFO %q group %q", path, e["SCRIPT_NAME"], e["PATH_INFO"], e["mod_wsgi.application_group"])
		}
	}
}
