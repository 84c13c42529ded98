package tests

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// whoHandler answers with the interpreter, the module's own file and a
// counter kept in the module (so a shared interpreter shows up).
const whoHandler = `from mod_python import apache
import sys
count = 0
def handler(req):
    global count
    count += 1
    req.content_type = "text/plain"
    req.write("interp=%s file=%s count=%d\n" % (req.interpreter, __file__, count))
    return apache.OK
`

func interpOf(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, "interp=")
	if i < 0 {
		t.Fatalf("no interp= in %q", body)
	}
	rest := body[i+len("interp="):]
	return rest[:strings.IndexAny(rest, " \n")]
}

func TestInterpreterNamingRules(t *testing.T) {
	files := map[string]string{
		"htdocs/vh/who.py":            whoHandler,
		"htdocs/dir/who.py":           whoHandler,
		"htdocs/dir/sub/x.txt":        "x",
		"htdocs/directive/who.py":     whoHandler,
		"htdocs/directive/sub/x.txt":  "x",
		"htdocs/named/who.py":         whoHandler,
		"htdocs/named/override/y.txt": "y",
		"lib/locmod.py":               whoHandler,
	}
	conf := `
<Directory {{DIR}}/htdocs/vh>
    SetHandler mod_python
    PythonHandler who
</Directory>
<Directory {{DIR}}/htdocs/dir>
    SetHandler mod_python
    PythonHandler who
    PythonInterpPerDirectory On
</Directory>
<Directory {{DIR}}/htdocs/directive>
    SetHandler mod_python
    PythonHandler who
    PythonInterpPerDirective On
</Directory>
<Directory {{DIR}}/htdocs/named>
    SetHandler mod_python
    PythonHandler who
    PythonInterpreter custom_name
</Directory>
<Directory {{DIR}}/htdocs/named/override>
    PythonInterpreter custom_override
</Directory>
<Location /loc-perdir>
    SetHandler mod_python
    PythonPath "sys.path + ['{{DIR}}/lib']"
    PythonHandler locmod
    PythonInterpPerDirectory On
</Location>
<Location /loc-perdirective>
    SetHandler mod_python
    PythonPath "sys.path + ['{{DIR}}/lib']"
    PythonHandler locmod
    PythonInterpPerDirective On
</Location>
<VirtualHost *:{{PORT}}>
    ServerName other.example
    DocumentRoot {{DIR}}/htdocs
    PythonInterpPerDirective On
    SetHandler mod_python
    PythonPath "sys.path + ['{{DIR}}/lib']"
    PythonHandler locmod
</VirtualHost>
<VirtualHost *:{{PORT}}>
    ServerName localhost
    DocumentRoot {{DIR}}/htdocs
</VirtualHost>
`
	s := startSite(t, conf, files)
	d := s.Dir + "/htdocs"
	cases := []struct{ path, host, want string }{
		{"/vh/", "localhost", "localhost"},
		{"/vh/", "LOCALHOST:" + strconv.Itoa(s.Port), "localhost"},
		{"/dir/", "", d + "/dir/"},
		{"/dir/sub/", "", d + "/dir/sub/"},
		{"/dir/sub/missing", "", d + "/dir/sub/"},
		{"/directive/", "", d + "/directive/"},
		{"/directive/sub/", "", d + "/directive/"},
		{"/named/", "", "custom_name"},
		{"/named/override/", "", "custom_override"},
		{"/loc-perdir", "", "main_interpreter"},
		{"/loc-perdirective", "", "/loc-perdirective"},
		{"/anything", "other.example", "main_interpreter"},
	}
	for _, c := range cases {
		var body string
		if c.host != "" {
			body = s.mustGet(c.path, "Host", c.host)
		} else {
			body = s.mustGet(c.path)
		}
		if got := interpOf(t, body); got != c.want {
			t.Errorf("GET %s (Host %q): interpreter %q, want %q", c.path, c.host, got, c.want)
		}
	}
	log := s.errorLog()
	for _, name := range []string{"localhost", d + "/dir/", d + "/dir/sub/", "custom_name", "/loc-perdirective"} {
		contains(t, "error log", log, `interpreter "`+name+`" created`)
	}
	if n := strings.Count(log, `interpreter "localhost" created`); n != 1 {
		t.Errorf("localhost created %d times, want 1", n)
	}
}

