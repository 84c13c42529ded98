package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mod_python.psp (python/mod_python/psp.py, docs/psp.md): Python Server
// Pages served by `PythonHandler mod_python.psp` and used as templates.

const pspConf = `PythonOption mod_python.mutex_directory {{DIR}}/data/mutex
<Directory {{DIR}}/htdocs/psp>
    AddHandler mod_python .psp .psp_
    PythonHandler mod_python.psp
    PythonDebug On
</Directory>
<Directory {{DIR}}/htdocs/nodebug>
    AddHandler mod_python .psp .psp_
    PythonHandler mod_python.psp
    PythonDebug Off
</Directory>
<Directory {{DIR}}/htdocs/tmpl>
    SetHandler mod_python
    PythonHandler tmpl
    PythonDebug On
    PythonOption mod_python.psp.cache_database_filename {{DIR}}/data/pspcache
</Directory>
`

// Every syntax element and 3.5's indentation rules in one page; the
// expected output follows 3.5's lexer (src/psp_parser.l) rule by rule.
const pspSyntaxPage = `A "q" \n \x41 '''x''' """y"""<%-- hidden
comment --%>!
<% x = 6 * 7 %>x=<%= x %>
<%
for i in range(3):
    # loop body
%>[<%= i %>]<%
# end
%>
<%
if x > 40:
%>big<%
%>
<%
for c in "ab":
    if c == "a":
%>A<%
    else:
%>B<%
%>|
<%
for i in range(2):
    j = i * 10

%>reset<%= i %>
<%= apache.OK %> <%= type(psp).__name__ %> <%= globals().get("form") %> <%= globals().get("session") %>
end
`

const pspSyntaxWant = `A "q" \n \x41 '''x''' """y"""!
x=42
[0][1][2]
big
AB|
reset1
0 PSPInterface None None
end
`

const pspTmplHandler = `from mod_python import apache, psp

def handler(req):
    req.content_type = "text/plain"
    what = req.uri.rsplit("/", 1)[-1]
    if what == "file":
        t = psp.PSP(req, filename="page.tmpl", vars={"who": "init", "n": 1})
        t.run({"n": 2})
    elif what == "string":
        psp.PSP(req, string="<%= a %>+<%= b %>", vars={"a": 1}).run({"b": 2})
        psp.PSP(req, string="<%= a %>+<%= b %>", vars={"a": 3}).run({"b": 4})
    elif what == "both":
        try:
            psp.PSP(req, filename="page.tmpl", string="x")
        except ValueError as e:
            req.write("ValueError: %s" % e)
    elif what == "missing":
        try:
            psp.PSP(req, filename="nope.tmpl")
        except ValueError as e:
            req.write("ValueError")
    elif what == "parse":
        req.write(psp.parsestring("a<%= 1 %>"))
        req.write("|" + psp.parse("page.tmpl", req.filename.rsplit("/", 1)[0] + "/"))
    elif what == "str":
        req.write(str(psp.PSP(req, string="<%= 7 %>")))
        req.write(" " + req.content_type)
    return apache.OK
`

func pspSite(t *testing.T) *site {
	return startSite(t, pspConf, map[string]string{
		"htdocs/psp/syntax.psp":        pspSyntaxPage,
		"htdocs/psp/hello.psp":         "<html><%= req.uri %></html>",
		"htdocs/psp/form.psp":          `name=<%= form.getfirst("name") %> all=<%= ",".join(form.getlist("c")) %>`,
		"htdocs/psp/count.psp":         "<%\nsession['n'] = session.get('n', 0) + 1\n%>n=<%= session['n'] %> new=<%= session.is_new() %>",
		"htdocs/psp/incomp.psp":        "<%\nnames = [session.id() for _ in range(1)]\n%><%= len(names[0]) %>",
		"htdocs/psp/main.psp":          `[<%@ include file="inc/head.psp" %>]<% y = 2 %>(<%= y %>)`,
		"htdocs/psp/inc/head.psp":      `head <%= 1 + 1 %> <%@ include file="inc/deeper.psp" %>`,
		"htdocs/psp/inc/deeper.psp":    `deep`,
		"htdocs/psp/loop.psp":          `<%@ include file="loop.psp" %>`,
		"htdocs/psp/badinclude.psp":    `<%@ include file="absent.psp" %>`,
		"htdocs/psp/fail.psp":          "<%\npsp.set_error_page('oops.psp')\n%>before <%= 1/0 %>",
		"htdocs/psp/oops.psp":          "caught <%= exception[0].__name__ %>: <%= exception[1] %>",
		"htdocs/psp/failroot.psp":      "<%\npsp.set_error_page('/psp/oops.psp')\nraise KeyError('k')\n%>",
		"htdocs/psp/raise.psp":         "<%\nraise RuntimeError('page raised')\n%>",
		"htdocs/psp/redirect.psp":      "<%\npsp.set_error_page('oops.psp')\npsp.redirect('/elsewhere')\n%>",
		"htdocs/psp/syntaxerr.psp":     "line one\n<%\nif True\n%>\n",
		"htdocs/psp/edit.psp":          "version one",
		"htdocs/psp/edithead.psp":      `<%@ include file="part.psp" %>!`,
		"htdocs/psp/part.psp":          "part one",
		"htdocs/psp/view.psp":          "<b><%= 1 %></b>",
		"htdocs/psp/crlf.psp":          "a\r\nb\r<% x = 1 %>c",
		"htdocs/nodebug/view.psp":      "<b><%= 1 %></b>",
		"htdocs/nodebug/syntaxerr.psp": "<%\nif True\n%>\n",
		"htdocs/tmpl/tmpl.py":          pspTmplHandler,
		"htdocs/tmpl/page.tmpl":        "<%= who %> <%= n %>",
		"htdocs/tmpl/file":             "",
		"htdocs/tmpl/string":           "",
		"htdocs/tmpl/both":             "",
		"htdocs/tmpl/missing":          "",
		"htdocs/tmpl/parse":            "",
		"htdocs/tmpl/str":              "",
	})
}

