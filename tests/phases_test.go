package tests

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Every request phase with its Python*Handler directive (issue 4).

// phaseMod records each phase it runs in into req.notes, the one table
// every phase of a request shares (whatever the interpreter), and the
// content handler prints the record.
const phaseMod = `from mod_python import apache

def _mark(req, what):
    req.notes["trail"] = req.notes.get("trail", "") + what + "@" + req.interpreter + " "

def postreadrequesthandler(req):
    _mark(req, "postread"); return apache.OK
def transhandler(req):
    _mark(req, "trans"); return apache.DECLINED
def inithandler(req):
    _mark(req, "init:" + req.phase); return apache.OK
def headerparserhandler(req):
    _mark(req, "headerparser"); return apache.OK
def accesshandler(req):
    _mark(req, "access"); return apache.OK
def authenhandler(req):
    _mark(req, "authen"); return apache.DECLINED
def typehandler(req):
    _mark(req, "type"); return apache.DECLINED
def fixuphandler(req):
    _mark(req, "fixup"); return apache.OK
def handler(req):
    _mark(req, "handler")
    req.content_type = "text/plain"
    req.write(req.notes["trail"].strip())
    return apache.OK
`

func TestEveryPhaseRunsInOrder(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
PythonPostReadRequestHandler ph
PythonTransHandler ph
PythonInitHandler ph
<Directory {{DIR}}/htdocs>
    PythonInitHandler ph
    PythonHeaderParserHandler ph
    PythonAccessHandler ph
    PythonTypeHandler ph
    PythonFixupHandler ph
    SetHandler mod_python
    PythonHandler ph
</Directory>
`, map[string]string{"lib/ph.py": phaseMod, "htdocs/x.txt": "x"})
	got := s.mustGet("/x.txt")
	want := "init:PythonInitHandler@localhost postread@localhost trans@localhost " +
		"init:PythonInitHandler@localhost headerparser@localhost access@localhost " +
		"type@localhost fixup@localhost handler@localhost"
	if got != want {
		t.Fatalf("phases:\n got %s\nwant %s", got, want)
	}
}

// Stacking rules per phase (mod_python 3.5's _status_values): an authen
// stack stops at its first OK, a fixup stack runs on through OK.
const stackMod = `from mod_python import apache

def _mark(req, what):
    req.notes["trail"] = req.notes.get("trail", "") + what + " "
    return what

def a1(req): _mark(req, "a1"); return apache.DECLINED
def a2(req):
    _mark(req, "a2")
    req.user = "someone"
    return apache.OK
def a3(req): _mark(req, "a3"); return apache.OK
def f1(req): _mark(req, "f1"); return apache.DECLINED
def f2(req): _mark(req, "f2"); return apache.OK
def f3(req): _mark(req, "f3"); return apache.OK
def handler(req):
    req.content_type = "text/plain"
    req.write(req.notes["trail"].strip())
    return apache.OK
`

func TestPhaseStacking(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
<Location /s>
    AuthType Basic
    AuthName stack
    Require valid-user
    PythonAuthenHandler stack::a1 stack::a2 stack::a3
    PythonFixupHandler stack::f1 stack::f2
    PythonFixupHandler stack::f3
    SetHandler mod_python
    PythonHandler stack
</Location>
`, map[string]string{"lib/stack.py": stackMod})
	if got := s.mustGet("/s"); got != "a1 a2 f1 f2 f3" {
		t.Fatalf("stack: %q, want %q", got, "a1 a2 f1 f2 f3")
	}
}

// A trans handler maps the URI itself (returning OK skips Alias and
// DocumentRoot); a type handler sets the content type.
func TestTransAndTypeHandlers(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
PythonTransHandler tr
<Directory {{DIR}}/elsewhere>
    Require all granted
    PythonTypeHandler tr
</Directory>
`, map[string]string{
		"lib/tr.py": `from mod_python import apache
import os
def transhandler(req):
    if req.uri.startswith("/mapped/"):
        req.filename = os.path.join(os.path.dirname(__file__), "..", "elsewhere", req.uri[len("/mapped/"):])
        return apache.OK
    return apache.DECLINED
def typehandler(req):
    if req.filename.endswith(".dat"):
        req.content_type = "application/x-modpy-test"
        return apache.OK
    return apache.DECLINED
`,
		"elsewhere/f.dat":  "data\n",
		"htdocs/plain.txt": "plain\n",
	})
	st, hdr, body := s.do("GET", "/mapped/f.dat", "")
	if st != 200 || body != "data\n" || hdr.Get("Content-Type") != "application/x-modpy-test" {
		t.Fatalf("/mapped/f.dat: %d %q %q", st, hdr.Get("Content-Type"), body)
	}
	if got := s.mustGet("/plain.txt"); got != "plain\n" {
		t.Fatalf("/plain.txt: %q", got)
	}
}

// Under SetHandler mod_python with no PythonHandler the content phase
// declines, as in mod_python, and the default handler serves the file a
// trans handler picked (mod_python's test_trans).
func TestTransWithoutPythonHandler(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
SetHandler mod_python
PythonTransHandler tr
`, map[string]string{
		"lib/tr.py": `from mod_python import apache
def transhandler(req):
    req.filename = req.document_root() + "/source.py"
    return apache.OK
`,
		"htdocs/source.py": " # the file itself\n",
	})
	if got := s.mustGet("/anything"); got != " # the file itself\n" {
		t.Fatalf("SetHandler mod_python without a PythonHandler: %q", got)
	}
}

