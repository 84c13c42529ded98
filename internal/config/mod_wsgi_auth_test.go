package config

import (
	"path/filepath"
	"strings"
	"testing"
)

// The auth script directives: parsed (a relative file against ServerRoot,
// application-group= with %{GLOBAL} as ""), merged innermost-wins, with
// AuthBasicProvider and Require wsgi-group.
func TestWSGIAuthDirectives(t *testing.T) {
	c, file, err := loadText(t, `
<Location /a>
    AuthBasicProvider File wsgi
    WSGIAccessScript auth/access.wsgi
    WSGIAuthUserScript /srv/user.wsgi application-group=%{GLOBAL}
    WSGIAuthGroupScript /srv/group.wsgi application-group="%{SERVER}"
    Require wsgi-group admins staff
</Location>
<Location /a/b>
    WSGIAuthUserScript /srv/inner.wsgi application-group=auth
</Location>
`)
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(file)
	d := c.LocationConfig(c.Main, "/a/b/c")
	if s := d.WSGIAccessScript; s == nil || s.Script != filepath.Join(root, "auth/access.wsgi") || s.Group != "" {
		t.Errorf("WSGIAccessScript: %+v", s)
	}
	if s := d.WSGIAuthUserScript; s == nil || s.Script != "/srv/inner.wsgi" || s.Group != "auth" {
		t.Errorf("WSGIAuthUserScript (the inner one): %+v", s)
	}
	if s := d.WSGIAuthGroupScript; s == nil || s.Group != "%{SERVER}" {
		t.Errorf("WSGIAuthGroupScript: %+v", s)
	}
	if s := c.LocationConfig(c.Main, "/a").WSGIAuthUserScript; s == nil || s.Script != "/srv/user.wsgi" || s.Group != "" {
		t.Errorf("WSGIAuthUserScript of /a: %+v", s)
	}
	if got := strings.Join(d.AuthBasicProvider, ","); got != "file,wsgi" {
		t.Errorf("AuthBasicProvider: %q", got)
	}
	if got := d.Require.String(); got != "any(wsgi-group admins staff)" {
		t.Errorf("Require: %s", got)
	}
	if d := c.LocationConfig(c.Main, "/other"); d.WSGIAccessScript != nil || d.AuthBasicProvider != nil {
		t.Errorf("outside the sections: %+v %v", d.WSGIAccessScript, d.AuthBasicProvider)
	}
	for _, n := range c.Notices {
		if strings.Contains(n.Msg, "AuthBasicProvider") {
			t.Errorf("a notice for a provider modpy has: %v", n)
		}
	}

	for text, want := range map[string]string{
		"WSGIAuthUserScript /srv/a.wsgi\n":                                         "not allowed",
		"<Location />\nWSGIAccessScript /a.wsgi application-group=\n</Location>\n": "needs a value",
		"<Location />\nWSGIAccessScript /a.wsgi callable-object=x\n</Location>\n":  "invalid option",
		"<Location />\nWSGIAuthGroupScript /a.wsgi x y\n</Location>\n":             "WSGIAuthGroupScript",
		"<Location />\nRequire wsgi-group\n</Location>\n":                          "takes at least one argument",
	} {
		if _, _, err := loadText(t, text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", text, err, want)
		}
	}
}
