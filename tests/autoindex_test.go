package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// mod_autoindex: the listing of a directory without a DirectoryIndex
// under Options Indexes, in Apache's look (the expected pages are Apache
// 2.4.71's for the same files and configuration, byte for byte), its
// sorting, IndexIgnore, entries left out because they would not be
// served, symbolic links, and the 403 without Indexes. And ServerSignature
// in listings, error pages and the CGI environment.

const autoindexConf = `IndexOptions FancyIndexing HTMLTable VersionSort NameWidth=* DescriptionWidth=* Charset=UTF-8
AddIconByType (TXT,/icons/text.gif) text/*
AddIcon /icons/binary.gif .bin
AddIcon /icons/back.gif ..
AddIcon /icons/folder.gif ^^DIRECTORY^^
AddIcon /icons/blank.gif ^^BLANKICON^^
DefaultIcon /icons/unknown.gif
AddDescription "The <b>A</b> file" a.txt
ReadmeName README.html
HeaderName HEADER.html
IndexIgnore .??* *~ *# RCS CVS *,v *,t
<Directory {{DIR}}/htdocs>
    Options Indexes FollowSymLinks
</Directory>
<Files ".ht*">
    Require all denied
</Files>
<Files "secret*">
    Require all denied
</Files>
<Directory {{DIR}}/htdocs/sub/locked>
    Require all denied
</Directory>
<Directory {{DIR}}/htdocs/sub>
    PythonPath "['{{DIR}}/py'] + sys.path"
    PythonAccessHandler deny
    <Files "private*">
        PythonAccessHandler deny::denyall
    </Files>
</Directory>
<Directory {{DIR}}/htdocs/plain>
    IndexOptions -FancyIndexing -HTMLTable
</Directory>
<Directory {{DIR}}/htdocs/noindex>
    Options -Indexes
</Directory>
<Directory {{DIR}}/htdocs/reset>
    IndexIgnoreReset On
    IndexIgnore *.bin
</Directory>
<Directory {{DIR}}/htdocs/more>
    IndexIgnore *.log
</Directory>
<Directory {{DIR}}/htdocs/client>
    IndexOptions +IgnoreClient
    IndexOrderDefault Descending Size
</Directory>
<Directory {{DIR}}/htdocs/nolinks>
    Options Indexes
</Directory>
<Directory {{DIR}}/htdocs/text>
    IndexOptions -HTMLTable
    HeaderName HEADER.txt
    ReadmeName README.txt
</Directory>
<Directory {{DIR}}/htdocs/sig>
    IndexOptions None
    ServerSignature On
</Directory>
`

// denyPy refuses, in the access phase, files whose name holds "quiet"
// (accesshandler) or every file (denyall).
const denyPy = `from mod_python import apache
def accesshandler(req):
    if req.filename and "quiet" in req.filename:
        return apache.HTTP_FORBIDDEN
    return apache.OK
def denyall(req):
    return apache.HTTP_FORBIDDEN
`

// Apache's listing of htdocs/sub: the header and readme files run as
// subrequests (so no "Index of" heading, no signature), hostile names
// escaped in the link and the text, the description as HTML, sizes and
// dates in Apache's formats, a directory with its slash, version sort
// (file9 before file10); .hidden and b~ (IndexIgnore), secret.txt and
// .htsecret (<Files> Require all denied), locked/ (<Directory> denied)
// and private.py.txt (a PythonAccessHandler of its own <Files>) left
// out. quiet.txt is listed: its configuration is the directory's, so
// Apache's subrequest skips the access check the listing passed.
const wantSubListing = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">
<html>
 <head>
  <title>Index of /sub</title>
 </head>
 <body>
<p>head</p>
  <table>
   <tr><th valign="top"><img src="/icons/blank.gif" alt="[ICO]"></th><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th><th><a href="?C=S;O=A">Size</a></th><th><a href="?C=D;O=A">Description</a></th></tr>
   <tr><th colspan="5"><hr></th></tr>
