package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// accessCase is one request against a site whose sections each guard one
// directory of static files; the client is always 127.0.0.1.
type accessCase struct {
	name   string // directory under htdocs, and the URL path
	conf   string // the section body
	status int
}

// runAccessCases writes one <Location /name> (or <Directory>, when dir is
// set) per case over htdocs/name/f.txt, then checks each status.
func runAccessCases(t *testing.T, dir bool, extra string, cases []accessCase) *site {
	t.Helper()
	files := map[string]string{}
	var conf strings.Builder
	conf.WriteString(extra)
	for _, c := range cases {
		files["htdocs/"+c.name+"/f.txt"] = "file " + c.name + "\n"
		if dir {
			fmt.Fprintf(&conf, "<Directory {{DIR}}/htdocs/%s>\n%s\n</Directory>\n", c.name, c.conf)
		} else {
			fmt.Fprintf(&conf, "<Location /%s>\n%s\n</Location>\n", c.name, c.conf)
		}
	}
	s := startSite(t, conf.String(), files)
	for _, c := range cases {
		st, body := s.get("/" + c.name + "/f.txt")
		if st != c.status {
			t.Errorf("%s: status %d, want %d; body:\n%s", c.name, st, c.status, body)
			continue
		}
		if st == 200 && body != "file "+c.name+"\n" {
			t.Errorf("%s: body %q", c.name, body)
		}
		if st == 403 && !strings.Contains(body, "<title>403 Forbidden</title>") {
			t.Errorf("%s: not Apache's 403 page:\n%s", c.name, body)
		}
	}
	return s
}

func TestRequireProviders(t *testing.T) {
	s := runAccessCases(t, false, "", []accessCase{
		{"granted", "Require all granted", 200},
		{"denied", "Require all denied", 403},
		{"local", "Require local", 200},
		{"notlocal", "<RequireAll>\nRequire all granted\nRequire not local\n</RequireAll>", 403},
		{"ip", "Require ip 127.0.0.1", 200},
		{"ippartial", "Require ip 127", 200},
		{"ipcidr", "Require ip 10.0.0.0/8 127.0.0.0/8", 200},
		{"ipmask", "Require ip 127.0.0.0/255.0.0.0", 200},
		{"ipother", "Require ip 10.0.0.0/8 192.168 ::1 2001:db8::/32", 403},
		{"ipnot", "<RequireAll>\nRequire all granted\nRequire not ip 10.0.0.0/8\n</RequireAll>", 200},
		{"ipnotme", "<RequireAll>\nRequire all granted\nRequire not ip 127.0.0.1\n</RequireAll>", 403},
		{"host", "Require host localhost", 200},
		{"hostother", "Require host example.org .example.org", 403},
		{"hostpartial", "Require host calhost", 403}, // whole labels only
		{"env", "Require env MODPY_NOPE", 403},
		{"envnot", "<RequireAll>\nRequire all granted\nRequire not env MODPY_NOPE\n</RequireAll>", 200},
		{"anyline", "Require ip 10.0.0.0/8\nRequire local", 200},
		{"none", "Require ip 10.0.0.0/8\nRequire host example.org", 403},
		{"open", "SetHandler none", 200}, // no Require anywhere: granted
	})
	log := s.errorLog()
	contains(t, "error log", log, "AH01630: client denied by server configuration: "+filepath.Join(s.Dir, "htdocs/denied/f.txt"))
	contains(t, "error log", log, "AH01630: client denied by server configuration: "+filepath.Join(s.Dir, "htdocs/ipother/f.txt"))
	if strings.Contains(log, "htdocs/granted/f.txt") || strings.Contains(log, "htdocs/host/f.txt") {
		t.Errorf("a granted request was logged as denied:\n%s", log)
	}
}

