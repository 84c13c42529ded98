package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// Tests of what Load resolves once, so that no consumer re-reads a
// keyword or fills a default per request.

func TestThreadsPerChildDefault(t *testing.T) {
	for text, want := range map[string]int{
		"":                    DefaultThreadsPerChild,
		"ThreadsPerChild 0\n": DefaultThreadsPerChild,
		"ThreadsPerChild 7\n": 7,
	} {
		if got := mustLoad(t, text).Process.ThreadsPerChild; got != want {
			t.Errorf("%q: ThreadsPerChild = %d, want %d", text, got, want)
		}
	}
}

// TestRedirectStatusResolved: a Redirect without a status has 302 from
// the parser, wherever it is, so the server never defaults it.
func TestRedirectStatusResolved(t *testing.T) {
	c := mustLoad(t, `Redirect /a http://x.example/a
RedirectMatch ^/b http://x.example/b
<Location /loc>
    Redirect http://x.example/loc
</Location>
<Directory /srv>
    Redirect /c /d
</Directory>
`)
	rs := append([]Redirect(nil), c.Main.Redirects...)
	for _, s := range c.Main.Sections {
		rs = append(rs, s.Conf.Redirects...)
	}
	if len(rs) != 4 {
		t.Fatalf("Redirects = %+v", rs)
	}
	for _, r := range rs {
		if r.Status != 302 {
			t.Errorf("%s: Status %d, want 302", r.Pos, r.Status)
		}
	}
}

// TestRequireKindResolved: the parser resolves each Require line's
// provider, so the server switches on it instead of comparing names.
func TestRequireKindResolved(t *testing.T) {
	c := mustLoad(t, `<Location />
    Require all granted
    Require local
    Require ip 10.0.0.0/8
    Require host example.com
    Require env OK
    Require valid-user
    Require user ann
    Require group staff
</Location>
`)
	want := []AuthzProvider{AuthzAll, AuthzLocal, AuthzIP, AuthzHost, AuthzEnv, AuthzValidUser, AuthzUser, AuthzGroup}
	rules := c.Main.Sections[0].Conf.Require.Rules
	if len(rules) != len(want) {
		t.Fatalf("Require = %v", c.Main.Sections[0].Conf.Require)
	}
	for i, r := range rules {
		if r.kind != want[i] || r.Kind() != want[i] {
			t.Errorf("Require %s: kind %d (Kind() %d), want %d", r, r.kind, r.Kind(), want[i])
		}
	}
	if k := (&Require{Provider: "ip"}).Kind(); k != AuthzIP {
		t.Errorf("a Require made by hand: Kind() = %d, want AuthzIP", k)
	}
	if k := (&Require{Op: RequireAll}).Kind(); k != AuthzNone {
		t.Errorf("a container: Kind() = %d, want AuthzNone", k)
	}
}

// TestDirConfigFinished: the lookups hand out DirConfigs finished once
// (the ErrorDocuments typed, SetHandler None and AuthType None resolved,
// the Python settings built), and what they hold agrees with what the
// accessors work out for an unfinished DirConfig of the same fields.
func TestDirConfigFinished(t *testing.T) {
	c := mustLoad(t, `Timeout 42
ErrorDocument 404 /missing.html
ErrorDocument 500 "Server broke"
ErrorDocument 502 oops
ErrorDocument 503 http://elsewhere.example/
ErrorDocument 504 mailto:admin@example.com
PythonOption a 1
<Directory /srv/none>
    SetHandler None
    AuthType None
</Directory>
<Directory /srv/py>
    SetHandler mod_python
    AuthType Basic
    PythonDebug On
    PythonInterpQueueTimeout 3
    ErrorDocument 404 default
</Directory>
`)
	want404 := ErrorDocument{Kind: ErrorDocLocal, Value: "/missing.html"}
	for _, tc := range []struct {
		file      string
		handler   string
		set       bool
		authType  string
		debug     bool
		queue     time.Duration
		has404    bool
		remote503 bool
	}{
		{"/other/f", "", false, "", false, 42 * time.Second, true, true},
		{"/srv/none/f", "", true, "", false, 42 * time.Second, true, true},
		{"/srv/py/f", "mod_python", true, "Basic", true, 3 * time.Second, false, true},
	} {
		d := c.DirConfigFor(nil, "/u", tc.file)
		if tc.file == "/other/f" && d != c.Main.Dir {
			t.Fatalf("%s: not the server's DirConfig", tc.file)
		}
		if d.fin == nil {
			t.Fatalf("%s: DirConfig not finished", tc.file)
		}
		raw := Merge(nil, d) // the same fields, unfinished
		if raw.fin != nil {
			t.Fatal("Merge finished its result")
		}
		for _, dc := range []*DirConfig{d, raw} {
			what := tc.file
			if dc == raw {
				what += " (unfinished)"
			}
			if h, set := dc.ForcedHandler(); h != tc.handler || set != tc.set {
				t.Errorf("%s: ForcedHandler = %q, %v; want %q, %v", what, h, set, tc.handler, tc.set)
			}
			if a := dc.EffectiveAuthType(); a != tc.authType {
				t.Errorf("%s: EffectiveAuthType = %q, want %q", what, a, tc.authType)
			}
			if e, ok := dc.ErrorDocument(404); ok != tc.has404 || (ok && e != want404) {
				t.Errorf("%s: ErrorDocument(404) = %+v, %v", what, e, ok)
			}
			for st, want := range map[int]ErrorDocument{
				500: {Kind: ErrorDocText, Value: "Server broke"},
				502: {Kind: ErrorDocText, Value: "oops"},
				503: {Kind: ErrorDocRemote, Value: "http://elsewhere.example/"},
			} {
				if e, ok := dc.ErrorDocument(st); !ok || e != want {
					t.Errorf("%s: ErrorDocument(%d) = %+v, %v; want %+v", what, st, e, ok, want)
				}
			}
			for _, st := range []int{504, 400} { // mailto: is not served; 400 has none
				if e, ok := dc.ErrorDocument(st); ok {
					t.Errorf("%s: ErrorDocument(%d) = %+v, want none", what, st, e)
				}
			}
			py := c.PyConfig(dc)
			if py.Debug != tc.debug || !py.AutoReload || py.QueueTimeout != tc.queue || py.Options.Value("a") != "1" {
				t.Errorf("%s: PyConfig = %+v", what, py)
			}
		}
		if p := c.PyConfig(d); p != d.fin.python || p != c.PyConfig(d) {
			t.Errorf("%s: PyConfig is not the finished one", tc.file)
		}
		if !reflect.DeepEqual(c.PyConfig(d), c.PyConfig(raw)) {
			t.Errorf("%s: finished PyConfig %+v, worked out %+v", tc.file, c.PyConfig(d), c.PyConfig(raw))
		}
	}
	if idx := mustLoad(t, "").Main.Dir.DirectoryIndexes(); len(idx) != 1 || idx[0] != "index.html" {
		t.Errorf("default DirectoryIndexes = %q", idx)
	}
}

