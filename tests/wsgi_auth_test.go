package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mod_wsgi's auth scripts: WSGIAuthUserScript's check_password through
// AuthBasicProvider wsgi, WSGIAuthGroupScript's groups_for_user through
// Require wsgi-group, WSGIAccessScript's allow_access.

// wsgiAuthApp is the application behind the protected paths: who the
// server says the user is.
const wsgiAuthApp = `
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("user=%s type=%s\n" % (environ.get("REMOTE_USER"), environ.get("AUTH_TYPE"))).encode()]
`

// wsgiAuthScript answers check_password, groups_for_user and
// allow_access by name; "env" records the environ it was given.
const wsgiAuthScript = `
import json, os
HERE = os.path.dirname(__file__)
USERS = {"alice": "secret", "carol": "pw", "dave": "pw", "env": "pw", "gboom": "pw"}
GROUPS = {"alice": ["staff", "admins"], "carol": ["staff"], "dave": [], "gboom": None, "env": ["staff"]}

def record(environ, name):
    keys = {k: (v if isinstance(v, (str, int, tuple)) else type(v).__name__) for k, v in environ.items()}
    from mod_python import apache
    keys["interpreter"] = apache.interpreter
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(keys, f)

def check_password(environ, user, password):
    if user == "bob":
        return "bob-renamed"
    if user == "boom":
        raise RuntimeError("auth boom marker")
    if user == "weird":
        return 42
    if user == "env":
        record(environ, "authenv.json")
    if user not in USERS:
        return None
    return USERS[user] == password

def groups_for_user(environ, user):
    if user == "env":
        record(environ, "authgroups.json")
    g = GROUPS.get(user, [])
    if g is None:
        raise RuntimeError("group boom marker")
    return g

def allow_access(environ, host):
    uri = environ["REQUEST_URI"]
    if host != "127.0.0.1":
        return False
    if uri.endswith("/yes"):
        return True
    if uri.endswith("/none"):
        return None
    if uri.endswith("/boom"):
        raise RuntimeError("access boom marker")
    if uri.endswith("/weird"):
        return "yes"
    return False
`

const wsgiAuthConf = `
WSGIScriptAlias /app {{DIR}}/app.wsgi
WSGIScriptAlias /admin {{DIR}}/app.wsgi
WSGIScriptAlias /grp {{DIR}}/app.wsgi
WSGIScriptAlias /acc {{DIR}}/app.wsgi
WSGIScriptAlias /accdenied {{DIR}}/app.wsgi
<Directory {{DIR}}>
    Require all granted
</Directory>
<Location /app>
    AuthType Basic
    AuthName "wsgi test"
    AuthBasicProvider wsgi
    WSGIAuthUserScript {{DIR}}/auth.wsgi
    Require valid-user
</Location>
<Location /admin>
    AuthType Basic
    AuthName "admins"
    AuthBasicProvider wsgi
    WSGIAuthUserScript {{DIR}}/auth.wsgi
    WSGIAuthGroupScript {{DIR}}/auth.wsgi
    Require wsgi-group admins wheel
</Location>
<Location /grp>
    AuthType Basic
    AuthName "groups"
    AuthBasicProvider wsgi
    WSGIAuthUserScript {{DIR}}/auth.wsgi application-group=authgroup
    WSGIAuthGroupScript {{DIR}}/auth.wsgi application-group=%{SERVER}
    Require wsgi-group staff
</Location>
<Location /acc>
    WSGIAccessScript {{DIR}}/auth.wsgi
</Location>
<Location /accdenied>
    WSGIAccessScript {{DIR}}/auth.wsgi
    Require all denied
</Location>
`

func startWSGIAuth(t *testing.T) *site {
	t.Helper()
	return startSite(t, wsgiAuthConf, map[string]string{"app.wsgi": wsgiAuthApp, "auth.wsgi": wsgiAuthScript})
}

