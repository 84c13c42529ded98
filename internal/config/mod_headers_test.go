package config

import (
	"net/netip"
	"path/filepath"
	"reflect"
	"testing"
)

// The configuration side of mod_headers, mod_setenvif, mod_expires,
// mod_remoteip, mod_deflate and mod_filter: what the lines parse to, the
// merges, and the errors.

func TestHeaderLines(t *testing.T) {
	c := mustLoad(t, `Header set X-A "a\tb %D %{HOME}e %% %t"
Header always append X-B b env=!NOB
Header onsuccess unset X-C env=C
Header echo ^X-Echo
Header edit* Set-Cookie ^(.*)$ "$1; Secure" early
Header always set X-X "expr=%{REQUEST_URI}" "expr=%{REQUEST_STATUS} -ge 400"
RequestHeader setifempty X-D: d
<Location /in>
	Header merge Cache-Control no-cache
	RequestHeader unset X-D
	Header always note X-E enote
</Location>
`)
	d := c.Main.Dir
	if len(d.Header) != 4 || len(d.HeaderAlways) != 2 || len(d.RequestHeader) != 1 {
		t.Fatalf("lists: %d %d %d", len(d.Header), len(d.HeaderAlways), len(d.RequestHeader))
	}
	if x := d.HeaderAlways[1]; x.Expr == nil || x.Expr.Source() != "%{REQUEST_STATUS} -ge 400" || x.ValueExpr.Source() != "%{REQUEST_URI}" {
		t.Errorf("expr=: %+v", x)
	}
	set := d.Header[0]
	want := []HeaderFormat{{FormatText, "a\tb "}, {FormatDuration, ""}, {FormatText, " "}, {FormatEnv, "HOME"},
		{FormatText, " % "}, {FormatTime, ""}}
	if set.Action != HeaderSet || set.Name != "X-A" || !reflect.DeepEqual(set.Value, want) {
		t.Errorf("set: %+v", set)
	}
	if b := d.HeaderAlways[0]; b.Action != HeaderAppend || b.Env != "NOB" || !b.NotEnv {
		t.Errorf("always append: %+v", b)
	}
	if u := d.Header[1]; u.Action != HeaderUnset || u.Env != "C" || u.NotEnv || u.Value != nil {
		t.Errorf("unset: %+v", u)
	}
	if e := d.Header[2]; e.Action != HeaderEcho || !e.Regex.MatchString("X-Echo-1") {
		t.Errorf("echo: %+v", e)
	}
	if e := d.Header[3]; e.Action != HeaderEditAll || !e.Early || e.Regex.String() != "^(.*)$" || e.Value[0].Text != "$1; Secure" {
		t.Errorf("edit*: %+v", e)
	}
	if r := d.RequestHeader[0]; r.Action != HeaderSetIfEmpty || r.Name != "X-D" {
		t.Errorf("RequestHeader: %+v", r)
	}
	l := c.LocationConfig(c.Main, "/in/x")
	if len(l.Header) != 5 || l.Header[4].Action != HeaderMerge || len(l.RequestHeader) != 2 || l.RequestHeader[1].Action != HeaderUnset ||
		len(l.HeaderAlways) != 3 || l.HeaderAlways[2].Action != HeaderNote {
		t.Errorf("merged: %d %d %d", len(l.Header), len(l.RequestHeader), len(l.HeaderAlways))
	}
}