func TestInterpretersAreCreatedLazily(t *testing.T) {
	s := startSite(t, pyDir("who", "PythonInterpreter lazy_one"), map[string]string{"htdocs/who.py": whoHandler})
	time.Sleep(300 * time.Millisecond)
	log := s.errorLog()
	contains(t, "error log at start", log, `interpreter "main_interpreter" created`)
	if strings.Contains(log, `interpreter "lazy_one" created`) {
		t.Fatalf("lazy_one created before any request:\n%s", log)
	}
	s.mustGet("/who.py")
	contains(t, "error log after a request", s.waitLog(`"lazy_one" created`), `interpreter "lazy_one" created`)
}

// The bug mod_python users hit: two directories of one vhost each with a
// MyModule.py. In modpy each gets its own, in one interpreter.
func TestSameNamedModulesNeverCollide(t *testing.T) {
	handler := `from mod_python import apache
import MyModule
def handler(req):
    req.content_type = "text/plain"
    again = apache.import_module("MyModule")
    req.write("%s %s %s" % (req.interpreter, MyModule.WHO, again.WHO))
    return apache.OK
`
	files := map[string]string{
		"htdocs/a/h.py":        handler,
		"htdocs/a/MyModule.py": "WHO = 'user-a'\n",
		"htdocs/b/h.py":        handler,
		"htdocs/b/MyModule.py": "WHO = 'user-b'\n",
	}
	s := startSite(t, `
<Directory {{DIR}}/htdocs/a>
    SetHandler mod_python
    PythonHandler h
</Directory>
<Directory {{DIR}}/htdocs/b>
    SetHandler mod_python
    PythonHandler h
</Directory>
`, files)
	for i := 0; i < 3; i++ {
		if got := s.mustGet("/a/"); got != "localhost user-a user-a" {
			t.Fatalf("/a/ round %d: %q", i, got)
		}
		if got := s.mustGet("/b/"); got != "localhost user-b user-b" {
			t.Fatalf("/b/ round %d: %q", i, got)
		}
	}
}

func TestPickleClassFromHandlerModule(t *testing.T) {
	files := map[string]string{
		"htdocs/p.py": `from mod_python import apache
import pickle
from shapes import Point
class Local:
    def __init__(self, v): self.v = v
def handler(req):
    req.content_type = "text/plain"
    data = pickle.dumps([Point(1, 2), Local(7)])
    p, l = pickle.loads(data)
    req.write("%d %d %d %s" % (p.x, p.y, l.v, type(p).__module__))
    return apache.OK
`,
		"htdocs/shapes.py": "class Point:\n    def __init__(self, x, y):\n        self.x, self.y = x, y\n",
	}
	s := startSite(t, pyDir("p"), files)
	body := s.mustGet("/p.py")
	if !strings.HasPrefix(body, "1 2 7 ") || !strings.Contains(body, s.Dir) {
		t.Fatalf("pickle round trip: %q", body)
	}
}

func TestAutoReload(t *testing.T) {
	handler := func(v string) string {
		return "from mod_python import apache\nimport dep\nVERSION = " + v + "\n" +
			"def handler(req):\n    req.content_type = 'text/plain'\n    req.write('handler=%d dep=%d' % (VERSION, dep.VERSION))\n    return apache.OK\n"
	}
	files := map[string]string{
		"htdocs/on/h.py":    handler("1"),
		"htdocs/on/dep.py":  "VERSION = 1\n",
		"htdocs/off/h.py":   handler("1"),
		"htdocs/off/dep.py": "VERSION = 1\n",
	}
	s := startSite(t, `
<Directory {{DIR}}/htdocs/on>
    SetHandler mod_python
    PythonHandler h
</Directory>
<Directory {{DIR}}/htdocs/off>
    SetHandler mod_python
    PythonHandler h
    PythonAutoReload Off
    PythonInterpreter frozen
</Directory>
`, files)
	for _, p := range []string{"/on/", "/off/"} {
		if got := s.mustGet(p); got != "handler=1 dep=1" {
			t.Fatalf("%s: %q", p, got)
		}
	}
	// Edit the handler, then only the dependency.
	s.writeFiles(map[string]string{"htdocs/on/h.py": handler("2"), "htdocs/off/h.py": handler("2")})
	time.Sleep(1100 * time.Millisecond)
	if got := s.mustGet("/on/"); got != "handler=2 dep=1" {
		t.Fatalf("after editing the handler: %q", got)
	}
	s.writeFiles(map[string]string{"htdocs/on/dep.py": "VERSION = 22\n", "htdocs/off/dep.py": "VERSION = 22\n"})
	time.Sleep(1100 * time.Millisecond)
	if got := s.mustGet("/on/"); got != "handler=2 dep=22" {
		t.Fatalf("after editing the dependency: %q", got)
	}
	if got := s.mustGet("/off/"); got != "handler=1 dep=1" {
		t.Fatalf("PythonAutoReload Off reloaded: %q", got)
	}
}

