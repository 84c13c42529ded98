package tests

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
)

// mod_python.Cookie (python/mod_python/Cookie.py, docs/cookie.md).

const cookieHandlers = `import time
from mod_python import apache, Cookie

def handler(req):
    req.content_type = "text/plain"
    what = req.uri.rsplit("/", 1)[-1]
    out = globals()["do_" + what](req)
    req.write(out if isinstance(out, str) else repr(out))
    return apache.OK

def show(cookies):
    return "\n".join("%s %s %r" % (k, type(c).__name__, c.value) for k, c in sorted(cookies.items()))

def do_set(req):
    Cookie.add_cookie(req, Cookie.Cookie("a", "1", path="/p", domain="example.com",
                                         expires=1000000000, max_age=300, secure=True, httponly=True,
                                         samesite="Lax"))
    Cookie.add_cookie(req, "b", "2", expires="Sun, 09-Sep-2001 01:46:40 GMT")
    return "set"

def do_parse(req):
    return show(Cookie.get_cookies(req))

def do_one(req):
    c = Cookie.get_cookie(req, "b")
    return "none" if c is None else "%s=%s" % (c.name, c.value)

def do_bad(req):
    out = []
    for args, kw in [(("a", "x\r\nSet-Cookie: evil=1"), {}), (("a b", "x"), {}), (("a", "x"), {"path": "/;evil"})]:
        try:
            str(Cookie.Cookie(*args, **kw))
            out.append("accepted")
        except Cookie.CookieError:
            out.append("CookieError")
    for v in ("yesterday", "Sun, 09-Sep-2001 01:46:40", [1]):
        try:
            Cookie.Cookie("a", "1").expires = v
            out.append("accepted")
        except ValueError:
            out.append("ValueError")
    try:
        Cookie.Cookie("a", "1").colour = "red"
        out.append("accepted")
    except AttributeError:
        out.append("AttributeError")
    return " ".join(out)

def do_setsigned(req):
    Cookie.add_cookie(req, Cookie.SignedCookie("s", "hello", secret="sekrit"))
    Cookie.add_cookie(req, Cookie.SignedCookie("sb", "bytes secret", secret=b"sekrit"))
    try:
        str(Cookie.SignedCookie("n", "v"))
        return "signed without a secret"
    except Cookie.CookieError:
        return "set"

def do_signed(req):
    return show(Cookie.get_cookies(req, Cookie.SignedCookie, secret="sekrit"))

def do_signedignore(req):
    return show(Cookie.get_cookies(req, Cookie.SignedCookie, secret=b"sekrit", mismatch=Cookie.Cookie.IGNORE))

def do_signedexception(req):
    try:
        return show(Cookie.get_cookies(req, Cookie.SignedCookie, secret="sekrit", mismatch=Cookie.Cookie.EXCEPTION))
    except Cookie.CookieError as e:
        return "CookieError"

def do_optionsecret(req):
    # no secret argument: PythonOption mod_python.cookie.secret
    Cookie.add_cookie(req, Cookie.SignedCookie("o", "from option"))
    return show(Cookie.get_cookies(req, Cookie.SignedCookie))

def do_setmarshal(req):
    Cookie.add_cookie(req, Cookie.MarshalCookie("m", {"eggs": 32, "list": [1, 2.5, "x"]}, "sekrit"))
    return "set"

def do_marshal(req):
    return show(Cookie.get_cookies(req, Cookie.MarshalCookie, secret="sekrit"))
`

func cookieSite(t *testing.T) *site {
	return startSite(t, pyDir("ck", "PythonDebug On", "PythonOption mod_python.cookie.secret optsecret"),
		map[string]string{"htdocs/ck.py": cookieHandlers})
}

// sign is mod_python's SignedCookie value: hex HMAC-MD5(secret, name+value) + value.
func sign(secret, name, value string) string {
	m := hmac.New(md5.New, []byte(secret))
	m.Write([]byte(name + value))
	return hex.EncodeToString(m.Sum(nil)) + value
}

