package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// mod_authn_file, mod_authz_groupfile and mod_auth_basic's providers:
// password files written by the real htpasswd (apache2-utils) with each
// hash it has, a group file, AuthBasicProvider lists with mod_wsgi's
// provider and a PythonAuthenHandler before them, and the files read
// again when they change.

// htpasswd runs the real htpasswd with args (-b: the password is the last
// argument).
func htpasswd(t *testing.T, args ...string) {
	t.Helper()
	_, err := exec.LookPath("htpasswd")
	needTestDep(t, "htpasswd (apache2-utils)", err)
	if out, err := exec.Command("htpasswd", args...).CombinedOutput(); err != nil {
		t.Fatalf("htpasswd %q: %v\n%s", args, err, out)
	}
}

// authFileUsers are the users htpasswd writes, by the flag that picks
// their hash ("" is htpasswd's default, MD5).
var authFileUsers = []struct{ user, flag string }{
	{"bea", "-B"}, {"mia", "-m"}, {"sam", "-s"}, {"dee", "-d"}, {"def", ""}, {"s256", "-2"}, {"s512", "-5"},
}

const authFileConf = `PythonPath "sys.path + ['{{DIR}}/lib']"
<Directory {{DIR}}/htdocs/private>
    AuthType Basic
    AuthName "Private area"
    AuthUserFile {{DIR}}/users
    Require valid-user
</Directory>
<Directory {{DIR}}/htdocs/private/sam>
    Require user sam s512
</Directory>
<Directory {{DIR}}/htdocs/staff>
    AuthType Basic
    AuthName staff
    AuthBasicProvider file
    AuthUserFile {{DIR}}/users
    AuthGroupFile {{DIR}}/groups
    Require group staff "night shift"
</Directory>
<Directory {{DIR}}/htdocs/nogroupfile>
    AuthType Basic
    AuthName x
    AuthUserFile {{DIR}}/users
    Require group staff
</Directory>
<Directory {{DIR}}/htdocs/missing>
    AuthType Basic
    AuthName x
    AuthUserFile {{DIR}}/no-such-file
    Require valid-user
</Directory>
<Directory {{DIR}}/htdocs/nofile>
    AuthType Basic
    AuthName x
    Require valid-user
</Directory>
<Directory {{DIR}}/htdocs/lenient>
    AuthType Basic
    AuthName x
    AuthUserFile {{DIR}}/users
    AuthBasicAuthoritative Off
    Require valid-user
</Directory>
<Directory {{DIR}}/htdocs/both>
    AuthType Basic
    AuthName both
    AuthBasicProvider file wsgi
    AuthUserFile {{DIR}}/users
    WSGIAuthUserScript {{DIR}}/auth.wsgi
    Require valid-user
</Directory>
<Directory {{DIR}}/htdocs/py>
    AuthType Basic
    AuthName py
    AuthUserFile {{DIR}}/users
    PythonAuthenHandler pyauth
    Require valid-user
</Directory>
`