// TestEveryLookupFinished: every DirConfig a request can be handed is
// finished, not only the main server's lookups: a virtual host's own
// DirConfig (which a request matching no section gets), its section
// merges, and the merges DirConfigAccess makes with .htaccess files. A
// lookup that left one unfinished would have the server work the values
// out again on each request.
func TestEveryLookupFinished(t *testing.T) {
	dir := t.TempDir()
	site := filepath.Join(dir, "site")
	if err := os.MkdirAll(filepath.Join(site, "u"), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "site.conf")
	text := "Listen 127.0.0.1:1\nServerName x\nDocumentRoot " + site + "\n" +
		"<Directory " + site + "/u>\nAllowOverride FileInfo Indexes\n</Directory>\n" +
		"<VirtualHost *:1>\nServerName v\nPythonDebug On\nErrorDocument 404 \"vhost page\"\n" +
		"<Location /loc>\nSetHandler None\n</Location>\n</VirtualHost>\n"
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	ht := filepath.Join(site, "u", ".htaccess")
	if err := os.WriteFile(ht, []byte("ErrorDocument 404 \"from htaccess\"\nDirectoryIndex disabled\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(LoadOptions{File: conf})
	if err != nil {
		t.Fatal(err)
	}
	v := c.VHosts[0]
	dc, _, err := c.DirConfigAccess(c.Main, "/u/f.txt", filepath.Join(site, "u", "f.txt"), false, c.AccessFiles(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for what, d := range map[string]*DirConfig{
		"main server":            c.Main.Dir,
		"vhost":                  v.Dir,
		"vhost, no section":      c.DirConfigFor(v, "/f", "/elsewhere/f"),
		"vhost <Location>":       c.LocationConfig(v, "/loc/f"),
		"with .htaccess":         dc,
		"with .htaccess, cached": c.mustAccess(t, site),
	} {
		if d.fin == nil {
			t.Errorf("%s: DirConfig not finished", what)
		}
	}
	if py := c.PyConfig(v.Dir); !py.Debug || v.Dir.fin == nil || py != v.Dir.fin.python {
		t.Errorf("vhost: PyConfig %+v is not the finished one", py)
	}
	if e, ok := c.LocationConfig(v, "/loc/f").ErrorDocument(404); !ok || e != (ErrorDocument{Kind: ErrorDocText, Value: "vhost page"}) {
		t.Errorf("vhost <Location>: ErrorDocument(404) = %+v, %v", e, ok)
	}
	if e, ok := dc.ErrorDocument(404); !ok || e != (ErrorDocument{Kind: ErrorDocText, Value: "from htaccess"}) {
		t.Errorf("with .htaccess: ErrorDocument(404) = %+v, %v", e, ok)
	}
	// "DirectoryIndex disabled" leaves no name (not mod_dir's default, not
	// the keyword).
	if idx := dc.DirectoryIndexes(); idx == nil || len(idx) != 0 {
		t.Errorf("DirectoryIndex disabled: DirectoryIndexes() = %#v, want empty", idx)
	}
}

// mustAccess is DirConfigAccess for site/u/g.txt under c's main server.
func (c *Config) mustAccess(t *testing.T, site string) *DirConfig {
	t.Helper()
	d, _, err := c.DirConfigAccess(c.Main, "/u/g.txt", filepath.Join(site, "u", "g.txt"), false, c.AccessFiles(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
