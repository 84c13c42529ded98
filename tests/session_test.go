package tests

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// mod_python.Session (python/mod_python/Session.py, docs/session.md) and
// apache._global_lock.

const sessionHandlers = `import os, time
from mod_python import apache, Session

def handler(req):
    req.content_type = "text/plain"
    what = req.uri.rsplit("/", 1)[-1]
    out = globals()["do_" + what](req)
    req.write(out)
    return apache.OK

def do_count(req):
    # The read-modify-write the session lock must serialize; the sleep
    # widens the window a broken lock would let another request into.
    if req.args == "cleanup":
        Session.CLEANUP_CHANCE = 1
    s = Session.Session(req)
    n = s.get("n", 0)
    time.sleep(0.005)
    s["n"] = n + 1
    if req.args == "expire":
        s.set_timeout(-1)
    s.save()
    if req.args == "cleanup":
        Session.CLEANUP_CHANCE = 1000
    return "%s %d %s %d %d" % (type(s).__name__, os.getpid(), s.id(), s["n"], s.is_new())

def do_info(req):
    s = Session.Session(req)
    return "%s new=%d timeout=%d created<=accessed=%s" % (
        type(s).__name__, s.is_new(), s.timeout(), s.created() <= s.last_accessed())

def do_twice(req):
    # Two Session objects on one id in one request: no deadlock.
    a = Session.Session(req)
    a.save()
    b = Session.Session(req, sid=a.id())
    return "%s %s" % (a.id() == b.id(), b.is_new())

def do_badsid(req):
    try:
        Session.Session(req, sid="../../etc/passwd")
        return "accepted"
    except ValueError:
        return "ValueError"

def do_invalidate(req):
    s = Session.Session(req)
    s.invalidate()
    return "invalidated"

def do_nolock(req):
    s = Session.Session(req, lock=0)
    s["n"] = s.get("n", 0) + 1
    s.save()
    return "%d" % s["n"]

def do_dbmkeys(req):
    import dbm
    path = os.path.join(req.get_options()["mod_python.session.database_directory"], "mp_sess.dbm")
    apache._global_lock(req.server, None, 0)
    try:
        with dbm.open(path, "r") as db:
            return " ".join(sorted(k.decode() for k in db.keys()))
    finally:
        apache._global_unlock(req.server, None, 0)

def do_globallock(req):
    # A counter in a file, incremented under apache._global_lock: the
    # lock must hold across the worker processes.
    path = req.get_options()["counter"]
    apache._global_lock(req.server, "counter")
    try:
        try:
            with open(path) as f:
                n = int(f.read())
        except FileNotFoundError:
            n = 0
        time.sleep(0.005)
        with open(path + ".tmp", "w") as f:
            f.write(str(n + 1))
        os.replace(path + ".tmp", path)
    finally:
        apache._global_unlock(req.server, "counter")
    return "%d %d" % (os.getpid(), n + 1)

def do_lockapi(req):
    out = []
    apache._global_lock(req.server, "k")
    out.append(apache._global_trylock(req.server, "k"))  # held: False at once
    apache._global_unlock(req.server, "k")
    out.append(apache._global_trylock(req.server, "k"))
    apache._global_unlock(req.server, "k")
    apache._global_lock(req.server, None, 0)
    apache._global_unlock(req.server, None, 0)
    for args in [(req.server, None, 8), (req.server, None, -2), ("not a server", "k")]:
        try:
            apache._global_lock(*args)
            out.append("accepted")
        except (ValueError, TypeError) as e:
            out.append(type(e).__name__)
    try:
        apache._global_unlock(req.server, "k")
        out.append("accepted")
    except ValueError:
        out.append("ValueError")
    # 3.5's spelling, on the _apache module (mod_python's test_global_lock)
    import _apache
    _apache._global_lock(req.server, 1)
    out.append(_apache._global_trylock(req.server, 1))
    _apache._global_unlock(req.server, 1)
    return " ".join(map(str, out))
`