<tr><td valign="top"><img src="/icons/back.gif" alt="[PARENTDIR]"></td><td><a href="/">Parent Directory</a></td><td>&nbsp;</td><td align="right">  - </td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/text.gif" alt="[TXT]"></td><td><a href="%22q'.txt">&quot;q'.txt</a></td><td align="right">2026-12-02 05:40  </td><td align="right">  2 </td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/text.gif" alt="[TXT]"></td><td><a href="%3cscript%3e.html">&lt;script&gt;.html</a></td><td align="right">2026-12-02 05:40  </td><td align="right">  2 </td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/text.gif" alt="[TXT]"></td><td><a href="HEADER.html">HEADER.html</a></td><td align="right">2026-12-02 05:40  </td><td align="right"> 12 </td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/text.gif" alt="[TXT]"></td><td><a href="README.html">README.html</a></td><td align="right">2026-12-02 05:40  </td><td align="right"> 15 </td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/unknown.gif" alt="[   ]"></td><td><a href="a&amp;b%20c">a&amp;b c</a></td><td align="right">2026-12-02 05:40  </td><td align="right">  2 </td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/text.gif" alt="[TXT]"></td><td><a href="a.txt">a.txt</a></td><td align="right">2026-12-02 05:40  </td><td align="right">  6 </td><td>The <b>A</b> file</td></tr>
<tr><td valign="top"><img src="/icons/binary.gif" alt="[   ]"></td><td><a href="big.bin">big.bin</a></td><td align="right">2026-12-02 05:40  </td><td align="right">1.2K</td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/folder.gif" alt="[DIR]"></td><td><a href="d%20one/">d one/</a></td><td align="right">2026-12-02 05:40  </td><td align="right">  - </td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/text.gif" alt="[TXT]"></td><td><a href="file9.txt">file9.txt</a></td><td align="right">2026-12-02 05:40  </td><td align="right">  2 </td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/text.gif" alt="[TXT]"></td><td><a href="file10.txt">file10.txt</a></td><td align="right">2026-12-02 05:40  </td><td align="right">  2 </td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/text.gif" alt="[TXT]"></td><td><a href="quiet.txt">quiet.txt</a></td><td align="right">2026-12-02 05:40  </td><td align="right">  2 </td><td>&nbsp;</td></tr>
   <tr><th colspan="5"><hr></th></tr>
</table>
<p>read me</p>
</body></html>
`

// Apache's plain listing (no FancyIndexing).
const wantPlainListing = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">
<html>
 <head>
  <title>Index of /plain</title>
 </head>
 <body>
<h1>Index of /plain</h1>
<ul><li><a href="/"> Parent Directory</a></li>
<li><a href="one.txt"> one.txt</a></li>
<li><a href="two/"> two/</a></li>
</ul>
</body></html>
`

// Apache's preformatted listing (FancyIndexing without HTMLTable), with
// a text header and readme (escaped, in <pre>).
const wantTextListing = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">
<html>
 <head>
  <title>Index of /text</title>
 </head>
 <body>
