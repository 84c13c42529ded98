package tests

import (
	"strings"
	"testing"
	"time"
)

// mod_setenvif and mod_env (issue 13): SetEnvIf, SetEnvIfNoCase,
// BrowserMatch, BrowserMatchNoCase with each kind of attribute, at server
// level (post_read_request) and in sections (header_parser); PassEnv,
// SetEnv and UnsetEnv; and the variables reaching what reads them:
// req.subprocess_env, the WSGI environ, Require env, Allow from env=,
// Header env=. The expectations were checked against Apache 2.4.

const setenvifMod = `from mod_python import apache

def postread(req):
    # Runs before mod_setenvif's post_read_request (both are
    # APR_HOOK_MIDDLE; mod_python is loaded first).
    req.notes["postread saw V_GET"] = str(req.subprocess_env.get("V_GET"))
    return apache.OK

def handler(req):
    req.content_type = "text/plain"
    env = req.subprocess_env
    for k in sorted(set(env.keys())):
        if k.startswith("V_") or k.startswith("MODPY_T"):
            req.write("%s=%s\n" % (k, env.get(k)))
    req.write("postread saw V_GET=%s\n" % req.notes.get("postread saw V_GET"))
    return apache.OK
`

const setenvifWSGI = `def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("%s=%s\n" % (k, environ[k])).encode() for k in sorted(environ) if k.startswith("V_")]
`