// sessionConf is a site running sessionHandlers in htdocs/app, with the
// session and mutex directories under {{DIR}}/data and extra directives
// in the <Directory>.
func sessionConf(extra ...string) string {
	opts := append([]string{
		"PythonDebug On",
		"PythonOption mod_python.session.database_directory {{DIR}}/data",
		"PythonOption counter {{DIR}}/counter",
	}, extra...)
	b := "PythonOption mod_python.mutex_directory {{DIR}}/data/mutex\n" +
		"<Directory {{DIR}}/htdocs/app>\n    SetHandler mod_python\n    PythonHandler sess\n"
	for _, o := range opts {
		b += "    " + o + "\n"
	}
	return b + "</Directory>\n"
}

func sessionSite(t *testing.T, extra ...string) *site {
	return startSite(t, sessionConf(extra...), map[string]string{"htdocs/app/sess.py": sessionHandlers})
}

// countReply is one /count answer: session class, worker pid, sid, counter, new.
type countReply struct {
	class string
	pid   int
	sid   string
	n     int
	isNew bool
}

func parseCount(t *testing.T, body string) countReply {
	t.Helper()
	f := strings.Fields(body)
	if len(f) != 5 {
		t.Fatalf("/count answered %q", body)
	}
	pid, _ := strconv.Atoi(f[1])
	n, _ := strconv.Atoi(f[3])
	return countReply{f[0], pid, f[2], n, f[4] == "1"}
}

// sessionCookie is the pysid cookie a response set, "" if none.
func sessionCookie(h http.Header, name string) string {
	for _, v := range h.Values("Set-Cookie") {
		if strings.HasPrefix(v, name+"=") {
			return v
		}
	}
	return ""
}

func cookieValue(setCookie string) string {
	v, _, _ := strings.Cut(setCookie, ";")
	_, v, _ = strings.Cut(v, "=")
	return v
}

var sidRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestSessionCounterAndCookie(t *testing.T) {
	for _, typ := range []string{"", "MemorySession", "FileSession", "DbmSession"} {
		t.Run("type="+typ, func(t *testing.T) {
			var extra []string
			want := typ
			if typ != "" {
				extra = append(extra, "PythonOption mod_python.session.session_type "+typ)
			} else {
				want = "MemorySession" // -X: one process
			}
			s := sessionSite(t, extra...)
			st, h, body := s.do("GET", "/app/count", "")
			if st != 200 {
				t.Fatalf("status %d: %s\n%s", st, body, s.errorLog())
			}
			r := parseCount(t, body)
			if r.class != want || r.n != 1 || !r.isNew || !sidRE.MatchString(r.sid) {
				t.Fatalf("first request: %+v", r)
			}
			// The cookie: pysid=<sid>, path = the handler's directory below
			// the DocumentRoot.
			c := sessionCookie(h, "pysid")
			if c != "pysid="+r.sid+"; path=/app/" {
				t.Fatalf("Set-Cookie %q", c)
			}
			for i := 2; i <= 4; i++ {
				st, h, body = s.do("GET", "/app/count", "", "Cookie", "pysid="+r.sid)
				got := parseCount(t, body)
				if st != 200 || got.sid != r.sid || got.n != i || got.isNew {
					t.Fatalf("request %d: %d %+v", i, st, got)
				}
				if c := sessionCookie(h, "pysid"); c != "" {
					t.Errorf("request %d: an existing session sent a cookie again: %q", i, c)
				}
			}
			info := s.mustGet("/app/info", "Cookie", "pysid="+r.sid)
			if info != want+" new=0 timeout=1800 created<=accessed=True" {
				t.Errorf("info: %q", info)
			}
			// Stored where the options say.
			switch typ {
			case "FileSession":
				if _, err := os.Stat(filepath.Join(s.Dir, "data/mp_sess", r.sid[:2], r.sid)); err != nil {
					t.Errorf("session file: %v", err)
				}
			case "DbmSession":
				if keys := s.mustGet("/app/dbmkeys"); keys != r.sid {
					t.Errorf("dbm keys %q, want %q", keys, r.sid)
				}
			}
			// Two Session objects of one request on one id.
			if body := s.mustGet("/app/twice", "Cookie", "pysid="+r.sid); body != "True False" {
				t.Errorf("twice: %q", body)
			}
			if body := s.mustGet("/app/nolock", "Cookie", "pysid="+r.sid); body != "5" {
				t.Errorf("lock=0: %q", body)
			}
			// invalidate(): the cookie expires, the data is gone.
			st, h, _ = s.do("GET", "/app/invalidate", "", "Cookie", "pysid="+r.sid)
			if c := sessionCookie(h, "pysid"); st != 200 || !strings.Contains(c, "expires=Thu, 01-Jan-1970 00:00:00 GMT") {
				t.Errorf("invalidate: %d, Set-Cookie %q", st, c)
			}
			_, _, body = s.do("GET", "/app/count", "", "Cookie", "pysid="+r.sid)
			if got := parseCount(t, body); got.sid == r.sid || got.n != 1 || !got.isNew {
				t.Errorf("after invalidate: %+v", got)
			}
		})
	}
}

