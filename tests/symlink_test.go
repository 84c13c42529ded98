package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Options FollowSymLinks and SymLinksIfOwnerMatch, and their absence, as
// Apache's directory walk enforces them: for every path component below
// "/", with the Options of the directory holding it (its <Directory>
// sections and, where AllowOverride allows, its .htaccess), for static
// files, handler files and DirectoryIndex results; an .htaccess behind a
// refused link is never read. Apache 2.4.71 answers every case here the
// same way (checked with the same layout).

const symlinkConf = `<Directory {{DIR}}/htdocs/none>
    Options None
</Directory>
<Directory {{DIR}}/htdocs/none/sublink>
    AllowOverride All
</Directory>
<Directory {{DIR}}/htdocs/owner>
    Options SymLinksIfOwnerMatch
</Directory>
<Directory {{DIR}}/htdocs/all>
    Options All
</Directory>
<Directory {{DIR}}/htdocs/ht>
    AllowOverride Options
</Directory>
<Directory {{DIR}}/htdocs/idx>
    Options None
</Directory>
<Directory {{DIR}}/htdocs/idx2>
    Options None
    DirectoryIndex index.html index.txt
</Directory>
<Directory {{DIR}}/htdocs/ix>
    DirectoryIndex index.html index.txt
</Directory>
<Directory {{DIR}}/htdocs/ix/locfollow>
    Options None
</Directory>
<Location /ix/locfollow>
    Options FollowSymLinks
</Location>
<Location /ix/locnone>
    Options None
</Location>
<Directory {{DIR}}/htdocs/ix/dmfollow>
    Options None
</Directory>
<DirectoryMatch /ix/dmfollow>
    Options FollowSymLinks
</DirectoryMatch>
<DirectoryMatch /ix/dmnone>
    Options None
</DirectoryMatch>
<Directory {{DIR}}/htdocs/ix/filesfollow>
    Options None
    <Files index.html>
        Options FollowSymLinks
    </Files>
</Directory>
<Directory {{DIR}}/htdocs/ix/filesnone>
    <Files index.html>
        Options None
    </Files>
</Directory>
<Directory {{DIR}}/htdocs/ix/htfollow>
    Options None
    AllowOverride Options
</Directory>
<Directory {{DIR}}/htdocs/ix/htnone>
    AllowOverride Options
</Directory>
<Directory {{DIR}}/htdocs/py>
    Options -FollowSymLinks
    AddHandler mod_python .py
    PythonHandler mod_python.filehandler
</Directory>
`

const pyPage = "from mod_python import apache\ndef handler(req):\n    req.write('page ran')\n    return apache.OK\n"