func TestSetEnvIfLines(t *testing.T) {
	c := mustLoad(t, `SetEnvIf Remote_Addr ^127\. local
BrowserMatch "MSIE 4\.0b2;" nokeepalive !gone v=x
SetEnvIfNoCase ^X-Key$ "^(a+)b" key=$1
SetEnvIf X-Plain . plain
<VirtualHost *:80>
	SetEnvIf Request_URI ^/v vhost
</VirtualHost>
<Directory /srv>
	SetEnvIf Request_Method POST post
</Directory>
`)
	m := c.Main.SetEnvIf
	if len(m) != 4 {
		t.Fatalf("server rules: %d", len(m))
	}
	if m[0].Attr != EnvRemoteAddr || m[0].Re == nil || m[0].Re.String() != `^127\.` {
		t.Errorf("Remote_Addr: %+v", m[0])
	}
	if m[1].Attr != EnvHeader || m[1].Name != "User-Agent" || m[1].Re != nil || m[1].Literal != "MSIE 4.0b2;" ||
		!reflect.DeepEqual(m[1].Vars, []EnvVarSet{{Name: "nokeepalive", Value: "1"}, {Name: "gone", Unset: true}, {Name: "v", Value: "x"}}) {
		t.Errorf("BrowserMatch: %+v", m[1])
	}
	if m[2].Attr != EnvHeaderRegex || !m[2].NameRe.MatchString("x-key") || !m[2].Re.MatchString("AAB") || m[2].Vars[0].Value != "$1" {
		t.Errorf("header regex, no case: %+v", m[2])
	}
	if m[3].Attr != EnvHeader || m[3].Re == nil {
		t.Errorf("a dot is a regular expression: %+v", m[3])
	}
	if v := c.VHosts[0].SetEnvIf; len(v) != 5 || v[4].Attr != EnvRequestURI {
		t.Errorf("vhost rules: %d", len(v))
	}
	if len(c.Main.Dir.SetEnvIf) != 0 {
		t.Errorf("server-level rules in the per-directory list")
	}
	d := c.DirConfigFor(c.Main, "/x", "/srv/x")
	if len(d.SetEnvIf) != 1 || d.SetEnvIf[0].Attr != EnvRequestMethod || d.SetEnvIf[0].Literal != "POST" {
		t.Errorf("directory rules: %+v", d.SetEnvIf)
	}
}

func TestExpiresLines(t *testing.T) {
	for code, want := range map[string]ExpiresCode{
		"A3600":                               {Seconds: 3600},
		"M0":                                  {Modification: true},
		"access plus 1 month":                 {Seconds: 30 * 86400},
		"now plus 2 weeks 1 day 3 hours":      {Seconds: 15*86400 + 3*3600},
		"modification plus 1 year 5 minutes":  {Modification: true, Seconds: 365*86400 + 300},
		"access 10 seconds":                   {Seconds: 10},
		"access plus 1 mon 2 min 3 s 1 h 1 d": {Seconds: 30*86400 + 120 + 3 + 3600 + 86400},
	} {
		got, err := parseExpires(code)
		if err != nil || got != want {
			t.Errorf("%q: %+v, %v; want %+v", code, got, err, want)
		}
	}
	c := mustLoad(t, `ExpiresActive On
ExpiresDefault "access plus 1 day"
ExpiresByType text/* A60
ExpiresByType Image/PNG "modification plus 1 hour"
<Location /in>
	ExpiresByType image/png A1
</Location>
<Location /off>
	ExpiresActive Off
</Location>
`)
	d := c.Main.Dir
	if !*d.ExpiresActive || d.ExpiresDefault.Seconds != 86400 || d.ExpiresByType["image/png"] != (ExpiresCode{true, 3600}) || !*d.ExpiresWildcards {
		t.Errorf("server: %+v", d)
	}
	l := c.LocationConfig(c.Main, "/in")
	if l.ExpiresByType["image/png"].Seconds != 1 || l.ExpiresByType["text/*"].Seconds != 60 || *l.ExpiresWildcards {
		t.Errorf("/in: %+v (a section with Expires* lines and no wildcard hides the outer wildcards, as in Apache)", l.ExpiresByType)
	}
	if l := c.LocationConfig(c.Main, "/off"); *l.ExpiresActive || l.ExpiresDefault.Seconds != 86400 {
		t.Errorf("/off: %+v", l)
	}
}