func TestSessionCookieOptions(t *testing.T) {
	s := sessionSite(t,
		"PythonOption mod_python.session.cookie_name mysid",
		"PythonOption mod_python.session.application_path /shop",
		"PythonOption mod_python.session.application_domain example.com")
	st, h, body := s.do("GET", "/app/count", "")
	if st != 200 {
		t.Fatalf("%d %s", st, body)
	}
	r := parseCount(t, body)
	if c := sessionCookie(h, "mysid"); c != "mysid="+r.sid+"; path=/shop; domain=example.com" {
		t.Fatalf("Set-Cookie %q", c)
	}
	_, _, body = s.do("GET", "/app/count", "", "Cookie", "pysid="+r.sid+"; mysid="+r.sid)
	if got := parseCount(t, body); got.n != 2 {
		t.Errorf("the session under its configured cookie name: %+v", got)
	}
}

func TestSessionExpiry(t *testing.T) {
	s := sessionSite(t, "PythonOption mod_python.session.session_type FileSession")
	// set_timeout(-1): expired as soon as it is saved.
	_, _, body := s.do("GET", "/app/count?expire", "")
	r := parseCount(t, body)
	_, h, body := s.do("GET", "/app/count", "", "Cookie", "pysid="+r.sid)
	got := parseCount(t, body)
	if got.sid == r.sid || got.n != 1 || !got.isNew || sessionCookie(h, "pysid") == "" {
		t.Fatalf("an expired session was loaded: %+v", got)
	}
}

// listFiles returns every file under dir, relative, sorted.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func TestSessionBadSids(t *testing.T) {
	for _, typ := range []string{"FileSession", "DbmSession", "MemorySession"} {
		t.Run(typ, func(t *testing.T) {
			s := sessionSite(t, "PythonOption mod_python.session.session_type "+typ)
			bad := []string{
				"../../x", "../../../../../../tmp/modpy-evil", "/etc/passwd",
				"0123456789abcdef0123456789abcde", // 31
				"0123456789abcdef0123456789abcdef0",
				"0123456789ABCDEF0123456789ABCDEF",
				"0123456789abcdef0123456789abcd/x",
				"..%2F..%2Fx", strings.Repeat("a", 5000), "",
			}
			for _, sid := range bad {
				st, h, body := s.do("GET", "/app/count", "", "Cookie", "pysid="+sid)
				if st != 200 {
					t.Fatalf("sid %.40q: status %d\n%s", sid, st, s.errorLog())
				}
				r := parseCount(t, body)
				if r.sid == sid || !sidRE.MatchString(r.sid) || r.n != 1 || !r.isNew {
					t.Errorf("sid %.40q: %+v", sid, r)
				}
				if c := cookieValue(sessionCookie(h, "pysid")); c != r.sid {
					t.Errorf("sid %.40q: the fresh session's cookie is %q", sid, c)
				}
			}
			// Nothing was made outside the session and mutex directories.
			for _, f := range listFiles(t, s.Dir) {
				switch {
				case f == "site.conf" || f == "error.log" || f == "access.log" || f == "htdocs/app/sess.py":
				case strings.HasPrefix(f, "htdocs/app/__pycache__/"):
				case strings.HasPrefix(f, "data/mutex/mp_mutex."):
				case strings.HasPrefix(f, "data/mp_sess/") && sidRE.MatchString(filepath.Base(f)):
				case f == "data/mp_sess/.mp_sess.lck" || f == "data/mp_sess/fs_status.txt":
					// FileSession's cleanup, which a new session orders
					// once in CLEANUP_CHANCE (at random), keeps these.
				case strings.HasPrefix(f, "data/mp_sess.dbm."):
				default:
					t.Errorf("unexpected file %s", f)
				}
			}
			if _, err := os.Stat("/tmp/modpy-evil"); err == nil {
				t.Errorf("/tmp/modpy-evil exists")
			}
			// A bad sid passed by the code is its error: ValueError.
			if body := s.mustGet("/app/badsid"); body != "ValueError" {
				t.Errorf("explicit bad sid: %q", body)
			}
		})
	}
}

