package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary text to the parser (with file access off, so
// Include and TypesConfig cannot wander the file system) and checks that
// it never panics and that every error is an *Error with a position.
func FuzzParse(f *testing.F) {
	f.Add(ZeroConfig)
	f.Add(vhostConf)
	f.Add(orderConf)
	f.Add(debianTree["apache2.conf"])
	f.Add(debianTree["sites-enabled/010-pyapp.conf"])
	f.Add(debianTree["conf-enabled/serve-cgi-bin.conf"])
	f.Add("<IfModule !x>\n<IfVersion >= 2.4>\nDefine A b\n</IfVersion>\n</IfModule>\nPythonOption ${A} \"q\\\"\" \\\n x\n")
	f.Add("Options +Indexes -ExecCGI\nRedirect 301 /a http://b/\nErrorDocument 404 \"x y\"\n<Files ~ \"\\.py$\">\n</Files>\n")
	f.Add("<Location />\nRequire local\nRequire all granted\n</Location>\n<</>\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := load(LoadOptions{ServerRoot: "/nonexistent-modpy-fuzz"}, false, text)
		if err != nil {
			e, ok := err.(*Error)
			if !ok || e.Pos.File == "" || e.Msg == "" {
				t.Fatalf("bad error %T %#v", err, err)
			}
			_ = e.Error()
			return
		}
		// A config that loads answers lookups without panicking.
		s := c.SelectServer(netip.AddrPort{}, "x")
		c.DirConfigFor(s, "/a/b", "/a/b/c.py")
		c.LocationConfig(nil, strings.Repeat("/x", 3))
		for _, n := range c.Notices {
			_ = n.String()
		}
	})
}

// FuzzHtaccess feeds arbitrary text to the .htaccess path a request takes
// (Config.DirConfigAccess: the file read from disk, parsed under an
// AllowOverride made of the fuzzer's bits, merged with the <Directory>
// sections, the directory walk's check called on the way) and checks that
// it never panics, that every error is an *Error naming the access file,
// that the walk's check sees each entry from the top down to the file, and
// that the configuration it was read against is unchanged.
func FuzzHtaccess(f *testing.F) {
	for _, s := range []string{
		"AuthType Basic\nAuthName \"x y\"\nRequire valid-user\n",
		"Options -FollowSymLinks +SymLinksIfOwnerMatch\nDirectoryIndex index.py index.html\n",
		"Options None\n",
		"<Files x.py>\nSetHandler mod_python\nPythonHandler h::f\nAddType text/plain .py\n</Files>\n",
		"Order deny,allow\nDeny from all\nAllow from 10.0.0.0/8\nSatisfy any\n",
		"ErrorDocument 404 /x\nRedirect 301 /a http://b/\nSetEnv A b\nPythonOption k v\n",
		"<IfModule mod_python.c>\nAddHandler mod_python .py\n</IfModule>\n<IfDefine !X>\nPythonDebug On\n</IfDefine>\n",
		"<RequireAny>\nRequire ip 127.0.0.1\nRequire all denied\n</RequireAny>\n",
		"<Files\n", "Require\n", "Options None +Indexes\n", "Include /etc/passwd\n", "PythonInterpreter x\n",
		"Line \\\ncontinued\n", "<Directory />\n</Directory>\n",
	} {
		f.Add(s, uint8(OverrideAll))
	}
	f.Add("AuthName x\n", uint8(OverrideAuthConfig))
	f.Add("SetHandler none\n", uint8(OverrideIndexes))
	dir := f.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		f.Fatal(err)
	}
	ht := filepath.Join(sub, ".htaccess")
	file := filepath.Join(sub, "x.py")
	f.Fuzz(func(t *testing.T, text string, bits uint8) {
		ovr := Override(bits) & OverrideAll
		var classes []string
		for o := OverrideAuthConfig; o <= OverrideOptions; o <<= 1 {
			if ovr&o != 0 {
				classes = append(classes, overrideName(o))
			}
		}
		if len(classes) == 0 {
			classes = []string{"None"}
		}
		conf := "Options Indexes\n<Directory " + dir + ">\nAllowOverride " + strings.Join(classes, " ") +
			"\nOptions +SymLinksIfOwnerMatch\n</Directory>\n<DirectoryMatch /sub$>\nPythonOption from conf\n</DirectoryMatch>\n"
		c, err := load(LoadOptions{ServerRoot: dir}, false, conf)
		if err != nil {
			t.Fatalf("the base config: %v", err)
		}
		if err := os.WriteFile(ht, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		nsec := len(c.Main.Sections)
		var seen []string
		var last SymlinkRule
		// Only an access file allowed to hold Options changes a rule.
		optsMayChange := ovr&OverrideOptions != 0 && strings.Contains(strings.ToLower(text), "options")
		check := func(path string, rule SymlinkRule) error {
			seen = append(seen, path)
			last = rule
			want := SymlinksRefused // the server's Options Indexes, above dir
			switch path {
			case sub:
				want = SymlinksIfOwnerMatch // <Directory dir>
			case file:
				if optsMayChange {
					return nil
				}
				want = SymlinksIfOwnerMatch
			}
			if rule != want {
				t.Errorf("rule %d for %s, want %d", rule, path, want)
			}
			return nil
		}
		dc, entries, err := c.DirConfigAccess(c.Main, "/sub/x.py", file, false, c.AccessFiles(), check)
		if len(c.Main.Sections) != nsec {
			t.Errorf("reading the access file changed the configuration's sections")
		}
		if err != nil {
			e, ok := err.(*Error)
			if !ok || e.Pos.File != ht || e.Msg == "" {
				t.Fatalf("bad error %T %#v", err, err)
			}
			_ = e.Error()
			return
		}
		if dc == nil {
			t.Fatal("no DirConfig and no error")
		}
		if len(seen) == 0 || seen[len(seen)-1] != file || !strings.HasPrefix(file, seen[0]) {
			t.Errorf("walk entries %q", seen)
		}
		for i := 1; i < len(seen); i++ {
			if !strings.HasPrefix(seen[i], seen[i-1]+"/") {
				t.Errorf("walk entries out of order: %q", seen)
			}
		}
		if v, _ := option(dc, "from"); v != "conf" {
			// (<DirectoryMatch> merges after the access files.)
			t.Errorf("the <DirectoryMatch> section's PythonOption is lost: %q", v)
		}
		if entries != last {
			// (The <DirectoryMatch> sets no Options.)
			t.Errorf("entries rule %d, the file's %d", entries, last)
		}
	})
}