func TestSysPathIsPerInterpreter(t *testing.T) {
	files := map[string]string{
		"htdocs/a/h.py": "from mod_python import apache\nimport sys\ndef handler(req):\n    sys.path.append('/marker-a')\n    req.write(repr('/marker-a' in sys.path))\n    return apache.OK\n",
		"htdocs/b/h.py": "from mod_python import apache\nimport sys\ndef handler(req):\n    req.write(repr('/marker-a' in sys.path) + ' ' + repr('{{DIR}}/htdocs/b' in sys.path))\n    return apache.OK\n",
	}
	s := startSite(t, `
<Directory {{DIR}}/htdocs>
    SetHandler mod_python
    PythonHandler h
    PythonInterpPerDirectory On
</Directory>
<Directory {{DIR}}/htdocs/a>
    PythonHandler h
</Directory>
<Directory {{DIR}}/htdocs/b>
    PythonHandler h
</Directory>
`, files)
	if got := s.mustGet("/a/"); got != "True" {
		t.Fatalf("/a/: %q", got)
	}
	if got := s.mustGet("/b/"); got != "False True" {
		t.Fatalf("/b/ sees /a/'s sys.path or lacks its own directory: %q", got)
	}
}

// busyHandler computes for about 4 ms a request, letting go of the GIL
// now and then for a system call (as sqlite does), and answers with the most
// requests it saw inside the handler at once.
const busyHandler = `from mod_python import apache
import os, time
state = {"in": 0, "max": 0}
def handler(req):
    state["in"] += 1
    state["max"] = max(state["max"], state["in"])
    try:
        end = time.perf_counter() + 0.004
        n = 0
        while time.perf_counter() < end:
            sum(range(300))
            n += 1
            if n % 100 == 0:
                os.stat(".")
    finally:
        state["in"] -= 1
    req.write("%d" % state["max"])
    return apache.OK
`

// Requests that compute do not pile up on the GIL: with 16 clients, a
// handler that computes for 4 ms runs one request at a time, or nearly
// (the next waits in Go rather than as a thread queued on the GIL, where
// every release of it is a switch between threads). Before, a call past 2
// ms let the next one in, the average went past 2 ms, and all 16 ran at
// once. TestConcurrentSleepers is the other side: requests that wait run
// side by side.
func TestComputingRequestsTakeTurns(t *testing.T) {
	s := startSite(t, "ThreadsPerChild 32\n"+pyDir("busy"), map[string]string{"htdocs/busy.py": busyHandler})
	s.mustGet("/busy.py")
	var mu sync.Mutex
	most := 0
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				st, body := s.get("/busy.py")
				n, err := strconv.Atoi(body)
				if st != 200 || err != nil {
					t.Errorf("GET /busy.py: %d %q", st, body)
					return
				}
				mu.Lock()
				most = max(most, n)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("at most %d of 16 requests computed at once", most)
	if most > 4 {
		t.Fatalf("%d of 16 computing requests ran side by side, taking turns at the GIL", most)
	}
}

