package tests

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Process groups (issue 14): the master's side, their processes (users,
// homes, sockets, supervision). Most tests talk to a group's socket
// themselves, as root, which a group accepts as it accepts the workers;
// groupsup_test.go's go through the workers' relay.

const groupHandlers = masterHandlers + `
def cwd(req):
    req.content_type = "text/plain"
    req.write(os.getcwd())
    return apache.OK
`

// needUser makes a system user name with uid (and a home unless noHome,
// then its home is a path that does not exist); it skips without root.
func needUser(t *testing.T, name string, uid int, noHome bool) *user.User {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if u, err := user.Lookup(name); err == nil {
		return u
	}
	args := []string{"-m", "-u", strconv.Itoa(uid), name}
	if noHome {
		args = []string{"-M", "-d", "/nonexistent-" + name, "-u", strconv.Itoa(uid), name}
	}
	if out, err := exec.Command("useradd", args...).CombinedOutput(); err != nil {
		t.Skipf("useradd %s: %v: %s", name, err, out)
	}
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// openSite lets other users read the site's directory (t.TempDir and its
// parent are 0700): the group's Python imports the handlers from it.
func openSite(t *testing.T, s *site) {
	for _, d := range []string{s.Dir, filepath.Dir(s.Dir), filepath.Join(s.Dir, "lib")} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// startGroupSite starts a master (one worker) with the directives
// groups, the handlers of masterConf and /cwd.
func startGroupSite(t *testing.T, groups string) *site {
	t.Helper()
	s := newSite(t, map[string]string{"lib/mp.py": groupHandlers, "htdocs/index.html": "hi\n"})
	openSite(t, s)
	s.writeFiles(map[string]string{"site.conf": masterConf("StartServers 1\n" +
		"<Location /cwd>\n SetHandler mod_python\n PythonHandler mp::cwd\n</Location>\n" +
		groups)})
	s.start("-f", filepath.Join(s.Dir, "site.conf"))
	return s
}

type groupProc struct {
	pid, uid, gen int
	cwd           string
}

// groupProcs lists the processes of group name the master masterPid runs.
func groupProcs(masterPid int, name string) []groupProc {
	var out []groupProc
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil {
			continue
		}
		vars := strings.Split(string(env), "\x00")
		if !slices.Contains(vars, "MODPY_GROUP="+name) || !slices.Contains(vars, "MODPY_MASTER_PID="+strconv.Itoa(masterPid)) {
			continue
		}
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+1:]))[0] == "Z" {
			continue
		}
		p := groupProc{pid: pid}
		for _, v := range vars {
			if g, ok := strings.CutPrefix(v, "MODPY_GENERATION="); ok {
				p.gen, _ = strconv.Atoi(g)
			}
		}
		status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		for _, l := range strings.Split(string(status), "\n") {
			if f := strings.Fields(l); len(f) > 2 && f[0] == "Uid:" {
				p.uid, _ = strconv.Atoi(f[2]) // effective
			}
		}
		p.cwd, _ = os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
		out = append(out, p)
	}
	return out
}

