package tests

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The review's cases of the worker's relay to its process group (issue
// 14; relay_test.go has the rest), end to end: a WSGIDaemonProcess, a WSGIScriptAlias with process-group=, the
// client talking to the worker.

const relayFixApps = `import os, time
def sleep(environ, start_response):
    time.sleep(2.5)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"slept"]

def echo(environ, start_response):
    n = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(n)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("%d %s %s" % (os.getpid(), environ["mod_wsgi.process_group"], body.decode())).encode()]
`

func startRelayFixSite(t *testing.T, daemon string) *site {
	t.Helper()
	s := newSite(t, map[string]string{"app/apps.py": relayFixApps, "lib/mp.py": masterHandlers, "htdocs/index.html": "hi\n"})
	s.writeFiles(map[string]string{"site.conf": masterConf("StartServers 1\n" + daemon + "\n" +
		"WSGIScriptAlias /sleep {{DIR}}/app/apps.py process-group=g application-group=%{GLOBAL} callable-object=sleep\n" +
		"WSGIScriptAlias /echo {{DIR}}/app/apps.py process-group=g application-group=%{GLOBAL} callable-object=echo\n" +
		"<Directory {{DIR}}/app>\n Require all granted\n</Directory>\n")})
	s.start("-f", filepath.Join(s.Dir, "site.conf"))
	return s
}

// body is served by the replacement (it was a 500, broken pipe).
func TestRelayBodyAfterGroupProcessDied(t *testing.T) {
	s := startRelayFixSite(t, "WSGIDaemonProcess g home={{DIR}}")
	mp := s.masterPid()
	post := func() (int, string) {
		resp, err := http.Post(s.URL+"/echo", "text/plain", strings.NewReader("abc"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	first := waitGroup(t, mp, "g", "1 process", func(ps []groupProc) bool { return len(ps) == 1 })[0].pid
	for i := 0; i < 2; i++ {
		if code, body := post(); code != 200 || body != fmt.Sprintf("%d g abc", first) {
			t.Fatalf("POST /echo: %d %q\n%s", code, body, s.errorLog())
		}
	}
	syscall.Kill(first, syscall.SIGKILL)
	waitGroup(t, mp, "g", "a replacement", func(ps []groupProc) bool { return len(ps) == 1 && ps[0].pid != first })
	if code, body := post(); code != 200 || !strings.HasSuffix(body, " g abc") {
		t.Fatalf("POST /echo after the group process died: %d %q, want 200\n%s", code, body, s.errorLog())
	}
}

// TestRelayAtTheLimits: a request the worker accepts at LimitRequestFields
// is served by the group too, though the relay adds Modpy-Relay to it (the
// group answered 400).
func TestRelayAtTheLimits(t *testing.T) {
	s := startRelayFixSite(t, "WSGIDaemonProcess g home={{DIR}}")
	var b strings.Builder
	b.WriteString("GET /echo HTTP/1.1\r\nHost: localhost\r\n")
	for i := 0; i < 99; i++ { // 100 fields with Host: LimitRequestFields' default
		fmt.Fprintf(&b, "X-F%d: v\r\n", i)
	}
	b.WriteString("\r\n")
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(c, b.String())
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasSuffix(string(body), " g ") {
		t.Fatalf("100 fields: %d %q, want 200\n%s", resp.StatusCode, body, s.errorLog())
	}
}

// TestRelayHTTP10WithoutHost: an HTTP/1.0 request without Host is served
// by the group as it is embedded (relayed as HTTP/1.1 it was 400).
func TestRelayHTTP10WithoutHost(t *testing.T) {
	s := startRelayFixSite(t, "WSGIDaemonProcess g home={{DIR}}")
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(c, "GET /echo HTTP/1.0\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasSuffix(string(body), " g ") {
		t.Fatalf("HTTP/1.0 without Host: %d %q, want 200\n%s", resp.StatusCode, body, s.errorLog())
	}
}

// TestRelayRefusedUser: a UserDir request for a user whose per-user group
// the master refuses (a uid below UserDirMinUid, root) is 404 at once, as
// UserDir answers for a disabled user (it waited for connect-timeout,
// then was 503); an allowed user's code runs as that user.
func TestRelayRefusedUser(t *testing.T) {
	low := needUser(t, "modpy-rv1", 2091, false)
	ok := needUser(t, "modpy-rv2", 2092, false)
	for _, u := range []string{low.HomeDir, ok.HomeDir} {
		os.MkdirAll(filepath.Join(u, "public_html"), 0o755)
		os.Chmod(u, 0o711)
		os.WriteFile(filepath.Join(u, "public_html", "uid.wsgi"), []byte("import os\n"+
			"def application(environ, start_response):\n"+
			"    start_response('200 OK', [('Content-Type', 'text/plain')])\n"+
			"    return [str(os.getuid()).encode()]\n"), 0o644)
	}
	s := newSite(t, map[string]string{"lib/mp.py": masterHandlers, "htdocs/index.html": "hi\n"})
	s.writeFiles(map[string]string{"site.conf": masterConf("StartServers 1\nUserDir public_html\n" +
		"PythonUserDirProcess On connect-timeout=10\nUserDirMinUid 2092\n" +
		"<Directory /home/*/public_html>\n Options +ExecCGI\n AddHandler wsgi-script .wsgi\n Require all granted\n</Directory>\n")})
	s.start("-f", filepath.Join(s.Dir, "site.conf"))
	for _, c := range []struct{ path, want string }{
		{"/~modpy-rv1/uid.wsgi", "404"},
		{"/~root/uid.wsgi", "404"},
		{"/~modpy-rv2/uid.wsgi", "200 " + ok.Uid},
	} {
		code, body, err := s.doFresh(c.path)
		got := fmt.Sprint(code)
		if code == 200 {
			got += " " + body
		}
		if err != nil || got != c.want {
			t.Errorf("GET %s: %s %v, want %s\n%s", c.path, got, err, c.want, s.errorLog())
		}
	}
	want := "per-user group ~modpy-rv1: uid 2091 is below UserDirMinUid 2092: refused"
	contains(t, "error log", s.waitLog(want), want)
}

// TestRelayConnectionKept: a worker's connection to its group serves
// request after request whatever the site's KeepAlive and
// MaxKeepAliveRequests say (they are the clients'): the group kept to
// them and closed it after each request (KeepAlive Off) or every Nth, and
// the worker connected anew each time, and closed it idle after the
// site's KeepAliveTimeout. It serves 100, then a new one is made.
func TestRelayConnectionKept(t *testing.T) {
	s := startRelayFixSite(t, "KeepAlive Off\nMaxKeepAliveRequests 2\nKeepAliveTimeout 1\nWSGIDaemonProcess g home={{DIR}}")
	pid := waitGroup(t, s.masterPid(), "g", "1 process", func(ps []groupProc) bool { return len(ps) == 1 })[0].pid
	// The group's own sockets (its listener), then the one connection the
	// worker keeps: the same one after every request.
	base := fdsOf(t, pid, "socket:")
	kept := ""
	for i := 0; i < 6; i++ {
		wantGet(t, s, "/echo", 200, fmt.Sprintf("%d g ", pid))
		conns := newFds(fdsOf(t, pid, "socket:"), base)
		if i == 0 && len(conns) == 1 {
			kept = conns[0]
		}
		if len(conns) != 1 || conns[0] != kept {
			t.Fatalf("request %d: the group's connections %v, after the first request %q: want the worker's one kept", i+1, conns, kept)
		}
	}
	// Idle past the site's KeepAliveTimeout (1 s), within the pool's 2 s:
	// still open (the group keeps it 5 s), and the next request's.
	time.Sleep(1500 * time.Millisecond)
	if conns := newFds(fdsOf(t, pid, "socket:"), base); len(conns) != 1 || conns[0] != kept {
		t.Fatalf("after 1.5 s idle the group's connections %v: want %q kept", conns, kept)
	}
	// For 100 requests (relayConnRequests): then the group closes it, and
	// the next is accepted anew, by any of the group's processes.
	for i := 6; i < 110; i++ {
		wantGet(t, s, "/echo", 200, fmt.Sprintf("%d g ", pid))
	}
	// (The old one's close lingers until the worker has closed its end.)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		conns := newFds(fdsOf(t, pid, "socket:"), base)
		if len(conns) == 1 && conns[0] != kept {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 110 requests the group's connections %v: want one, not %q", conns, kept)
		}
	}
}

// TestRelayOneConnectionPerThread: a group process takes only as many of
// the workers' connections as it has threads, as a mod_wsgi daemon
// process accepts one only with a thread free; one more is taken by
// another process of the group. Two requests at once to a group of two
// processes of one thread each are served by both (each process took
// every connection that reached it, so both could go to one, the second
// waiting for its thread while the other process idled).
func TestRelayOneConnectionPerThread(t *testing.T) {
	s := newSite(t, map[string]string{"lib/mp.py": masterHandlers, "htdocs/index.html": "hi\n",
		"lib/slow.py": `import os, time
from mod_python import apache
def handler(req):
    time.sleep(1)
    req.headers_out["Connection"] = "close"  # the next one on a new connection
    req.content_type = "text/plain"
    req.write(str(os.getpid()))
    return apache.OK
`})
	s.writeFiles(map[string]string{"site.conf": masterConf("StartServers 1\nWSGIDaemonProcess g processes=2 threads=1 home={{DIR}}\n" +
		"<Location /slow>\n SetHandler mod_python\n PythonHandler slow\n WSGIProcessGroup g\n</Location>\n")})
	s.start("-f", filepath.Join(s.Dir, "site.conf"))
	ps := waitGroup(t, s.masterPid(), "g", "2 processes", func(ps []groupProc) bool { return len(ps) == 2 })
	for round := 0; round < 3; round++ {
		pids := make(chan string, 2)
		for i := 0; i < 2; i++ {
			go func() {
				_, body, _ := fetch(s, "/slow")
				pids <- body
			}()
		}
		a, b := <-pids, <-pids
		if a == b || a != fmt.Sprint(ps[0].pid) && a != fmt.Sprint(ps[1].pid) {
			t.Fatalf("round %d: two requests at once served by %q and %q, want one by each of %d and %d\n%s",
				round+1, a, b, ps[0].pid, ps[1].pid, s.errorLog())
		}
	}
}

// TestRelayHandlerCloses: a handler in a group that says
// "Connection: close" closes the client's connection, as it does
// embedded; the field concerned only the worker's connection to the
// group, and the client's stayed open.
func TestRelayHandlerCloses(t *testing.T) {
	s := newSite(t, map[string]string{"lib/mp.py": masterHandlers, "htdocs/index.html": "hi\n",
		"lib/cl.py": `from mod_python import apache
def handler(req):
    if req.args == "close":
        req.headers_out["Connection"] = "close"
    c = req.connection
    req.write("%s %s" % (c.keepalive, c.keepalives))
    return apache.OK
`})
	s.writeFiles(map[string]string{"site.conf": masterConf("StartServers 1\nWSGIDaemonProcess g home={{DIR}}\n" +
		"<Location /cl>\n SetHandler mod_python\n PythonHandler cl\n WSGIProcessGroup g\n</Location>\n")})
	s.start("-f", filepath.Join(s.Dir, "site.conf"))
	c := s.dial()
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(c)
	for _, q := range []struct{ args, body string }{{"", "2 1"}, {"close", "2 2"}} {
		fmt.Fprintf(c, "GET /cl?%s HTTP/1.1\r\nHost: localhost\r\n\r\n", q.args)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("?%s: %v\n%s", q.args, err, s.errorLog())
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != q.body || resp.Close != (q.args == "close") {
			t.Fatalf("?%s: %q, closing %v: want %q, closing %v", q.args, b, resp.Close, q.body, q.args == "close")
		}
	}
	if n, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the handler's Connection: close: %v %v, want the connection closed", n, err)
	}
}
