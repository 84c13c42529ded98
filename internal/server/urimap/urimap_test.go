package urimap

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"modpy/internal/config"
)

func TestWalk(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "d", "a.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		want Storage
	}{
		{"/d/a.txt", Storage{Filename: "/d/a.txt", Exists: true}},
		{"/d/a.txt/x/y", Storage{Filename: "/d/a.txt", PathInfo: "/x/y", Exists: true}},
		{"/d", Storage{Filename: "/d", Exists: true, IsDir: true}},
		{"/d/", Storage{Filename: "/d/", Exists: true, IsDir: true}},
		// Below an existing directory, the first missing name is the file.
		{"/d/missing/more", Storage{Filename: "/d/missing", PathInfo: "/more"}},
		{"/fifo", Storage{Filename: "/fifo", Exists: true, Irregular: true}},
	} {
		got := Walk(root + c.path)
		got.Filename = strings.TrimPrefix(got.Filename, root)
		if (got.MTime != 0) != got.Exists {
			t.Errorf("Walk(%q): MTime %d with Exists %v", c.path, got.MTime, got.Exists)
		}
		got.MTime = 0
		if got != c.want {
			t.Errorf("Walk(%q) = %+v, want %+v", c.path, got, c.want)
		}
	}
	if got := Walk("/no/such/modpy/path"); got != (Storage{Filename: "/no/such/modpy/path"}) {
		t.Errorf("Walk of a missing path = %+v", got)
	}
}

func TestCheckEntry(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "f")
	link := filepath.Join(root, "l")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "nowhere"), filepath.Join(root, "dangling")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		rule    config.SymlinkRule
		mode    uint32
		refused bool
	}{
		{"f", config.SymlinksRefused, syscall.S_IFREG, false},
		{"l", config.SymlinksFollowed, syscall.S_IFREG, false},
		{"l", config.SymlinksIfOwnerMatch, syscall.S_IFREG, false},
		{"l", config.SymlinksRefused, 0, true},
		{"dangling", config.SymlinksFollowed, 0, true},
		{"missing", config.SymlinksRefused, 0, false},
	} {
		mode, err := CheckEntry("/u", filepath.Join(root, c.name), c.rule, "AH00037")
		if mode != c.mode || (err != nil) != c.refused {
			t.Errorf("CheckEntry(%s, rule %d) = %o, %v; want %o, refused %v", c.name, c.rule, mode, err, c.mode, c.refused)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "AH00037: Symbolic link not allowed") {
			t.Errorf("CheckEntry(%s): message %q", c.name, err)
		}
	}
}

func TestAliasAndRedirect(t *testing.T) {
	aliases := []config.Alias{
		{URL: "/icons", Path: "/usr/share/icons"},
		{Regex: regexp.MustCompile(`^/img/(.*)\.png$`), Path: "/srv/png/$1"},
		{URL: "/cgi-bin/", Path: "/usr/lib/cgi-bin/", Script: true},
	}
	for uri, want := range map[string]string{
		"/icons":       "/usr/share/icons",
		"/icons/a.gif": "/usr/share/icons/a.gif",
		"/iconsx":      "", // prefixes match whole segments
		"/img/x.png":   "/srv/png/x",
		"/img/x.gif":   "",
		"/cgi-bin/t":   "/usr/lib/cgi-bin/t",
	} {
		a, got := Alias(aliases, uri)
		if got != want || (a != nil) != (want != "") {
			t.Errorf("Alias(%q) = %v, %q; want %q", uri, a, got, want)
		}
		if a != nil && a.Script != (uri == "/cgi-bin/t") {
			t.Errorf("Alias(%q): Script %v", uri, a.Script)
		}
	}
	rules := []config.Redirect{
		{Status: 410, Prefix: "/gone"},
		{Prefix: "/old", URL: "http://new.example"},
		{Regex: regexp.MustCompile(`^/u/(\w+)$`), URL: "/users/$1"},
	}
	for uri, want := range map[string]string{
		"/gone/x": "",
		"/old/a":  "http://new.example/a",
		"/u/bob":  "/users/bob",
	} {
		r, target := Redirect(rules, uri)
		if r == nil || target != want {
			t.Errorf("Redirect(%q) = %v, %q; want %q", uri, r, target, want)
		}
	}
	if r, _ := Redirect(rules, "/oldx"); r != nil {
		t.Errorf("Redirect(/oldx) matched %+v", r)
	}
}

func TestUserDir(t *testing.T) {
	u := &config.UserDir{Dirs: []string{"/srv/www/*/html"}, DisabledUsers: []string{"root"}}
	for uri, want := range map[string]string{
		"/~bob":         "/srv/www/bob/html",
		"/~bob/":        "/srv/www/bob/html/",
		"/~bob/a/b.txt": "/srv/www/bob/html/a/b.txt",
		"/~root/":       "",
		"/~../":         "",
		"/bob":          "",
	} {
		got, ok := UserDir(u, uri)
		if got != want || ok != (want != "") {
			t.Errorf("UserDir(%q) = %q, %v; want %q", uri, got, ok, want)
		}
	}
}

func TestType(t *testing.T) {
	none, py := "none", "mod_python"
	dc := &config.DirConfig{
		AddTypes:    map[string]string{".tpl": "text/html"},
		AddHandlers: map[string]string{".py": "mod_python"},
		AddCharsets: map[string]string{".utf8": "UTF-8"},
	}
	types := map[string]string{"txt": "text/plain; charset=latin1", "gz": "application/gzip"}
	for _, c := range []struct {
		file, ctype, handler  string
		setHandler            *string
		wantType, wantHandler string
	}{
		{"/a.txt", "", "", nil, "text/plain; charset=latin1", ""},
		{"/A.TPL", "", "", nil, "text/html", ""},                      // extensions without case
		{"/a.txt.utf8", "", "", nil, "text/plain; charset=UTF-8", ""}, // AddCharset replaces
		{"/a.tar.gz", "", "", nil, "application/gzip", ""},            // the last type wins
		{"/x.py", "", "", nil, "", "mod_python"},
		{"/x.unknown", "kept/type", "kept", nil, "kept/type", "kept"},
		{"/x.py", "", "", &none, "", ""},
		{"/x.txt", "", "", &py, "text/plain; charset=latin1", "mod_python"},
	} {
		dc.SetHandler = c.setHandler
		gotType, gotHandler := Type(dc, types, c.file, c.ctype, c.handler)
		if gotType != c.wantType || gotHandler != c.wantHandler {
			t.Errorf("Type(%q) = %q, %q; want %q, %q", c.file, gotType, gotHandler, c.wantType, c.wantHandler)
		}
	}
}
