package tests

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// The docs that name the code are checked against the tree, so that they
// cannot go stale silently: docs/internals.md's file and file:function
// references (its request path map, the "Adding ..." sections), its
// package graph, and README.md's layout list.

// docHypothetical are names docs/internals.md uses for code that does not
// exist: the worked example of "Adding an Apache module" (and Apache's
// source file name for it). A name containing NAME is a placeholder.
var docHypothetical = map[string]bool{"mod_expires.go": true, "mod_expires.c": true}

// docRef is a reference to a source file, with a function after a colon:
// "internal/httpd/conn.go:conn.serve", "pack.go", "modpy.c:modpy_call".
var docRef = regexp.MustCompile(`([A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*\.(?:go|c|h|py|tmpl)\b)(?::([A-Za-z_]\w*(?:\.\w+)?))?`)

// docPath is a path in the repository: "internal/server/urimap",
// "docs/processes.md".
var docPath = regexp.MustCompile(`\b(?:cmd|internal|python|tests|bench|docs|examples)(?:/[A-Za-z0-9_.-]+)+/?`)

func repoRoot() string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(here))
}

// repoFiles lists the repository's files (slash-separated, relative to
// root), leaving out hidden directories such as .git.
func repoFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// refErrors checks every file, file:function and path reference in text
// against the files of the repository at root.
func refErrors(root string, files []string, text string) []string {
	var errs []string
	for _, m := range docRef.FindAllStringSubmatch(text, -1) {
		file, fn := m[1], m[2]
		if docHypothetical[filepath.Base(file)] || strings.Contains(file, "NAME") {
			continue
		}
		var found []string
		for _, f := range files {
			if f == file || strings.HasSuffix(f, "/"+file) {
				found = append(found, f)
			}
		}
		if len(found) == 0 {
			errs = append(errs, fmt.Sprintf("%s: no such file", m[0]))
			continue
		}
		if fn != "" && !slices.ContainsFunc(found, func(f string) bool { return defines(filepath.Join(root, f), fn) }) {
			errs = append(errs, fmt.Sprintf("%s: %s is not defined in %s", m[0], fn, strings.Join(found, ", ")))
		}
	}
	for _, p := range docPath.FindAllString(text, -1) {
		p = strings.TrimRight(p, "./")
		if docRef.MatchString(p) || strings.Contains(p, "NAME") || docHypothetical[filepath.Base(p)] {
			continue // a file reference, checked above
		}
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			errs = append(errs, fmt.Sprintf("%s: no such file or directory", p))
		}
	}
	return errs
}

// defines reports whether the file at path defines name: a Go function,
// method (Type.method), type, variable or constant; a C function or macro;
// a Python function or class (Class.method: both defined).
func defines(path, name string) bool {
	switch filepath.Ext(path) {
	case ".go":
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		return err == nil && slices.Contains(goNames(f), name)
	case ".c", ".h":
		b, err := os.ReadFile(path)
		q := regexp.QuoteMeta(name)
		return err == nil && regexp.MustCompile(`(?m)^(?:[A-Za-z_][\w \t*]*[\s*]`+q+`\s*\(|#define\s+`+q+`\b)`).Match(b)
	case ".py":
		b, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		for _, part := range strings.Split(name, ".") {
			q := regexp.QuoteMeta(part)
			if !regexp.MustCompile(`(?m)^\s*(?:(?:async\s+)?def|class)\s+` + q + `\b|^` + q + `\s*=`).Match(b) {
				return false
			}
		}
		return true
	}
	return false
}

// goNames are the top-level names f declares, methods as Type.method.
func goNames(f *ast.File) []string {
	var names []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil || len(d.Recv.List) == 0 {
				names = append(names, d.Name.Name)
				continue
			}
			typ := d.Recv.List[0].Type
			if s, ok := typ.(*ast.StarExpr); ok {
				typ = s.X
			}
			switch x := typ.(type) {
			case *ast.IndexExpr:
				typ = x.X
			case *ast.IndexListExpr:
				typ = x.X
			}
			if id, ok := typ.(*ast.Ident); ok {
				names = append(names, id.Name+"."+d.Name.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					names = append(names, s.Name.Name)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						names = append(names, n.Name)
					}
				}
			}
		}
	}
	return names
}

// packageImports are the module's packages (directories with non-test Go
// files, relative to root) and the module's packages each imports, as
// go list reports them with the "modpy/" prefix removed.
func packageImports(t *testing.T, root string, files []string) map[string][]string {
	t.Helper()
	pkgs := map[string][]string{}
	for _, f := range files {
		if !strings.HasSuffix(f, ".go") || strings.HasSuffix(f, "_test.go") || strings.Contains(f, "testdata/") {
			continue
		}
		dir := filepath.ToSlash(filepath.Dir(f))
		af, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, f), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		imps := pkgs[dir]
		for _, imp := range af.Imports {
			if p, ok := strings.CutPrefix(strings.Trim(imp.Path.Value, `"`), "modpy/"); ok && !slices.Contains(imps, p) {
				imps = append(imps, p)
			}
		}
		pkgs[dir] = imps
	}
	for _, imps := range pkgs {
		slices.Sort(imps)
	}
	return pkgs
}

