package tests

import (
	"bufio"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// The relay of issue 14: a worker hands each request whose Python belongs
// to a process group (WSGIDaemonProcess) to one of the group's processes
// over its socket, and streams the answer back.

const relayApp = `import hashlib, json, os, time

def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/echo":
        n, h, inp = 0, hashlib.sha256(), environ["wsgi.input"]
        while True:
            b = inp.read(65536)
            if not b:
                break
            n += len(b)
            h.update(b)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [("%d %s" % (n, h.hexdigest())).encode()]
    if path == "/firstpart":
        # Reads 5 bytes, says so in a file, then reads the rest: a relay
        # that waited for the whole body would never let the client finish.
        inp = environ["wsgi.input"]
        first = inp.read(5)
        open(environ["QUERY_STRING"], "w").close()
        rest = inp.read()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [first + b" %d" % len(rest)]
    if path == "/stream":
        flag = environ["QUERY_STRING"]
        def gen():
            yield b"first\n"
            # The second part waits until the client has the first:
            # a relay that buffered the response would never give it.
            for i in range(400):
                if os.path.exists(flag):
                    break
                time.sleep(0.025)
            yield b"second\n"
        start_response("200 OK", [("Content-Type", "text/plain")])
        return gen()
    if path == "/sleep":
        time.sleep(float(environ["QUERY_STRING"]))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"slept"]
    if path == "/fields":
        start_response("203 Mostly Fine", [("X-Zeta", "1"), ("x-alpha", "2"), ("X-MiXeD-Case", "3"),
                                           ("Set-Cookie", "a=1"), ("Content-Type", "text/plain"), ("Set-Cookie", "b=2")])
        return [b"fields"]
    if path == "/forge":
        # A group's code poses as a worker to another group: it can reach
        # the socket (here, as root), but has no relay key.
        import socket
        name = "\0modpy.%s.%s.other" % (os.environ["MODPY_MASTER_PID"], os.environ["MODPY_GENERATION"])
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.settimeout(5)
        c.connect(name)
        c.sendall(b"GET /other HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nModpy-Relay: remote=6.6.6.6%3A1\r\n\r\n")
        answer = c.recv(4096).split(b"\r\n")[0]
        c.close()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [answer]
    import mod_wsgi
    facts = {k: str(environ.get(k)) for k in ("REMOTE_ADDR", "REMOTE_PORT", "HTTPS", "wsgi.url_scheme",
             "mod_wsgi.process_group", "wsgi.multithread", "wsgi.multiprocess", "SERVER_PROTOCOL",
             "HTTP_MODPY_RELAY", "HTTP_X_TEST")}
    facts["module_process_group"] = mod_wsgi.process_group
    facts["pid"] = os.getpid()
    import sys
    facts["path0"] = sys.path[0]
    body = json.dumps(facts).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("X-Group-Pid", str(os.getpid()))])
    return [body]
`

const relayHandler = `import os
from mod_python import apache

def handler(req):
    req.content_type = "text/plain"
    req.write("ip=%s pid=%d https=%r env=%s proto=%s relay=%r ssl=%s group=%s" % (req.connection.client_ip, os.getpid(),
              req.is_https(), req.subprocess_env.get("HTTPS"), req.protocol, "Modpy-Relay" in req.headers_in,
              req.ssl_var_lookup("SSL_PROTOCOL"), os.environ.get("MODPY_GROUP", "")))
    return apache.OK
`

type relayFacts map[string]any

func (f relayFacts) s(k string) string { return fmt.Sprint(f[k]) }

// startRelaySite starts a master with a group "app" (2 processes × 4
// threads), a group "broken" that dies at start, WSGI and mod_python
// locations in the group and embedded, and a TLS virtual host (h2) using
// the group. It returns the site, the PKI and the TLS port.
func startRelaySite(t *testing.T) (*site, *testPKI, int) {
	t.Helper()
	s := newSite(t, map[string]string{"app.wsgi": relayApp, "lib/facts.py": relayHandler,
		"die.py": "import os\nos.write(2, b'Fatal Python error: die.py gives up\\x07\\n')\nos._exit(3)\n", "htdocs/index.html": "hi\n",
		"htdocs/inc.shtml": "[<!--#include virtual=\"/wsgi/fields?inc=1\" -->|<!--#include virtual=\"/py\" -->|" +
			"<!--#include virtual=\"/embedded/fields\" -->|<!--#include virtual=\"/pyaccess\" -->]\n"})
	os.Chmod(s.Dir, 0o755)
	pkiDir := t.TempDir()
	p := newPKI(t, pkiDir)
	p.issue("a", "a.test", false)
	tlsPort := freePort(t)
	conf := "Listen 127.0.0.1:{{PORT}}\nServerName localhost\nDocumentRoot {{DIR}}/htdocs\n" +
		"ErrorLog {{DIR}}/error.log\nLogLevel info\nCustomLog {{DIR}}/access.log \"%h %>s %r pid=%P\"\nPidFile {{DIR}}/modpy.pid\n" +
		"StartServers 1\nPythonPath \"sys.path + ['{{DIR}}/lib']\"\nLoadModule ssl_module mod_ssl.so\n" +
		"WSGIChunkedRequest On\nWSGIDaemonProcess app processes=2 threads=4 home={{DIR}}\n" +
		"WSGIDaemonProcess broken home={{DIR}} connect-timeout=1\n" +
		"WSGIImportScript {{DIR}}/die.py process-group=broken application-group=%{GLOBAL}\n" +
		"WSGIScriptAlias /wsgi {{DIR}}/app.wsgi process-group=app\n" +
		"WSGIScriptAlias /broken {{DIR}}/app.wsgi process-group=broken\n" +
		"WSGIDaemonProcess other threads=2 home={{DIR}}\n" +
		"WSGIScriptAlias /other {{DIR}}/app.wsgi process-group=other\n" +
		"WSGIDaemonProcess solo threads=2 home={{DIR}}\n" +
		"WSGIScriptAlias /solo {{DIR}}/app.wsgi process-group=solo\n" +
		"WSGIDaemonProcess slow threads=2 socket-timeout=1 home={{DIR}}\n" +
		"WSGIScriptAlias /slow {{DIR}}/app.wsgi process-group=slow\n" +
		"WSGIDaemonProcess queue threads=1 queue-timeout=1 home={{DIR}}\n" +
		"WSGIScriptAlias /queue {{DIR}}/app.wsgi process-group=queue\n" +
		"WSGIScriptAlias /embedded {{DIR}}/app.wsgi\n" +
		"WSGIScriptAlias /nogroup {{DIR}}/app.wsgi\n" +
		"<Location /nogroup>\n SetEnv GRP nosuch\n WSGIProcessGroup %{ENV:GRP}\n</Location>\n" +
		"<Location /py>\n SetHandler mod_python\n PythonHandler facts\n WSGIProcessGroup app\n</Location>\n" +
		"<Location /pyembedded>\n SetHandler mod_python\n PythonHandler facts\n</Location>\n" +
		"<Location /pyaccess>\n SetHandler mod_python\n PythonAccessHandler facts\n PythonHandler facts\n WSGIProcessGroup app\n</Location>\n" +
		"AddType text/html .shtml\n<Directory {{DIR}}/htdocs>\n Options +Includes\n AddOutputFilter INCLUDES .shtml\n</Directory>\n" +
		"Listen 127.0.0.1:" + strconv.Itoa(tlsPort) + "\n<VirtualHost 127.0.0.1:" + strconv.Itoa(tlsPort) + ">\n ServerName a.test\n SSLEngine on\n" +
		" SSLCertificateFile " + pkiDir + "/a.crt\n SSLCertificateKeyFile " + pkiDir + "/a.key\n Protocols h2 http/1.1\n" +
		" WSGIScriptAlias /wsgi {{DIR}}/app.wsgi process-group=app\n" +
		" <Location /py>\n SetHandler mod_python\n PythonHandler facts\n PythonProcessGroup app\n </Location>\n" +
		"</VirtualHost>\n"
	s.writeFiles(map[string]string{"site.conf": conf})
	s.start("-f", filepath.Join(s.Dir, "site.conf"))
	return s, p, tlsPort
}

// waitGroupReady waits until a request to the group is answered 200 (its
// processes start after the workers).
func waitGroupReady(t *testing.T, s *site, path string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, body, err := s.doFresh(path)
		if err == nil && st == 200 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d %v %s\nerror log:\n%s", path, st, err, body, s.errorLog())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestRelay(t *testing.T) {
	s, p, tlsPort := startRelaySite(t)
	for _, path := range []string{"/wsgi", "/other", "/solo", "/slow/", "/queue/"} {
		waitGroupReady(t, s, path)
	}

	// The worker's own pid, from an embedded handler.
	st, worker, err := s.doFresh("/pyembedded")
	if err != nil || st != 200 {
		t.Fatalf("/pyembedded: %d %v %s", st, err, worker)
	}
	workerPid := strings.Fields(strings.SplitN(worker, "pid=", 2)[1])[0]
	if !strings.Contains(worker, "group= ") && !strings.HasSuffix(worker, "group=") {
		t.Errorf("embedded handler sees a group: %s", worker)
	}

	t.Run("wsgi", func(t *testing.T) {
		// A client-sent Modpy-Relay changes nothing and the app never sees it.
		st, _, body := s.do("GET", "/wsgi", "", "Modpy-Relay", "remote=6.6.6.6:1&https=on&protocol=772&cipher=4865", "X-Test", "kept")
		if st != 200 {
			t.Fatalf("%d %s", st, body)
		}
		var f relayFacts
		if err := json.Unmarshal([]byte(body), &f); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		for k, want := range map[string]string{"REMOTE_ADDR": "127.0.0.1", "HTTPS": "None", "wsgi.url_scheme": "http",
			"mod_wsgi.process_group": "app", "module_process_group": "app", "wsgi.multithread": "True",
			"wsgi.multiprocess": "True", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_MODPY_RELAY": "None", "HTTP_X_TEST": "kept"} {
			if got := f.s(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		if f.s("pid") == workerPid {
			t.Errorf("the WSGI app ran in the worker (pid %s)", workerPid)
		}
		// home= is the group's sys.path[0], as in mod_wsgi.
		if f.s("path0") != s.Dir {
			t.Errorf("sys.path[0] = %q, want home= %q", f.s("path0"), s.Dir)
		}
		// REMOTE_PORT is the client's port, over a connection of our own.
		c := s.dial()
		defer c.Close()
		c.SetDeadline(time.Now().Add(15 * time.Second))
		fmt.Fprintf(c, "GET /wsgi HTTP/1.1\r\nHost: localhost\r\nModpy-Relay: remote=6.6.6.6:1\r\nConnection: close\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		var rf relayFacts
		if err := json.Unmarshal(b, &rf); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		if port := strconv.Itoa(c.LocalAddr().(*net.TCPAddr).Port); rf.s("REMOTE_PORT") != port || rf.s("REMOTE_ADDR") != "127.0.0.1" {
			t.Errorf("REMOTE_ADDR:REMOTE_PORT %s:%s, want 127.0.0.1:%s", rf.s("REMOTE_ADDR"), rf.s("REMOTE_PORT"), port)
		}
		// Embedded, the same script is in the worker and no group.
		_, _, body = s.do("GET", "/embedded", "", "Modpy-Relay", "remote=6.6.6.6:1")
		var e relayFacts
		json.Unmarshal([]byte(body), &e)
		if e.s("mod_wsgi.process_group") != "" || e.s("path0") == s.Dir || e.s("pid") != workerPid || e.s("REMOTE_ADDR") != "127.0.0.1" || e.s("HTTP_MODPY_RELAY") != "None" {
			t.Errorf("embedded: %s (worker %s)", body, workerPid)
		}
	})

	t.Run("mod_python", func(t *testing.T) {
		st, body, err := s.doFresh("/py")
		if err != nil || st != 200 {
			t.Fatalf("%d %v %s", st, err, body)
		}
		if !strings.HasPrefix(body, "ip=127.0.0.1 ") || strings.Contains(body, "pid="+workerPid+" ") ||
			!strings.Contains(body, "https=0 env=None ") || !strings.Contains(body, "relay=False") || !strings.HasSuffix(body, "group=app") {
			t.Errorf("got %q (worker pid %s)", body, workerPid)
		}
	})

	t.Run("post body streams through", func(t *testing.T) {
		data := strings.Repeat("0123456789abcdef", 256<<10) // 4 MiB
		sum := sha256.Sum256([]byte(data))
		want := fmt.Sprintf("%d %s", len(data), hex.EncodeToString(sum[:]))
		st, _, body := s.do("POST", "/wsgi/echo", data)
		if st != 200 || body != want {
			t.Errorf("Content-Length body: %d %q, want %q", st, body, want)
		}
		// Chunked: the client's body goes to the group as it arrives.
		pr, pw := io.Pipe()
		go func() {
			for i := 0; i < len(data); i += 100000 {
				pw.Write([]byte(data[i:min(i+100000, len(data))]))
			}
			pw.Close()
		}()
		req, _ := http.NewRequest("POST", s.URL+"/wsgi/echo", pr)
		req.TransferEncoding = []string{"chunked"} // (a body of unknown length)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != want {
			t.Errorf("chunked body: %d %q, want %q", resp.StatusCode, b, want)
		}
	})

	t.Run("request body streams", func(t *testing.T) {
		flag := filepath.Join(s.Dir, "firstpart.flag")
		pr, pw := io.Pipe()
		go func() {
			pw.Write([]byte("hello"))
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				if _, err := os.Stat(flag); err == nil {
					pw.Write([]byte(strings.Repeat("x", 1000)))
					pw.Close()
					return
				}
			}
			pw.CloseWithError(fmt.Errorf("the app never had the body's first part"))
		}()
		req, _ := http.NewRequest("POST", s.URL+"/wsgi/firstpart?"+flag, pr)
		req.TransferEncoding = []string{"chunked"}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "hello 1000" {
			t.Errorf("%d %q", resp.StatusCode, b)
		}
	})

	t.Run("streaming response", func(t *testing.T) {
		flag := filepath.Join(s.Dir, "stream.flag")
		c := s.dial()
		defer c.Close()
		c.SetDeadline(time.Now().Add(15 * time.Second))
		fmt.Fprintf(c, "GET /wsgi/stream?%s HTTP/1.1\r\nHost: localhost\r\n\r\n", flag)
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(resp.Body).ReadString('\n')
		if err != nil || line != "first\n" {
			t.Fatalf("first chunk: %q %v", line, err)
		}
		os.WriteFile(flag, nil, 0o644) // only now may the app go on
		rest, _ := io.ReadAll(resp.Body)
		if !strings.Contains(string(rest), "second") {
			t.Errorf("rest: %q", rest)
		}
	})

	t.Run("TLS and HTTP/2", func(t *testing.T) {
		cfg := &tls.Config{RootCAs: p.pool, ServerName: "a.test", NextProtos: []string{"h2"}}
		tr := &http2.Transport{TLSClientConfig: cfg, DialTLS: func(network, addr string, c *tls.Config) (net.Conn, error) {
			return tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", tlsPort), c)
		}}
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: tr, Timeout: 20 * time.Second}
		resp, err := hc.Get(fmt.Sprintf("https://a.test:%d/wsgi", tlsPort))
		if err != nil {
			t.Fatalf("%v\n%s", err, s.errorLog())
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var f relayFacts
		if err := json.Unmarshal(b, &f); err != nil || resp.ProtoMajor != 2 {
			t.Fatalf("%v %s %s", err, resp.Proto, b)
		}
		// HTTPS=on decides wsgi.url_scheme and leaves the environ, as
		// mod_wsgi does (mod_python's subprocess_env keeps it: /py below).
		for k, want := range map[string]string{"REMOTE_ADDR": "127.0.0.1", "HTTPS": "None", "wsgi.url_scheme": "https",
			"SERVER_PROTOCOL": "HTTP/2.0", "mod_wsgi.process_group": "app"} {
			if got := f.s(k); got != want {
				t.Errorf("h2 %s = %q, want %q", k, got, want)
			}
		}
		if resp.Header.Get("X-Group-Pid") != f.s("pid") {
			t.Errorf("X-Group-Pid %q, pid %s", resp.Header.Get("X-Group-Pid"), f.s("pid"))
		}
		// A body over HTTP/2 goes through too.
		data := strings.Repeat("h2 body ", 100000)
		sum := sha256.Sum256([]byte(data))
		resp, err = hc.Post(fmt.Sprintf("https://a.test:%d/wsgi/echo", tlsPort), "text/plain", strings.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := fmt.Sprintf("%d %s", len(data), hex.EncodeToString(sum[:])); resp.StatusCode != 200 || string(b) != want {
			t.Errorf("h2 POST: %d %q, want %q", resp.StatusCode, b, want)
		}
		resp, err = hc.Get(fmt.Sprintf("https://a.test:%d/py", tlsPort))
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), "https=1 env=on ") || !strings.Contains(string(b), "proto=HTTP/2.0") ||
			!strings.Contains(string(b), "ssl=TLSv1.3") || !strings.HasSuffix(string(b), "group=app") {
			t.Errorf("h2 mod_python: %s", b)
		}
	})

	t.Run("fields in the application's order and case", func(t *testing.T) {
		// As embedded: the fields the application gave, in the order and
		// with the case embedded mode sends them, through the group's
		// response and the worker's.
		appFields := func(path string) []string {
			out := s.raw("GET "+path+" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 10*time.Second)
			head, body, _ := strings.Cut(out, "\r\n\r\n")
			lines := strings.Split(head, "\r\n")
			if lines[0] != "HTTP/1.1 203 Mostly Fine" || body != "fields" {
				t.Fatalf("%s: %q", path, out)
			}
			var app []string
			for _, l := range lines[1:] {
				for _, k := range []string{"X-Zeta:", "x-alpha:", "X-MiXeD-Case:", "Set-Cookie:", "Content-Type:"} {
					if strings.HasPrefix(l, k) {
						app = append(app, l)
					}
				}
			}
			return app
		}
		got, want := appFields("/wsgi/fields"), appFields("/embedded/fields")
		if len(want) != 6 || strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("relayed, the application's fields came as\n%s\nembedded as\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("include virtual of a group's page", func(t *testing.T) {
		// mod_include's subrequest is relayed when it is run: the group's
		// body goes into the page, as an embedded page's does; the group
		// logs no access line for it (Apache logs no subrequest). A
		// subrequest whose lookup would run Python in the group (an
		// access handler) fails closed: the element's error message.
		st, _, body := s.do("GET", "/inc.shtml", "")
		parts := strings.Split(strings.TrimSpace(body), "|")
		if st != 200 || len(parts) != 4 || parts[0] != "[fields" || !strings.Contains(parts[1], "group=app") ||
			parts[2] != "fields" || !strings.Contains(parts[3], "an error occurred while processing this directive") {
			t.Fatalf("/inc.shtml: %d %q", st, body)
		}
		if !strings.Contains(parts[1], "ip=127.0.0.1") {
			t.Errorf("the group's subrequest lost the client's facts: %s", parts[1])
		}
		waitLine(t, filepath.Join(s.Dir, "access.log"), regexp.MustCompile(`GET /inc\.shtml HTTP/1\.1`))
		time.Sleep(200 * time.Millisecond)
		if log := s.accessLog(); strings.Contains(log, "inc=1") {
			t.Errorf("the group logged the subrequest:\n%s", log)
		}
		if log := s.errorLog(); !strings.Contains(log, "of a subrequest's lookup cannot run in WSGI daemon process 'app': ") {
			t.Errorf("error log lacks the lookup's refusal:\n%s", log)
		}
	})

	t.Run("HEAD", func(t *testing.T) {
		resp, err := client.Head(s.URL + "/wsgi")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("X-Group-Pid") == "" {
			t.Errorf("HEAD: %d %v", resp.StatusCode, resp.Header)
		}
		// The connection is still good for the next request.
		if st, _, body := s.do("GET", "/wsgi", ""); st != 200 || !strings.Contains(body, `"app"`) {
			t.Errorf("GET after HEAD: %d %s", st, body)
		}
	})

	t.Run("a group's code cannot pose as a worker", func(t *testing.T) {
		// Without the workers' relay key, another group's Modpy-Relay
		// (a forged client address) is refused.
		st, body, _ := s.doFresh("/wsgi/forge")
		if st != 200 || !strings.HasPrefix(body, "HTTP/1.1 400") {
			t.Errorf("%d %q, want the other group's 400", st, body)
		}
		if l := s.waitLog("without the workers' key: refused"); !strings.Contains(l, "without the workers' key: refused") {
			t.Errorf("error log lacks the refusal:\n%s", l)
		}
	})

	t.Run("unknown group", func(t *testing.T) {
		if st, body, _ := s.doFresh("/nogroup"); st != 500 {
			t.Errorf("%d %s", st, body)
		}
		if l := s.waitLog("No WSGI daemon process called 'nosuch' has been configured"); !strings.Contains(l, "No WSGI daemon process called 'nosuch' has been configured") {
			t.Errorf("error log lacks the line:\n%s", l)
		}
	})

	t.Run("group that cannot start", func(t *testing.T) {
		if st, body, _ := s.doFresh("/broken"); st != 503 {
			t.Errorf("%d %s", st, body)
		}
		if l := s.waitLog("Unable to connect to WSGI daemon process 'broken'"); !strings.Contains(l, "Unable to connect to WSGI daemon process 'broken'") {
			t.Errorf("error log lacks the line:\n%s", l)
		}
		// One line per failed attempt to start it, each naming its process.
		pids := map[string]bool{}
		for _, l := range strings.Split(s.errorLog(), "\n") {
			if _, rest, ok := strings.Cut(l, "group broken pid "); ok && strings.Contains(rest, " died: exit status 3") {
				pid := strings.Fields(rest)[0]
				if pids[pid] {
					t.Errorf("two lines for the death of %s", pid)
				}
				pids[pid] = true
			}
		}
		if len(pids) < 2 {
			t.Errorf("%d start attempts of group broken logged:\n%s", len(pids), s.errorLog())
		}
		// Why: what each attempt wrote on its standard error, one line,
		// its control characters escaped.
		for pid := range pids {
			want := "group broken pid " + pid + ": Fatal Python error: die.py gives up\\x07\n"
			if !strings.Contains(s.errorLog(), want) {
				t.Errorf("error log lacks %q:\n%s", want, s.errorLog())
			}
		}
	})

	t.Run("socket-timeout", func(t *testing.T) {
		if st, body, err := s.doFresh("/slow/sleep?3"); st != 504 {
			t.Errorf("%d %v %s", st, err, body)
		}
		contains(t, "error log", s.waitLog("Timeout when reading response headers from daemon process 'slow'"),
			"Timeout when reading response headers from daemon process 'slow'")
	})

	t.Run("queue-timeout", func(t *testing.T) {
		first := make(chan int, 1)
		go func() {
			st, _, _ := s.doFresh("/queue/sleep?2")
			first <- st
		}()
		time.Sleep(300 * time.Millisecond) // the group's one thread has it
		if st, body, err := s.doFresh("/queue/"); st != 504 {
			t.Errorf("queued request: %d %v %s", st, err, body)
		}
		if st := <-first; st != 200 {
			t.Errorf("the request the thread ran: %d", st)
		}
		contains(t, "error log", s.waitLog("Queue timeout expired for WSGI daemon process 'queue'"),
			"Queue timeout expired for WSGI daemon process 'queue'")
	})

	t.Run("kill -9 of a group process", func(t *testing.T) {
		st, h, body := s.do("GET", "/solo", "")
		victim, _ := strconv.Atoi(h.Get("X-Group-Pid"))
		if st != 200 || victim == 0 {
			t.Fatalf("/solo: %d %s", st, body)
		}
		// Every other app serves during and after the kill: another group,
		// the killed process's own group's other process, the embedded ones.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		served, failed := map[string]int{}, map[string][]string{}
		for _, path := range []string{"/other", "/wsgi", "/py", "/embedded", "/pyembedded"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					st, body, err := s.doFresh(path)
					mu.Lock()
					if st == 200 {
						served[path]++
					} else {
						failed[path] = append(failed[path], fmt.Sprintf("%d %v %.80s", st, err, body))
					}
					mu.Unlock()
				}
			}()
		}
		// A request the process has in flight: it alone fails, with
		// mod_wsgi's 500.
		inflight := make(chan int, 1)
		go func() {
			st, _, _ := s.doFresh("/solo/sleep?5")
			inflight <- st
		}()
		time.Sleep(200 * time.Millisecond)
		if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		killed := time.Now()
		// The group serves again, from a new process, within about 1 s.
		for {
			st, h, _ := s.do("GET", "/solo", "")
			if pid, _ := strconv.Atoi(h.Get("X-Group-Pid")); st == 200 && pid != victim && pid != 0 {
				t.Logf("solo served again by pid %d after %v", pid, time.Since(killed))
				break
			}
			if time.Since(killed) > 1500*time.Millisecond {
				t.Errorf("1.5 s after kill -9 of %d, /solo: %d pid %q", victim, st, h.Get("X-Group-Pid"))
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if st := <-inflight; st != 500 {
			t.Errorf("the request in flight in the killed process: %d, want 500", st)
		}
		contains(t, "error log", s.waitLog("Truncated or oversized response headers received from daemon process 'solo'"),
			"Truncated or oversized response headers received from daemon process 'solo'")
		time.Sleep(200 * time.Millisecond)
		close(stop)
		wg.Wait()
		for _, path := range []string{"/other", "/wsgi", "/py", "/embedded", "/pyembedded"} {
			if served[path] == 0 || len(failed[path]) > 0 {
				t.Errorf("%s across the kill: %d served, failed: %q", path, served[path], failed[path])
			}
		}
		contains(t, "error log", s.waitLog(fmt.Sprintf("group solo pid %d died: killed by signal 9", victim)),
			fmt.Sprintf("group solo pid %d died: killed by signal 9", victim))
	})

	// The access log: the group's line for each relayed request (with
	// the client's address), none from the worker.
	if st, _, _ := s.do("GET", "/wsgi?just-once", ""); st != 200 {
		t.Errorf("/wsgi?just-once: %d", st)
	}
	var log string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		log = s.accessLog()
		if strings.Contains(log, "GET /wsgi?just-once HTTP/1.1 pid=") {
			break
		}
	}
	byGroup := 0
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, " /wsgi") && !strings.Contains(line, " /solo") && !strings.Contains(line, " /other") &&
			!strings.Contains(line, " /slow") && !strings.Contains(line, " /queue") {
			continue
		}
		if strings.HasSuffix(line, "pid="+workerPid) && strings.Contains(line, " 500 GET /solo/sleep") {
			continue // the worker's own answer: the group died before answering
		}
		if strings.HasSuffix(line, "pid="+workerPid) != (strings.HasPrefix(line, "127.0.0.1 500 GET /solo/sleep?5 ") || strings.HasPrefix(line, "127.0.0.1 504 GET /slow/")) {
			// Only a request whose group never answered is the worker's.
			t.Errorf("the worker logged a relayed request, or did not log one its group never answered: %s", line)
		} else if strings.HasPrefix(line, "127.0.0.1 ") {
			byGroup++
		}
	}
	for _, r := range []string{"GET /wsgi?just-once ", "GET /slow/sleep?3 ", "GET /solo/sleep?5 "} {
		if n := strings.Count(log, r); n != 1 {
			t.Errorf("%d access log lines for %s, want 1:\n%s", n, r, log)
		}
	}
	if byGroup == 0 {
		t.Errorf("no access log line by a group process for the relayed requests:\n%s", log)
	}
}
