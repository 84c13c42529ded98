package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Every section the .htaccess classes list is a section modpy knows (a
// typo there would silently refuse it), and directives carry Apache's
// AllowOverride classes: none for server-level ones and modpy's own
// interpreter-lifecycle directives.
func TestOverrideClasses(t *testing.T) {
	sections := map[string]bool{}
	for _, tag := range sectionNames {
		sections[tag] = true
	}
	for name := range sectionOverride {
		if !sections[name] {
			t.Errorf("%q is not a section", name)
		}
	}
	for name, want := range map[string]Override{
		"AuthType": OverrideAuthConfig, "Require": OverrideAuthConfig, "Satisfy": OverrideAuthConfig,
		"Order": OverrideLimit, "Allow": OverrideLimit, "Deny": OverrideLimit,
		"Options":        OverrideOptions,
		"DirectoryIndex": OverrideIndexes,
		"SetHandler":     OverrideFileInfo, "AddHandler": OverrideFileInfo, "ErrorDocument": OverrideFileInfo,
		"PythonHandler": OverrideAll, "PythonOption": OverrideAll, "PythonPath": OverrideAll,
		"Listen": 0, "DocumentRoot": 0, "AllowOverride": 0, "PythonInterpMaxRequests": 0,
	} {
		d := directiveTable[strings.ToLower(name)]
		if d == nil {
			t.Errorf("%q is not a directive", name)
		} else if d.override != want {
			t.Errorf("%s: class %v, want %v", name, d.override, want)
		}
	}
}

// An access file is parsed into a section of its own: the configuration
// it came from is untouched, and what its class forbids is an error naming
// the file and line.
func TestParseAccessFile(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "site.conf")
	os.WriteFile(conf, []byte("Listen 127.0.0.1:1\nServerName x\n<Directory "+dir+"/u>\nAllowOverride FileInfo\n</Directory>\n"), 0o644)
	cfg, err := Load(LoadOptions{File: conf})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.HasOverrides() {
		t.Fatal("AllowOverride FileInfo: HasOverrides is false")
	}
	nsec := len(cfg.Main.Sections)
	os.MkdirAll(filepath.Join(dir, "u"), 0o755)
	ht := filepath.Join(dir, "u", ".htaccess")
	os.WriteFile(ht, []byte("SetHandler mod_python\nPythonHandler h\n<Files x.py>\nAddType text/plain .py\n</Files>\n"), 0o644)
	af := cfg.AccessFiles()
	dc, _, err := cfg.DirConfigAccess(cfg.Main, "/u/x.py", filepath.Join(dir, "u", "x.py"), false, af, nil)
	if err != nil {
		t.Fatal(err)
	}
	if dc.SetHandler == nil || *dc.SetHandler != "mod_python" || len(dc.Handlers[PhaseHandler]) != 1 ||
		dc.AddTypes[".py"] != "text/plain" {
		t.Errorf("merged: SetHandler %v, handlers %v, AddTypes %v", dc.SetHandler, dc.Handlers, dc.AddTypes)
	}
	if h := dc.Handlers[PhaseHandler][0]; h.Dir != filepath.Join(dir, "u")+"/" {
		t.Errorf("handler directory %q", h.Dir)
	}
	if len(cfg.Main.Sections) != nsec {
		t.Errorf("parsing the access file added sections to the configuration")
	}
	os.WriteFile(ht, []byte("\nRequire all denied\n"), 0o644)
	os.Chtimes(ht, fileTime(t, ht).Add(10e9), fileTime(t, ht).Add(10e9))
	_, _, err = cfg.DirConfigAccess(cfg.Main, "/u/x.py", filepath.Join(dir, "u", "x.py"), false, af, nil)
	if err == nil || !strings.Contains(err.Error(), ht+":2: Require: not allowed here") {
		t.Errorf("Require under AllowOverride FileInfo: %v", err)
	}
}

func fileTime(t *testing.T, p string) time.Time {
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.ModTime()
}
