package tests

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// counter answers with a count kept in its module and a marker kept in
// sys, which only a fresh interpreter lacks.
const counter = `from mod_python import apache
import sys
count = 0
def handler(req):
    global count
    count += 1
    fresh = not hasattr(sys, "_modpy_test_marker")
    sys._modpy_test_marker = True
    req.content_type = "text/plain"
    req.write("count=%d fresh=%s" % (count, fresh))
    return apache.OK
`

func TestInterpMaxRequests(t *testing.T) {
	s := startSite(t, pyDir("c", "PythonInterpMaxRequests 3"), map[string]string{"htdocs/c.py": counter})
	for i, want := range []string{"count=1 fresh=True", "count=2 fresh=False", "count=3 fresh=False"} {
		if got := s.mustGet("/c.py"); got != want {
			t.Fatalf("request %d: %q, want %q", i+1, got, want)
		}
	}
	contains(t, "error log", s.waitLog("PythonInterpMaxRequests 3 reached"),
		`interpreter "localhost" ended (PythonInterpMaxRequests 3 reached)`)
	if got := s.mustGet("/c.py"); got != "count=1 fresh=True" {
		t.Fatalf("after the end: %q", got)
	}
	if n := strings.Count(s.errorLog(), `interpreter "localhost" created`); n != 2 {
		t.Fatalf("localhost created %d times, want 2", n)
	}
}

func TestInterpIdleTimeout(t *testing.T) {
	s := startSite(t, pyDir("c", "PythonInterpIdleTimeout 0.5"), map[string]string{"htdocs/c.py": counter})
	s.mustGet("/c.py")
	if got := s.mustGet("/c.py"); got != "count=2 fresh=False" {
		t.Fatalf("second request: %q", got)
	}
	contains(t, "error log", s.waitLog("idle for PythonInterpIdleTimeout"),
		`interpreter "localhost" ended (idle for PythonInterpIdleTimeout 500ms)`)
	if got := s.mustGet("/c.py"); got != "count=1 fresh=True" {
		t.Fatalf("after the idle end: %q", got)
	}
}

func TestInterpReload(t *testing.T) {
	version := func(v string) string {
		return strings.Replace(counter, "count = 0", "count = 0\nVERSION = "+v, 1) +
			"\n_orig = handler\ndef handler(req):\n    _orig(req)\n    req.write(' version=%d' % VERSION)\n    return apache.OK\n"
	}
	s := startSite(t, pyDir("c", "PythonInterpReload On"), map[string]string{"htdocs/c.py": version("1")})
	s.mustGet("/c.py")
	if got := s.mustGet("/c.py"); got != "count=2 fresh=False version=1" {
		t.Fatalf("before the edit: %q", got)
	}
	s.writeFiles(map[string]string{"htdocs/c.py": version("2")})
	time.Sleep(1100 * time.Millisecond)
	if got := s.mustGet("/c.py"); got != "count=1 fresh=True version=2" {
		t.Fatalf("after the edit: %q", got)
	}
	log := s.errorLog()
	contains(t, "error log", log, "PythonInterpReload: "+s.Dir+"/htdocs/c.py changed")
	contains(t, "error log", log, `interpreter "localhost" ended (PythonInterpReload: the site's files changed)`)
}

// An interpreter with a live thread of its own cannot be ended (CPython
// would abort): it goes on serving, and the log says why. A thread name
// that is not valid UTF-8 (a lone surrogate) still gives a refusal, not a
// crash of the server.
func TestInterpEndRefusedWithLiveThread(t *testing.T) {
	for _, c := range []struct{ name, pyName, why string }{
		{"plain", "sleeper", "live threads: sleeper (daemon)"},
		{"surrogate", `sleeper\udc80`, "UnicodeEncodeError"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := startSite(t, pyDir("th", "PythonInterpMaxRequests 1"), map[string]string{"htdocs/th.py": `from mod_python import apache
import threading, time
NAME = "` + c.pyName + `"
def handler(req):
    if not any(t.name == NAME for t in threading.enumerate()):
        threading.Thread(target=time.sleep, args=(30,), name=NAME, daemon=True).start()
    req.write("ok")
    return apache.OK
`})
			s.mustGet("/th.py")
			contains(t, "error log", s.waitLog("not ended"), c.why)
			if got := s.mustGet("/th.py"); got != "ok" {
				t.Fatalf("after the refused end: %q", got)
			}
		})
	}
}

func TestRequestTimeout(t *testing.T) {
	s := startSite(t, "ThreadsPerChild 4\n"+pyDir("loop", "PythonRequestTimeout 0.5"), map[string]string{"htdocs/loop.py": `from mod_python import apache
def handler(req):
    if req.args == "forever":
        n = 0
        while True:
            try:
                n += 1
            except Exception:
                pass
    req.write("quick")
    return apache.OK
`})
	start := time.Now()
	st, _ := s.get("/loop.py?forever")
	if st != 504 {
		t.Fatalf("endless loop: status %d, want 504", st)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("504 after %v", el)
	}
	for i := 0; i < 3; i++ {
		if got := s.mustGet("/loop.py"); got != "quick" {
			t.Fatalf("after the timeout: %q", got)
		}
	}
	contains(t, "error log", s.waitLog("PythonRequestTimeout"), "PythonHandler loop: interrupted: it ran past PythonRequestTimeout (at "+s.Dir+"/htdocs/loop.py:")
}