<pre>
top &lt;i&gt;
</pre>
<pre><img src="/icons/blank.gif" alt="Icon "> <a href="?C=N;O=D">Name</a>                    <a href="?C=M;O=A">Last modified</a>      <a href="?C=S;O=A">Size</a>  <a href="?C=D;O=A">Description</a><hr><img src="/icons/back.gif" alt="[PARENTDIR]"> <a href="/">Parent Directory</a>                             -   
<img src="/icons/text.gif" alt="[TXT]"> <a href="HEADER.html.txt">HEADER.html.txt</a>         2026-12-02 05:40   21   
<img src="/icons/text.gif" alt="[TXT]"> <a href="HEADER.txt">HEADER.txt</a>              2026-12-02 05:40    8   
<img src="/icons/text.gif" alt="[TXT]"> <a href="README.txt">README.txt</a>              2026-12-02 05:40    9   
<img src="/icons/text.gif" alt="[TXT]"> <a href="t.txt">t.txt</a>                   2026-12-02 05:40    2   
<hr></pre>
<pre>
bottom &amp;
</pre>
</body></html>
`

func startAutoindexSite(t *testing.T) *site {
	t.Helper()
	files := map[string]string{
		"py/deny.py":                  denyPy,
		"htdocs/sub/a.txt":            "hello\n",
		"htdocs/sub/big.bin":          strings.Repeat("\x00", 1234),
		"htdocs/sub/<script>.html":    "x\n",
		"htdocs/sub/a&b c":            "y\n",
		"htdocs/sub/\"q'.txt":         "q\n",
		"htdocs/sub/file10.txt":       "z\n",
		"htdocs/sub/file9.txt":        "z\n",
		"htdocs/sub/.hidden":          "h\n",
		"htdocs/sub/b~":               "b\n",
		"htdocs/sub/secret.txt":       "s\n",
		"htdocs/sub/.htsecret":        "s\n",
		"htdocs/sub/locked/x":         "l\n",
		"htdocs/sub/private.py.txt":   "p\n",
		"htdocs/sub/quiet.txt":        "q\n",
		"htdocs/sub/README.html":      "<p>read me</p>\n",
		"htdocs/sub/HEADER.html":      "<p>head</p>\n",
		"htdocs/sub/d one/f":          "",
		"htdocs/plain/one.txt":        "p\n",
		"htdocs/plain/two/f":          "",
		"htdocs/noindex/f.txt":        "n\n",
		"htdocs/reset/.hidden":        "h\n",
		"htdocs/reset/.htsecret":      "s\n",
		"htdocs/reset/x.bin":          "b\n",
		"htdocs/reset/t.txt":          "t\n",
		"htdocs/more/.hidden":         "h\n",
		"htdocs/more/x.log":           "l\n",
		"htdocs/more/t.txt":           "t\n",
		"htdocs/client/small":         strings.Repeat("s", 10),
		"htdocs/client/large":         strings.Repeat("l", 3000),
		"htdocs/client/medium":        strings.Repeat("m", 100),
		"htdocs/nolinks/real.txt":     "r\n",
		"htdocs/text/HEADER.html.txt": "text & <b>header</b>\n",
		"htdocs/text/HEADER.txt":      "top <i>\n",
		"htdocs/text/README.txt":      "bottom &\n",
		"htdocs/text/t.txt":           "t\n",
		"htdocs/sig/s.txt":            "s\n",
	}
	s := startSite(t, autoindexConf, files)
	// (The listings read the file system per request.)
	htdocs := filepath.Join(s.Dir, "htdocs")
	os.Remove(filepath.Join(htdocs, "sub/d one/f"))
	os.Remove(filepath.Join(htdocs, "plain/two/f"))
	link(t, "../sub/a.txt", htdocs, "nolinks/file-link.txt")
	link(t, "../plain", htdocs, "nolinks/dir-link")
	link(t, "nowhere", htdocs, "nolinks/dangling")
	link(t, "t.txt", htdocs, "more/link.txt")
	// Every date in the listings: 2026-12-02 05:40 local time.
	when := time.Date(2026, 12, 2, 5, 40, 0, 0, time.Local)
	filepath.Walk(htdocs, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode()&os.ModeSymlink == 0 {
			os.Chtimes(p, when, when)
		}
		return nil
	})
	return s
}

// rows are the names a listing links to, in order.
func rows(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<td><a href="([^"]*)">`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestAutoindex(t *testing.T) {
	s := startAutoindexSite(t)

	t.Run("Fancy", func(t *testing.T) {
		st, h, body := s.do("GET", "/sub/", "")
		if st != 200 || h.Get("Content-Type") != "text/html;charset=UTF-8" {
			t.Errorf("GET /sub/: %d %q", st, h.Get("Content-Type"))
		}
		if body != wantSubListing {
			t.Errorf("GET /sub/:\n%s\nwant Apache's:\n%s", body, wantSubListing)
		}
		// What the listing left out is not served either.
		for _, p := range []string{"/sub/secret.txt", "/sub/.htsecret", "/sub/locked/", "/sub/private.py.txt", "/sub/quiet.txt"} {
			if st, _, _ := s.do("GET", p, ""); st != 403 {
				t.Errorf("GET %s: %d, want 403", p, st)
			}
		}
	})

	t.Run("Plain", func(t *testing.T) {
		if _, body := s.get("/plain/"); body != wantPlainListing {
			t.Errorf("GET /plain/:\n%s\nwant Apache's:\n%s", body, wantPlainListing)
		}
		if _, body := s.get("/text/"); body != wantTextListing {
			t.Errorf("GET /text/:\n%s\nwant Apache's:\n%s", body, wantTextListing)
		}
	})

	t.Run("HostileNames", func(t *testing.T) {
		for _, q := range []string{"", "?F=1", "?F=0"} {
			_, body := s.get("/sub/" + q)
			for _, bad := range []string{"<script>", `href="a&b`, `"q'.txt"`, `href="a&amp;b c"`} {
				if strings.Contains(body, bad) {
					t.Errorf("GET /sub/%s: the page holds %q unescaped:\n%s", q, bad, body)
				}
			}
			contains(t, "escaped link", body, `<a href="%3cscript%3e.html">`)
		}
		// P= is escaped back into the column links.
		_, body := s.get("/sub/?P=%3Cs*")
		contains(t, "P= pattern", body, `<a href="?C=N;O=D;P=%3cs*">Name</a>`)
		if r := rows(body); len(r) != 2 || r[1] != "%3cscript%3e.html" {
			t.Errorf("?P=<s*: rows %q, want the parent and <script>.html", r)
		}
	})

	t.Run("Sort", func(t *testing.T) {
		_, body := s.get("/sub/?C=S;O=D")
		// (Equal sizes by name, descending too; a directory has none.)
		want := []string{"/", "big.bin", "README.html", "HEADER.html", "a.txt", "quiet.txt", "file10.txt", "file9.txt",
			"a&amp;b%20c", "%3cscript%3e.html", "%22q'.txt", "d%20one/"}
		if got := rows(body); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("?C=S;O=D: %q\nwant %q", got, want)
		}
		// The column being sorted on links to the other direction.
		contains(t, "?C=S;O=D", body, `<a href="?C=N;O=A">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th><th><a href="?C=S;O=A">Size</a>`)
		_, body = s.get("/sub/?C=N;O=D")
		want = []string{"/", "quiet.txt", "file10.txt", "file9.txt", "d%20one/", "big.bin", "a.txt", "a&amp;b%20c",
			"README.html", "HEADER.html", "%3cscript%3e.html", "%22q'.txt"}
		if got := rows(body); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("?C=N;O=D: %q\nwant %q", got, want)
		}
		_, body = s.get("/sub/?C=D;O=A")
		if got := rows(body); got[len(got)-1] != "a.txt" {
			t.Errorf("?C=D;O=A: %q, want a.txt (the one description) last", got)
		}
		// IgnoreClient: the query changes nothing, IndexOrderDefault
		// (Descending Size) sorts, the headings are not links.
		for _, q := range []string{"", "?C=N;O=A"} {
			_, body = s.get("/client/" + q)
			if got := rows(body); strings.Join(got, " ") != "/ large medium small" {
				t.Errorf("/client/%s: %q, want / large medium small", q, got)
			}
			contains(t, "IgnoreClient", body, "<th>Name</th><th>Last modified</th><th>Size</th><th>Description</th>")
		}
	})

	t.Run("IndexIgnore", func(t *testing.T) {
		// IndexIgnoreReset: the inherited list goes (.hidden shows), .ht*
		// stays denied; *.bin is the section's own.
		if got := rows(s.mustGet("/reset/")); strings.Join(got, " ") != "/ .hidden t.txt" {
			t.Errorf("/reset/: %q, want / .hidden t.txt", got)
		}
		// Without the reset, IndexIgnore adds to the inherited list.
		if got := rows(s.mustGet("/more/")); strings.Join(got, " ") != "/ link.txt t.txt" {
			t.Errorf("/more/: %q, want / link.txt t.txt", got)
		}
	})

	t.Run("Symlinks", func(t *testing.T) {
		// Options Indexes without FollowSymLinks: neither link is listed
		// (Apache's subrequest refuses them, and logs why); a dangling
		// link never is.
		if got := rows(s.mustGet("/nolinks/")); strings.Join(got, " ") != "/ real.txt" {
			t.Errorf("/nolinks/: %q, want / real.txt", got)
		}
		s.waitLog("AH00037: Symbolic link not allowed or link target not accessible: " + filepath.Join(s.Dir, "htdocs/nolinks/dir-link"))
		s.waitLog("AH00032: Symbolic link not allowed or link target not accessible: " + filepath.Join(s.Dir, "htdocs/nolinks/file-link.txt"))
		// With FollowSymLinks a link is listed as its target.
		contains(t, "/more/", s.mustGet("/more/"), `<a href="link.txt">link.txt</a></td><td align="right">2026-12-02 05:40  </td><td align="right">  2 </td>`)
	})

	t.Run("NoIndexes", func(t *testing.T) {
		if st, _, _ := s.do("GET", "/noindex/", ""); st != 403 {
			t.Errorf("GET /noindex/: %d, want 403", st)
		}
		log := s.waitLog("AH01276")
		if !regexp.MustCompile(`\] \[autoindex:error\] \[pid \d+\] \[client 127\.0\.0\.1:\d+\] AH01276: Cannot serve directory ` +
			regexp.QuoteMeta(filepath.Join(s.Dir, "htdocs/noindex")+"/") +
			`: No matching DirectoryIndex \(index\.html\) found, and server-generated directory index forbidden by Options directive\n`).MatchString(log) {
			t.Errorf("error log has no AH01276 line as Apache's:\n%s", log)
		}
	})

	t.Run("Methods", func(t *testing.T) {
		st, h, body := s.do("HEAD", "/sub/", "")
		if st != 200 || h.Get("Content-Type") != "text/html;charset=UTF-8" || body != "" {
			t.Errorf("HEAD /sub/: %d %q %q", st, h.Get("Content-Type"), body)
		}
		// As Apache: only GET is listed; the default handler does not
		// serve a directory (404).
		if st, _, _ := s.do("POST", "/plain/", "x=1"); st != 404 {
			t.Errorf("POST /plain/: %d, want 404", st)
		}
		// Without the slash: mod_dir's redirect first.
		if st, h, _ := s.do("GET", "/plain", ""); st != 301 || !strings.HasSuffix(h.Get("Location"), "/plain/") {
			t.Errorf("GET /plain: %d %q", st, h.Get("Location"))
		}
	})

	t.Run("Signature", func(t *testing.T) {
		_, body := s.get("/sig/")
		if !regexp.MustCompile(`\n</ul>\n<address>modpy/\d+\.\d+\.\d+ \(Unix\) Python/3\.\d+\.\d+ Server at 127\.0\.0\.1 Port \d+</address>\n</body></html>\n$`).MatchString(body) {
			t.Errorf("ServerSignature On: the listing does not end with the signature:\n%s", body)
		}
	})
}