var graphRow = regexp.MustCompile("(?m)^\\| `([^`]+)` \\|.*\\| ([^|]*) \\|$")

// graphErrors compares the package graph table of internals.md's section
// "The package graph" (text) with pkgs.
func graphErrors(text string, pkgs map[string][]string) []string {
	const head = "\n## The package graph\n"
	i := strings.Index(text, head)
	if i < 0 {
		return []string{"no section \"The package graph\""}
	}
	section := text[i+len(head):]
	if j := strings.Index(section, "\n## "); j >= 0 {
		section = section[:j]
	}
	var errs []string
	doc := map[string]bool{}
	for _, m := range graphRow.FindAllStringSubmatch(section, -1) {
		pkg := m[1]
		doc[pkg] = true
		var imps []string
		for _, f := range strings.Fields(m[2]) {
			if strings.HasPrefix(f, "`") {
				imps = append(imps, strings.Trim(f, "`"))
			}
		}
		slices.Sort(imps)
		code, ok := pkgs[pkg]
		switch {
		case !ok:
			errs = append(errs, fmt.Sprintf("package graph: %s is not a package", pkg))
		case !slices.Equal(imps, code):
			errs = append(errs, fmt.Sprintf("package graph: %s imports %v, the doc says %v", pkg, code, imps))
		}
	}
	for pkg := range pkgs {
		if !doc[pkg] {
			errs = append(errs, fmt.Sprintf("package graph: %s is missing", pkg))
		}
	}
	return errs
}

// layoutErrors checks that README.md's layout block (readme) lists every
// package of pkgs.
func layoutErrors(readme string, pkgs map[string][]string) []string {
	_, block, ok := strings.Cut(readme, "## Layout\n")
	if !ok {
		return []string{"README.md: no Layout section"}
	}
	var errs []string
	for pkg := range pkgs {
		if !strings.Contains("\n"+block, "\n"+pkg+"/ ") {
			errs = append(errs, fmt.Sprintf("README.md's layout lacks %s/", pkg))
		}
	}
	return errs
}

func readDoc(t *testing.T, root, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDocsReferences: every file and file:function docs/internals.md names
// exists, its package graph is the code's (regenerate it with the command
// given there), and README.md's layout lists every package.
func TestDocsReferences(t *testing.T) {
	root := repoRoot()
	files := repoFiles(t, root)
	internals := readDoc(t, root, "docs/internals.md")
	if n := len(docRef.FindAllString(internals, -1)); n < 50 {
		t.Errorf("docs/internals.md has %d file references: is the request path map gone?", n)
	}
	pkgs := packageImports(t, root, files)
	for _, e := range append(refErrors(root, files, internals), graphErrors(internals, pkgs)...) {
		t.Errorf("docs/internals.md: %s", e)
	}
	for _, e := range layoutErrors(readDoc(t, root, "README.md"), pkgs) {
		t.Error(e)
	}
}

// TestDocsCheckersFail: the checks above catch a stale reference, a
// changed import and a package missing from README.md.
func TestDocsCheckersFail(t *testing.T) {
	root := repoRoot()
	files := repoFiles(t, root)
	text := "`internal/httpd/conn.go:conn.serve` `conn.go:conn.serveRequest` `modpy.c:modpy_call` `_entry.py:_modpy_entry` " +
		"`apache.py:request.write` `internal/server/urimap` `internal/server/mod_expires.go`\n" +
		"`internal/httpd/conn.go:conn.gone` `internal/httpd/gone.go` `modpy.c:modpy_gone` `_entry.py:_gone` " +
		"`apache.py:request.gone` `internal/server/gone/`\n"
	if errs := refErrors(root, files, text); len(errs) != 6 {
		t.Errorf("refErrors found %d errors, want the 6 of the second line:\n%s", len(errs), strings.Join(errs, "\n"))
	}
	pkgs := map[string][]string{"internal/a": {"internal/b"}, "internal/b": nil}
	good := "\n## The package graph\n\n| `internal/a` | x | `internal/b` |\n| `internal/b` | y | (none) |\n"
	if errs := graphErrors(good, pkgs); len(errs) != 0 {
		t.Errorf("graphErrors on a right graph: %v", errs)
	}
	bad := "\n## The package graph\n\n| `internal/a` | x | (none) |\n"
	if errs := graphErrors(bad, pkgs); len(errs) != 2 {
		t.Errorf("graphErrors on a wrong graph (a's import, b missing): %v", errs)
	}
	if errs := layoutErrors("## Layout\n```\ninternal/a/   x\n```\n", pkgs); len(errs) != 1 {
		t.Errorf("layoutErrors with internal/b/ missing: %v", errs)
	}
}