func TestRemoteIPLines(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"proxies.txt": "# the balancers\n10.1.0.0/16 192.0.2.7 # one more\n\n2001:db8::/32\n"})
	c, _, err := loadText(t, `RemoteIPHeader X-Forwarded-For
RemoteIPInternalProxy 127.0.0.1 10.2
RemoteIPTrustedProxyList `+filepath.Join(dir, "proxies.txt")+`
<VirtualHost *:80>
	RemoteIPProxiesHeader X-Forwarded-By
</VirtualHost>
<VirtualHost *:81>
	RemoteIPHeader X-Real-IP
	RemoteIPTrustedProxy 198.51.100.0/24
</VirtualHost>
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []RemoteIPProxy{
		{netip.MustParsePrefix("127.0.0.1/32"), true}, {netip.MustParsePrefix("10.2.0.0/16"), true},
		{netip.MustParsePrefix("10.1.0.0/16"), false}, {netip.MustParsePrefix("192.0.2.7/32"), false},
		{netip.MustParsePrefix("2001:db8::/32"), false},
	}
	if m := c.Main; m.RemoteIPHeader != "X-Forwarded-For" || !reflect.DeepEqual(m.RemoteIPProxies, want) {
		t.Errorf("main: %q %v", m.RemoteIPHeader, m.RemoteIPProxies)
	}
	if v := c.VHosts[0]; v.RemoteIPHeader != "X-Forwarded-For" || v.RemoteIPProxiesHeader != "X-Forwarded-By" || len(v.RemoteIPProxies) != 5 {
		t.Errorf("vhost 1 inherits: %+v", v)
	}
	if v := c.VHosts[1]; v.RemoteIPHeader != "X-Real-IP" || len(v.RemoteIPProxies) != 1 {
		t.Errorf("vhost 2's own: %+v", v.RemoteIPProxies)
	}
}

func TestDeflateLines(t *testing.T) {
	c := mustLoad(t, `DeflateCompressionLevel 9
DeflateFilterNote Input in
DeflateFilterNote ratio
DeflateAlterETag Remove
AddOutputFilterByType DEFLATE text/html text/plain
AddOutputFilterByType DEFLATE;BROTLI_COMPRESS application/json
<Location /css>
	AddOutputFilterByType DEFLATE text/css
</Location>
<VirtualHost *:80>
</VirtualHost>
<VirtualHost *:81>
	DeflateBufferSize 100
</VirtualHost>
`)
	d := c.Main.Deflate
	if d == nil || d.Level != 9 || d.NoteInput != "in" || d.NoteRatio != "ratio" || d.AlterETag != ETagRemove || d.BufferSize != DefaultDeflateBufferSize {
		t.Errorf("main: %+v", d)
	}
	if c.VHosts[0].Deflate != d {
		t.Errorf("a vhost without Deflate* lines has the main server's")
	}
	if v := c.VHosts[1].Deflate; v.BufferSize != 100 || v.Level != 0 {
		t.Errorf("a vhost with one starts from the defaults: %+v", v)
	}
	if got := c.Main.Dir.FilterByType["DEFLATE"]; !reflect.DeepEqual(got, []string{"text/html", "text/plain", "application/json"}) {
		t.Errorf("by type: %q", got)
	}
	if got := c.LocationConfig(c.Main, "/css").FilterByType["DEFLATE"]; !reflect.DeepEqual(got, []string{"text/css"}) {
		t.Errorf("an inner section's types replace the outer's (mod_filter's merge): %q", got)
	}
}

func TestHeadersModulesErrors(t *testing.T) {
	runErrCases(t, []errCase{
		{"Header bad action", "Header frob X y\n", 1, "Header", "first argument must be 'add'"},
		{"Header set without value", "Header set X\n", 1, "Header", "set requires a value"},
		{"Header too many", "Header set X y env=A extra\n", 1, "Header", "too many arguments"},
		{"Header unknown clause", "Header set X y when=A\n", 1, "Header", `unknown parameter "when=A"`},
		{"Header env without name", "Header set X y env=!\n", 1, "Header", "missing environment variable name"},
		{"Header expr condition", "Header set X y \"expr=%{REQUEST_URIX} =~ m#^/a#\"\n", 1, "Header",
			"Can't parse envclause/expression: Variable 'REQUEST_URIX' does not exist"},
		{"Header expr value", "Header set X \"expr=%{REQUEST_URI\"\n", 1, "Header", "Can't parse value expression : Parse error: unterminated"},
		{"Header bad format", "Header set X %Q\n", 1, "Header", "Unrecognized header format %Q"},
		{"Header edit without replacement", "Header edit X ^a\n", 1, "Header", "edit requires a match and a substitution"},
		{"Header edit bad regex", "Header edit X ( b\n", 1, "Header", "edit regular expression"},
		{"RequestHeader echo", "RequestHeader echo X\n", 1, "RequestHeader", "echo is valid only for Header"},
		{"RequestHeader always", "RequestHeader always set X y\n", 1, "RequestHeader", "first argument must be"},
		{"Header early in a section", "<Location /a>\nHeader set X y early\n</Location>\n", 2, "Header", "early is valid only at server or virtual host level"},
		{"SetEnvIf bad regex", "SetEnvIf X-A ( v\n", 1, "SetEnvIf", "regular expression"},
		{"SetEnvIf no variable", "SetEnvIf X-A a =1\n", 1, "SetEnvIf", `"=1" names no variable`},
		{"SetEnvIfExpr", "SetEnvIfExpr \"-F '/x'\" v\n", 1, "SetEnvIfExpr", "Could not parse expression \"-F '/x'\": Unary operator '-F' is not supported by modpy"},
		{"ExpiresByType no slash", "ExpiresByType text A1\n", 1, "ExpiresByType", "should contain a slash"},
		{"Expires bad base", "ExpiresDefault \"later plus 1 day\"\n", 1, "ExpiresDefault", "unrecognised <base> 'later'"},
		{"Expires bad type", "ExpiresDefault \"access plus 1 fortnight\"\n", 1, "ExpiresDefault", "unrecognised <type>'fortnight'"},
		{"Expires missing type", "ExpiresDefault \"access plus 1\"\n", 1, "ExpiresDefault", "missing <type>"},
		{"Expires capital Access", "ExpiresDefault \"Access plus 1 day\"\n", 1, "ExpiresDefault", "Apache would read this one as 0 seconds"},
		{"ExpiresActive bad", "ExpiresActive yes\n", 1, "ExpiresActive", "must be On or Off"},
		{"RemoteIP host name", "RemoteIPInternalProxy proxy.example.com\n", 1, "RemoteIPInternalProxy", "is a host name"},
		{"RemoteIP bad mask", "RemoteIPTrustedProxy 10.0.0.0/40\n", 1, "RemoteIPTrustedProxy", "bad network mask"},
		{"RemoteIP list missing", "RemoteIPTrustedProxyList /nonexistent/list\n", 1, "RemoteIPTrustedProxyList", "could not open file"},
		{"RemoteIPHeader in a section", "<Location />\nRemoteIPHeader X-Real-IP\n</Location>\n", 2, "RemoteIPHeader", "not allowed in <Location>"},
		{"PROXY protocol", "RemoteIPProxyProtocol On\n", 1, "RemoteIPProxyProtocol", "the PROXY protocol is not supported"},
		{"Deflate level", "DeflateCompressionLevel 10\n", 1, "DeflateCompressionLevel", "out of range (1 to 9)"},
		{"Deflate note type", "DeflateFilterNote Size n\n", 1, "DeflateFilterNote", "unknown note type Size"},
		{"Deflate in a section", "<Location />\nDeflateCompressionLevel 1\n</Location>\n", 2, "DeflateCompressionLevel", "not allowed in <Location>"},
		{"by type, other filter", "AddOutputFilterByType INCLUDES text/html\n", 1, "AddOutputFilterByType", "filter INCLUDES: not supported by modpy by type"},
		{"DEFLATE input filter", "SetInputFilter DEFLATE\n", 1, "SetInputFilter", "handlers would read the request body unfiltered"},
	})
}
