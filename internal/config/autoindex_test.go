package config

import "testing"

// mod_autoindex's directives and merge. Apache 2.4.71 lists the same
// directories the same way for each case marked "as Apache" (checked
// side by side).

// TestIndexOptionsMerge: IndexOptions' keywords and their +/- forms
// across sections, as Apache's merge_autoindex_configs combines them.
func TestIndexOptionsMerge(t *testing.T) {
	c := mustLoad(t, `IndexOptions FancyIndexing HTMLTable
<Directory /a>
    IndexOptions +FoldersFirst -HTMLTable
</Directory>
<Directory /a/b>
    IndexOptions +HTMLTable
</Directory>
<Directory /abs>
    IndexOptions VersionSort
</Directory>
<Directory /quirk>
    # As Apache: an unprefixed keyword drops the section's increments.
    IndexOptions FancyIndexing +SuppressSize
</Directory>
<Directory /none>
    IndexOptions None
    IndexOptions +FancyIndexing
</Directory>
<Directory /none/kid>
    IndexOptions +IconsAreLinks
</Directory>
<Directory /charset>
    # Not a flag: it leaves the flags inherited.
    IndexOptions Charset=UTF-8 +SuppressRules
</Directory>
`)
	for _, tc := range []struct {
		dir  string
		want IndexOpts
	}{
		{"/", IndexFancyIndexing | IndexHTMLTable},
		{"/a", IndexFancyIndexing | IndexFoldersFirst},
		// As Apache: the sections' increments are merged among
		// themselves first (-HTMLTable stays removed), and the result,
		// no longer "unset", replaces the server's flags.
		{"/a/b", IndexFoldersFirst},
		{"/abs", IndexVersionSort},
		{"/quirk", IndexFancyIndexing},
		{"/none", 0},
		// As Apache: None's section keeps its own +FancyIndexing as an
		// increment, which the section below brings back.
		{"/none/kid", IndexFancyIndexing | IndexIconsAreLinks},
		{"/charset", IndexFancyIndexing | IndexHTMLTable | IndexSuppressRules},
	} {
		d := c.DirConfigFor(nil, tc.dir+"/", tc.dir+"/x")
		if got := d.AutoindexConfig().Flags(); got != tc.want {
			t.Errorf("%s: options %#x, want %#x", tc.dir, got, tc.want)
		}
	}
	if d := c.DirConfigFor(nil, "/charset/", "/charset/x"); *d.AutoindexConfig().Charset != "UTF-8" {
		t.Errorf("Charset= not set")
	}
	if (&DirConfig{}).AutoindexConfig().Flags() != 0 {
		t.Errorf("no IndexOptions: want no flags")
	}
}