func TestPSPSyntax(t *testing.T) {
	s := pspSite(t)
	st, h, body := s.do("GET", "/psp/syntax.psp", "")
	if st != 200 || body != pspSyntaxWant {
		t.Fatalf("syntax.psp: %d\n%s\nwant:\n%s\nerror log:\n%s", st, body, pspSyntaxWant, s.errorLog())
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q", ct)
	}
	if h.Get("Set-Cookie") != "" {
		t.Errorf("a page that does not name session set a cookie: %q", h.Get("Set-Cookie"))
	}
	if got := s.mustGet("/psp/hello.psp"); got != "<html>/psp/hello.psp</html>" {
		t.Errorf("hello.psp: %q", got)
	}
	// CRLF in text becomes LF, as 3.5's lexer writes it; a lone CR stays.
	if got := s.mustGet("/psp/crlf.psp"); got != "a\nb\rc" {
		t.Errorf("crlf.psp: %q", got)
	}
	if st, _ := s.get("/psp/absent.psp"); st != 404 {
		t.Errorf("absent page: %d", st)
	}
}

func TestPSPInclude(t *testing.T) {
	s := pspSite(t)
	// Includes are relative to the requested page's directory, nested
	// ones too (as 3.5: not to the including file's).
	if got := s.mustGet("/psp/main.psp"); got != "[head 2 deep](2)" {
		t.Errorf("main.psp: %q", got)
	}
	st, body := s.get("/psp/loop.psp")
	if st != 500 || !strings.Contains(body, "includes nest deeper than") {
		t.Errorf("loop.psp: %d %q", st, body)
	}
	st, _ = s.get("/psp/badinclude.psp")
	if st != 500 {
		t.Errorf("badinclude.psp: %d", st)
	}
	contains(t, "error log", s.waitLog("absent.psp"), "FileNotFoundError")
}

