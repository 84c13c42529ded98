package config

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

func TestRequireParse(t *testing.T) {
	c := mustLoad(t, `
<Location /a>
    Require all granted
    Require local
    Require ip 10.1 192.168.0.0/16 ::1 2001:db8::/32 172.16.0.0/255.240.0.0 10.2.3.4/8
    Require host Example.org .example.net
    Require env GOOD BETTER
    Require valid-user
    Require user alice bob
    Require group admins
</Location>
<Location /b>
    <RequireAll>
        Require ip 10.0.0.0/8
        Require not ip 10.1.0.0/16
        <RequireNone>
            Require env BAD
            Require host bad.example
        </RequireNone>
        <RequireAny>
            Require env A
            <RequireAll>
                Require env B
                Require env C
            </RequireAll>
        </RequireAny>
    </RequireAll>
    Require all denied
</Location>
<Location /c>
    <RequireAny>
        Require env A
    </RequireAny>
    <RequireAll>
        <RequireAll>
            Require env B
        </RequireAll>
        Require not env C
    </RequireAll>
</Location>
<Location /d>
    <IfModule mod_nope.c>
        Require all granted
    </IfModule>
    <RequireAll>
        <IfDefine !NOPE>
            Require all granted
        </IfDefine>
        Require NOT env X
    </RequireAll>
</Location>
`)
	want := []string{
		"any(all granted; local; ip 10.1.0.0/16 192.168.0.0/16 ::1/128 2001:db8::/32 172.16.0.0/12 10.0.0.0/8; " +
			"host example.org .example.net; env GOOD BETTER; valid-user; user alice bob; group admins)",
		"any(all(ip 10.0.0.0/8; not ip 10.1.0.0/16; none(env BAD; host bad.example); any(env A; all(env B; env C))); all denied)",
		// <RequireAny> joins the implicit RequireAny; nested RequireAll joins its RequireAll.
		"any(env A; all(env B; not env C))",
		"any(all(all granted; not env X))",
	}
	for i, w := range want {
		if got := c.Main.Sections[i].Conf.Require.String(); got != w {
			t.Errorf("section %d: Require =\n %s\nwant\n %s", i, got, w)
		}
	}
	if r := c.Main.Sections[0].Conf.Require; r.Pos.Line != 3 || r.Rules[0].Pos.Line != 3 || r.Rules[1].Pos.Line != 4 {
		t.Errorf("positions: %v %v", r.Pos, r.Rules[1].Pos)
	}
	var dropped bool
	for _, n := range c.Notices {
		dropped = dropped || strings.Contains(n.Msg, "<IfModule mod_nope.c> is false: dropped Require all granted")
	}
	if !dropped {
		t.Errorf("no notice for the Require a false <IfModule> dropped: %v", c.Notices)
	}
}

func TestAccessCompatParse(t *testing.T) {
	c := mustLoad(t, `
<Directory /a>
    Order allow,deny
    Allow from all
</Directory>
<Directory /b>
    Order Deny,Allow
    Deny from all
    Allow from 127.0.0.1 10.1 192.168.0.0/16 10.0.0.0/255.0.0.0 ::1 Example.COM env=GOOD env=!BAD
    Satisfy any
</Directory>
<Directory /c>
    order mutual-failure
    Allow from env=X
    Deny from .evil.example
</Directory>
<Directory /d>
    Satisfy All
</Directory>
`)
	s := c.Main.Sections
	a := s[0].Conf.Access
	if a == nil || a.Order != OrderAllowDeny || len(a.Allow) != 1 || !a.Allow[0].All || a.Deny != nil || a.Satisfy != SatisfyNoSpec || a.Pos.Line != 3 {
		t.Errorf("/a: %+v", a)
	}
	a = s[1].Conf.Access
	wantAllow := []AccessRule{
		{Net: netip.MustParsePrefix("127.0.0.1/32")}, {Net: netip.MustParsePrefix("10.1.0.0/16")},
		{Net: netip.MustParsePrefix("192.168.0.0/16")}, {Net: netip.MustParsePrefix("10.0.0.0/8")},
		{Net: netip.MustParsePrefix("::1/128")}, {Host: "example.com"}, {Env: "GOOD"}, {Env: "BAD", NotEnv: true},
	}
	if a.Order != OrderDenyAllow || len(a.Deny) != 1 || !a.Deny[0].All || a.Satisfy != SatisfyAny || fmt.Sprint(a.Allow) != fmt.Sprint(wantAllow) {
		t.Errorf("/b: %+v\nallow %v\nwant  %v", a, a.Allow, wantAllow)
	}
	a = s[2].Conf.Access
	if a.Order != OrderMutualFailure || a.Allow[0].Env != "X" || a.Deny[0].Host != ".evil.example" {
		t.Errorf("/c: %+v", a)
	}
	if a = s[3].Conf.Access; a.Satisfy != SatisfyAll || a.Order != OrderDenyAllow || a.Allow != nil {
		t.Errorf("/d: %+v", a)
	}
	for _, n := range c.Notices {
		if strings.Contains(n.Msg, "Order") || strings.Contains(n.Msg, "Allow") || strings.Contains(n.Msg, "Satisfy") {
			t.Errorf("notice for an enforced directive: %s", n)
		}
	}
}