func TestSymlinkOptions(t *testing.T) {
	s := startSite(t, symlinkConf, map[string]string{
		"outside/f.txt":                "outside\n",
		"outside/other.txt":            "someone else's\n",
		"outside/sub/x.txt":            "sub x\n",
		"outside/sub/.htaccess":        "NotADirective at all\n",
		"outside/page.py":              pyPage,
		"htdocs/none/plain.txt":        "plain\n",
		"htdocs/ht/.htaccess":          "Options None\n",
		"htdocs/idx2/index.txt":        "second index\n",
		"htdocs/py/real.py":            pyPage,
		"htdocs/follow/real.txt":       "real\n",
		"htdocs/ix/htfollow/.htaccess": "Options FollowSymLinks\n",
		"htdocs/ix/htnone/.htaccess":   "Options None\n",
	})
	out := filepath.Join(s.Dir, "outside")
	for _, d := range []string{"none", "follow", "owner", "all", "ht"} {
		link(t, filepath.Join(out, "f.txt"), s.Dir, "htdocs/"+d+"/link.txt")
		link(t, filepath.Join(out, "other.txt"), s.Dir, "htdocs/"+d+"/other.txt")
		link(t, filepath.Join(out, "nothing-here"), s.Dir, "htdocs/"+d+"/dangling.txt")
		link(t, filepath.Join(out, "sub"), s.Dir, "htdocs/"+d+"/sublink")
	}
	link(t, filepath.Join(out, "f.txt"), s.Dir, "htdocs/idx/index.html")
	link(t, filepath.Join(out, "f.txt"), s.Dir, "htdocs/idx2/index.html")
	link(t, filepath.Join(out, "page.py"), s.Dir, "htdocs/py/link.py")
	for _, d := range indexCases {
		link(t, filepath.Join(out, "f.txt"), s.Dir, "htdocs/ix/"+d+"/index.html")
		if err := os.WriteFile(filepath.Join(s.Dir, "htdocs/ix", d, "index.txt"), []byte("index.txt\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	asRoot := os.Geteuid() == 0
	if asRoot {
		// A target of another owner than the link's (root's).
		if err := os.Chown(filepath.Join(out, "other.txt"), 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}

	htdocs := filepath.Join(s.Dir, "htdocs")
	refused := func(path, logged string) {
		t.Helper()
		st, body := s.get(path)
		if st != 403 {
			t.Errorf("%s: %d %q, want 403", path, st, body)
			return
		}
		want := "Symbolic link not allowed or link target not accessible: " + filepath.Join(htdocs, logged)
		if l := s.waitLog(want); !strings.Contains(l, want) {
			t.Errorf("%s: error log lacks %q:\n%s", path, want, l)
		}
	}
	served := func(path, want string) {
		t.Helper()
		if st, got := s.get(path); st != 200 || got != want {
			t.Errorf("%s: %d %q, want 200 %q", path, st, got, want)
		}
	}

	// Options None: no link is followed, to a file or through a
	// directory; real files are served.
	refused("/none/link.txt", "none/link.txt")
	contains(t, "error log", s.errorLog(), "AH00037: Symbolic link not allowed or link target not accessible: "+htdocs+"/none/link.txt")
	refused("/none/sublink/x.txt", "none/sublink")
	refused("/none/sublink/", "none/sublink")
	refused("/none/link.txt/extra", "none/link.txt")
	served("/none/plain.txt", "plain\n")
	if l := s.errorLog(); strings.Contains(l, "NotADirective") {
		t.Errorf("the .htaccess behind a refused link was read:\n%s", l)
	}

	// The default (FollowSymLinks): links are followed, except one
	// pointing nowhere (403, as Apache, not 404).
	served("/follow/link.txt", "outside\n")
	served("/follow/other.txt", "someone else's\n")
	served("/follow/sublink/x.txt", "sub x\n")
	served("/follow/real.txt", "real\n")
	refused("/follow/dangling.txt", "follow/dangling.txt")
	if st, _ := s.get("/follow/missing.txt"); st != 404 {
		t.Errorf("/follow/missing.txt: %d, want 404", st)
	}

	// SymLinksIfOwnerMatch: same owner followed, another owner refused.
	served("/owner/link.txt", "outside\n")
	served("/owner/sublink/x.txt", "sub x\n")
	refused("/owner/dangling.txt", "owner/dangling.txt")
	if asRoot {
		refused("/owner/other.txt", "owner/other.txt")
	} else {
		t.Log("not root: the different-owner case needs chown and is skipped")
	}
	// All is Apache's OPT_ALL, which has FollowSymLinks and not
	// SymLinksIfOwnerMatch.
	served("/all/other.txt", "someone else's\n")

	// Options None from the directory's .htaccess.
	refused("/ht/link.txt", "ht/link.txt")

	// DirectoryIndex: a refused link is skipped for the next name; if
	// none is left, the answer is 403.
	refused("/idx/", "idx/index.html")
	served("/idx2/", "second index\n")
	// The Options that judge a DirectoryIndex candidate are those of
	// Apache's walk of the directory: its <Directory> sections, its
	// .htaccess and its <DirectoryMatch> sections, not <Location> or
	// <Files>. (<DirectoryMatch> counts here, though not in the walk
	// to the file itself: Apache 2.4.71 gives these same answers.)
	served("/ix/locfollow/", "index.txt\n")
	refused("/ix/locfollow/index.html", "ix/locfollow/index.html")
	served("/ix/locnone/", "outside\n")
	served("/ix/dmfollow/", "outside\n")
	refused("/ix/dmfollow/index.html", "ix/dmfollow/index.html")
	served("/ix/dmnone/", "index.txt\n")
	served("/ix/dmnone/index.html", "outside\n")
	served("/ix/filesfollow/", "index.txt\n")
	served("/ix/filesnone/", "outside\n")
	served("/ix/htfollow/", "outside\n")
	served("/ix/htnone/", "index.txt\n")

	// A handler file: the handler never runs for a refused link.
	served("/py/real.py", "page ran")
	refused("/py/link.py", "py/link.py")
}

// indexCases are the directories under htdocs/ix holding index.html, a
// link to outside/f.txt, and index.txt.
var indexCases = []string{"locfollow", "locnone", "dmfollow", "dmnone", "filesfollow", "filesnone", "htfollow", "htnone"}

// link makes a symbolic link dir/name pointing at target.
func link(t *testing.T, target, dir, name string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}