// An edited page, or an edited included file, is compiled afresh.
func TestPSPRecompile(t *testing.T) {
	s := pspSite(t)
	if got := s.mustGet("/psp/edit.psp"); got != "version one" {
		t.Fatalf("edit.psp: %q", got)
	}
	if got := s.mustGet("/psp/edithead.psp"); got != "part one!" {
		t.Fatalf("edithead.psp: %q", got)
	}
	rewrite := func(name, content string) {
		p := filepath.Join(s.Dir, "htdocs/psp", name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		// A different size already tells; a later mtime as well.
		later := time.Now().Add(2 * time.Second)
		os.Chtimes(p, later, later)
	}
	rewrite("edit.psp", "version <%= 1 + 1 %>, edited")
	rewrite("part.psp", "part two, edited")
	if got := s.mustGet("/psp/edit.psp"); got != "version 2, edited" {
		t.Errorf("edit.psp after the edit: %q", got)
	}
	if got := s.mustGet("/psp/edithead.psp"); got != "part two, edited!" {
		t.Errorf("edithead.psp after its include changed: %q", got)
	}
}

func TestPSPFormAndSession(t *testing.T) {
	s := pspSite(t)
	if got := s.mustGet("/psp/form.psp?name=Ada&c=1&c=2&c="); got != "name=Ada all=1,2," {
		t.Errorf("form.psp GET: %q", got)
	}
	st, _, body := s.do("POST", "/psp/form.psp", "name=Bob&c=x", "Content-Type", "application/x-www-form-urlencoded")
	if st != 200 || body != "name=Bob all=x" {
		t.Errorf("form.psp POST: %d %q", st, body)
	}

	st, h, body := s.do("GET", "/psp/count.psp", "")
	if st != 200 || body != "n=1 new=True" {
		t.Fatalf("count.psp: %d %q\n%s", st, body, s.errorLog())
	}
	cookie := h.Get("Set-Cookie")
	if !strings.HasPrefix(cookie, "pysid=") {
		t.Fatalf("count.psp: Set-Cookie %q", cookie)
	}
	cookie = strings.SplitN(cookie, ";", 2)[0]
	for want := 2; want <= 3; want++ {
		_, _, body = s.do("GET", "/psp/count.psp", "", "Cookie", cookie)
		if body != fmt.Sprintf("n=%d new=False", want) {
			t.Errorf("count.psp visit %d: %q", want, body)
		}
	}
	// `session` named only inside a comprehension still gets a session.
	if got := s.mustGet("/psp/incomp.psp"); got != "32" {
		t.Errorf("incomp.psp: %q", got)
	}
}

func TestPSPErrors(t *testing.T) {
	s := pspSite(t)
	// set_error_page: the error page runs with exception = sys.exc_info().
	st, body := s.get("/psp/fail.psp")
	if st != 200 || body != "before caught ZeroDivisionError: division by zero" {
		t.Errorf("fail.psp: %d %q", st, body)
	}
	st, body = s.get("/psp/failroot.psp")
	if st != 200 || body != "caught KeyError: 'k'" {
		t.Errorf("failroot.psp: %d %q", st, body)
	}
	// psp.redirect is not an error: the error page does not run.
	st, h, body := s.do("GET", "/psp/redirect.psp", "")
	if st != 302 || h.Get("Location") != "/elsewhere" || strings.Contains(body, "caught") {
		t.Errorf("redirect.psp: %d %q %q", st, h.Get("Location"), body)
	}
	// No error page: 500, the traceback in the log (and, with
	// PythonDebug, in the answer).
	st, body = s.get("/psp/raise.psp")
	if st != 500 || !strings.Contains(body, "page raised") {
		t.Errorf("raise.psp: %d %q", st, body)
	}
	contains(t, "error log", s.waitLog("page raised"), "RuntimeError: page raised")

	// A syntax error in the page: 500; the log names the page and line.
	st, body = s.get("/psp/syntaxerr.psp")
	if st != 500 || !strings.Contains(body, "SyntaxError") {
		t.Errorf("syntaxerr.psp: %d %q", st, body)
	}
	log := s.waitLog("syntaxerr.psp")
	contains(t, "error log", log, `htdocs/psp/syntaxerr.psp", line 3`)
	contains(t, "error log", log, "SyntaxError")
	st, body = s.get("/nodebug/syntaxerr.psp")
	if st != 500 || strings.Contains(body, "SyntaxError") {
		t.Errorf("nodebug/syntaxerr.psp: %d %q", st, body)
	}
}

// With PythonDebug On, page.psp_ shows page.psp beside its Python.
func TestPSPSourceView(t *testing.T) {
	s := pspSite(t)
	st, h, body := s.do("GET", "/psp/view.psp_", "")
	if st != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("view.psp_: %d %q %q", st, h.Get("Content-Type"), body)
	}
	contains(t, "view.psp_", body, "PSP-produced Python Code:")
	contains(t, "view.psp_", body, "&lt;b&gt;&lt;%=&nbsp;1&nbsp;%&gt;&lt;/b&gt;")
	contains(t, "view.psp_", body, "req.write(str(&nbsp;1&nbsp;),0)")
	if st, _ := s.get("/psp/absent.psp_"); st != 404 {
		t.Errorf("absent.psp_: %d", st)
	}
	// Without PythonDebug there is no source view.
	if st, body := s.get("/nodebug/view.psp_"); st != 404 || strings.Contains(body, "PSP-produced") {
		t.Errorf("nodebug/view.psp_: %d %q", st, body)
	}
	if got := s.mustGet("/nodebug/view.psp"); got != "<b>1</b>" {
		t.Errorf("nodebug/view.psp: %q", got)
	}
}

// psp.PSP as a template from a handler (the dbm cache is on here).
func TestPSPTemplate(t *testing.T) {
	s := pspSite(t)
	for i := 0; i < 2; i++ { // the second run comes from the caches
		if got := s.mustGet("/tmpl/file"); got != "init 2" {
			t.Errorf("file (run %d): %q", i, got)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(s.Dir, "data", "pspcache*")); len(m) == 0 {
		t.Errorf("no dbm cache file under %s/data", s.Dir)
	}
	if got := s.mustGet("/tmpl/string"); got != "1+23+4" {
		t.Errorf("string: %q", got)
	}
	contains(t, "both", s.mustGet("/tmpl/both"), "ValueError: Must specify either filename or string")
	if got := s.mustGet("/tmpl/missing"); got != "ValueError" {
		t.Errorf("missing: %q", got)
	}
	contains(t, "parse", s.mustGet("/tmpl/parse"), `req.write("""a""",0); req.write(str( 1 ),0); req.write("""""",0)`)
	if got := s.mustGet("/tmpl/str"); got != "7 text/html" {
		t.Errorf("str: %q", got)
	}
}