// waitGroup polls until ok(the group's processes) or 15 s.
func waitGroup(t *testing.T, masterPid int, name string, what string, ok func([]groupProc) bool) []groupProc {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ps := groupProcs(masterPid, name)
		if ok(ps) {
			return ps
		}
		if time.Now().After(deadline) {
			t.Fatalf("group %s: %s: processes %+v", name, what, ps)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// groupGet sends GET path to group name's socket of generation gen, as a
// worker's relay would, and returns the status and body.
func groupGet(masterPid, gen int, name, path string) (int, string, error) {
	sock := fmt.Sprintf("@modpy.%d.%d.%s", masterPid, gen, name)
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		}}}
	resp, err := c.Get("http://localhost" + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func (s *site) masterPid() int {
	return s.cmd.Process.Pid
}

func TestGroupProcesses(t *testing.T) {
	u := needUser(t, "modpy-g1", 2041, false)
	uid, _ := strconv.Atoi(u.Uid)
	s := startGroupSite(t, "WSGIDaemonProcess g1 user=modpy-g1 processes=2 threads=4\n")
	mp := s.masterPid()
	ps := waitGroup(t, mp, "g1", "2 processes", func(ps []groupProc) bool {
		return len(ps) == 2 && ps[0].uid == uid && ps[1].uid == uid
	})
	for _, p := range ps {
		if p.uid != uid || p.cwd != u.HomeDir || p.gen != 1 {
			t.Fatalf("group process %+v: want uid %d, cwd %s, generation 1", p, uid, u.HomeDir)
		}
	}
	// It serves on its socket, its Python running as the group's user in
	// its home.
	var code int
	var body string
	var err error
	for i := 0; i < 100; i++ {
		if code, body, err = groupGet(mp, 1, "g1", "/uid"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || code != 200 || !strings.HasPrefix(body, u.Uid+" "+u.Gid) {
		t.Fatalf("GET /uid on the group's socket: %d %q %v, want 200 %q\n%s", code, body, err, u.Uid+" "+u.Gid, s.errorLog())
	}
	if code, body, _ := groupGet(mp, 1, "g1", "/cwd"); code != 200 || body != u.HomeDir {
		t.Fatalf("GET /cwd on the group's socket: %d %q, want %s", code, body, u.HomeDir)
	}
	// The workers still serve, as root (no User).
	if got := s.mustGet("/uid"); got != "0 0" {
		t.Fatalf("a worker's /uid = %q", got)
	}

	// kill -9: a replacement within 1 s.
	victim := ps[0].pid
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	var after []groupProc
	for time.Since(killed) < time.Second {
		after = groupProcs(mp, "g1")
		if len(after) == 2 && !slices.ContainsFunc(after, func(p groupProc) bool { return p.pid == victim || p.uid != uid }) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(after) != 2 || slices.ContainsFunc(after, func(p groupProc) bool { return p.pid == victim || p.uid != uid }) {
		t.Fatalf("1 s after kill -9 of %d: group processes %+v (want 2, uid %d)", victim, after, uid)
	}
	contains(t, "error log", s.waitLog(fmt.Sprintf("group g1 pid %d died: killed by signal 9", victim)),
		fmt.Sprintf("group g1 pid %d died: killed by signal 9", victim))
	for _, p := range after {
		if p.uid != uid {
			t.Fatalf("replacement %+v: uid %d, want %d", p, p.uid, uid)
		}
	}

	// Graceful restart: generation 2's processes, on generation 2's
	// socket; generation 1's go.
	old := after
	if err := syscall.Kill(mp, syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	waitGroup(t, mp, "g1", "generation 2 only", func(ps []groupProc) bool {
		if len(ps) != 2 {
			return false
		}
		for _, p := range ps {
			if p.gen != 2 || p.uid != uid || slices.ContainsFunc(old, func(o groupProc) bool { return o.pid == p.pid }) {
				return false
			}
		}
		return true
	})
	if code, body, err := groupGet(mp, 2, "g1", "/uid"); err != nil || code != 200 || !strings.HasPrefix(body, u.Uid+" ") {
		t.Fatalf("GET /uid on generation 2's socket: %d %q %v", code, body, err)
	}
	if _, _, err := groupGet(mp, 1, "g1", "/uid"); err == nil {
		t.Fatal("generation 1's socket still answers after the graceful restart")
	}

	// Stop: the groups stop with the workers.
	s.stop()
	if ps := groupProcs(mp, "g1"); len(ps) > 0 {
		t.Fatalf("group processes left after the master stopped: %+v", ps)
	}
}

func TestGroupUserWithoutHome(t *testing.T) {
	needUser(t, "modpy-g2", 2042, true)
	s := newSite(t, map[string]string{"htdocs/index.html": "hi\n"})
	s.writeFiles(map[string]string{"site.conf": masterConf("WSGIDaemonProcess nohome user=modpy-g2\n")})
	cmd := exec.Command(modpyBin, "-f", filepath.Join(s.Dir, "site.conf"))
	done := make(chan struct{})
	time.AfterFunc(20*time.Second, func() {
		select {
		case <-done:
		default:
			cmd.Process.Kill()
		}
	})
	out, err := cmd.CombinedOutput()
	close(done)
	if err == nil {
		t.Fatalf("modpy started with a group whose user has no home:\n%s", out)
	}
	// The configuration's check says so (the master's own check, at a
	// graceful restart, too).
	contains(t, "output", string(out), `the home directory "/nonexistent-modpy-g2" of user modpy-g2 (the group's working directory) does not exist`)
	contains(t, "output", string(out), "site.conf:")
}

// startUserGroupSite makes user name (uid) with a UserDir site in its
// home and starts a master with PythonUserDirProcess On and an
// inactivity-timeout of 1 s.
func startUserGroupSite(t *testing.T, name string, uidn int) (*user.User, int, *site) {
	t.Helper()
	u := needUser(t, name, uidn, false)
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	userHome(t, u.Username, uid, gid, u.HomeDir)
	s := startGroupSite(t, "UserDir public_html\nPythonUserDirProcess On inactivity-timeout=1\nUserDirMinUid 2045\n"+
		"<Directory /home>\n AllowOverride All\n</Directory>\n")
	return u, uid, s
}

func TestGroupPerUser(t *testing.T) {
	u, uid, s := startUserGroupSite(t, "modpy-u1", 2051)
	mp := s.masterPid()
	// The first request for the user starts its group, as that user, in
	// its home, through the worker's relay.
	if got := s.mustGet("/~modpy-u1/x"); !strings.HasPrefix(got, "modpy-u1 uid="+u.Uid+" ") {
		t.Fatalf("/~modpy-u1/x: %q", got)
	}
	ps := waitGroup(t, mp, "~modpy-u1", "one process", func(ps []groupProc) bool { return len(ps) == 1 && ps[0].uid == uid })
	if ps[0].uid != uid || ps[0].cwd != u.HomeDir {
		t.Fatalf("per-user group process %+v: want uid %d in %s", ps[0], uid, u.HomeDir)
	}
	contains(t, "error log", s.waitLog("starting per-user group ~modpy-u1"), "starting per-user group ~modpy-u1")
	// It ends after its inactivity-timeout, and is not started again...
	waitGroup(t, mp, "~modpy-u1", "ended after inactivity-timeout", func(ps []groupProc) bool { return len(ps) == 0 })
	time.Sleep(500 * time.Millisecond)
	if ps := groupProcs(mp, "~modpy-u1"); len(ps) > 0 {
		t.Fatalf("the per-user group was started again without a request: %+v", ps)
	}
	if _, _, err := groupGet(mp, 1, "~modpy-u1", "/"); err == nil {
		t.Fatal("the ended per-user group's socket still accepts")
	}
	// ...until the next request for the user.
	if got := s.mustGet("/~modpy-u1/x"); !strings.HasPrefix(got, "modpy-u1 uid="+u.Uid+" ") {
		t.Fatalf("/~modpy-u1/x after the group ended: %q", got)
	}
	waitGroup(t, mp, "~modpy-u1", "started again", func(ps []groupProc) bool { return len(ps) == 1 })
}

// TestGroupPerUserEnding: a request for a user whose group is ending
// (its inactivity-timeout passed, it no longer takes connections, its
// shutdown still runs) waits in the group's socket and is served by the
// group started again for it, not reset when the last process exits.
func TestGroupPerUserEnding(t *testing.T) {
	u, _, s := startUserGroupSite(t, "modpy-u3", 2053)
	mp := s.masterPid()
	if got := s.mustGet("/~modpy-u3/x?slowexit=2"); got != "registered" {
		t.Fatalf("/~modpy-u3/x?slowexit=2: %q", got)
	}
	first := waitGroup(t, mp, "~modpy-u3", "one process", func(ps []groupProc) bool { return len(ps) == 1 })[0].pid
	contains(t, "error log", s.waitLog("inactivity-timeout 1s passed"), "inactivity-timeout 1s passed")
	time.Sleep(300 * time.Millisecond) // its listener closed, its cleanup sleeping
	st, _, body := s.do("GET", "/~modpy-u3/x", "")
	if st != 200 || !strings.HasPrefix(body, "modpy-u3 uid="+u.Uid+" ") {
		t.Fatalf("a request while the group ended: %d %q\n%s", st, body, s.errorLog())
	}
	if ps := groupProcs(mp, "~modpy-u3"); len(ps) != 1 || ps[0].pid == first {
		t.Errorf("want the group started again (not pid %d): %+v", first, ps)
	}
}

func TestGroupMaximumRequests(t *testing.T) {
	u := needUser(t, "modpy-g1", 2041, false)
	uid, _ := strconv.Atoi(u.Uid)
	s := startGroupSite(t, "WSGIDaemonProcess g1 user=modpy-g1 maximum-requests=3\n")
	mp := s.masterPid()
	first := waitGroup(t, mp, "g1", "1 process", func(ps []groupProc) bool { return len(ps) == 1 && ps[0].uid == uid })[0].pid
	get := func() string {
		for i := 0; i < 100; i++ {
			if code, body, err := groupGet(mp, 1, "g1", "/pid"); err == nil && code == 200 {
				return body
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("the group did not answer\n%s", s.errorLog())
		return ""
	}
	for i := 0; i < 3; i++ {
		if got := get(); got != strconv.Itoa(first) {
			t.Fatalf("request %d answered by pid %s, want %d", i+1, got, first)
		}
	}
	want := fmt.Sprintf("group g1 pid %d recycled (maximum-requests 3 reached", first)
	contains(t, "error log", s.waitLog(want), want)
	waitGroup(t, mp, "g1", "a replacement", func(ps []groupProc) bool { return len(ps) == 1 && ps[0].pid != first && ps[0].uid == uid })
	if got := get(); got == strconv.Itoa(first) {
		t.Fatalf("pid %d still answers after maximum-requests", first)
	}
}

// The Python of a request's filters runs in its process group, as its
// handlers' does, when its content is not Python: a PythonOutputFilter on
// a static file, an SSI page's #python, and the same in a subrequest
// (include virtual). They ran in the worker, as the worker's user.
func TestGroupFilters(t *testing.T) {
	u := needUser(t, "modpy-g1", 2041, false)
	s := newSite(t, map[string]string{"lib/mp.py": masterHandlers, "htdocs/index.html": "hi\n",
		"lib/gf.py": `import os
def tag(filter):
    s = filter.read()
    while s:
        filter.write(s)
        s = filter.read()
    if s is None:
        filter.write(b"uid=%d" % os.getuid())
        filter.close()
`,
		"htdocs/g/page.txt":   "static\n",
		"htdocs/g/page.shtml": `a<!--#python eval="str(__import__('os').getuid())" -->b`,
		"htdocs/e/page.txt":   "static\n",
		"htdocs/e/inc.shtml":  `[<!--#include virtual="/g/page.txt" -->]`,
	})
	openSite(t, s)
	s.writeFiles(map[string]string{"site.conf": masterConf("StartServers 1\n" +
		"WSGIDaemonProcess gf user=modpy-g1\nPythonOutputFilter gf::tag TAG\n" +
		"<Directory {{DIR}}/htdocs/g>\n WSGIProcessGroup gf\n AddOutputFilter TAG .txt\n Options +Includes\n AddOutputFilter INCLUDES .shtml\n</Directory>\n" +
		"<Directory {{DIR}}/htdocs/e>\n AddOutputFilter TAG .txt\n Options +Includes\n AddOutputFilter INCLUDES .shtml\n</Directory>\n")})
	s.start("-f", filepath.Join(s.Dir, "site.conf"))
	in := "uid=" + u.Uid
	for _, c := range []struct{ path, want string }{
		{"/g/page.txt", "static\n" + in},
		{"/g/page.shtml", "a" + u.Uid + "b"},
		{"/e/inc.shtml", "[static\n" + in + "]"},
	} {
		if st, body, err := fetch(s, c.path); err != nil || st != 200 || body != c.want {
			t.Errorf("GET %s: %d %q %v, want 200 %q\n%s", c.path, st, body, err, c.want, s.errorLog())
		}
	}
	// Outside the group the filter runs in the worker, with the PythonPath
	// in effect though no Python phase ran (its module is imported here
	// for the first time in the worker: it was not found).
	if st, body, _ := fetch(s, "/e/page.txt"); st != 200 || !strings.HasPrefix(body, "static\nuid=") || strings.HasSuffix(body, in) {
		t.Errorf("GET /e/page.txt: %d %q, want the worker's uid", st, body)
	}
}

// With WSGIRestrictEmbedded On a Python filter on a static file, outside
// any group, is refused as every other Python of a request in a worker is
// (500): it ran embedded.
func TestGroupFiltersRestrictEmbedded(t *testing.T) {
	s := newSite(t, map[string]string{"lib/mp.py": masterHandlers, "htdocs/index.html": "hi\n",
		"lib/gf.py": "def tag(filter):\n    filter.pass_on()\n", "htdocs/e/page.txt": "static\n"})
	s.writeFiles(map[string]string{"site.conf": masterConf("StartServers 1\nWSGIRestrictEmbedded On\n" +
		"PythonOutputFilter gf::tag TAG\n<Directory {{DIR}}/htdocs/e>\n AddOutputFilter TAG .txt\n</Directory>\n")})
	s.start("-f", filepath.Join(s.Dir, "site.conf"))
	if st, body, _ := fetch(s, "/e/page.txt"); st != 500 {
		t.Fatalf("GET /e/page.txt: %d %q, want 500", st, body)
	}
	if st, body, _ := fetch(s, "/index.html"); st != 200 || body != "hi\n" {
		t.Fatalf("GET /index.html (no Python): %d %q", st, body)
	}
	contains(t, "error log", s.waitLog("Embedded mode of mod_wsgi disabled"), "page.txt")
}