// 32 concurrent requests to a handler that sleeps 100 ms must overlap: the
// GIL is released while Python sleeps.
func TestConcurrentSleepers(t *testing.T) {
	s := startSite(t, "ThreadsPerChild 32\n"+pyDir("sleepy"), map[string]string{"htdocs/sleepy.py": "from mod_python import apache\nimport time\ndef handler(req):\n    time.sleep(0.1)\n    req.write('slept')\n    return apache.OK\n"})
	s.mustGet("/sleepy.py") // create the interpreter first
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan string, 32)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, body := s.get("/sleepy.py")
			if st != 200 || body != "slept" {
				errs <- body
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatalf("a sleeper failed: %q", e)
	}
	el := time.Since(start)
	t.Logf("32 concurrent 100 ms sleeps took %v", el)
	if el > 900*time.Millisecond {
		t.Fatalf("32 concurrent 100 ms sleeps took %v: not running concurrently", el)
	}
}

func TestSqliteUserFunctionInSubInterpreter(t *testing.T) {
	s := startSite(t, pyDir("cb", "PythonInterpreter callbacks"), map[string]string{"htdocs/cb.py": `from mod_python import apache
import sqlite3, ctypes
def handler(req):
    db = sqlite3.connect(":memory:")
    db.create_function("twice", 1, lambda x: x * 2)
    v = db.execute("select twice(21)").fetchone()[0]
    cb = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)(lambda x: x + 1)
    req.write("%d %d %s" % (v, cb(41), req.interpreter))
    return apache.OK
`})
	if got := s.mustGet("/cb.py"); got != "42 42 callbacks" {
		t.Fatalf("callbacks: %q", got)
	}
}

func TestPythonImportRunsAtStartInConfigOrder(t *testing.T) {
	files := map[string]string{
		"lib/imp1.py": "open('{{DIR}}/order.txt','a').write('imp1 ')\ndef init():\n    open('{{DIR}}/order.txt','a').write('imp1.init ')\n",
		"lib/imp2.py": "from mod_python import apache\nopen('{{DIR}}/order.txt','a').write('imp2:%s ' % apache.interpreter)\n",
		"htdocs/h.py": "from mod_python import apache\nimport sys\ndef handler(req):\n    req.write('imp1' if 'imp1' in sys.modules else 'missing')\n    return apache.OK\n",
	}
	s := startSite(t, `
PythonPath "sys.path + ['{{DIR}}/lib', '{{DIR}}/htdocs']"
PythonImport imp1::init early
PythonImport imp2 main_interpreter
<VirtualHost *:{{PORT}}>
    ServerName localhost
    DocumentRoot {{DIR}}/htdocs
    PythonImport imp2 vhost_interp
    <Directory {{DIR}}/htdocs>
        SetHandler mod_python
        PythonHandler h
        PythonInterpreter early
    </Directory>
</VirtualHost>
`, files)
	b, _ := os.ReadFile(filepath.Join(s.Dir, "order.txt"))
	if got := string(b); got != "imp1 imp1.init imp2:main_interpreter imp2:vhost_interp " {
		t.Fatalf("PythonImport order: %q", got)
	}
	if got := s.mustGet("/h.py"); got != "imp1" {
		t.Fatalf("the request did not run in the interpreter PythonImport made: %q", got)
	}
	contains(t, "error log", s.errorLog(), "PythonImport imp2 inside <VirtualHost>")
}

// Handlers configured in a wildcard <Directory> or a <DirectoryMatch> are
// looked up in, and (PerDirective) named after, the request file's own
// directory.
func TestPatternDirectoryHandlers(t *testing.T) {
	s := startSite(t, `
<Directory {{DIR}}/htdocs/w*>
    SetHandler mod_python
    PythonHandler who
    PythonInterpPerDirective On
</Directory>
<DirectoryMatch "^{{DIR}}/htdocs/m[0-9]+">
    SetHandler mod_python
    PythonHandler who
    PythonInterpPerDirective On
</DirectoryMatch>
`, map[string]string{"htdocs/w1/who.py": whoHandler, "htdocs/m2/who.py": whoHandler})
	for _, dir := range []string{"w1", "m2"} {
		body := s.mustGet("/" + dir + "/who.py")
		want := s.Dir + "/htdocs/" + dir + "/"
		if got := interpOf(t, body); got != want {
			t.Errorf("/%s/: interpreter %q, want %q", dir, got, want)
		}
		contains(t, dir, body, "file="+want+"who.py")
	}
}