// sigPy shows SERVER_SIGNATURE as req.add_common_vars() sets it in
// subprocess_env.
const sigPy = `from mod_python import apache
def handler(req):
    req.content_type = "text/plain"
    before = req.subprocess_env.get("SERVER_SIGNATURE")
    req.add_common_vars()
    req.write("%s|%s" % (before, req.subprocess_env["SERVER_SIGNATURE"]))
    return apache.OK
`

const sigWSGI = `def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ["SERVER_SIGNATURE"].encode()]
`

// TestServerSignatureEnviron: ServerSignature On, EMail and Off (per
// directory) in the server's error pages, in SERVER_SIGNATURE as
// req.add_common_vars(), a WSGI environ and server-side includes see it
// (Apache's ap_psignature("", r): the line without the rule), and in a
// listing.
func TestServerSignatureEnviron(t *testing.T) {
	// (The handler module is the <Directory>'s, htdocs/env.py.)
	files := map[string]string{"htdocs/index.html": "x", "htdocs/env.py": sigPy, "app.wsgi": sigWSGI}
	for _, d := range []string{"on", "mail", "off"} {
		files["htdocs/"+d+"/env.py"] = sigPy
		files["htdocs/"+d+"/t.shtml"] = `<!--#echo encoding="none" var="SERVER_SIGNATURE" -->|`
		files["htdocs/"+d+"/list/f.txt"] = "f\n"
	}
	s := startSite(t, `ServerTokens Prod
ServerSignature On
ServerAdmin "o'web<master>@example.com"
<Directory {{DIR}}/htdocs>
    Options Indexes Includes
    AddHandler mod_python .py
    PythonHandler env
    AddType text/html .shtml
    AddOutputFilter INCLUDES .shtml
</Directory>
<Directory {{DIR}}/htdocs/mail>
    ServerSignature EMail
</Directory>
<Directory {{DIR}}/htdocs/off>
    ServerSignature Off
</Directory>
WSGIScriptAlias /wsgi {{DIR}}/app.wsgi
<Location /wsgi>
    ServerSignature EMail
</Location>
`, files)
	port := fmt.Sprint(s.Port)
	on := "<address>modpy Server at 127.0.0.1 Port " + port + "</address>\n"
	// (Escaped as Apache's ap_escape_html: <, >, & and ", not ').
	mail := `<address>modpy Server at <a href="mailto:o'web&lt;master&gt;@example.com">127.0.0.1</a> Port ` + port + "</address>\n"
	for _, c := range []struct{ dir, sig string }{{"on", on}, {"mail", mail}, {"off", ""}} {
		_, body := s.get("/" + c.dir + "/env.py")
		if want := "None|" + c.sig; body != want {
			t.Errorf("%s: add_common_vars SERVER_SIGNATURE: %s, want %s", c.dir, body, want)
		}
		if _, body := s.get("/" + c.dir + "/t.shtml"); body != c.sig+"|" {
			t.Errorf("%s: SSI SERVER_SIGNATURE %q, want %q", c.dir, body, c.sig+"|")
		}
		_, _, body = s.do("GET", "/"+c.dir+"/nope", "")
		if want := "<p>The requested URL was not found on this server.</p>\n" + strings.TrimSuffix("<hr>\n"+c.sig, "<hr>\n") + "</body></html>\n"; !strings.HasSuffix(body, want) {
			t.Errorf("%s: 404 page:\n%s\nwant it to end with:\n%s", c.dir, body, want)
		}
		if _, body := s.get("/" + c.dir + "/list/"); !strings.HasSuffix(body, "</ul>\n"+c.sig+"</body></html>\n") {
			t.Errorf("%s: listing:\n%s\nwant the signature %q before </body>", c.dir, body, c.sig)
		}
	}
	if _, body := s.get("/wsgi"); body != mail {
		t.Errorf("WSGI SERVER_SIGNATURE: %s, want %q", body, mail)
	}
}