func TestAccessMerge(t *testing.T) {
	c := mustLoad(t, `
<Directory /srv>
    Require ip 10.0.0.0/8
    Order deny,allow
    Deny from all
</Directory>
<Directory /srv/off>
    Require env OFF
</Directory>
<Directory /srv/and>
    AuthMerging And
    Require env AND
</Directory>
<Directory /srv/and/or>
    AuthMerging Or
    Require env OR
</Directory>
<Directory /srv/and/or/plain>
    Require env PLAIN
</Directory>
<Directory /srv/mergeonly>
    AuthMerging Or
</Directory>
<Directory /srv/clear>
    AuthMerging Off
</Directory>
<Directory /srv/compat>
    Satisfy Any
</Directory>
<Directory /srv/compat/allow>
    Allow from all
</Directory>
<Files *.txt>
    Require env FILES
</Files>
`)
	tests := []struct{ file, require, access string }{
		{"/srv/x", "any(ip 10.0.0.0/8)", "deny:all allow: satisfy:0"},
		{"/srv/off/x", "any(env OFF)", "deny:all allow: satisfy:0"},
		{"/srv/and/x", "all(any(ip 10.0.0.0/8); any(env AND))", "deny:all allow: satisfy:0"},
		{"/srv/and/or/x", "any(all(any(ip 10.0.0.0/8); any(env AND)); any(env OR))", "deny:all allow: satisfy:0"},
		// AuthMerging is not inherited: the next section replaces again.
		{"/srv/and/or/plain/x", "any(env PLAIN)", "deny:all allow: satisfy:0"},
		{"/srv/mergeonly/x", "any(ip 10.0.0.0/8)", "deny:all allow: satisfy:0"},
		{"/srv/clear/x", "<nil>", "deny:all allow: satisfy:0"},
		// mod_access_compat has no merge: a section using it starts afresh.
		{"/srv/compat/x", "any(ip 10.0.0.0/8)", "deny: allow: satisfy:2"},
		{"/srv/compat/allow/x", "any(ip 10.0.0.0/8)", "deny: allow:all satisfy:0"},
		{"/srv/x.txt", "any(env FILES)", "deny:all allow: satisfy:0"},
		{"/other", "<nil>", "none"},
	}
	for _, tt := range tests {
		d := c.DirConfigFor(nil, "/x", tt.file)
		if got := d.Require.String(); got != tt.require {
			t.Errorf("%s: Require = %s, want %s", tt.file, got, tt.require)
		}
		acc := "none"
		if a := d.Access; a != nil {
			acc = fmt.Sprintf("deny:%s allow:%s satisfy:%d", rulesString(a.Deny), rulesString(a.Allow), a.Satisfy)
		}
		if acc != tt.access {
			t.Errorf("%s: Access = %s, want %s", tt.file, acc, tt.access)
		}
	}
}

func rulesString(rs []AccessRule) string {
	var s []string
	for _, r := range rs {
		switch {
		case r.All:
			s = append(s, "all")
		case r.Host != "":
			s = append(s, r.Host)
		case r.Env != "":
			s = append(s, "env="+r.Env)
		default:
			s = append(s, r.Net.String())
		}
	}
	return strings.Join(s, ",")
}

func TestParseIPSubnet(t *testing.T) {
	tests := []struct {
		in      string
		want    string // "" with looks=false: not an address; "err": an error
		looksIP bool
	}{
		{"10.1", "10.1.0.0/16", true},
		{"10.1.", "10.1.0.0/16", true},
		{"10", "10.0.0.0/8", true},
		{"10.1.2", "10.1.2.0/24", true},
		{"10.1.2.3", "10.1.2.3/32", true},
		{"10.1.2.3/8", "10.0.0.0/8", true},
		{"10.0.0.0/255.255.0.0", "10.0.0.0/16", true},
		{"::1", "::1/128", true},
		{"2001:db8::/32", "2001:db8::/32", true},
		{"::ffff:10.1.2.3", "10.1.2.3/32", true},
		{"10.1/16", "err", true},
		{"10.0.0.0/33", "err", true},
		{"10.0.0.0/255.0.255.0", "err", true},
		{"256.1.1.1", "err", true},
		{"1.2.3.4.5", "err", true},
		{"2001:zz::", "err", true},
		{"example.org", "", false},
		{"localhost", "", false},
	}
	for _, tt := range tests {
		addr, mask, has := strings.Cut(tt.in, "/")
		n, looks, err := parseIPSubnet(addr, mask, has)
		got := n.String()
		if err != nil {
			got = "err"
		} else if !looks {
			got = ""
		}
		if got != tt.want || looks != tt.looksIP {
			t.Errorf("parseIPSubnet(%q) = %s %v %v, want %s %v", tt.in, n, looks, err, tt.want, tt.looksIP)
		}
	}
}