func TestSetEnvIf(t *testing.T) {
	s := startSiteEnv(t, []string{"MODPY_TPASS=passed", "MODPY_TGONE=gone"}, `PythonPath "sys.path + ['{{DIR}}/lib']"
PythonPostReadRequestHandler env::postread
SetEnvIf Request_Method GET V_GET
SetEnvIf Request_Protocol ^HTTP/1\.1$ V_PROTO=$0
SetEnvIf Request_URI "^/e/(\w+)" V_SEG=$1 V_ESC=\$1
SetEnvIf Remote_Addr ^127\. V_LOCAL
SetEnvIf Server_Addr ^127\. V_SADDR
SetEnvIfNoCase X-Thing ^yes V_THING
SetEnvIf X-Thing ^yes V_THING_CASE
SetEnvIf ^X-Reg.*$ (.+) V_REGHDR=$1
SetEnvIf V_SEG ^foo$ V_FROMVAR
SetEnvIf Missing ^$ V_MISSING
BrowserMatch ^Mozilla V_MOZ !V_GET
BrowserMatchNoCase CURL V_CURL
SetEnvIf X-Unset . !V_LOCAL
SetEnvIf User-Agent ^trusted V_OK
BrowserMatch ^nokeep nokeepalive
SetEnvIfExpr "%{REQUEST_URI} =~ m#^/e/(\w+)# && req('X-Proto') == 'https'" V_EXPR=$1 V_HTTPS=on
SetEnvIfExpr "-R '127.0.0.0/8' && %{HTTP_USER_AGENT} -strmatch 'trust*'" V_LOCALTRUST
PassEnv MODPY_TPASS MODPY_TGONE
SetEnv V_SET set
SetEnv V_GET fromsetenv
WSGIScriptAlias /wsgi {{DIR}}/env.wsgi
<Location /e>
	SetHandler mod_python
	PythonHandler env
	SetEnvIf Request_URI /e/ V_DIR
	SetEnvIf V_DIR 1 V_DIR2=yes
	UnsetEnv MODPY_TGONE V_LOCAL
	Header set X-Thing-Seen yes env=V_THING
</Location>
<Location /e/req>
	Require env V_OK
</Location>
<Location /e/allow>
	Order Deny,Allow
	Deny from all
	Allow from env=V_OK
</Location>
`, map[string]string{"lib/env.py": setenvifMod, "env.wsgi": setenvifWSGI})

	vars := func(body string) map[string]string {
		m := map[string]string{}
		for _, l := range strings.Split(body, "\n") {
			if k, v, ok := strings.Cut(l, "="); ok {
				m[k] = v
			}
		}
		return m
	}
	check := func(path string, want map[string]string, header ...string) {
		t.Helper()
		st, h, body := s.do("GET", path, "", header...)
		if st != 200 {
			t.Fatalf("%s: %d %s", path, st, body)
		}
		got := vars(body)
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s=%q, want %q\n%s", path, k, got[k], v, body)
			}
		}
		if seen := h.Get("X-Thing-Seen"); (seen == "yes") != (got["V_THING"] == "1") {
			t.Errorf("%s: Header env=V_THING: X-Thing-Seen %q with V_THING %q", path, seen, got["V_THING"])
		}
	}
	check("/e/foo", map[string]string{
		"V_GET": "1", "V_PROTO": "HTTP/1.1", "V_SEG": "foo", "V_ESC": "$1", "V_LOCAL": "1", "V_SADDR": "1",
		"V_FROMVAR": "1", "V_MISSING": "1", "V_DIR": "1", "V_DIR2": "yes", "V_SET": "set",
		"V_THING": "", "V_MOZ": "", "V_CURL": "",
		"MODPY_TPASS": "passed", "MODPY_TGONE": "", // PassEnv; UnsetEnv drops an outer PassEnv
		"postread saw V_GET": "None",
	})
	check("/e/bar", map[string]string{
		"V_THING": "1", "V_THING_CASE": "", "V_REGHDR": "eu", "V_MOZ": "1",
		"V_GET":  "fromsetenv", // BrowserMatch's !V_GET unset it; then SetEnv
		"V_CURL": "", "V_SEG": "bar", "V_FROMVAR": "",
	}, "X-Thing", "YES", "X-Region", "eu", "User-Agent", "Mozilla/5.0")
	check("/e/baz", map[string]string{
		"V_CURL": "1", "V_THING_CASE": "1",
		"V_LOCAL": "",  // unset by a later rule (UnsetEnv would not: it acts on SetEnv and PassEnv only)
		"V_GET":   "1", // SetEnv does not replace what SetEnvIf set, as in Apache
	}, "X-Thing", "yes", "X-Unset", "1", "User-Agent", "libcurl-agent")
	// SetEnvIfExpr, with a group of its regular expression.
	check("/e/qux", map[string]string{"V_EXPR": "qux", "V_HTTPS": "on", "V_LOCALTRUST": "1"}, "X-Proto", "https", "User-Agent", "trusted")
	check("/e/qux", map[string]string{"V_EXPR": "", "V_HTTPS": "", "V_LOCALTRUST": ""}, "X-Proto", "http")
	check("/e/local", map[string]string{"V_LOCAL": "1"})

	// What reads the variables.
	for _, c := range []struct {
		path, ua string
		status   int
	}{{"/e/req", "trusted", 200}, {"/e/req", "other", 403}, {"/e/allow", "trusted", 200}, {"/e/allow", "other", 403}} {
		if st, _, _ := s.do("GET", c.path, "", "User-Agent", c.ua); st != c.status {
			t.Errorf("%s as %q: %d, want %d", c.path, c.ua, st, c.status)
		}
	}
	// nokeepalive closes the connection, error pages included.
	for _, path := range []string{"/e/x", "/missing.txt"} {
		raw := s.raw("GET "+path+" HTTP/1.1\r\nHost: localhost\r\nUser-Agent: nokeep\r\n\r\n", 10*time.Second)
		if !strings.Contains(raw, "\r\nConnection: close\r\n") {
			t.Errorf("%s with nokeepalive: the connection stays open:\n%s", path, raw)
		}
	}
	body := s.mustGet("/wsgi/x", "X-Thing", "yes")
	contains(t, "WSGI environ", body, "V_THING=1\n")
	contains(t, "WSGI environ", body, "V_SET=set\n")
}
