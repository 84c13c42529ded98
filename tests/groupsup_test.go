package tests

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Process groups through the workers' relay (issue 14): each UserDir
// user's code in a group of its own, as that user; the supervision of
// named groups (request-timeout, the memory limits, graceful restart,
// a group that cannot start, the restart counters of ?json); and what a
// group process holds (its ids, descriptors and environment).

// userHandler is h.py in a UserDir user's public_html: OWNER differs in
// each user's copy (the same module name, each user's own code).
const userHandler = `import os
from mod_python import apache
OWNER = %q

def handler(req):
    req.content_type = "text/plain"
    a = req.args or ""
    if a.startswith("read="):
        try:
            with open(a[5:]) as f:
                req.write("read: " + f.read())
        except PermissionError as e:
            req.write("PermissionError: %%s" %% e)
        return apache.OK
    if a.startswith("connect="):
        # Another group's socket, as this user: refused (SO_PEERCRED).
        import socket
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect("\0" + a[8:])
            s.sendall(b"GET /~modpy-ub/x HTTP/1.0\r\nModpy-Relay: remote=192.0.2.1%%3A1\r\n\r\n")
            req.write("got: %%r" %% s.recv(200))
        except OSError as e:
            req.write("OSError: %%s" %% e)
        return apache.OK
    if a.startswith("sleep="):
        import time
        time.sleep(float(a[6:]))
        req.write("slept")
        return apache.OK
    if a.startswith("slowexit="):
        # The process, when it ends, takes this long in its shutdown
        # (after it stopped taking connections).
        import time
        apache.register_cleanup(time.sleep, float(a[9:]))
        req.write("registered")
        return apache.OK
    if a.startswith("board="):
        # What of the server's shared memory this process can see: the
        # memfds it holds or maps, and whether another process's request
        # line (the marker, given reversed: not in this request's own) is
        # in any of them.
        import mmap
        names, found = [], False
        for fd in os.listdir("/proc/self/fd"):
            try:
                link = os.readlink("/proc/self/fd/" + fd)
            except OSError:
                continue
            if link.startswith("/memfd:"):
                names.append(link[7:].split(" ")[0])
                try:
                    with mmap.mmap(int(fd), 0, prot=mmap.PROT_READ) as m:
                        found = found or m.find(a[6:][::-1].encode()) >= 0
                except (OSError, ValueError):
                    pass
        with open("/proc/self/maps") as f:
            mapped = sorted(set(l.split("/memfd:")[1].split(" ")[0] for l in f if "/memfd:" in l))
        req.write("memfds=%%s mapped=%%s found=%%s" %% (sorted(names), mapped, found))
        return apache.OK
    if a == "drain":
        # Say "draining" on every pipe it can write (the master's ready
        # pipe), and ask for another user's group, without draining.
        for fd in os.listdir("/proc/self/fd"):
            try:
                if os.readlink("/proc/self/fd/" + fd).startswith("pipe:"):
                    os.write(int(fd), b"DU modpy-uc\n")
            except OSError:
                pass
        # Closed after: the next request comes on a new connection, which
        # another process of the group may take.
        req.headers_out["Connection"] = "close"
        req.write("pid=%%d" %% os.getpid())
        return apache.OK
    if a == "kill":
        os.kill(os.getpid(), 9)
    if a == "exit":
        os._exit(1)
    req.write("%%s uid=%%d pid=%%d" %% (OWNER, os.getuid(), os.getpid()))
    return apache.OK

`

// userPage is an SSI page whose #python says who it runs as and what it
// could read (?read=FILE).
const userPage = `static
<!--#python exec="
import os
a = filter.req.args or ''
filter.write('ssi uid=%d ' % os.getuid())
try:
    filter.write('read: ' + open(a[5:]).read())
except PermissionError as e:
    filter.write('PermissionError: %s' % e)
" -->`

const userWSGI = `import os
OWNER = %q
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("wsgi %%s uid=%%d group=%%s" %% (OWNER, os.getuid(), environ["mod_wsgi.process_group"])).encode()]
`

