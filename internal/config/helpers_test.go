package config

import (
	"os"
	"path/filepath"
	"testing"
)

// writeFiles writes name → content under dir, creating directories.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// loadText writes text to httpd.conf in a fresh directory and loads it
// with that directory as ServerRoot. It returns the file's path too.
// DocumentRoots need not exist (as with -T): the tests using it are about
// parsing; check_test.go tests the check.
func loadText(t testing.TB, text string, defines ...string) (*Config, string, error) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "httpd.conf")
	writeFiles(t, dir, map[string]string{"httpd.conf": text})
	c, err := Load(LoadOptions{File: file, ServerRoot: dir, Defines: defines, NoDocumentRootCheck: true})
	return c, file, err
}

func mustLoad(t testing.TB, text string, defines ...string) *Config {
	t.Helper()
	c, _, err := loadText(t, text, defines...)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// option returns a PythonOption's value in d.
func option(d *DirConfig, key string) (string, bool) {
	for _, kv := range d.PythonOptions {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}