// check_password's True, False, None, a new name, an exception, a wrong
// type; the environ it gets; the interpreter it runs in.
func TestWSGIAuthUserScript(t *testing.T) {
	s := startWSGIAuth(t)
	st, h, body := s.do("GET", "/app/x", "")
	if st != 401 || h.Get("WWW-Authenticate") != `Basic realm="wsgi test"` {
		t.Errorf("no credentials: %d, WWW-Authenticate %q: %s", st, h.Get("WWW-Authenticate"), body)
	}
	if got := s.mustGet("/app/x", "Authorization", basic("alice", "secret")); got != "user=alice type=Basic\n" {
		t.Errorf("alice: %q", got)
	}
	if got := s.mustGet("/app/x", "Authorization", basic("bob", "any")); got != "user=bob-renamed type=Basic\n" {
		t.Errorf("bob (check_password returns a name): %q", got)
	}
	for _, c := range []struct{ user, pw, log string }{
		{"alice", "wrong", `user alice: authentication failure for "/app/x": Password Mismatch`},
		{"nobody", "x", "user nobody not found: /app/x"},
	} {
		st, h, body := s.do("GET", "/app/x", "", "Authorization", basic(c.user, c.pw))
		if st != 401 || h.Get("WWW-Authenticate") == "" {
			t.Errorf("%s:%s: %d, WWW-Authenticate %q: %s", c.user, c.pw, st, h.Get("WWW-Authenticate"), body)
		}
		contains(t, c.user+"'s log line", s.waitLog(c.log), c.log)
	}
	st, _, body = s.do("GET", "/app/x", "", "Authorization", basic("boom", "x"))
	if st != 500 || strings.Contains(body, "auth boom marker") {
		t.Errorf("check_password raising: %d %s", st, body)
	}
	l := s.waitLog("auth boom marker")
	contains(t, "the traceback", l, "Exception occurred processing WSGI script '"+filepath.Join(s.Dir, "auth.wsgi")+"'.")
	contains(t, "the traceback", l, "RuntimeError: auth boom marker")
	if st, _ := s.get("/app/x", "Authorization", basic("weird", "x")); st != 500 {
		t.Errorf("check_password returning 42: %d, want 500", st)
	}
	contains(t, "the TypeError", s.waitLog("must return True, False None or user name"), "must return True, False None or user name as string")

	// The environ: mod_wsgi's reduced one, no Authorization, in the main
	// interpreter (no application-group=).
	s.mustGet("/app/x?q=1", "Authorization", basic("env", "pw"), "X-Custom", "v")
	env := readRecord(t, filepath.Join(s.Dir, "authenv.json"))
	want := map[string]any{"REQUEST_URI": "/app/x?q=1", "QUERY_STRING": "q=1", "REQUEST_METHOD": "GET",
		"HTTP_X_CUSTOM": "v", "REMOTE_ADDR": "127.0.0.1", "SCRIPT_NAME": "/app", "PATH_INFO": "/x",
		"mod_wsgi.application_group": "", "mod_wsgi.process_group": "", "mod_wsgi.script_reloading": 1.0,
		"interpreter": "main_interpreter", "wsgi.errors": "_Errors"}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("environ[%q] = %#v, want %#v", k, env[k], v)
		}
	}
	for _, k := range []string{"HTTP_AUTHORIZATION", "wsgi.input", "REMOTE_USER"} {
		if _, ok := env[k]; ok {
			t.Errorf("environ has %s: %v", k, env[k])
		}
	}
	for _, k := range []string{"SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "REMOTE_PORT", "DOCUMENT_ROOT",
		"SERVER_SOFTWARE", "mod_ssl.is_https", "mod_ssl.var_lookup", "mod_wsgi.version"} {
		if _, ok := env[k]; !ok {
			t.Errorf("environ lacks %s", k)
		}
	}

	// WSGIScriptReloading (On by default): an edited script is loaded again.
	script := filepath.Join(s.Dir, "auth.wsgi")
	if err := os.WriteFile(script, []byte(strings.Replace(wsgiAuthScript, `"alice": "secret"`, `"alice": "changed"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(script, later, later)
	if st, _ := s.get("/app/x", "Authorization", basic("alice", "secret")); st != 401 {
		t.Errorf("alice's old password after the script changed: %d, want 401", st)
	}
	if got := s.mustGet("/app/x", "Authorization", basic("alice", "changed")); got != "user=alice type=Basic\n" {
		t.Errorf("alice's new password: %q", got)
	}
}

// Require wsgi-group: a member of a listed group, of another group only,
// of no group; groups_for_user raising; application-group= for both
// scripts.
func TestWSGIAuthGroupScript(t *testing.T) {
	s := startWSGIAuth(t)
	if got := s.mustGet("/admin/", "Authorization", basic("alice", "secret")); got != "user=alice type=Basic\n" {
		t.Errorf("alice (admins): %q", got)
	}
	if st, h, _ := s.do("GET", "/admin/", ""); st != 401 || h.Get("WWW-Authenticate") != `Basic realm="admins"` {
		t.Errorf("no credentials: %d %q", st, h.Get("WWW-Authenticate"))
	}
	for _, c := range []struct{ user, log string }{
		{"carol", "Authorization of user 'carol' to access '/admin/' failed. User is not a member of designated groups."},
		{"dave", "Authorization of user 'dave' to access '/admin/' failed. User is not a member of any groups."},
	} {
		st, h, body := s.do("GET", "/admin/", "", "Authorization", basic(c.user, "pw"))
		if st != 401 || h.Get("WWW-Authenticate") != `Basic realm="admins"` {
			t.Errorf("%s: %d %q: %s", c.user, st, h.Get("WWW-Authenticate"), body)
		}
		contains(t, c.user+"'s log line", s.waitLog(c.log), c.log)
	}
	if st, _ := s.get("/admin/", "Authorization", basic("gboom", "pw")); st != 401 {
		t.Errorf("groups_for_user raising: %d, want 401 (denied)", st)
	}
	contains(t, "the traceback", s.waitLog("group boom marker"), "RuntimeError: group boom marker")

	// application-group=: check_password in "authgroup", groups_for_user
	// in %{SERVER} (localhost:PORT).
	if got := s.mustGet("/grp/", "Authorization", basic("carol", "pw")); got != "user=carol type=Basic\n" {
		t.Errorf("carol (staff) on /grp/: %q", got)
	}
	s.mustGet("/grp/", "Authorization", basic("env", "pw"))
	for file, group := range map[string]string{"authenv.json": "authgroup", "authgroups.json": "localhost:" + fmt.Sprint(s.Port)} {
		env := readRecord(t, filepath.Join(s.Dir, file))
		if env["interpreter"] != group || env["mod_wsgi.application_group"] != group {
			t.Errorf("%s: interpreter %v, mod_wsgi.application_group %v, want %s", file, env["interpreter"], env["mod_wsgi.application_group"], group)
		}
	}
}

// readRecord reads what the auth script's record() wrote.
func readRecord(t *testing.T, file string) map[string]any {
	t.Helper()
	var env map[string]any
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	return env
}

// allow_access: True lets the other access rules decide (here: granted;
// under "Require all denied": denied), False is 403, None declines, an
// exception or a non-bool denies.
func TestWSGIAccessScript(t *testing.T) {
	s := startWSGIAuth(t)
	for _, p := range []string{"/acc/yes", "/acc/none"} { // (none: declined, and no other rule)
		if got := s.mustGet(p); got != "user=None type=None\n" {
			t.Errorf("%s: %q", p, got)
		}
	}
	for _, p := range []string{"/acc/no", "/acc/boom", "/acc/weird", "/accdenied/yes", "/accdenied/none"} {
		if st, body := s.get(p); st != 403 {
			t.Errorf("%s: %d %s, want 403", p, st, body)
		}
	}
	l := s.waitLog("must a boolean or None")
	contains(t, "False's log line", l, "Client denied by server configuration: '"+filepath.Join(s.Dir, "app.wsgi")+"'.")
	contains(t, "the exception", l, "RuntimeError: access boom marker")
	contains(t, "the non-bool", l, "Indicator of host accessibility returned from '"+filepath.Join(s.Dir, "auth.wsgi")+"' must a boolean or None.")
}

// The directives' contexts and options.
func TestWSGIAuthConfigErrors(t *testing.T) {
	wantConfigError(t, "WSGIAccessScript /tmp/a.wsgi\n", "WSGIAccessScript")
	wantConfigError(t, "<Location />\nWSGIAuthUserScript /tmp/a.wsgi callable-object=x\n</Location>\n", ":2: WSGIAuthUserScript")
	wantConfigError(t, "<Location />\nWSGIAuthGroupScript /tmp/a.wsgi process-group=x\n</Location>\n", ":2: WSGIAuthGroupScript")
	wantConfigError(t, "<Location />\nRequire wsgi-group\n</Location>\n", ":2: Require")
	wantConfigError(t, "<Location />\nWSGIGroupAuthoritative maybe\n</Location>\n", ":2: WSGIGroupAuthoritative")
	if out, ok := checkConfig(t, "<Location />\nWSGIGroupAuthoritative Off\nAuthBasicProvider file wsgi\n</Location>\n"); !ok {
		t.Errorf("WSGIGroupAuthoritative Off, AuthBasicProvider file wsgi: %s", out)
	}
}