func TestAccessErrors(t *testing.T) {
	tests := []errCase{
		{"not at top", "<Location />\nRequire not ip 10.0.0.0/8\n</Location>\n", 2, "Require",
			"negative Require directive has no effect in <RequireAny> directive"},
		{"not in RequireAny", "<Location />\n<RequireAny>\nRequire all granted\nRequire not env X\n</RequireAny>\n</Location>\n", 4, "Require",
			"negative Require directive has no effect in <RequireAny> directive"},
		{"not in RequireNone", "<Location />\n<RequireAll>\nRequire all granted\n<RequireNone>\nRequire not env X\n</RequireNone>\n</RequireAll>\n</Location>\n", 5, "Require",
			"negative Require directive has no effect in <RequireNone> directive"},
		{"RequireNone at top", "<Location />\n<RequireNone>\nRequire env X\n</RequireNone>\n</Location>\n", 2, "<RequireNone>",
			"<RequireNone> directive has no effect in <RequireAny> directive"},
		{"only negative", "<Location />\n<RequireAll>\nRequire not env X\n<RequireNone>\nRequire env Y\n</RequireNone>\n</RequireAll>\n</Location>\n", 2, "<RequireAll>",
			"contains only negative authorization directives"},
		{"empty container", "<Location />\n<RequireAll>\n</RequireAll>\n</Location>\n", 2, "<RequireAll>",
			"contains no authorization directives"},
		{"container args", "<Location />\n<RequireAny x>\nRequire all granted\n</RequireAny>\n</Location>\n", 2, "<RequireAny>",
			"doesn't take additional arguments"},
		{"container at server level", "<RequireAll>\nRequire all granted\n</RequireAll>\n", 1, "<RequireAll>", "not allowed in server config"},
		{"container unclosed", "<Location />\n<RequireAll>\nRequire all granted\n</Location>\n", 4, "</Location>", "expected </RequireAll>"},
		{"other directive in container", "<Location />\n<RequireAll>\nSetHandler none\n</RequireAll>\n</Location>\n", 3, "SetHandler", "not allowed inside <RequireAll>"},
		{"section in container", "<Directory /a>\n<RequireAll>\n<Files x>\n</Files>\n</RequireAll>\n</Directory>\n", 3, "<Files>", "not allowed inside <RequireAll>"},
		{"Require all bad", "<Location />\nRequire all maybe\n</Location>\n", 2, "Require", `"Require all" takes granted or denied`},
		{"Require not alone", "<Location />\nRequire not\n</Location>\n", 2, "Require", "needs a rule"},
		{"Require bad ip", "<Location />\nRequire ip 10.0.0.300\n</Location>\n", 2, "Require", "ip address '10.0.0.300' appears to be invalid"},
		{"Require ip host name", "<Location />\nRequire ip example.org\n</Location>\n", 2, "Require", "ip address 'example.org' appears to be invalid"},
		{"Require ip none", "<Location />\nRequire ip\n</Location>\n", 2, "Require", "at least one"},
		{"Require host none", "<Location />\nRequire host\n</Location>\n", 2, "Require", "at least one"},
		{"Require local args", "<Location />\nRequire local x\n</Location>\n", 2, "Require", "takes no arguments"},
		{"Require method", "<Location />\nRequire method GET\n</Location>\n", 2, "Require", "not supported by modpy"},
		{"Require at vhost", "<VirtualHost *>\nRequire all granted\n</VirtualHost>\n", 2, "Require", "not allowed in <VirtualHost>"},
		{"AuthMerging bad", "<Location />\nAuthMerging Maybe\n</Location>\n", 2, "AuthMerging", "must be one of: Off | And | Or"},
		{"Order bad", "<Directory />\nOrder allow,denied\n</Directory>\n", 2, "Order", "unknown order"},
		{"Order with space", "<Directory />\nOrder allow, deny\n</Directory>\n", 2, "Order", "takes one argument, got 2"},
		{"Allow without from", "<Directory />\nAllow all\n</Directory>\n", 2, "Allow", "takes at least two arguments"},
		{"Allow not from", "<Directory />\nAllow to all\n</Directory>\n", 2, "Allow", "must be followed by 'from'"},
		{"Deny bad ip", "<Directory />\nDeny from 10.0.0.0/40\n</Directory>\n", 2, "Deny", "bad network mask"},
		{"Deny host with mask", "<Directory />\nDeny from example.org/8\n</Directory>\n", 2, "Deny", "An IP address was expected"},
		{"Allow empty env", "<Directory />\nAllow from env=\n</Directory>\n", 2, "Allow", "names no variable"},
		{"Satisfy bad", "<Directory />\nSatisfy some\n</Directory>\n", 2, "Satisfy", "Satisfy either 'any' or 'all'."},
		{"Order at server level", "Order allow,deny\n", 1, "Order", "not allowed in server config"},
	}
	runErrCases(t, tests)
}
