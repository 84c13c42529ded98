package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mod_include: the INCLUDES filter and its elements, end to end.

const includeConf = `
AddType text/html .shtml
<Directory {{DIR}}/htdocs>
    Options +Includes
    AddOutputFilter INCLUDES .shtml
</Directory>
<Directory {{DIR}}/htdocs/noexec>
    Options -Includes +IncludesNOEXEC
</Directory>
<Directory {{DIR}}/htdocs/plain>
    Options -Includes
</Directory>
<Directory {{DIR}}/htdocs/secret>
    Require all denied
</Directory>
<Directory {{DIR}}/htdocs/py>
    SetHandler mod_python
    PythonHandler page
</Directory>
<Directory {{DIR}}/htdocs/pyssi>
    PythonFixupHandler fix
</Directory>
`

func TestIncludeElements(t *testing.T) {
	s := startSite(t, includeConf, map[string]string{
		"htdocs/part.html":          "PART",
		"htdocs/sub/part.html":      "SUBPART",
		"htdocs/secret/x.html":      "SECRET",
		"htdocs/four.txt":           "1234",
		"htdocs/echo.shtml":         `[<!--#echo var="DOCUMENT_NAME" -->][<!--#echo var="DOCUMENT_URI" -->][<!--#echo var="QUERY_STRING_UNESCAPED" -->][<!--#echo var="nosuch" -->][<!--#echo var="HTTP_X_T" -->][<!--#echo encoding="none" var="HTTP_X_T" -->][<!--#echo encoding="url" var="HTTP_X_T" -->]`,
		"htdocs/set.shtml":          `<!--#set var="a" value="one" --><!--#set var="b" value="${a}-two" -->[<!--#echo var="b" -->][<!--#echo var="a" -->]`,
		"htdocs/if.shtml":           `<!--#set var="x" value="abc" --><!--#if expr="$x = abc" -->eq<!--#endif --><!--#if expr="$x != abc" -->BAD<!--#else -->ne<!--#endif --><!--#if expr="$x = /^a(b)c$/" -->re<!--#echo var="1" --><!--#endif --><!--#if expr="($x = zz) || ($x < abd && !($x > abd))" -->or<!--#endif --><!--#if expr="$nosuch" -->BAD<!--#elif expr="$x" -->elif<!--#else -->BAD<!--#endif --><!--#if expr="$x = no" --><!--#if expr="$x" -->BAD<!--#endif -->BAD<!--#else -->nested<!--#endif -->`,
		"htdocs/printenv.shtml":     `<!--#set var="zz" value="<v>" --><!--#printenv -->`,
		"htdocs/config.shtml":       `<!--#config errmsg="[oops]" --><!--#nosuch --><!--#config timefmt="%Y" --><!--#echo var="DATE_GMT" --> <!--#fsize file="four.txt" --> <!--#config sizefmt="bytes" --><!--#fsize virtual="/four.txt" --> <!--#flastmod file="four.txt" --> <!--#config echomsg="unset" --><!--#echo var="nosuch" -->`,
		"htdocs/include.shtml":      `a<!--#include virtual="/part.html" -->b<!--#include file="sub/part.html" -->c<!--#include virtual="/nosuch.html" -->d<!--#include file="../x" -->e<!--#include virtual="/nosuch" onerror="/part.html" -->f`,
		"htdocs/secret.shtml":       `a<!--#include virtual="/secret/x.html" -->b<!--#if expr="-A /secret/x.html" -->BAD<!--#else -->denied<!--#endif --><!--#fsize virtual="/secret/x.html" -->`,
		"htdocs/nest.shtml":         `<!--#set var="outer" value="O" -->[<!--#include virtual="/nest2.shtml" -->][<!--#echo var="inner" -->]`,
		"htdocs/nest2.shtml":        `<!--#echo var="outer" --><!--#set var="inner" value="I" -->`,
		"htdocs/loop.shtml":         `L<!--#include virtual="/loop.shtml" -->`,
		"htdocs/exec.shtml":         `a<!--#exec cmd="echo hi" -->b<!--#exec cgi="/x.cgi" -->c`,
		"htdocs/noexec/py.shtml":    `a<!--#python eval="1+1" -->b`,
		"htdocs/plain/page.shtml":   `a<!--#echo var="DOCUMENT_URI" -->b`,
		"htdocs/unterminated.shtml": `before<!--#echo var="DOCUMENT_URI" `,
		"htdocs/partial.shtml":      `text <!--`,
		"htdocs/py/page.py": `from mod_python import apache
def handler(req):
    req.content_type = "text/html"
    req.add_output_filter("INCLUDES")
    req.write("py<!--#echo var=\"DOCUMENT_URI\" -->")
    req.write("<!--#include virtual=\"/part.html\" -->")
    req.write("<!--#python eval=\"6*7\" -->")
    return apache.OK
`,
		"htdocs/pyinc.shtml": `<!--#include virtual="/py/x" -->`,
		"htdocs/pyssi/fix.py": `from mod_python import apache
def fixuphandler(req):
    req.ssi_globals = {"data": "test"}
    return apache.OK
`,
		"htdocs/pyssi/ssi.shtml": "<!--#python exec=\"\nfilter.write(data[:1])\nfilter.write(data[1:])\n\"--> <!--#python eval=\"'ok'\" --> <!--#python eval=\"filter.req.uri\" --><!--#python eval=\"1/0\" -->",
	})
	for _, tt := range []struct{ path, want string }{
		{"/echo.shtml?a%20b&c", `[echo.shtml][/echo.shtml][a b\&amp;c][(none)][&lt;x&gt;][<x>][%3cx%3e]`},
		{"/set.shtml", "[one-two][one]"},
		{"/if.shtml", "eqnereborelifnested"},
		{"/config.shtml", "[oops]" + time.Now().UTC().Format("2006") + "   4  4 " + time.Now().Format("2006") + " unset"},
		{"/include.shtml", "aPARTbSUBPARTc[an error occurred while processing this directive]d[an error occurred while processing this directive]ePARTf"},
		{"/secret.shtml", "a[an error occurred while processing this directive]bdenied[an error occurred while processing this directive]"},
		{"/nest.shtml", "[O][I]"},
		{"/exec.shtml", "a[an error occurred while processing this directive]b[an error occurred while processing this directive]c"},
		{"/noexec/py.shtml", "a[an error occurred while processing this directive]b"},
		{"/plain/page.shtml", `a<!--#echo var="DOCUMENT_URI" -->b`},
		{"/unterminated.shtml", "before[an error occurred while processing this directive]"},
		{"/partial.shtml", "text <!--"},
		{"/py/x", "py/py/xPART42"},
		// A Python handler's page included by a parsed page: its own
		// INCLUDES filter shares the outer page's variables.
		{"/pyinc.shtml", "py/pyinc.shtmlPART42"},
		{"/pyssi/ssi.shtml", "test ok /pyssi/ssi.shtml[an error occurred while processing this directive]"},
	} {
		st, body := s.get(tt.path, "X-T", "<x>")
		if st != 200 || body != tt.want {
			t.Errorf("GET %s: %d %q\nwant %q", tt.path, st, body, tt.want)
		}
	}
	_, h, body := s.do("GET", "/printenv.shtml", "")
	for _, want := range []string{"zz=&lt;v&gt;\n", "DOCUMENT_URI=/printenv.shtml\n", "SERVER_SOFTWARE=modpy/", "DATE_LOCAL="} {
		if !strings.Contains(body, want) {
			t.Errorf("printenv lacks %q:\n%s", want, body)
		}
	}
	if h.Get("Content-Type") != "text/html" || h.Get("ETag") != "" || h.Get("Last-Modified") != "" {
		t.Errorf("parsed page's headers: %v", h)
	}
	// The recursion limit: ten nested subrequests, then an error.
	if body := s.mustGet("/loop.shtml"); strings.Count(body, "L") != 11 || !strings.HasSuffix(body, "[an error occurred while processing this directive]") {
		t.Errorf("include loop: %q", body)
	}
	log := s.errorLog()
	for _, want := range []string{
		"AH01228: exec used but not allowed in " + filepath.Join(s.Dir, "htdocs/exec.shtml"),
		"#python used but not allowed in " + filepath.Join(s.Dir, "htdocs/noexec/py.shtml"),
		"AH01374: mod_include: Options +Includes (or IncludesNoExec) wasn't set, INCLUDES filter removed: /plain/page.shtml",
		"AH01372: SSI directive was not properly finished at the end of parsed document",
		"AH00125: Request exceeded the limit of 10 subrequest nesting levels",
		`unable to include "/secret/x.html" in parsed file ` + filepath.Join(s.Dir, "htdocs/secret.shtml") + ", subrequest setup returned 403",
		`unable to include "/nosuch.html" in parsed file ` + filepath.Join(s.Dir, "htdocs/include.shtml") + ", subrequest returned 404",
		"ZeroDivisionError",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("error log lacks %q", want)
		}
	}
}