func TestSessionSigned(t *testing.T) {
	for _, how := range []string{"argument", "option"} {
		t.Run(how, func(t *testing.T) {
			files := map[string]string{"htdocs/app/sess.py": sessionHandlers}
			var extra []string
			if how == "argument" {
				files["htdocs/app/sess.py"] = strings.Replace(sessionHandlers,
					"s = Session.Session(req)\n    n =", "s = Session.Session(req, secret='sekrit')\n    n =", 1)
			} else {
				extra = append(extra, "PythonOption mod_python.session.secret sekrit")
			}
			s := startSite(t, sessionConf(extra...), files)
			_, h, body := s.do("GET", "/app/count", "")
			r := parseCount(t, body)
			c := cookieValue(sessionCookie(h, "pysid"))
			if c != sign("sekrit", "pysid", r.sid) {
				t.Fatalf("signed session cookie %q for sid %s", c, r.sid)
			}
			_, _, body = s.do("GET", "/app/count", "", "Cookie", "pysid="+c)
			if got := parseCount(t, body); got.sid != r.sid || got.n != 2 {
				t.Fatalf("signed cookie sent back: %+v", got)
			}
			// A known sid without its signature, or with a forged one: a
			// fresh session, never the victim's.
			for _, forged := range []string{r.sid, sign("guess", "pysid", r.sid), strings.Repeat("0", 32) + r.sid} {
				_, _, body = s.do("GET", "/app/count", "", "Cookie", "pysid="+forged)
				if got := parseCount(t, body); got.sid == r.sid || !got.isNew {
					t.Errorf("forged cookie %q got the session: %+v", forged, got)
				}
			}
		})
	}
}

// concurrentCounts sends n requests for /app/count with cookie at once,
// each on its own connection, and returns the replies.
func concurrentCounts(t *testing.T, s *site, n int, cookie string) []countReply {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var replies []countReply
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", s.URL+"/app/count", nil)
			req.Header.Set("Cookie", cookie)
			resp, err := freshClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				errs <- fmt.Errorf("status %d: %s", resp.StatusCode, b)
				return
			}
			f := strings.Fields(string(b))
			if len(f) != 5 {
				errs <- fmt.Errorf("reply %q", b)
				return
			}
			pid, _ := strconv.Atoi(f[1])
			c, _ := strconv.Atoi(f[3])
			mu.Lock()
			replies = append(replies, countReply{f[0], pid, f[2], c, f[4] == "1"})
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("%v\n%s", err, s.errorLog())
	}
	return replies
}

// checkSerialized fails unless the counters of replies are exactly
// from+1..from+len(replies): every increment saw the one before.
func checkSerialized(t *testing.T, replies []countReply, from int, sid string) {
	t.Helper()
	var ns []int
	for _, r := range replies {
		if r.sid != sid || r.isNew {
			t.Fatalf("a request got another session: %+v (want %s)", r, sid)
		}
		ns = append(ns, r.n)
	}
	sort.Ints(ns)
	for i, n := range ns {
		if n != from+i+1 {
			t.Fatalf("counters %v: not %d..%d (an increment was lost)", ns, from+1, from+len(ns))
		}
	}
}

