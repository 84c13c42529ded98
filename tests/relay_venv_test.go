package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// Issue 14's "done when": a WSGI app and a mod_python handler each run in
// a process group as another user, with a virtualenv of their own.

const venvFacts = `import json, os, sys

def facts(other_secret):
    import venvmark, pthmod
    try:
        open(other_secret or "/nonexistent", "rb").read()
        other = "read"
    except OSError as e:
        other = type(e).__name__
    return json.dumps({"prefix": sys.prefix, "uid": os.getuid(), "gid": os.getgid(), "pid": os.getpid(),
                       "venv": venvmark.NAME, "pth": pthmod.NAME, "cwd": os.getcwd(), "other": other})
`

const venvApp = `import sys
sys.path.insert(0, __file__.rsplit("/", 1)[0] + "/lib")
import venvfacts

def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [venvfacts.facts(environ["QUERY_STRING"]).encode()]
`

const venvHandler = `from mod_python import apache
import venvfacts

def handler(req):
    req.content_type = "application/json"
    req.write(venvfacts.facts(req.args))
    return apache.OK
`

// makeVenv makes a virtualenv in dir with /usr/bin/python3.11, with a
// module venvmark in its site-packages and a .pth file adding a directory
// that holds pthmod: both say name.
func makeVenv(t *testing.T, dir, name string) {
	t.Helper()
	if out, err := exec.Command("/usr/bin/python3.11", "-m", "venv", "--without-pip", dir).CombinedOutput(); err != nil {
		t.Skipf("python3.11 -m venv: %v: %s", err, out)
	}
	sp := filepath.Join(dir, "lib", "python3.11", "site-packages")
	extra := filepath.Join(dir, "extra")
	files := map[string]string{filepath.Join(sp, "venvmark.py"): fmt.Sprintf("NAME = %q\n", name),
		filepath.Join(sp, "extra.pth"): extra + "\n", filepath.Join(extra, "pthmod.py"): fmt.Sprintf("NAME = %q\n", name)}
	for p, text := range files {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRelayUserVenv(t *testing.T) {
	u1 := needUser(t, "modpy-r1", 2061, false)
	u2 := needUser(t, "modpy-r2", 2062, false)
	s := newSite(t, map[string]string{"app.wsgi": venvApp, "lib/venvfacts.py": venvFacts, "lib/vh.py": venvHandler,
		"lib/mp.py": masterHandlers, "htdocs/index.html": "hi\n"})
	openSite(t, s)
	v1, v2 := filepath.Join(s.Dir, "venv1"), filepath.Join(s.Dir, "venv2")
	makeVenv(t, v1, "venv1")
	makeVenv(t, v2, "venv2")
	// Each user's secret: the other group's code must not read it.
	secrets := map[string]string{}
	for _, u := range []struct{ name, uid, gid string }{{"r1", u1.Uid, u1.Gid}, {"r2", u2.Uid, u2.Gid}} {
		p := filepath.Join(s.Dir, "secret-"+u.name)
		os.WriteFile(p, []byte("secret"), 0o600)
		uid, _ := strconv.Atoi(u.uid)
		gid, _ := strconv.Atoi(u.gid)
		os.Chown(p, uid, gid)
		secrets[u.name] = p
	}
	s.writeFiles(map[string]string{"site.conf": masterConf("StartServers 1\n" +
		"WSGIDaemonProcess r1 user=modpy-r1 python-home=" + v1 + "\n" +
		"WSGIDaemonProcess r2 user=modpy-r2 threads=2 python-home=" + v2 + " python-path={{DIR}}/lib\n" +
		"WSGIScriptAlias /app {{DIR}}/app.wsgi process-group=r1\n" +
		// A python-home that looks like one but has no standard library:
		// its processes die in Python's initialisation.
		"WSGIDaemonProcess r3 user=modpy-r1 connect-timeout=1 python-home={{DIR}}/broken\n" +
		"WSGIScriptAlias /broken {{DIR}}/app.wsgi process-group=r3\n" +
		"<Location /handler>\n SetHandler mod_python\n PythonHandler vh\n PythonProcessGroup r2\n</Location>\n")})
	os.MkdirAll(filepath.Join(s.Dir, "broken", "lib", "python3.11"), 0o755)
	s.start("-f", filepath.Join(s.Dir, "site.conf"))
	worker := s.mustGet("/pid")
	mp := s.masterPid()

	t.Run("broken python-home", func(t *testing.T) {
		if st, body, err := s.doFresh("/broken"); st != 503 {
			t.Errorf("%d %v %s", st, err, body)
		}
		log := s.waitLog("Unable to connect to WSGI daemon process 'r3'")
		contains(t, "error log", log, "Unable to connect to WSGI daemon process 'r3'")
		contains(t, "error log", log, "group r3 pid ")
	})

	for _, c := range []struct {
		path, group, venv string
		uid, home, other  string
	}{{"/app", "r1", v1, u1.Uid, u1.HomeDir, secrets["r2"]}, {"/handler", "r2", v2, u2.Uid, u2.HomeDir, secrets["r1"]}} {
		t.Run(c.path, func(t *testing.T) {
			waitGroupReady(t, s, c.path)
			st, body, err := s.doFresh(c.path + "?" + c.other)
			var f struct {
				Prefix, Venv, Pth, Cwd, Other string
				UID, Pid                      int
			}
			if err != nil || st != 200 || json.Unmarshal([]byte(body), &f) != nil {
				t.Fatalf("%d %v %s\n%s", st, err, body, s.errorLog())
			}
			if f.Prefix != c.venv || f.Venv != "venv"+c.group[1:] {
				t.Errorf("sys.prefix %q, venvmark %q: want the venv %s", f.Prefix, f.Venv, c.venv)
			}
			if f.Pth != f.Venv {
				t.Errorf("the venv's .pth file was not read: pthmod %q", f.Pth)
			}
			if strconv.Itoa(f.UID) != c.uid || f.Cwd != c.home {
				t.Errorf("uid %d cwd %s, want %s %s", f.UID, f.Cwd, c.uid, c.home)
			}
			if f.Other != "PermissionError" {
				t.Errorf("the other user's 0600 file: %s", f.Other)
			}
			ps := groupProcs(mp, c.group)
			if strconv.Itoa(f.Pid) == worker || !slices.ContainsFunc(ps, func(p groupProc) bool { return p.pid == f.Pid }) {
				t.Errorf("pid %d is not a process of group %s %+v (worker %s)", f.Pid, c.group, ps, worker)
			}
		})
	}
}
