package protocol

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestGeneratedFiles regenerates the files into memory and fails on any
// difference from the committed ones: a hand edit of a generated file, or
// a table change that was not regenerated.
func TestGeneratedFiles(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(root, f.Path))
		if err != nil {
			t.Errorf("%s: %v (run go generate ./internal/python)", f.Path, err)
			continue
		}
		if !bytes.Equal(got, f.Data) {
			t.Errorf("%s differs from what internal/python/protocol generates (%s); "+
				"change the tables, not the file, and run go generate ./internal/python", f.Path, firstDiff(got, f.Data))
		}
	}
}

// firstDiff says where two texts first differ.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl || i >= len(g) || i >= len(w) {
			return fmt.Sprintf("line %d is %q, the table gives %q", i+1, gl, wl)
		}
	}
	return "same lines"
}

// TestTables: within a group no two numbers are the same, and no two
// names a language sees collide.
func TestTables(t *testing.T) {
	names := map[Lang]map[string]string{Go: {}, C: {}, Py: {}}
	claim := func(l Lang, name, what string) {
		if prev, ok := names[l][name]; ok {
			t.Errorf("%s is both %s and %s", name, prev, what)
		}
		names[l][name] = what
	}
	for _, g := range Groups {
		seen := map[int]string{}
		for _, c := range g.Consts {
			if prev, ok := seen[c.Value]; ok {
				t.Errorf("%q: %s and %s are both %d", g.Doc, prev, c.Name, c.Value)
			}
			seen[c.Value] = c.Name
			if c.Doc == "" || strings.Contains(c.Doc, "*/") {
				t.Errorf("%s: a doc is needed, without */", c.Name)
			}
			if g.Langs&Go != 0 {
				claim(Go, goName(g.GoPrefix, c.Name), g.Doc)
			}
			if g.Langs&C != 0 {
				claim(C, g.CPrefix+caps(c.Name), g.Doc)
			}
			if g.Langs&Py != 0 {
				claim(Py, g.PyPrefix+caps(c.Name), g.Doc)
			}
		}
	}
	for _, s := range Strings {
		claim(Go, goName("", s.Name), "a string")
		claim(C, "MODPY_"+caps(s.Name), "a string")
	}
	for _, fs := range [][]Field{ReqFields, SrvFields} {
		py := map[string]bool{}
		for _, f := range fs {
			claim(Go, f.Go, "a field")
			if py[f.Py] {
				t.Errorf("field %s twice", f.Py)
			}
			py[f.Py] = true
		}
	}
}

func TestCaps(t *testing.T) {
	for in, want := range map[string]string{
		"Dispatch": "DISPATCH", "ServerCleanup": "SERVER_CLEANUP", "OK": "OK",
		"URIPath": "URI_PATH", "RegisterInFilter": "REGISTER_IN_FILTER", "ErrHeadersOut": "ERR_HEADERS_OUT",
	} {
		if got := caps(in); got != want {
			t.Errorf("caps(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEntryNames: the module C and Go call into is the embedded file
// mod_python/_entry.py, and it defines (or imports) every name they reach
// in it.
func TestEntryNames(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	var module string
	for _, s := range Strings {
		if s.Name == "EntryModule" {
			module = s.Value
		}
	}
	path := filepath.Join(root, "python", strings.ReplaceAll(module, ".", "/")+".py")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("EntryModule %q: %v", module, err)
	}
	imports := regexp.MustCompile(`(?s)\nfrom [\w.]+ import \(([^)]*)\)`).FindAllSubmatch(src, -1)
	for _, s := range Strings {
		if s.Name == "EntryModule" {
			continue
		}
		defined := regexp.MustCompile(`(?m)^(def|class) ` + regexp.QuoteMeta(s.Value) + `\b`).Match(src)
		for _, m := range imports {
			defined = defined || regexp.MustCompile(`\b`+regexp.QuoteMeta(s.Value)+`\b`).Match(m[1])
		}
		if !defined {
			t.Errorf("%s neither defines nor imports %s (%s)", path, s.Value, s.Name)
		}
	}
}