// An unterminated element neither makes the filter hold the rest of a
// large page without bound nor takes time out of proportion to its size:
// past ssi.MaxTag the element is dropped and the page goes on as text.
func TestIncludeUnterminatedTag(t *testing.T) {
	big := strings.Repeat("x", 3<<20)
	s := startSite(t, includeConf, map[string]string{
		"htdocs/open.shtml":  "a<!--#echo var=\"" + big + "END",
		"htdocs/open2.shtml": "a<!--#echo " + big + "END",
	})
	for _, p := range []string{"/open.shtml", "/open2.shtml"} {
		body := s.mustGet(p)
		if !strings.HasPrefix(body, "a[an error occurred while processing this directive]") || !strings.HasSuffix(body, "END") ||
			len(body) < 2<<20 {
			t.Errorf("%s: %d bytes, starts %q, ends %q", p, len(body), body[:min(80, len(body))], body[max(0, len(body)-20):])
		}
	}
	contains(t, "error log", s.errorLog(), "SSI directive longer than")
}

// A site's own INCLUDES setups as Apache's documentation gives them.
func TestIncludeSetups(t *testing.T) {
	s := startSite(t, `
<Directory {{DIR}}/htdocs/set>
    Options Includes
    SetOutputFilter INCLUDES
</Directory>
<Directory {{DIR}}/htdocs/handler>
    Options IncludesNOEXEC
    AddHandler server-parsed .shtml
</Directory>
<Directory {{DIR}}/htdocs/xbit>
    Options Includes
    XBitHack on
</Directory>
`, map[string]string{
		"htdocs/set/a.txt":        `<!--#echo var="DOCUMENT_NAME" -->`,
		"htdocs/handler/a.shtml":  `<!--#echo var="DOCUMENT_NAME" -->`,
		"htdocs/xbit/exec.html":   `<!--#echo var="DOCUMENT_NAME" -->`,
		"htdocs/xbit/noexec.html": `<!--#echo var="DOCUMENT_NAME" -->`,
	})
	if err := os.Chmod(filepath.Join(s.Dir, "htdocs/xbit/exec.html"), 0o744); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, want, ctype string }{
		{"/set/a.txt", "a.txt", "text/plain"},
		{"/handler/a.shtml", "a.shtml", "text/html"},
		{"/xbit/exec.html", "exec.html", "text/html"},
		{"/xbit/noexec.html", `<!--#echo var="DOCUMENT_NAME" -->`, "text/html"},
	} {
		st, h, body := s.do("GET", tt.path, "")
		if st != 200 || body != tt.want || !strings.HasPrefix(h.Get("Content-Type"), tt.ctype) {
			t.Errorf("GET %s: %d %q %q, want %q %s", tt.path, st, body, h.Get("Content-Type"), tt.want, tt.ctype)
		}
	}
}

func TestIncludeConfigErrors(t *testing.T) {
	for _, tt := range []struct{ conf, want string }{
		{"XBitHack maybe\n", "site.conf:1: XBitHack: XBitHack must be set to Off, On, or Full"},
		{"SSIStartTag \"<! #\"\n", "site.conf:1: SSIStartTag: SSIStartTag may not be empty or contain any whitespace"},
		{"<Directory /x>\nSSIEndTag -->\n</Directory>\n", "site.conf:2: SSIEndTag: not allowed"},
		{"SSIETag maybe\n", "site.conf:1: SSIETag: must be On or Off"},
	} {
		wantConfigError(t, tt.conf, tt.want)
	}
	_ = fmt.Sprint
}