// Concurrent requests on one session take turns: 20 increments end at 20.
// With ThreadsPerChild 4, more requests wait for the lock than the worker
// has threads: the lock must be released when the handler returns, not in
// a cleanup that would need a thread (see docs/session.md).
func TestSessionLockSerializes(t *testing.T) {
	for _, typ := range []string{"MemorySession", "FileSession", "DbmSession"} {
		t.Run(typ, func(t *testing.T) {
			s := startSite(t, "ThreadsPerChild 4\n"+sessionConf("PythonOption mod_python.session.session_type "+typ),
				map[string]string{"htdocs/app/sess.py": sessionHandlers})
			r := parseCount(t, s.mustGet("/app/count"))
			replies := concurrentCounts(t, s, 20, "pysid="+r.sid)
			checkSerialized(t, replies, 1, r.sid)
			_, _, body := s.do("GET", "/app/count", "", "Cookie", "pysid="+r.sid)
			if got := parseCount(t, body); got.n != 22 {
				t.Fatalf("after 1+20 increments the next is %d", got.n)
			}
		})
	}
}

func TestSessionCleanup(t *testing.T) {
	t.Run("FileSession fast", func(t *testing.T) {
		// fast cleanup without verification: a file untouched for longer
		// than timeout + grace period goes, whatever it says inside.
		s := sessionSite(t, "PythonOption mod_python.session.session_type FileSession",
			"PythonOption mod_python.file_session.verify_session_timeout 0",
			"PythonOption mod_python.file_session.cleanup_grace_period 0")
		old := parseCount(t, s.mustGet("/app/count"))
		fresh := parseCount(t, s.mustGet("/app/count"))
		oldFile := filepath.Join(s.Dir, "data/mp_sess", old.sid[:2], old.sid)
		past := time.Now().Add(-2 * time.Hour)
		if err := os.Chtimes(oldFile, past, past); err != nil {
			t.Fatal(err)
		}
		s.mustGet("/app/count?cleanup")
		contains(t, "error log", s.waitLog("FileSession cleanup: deleted"), "FileSession cleanup: deleted 1 of 3")
		if _, err := os.Stat(oldFile); !os.IsNotExist(err) {
			t.Errorf("the old session file is still there: %v", err)
		}
		if _, err := os.Stat(filepath.Join(s.Dir, "data/mp_sess", fresh.sid[:2], fresh.sid)); err != nil {
			t.Errorf("the fresh session file went: %v", err)
		}
	})
	t.Run("FileSession verify", func(t *testing.T) {
		// With verification the stored timeout decides: an old file whose
		// session has not expired stays; an expired one goes.
		s := sessionSite(t, "PythonOption mod_python.session.session_type FileSession",
			"PythonOption mod_python.file_session.enable_fast_cleanup 0",
			"PythonOption mod_python.file_session.cleanup_grace_period 0")
		live := parseCount(t, s.mustGet("/app/count"))
		expired := parseCount(t, s.mustGet("/app/count?expire"))
		liveFile := filepath.Join(s.Dir, "data/mp_sess", live.sid[:2], live.sid)
		past := time.Now().Add(-2 * time.Hour)
		os.Chtimes(liveFile, past, past)
		s.mustGet("/app/count?cleanup")
		contains(t, "error log", s.waitLog("FileSession cleanup: deleted"), "FileSession cleanup: deleted 1 of 3")
		if _, err := os.Stat(liveFile); err != nil {
			t.Errorf("the live session's file went: %v", err)
		}
		if _, err := os.Stat(filepath.Join(s.Dir, "data/mp_sess", expired.sid[:2], expired.sid)); !os.IsNotExist(err) {
			t.Errorf("the expired session's file is still there: %v", err)
		}
	})
	t.Run("DbmSession", func(t *testing.T) {
		s := sessionSite(t, "PythonOption mod_python.session.session_type DbmSession")
		live := parseCount(t, s.mustGet("/app/count"))
		parseCount(t, s.mustGet("/app/count?expire"))
		s.mustGet("/app/count?cleanup")
		s.waitLog("DbmSession: registered database cleanup.")
		// The cleanup runs after the response: wait until only the live
		// session and the cleanup request's own are left.
		var keys string
		for i := 0; i < 100; i++ {
			keys = s.mustGet("/app/dbmkeys")
			if len(strings.Fields(keys)) == 2 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !strings.Contains(keys, live.sid) || len(strings.Fields(keys)) != 2 {
			t.Errorf("dbm keys after cleanup: %q (live %s)", keys, live.sid)
		}
	})
}

func TestGlobalLockAPI(t *testing.T) {
	s := sessionSite(t)
	if body := s.mustGet("/app/lockapi"); body != "False True ValueError ValueError TypeError ValueError False" {
		t.Errorf("got %q", body)
	}
}

// The master with two worker processes: a session made in one worker is
// served by the other (the default session class is FileSession there),
// concurrent increments from both workers are serialized by the session
// lock, and apache._global_lock holds across the processes.
func TestSessionAcrossWorkers(t *testing.T) {
	s := startMaster(t, "StartServers 2\nThreadsPerChild 8\n"+sessionConf())
	s.writeFiles(map[string]string{"htdocs/app/sess.py": sessionHandlers})
	first := parseCount(t, s.mustGet("/app/count"))
	if first.class != "FileSession" {
		t.Fatalf("default session class under the master: %s", first.class)
	}
	pids := map[int]bool{first.pid: true}
	total := 1
	for round := 0; round < 20 && (len(pids) < 2 || round < 2); round++ {
		replies := concurrentCounts(t, s, 6, "pysid="+first.sid)
		checkSerialized(t, replies, total, first.sid)
		total += len(replies)
		for _, r := range replies {
			pids[r.pid] = true
		}
	}
	if len(pids) < 2 {
		t.Fatalf("only worker %v answered", pids)
	}

	// apache._global_lock: a counter file incremented by 24 concurrent
	// requests in both workers ends at 24.
	var wg sync.WaitGroup
	gpids := map[int]bool{}
	var mu sync.Mutex
	for i := 0; i < 24; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := freshClient.Get(s.URL + "/app/globallock")
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			pid, _ := strconv.Atoi(strings.Fields(string(b) + " 0")[0])
			mu.Lock()
			gpids[pid] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	b, err := os.ReadFile(filepath.Join(s.Dir, "counter"))
	if err != nil || string(b) != "24" {
		t.Fatalf("global lock counter: %q %v (workers %v)\n%s", b, err, gpids, s.errorLog())
	}
}

// The example of docs/session.md: examples/htdocs/session/.
func TestSessionExample(t *testing.T) {
	s, _ := exampleSite(t)
	st, h, body := s.do("GET", "/session/", "")
	if st != 200 || body != "MemorySession new\nvisits: 1\n" {
		t.Fatalf("%d %q\n%s", st, body, s.errorLog())
	}
	c := cookieValue(sessionCookie(h, "pysid"))
	if len(c) != 64 {
		t.Fatalf("the example's session cookie is not signed: %q", c)
	}
	if body := s.mustGet("/session/", "Cookie", "pysid="+c); body != "MemorySession resumed\nvisits: 2\n" {
		t.Errorf("second visit: %q", body)
	}
	_, h, body = s.do("GET", "/session/?logout", "", "Cookie", "pysid="+c)
	if !strings.HasSuffix(body, " ended\n") || !strings.Contains(sessionCookie(h, "pysid"), "expires=Thu, 01-Jan-1970") {
		t.Errorf("logout: %q %q", body, sessionCookie(h, "pysid"))
	}
	if body := s.mustGet("/session/", "Cookie", "pysid="+c); body != "MemorySession new\nvisits: 1\n" {
		t.Errorf("after logout: %q", body)
	}
}