// fetch is GET path on s with a fresh connection, from any goroutine.
func fetch(s *site, path string) (int, string, error) {
	return s.doFresh(path)
}

// wantGet fails t unless GET path answers code with a body containing want.
func wantGet(t *testing.T, s *site, path string, code int, want string) string {
	t.Helper()
	st, body, err := fetch(s, path)
	if err != nil || st != code || !strings.Contains(body, want) {
		t.Fatalf("GET %s: %d %q %v, want %d with %q\nerror log:\n%s", path, st, body, err, code, want, s.errorLog())
	}
	return body
}

// userHome fills user u's public_html with the handler and the WSGI
// script, owned by u, and a 0600 secret file in its home.
func userHome(t *testing.T, name string, uid, gid int, home string) string {
	t.Helper()
	pub := filepath.Join(home, "public_html")
	files := map[string]string{
		filepath.Join(pub, ".htaccess"): "SetHandler mod_python\nPythonHandler h\n<Files app.wsgi>\n SetHandler wsgi-script\n</Files>\n" +
			"<Files page.shtml>\n SetHandler none\n</Files>\nOptions +Includes\nAddOutputFilter INCLUDES .shtml\n",
		filepath.Join(pub, "page.shtml"): userPage,
		filepath.Join(pub, "h.py"):       fmt.Sprintf(userHandler, name),
		filepath.Join(pub, "app.wsgi"):   fmt.Sprintf(userWSGI, name),
		filepath.Join(home, "secret"):    "the secret of " + name + "\n",
	}
	os.RemoveAll(filepath.Join(pub, "__pycache__"))
	if err := os.MkdirAll(pub, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chown(pub, uid, gid)
	for p, text := range files {
		mode := os.FileMode(0o644)
		if filepath.Base(p) == "secret" {
			mode = 0o600
		}
		if err := os.WriteFile(p, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
		os.Chown(p, uid, gid)
	}
	return filepath.Join(home, "secret")
}

func TestGroupUserDirIsolation(t *testing.T) {
	ua := needUser(t, "modpy-ua", 2071, false)
	ub := needUser(t, "modpy-ub", 2072, false)
	uc := needUser(t, "modpy-uc", 2073, false)
	low := needUser(t, "modpy-g1", 2041, false)
	secrets := map[string]string{}
	for _, u := range []struct{ name, uid, gid, home string }{{ua.Username, ua.Uid, ua.Gid, ua.HomeDir},
		{ub.Username, ub.Uid, ub.Gid, ub.HomeDir}, {uc.Username, uc.Uid, uc.Gid, uc.HomeDir},
		{low.Username, low.Uid, low.Gid, low.HomeDir}} {
		uid, _ := strconv.Atoi(u.uid)
		gid, _ := strconv.Atoi(u.gid)
		secrets[u.name] = userHome(t, u.name, uid, gid, u.home)
	}
	s := newSite(t, map[string]string{"lib/mp.py": masterHandlers, "htdocs/index.html": "hi\n"})
	openSite(t, s)
	s.writeFiles(map[string]string{"site.conf": masterConf("StartServers 1\n" +
		"UserDir public_html\nUserDir disabled root modpy-uc\nUserDirMinUid 2045\n" +
		"PythonUserDirProcess On\n" +
		"<Directory /home>\n AllowOverride All\n Options +ExecCGI\n</Directory>\n" +
		"<Location /status>\n SetHandler modpy-status\n</Location>\n")})
	s.start("-f", filepath.Join(s.Dir, "site.conf"))
	mp := s.masterPid()

	t.Run("as-the-user", func(t *testing.T) {
		for _, u := range []struct{ name, uid string }{{ua.Username, ua.Uid}, {ub.Username, ub.Uid}} {
			// The same module name h in both: each user's own code, as
			// that user, in its per-user group started on this request.
			body := wantGet(t, s, "/~"+u.name+"/x", 200, u.name+" uid="+u.uid+" ")
			pid, _ := strconv.Atoi(body[strings.LastIndex(body, "=")+1:])
			uid, _ := strconv.Atoi(u.uid)
			ps := groupProcs(mp, "~"+u.name)
			if !slices.ContainsFunc(ps, func(p groupProc) bool { return p.pid == pid && p.uid == uid }) {
				t.Fatalf("/~%s/ answered by pid %d, not a process of group ~%s (%+v)", u.name, pid, u.name, ps)
			}
			wantGet(t, s, "/~"+u.name+"/app.wsgi", 200, "wsgi "+u.name+" uid="+u.uid+" group=~"+u.name)
		}
	})
	t.Run("files", func(t *testing.T) {
		// A cannot read B's 0600 file, nor B A's; each reads its own.
		wantGet(t, s, "/~modpy-ua/x?read="+secrets["modpy-ub"], 200, "PermissionError")
		wantGet(t, s, "/~modpy-ub/x?read="+secrets["modpy-ua"], 200, "PermissionError")
		wantGet(t, s, "/~modpy-ub/x?read="+secrets["modpy-ub"], 200, "read: the secret of modpy-ub")
		wantGet(t, s, "/~modpy-ua/x?read="+secrets["modpy-ua"], 200, "read: the secret of modpy-ua")
		// The same for the #python of an SSI page of A's (its .htaccess
		// turns Includes on): it runs in A's group too, not in the worker.
		wantGet(t, s, "/~modpy-ua/page.shtml?read="+secrets["modpy-ub"], 200, "static\nssi uid="+ua.Uid+" PermissionError")
		wantGet(t, s, "/~modpy-ua/page.shtml?read="+secrets["modpy-ua"], 200, "read: the secret of modpy-ua")
	})
	t.Run("crash", func(t *testing.T) {
		for _, how := range []string{"kill", "exit"} {
			st, _, _ := fetch(s, "/~modpy-ua/x?"+how)
			if st == 200 {
				t.Fatalf("/~modpy-ua/x?%s: 200", how)
			}
			// B goes on; A serves again on its next request.
			wantGet(t, s, "/~modpy-ub/x", 200, "modpy-ub uid="+ub.Uid)
			wantGet(t, s, "/~modpy-ua/x", 200, "modpy-ua uid="+ua.Uid)
		}
		// Each crashing request ran once: it was not sent again to the
		// replacement (which it would have crashed too).
		log := s.waitLog("GET /~modpy-ua/x?exit")
		for _, how := range []string{"kill", "exit"} {
			if n := strings.Count(log, "while running GET /~modpy-ua/x?"+how+" "); n != 1 {
				t.Errorf("?%s crashed %d group processes, want 1:\n%s", how, n, log)
			}
		}
	})
	t.Run("refused", func(t *testing.T) {
		// UserDir disabled, root, and a uid below UserDirMinUid: 404, and
		// no group started.
		for _, p := range []string{"/~modpy-uc/x", "/~root/x", "/~modpy-g1/x", "/~modpy-g1/app.wsgi"} {
			wantGet(t, s, p, 404, "")
		}
		for _, g := range []string{"~modpy-uc", "~root", "~modpy-g1"} {
			if ps := groupProcs(mp, g); len(ps) > 0 {
				t.Fatalf("group %s runs: %+v", g, ps)
			}
		}
		contains(t, "error log", s.waitLog("uid 2041 is below UserDirMinUid 2045: refused"), "uid 2041 is below UserDirMinUid 2045: refused")
	})
	t.Run("peercred", func(t *testing.T) {
		// A's code connecting to B's group socket (or its own), as A, to
		// pose as a worker: the group closes it unread, and says so.
		for _, g := range []string{"~modpy-ub", "~modpy-ua"} {
			body := wantGet(t, s, fmt.Sprintf("/~modpy-ua/x?connect=modpy.%d.1.%s", mp, g), 200, "")
			if body != "got: b''" && !strings.HasPrefix(body, "OSError: ") {
				t.Fatalf("modpy-ua's code on group %s's socket: %q, want it closed unanswered", g, body)
			}
			want := "group " + g + ": refused a connection from uid " + ua.Uid
			contains(t, "error log", s.waitLog(want), want)
		}
	})
	t.Run("process", func(t *testing.T) {
		checkGroupProcess(t, s, mp, "~modpy-ua", ua.Uid, ua.Gid)
	})
	t.Run("scoreboard", func(t *testing.T) {
		// A's code sees no shared memory but its own slot's region: not
		// the scoreboard, and not B's request line while B runs it.
		marker := fmt.Sprintf("inflight-marker-%d", time.Now().UnixNano())
		done := make(chan string, 1)
		go func() {
			_, body, _ := fetch(s, "/~modpy-ub/"+marker+"?sleep=2")
			done <- body
		}()
		time.Sleep(500 * time.Millisecond)
		rev := []byte(marker)
		slices.Reverse(rev)
		body := wantGet(t, s, "/~modpy-ua/x?board="+string(rev), 200, "")
		if want := "memfds=['modpy-group-slot'] mapped=['modpy-group-slot'] found=False"; body != want {
			t.Errorf("A's code sees %q, want %q", body, want)
		}
		if got := <-done; got != "slept" {
			t.Errorf("B's request: %q", got)
		}
		// The status page still shows B's group process and what it ran.
		st := wantGet(t, s, "/status?json", 200, `"~modpy-ub"`)
		if !strings.Contains(st, `"requests"`) {
			t.Errorf("status lacks the group's counters:\n%s", st)
		}
	})
	t.Run("ready-pipe", func(t *testing.T) {
		// A's code says "draining" on the master's ready pipe without
		// draining, from each of its processes in turn (the one that said
		// it is held stopped meanwhile, so that the next takes the next
		// request): the master starts at most one replacement per
		// processes=, not one per lie, and starts no group for another
		// user.
		var held []int
		defer func() {
			for _, pid := range held {
				syscall.Kill(pid, syscall.SIGCONT)
			}
		}()
		for i := 0; i < 3; i++ {
			body := wantGet(t, s, "/~modpy-ua/x?drain", 200, "pid=")
			pid, _ := strconv.Atoi(strings.TrimPrefix(body, "pid="))
			if slices.Contains(held, pid) {
				t.Fatalf("pid %d, held stopped, answered", pid)
			}
			if i == 1 {
				break // the second lie: a third process would be one too many
			}
			syscall.Kill(pid, syscall.SIGSTOP)
			held = append(held, pid)
			// Its replacement up: the next request is its.
			waitGroup(t, mp, "~modpy-ua", "a replacement", func(ps []groupProc) bool { return len(ps) == 2 })
			time.Sleep(time.Second)
		}
		time.Sleep(time.Second)
		if ps := groupProcs(mp, "~modpy-ua"); len(ps) > 2 {
			t.Errorf("after two processes said they drain, group ~modpy-ua has %d processes: %+v", len(ps), ps)
		}
		if ps := groupProcs(mp, "~modpy-uc"); len(ps) > 0 {
			t.Errorf("a group's code started group ~modpy-uc: %+v", ps)
		}
	})
}

// checkGroupProcess checks what group name's processes hold: all of
// their uids and gids the group's user's, no supplementary group but its
// own, no Listen socket, no other group's socket, no pipe but the
// master's two, and the environment the user's.
func checkGroupProcess(t *testing.T, s *site, mp int, name, uid, gid string) {
	t.Helper()
	ps := groupProcs(mp, name)
	if len(ps) == 0 {
		t.Fatalf("group %s has no process", name)
	}
	unixNames := map[string]string{} // socket inode -> path
	if b, err := os.ReadFile("/proc/net/unix"); err == nil {
		for _, l := range strings.Split(string(b), "\n")[1:] {
			if f := strings.Fields(l); len(f) >= 8 {
				unixNames[f[6]] = f[7]
			}
		}
	}
	tcpInodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, _ := os.ReadFile(f)
		for _, l := range strings.Split(string(b), "\n")[1:] {
			if f := strings.Fields(l); len(f) >= 10 && f[3] == "0A" { // LISTEN
				tcpInodes[f[9]] = true
			}
		}
	}
	own := fmt.Sprintf("@modpy.%d.", mp)
	for _, p := range ps {
		// Every thread's credentials, not only the main thread's: Python's
		// and Go's threads all switched.
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", p.pid))
		if err != nil || len(tasks) < 2 {
			t.Fatalf("group %s pid %d: threads %v %v", name, p.pid, tasks, err)
		}
		var status []byte
		for _, task := range tasks {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", p.pid, task.Name()))
			if err == nil {
				status = append(status, b...)
			}
		}
		for _, l := range strings.Split(string(status), "\n") {
			f := strings.Fields(l)
			if len(f) == 0 {
				continue
			}
			switch f[0] {
			case "Uid:", "Gid:":
				want := uid
				if f[0] == "Gid:" {
					want = gid
				}
				for _, v := range f[1:] {
					if v != want {
						t.Errorf("group %s pid %d: %s, want %s everywhere", name, p.pid, l, want)
					}
				}
			case "Groups:":
				if len(f) != 2 || f[1] != gid {
					t.Errorf("group %s pid %d: %s, want only %s", name, p.pid, l, gid)
				}
			}
		}
		pipes := 0
		for _, fd := range fdsOf(t, p.pid) {
			link := strings.SplitN(fd, " -> ", 2)[1]
			if strings.HasPrefix(link, "pipe:") {
				pipes++
			}
			ino, ok := strings.CutPrefix(link, "socket:[")
			if !ok {
				continue
			}
			ino = strings.TrimSuffix(ino, "]")
			if tcpInodes[ino] {
				t.Errorf("group %s pid %d holds a listening TCP socket: %s", name, p.pid, fd)
			}
			if path := unixNames[ino]; strings.HasPrefix(path, "@modpy.") && !strings.HasSuffix(path, "."+name) {
				t.Errorf("group %s pid %d holds another group's socket: %s (%s)", name, p.pid, fd, path)
			} else if strings.HasPrefix(path, "@modpy.") && !strings.HasPrefix(path, own) {
				t.Errorf("group %s pid %d holds another master's socket: %s (%s)", name, p.pid, fd, path)
			}
		}
		if pipes > 2 {
			t.Errorf("group %s pid %d holds %d pipes, want the master's 2: %v", name, p.pid, pipes, fdsOf(t, p.pid))
		}
	}
}

// groupJSON is the groups of ?json.
type groupJSON struct {
	Groups []struct {
		Name      string            `json:"name"`
		Restarts  uint64            `json:"restarts"`
		ByReason  map[string]uint64 `json:"restarts_by_reason"`
		Processes []struct {
			Pid int `json:"pid"`
		} `json:"processes"`
	} `json:"groups"`
}

func (s *site) groupRestarts(t *testing.T, name string) (uint64, map[string]uint64) {
	t.Helper()
	st, body, err := fetch(s, "/status?json")
	if err != nil || st != 200 {
		t.Fatalf("/status?json: %d %v", st, err)
	}
	var doc groupJSON
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("/status?json: %v\n%s", err, body)
	}
	for _, g := range doc.Groups {
		if g.Name == name {
			return g.Restarts, g.ByReason
		}
	}
	t.Fatalf("/status?json has no group %s:\n%s", name, body)
	return 0, nil
}