// Each phase picks its interpreter by the naming rules against its own
// configuration: with PythonInterpPerDirectory, post-read-request has no
// file yet and runs in main_interpreter; later phases run in the
// directory's interpreter. Attributes set on req travel between them when
// they are plain values; within one interpreter, any object does.
const attrMod = `from mod_python import apache

class Thing(object):
    pass

def postreadrequesthandler(req):
    req.plain = {"n": 1, "names": ["a", "b"], "raw": b"x", "none": None, "t": (1, 2.5)}
    req.thing = Thing()
    req.counter = 1
    return apache.OK

def fixuphandler(req):
    req.counter += 1
    req.fixup_thing = Thing()
    return apache.OK

def handler(req):
    req.content_type = "text/plain"
    req.write("%s plain=%r counter=%r thing=%s fixup_thing=%s" % (
        req.interpreter, getattr(req, "plain", None), getattr(req, "counter", None),
        hasattr(req, "thing"), type(getattr(req, "fixup_thing", None)).__name__))
    return apache.OK
`

func TestAttributesAcrossInterpreters(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
PythonPostReadRequestHandler attrs
<Directory {{DIR}}/htdocs>
    PythonInterpPerDirectory On
    PythonFixupHandler attrs
    SetHandler mod_python
    PythonHandler attrs
</Directory>
`, map[string]string{"lib/attrs.py": attrMod, "htdocs/a.txt": ""})
	want := s.Dir + "/htdocs/ plain={'n': 1, 'names': ['a', 'b'], 'raw': b'x', 'none': None, 't': (1, 2.5)} " +
		"counter=2 thing=False fixup_thing=Thing"
	for i := 0; i < 3; i++ { // and nothing leaks from one request to the next
		if got := s.mustGet("/a.txt"); got != want {
			t.Fatalf("request %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// req.add_handler: to the running phase (runs after the configured ones),
// and to a later phase that has no handler configured.
func TestAddHandler(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
<Location /add>
    PythonFixupHandler dyn::fixup
    SetHandler mod_python
    PythonHandler dyn::first
</Location>
`, map[string]string{"lib/dyn.py": `from mod_python import apache
def fixup(req):
    req.add_handler("PythonFixupHandler", "dyn::fixup2")
    return apache.OK
def fixup2(req):
    req.notes["fixup2"] = "ran"
    req.add_handler("PythonHandler", "dyn::later")
    return apache.OK
def first(req):
    req.content_type = "text/plain"
    req.write("first fixup2=%s;" % req.notes.get("fixup2"))
    req.add_handler("PythonHandler", "dyn::second")
    return apache.OK
def second(req):
    req.write("second %s;" % req.hlist.handler)
    return apache.OK
def later(req):
    req.write("later;")
    return apache.OK
`})
	if got := s.mustGet("/add"); got != "first fixup2=ran;later;second dyn::second;" {
		t.Fatalf("add_handler: %q", got)
	}
}