// setCookies returns the response's Set-Cookie values by cookie name.
func setCookies(t *testing.T, h http.Header) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, v := range h.Values("Set-Cookie") {
		name, _, _ := strings.Cut(v, "=")
		out[name] = v
	}
	return out
}

func TestCookieSetAndParse(t *testing.T) {
	s := cookieSite(t)
	st, h, body := s.do("GET", "/set", "")
	if st != 200 || body != "set" {
		t.Fatalf("/set: %d %q\n%s", st, body, s.errorLog())
	}
	got := setCookies(t, h)
	want := map[string]string{
		"a": "a=1; path=/p; domain=example.com; secure; expires=Sun, 09-Sep-2001 01:46:40 GMT; Max-Age=300; samesite=Lax; httponly",
		"b": "b=2; expires=Sun, 09-Sep-2001 01:46:40 GMT",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Set-Cookie %s:\n got %q\nwant %q", k, got[k], v)
		}
	}
	if cc := h.Values("Cache-Control"); len(cc) != 1 || cc[0] != `no-cache="set-cookie"` {
		t.Errorf("Cache-Control: %q, want one no-cache=\"set-cookie\"", cc)
	}

	// $-names are RFC 2965 attributes, dropped; of repeated names the last wins.
	body = s.mustGet("/parse", "Cookie", `$Version=1; a=1; $Path=/; b="quoted; still"; c=; a=2`)
	if want := "a Cookie '2'\nb Cookie '\"quoted; still\"'\nc Cookie ''"; body != want {
		t.Errorf("parse: got\n%s\nwant\n%s", body, want)
	}
	if body := s.mustGet("/one", "Cookie", "a=1; b=two"); body != "b=two" {
		t.Errorf("get_cookie: %q", body)
	}
	if body := s.mustGet("/one"); body != "none" {
		t.Errorf("get_cookie without cookies: %q", body)
	}
	if body := s.mustGet("/parse"); body != "" {
		t.Errorf("get_cookies without a Cookie header: %q", body)
	}
}

func TestCookieRefusesBadInput(t *testing.T) {
	s := cookieSite(t)
	want := "CookieError CookieError CookieError ValueError ValueError ValueError AttributeError"
	if body := s.mustGet("/bad"); body != want {
		t.Errorf("got  %q\nwant %q", body, want)
	}
}

func TestCookieSigned(t *testing.T) {
	s := cookieSite(t)
	st, h, body := s.do("GET", "/setsigned", "")
	if st != 200 || body != "set" {
		t.Fatalf("/setsigned: %d %q\n%s", st, body, s.errorLog())
	}
	got := setCookies(t, h)
	if want := "s=" + sign("sekrit", "s", "hello"); got["s"] != want {
		t.Fatalf("signed Set-Cookie %q, want %q", got["s"], want)
	}
	if want := "sb=" + sign("sekrit", "sb", "bytes secret"); got["sb"] != want {
		t.Fatalf("bytes secret: Set-Cookie %q, want %q", got["sb"], want)
	}
	good := strings.TrimPrefix(got["s"], "s=")

	// Sent back unchanged: verified, the value without its signature.
	if body := s.mustGet("/signed", "Cookie", "s="+good); body != "s SignedCookie 'hello'" {
		t.Errorf("good signature: %q", body)
	}
	forged := []struct{ what, cookie string }{
		{"value changed", "s=" + good[:32] + "hellO"},
		{"signature changed", "s=0" + good[1:]},
		{"no signature", "s=hello"},
		{"signed with another secret", "s=" + sign("guess", "s", "hello")},
		{"signed under another name", "s=" + sign("sekrit", "t", "hello")},
	}
	for _, f := range forged {
		// DOWNGRADE (the default): a plain Cookie with the raw value.
		body := s.mustGet("/signed", "Cookie", f.cookie)
		if !strings.HasPrefix(body, "s Cookie ") {
			t.Errorf("%s: accepted as %q", f.what, body)
		}
		// IGNORE: dropped (with every unsigned cookie), the good one kept.
		fine := "s2=" + sign("sekrit", "s2", "fine")
		if body := s.mustGet("/signedignore", "Cookie", fine+"; "+f.cookie+"; plain=1"); body != "s2 SignedCookie 'fine'" {
			t.Errorf("%s, IGNORE: %q", f.what, body)
		}
		if body := s.mustGet("/signedexception", "Cookie", f.cookie); body != "CookieError" {
			t.Errorf("%s, EXCEPTION: %q", f.what, body)
		}
	}

	// The secret from PythonOption mod_python.cookie.secret.
	st, h, body = s.do("GET", "/optionsecret", "", "Cookie", "o="+sign("optsecret", "o", "v1"))
	if st != 200 || body != "o SignedCookie 'v1'" {
		t.Fatalf("option secret: %d %q\n%s", st, body, s.errorLog())
	}
	if want := "o=" + sign("optsecret", "o", "from option"); setCookies(t, h)["o"] != want {
		t.Errorf("option secret: Set-Cookie %q, want %q", setCookies(t, h)["o"], want)
	}
}

