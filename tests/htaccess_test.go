package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// .htaccess files with AllowOverride, and UserDir: how a shared host's
// users configure mod_python in their own directories (issue 4).

const sharedHostConf = `UserDir {{DIR}}/users/*/public_html
UserDir disabled mallory
<Directory {{DIR}}/users/*/public_html>
    AllowOverride All
    Require all granted
</Directory>
<Directory {{DIR}}/users/*/public_html/authonly>
    AllowOverride AuthConfig
</Directory>
<Directory {{DIR}}/htdocs/closed>
    AllowOverride None
</Directory>
`

// myModule is the same module name in every user's directory, each with
// its own code: the collision mod_python users suffered.
func myModule(who string) string {
	return `from mod_python import apache
def handler(req):
    req.content_type = "text/plain"
    req.write("` + who + `'s MyModule in " + req.interpreter)
    return apache.OK
`
}

const userHtaccess = "SetHandler mod_python\nPythonHandler MyModule\n"

func TestUserDirAndHtaccess(t *testing.T) {
	s := startSite(t, sharedHostConf, map[string]string{
		"users/alice/public_html/.htaccess":   userHtaccess,
		"users/alice/public_html/MyModule.py": myModule("alice"),
		"users/bob/public_html/.htaccess":     userHtaccess + "PythonInterpreter bob\n",
		"users/bob/public_html/MyModule.py":   myModule("bob"),
		"users/mallory/public_html/x.txt":     "mallory",
		"users/carol/public_html/page.txt":    "carol's page\n",
		"users/frank/public_html/.htaccess":   "AddHandler mod_python .py\nPythonHandler page\nPythonOption who frank\n",
		"users/frank/public_html/page.py":     "from mod_python import apache\ndef handler(req):\n    req.write('page for ' + req.get_options()['who'])\n    return apache.OK\n",
		"users/frank/public_html/notes.txt":   "frank's notes\n",
		"htdocs/closed/.htaccess":             "this is not a directive\n",
		"htdocs/closed/f.txt":                 "closed\n",
	})
	for _, c := range []struct{ path, want string }{
		{"/~alice/", "alice's MyModule in localhost"},
		{"/~bob/anything", "bob's MyModule in bob"},
		{"/~alice/again", "alice's MyModule in localhost"},
		{"/~carol/page.txt", "carol's page\n"},
		// AddHandler and PythonOption from a .htaccess: .py files run,
		// the rest is served as it is.
		{"/~frank/page.py", "page for frank"},
		{"/~frank/notes.txt", "frank's notes\n"},
		// AllowOverride None: the .htaccess is not even read.
		{"/closed/f.txt", "closed\n"},
	} {
		if got := s.mustGet(c.path); got != c.want {
			t.Errorf("%s: %q, want %q", c.path, got, c.want)
		}
	}
	for _, p := range []string{"/~mallory/x.txt", "/~nobody-here/x", "/~../etc/passwd"} {
		if st, _ := s.get(p); st != 404 {
			t.Errorf("%s: %d, want 404", p, st)
		}
	}
	// The user's directory without its slash: the trailing-slash redirect.
	if st, hdr, _ := s.do("GET", "/~carol", ""); st != 301 || !strings.HasSuffix(hdr.Get("Location"), "/~carol/") {
		t.Errorf("/~carol: %d Location %q", st, hdr.Get("Location"))
	}
}

// A .htaccess change counts at the next request; a broken one answers 500
// and the log names its file and line; a directive its AllowOverride does
// not allow is refused the same way.
func TestHtaccessChangesAndErrors(t *testing.T) {
	s := startSite(t, sharedHostConf, map[string]string{
		"users/dave/public_html/f.txt":              "dave\n",
		"users/dave/public_html/authonly/g.txt":     "g\n",
		"users/dave/public_html/authonly/.htaccess": "SetHandler mod_python\n",
	})
	if got := s.mustGet("/~dave/f.txt"); got != "dave\n" {
		t.Fatalf("before: %q", got)
	}
	ht := filepath.Join(s.Dir, "users/dave/public_html/.htaccess")
	write := func(text string) {
		t.Helper()
		if err := os.WriteFile(ht, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		// A new mtime and size each time, whatever the clock's resolution.
		now := time.Now().Add(time.Duration(len(text)) * time.Second)
		os.Chtimes(ht, now, now)
	}
	write("Require all denied\n")
	if st, _ := s.get("/~dave/f.txt"); st != 403 {
		t.Errorf("after Require all denied: %d, want 403", st)
	}
	write("Require all granted\nBogusDirective on\n")
	if st, _ := s.get("/~dave/f.txt"); st != 500 {
		t.Errorf("a broken .htaccess: %d, want 500", st)
	}
	contains(t, "error log", s.waitLog("BogusDirective"), ht+":2: BogusDirective")
	write("PythonInterpMaxRequests 5\n")
	if st, _ := s.get("/~dave/f.txt"); st != 500 {
		t.Errorf("a main-config-only directive in .htaccess: %d, want 500", st)
	}
	contains(t, "error log", s.waitLog("PythonInterpMaxRequests: not allowed"), ht+":1: PythonInterpMaxRequests: not allowed in .htaccess files")
	write("<Directory /tmp>\n</Directory>\n")
	if st, _ := s.get("/~dave/f.txt"); st != 500 {
		t.Errorf("<Directory> in .htaccess: %d, want 500", st)
	}
	write("")
	if got := s.mustGet("/~dave/f.txt"); got != "dave\n" {
		t.Errorf("after emptying: %q", got)
	}
	// AllowOverride AuthConfig: SetHandler (FileInfo) is refused.
	if st, _ := s.get("/~dave/authonly/g.txt"); st != 500 {
		t.Errorf("SetHandler under AllowOverride AuthConfig: %d, want 500", st)
	}
	contains(t, "error log", s.errorLog(), "SetHandler: not allowed here: the directory's AllowOverride does not include FileInfo")
	if strings.Contains(s.errorLog(), "panic") {
		t.Errorf("panic in the log:\n%s", s.errorLog())
	}
}

// Basic authentication configured by a user in .htaccess, checked by the
// user's own PythonAuthenHandler.
func TestHtaccessAuthentication(t *testing.T) {
	s := startSite(t, sharedHostConf, map[string]string{
		"users/erin/public_html/private/.htaccess": "AuthType Basic\nAuthName \"Erin's\"\nRequire valid-user\n" +
			"PythonAuthenHandler pwcheck\n",
		"users/erin/public_html/private/pwcheck.py": `from mod_python import apache
def authenhandler(req):
    pw = req.get_basic_auth_pw()
    return apache.OK if (req.user, pw) == ("erin", "secret") else apache.HTTP_UNAUTHORIZED
`,
		"users/erin/public_html/private/diary.txt": "dear diary\n",
	})
	st, hdr, _ := s.do("GET", "/~erin/private/diary.txt", "")
	if st != 401 || hdr.Get("WWW-Authenticate") != `Basic realm="Erin's"` {
		t.Errorf("no credentials: %d %q", st, hdr.Get("WWW-Authenticate"))
	}
	st, _, body := s.do("GET", "/~erin/private/diary.txt", "", "Authorization", "Basic "+b64("erin:secret"))
	if st != 200 || body != "dear diary\n" {
		t.Errorf("with credentials: %d %q", st, body)
	}
}