const supHandlers = `
def gh(req):
    import os, time, resource
    req.content_type = "text/plain"
    a = req.args or "pid"
    if a == "pid":
        req.write(str(os.getpid()))
    elif a == "sleep":
        time.sleep(30)  # in C, the GIL released
    elif a == "holdgil":
        import ctypes
        ctypes.PyDLL(None).sleep(30)  # in C, holding the GIL
    elif a == "limits":
        req.write("%d %d" % (resource.getrlimit(resource.RLIMIT_DATA)[0], resource.getrlimit(resource.RLIMIT_AS)[0]))
    elif a.startswith("alloc="):
        try:
            b = bytearray(int(a[6:]))
            req.write("allocated %d" % len(b))
        except MemoryError:
            req.write("MemoryError")
    elif a == "env":
        req.write("\n".join("%s=%s" % kv for kv in sorted(os.environ.items())))
    return apache.OK
`

func TestGroupSupervision(t *testing.T) {
	u := needUser(t, "modpy-g1", 2041, false)
	s := newSite(t, map[string]string{"lib/mp.py": masterHandlers + supHandlers, "htdocs/index.html": "hi\n"})
	openSite(t, s)
	bad := filepath.Join(s.Dir, "badhome")
	os.Mkdir(bad, 0o755)
	loc := func(path, group string) string {
		return "<Location " + path + ">\n WSGIProcessGroup " + group + "\n SetHandler mod_python\n PythonHandler mp::gh\n</Location>\n"
	}
	s.writeFiles(map[string]string{"site.conf": masterConf("StartServers 1\n" +
		"<Location /status>\n SetHandler modpy-status\n</Location>\n" +
		"WSGIDaemonProcess sup user=modpy-g1 threads=2 request-timeout=1\n" +
		"WSGIDaemonProcess mem user=modpy-g1 memory-limit=700000000 virtual-memory-limit=16000000000\n" +
		"WSGIDaemonProcess gr user=modpy-g1 processes=2 threads=4\n" +
		"WSGIDaemonProcess bad user=modpy-g1 home=" + bad + " connect-timeout=1\n" +
		"WSGIDaemonProcess dl user=modpy-g1 threads=2 deadlock-timeout=1\n" +
		loc("/dl", "dl") + loc("/sup", "sup") + loc("/mem", "mem") + loc("/gr", "gr") + loc("/bad", "bad"))})
	s.start("-f", filepath.Join(s.Dir, "site.conf"))
	mp := s.masterPid()
	for _, p := range []string{"/sup", "/mem", "/gr", "/bad", "/dl"} {
		wantGet(t, s, p+"?pid", 200, "")
	}

	t.Run("request-timeout", func(t *testing.T) {
		before := wantGet(t, s, "/sup?pid", 200, "")
		st, _, _ := fetch(s, "/sup?sleep")
		if st == 200 {
			t.Fatalf("a request sleeping 30 s past request-timeout=1 answered 200")
		}
		want := "group sup pid " + before + " stopped (exit status 3)"
		contains(t, "error log", s.waitLog(want), want)
		after := wantGet(t, s, "/sup?pid", 200, "")
		if after == before {
			t.Fatalf("pid %s still serves after it was stuck", before)
		}
		if n, by := s.groupRestarts(t, "sup"); n < 1 || by["stuck"] < 1 {
			t.Fatalf("?json: group sup restarts %d %v, want a stuck one", n, by)
		}
	})
	t.Run("deadlock-timeout", func(t *testing.T) {
		// C code holding the GIL: no thread can run Python; after
		// deadlock-timeout=1 the process exits and is replaced.
		before := wantGet(t, s, "/dl?pid", 200, "")
		st, _, _ := fetch(s, "/dl?holdgil")
		if st == 200 {
			t.Fatalf("a request holding the GIL for 30 s past deadlock-timeout=1 answered 200")
		}
		want := "group dl pid " + before + ": deadlock-timeout 1s passed: the GIL was not free for "
		contains(t, "error log", s.waitLog(want), want)
		want = "group dl pid " + before + " stopped (exit status 3)"
		contains(t, "error log", s.waitLog(want), want)
		if after := wantGet(t, s, "/dl?pid", 200, ""); after == before {
			t.Fatalf("pid %s still serves after it deadlocked", before)
		}
		if n, by := s.groupRestarts(t, "dl"); n < 1 || by["stuck"] < 1 {
			t.Fatalf("?json: group dl restarts %d %v, want a stuck one", n, by)
		}
	})
	t.Run("memory-limit", func(t *testing.T) {
		wantGet(t, s, "/mem?limits", 200, "700000000 16000000000")
		wantGet(t, s, "/mem?alloc=10000000", 200, "allocated 10000000")
		wantGet(t, s, "/mem?alloc=900000000", 200, "MemoryError")
		wantGet(t, s, "/mem?alloc=10000000", 200, "allocated 10000000")
	})
	t.Run("killed-counts", func(t *testing.T) {
		ps := waitGroup(t, mp, "gr", "2 processes", func(ps []groupProc) bool { return len(ps) == 2 })
		n0, by0 := s.groupRestarts(t, "gr")
		syscall.Kill(ps[0].pid, syscall.SIGKILL)
		deadline := time.Now().Add(5 * time.Second)
		for {
			n, by := s.groupRestarts(t, "gr")
			if n == n0+1 && by["died"] == by0["died"]+1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("?json after a kill -9 in group gr: restarts %d %v, before %d %v", n, by, n0, by0)
			}
			time.Sleep(50 * time.Millisecond)
		}
		// The workers' own counter is not the groups'.
		var doc struct {
			Master struct {
				Restarts map[string]uint64 `json:"restarts"`
			} `json:"master"`
		}
		_, body, _ := fetch(s, "/status?json")
		json.Unmarshal([]byte(body), &doc)
		if doc.Master.Restarts["died"] != 0 {
			t.Fatalf("a group process's death counted as a worker's: %v", doc.Master.Restarts)
		}
	})
	t.Run("process", func(t *testing.T) {
		checkGroupProcess(t, s, mp, "gr", u.Uid, u.Gid)
		env := wantGet(t, s, "/gr?env", 200, "HOME="+u.HomeDir+"\n")
		contains(t, "environment", env, "USER=modpy-g1\n")
		// Not the workers' TLS session ticket key's pipe, nor root's
		// home.
		if strings.Contains(env, "MODPY_TICKET_KEY_FD") || strings.Contains(env, "=/root\n") {
			t.Errorf("group environment:\n%s", env)
		}
	})
	t.Run("graceful", func(t *testing.T) {
		// A loop of requests to the group during a graceful restart: none
		// fails.
		var ok, failed atomic.Int64
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{}}
				if i == 0 {
					c = freshClient
				}
				for {
					select {
					case <-stop:
						return
					default:
					}
					resp, err := c.Get(s.URL + "/gr?pid")
					if err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
					if err != nil || resp.StatusCode != 200 {
						t.Logf("request failed: %v %v", err, resp)
						failed.Add(1)
						continue
					}
					ok.Add(1)
				}
			}()
		}
		old := groupProcs(mp, "gr")
		time.Sleep(300 * time.Millisecond)
		syscall.Kill(mp, syscall.SIGUSR1)
		waitGroup(t, mp, "gr", "generation 2 only", func(ps []groupProc) bool {
			return len(ps) == 2 && !slices.ContainsFunc(ps, func(p groupProc) bool {
				return p.gen != 2 || slices.ContainsFunc(old, func(o groupProc) bool { return o.pid == p.pid })
			})
		})
		time.Sleep(300 * time.Millisecond)
		close(stop)
		wg.Wait()
		if failed.Load() != 0 || ok.Load() == 0 {
			t.Fatalf("graceful restart: %d of %d requests to the group failed", failed.Load(), failed.Load()+ok.Load())
		}
		t.Logf("%d requests to the group during the graceful restart", ok.Load())
	})
	t.Run("cannot-start", func(t *testing.T) {
		// Its home goes: its process killed cannot be replaced. One log
		// line per attempt, with backoff; its requests 503; the others
		// serve.
		ps := waitGroup(t, mp, "bad", "1 process", func(ps []groupProc) bool { return len(ps) == 1 && ps[0].gen == 2 })
		os.Remove(bad)
		syscall.Kill(ps[0].pid, syscall.SIGKILL)
		s.waitLog("starting a process of group bad")
		wantGet(t, s, "/bad?pid", 503, "")
		time.Sleep(1200 * time.Millisecond)
		n := strings.Count(s.errorLog(), "starting a process of group bad:")
		// 0.1 + 0.2 + 0.4 + 0.8 s... in about 2 s: 3 to 5 attempts.
		if n < 2 || n > 6 {
			t.Fatalf("%d attempts logged in about 2 s, want backoff (3 to 5)\n%s", n, s.errorLog())
		}
		wantGet(t, s, "/gr?pid", 200, "")
		wantGet(t, s, "/sup?pid", 200, "")
		// Its home back: it starts and serves again.
		os.Mkdir(bad, 0o755)
		deadline := time.Now().Add(10 * time.Second)
		for {
			if st, _, _ := fetch(s, "/bad?pid"); st == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("group bad did not start again once its home was back\n%s", s.errorLog())
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}