func TestCookieMarshal(t *testing.T) {
	s := cookieSite(t)
	st, h, _ := s.do("GET", "/setmarshal", "")
	if st != 200 {
		t.Fatalf("/setmarshal: %d\n%s", st, s.errorLog())
	}
	good := strings.TrimPrefix(setCookies(t, h)["m"], "m=")
	if len(good) < 40 {
		t.Fatalf("MarshalCookie Set-Cookie: %q", setCookies(t, h)["m"])
	}
	want := "m MarshalCookie {'eggs': 32, 'list': [1, 2.5, 'x']}"
	if body := s.mustGet("/marshal", "Cookie", "m="+good); body != want {
		t.Errorf("round trip: got %q, want %q", body, want)
	}

	// Anything whose signature fails stays the raw text: it is never
	// unmarshalled. Here a valid marshal payload signed with the wrong
	// secret, and the good cookie with one payload character changed.
	payload := good[32:]
	tampered := good[:32] + strings.Replace(payload, "A", "B", 1)
	if tampered == good {
		tampered = good[:32] + "B" + payload[1:]
	}
	for what, c := range map[string]string{
		"wrong secret": sign("guess", "m", payload),
		"tampered":     tampered,
	} {
		body := s.mustGet("/marshal", "Cookie", "m="+c)
		if want := "m Cookie '" + c + "'"; body != want {
			t.Errorf("%s: got %q, want %q", what, body, want)
		}
	}
	// Correctly signed, but not base64 or not marshal data: CookieError,
	// so a plain Cookie (only the secret's holder could send that).
	notMarshal := base64.StdEncoding.EncodeToString([]byte{0xff, 0x00, 0x13})
	for _, v := range []string{"!!!not base64", notMarshal} {
		c := sign("sekrit", "m", v)
		if body := s.mustGet("/marshal", "Cookie", "m="+c); body != "m Cookie '"+c+"'" {
			t.Errorf("signed %q: %q", v, body)
		}
	}
}

// The example of docs/cookie.md: examples/htdocs/cookie/.
func TestCookieExample(t *testing.T) {
	s, _ := exampleSite(t)
	st, h, body := s.do("GET", "/cookie/", "")
	if st != 200 || body != "no prefs cookie yet: one was set\n" {
		t.Fatalf("%d %q\n%s", st, body, s.errorLog())
	}
	prefs := cookieValue(setCookies(t, h)["prefs"])
	_, _, body = s.do("GET", "/cookie/", "", "Cookie", "prefs="+prefs+"; last_visit=12:00:00")
	if want := "prefs cookie: {'visits': 2, 'colour': 'white'}\nlast visit: 12:00:00\n"; body != want {
		t.Errorf("second visit: %q, want %q", body, want)
	}
	_, _, body = s.do("GET", "/cookie/", "", "Cookie", "prefs="+prefs[:32]+"x"+prefs[33:])
	contains(t, "tampered", body, "tampered with")
}