// PythonLogHandler and PythonCleanupHandler run after the response, and
// so do register_cleanup callbacks; errors there are only logged.
func TestLogAndCleanupPhases(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
<Location /lc>
    SetHandler mod_python
    PythonHandler lc
    PythonLogHandler lc
    PythonCleanupHandler lc
</Location>
`, map[string]string{"lib/lc.py": `from mod_python import apache
import os
OUT = os.path.join(os.path.dirname(__file__), "..", "trail")
def _add(s):
    with open(OUT, "a") as f:
        f.write(s + "\n")
def handler(req):
    req.register_cleanup(_add, "registered cleanup")
    req.register_cleanup(lambda data: 1 / 0)
    req.write("ok")
    return apache.OK
def loghandler(req):
    _add("log status=%d bytes=%d" % (req.status, req.bytes_sent))
    return apache.OK
def cleanuphandler(req):
    _add("cleanup phase " + req.phase)
    return apache.OK
`})
	if got := s.mustGet("/lc"); got != "ok" {
		t.Fatalf("/lc: %q", got)
	}
	trail := filepath.Join(s.Dir, "trail")
	want := "log status=200 bytes=2\ncleanup phase PythonCleanupHandler\nregistered cleanup\n"
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(trail)
		if string(b) == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the response:\n got %q\nwant %q", b, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	contains(t, "error log", s.waitLog("ZeroDivisionError"), "register_cleanup")
}

// Basic authentication from Python: the authen handler reads the
// credentials with req.get_basic_auth_pw(); Require user decides after.
const authMod = `from mod_python import apache

USERS = {"alice": "wonderland", "bob": "builder"}

def authenhandler(req):
    pw = req.get_basic_auth_pw()
    if req.user in USERS and USERS[req.user] == pw:
        return apache.OK
    return apache.HTTP_UNAUTHORIZED

def handler(req):
    req.content_type = "text/plain"
    req.write("user=%s ap_auth_type=%s auth_type=%s auth_name=%s" % (
        req.user, req.ap_auth_type, req.auth_type(), req.auth_name()))
    return apache.OK
`

func TestBasicAuthFromPython(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
<Location /private>
    AuthType Basic
    AuthName "Private area"
    Require user alice
    PythonAuthenHandler auth
    SetHandler mod_python
    PythonHandler auth
</Location>
<Location /public>
    SetHandler mod_python
    PythonHandler auth
</Location>
`, map[string]string{"lib/auth.py": authMod})
	cases := []struct {
		name, auth string
		status     int
		body       string
	}{
		{"no credentials", "", 401, ""},
		{"wrong password", "Basic YWxpY2U6bm9wZQ==", 401, ""},        // alice:nope
		{"not base64", "Basic !!!", 401, ""},                         // the handler sees no user
		{"other scheme", "Digest username=alice", 401, ""},           // not Basic
		{"valid but not allowed", "Basic Ym9iOmJ1aWxkZXI=", 401, ""}, // bob:builder, Require user alice
		{"alice", "Basic YWxpY2U6d29uZGVybGFuZA==", 200, "user=alice ap_auth_type=Basic auth_type=Basic auth_name=Private area"},
	}
	for _, c := range cases {
		var hdr []string
		if c.auth != "" {
			hdr = []string{"Authorization", c.auth}
		}
		st, h, body := s.do("GET", "/private", "", hdr...)
		if st != c.status {
			t.Errorf("%s: status %d, want %d", c.name, st, c.status)
			continue
		}
		if st == 401 && h.Get("WWW-Authenticate") != `Basic realm="Private area"` {
			t.Errorf("%s: WWW-Authenticate %q", c.name, h.Get("WWW-Authenticate"))
		}
		if c.body != "" && body != c.body {
			t.Errorf("%s: body %q, want %q", c.name, body, c.body)
		}
	}
	if got := s.mustGet("/public"); got != "user=None ap_auth_type=None auth_type=None auth_name=None" {
		t.Errorf("/public: %q", got)
	}
	contains(t, "error log", s.errorLog(), `AH01631: user bob: authorization failure for "/private"`)
}

// An authen handler that says OK without naming the user is a broken
// configuration: 500, as Apache answers.
func TestAuthenOKWithoutUser(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
<Location /broken>
    AuthType Basic
    AuthName x
    Require valid-user
    PythonAuthenHandler broken
    SetHandler mod_python
    PythonHandler broken
</Location>
`, map[string]string{"lib/broken.py": `from mod_python import apache
def authenhandler(req):
    return apache.OK
def handler(req):
    req.write("in")
    return apache.OK
`})
	if st, _ := s.get("/broken"); st != 500 {
		t.Fatalf("status %d, want 500", st)
	}
	contains(t, "error log", s.errorLog(), "the PythonAuthenHandler returned OK without setting req.user")
}

// PythonAuthzHandler decides first; DECLINED hands over to Require.
func TestAuthzHandler(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
<Location /z>
    AuthType Basic
    AuthName z
    Require user nobody-at-all
    PythonAuthenHandler az
    PythonAuthzHandler az
    SetHandler mod_python
    PythonHandler az
</Location>
`, map[string]string{"lib/az.py": `from mod_python import apache
def authenhandler(req):
    req.get_basic_auth_pw()
    return apache.OK if req.user else apache.HTTP_UNAUTHORIZED
def authzhandler(req):
    if req.user == "admin":
        return apache.OK
    if req.user == "guest":
        return apache.HTTP_FORBIDDEN
    return apache.DECLINED
def handler(req):
    req.write("welcome " + req.user)
    return apache.OK
`})
	for _, c := range []struct {
		user   string
		status int
	}{{"admin", 200}, {"guest", 403}, {"other", 401}} {
		st, _, body := s.do("GET", "/z", "", "Authorization", "Basic "+b64(c.user+":pw"))
		if st != c.status {
			t.Errorf("%s: %d %q, want %d", c.user, st, body, c.status)
		}
	}
}

// PythonHandlerModule registers one module for every phase; the phases it
// has no function for are skipped silently.
func TestPythonHandlerModuleEveryPhase(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
<Location /hm>
    SetHandler mod_python
    PythonHandlerModule hm
</Location>
`, map[string]string{"lib/hm.py": `from mod_python import apache
def fixuphandler(req):
    req.notes["fixup"] = "yes"
    return apache.OK
def handler(req):
    req.write("fixup=" + req.notes.get("fixup", "no"))
    return apache.OK
`})
	if got := s.mustGet("/hm"); got != "fixup=yes" {
		t.Fatalf("/hm: %q", got)
	}
	if strings.Contains(s.errorLog(), "Traceback") {
		t.Fatalf("a phase without a function was not skipped:\n%s", s.errorLog())
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