// TestAutoindexLists: AddIcon, AddAlt, AddDescription and IndexIgnore
// accumulate (inner sections first); IndexIgnoreReset starts afresh; the
// strings and widths are inherited unless set.
func TestAutoindexLists(t *testing.T) {
	c := mustLoad(t, `AddIcon /icons/text.gif .txt
AddIcon (IMG,/icons/image.gif) .png
AddIconByType (TXT,/icons/t.gif) text/*
AddIconByEncoding /icons/z.gif X-GZIP
AddIcon /icons/dir.gif ^^DIRECTORY^^
AddIcon /icons/core.gif /core
AddDescription "Top" *.md
IndexIgnore .??* *~
HeaderName HEADER.html
IndexOptions NameWidth=30 DescriptionWidth=*
<Directory /a>
    AddIcon /icons/a.gif .txt
    AddDescription "<b>Notes</b>" notes
    AddDescription "Deep" sub/deep.txt
    IndexIgnore *.log
    ReadmeName README
    IndexOptions IconWidth=16 -IconHeight
</Directory>
<Directory /r>
    IndexIgnoreReset On
    IndexIgnore *.bin
</Directory>
`)
	a := c.DirConfigFor(nil, "/a/", "/a/x").AutoindexConfig()
	for _, tc := range []struct {
		path, ctype, enc string
		pathOnly         bool
		icon, alt        string
	}{
		{"/a/f.txt", "text/plain", "", false, "/icons/a.gif", "TXT"}, // the inner section's first
		{"/b/f.txt", "image/png", "", false, "/icons/text.gif", ""},
		{"/a/p.png", "image/png", "", false, "/icons/image.gif", "IMG"},
		{"/a/read.me", "TEXT/Plain", "", false, "/icons/t.gif", "TXT"}, // types without case
		{"/a/read.me", "text/plain", "", true, "", ""},                 // path only: no type
		{"/a/f.tgz", "", "x-gzip", false, "/icons/z.gif", ""},
		{"/a/f.tgz", "text/plain", "x-gzip", false, "/icons/z.gif", ""}, // an encoding hides the type
		{"^^DIRECTORY^^", "", "", true, "/icons/dir.gif", ""},
		{"/a/core", "", "", true, "/icons/core.gif", ""},
		{"/a/score", "", "", true, "", ""},
	} {
		icon, _ := a.Icon(tc.path, tc.ctype, tc.enc, tc.pathOnly)
		alt, _ := a.Alt(tc.path, tc.ctype, tc.enc, tc.pathOnly)
		if icon != tc.icon || alt != tc.alt {
			t.Errorf("%s %s %s: icon %q alt %q, want %q %q", tc.path, tc.ctype, tc.enc, icon, alt, tc.icon, tc.alt)
		}
	}
	for path, want := range map[string]string{
		"/a/notes.txt": "<b>Notes</b>", "/a/README.md": "Top", "/a/sub/deep.txt": "Deep", "/a/deep.txt": "",
	} {
		if got, _ := a.Description(path); got != want {
			t.Errorf("Description(%s) = %q, want %q", path, got, want)
		}
	}
	for path, want := range map[string]bool{"/a/.git": true, "/a/x~": true, "/a/x.log": true, "/a/..": false, "/a/.x": false, "/b/x.log": false} {
		if got := a.Ignored(path); got != want {
			t.Errorf("Ignored(%s) = %v, want %v", path, got, want)
		}
	}
	r := c.DirConfigFor(nil, "/r/", "/r/x").AutoindexConfig()
	if r.Ignored("/r/.git") || !r.Ignored("/r/x.bin") {
		t.Errorf("IndexIgnoreReset: %+v", r.Ignore)
	}
	if *a.Header != "HEADER.html" || *a.Readme != "README" || a.NameWidth.Width() != 30 || !a.DescWidth.Adjust ||
		a.IconWidth != 16 || a.IconHeight != 0 {
		t.Errorf("inherited settings: %+v", a)
	}
	if (IndexWidth{}).Width() != 23 {
		t.Errorf("default width")
	}
}

func TestAutoindexMatchers(t *testing.T) {
	for _, tc := range []struct {
		s, pat string
		fold   bool
		want   bool
	}{
		{"/srv/a/x.txt", "/srv/a/*", false, true},
		{"x.txt", "*.TXT", false, false},
		{"x.txt", "*.TXT", true, true},
		{".git", ".??*", false, true},
		{"..", ".??*", false, false},
		{"abc", "a?c", false, true},
		{"ac", "a?c", false, false},
		{"", "*", false, true},
	} {
		if got := wildMatch(tc.s, tc.pat, tc.fold); got != tc.want {
			t.Errorf("wildMatch(%q, %q, %v) = %v", tc.s, tc.pat, tc.fold, got)
		}
	}
	for _, tc := range []struct {
		pat, name string
		want      bool
	}{
		{"*.txt", "a.txt", true},
		{"*.txt", ".a.txt", false}, // a leading dot only by a dot
		{".*", ".a", true},
		{"[ab]*", "b1", true},
		{"[!ab]*", "b1", false},
		{"[a-c]x", "bx", true},
		{`a\*`, `a\b`, true}, // no escapes
		{"x[", "x[", true},
	} {
		if got := MatchIndexPattern(tc.pat, tc.name); got != tc.want {
			t.Errorf("MatchIndexPattern(%q, %q) = %v", tc.pat, tc.name, got)
		}
	}
	// AddDescription's patterns: "*" crosses "/", and escapes work.
	if !fnMatch("*/sub/deep.txt*", "/a/sub/deep.txt", false, false) || !fnMatch(`a\*b`, "a*b", false, false) {
		t.Errorf("fnMatch")
	}
}