func TestAuthUserFile(t *testing.T) {
	files := map[string]string{
		"groups": "# staff and admins\nstaff: bea mia\nnight shift: sam\nadmins:def   dee\n",
		"auth.wsgi": `def check_password(environ, user, password):
    if user == "wsgiuser":
        return password == "wpw"
    return None
`,
		"lib/pyauth.py": `from mod_python import apache
def authenhandler(req):
    pw = req.get_basic_auth_pw()
    if req.user == "pyuser" and pw == "ppw":
        return apache.OK
    return apache.DECLINED
`,
	}
	for _, d := range []string{"private", "private/sam", "staff", "nogroupfile", "missing", "nofile", "lenient", "both", "py"} {
		files["htdocs/"+d+"/f.txt"] = "in " + d + "\n"
	}
	// The files are read per request: they may be written once the
	// server runs.
	s := startSite(t, authFileConf, files)
	users := filepath.Join(s.Dir, "users")
	htpasswd(t, "-cb", users, "first", "x")
	for _, u := range authFileUsers {
		args := []string{"-b"}
		if u.flag != "" {
			args = append(args, u.flag)
		}
		htpasswd(t, append(args, users, u.user, u.user+" pw")...)
	}
	// A plain-text password (htpasswd -p) is never accepted on Unix.
	htpasswd(t, "-bp", users, "pat", "pat pw")

	get := func(path, user, pw string) (int, string, string) {
		t.Helper()
		var hdr []string
		if user != "" {
			hdr = []string{"Authorization", basic(user, pw)}
		}
		st, h, body := s.do("GET", path, "", hdr...)
		return st, h.Get("WWW-Authenticate"), body
	}

	t.Run("EveryHash", func(t *testing.T) {
		for _, u := range authFileUsers {
			if st, _, body := get("/private/f.txt", u.user, u.user+" pw"); st != 200 || body != "in private\n" {
				t.Errorf("%s (htpasswd %s), right password: %d %q, want 200", u.user, u.flag, st, body)
			}
			if st, www, _ := get("/private/f.txt", u.user, u.user+" pW"); st != 401 || www != `Basic realm="Private area"` {
				t.Errorf("%s (htpasswd %s), wrong password: %d %q, want 401 with a challenge", u.user, u.flag, st, www)
			}
		}
		log := s.errorLog()
		contains(t, "error log", log, `[auth_basic:error]`)
		contains(t, "error log", log, `AH01617: user bea: authentication failure for "/private/f.txt": Password Mismatch`)
		// DES looks at 8 characters only.
		htpasswd(t, "-bd", filepath.Join(s.Dir, "users"), "dee8", "12345678")
		if st, _, _ := get("/private/f.txt", "dee8", "12345678 and more"); st != 200 {
			t.Errorf("DES with characters past the 8th: %d, want 200 (crypt(3) ignores them)", st)
		}
	})

	t.Run("PlainTextAndUnknown", func(t *testing.T) {
		if st, _, _ := get("/private/f.txt", "pat", "pat pw"); st != 401 {
			t.Errorf("plain-text entry: %d, want 401", st)
		}
		contains(t, "error log", s.errorLog(), `AH01617: user pat: authentication failure for "/private/f.txt": Password Mismatch`)
		if st, www, _ := get("/private/f.txt", "nobody", "x"); st != 401 || www == "" {
			t.Errorf("unknown user: %d %q, want 401 with a challenge", st, www)
		}
		contains(t, "error log", s.errorLog(), "AH01618: user nobody not found: /private/f.txt")
		if st, www, _ := get("/private/f.txt", "", ""); st != 401 || www != `Basic realm="Private area"` {
			t.Errorf("no credentials: %d %q", st, www)
		}
		if st, _, _ := s.do("GET", "/private/f.txt", "", "Authorization", "Bearer abc"); st != 401 {
			t.Errorf("other scheme: %d", st)
		}
		contains(t, "error log", s.errorLog(), "AH01614: client used wrong authentication scheme: /private/f.txt")
	})

	t.Run("RequireUser", func(t *testing.T) {
		if st, _, _ := get("/private/sam/f.txt", "sam", "sam pw"); st != 200 {
			t.Errorf("sam: %d", st)
		}
		if st, www, _ := get("/private/sam/f.txt", "bea", "bea pw"); st != 401 || www == "" {
			t.Errorf("bea, not a required user: %d %q, want 401", st, www)
		}
		contains(t, "error log", s.errorLog(), `AH01631: user bea: authorization failure for "/private/sam/f.txt"`)
	})

	t.Run("RequireGroup", func(t *testing.T) {
		for user, want := range map[string]int{"bea": 200, "mia": 200, "sam": 200, "def": 401, "s256": 401} {
			if st, _, _ := get("/staff/f.txt", user, user+" pw"); st != want {
				t.Errorf("%s in /staff: %d, want %d", user, st, want)
			}
		}
		contains(t, "error log", s.errorLog(), "AH01666: Authorization of user s256 to access /staff/f.txt failed, reason: user doesn't appear in group file")
		if st, _, _ := get("/nogroupfile/f.txt", "bea", "bea pw"); st != 401 {
			t.Errorf("no AuthGroupFile: %d, want 401", st)
		}
		contains(t, "error log", s.errorLog(), "AH01664: No group file was specified in the configuration")
	})

	t.Run("Errors", func(t *testing.T) {
		if st, _, _ := get("/missing/f.txt", "bea", "bea pw"); st != 500 {
			t.Errorf("missing password file: %d, want 500", st)
		}
		contains(t, "error log", s.errorLog(), "(2)No such file or directory: AH01620: Could not open password file: "+s.Dir+"/no-such-file")
		if st, _, _ := get("/nofile/f.txt", "bea", "bea pw"); st != 500 {
			t.Errorf("no AuthUserFile: %d, want 500", st)
		}
		contains(t, "error log", s.errorLog(), "AH01619: AuthUserFile not specified in the configuration")
		if st, _, _ := get("/lenient/f.txt", "nobody", "x"); st != 500 {
			t.Errorf("AuthBasicAuthoritative Off, unknown user: %d, want 500", st)
		}
		contains(t, "error log", s.errorLog(), "AH01796: AuthType Basic configured without corresponding module")
		if st, _, _ := get("/lenient/f.txt", "bea", "nope"); st != 401 {
			t.Errorf("AuthBasicAuthoritative Off, wrong password: %d, want 401 (a known user's mismatch still decides)", st)
		}
	})

	t.Run("Providers", func(t *testing.T) {
		for _, c := range []struct {
			path, user, pw string
			want           int
		}{
			{"/both/f.txt", "bea", "bea pw", 200},    // the file knows bea
			{"/both/f.txt", "bea", "wpw", 401},       // ... and decides: the script is not asked
			{"/both/f.txt", "wsgiuser", "wpw", 200},  // not in the file: the script decides
			{"/both/f.txt", "wsgiuser", "nope", 401}, //
			{"/both/f.txt", "nobody", "x", 401},      // neither knows
			{"/py/f.txt", "pyuser", "ppw", 200},      // the PythonAuthenHandler decides first
			{"/py/f.txt", "mia", "mia pw", 200},      // it declines: the file decides
			{"/py/f.txt", "mia", "ppw", 401},         //
			{"/py/f.txt", "pyuser", "other", 401},    // declined, and the file does not know pyuser
		} {
			if st, _, _ := get(c.path, c.user, c.pw); st != c.want {
				t.Errorf("%s as %s:%s: %d, want %d", c.path, c.user, c.pw, st, c.want)
			}
		}
	})

	t.Run("FileChanges", func(t *testing.T) {
		if st, _, _ := get("/private/f.txt", "newbie", "n pw"); st != 401 {
			t.Fatalf("newbie before: %d", st)
		}
		htpasswd(t, "-bB", users, "newbie", "n pw")
		if st, _, _ := get("/private/f.txt", "newbie", "n pw"); st != 200 {
			t.Errorf("newbie added by htpasswd: %d, want 200", st)
		}
		htpasswd(t, "-b", users, "newbie", "changed")
		if st, _, _ := get("/private/f.txt", "newbie", "n pw"); st != 401 {
			t.Errorf("newbie's old password after a change: %d, want 401", st)
		}
		htpasswd(t, "-D", users, "newbie")
		if st, _, _ := get("/private/f.txt", "newbie", "changed"); st != 401 {
			t.Errorf("newbie deleted: %d, want 401", st)
		}
		// The group file too.
		groups := filepath.Join(s.Dir, "groups")
		if err := os.WriteFile(groups, []byte("staff: def\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if st, _, _ := get("/staff/f.txt", "def", "def pw"); st != 200 {
			t.Errorf("def added to staff: %d, want 200", st)
		}
		if st, _, _ := get("/staff/f.txt", "bea", "bea pw"); st != 401 {
			t.Errorf("bea dropped from staff: %d, want 401", st)
		}
	})

	if strings.Contains(s.errorLog(), "pw") && strings.Contains(s.errorLog(), "bea pw") {
		t.Errorf("a password reached the error log:\n%s", s.errorLog())
	}
}
