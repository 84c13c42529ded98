package tests

import (
	"bytes"
	"encoding/base64"
	"mime/multipart"
	"strings"
	"testing"
)

// mod_python.publisher (issue 4, "Library modules").

const pubMod = `import os, re
from mod_python import apache

SECRET = "not a callable"
_private = "p"
__ANSWER = 42

def index(req):
    return "mod index"

def args(req, a, b="B", *rest):
    return "a=%s b=%s" % (a, b)

def kw(**kw):
    return repr(sorted((k, "req" if k == "req" else v) for k, v in kw.items()))

def noreq(a="1"):
    return "noreq " + a

def needs(req, required):
    return required

def upload(req, f, note=None):
    return "%s %d %s %s" % (f.filename, len(f.value), type(f.value).__name__, note)

def req_field(req):
    return type(req).__name__

def form(req):
    return "form %s" % [str(v) for v in req.form.getlist("x")]

def html():
    return "<HTML><body>hi</body></html >\n"

def not_html():
    return "</html> is not at the end"

def raw():
    return b"\x00\x01raw"

def none(req):
    req.write("written by hand")

def typed(req):
    req.content_type = "text/csv"
    return "a,b"

def typed_charset(req):
    req.content_type = "text/plain; charset=latin-1"
    return "\u00e9"

def number():
    return 42

def returns_callable():
    return lambda req: "called too"

class Klass:
    def __init__(self):
        self.attr = "instance attr"
    def method(self, req, v="1"):
        return "method " + v

instance = Klass()

class Deep:
    pass

deep = Deep()
deep.child = Klass()
d = {"k": "v"}
d_keys = d.keys
code_obj = compile("1", "<x>", "eval")
builtin = len
re_mod = re
`

const pubAuthModule = `__auth_realm__ = "Module realm"

def __auth__(req, user, pw):
    return user in ("alice", "mallory") and pw == "pw"

def __access__(req, user):
    return user != "mallory"

def index(req):
    return "module auth ok"
`

const pubAuthNested = `def _make():
    return {"alice": "pw"}

def nested(req):
    __auth_realm__ = "Nested realm"
    __auth__ = {"alice": "pw", "bob": "pw"}
    __access__ = ["alice"]
    return "nested ok"

def nested_def(req):
    def __auth__(req, user, pw):
        return pw == user[::-1]
    return "def ok"

def nested_lambda():
    __auth__ = lambda req, user, pw: user == "x" and pw == "y"
    return "lambda ok"

def not_literal():
    __auth__ = _make()
    return "must not be seen"

class Guarded:
    __auth_realm__ = "Object realm"
    __auth__ = {"carol": "pw"}
    def page(self):
        return "object ok"

guarded = Guarded()

def public():
    return "public"
`