func TestRequireContainers(t *testing.T) {
	runAccessCases(t, false, "", []accessCase{
		{"anynested", "<RequireAny>\nRequire ip 10.0.0.0/8\n<RequireAll>\nRequire local\nRequire ip 127.0.0.1\n</RequireAll>\n</RequireAny>", 200},
		{"allfail", "<RequireAll>\nRequire local\nRequire ip 10.0.0.0/8\n</RequireAll>", 403},
		{"allok", "<RequireAll>\nRequire local\nRequire host localhost\n</RequireAll>", 200},
		{"nonemiss", "<RequireAll>\nRequire all granted\n<RequireNone>\nRequire ip 10.0.0.0/8\nRequire env MODPY_NOPE\n</RequireNone>\n</RequireAll>", 200},
		{"nonehit", "<RequireAll>\nRequire all granted\n<RequireNone>\nRequire ip 10.0.0.0/8\nRequire ip 127.0.0.1\n</RequireNone>\n</RequireAll>", 403},
		{"deep", "<RequireAll>\n<RequireAny>\nRequire env MODPY_NOPE\n<RequireAll>\nRequire local\n<RequireAny>\nRequire ip 10.1\nRequire host localhost\n</RequireAny>\n</RequireAll>\n</RequireAny>\nRequire not host example.org\n</RequireAll>", 200},
		{"deepdeny", "<RequireAll>\n<RequireAny>\nRequire env MODPY_NOPE\n<RequireAll>\nRequire local\n<RequireAny>\nRequire ip 10.1\nRequire host example.org\n</RequireAny>\n</RequireAll>\n</RequireAny>\n</RequireAll>", 403},
		// A container next to a plain Require line: implicit RequireAny.
		{"mixed", "Require ip 10.0.0.0/8\n<RequireAll>\nRequire local\nRequire not env MODPY_NOPE\n</RequireAll>", 200},
	})
}

func TestRequireAuthentication(t *testing.T) {
	s := runAccessCases(t, false, "", []accessCase{
		{"validuser", "AuthType Basic\nAuthName x\nRequire valid-user", 401},
		{"user", "Require user alice bob", 500},
		{"group", "Require group admins", 500},
		{"grouporlocal", "Require group admins\nRequire local", 200},
		{"userandip", "<RequireAll>\nRequire ip 10.0.0.0/8\nRequire valid-user\n</RequireAll>", 403},
		{"notuser", "<RequireAll>\nRequire local\nRequire not user mallory\n</RequireAll>", 200},
	})
	// Credentials, but nothing checks the password (no PythonAuthenHandler,
	// no AuthUserFile for the default provider): refused, never let in.
	if st, _, _ := s.do("GET", "/validuser/f.txt", "", "Authorization", "Basic YWxpY2U6c2VjcmV0"); st != 500 {
		t.Errorf("credentials nothing checks: %d, want 500", st)
	}
	contains(t, "error log", s.errorLog(), "AH00025: configuration error: couldn't check user: /user/f.txt")
	contains(t, "error log", s.errorLog(), "AH01619: AuthUserFile not specified in the configuration")
	st, hdr, _ := s.do("GET", "/validuser/f.txt", "")
	if got := hdr.Get("WWW-Authenticate"); st != 401 || got != `Basic realm="x"` {
		t.Errorf("no credentials: %d, WWW-Authenticate %q; want 401 and a Basic challenge", st, got)
	}
}

func TestAuthMerging(t *testing.T) {
	runAccessCases(t, false, `<Location /m>
    Require ip 10.0.0.0/8
</Location>
<Location /l>
    Require local
</Location>
`, []accessCase{
		{"m", "SetHandler none", 403},
		{"m/inherit", "Options -Indexes", 403},
		{"m/off", "Require local", 200},
		{"m/offexplicit", "AuthMerging Off\nRequire local", 200},
		{"m/or", "AuthMerging Or\nRequire local", 200},
		{"m/and", "AuthMerging And\nRequire local", 403},
		{"m/clear", "AuthMerging Off", 200}, // Apache: an explicit Off with no Require drops the outer rules
		{"l/and", "AuthMerging And\nRequire ip 127.0.0.1", 200},
		{"l/andno", "AuthMerging And\nRequire host example.org", 403},
		{"l/or", "AuthMerging Or\nRequire all denied", 200},
	})
}