// A request that waits too long for a thread gets 503 instead of piling up.
func TestQueueTimeout(t *testing.T) {
	s := startSite(t, "ThreadsPerChild 1\n"+pyDir("slow", "PythonInterpQueueTimeout 0.3"), map[string]string{"htdocs/slow.py": "from mod_python import apache\nimport time\ndef handler(req):\n    time.sleep(1.5)\n    req.write('done')\n    return apache.OK\n"})
	first := make(chan int, 1)
	go func() {
		st, _ := s.get("/slow.py")
		first <- st
	}()
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	st, _ := s.get("/slow.py")
	if st != 503 {
		t.Fatalf("queued request: status %d, want 503", st)
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("503 after %v", el)
	}
	if st := <-first; st != 200 {
		t.Fatalf("first request: %d", st)
	}
	contains(t, "error log", s.errorLog(), "within PythonInterpQueueTimeout 300ms")
}

// multiprocessing defaults to "spawn" (fork in a threaded server can
// deadlock), with sys.executable the matching python3, and a Pool works.
func TestMultiprocessingPool(t *testing.T) {
	s := startSite(t, pyDir("mp"), map[string]string{"htdocs/mp.py": `from mod_python import apache
import multiprocessing, math, os, sys
def handler(req):
    with multiprocessing.Pool(2) as pool:
        roots = pool.map(math.sqrt, [1, 4, 9])
        child = pool.apply(os.getpid)
    req.write("%r %s %s %s" % (roots, multiprocessing.get_start_method(),
        os.path.basename(sys.executable).startswith("python3"), child != os.getpid()))
    return apache.OK
`})
	if got := s.mustGet("/mp.py"); got != "[1.0, 2.0, 3.0] spawn True True" {
		t.Fatalf("got %q", got)
	}
}

// An interpreter that served direct calls (a request whose configuration has
// no lifecycle directive) holds thread states on the server's own threads:
// it is not ended in the process, and the log says why.
func TestDirectCallsKeepInterpreter(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
<Location /plain>
    SetHandler mod_python
    PythonHandler who
    PythonInterpreter shared
</Location>
<Location /limited>
    SetHandler mod_python
    PythonHandler who
    PythonInterpreter shared
    PythonInterpMaxRequests 1
</Location>
`, map[string]string{"lib/who.py": "from mod_python import apache\ndef handler(req):\n    req.write(req.interpreter)\n    return apache.OK\n"})
	for _, p := range []string{"/plain", "/limited", "/plain"} {
		if got := s.mustGet(p); got != "shared" {
			t.Fatalf("%s: %q", p, got)
		}
	}
	contains(t, "error log", s.waitLog("not ended"),
		`interpreter "shared" not ended (PythonInterpMaxRequests 1 reached): the server's own threads hold thread states of it (direct calls)`)
}

// endingRedirMod: /slow waits until the test says the interpreter is
// ending (another request reached PythonInterpMaxRequests meanwhile), then
// redirects internally to /target, which runs in the same interpreter.
const endingRedirMod = `from mod_python import apache
import os, time
def handler(req):
    req.content_type = "text/plain"
    if req.uri == "/slow":
        flag = req.document_root() + "/../go"
        for _ in range(1000):
            if os.path.exists(flag):
                break
            time.sleep(0.01)
        time.sleep(0.3)
        req.internal_redirect("/target")
        return apache.OK
    if req.uri == "/target":
        req.write("target in %s, prev %s" % (req.interpreter, req.prev.uri))
        return apache.OK
    req.write("fast")
    return apache.OK
`

// A request still running in an interpreter that is ending (another
// request reached PythonInterpMaxRequests) makes a nested call into the
// same interpreter (req.internal_redirect): it runs there, on the
// request's thread, and the interpreter ends after it. It must not wait
// for the end, which waits for it.
func TestInternalRedirectWhileEnding(t *testing.T) {
	s := startSite(t, pyDir("h", "PythonInterpMaxRequests 1"), map[string]string{"htdocs/h.py": endingRedirMod})
	type answer struct {
		st   int
		body string
		err  error
	}
	slow := make(chan answer, 1)
	go func() {
		c := &http.Client{Timeout: 15 * time.Second}
		resp, err := c.Get(s.URL + "/slow")
		if err != nil {
			slow <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		slow <- answer{resp.StatusCode, string(b), err}
	}()
	// /slow is running (the interpreter's request count is still 0): /fast
	// is its first request served, which ends it while /slow runs.
	time.Sleep(300 * time.Millisecond)
	if got := s.mustGet("/fast"); got != "fast" {
		t.Fatalf("/fast: %q", got)
	}
	s.writeFiles(map[string]string{"go": ""})
	a := <-slow
	if a.err != nil {
		t.Fatalf("/slow: %v (the nested call waited for the interpreter's end)\n%s", a.err, s.errorLog())
	}
	if a.st != 200 || a.body != "target in localhost, prev /slow" {
		t.Fatalf("/slow: %d %q\n%s", a.st, a.body, s.errorLog())
	}
	contains(t, "error log", s.waitLog(`interpreter "localhost" ended`),
		`interpreter "localhost" ended (PythonInterpMaxRequests 1 reached)`)
	if got := s.mustGet("/fast"); got != "fast" {
		t.Fatalf("after the end: %q", got)
	}
}