func pubSite(t *testing.T) *site {
	return startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
<Directory {{DIR}}/htdocs/pub>
    SetHandler mod_python
    PythonHandler mod_python.publisher
</Directory>
<Directory {{DIR}}/htdocs/ext>
    SetHandler mod_python
    PythonHandler mod_python.publisher | .py
    PythonHandler plain
</Directory>
`, map[string]string{
		"htdocs/pub/index.py":     "def index():\n    return 'pub index'\ndef hello(req, name='world'):\n    return 'hello ' + name\n",
		"htdocs/pub/mod.py":       pubMod,
		"htdocs/pub/auth.py":      pubAuthModule,
		"htdocs/pub/authf.py":     pubAuthNested,
		"htdocs/pub/sub/index.py": "def index():\n    return 'sub index'\n",
		"htdocs/pub/a/same.py":    "def index():\n    return 'same in a'\n",
		"htdocs/pub/b/same.py":    "def index():\n    return 'same in b'\n",
		"htdocs/pub/empty/x.txt":  "no index.py here",
		"htdocs/ext/page.py":      "def hello(who='ext'):\n    return 'published ' + who\n",
		"htdocs/ext/readme.txt":   "text",
		"lib/plain.py": `from mod_python import apache
def handler(req):
    req.content_type = "text/plain"
    req.write("plain handler for %s ext=%s" % (req.filename.rsplit("/", 1)[1], req.extension))
    return apache.OK
`,
	})
}

func TestPublisherTraversal(t *testing.T) {
	s := pubSite(t)
	cases := []struct{ path, want string }{
		{"/pub/", "pub index"},
		{"/pub/index.py", "pub index"},
		{"/pub/hello?name=bob", "hello bob"},
		{"/pub/index.py/hello", "hello world"},
		{"/pub/mod.py", "mod index"},
		{"/pub/mod.py/", "mod index"},
		{"/pub/mod", "mod index"},
		{"/pub/mod/args?a=1", "a=1 b=B"},
		{"/pub/mod.py/args/?a=1&b=2", "a=1 b=2"},
		{"/pub/mod.py/SECRET", "not a callable"},
		{"/pub/mod.py/number", "42"},
		{"/pub/mod.py/instance/attr", "instance attr"},
		{"/pub/mod.py/instance/method?v=2", "method 2"},
		{"/pub/mod.py/deep/child/method", "method 1"},
		{"/pub/mod.py/returns_callable", "called too"},
		{"/pub/sub/", "sub index"},
		{"/pub/sub/index.py", "sub index"},
		// Two directories' same.py are two modules, in one interpreter.
		{"/pub/a/same.py", "same in a"},
		{"/pub/b/same.py", "same in b"},
		{"/pub/a/same.py", "same in a"},
	}
	for _, c := range cases {
		if got := s.mustGet(c.path); got != c.want {
			t.Errorf("GET %s: %q, want %q", c.path, got, c.want)
		}
	}
	for _, p := range []string{"/pub/mod.py/missing", "/pub/mod.py/instance/missing", "/pub/nothere.py",
		"/pub/nothere", "/pub/empty/", "/pub/mod.py/deep/nothing/method"} {
		if st, body := s.get(p); st != 404 {
			t.Errorf("GET %s: %d, want 404\n%s", p, st, body)
		}
	}
}

// mod_python 3.5's rules: underscores, modules, classes, builtins and
// traversal out of functions and methods are 403.
func TestPublisherSecurity(t *testing.T) {
	s := pubSite(t)
	forbidden := []string{
		"/pub/mod.py/_private",
		"/pub/mod.py/__ANSWER",
		"/pub/mod.py/__dict__",
		"/pub/mod.py/__builtins__",
		"/pub/_x",
		"/pub/mod.py/os",
		"/pub/mod.py/os/system",
		"/pub/mod.py/re_mod",
		"/pub/mod.py/re_mod/compile",
		"/pub/mod.py/Klass",
		"/pub/mod.py/Klass/method",
		"/pub/mod.py/index/__code__",
		"/pub/mod.py/index/func_code",
		"/pub/mod.py/index/__globals__",
		"/pub/mod.py/instance/method/im_func",
		"/pub/mod.py/instance/__class__",
		"/pub/mod.py/instance/method/__func__",
		"/pub/mod.py/d/keys",
		"/pub/mod.py/d_keys",
		"/pub/mod.py/code_obj",
		"/pub/mod.py/builtin",
		"/pub/mod.py/apache",
	}
	for _, p := range forbidden {
		if st, body := s.get(p); st != 403 {
			t.Errorf("GET %s: %d, want 403\n%s", p, st, body)
		}
	}
	contains(t, "error log", s.errorLog(), "Cannot traverse _private in /pub/mod.py/_private because it starts with an underscore")
	for _, p := range []string{"/pub/../pub/mod.py/_private", "/pub/%2e%2e/pub/mod.py/os", "/pub/mod.py/..%2f..%2fetc%2fpasswd"} {
		if st, body := s.get(p); st == 200 {
			t.Errorf("GET %s: 200\n%s", p, body)
		}
	}
	// Only GET, POST and HEAD.
	st, h, _ := s.do("PUT", "/pub/mod.py", "x")
	if st != 405 || !strings.Contains(h.Get("Allow"), "POST") {
		t.Errorf("PUT: %d Allow %q, want 405 with Allow", st, h.Get("Allow"))
	}
	st, h, body := s.do("HEAD", "/pub/mod.py/html", "")
	if st != 200 || body != "" || h.Get("Content-Type") != "text/html; charset=UTF8" {
		t.Errorf("HEAD: %d %q %q", st, h.Get("Content-Type"), body)
	}
}

func TestPublisherArguments(t *testing.T) {
	s := pubSite(t)
	cases := []struct{ method, path, body, ctype, want string }{
		{"GET", "/pub/mod.py/kw?x=1&x=2&y=3", "", "", "[('req', 'req'), ('x', ['1', '2']), ('y', '3')]"},
		{"GET", "/pub/mod.py/noreq?a=2&unknown=3", "", "", "noreq 2"},
		{"GET", "/pub/mod.py/req_field?req=evil", "", "", "mp_request"},
		// POST arguments: 3.5 fails these on Python 3 (bytes names).
		{"POST", "/pub/mod.py/args", "a=p1&b=p2&c=extra", "application/x-www-form-urlencoded", "a=p1 b=p2"},
		{"POST", "/pub/mod.py/args?b=q", "a=p", "application/x-www-form-urlencoded", "a=p b=q"},
		{"POST", "/pub/mod.py/kw", "k=%C3%A9", "application/x-www-form-urlencoded", "[('k', 'é'), ('req', 'req')]"},
		{"POST", "/pub/mod.py/form?x=1", "x=2", "application/x-www-form-urlencoded", "form ['1', '2']"},
	}
	for _, c := range cases {
		var st int
		var body string
		if c.ctype != "" {
			st, _, body = s.do(c.method, c.path, c.body, "Content-Type", c.ctype)
		} else {
			st, _, body = s.do(c.method, c.path, c.body)
		}
		if st != 200 || body != c.want {
			t.Errorf("%s %s %q: %d %q, want %q\n%s", c.method, c.path, c.body, st, body, c.want, s.errorLog())
		}
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("note", "n1")
	fw, _ := w.CreateFormFile("f", "photo.jpg")
	fw.Write(bytes.Repeat([]byte{0xff}, 3000))
	w.Close()
	st, _, body := s.do("POST", "/pub/mod.py/upload", buf.String(), "Content-Type", w.FormDataContentType())
	if st != 200 || body != "photo.jpg 3000 bytes n1" {
		t.Errorf("multipart upload: %d %q", st, body)
	}
	// A missing required argument is the page's error: 500.
	if st, _ := s.get("/pub/mod.py/needs"); st != 500 {
		t.Errorf("missing argument: %d, want 500", st)
	}
}

func TestPublisherOutput(t *testing.T) {
	s := pubSite(t)
	cases := []struct{ path, ctype, body string }{
		{"/pub/mod.py/html", "text/html; charset=UTF8", "<HTML><body>hi</body></html >\n"},
		{"/pub/mod.py/not_html", "text/plain; charset=UTF8", "</html> is not at the end"},
		{"/pub/mod.py/raw", "text/plain", "\x00\x01raw"},
		{"/pub/mod.py/typed", "text/csv; charset=UTF8", "a,b"},
		{"/pub/mod.py/typed_charset", "text/plain; charset=latin-1", "\xe9"},
		{"/pub/mod.py/number", "text/plain; charset=UTF8", "42"},
		{"/pub/mod.py/none", "", "written by hand"},
	}
	for _, c := range cases {
		st, h, body := s.do("GET", c.path, "")
		if st != 200 || body != c.body || (c.ctype != "" && h.Get("Content-Type") != c.ctype) {
			t.Errorf("GET %s: %d %q %q, want %q %q", c.path, st, h.Get("Content-Type"), body, c.ctype, c.body)
		}
	}
}

func basic(user, pw string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))
}

func TestPublisherAuth(t *testing.T) {
	s := pubSite(t)
	cases := []struct {
		path, auth string
		status     int
		realm      string
	}{
		{"/pub/auth.py", "", 401, "Module realm"},
		{"/pub/auth.py", basic("alice", "pw"), 200, ""},
		{"/pub/auth.py", basic("alice", "bad"), 401, "Module realm"},
		{"/pub/auth.py", basic("mallory", "pw"), 403, ""},
		{"/pub/authf.py/public", "", 200, ""},
		{"/pub/authf.py/nested", "", 401, "Nested realm"},
		{"/pub/authf.py/nested", basic("alice", "pw"), 200, ""},
		{"/pub/authf.py/nested", basic("bob", "pw"), 403, ""},
		{"/pub/authf.py/nested", basic("alice", "no"), 401, "Nested realm"},
		{"/pub/authf.py/nested", "Basic bm9jb2xvbg==", 400, ""}, // "nocolon"
		{"/pub/authf.py/nested_def", basic("abc", "cba"), 200, ""},
		{"/pub/authf.py/nested_def", basic("abc", "abc"), 401, "unknown"},
		{"/pub/authf.py/nested_lambda", basic("x", "y"), 200, ""},
		{"/pub/authf.py/nested_lambda", basic("x", "z"), 401, "unknown"},
		{"/pub/authf.py/not_literal", basic("alice", "pw"), 401, "unknown"},
		{"/pub/authf.py/guarded/page", "", 401, "Object realm"},
		{"/pub/authf.py/guarded/page", basic("carol", "pw"), 200, ""},
	}
	for _, c := range cases {
		var st int
		var h map[string][]string
		var body string
		if c.auth != "" {
			st, h, body = s.do("GET", c.path, "", "Authorization", c.auth)
		} else {
			st, h, body = s.do("GET", c.path, "")
		}
		if st != c.status {
			t.Errorf("%s (%s): %d, want %d\n%s", c.path, c.auth, st, c.status, body)
			continue
		}
		wa := ""
		if v := h["Www-Authenticate"]; len(v) > 0 {
			wa = v[0]
		}
		if c.realm != "" && wa != `Basic realm="`+c.realm+`"` {
			t.Errorf("%s (%s): WWW-Authenticate %q, want realm %q", c.path, c.auth, wa, c.realm)
		}
		if st == 200 && strings.Contains(body, "must not") {
			t.Errorf("%s: %q", c.path, body)
		}
	}
	contains(t, "error log", s.errorLog(), "__auth__ in not_literal is not a literal")
}

// PythonHandler mod_python.publisher | .py: .py files go to the
// publisher, the rest to the plain handler.
func TestPublisherPipeExtension(t *testing.T) {
	s := pubSite(t)
	if got := s.mustGet("/ext/page.py/hello?who=me"); got != "published me" {
		t.Errorf("page.py: %q", got)
	}
	// req.extension is set only when a "| .ext" handler matched (3.5).
	if got := s.mustGet("/ext/readme.txt"); got != "plain handler for readme.txt ext=None" {
		t.Errorf("readme.txt: %q", got)
	}
}