func TestAccessCompat(t *testing.T) {
	s := runAccessCases(t, true, "", []accessCase{
		// The two forms old mod_python configs use.
		{"allowall", "Order allow,deny\nAllow from all", 200},
		{"localonly", "Order deny,allow\nDeny from all\nAllow from 127.0.0.1", 200},
		{"localonlyother", "Order deny,allow\nDenY from all\nAllow from 10.0.0.0/8", 403},
		{"denyall", "Order deny,allow\nDeny from all", 403},
		{"allowdenyempty", "Order allow,deny", 403},
		{"allowdenyboth", "Order allow,deny\nAllow from all\nDeny from 127.0.0.1", 403},
		{"denyallowboth", "Order deny,allow\nDeny from 127.0.0.1\nAllow from 127", 200},
		{"defaultorder", "Deny from all", 403},
		{"defaultordermiss", "Deny from 10.0.0.0/8", 200},
		{"defaultorderboth", "Deny from all\nAllow from 127.0.0.0/255.0.0.0", 200},
		{"mutual", "Order mutual-failure\nAllow from 127.0.0.1", 200},
		{"mutualboth", "Order mutual-failure\nAllow from all\nDeny from 127.0.0.0/8", 403},
		{"mutualnone", "Order mutual-failure\nDeny from 10.0.0.0/8", 403},
		{"host", "Order allow,deny\nAllow from localhost", 200},
		{"hostother", "Order allow,deny\nAllow from example.org .example.org", 403},
		{"envnot", "Order allow,deny\nAllow from env=!MODPY_NOPE", 200},
		{"env", "Order allow,deny\nAllow from env=MODPY_NOPE", 403},
		{"ipv6", "Order allow,deny\nAllow from ::1 2001:db8::/32", 403},
		// Both mod_access_compat and Require must pass (Satisfy All).
		{"compatok", "Order allow,deny\nAllow from all\nRequire all denied", 403},
		{"requireok", "Order deny,allow\nDeny from all\nRequire all granted", 403},
		{"bothok", "Order deny,allow\nDeny from all\nAllow from 127.0.0.1\nRequire local", 200},
		{"satisfyall", "Satisfy All\nOrder allow,deny\nAllow from all\nRequire ip 10.0.0.0/8", 403},
		// Satisfy Any: either suffices.
		{"anyrequire", "Satisfy Any\nOrder deny,allow\nDeny from all\nRequire local", 200},
		{"anycompat", "Satisfy any\nOrder allow,deny\nAllow from all\nRequire all denied", 200},
		{"anyneither", "Satisfy Any\nDeny from all\nRequire ip 10.0.0.0/8", 403},
		{"anyuser", "Satisfy Any\nOrder allow,deny\nAllow from 127.0.0.1\nRequire valid-user", 200},
	})
	log := s.errorLog()
	contains(t, "error log", log, "AH01797: client denied by server configuration: "+filepath.Join(s.Dir, "htdocs/denyall/f.txt"))
	contains(t, "error log", log, "AH01630: client denied by server configuration: "+filepath.Join(s.Dir, "htdocs/compatok/f.txt"))
	contains(t, "error log", log, "AH01797: client denied by server configuration: "+filepath.Join(s.Dir, "htdocs/requireok/f.txt"))
	if strings.Contains(log, "Order: not enforced") || strings.Contains(log, "Allow: not enforced") {
		t.Errorf("Order/Allow still noticed as not enforced:\n%s", log)
	}
}

// mod_access_compat has no merge: a section using any of Order, Allow,
// Deny or Satisfy replaces the outer section's whole setting; one using
// none of them inherits it.
func TestAccessCompatSections(t *testing.T) {
	runAccessCases(t, true, `<Directory {{DIR}}/htdocs/outer>
    Order deny,allow
    Deny from all
</Directory>
<Directory {{DIR}}/htdocs/open>
    Order allow,deny
    Allow from all
</Directory>
`, []accessCase{
		{"outer", "SetHandler none", 403},
		{"outer/kid", "Options -Indexes", 403},
		{"outer/allow", "Order allow,deny\nAllow from all", 200},
		{"outer/onlyallow", "Allow from 127.0.0.1", 200},
		{"outer/satisfy", "Satisfy All", 200}, // Order and Deny back to their defaults
		{"open/deny", "Deny from 127.0.0.1", 403},
		{"open/kid", "Options -Indexes", 200},
	})
}