// TestAutoindexConfigErrors: mod_autoindex's directives refuse what
// Apache refuses, naming file and line.
func TestAutoindexConfigErrors(t *testing.T) {
	for _, c := range []struct{ conf, want string }{
		{"IndexOptions FancyIndexing Bogus\n", `site.conf:2: IndexOptions: invalid directory indexing option "Bogus"`},
		{"IndexOptions None FancyIndexing\n", "site.conf:2: IndexOptions: cannot combine other IndexOptions keywords with 'None'"},
		{"IndexOptions +None\n", "site.conf:2: IndexOptions: cannot combine '+' or '-' with 'None' keyword"},
		{"<Directory /srv>\nIndexOptions NameWidth=3\n</Directory>\n", `site.conf:3: IndexOptions: NameWidth value must be a number of at least 5, not "3"`},
		{"IndexOptions NameWidth\n", "site.conf:2: IndexOptions: NameWidth with no value may only appear as '-NameWidth'"},
		{"IndexOptions -IconWidth=5\n", "site.conf:2: IndexOptions: cannot combine '-' with IconWidth=n"},
		{"IndexOrderDefault Up Name\n", `site.conf:2: IndexOrderDefault: first keyword must be 'Ascending' or 'Descending', not "Up"`},
		{"IndexOrderDefault Ascending Colour\n", `site.conf:2: IndexOrderDefault: second keyword must be 'Name', 'Date', 'Size', or 'Description', not "Colour"`},
		{"AddIcon (IMG,/icons/image.gif .png\n", `site.conf:2: AddIcon: "(IMG,/icons/image.gif": missing closing paren`},
		{"FancyIndexing On\n", "site.conf:2: FancyIndexing: the FancyIndexing directive is no longer supported; use IndexOptions FancyIndexing"},
		{"IndexIgnoreReset maybe\n", `site.conf:2: IndexIgnoreReset: must be On or Off, not "maybe"`},
	} {
		wantConfigError(t, "Listen 127.0.0.1:1\n"+c.conf, c.want)
	}
}