func TestAccessPythonHandler(t *testing.T) {
	s := startSite(t, `<Directory {{DIR}}/htdocs>
    AddHandler mod_python .py
    PythonHandler mod_python.filehandler
    Order deny,allow
    Deny from all
    Allow from 127.0.0.1
</Directory>
<Directory {{DIR}}/htdocs/closed>
    Order allow,deny
    Allow from 10.0.0.0/8
</Directory>
`, map[string]string{
		"htdocs/hello.py": "from mod_python import apache\ndef handler(req):\n    req.write('hello')\n    return apache.OK\n",
		"htdocs/closed/ran.py": "from mod_python import apache\nimport os\ndef handler(req):\n    open(" +
			"'{{DIR}}/ran', 'w').close()\n    req.write('ran')\n    return apache.OK\n",
	})
	if body := s.mustGet("/hello.py"); body != "hello" {
		t.Errorf("body %q", body)
	}
	if st, _ := s.get("/closed/ran.py"); st != 403 {
		t.Errorf("closed: status %d", st)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "ran")); err == nil {
		t.Errorf("the handler of a denied request ran")
	}
}

func TestAccessConfigErrors(t *testing.T) {
	cases := []struct{ conf, want string }{
		{"Listen 1\n<Location />\nRequire not ip 10.0.0.0/8\n</Location>\n",
			"site.conf:3: Require: negative Require directive has no effect in <RequireAny> directive"},
		{"Listen 1\n<Location />\n<RequireNone>\nRequire ip 10.1\n</RequireNone>\n</Location>\n",
			"site.conf:3: <RequireNone>: <RequireNone> directive has no effect in <RequireAny> directive"},
		{"Listen 1\n<Location />\n<RequireAll>\nRequire not local\n</RequireAll>\n</Location>\n",
			"site.conf:3: <RequireAll>: <RequireAll> directive contains only negative authorization directives"},
		{"Listen 1\n<Location />\nRequire ip 10.0.0.256\n</Location>\n",
			"site.conf:3: Require: ip address '10.0.0.256' appears to be invalid"},
		{"Listen 1\n<Location />\nRequire bogus\n</Location>\n", "site.conf:3: Require: Unknown Authz provider: bogus"},
		// A provider modpy lacks would lock out the users only it knows.
		{"Listen 1\n<Location />\nAuthType Basic\nAuthBasicProvider file ldap\n</Location>\n",
			"site.conf:4: AuthBasicProvider: Unknown Authn provider: ldap"},
		{"Listen 1\n<Directory />\nOrder allow, deny\n</Directory>\n", "site.conf:3: Order: takes one argument"},
		{"Listen 1\n<Directory />\nAllow 127.0.0.1\n</Directory>\n", "site.conf:3: Allow:"},
		{"Listen 1\n<Directory />\nDeny from 1.2.3.4/99\n</Directory>\n", "site.conf:3: Deny: "},
		{"Listen 1\n<Directory />\nSatisfy maybe\n</Directory>\n", "site.conf:3: Satisfy: "},
		{"Listen 1\n<Location />\nAuthMerging Both\n</Location>\n", "site.conf:3: AuthMerging: must be one of"},
		{"Listen 1\n<Location />\n<RequireAll>\nRequire all granted\n</Location>\n", "site.conf:5: </Location>: expected </RequireAll>"},
	}
	for _, c := range cases {
		wantConfigError(t, c.conf, c.want)
	}
	// The same rules, written where Apache accepts them, pass -t.
	out, ok := checkConfig(t, "Listen 127.0.0.1:1\n<Location />\n<RequireAll>\nRequire ip 10.1\n"+
		"Require not ip 10.1.2.0/24\n<RequireNone>\nRequire host bad.example\n</RequireNone>\n</RequireAll>\n"+
		"AuthMerging And\n</Location>\n<Directory />\nOrder deny,allow\nDeny from all\nAllow from env=!X 10.0.0.0/255.0.0.0 .example.org\nSatisfy any\n</Directory>\n")
	if !ok || !strings.Contains(out, "Syntax OK") {
		t.Fatalf("valid config: %s", out)
	}
}
