package tests

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mod_cgi: ScriptAlias, AddHandler cgi-script with Options ExecCGI, the
// CGI/1.1 environment, the script's headers, nph- scripts, stderr in the
// error log, Timeout, and the script's processes killed and reaped. The
// scripts are /bin/sh scripts run as processes of their own. Each case's
// expected answer and log line is what apache2 2.4 with mod_cgi gives for
// the same script.

var cgiScripts = map[string]string{
	"cgi/env.cgi": `#!/bin/sh
printf 'Content-Type: text/plain\n\n'
env
echo "PWD_IS=$(pwd)"
echo "ARGS=$*"
`,
	"cgi/err.cgi": `#!/bin/sh
echo "first stderr line" >&2
printf 'Content-Type: text/plain\n\nok\n'
echo "second stderr line" >&2
`,
	"cgi/bad.cgi": "#!/bin/sh\nprintf 'This is not a header\\n\\nbody\\n'\n",
	"cgi/nph-x.cgi": `#!/bin/sh
printf 'HTTP/1.0 299 Own\r\nContent-Type: text/plain\r\nX-Nph: 1\r\n\r\nnph body\n'
`,
	"cgi/loc.cgi":    "#!/bin/sh\nprintf 'Location: /ex/f.txt\\n\\n'\n",
	"cgi/abs.cgi":    "#!/bin/sh\nprintf 'Location: http://example.com/x\\n\\nignored body\\n'\n",
	"cgi/status.cgi": "#!/bin/sh\nprintf 'Status: 404 Not Here\\nContent-Type: Text/HTML\\nX-A: 1\\nSet-Cookie: a=1\\nSet-Cookie: b=2\\n\\nmissing\\n'\n",
	// A Status with a bare CR or other control characters in its reason.
	"cgi/crstatus.cgi":  "#!/bin/sh\nprintf 'Status: 200 OK\\rSet-Cookie: evil=1\\nContent-Type: text/plain\\n\\ncr\\n'\n",
	"cgi/ctlstatus.cgi": "#!/bin/sh\nprintf 'Status: 404 \\001\\033[2J\\nContent-Type: text/plain\\n\\nctl\\n'\n",
	"cgi/post.cgi": `#!/bin/sh
printf 'Content-Type: text/plain\n\n'
echo "len=$CONTENT_LENGTH type=$CONTENT_TYPE"
cat
`,
	"cgi/count.cgi": `#!/bin/sh
printf 'Content-Type: text/plain\n\n'
wc -c | tr -d ' '
`,
	"cgi/big.cgi":    "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\n'\nhead -c 1000000 /dev/zero | tr '\\0' x\n",
	"cgi/empty.cgi":  "#!/bin/sh\nexit 0\n",
	"cgi/noexec.cgi": "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\nran\\n'\n",
	// slow.cgi leaves a child in its process group; both must die.
	"cgi/slow.cgi": `#!/bin/sh
sleep 60 &
echo "$$ $!" > "$PIDS/slow"
wait
`,
	// stream.cgi writes forever, until its client is gone.
	"cgi/stream.cgi": `#!/bin/sh
echo "$$" > "$PIDS/stream"
printf 'Content-Type: text/plain\n\n'
while :; do echo tick; sleep 0.05; done
`,
	"htdocs/ex/f.txt":     "file\n",
	"htdocs/ex/e.cgi":     "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\nin ex\\n'\n",
	"htdocs/noexec/e.cgi": "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\nran\\n'\n",
}

const cgiModConf = `LoadModule cgi_module modules/mod_cgi.so
Timeout 2
ScriptAlias /cgi-bin/ {{DIR}}/cgi/
<Directory {{DIR}}/cgi>
    SetEnv MY_VAR hello
    SetEnv PIDS {{DIR}}/pids
</Directory>
<Directory {{DIR}}/htdocs/ex>
    Options +ExecCGI
    AddHandler cgi-script .cgi
</Directory>
<Directory {{DIR}}/htdocs/noexec>
    AddHandler cgi-script .cgi
</Directory>
<Location /cgi-bin/slow.cgi>
    CGIScriptTimeout 1
</Location>
`

func startCGISite(t *testing.T) *site {
	t.Helper()
	s := startSiteEnv(t, []string{"MODPY_SECRET=leak"}, cgiModConf, cgiScripts)
	for name := range cgiScripts {
		if strings.HasSuffix(name, ".cgi") && !strings.HasSuffix(name, "noexec.cgi") {
			os.Chmod(filepath.Join(s.Dir, name), 0o755)
		}
	}
	os.Chmod(filepath.Join(s.Dir, "htdocs/noexec/e.cgi"), 0o755)
	os.MkdirAll(filepath.Join(s.Dir, "pids"), 0o755)
	return s
}

// envOf parses env.cgi's output.
func envOf(body string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(body, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = v
		}
	}
	return m
}

func TestCGIEnvironment(t *testing.T) {
	s := startCGISite(t)
	st, h, body := s.do("GET", "/cgi-bin/env.cgi/extra/path?a=b&c", "",
		"Authorization", "Basic eDp5", "X-Foo-Bar", "1", "Proxy", "evil", "Cookie", "c=1")
	if st != 200 || h.Get("Content-Type") != "text/plain" {
		t.Fatalf("env.cgi: %d %v\n%s", st, h, body)
	}
	env := envOf(body)
	cgi := filepath.Join(s.Dir, "cgi")
	for k, want := range map[string]string{
		"GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1", "REQUEST_METHOD": "GET",
		"QUERY_STRING": "a=b&c", "REQUEST_URI": "/cgi-bin/env.cgi/extra/path?a=b&c",
		"SCRIPT_NAME": "/cgi-bin/env.cgi", "PATH_INFO": "/extra/path",
		"PATH_TRANSLATED": filepath.Join(s.Dir, "htdocs") + "/extra/path",
		"SCRIPT_FILENAME": cgi + "/env.cgi", "DOCUMENT_ROOT": filepath.Join(s.Dir, "htdocs"),
		"CONTEXT_PREFIX": "/cgi-bin/", "CONTEXT_DOCUMENT_ROOT": cgi + "/",
		"SERVER_NAME": "127.0.0.1", "SERVER_PORT": strconv.Itoa(s.Port), "SERVER_ADDR": "127.0.0.1",
		"REMOTE_ADDR": "127.0.0.1", "REQUEST_SCHEME": "http", "HTTP_X_FOO_BAR": "1", "HTTP_COOKIE": "c=1",
		"HTTP_HOST": "127.0.0.1:" + strconv.Itoa(s.Port), "MY_VAR": "hello", "PWD_IS": cgi, "ARGS": "",
		"SERVER_SIGNATURE": "", "SERVER_ADMIN": "[no address given]",
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	if !strings.HasPrefix(env["SERVER_SOFTWARE"], "modpy/") || env["PATH"] == "" || env["REMOTE_PORT"] == "" {
		t.Errorf("SERVER_SOFTWARE %q PATH %q REMOTE_PORT %q", env["SERVER_SOFTWARE"], env["PATH"], env["REMOTE_PORT"])
	}
	for _, k := range []string{"HTTP_AUTHORIZATION", "HTTP_PROXY", "MODPY_SECRET", "REMOTE_USER", "AUTH_TYPE"} {
		if v, ok := env[k]; ok {
			t.Errorf("%s=%q reached the script", k, v)
		}
	}
	// An ISINDEX query (no "=") is the script's arguments.
	if env := envOf(s.mustGet("/cgi-bin/env.cgi?one+t%77o")); env["ARGS"] != "one two" {
		t.Errorf("ARGS = %q, want \"one two\"", env["ARGS"])
	}
	// AddHandler cgi-script with ExecCGI, outside any ScriptAlias.
	st, _, body = s.do("GET", "/ex/e.cgi", "")
	if st != 200 || body != "in ex\n" {
		t.Errorf("/ex/e.cgi: %d %q", st, body)
	}
	st, _, body = s.do("GET", "/noexec/e.cgi", "")
	if st != 403 || strings.Contains(body, "ran") {
		t.Errorf("/noexec/e.cgi without ExecCGI: %d %q, want 403", st, body)
	}
	contains(t, "error log", s.errorLog(), "[cgi:error]")
	contains(t, "error log", s.errorLog(), "AH02809: stderr from "+filepath.Join(s.Dir, "htdocs/noexec/e.cgi")+": Options ExecCGI is off in this directory")
}

func TestCGIResponses(t *testing.T) {
	s := startCGISite(t)
	t.Run("Stderr", func(t *testing.T) {
		if body := s.mustGet("/cgi-bin/err.cgi"); body != "ok\n" {
			t.Errorf("err.cgi: %q", body)
		}
		f := filepath.Join(s.Dir, "cgi/err.cgi")
		contains(t, "error log", s.waitLog("second stderr line"), "] AH01215: stderr from "+f+": first stderr line")
		contains(t, "error log", s.errorLog(), "] AH01215: stderr from "+f+": second stderr line")
	})
	t.Run("BadHeader", func(t *testing.T) {
		if st, _, body := s.do("GET", "/cgi-bin/bad.cgi", ""); st != 500 || strings.HasPrefix(body, "body") {
			t.Errorf("bad.cgi: %d %q, want 500", st, body)
		}
		contains(t, "error log", s.errorLog(), "malformed header from script 'bad.cgi': Bad header: This is not a header")
		if st, _, _ := s.do("GET", "/cgi-bin/empty.cgi", ""); st != 500 {
			t.Errorf("empty.cgi: %d, want 500", st)
		}
		contains(t, "error log", s.errorLog(), "End of script output before headers: empty.cgi")
	})
	t.Run("Status", func(t *testing.T) {
		st, h, body := s.do("GET", "/cgi-bin/status.cgi", "")
		if st != 404 || body != "missing\n" || h.Get("X-A") != "1" || h.Get("Content-Type") != "text/html" ||
			strings.Join(h.Values("Set-Cookie"), ",") != "a=1,b=2" {
			t.Errorf("status.cgi: %d %v %q", st, h, body)
		}
		raw := s.raw("GET /cgi-bin/status.cgi HTTP/1.0\r\n\r\n", 5*time.Second)
		contains(t, "status line", raw, "HTTP/1.1 404 Not Here\r\n")
	})
	t.Run("StatusControlCharacters", func(t *testing.T) {
		// The reason phrase is the standard one (Apache sends no control
		// character of a script's Status either): a bare CR there split
		// the response for a client or proxy that ends lines at CR.
		raw := s.raw("GET /cgi-bin/crstatus.cgi HTTP/1.0\r\n\r\n", 5*time.Second)
		if !strings.HasPrefix(raw, "HTTP/1.1 200 OK\r\n") || strings.Contains(raw, "evil") {
			t.Errorf("crstatus.cgi sent %q", raw)
		}
		raw = s.raw("GET /cgi-bin/ctlstatus.cgi HTTP/1.0\r\n\r\n", 5*time.Second)
		if !strings.HasPrefix(raw, "HTTP/1.1 404 Not Found\r\n") || !strings.HasSuffix(raw, "\r\n\r\nctl\n") {
			t.Errorf("ctlstatus.cgi sent %q", raw)
		}
	})
	t.Run("Location", func(t *testing.T) {
		if st, _, body := s.do("GET", "/cgi-bin/loc.cgi", ""); st != 200 || body != "file\n" {
			t.Errorf("loc.cgi (local redirect): %d %q, want the file", st, body)
		}
		// A POST's local redirect is a GET.
		if st, _, body := s.do("POST", "/cgi-bin/loc.cgi", "x=1"); st != 200 || body != "file\n" {
			t.Errorf("POST loc.cgi: %d %q", st, body)
		}
		st, h, body := s.do("GET", "/cgi-bin/abs.cgi", "")
		if st != 302 || h.Get("Location") != "http://example.com/x" || strings.Contains(body, "ignored body") {
			t.Errorf("abs.cgi: %d %q %q, want 302 to http://example.com/x", st, h.Get("Location"), body)
		}
	})
	t.Run("NPH", func(t *testing.T) {
		raw := s.raw("GET /cgi-bin/nph-x.cgi HTTP/1.1\r\nHost: x\r\n\r\n", 5*time.Second)
		if raw != "HTTP/1.0 299 Own\r\nContent-Type: text/plain\r\nX-Nph: 1\r\n\r\nnph body\n" {
			t.Errorf("nph-x.cgi sent %q, want the script's output as it is (and the connection closed)", raw)
		}
	})
	t.Run("Body", func(t *testing.T) {
		if st, _, body := s.do("POST", "/cgi-bin/post.cgi", "hello=world", "Content-Type", "application/x-www-form-urlencoded"); st != 200 ||
			body != "len=11 type=application/x-www-form-urlencoded\nhello=world" {
			t.Errorf("post.cgi: %d %q", st, body)
		}
		big := strings.Repeat("0123456789", 100000)
		if st, _, body := s.do("POST", "/cgi-bin/count.cgi", big); st != 200 || body != "1000000\n" {
			t.Errorf("count.cgi with 1 MB: %d %q", st, body)
		}
		// Chunked: no CONTENT_LENGTH, the body all the same.
		req, _ := http.NewRequest("POST", s.URL+"/cgi-bin/count.cgi", io.MultiReader(strings.NewReader("abc"), strings.NewReader("defg")))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "7\n" {
			t.Errorf("chunked count.cgi: %d %q", resp.StatusCode, b)
		}
		if st, _, body := s.do("GET", "/cgi-bin/big.cgi", ""); st != 200 || len(body) != 1000000 || strings.Trim(body, "x") != "" {
			t.Errorf("big.cgi: %d, %d bytes", st, len(body))
		}
	})
	t.Run("Errors", func(t *testing.T) {
		if st, _, body := s.do("GET", "/cgi-bin/noexec.cgi", ""); st != 500 || strings.Contains(body, "ran") {
			t.Errorf("noexec.cgi: %d %q, want 500", st, body)
		}
		f := filepath.Join(s.Dir, "cgi/noexec.cgi")
		contains(t, "error log", s.errorLog(), "AH01215: stderr from "+f+": (13)Permission denied: exec of '"+f+"' failed")
		contains(t, "error log", s.errorLog(), "End of script output before headers: noexec.cgi")
		if st, _, _ := s.do("GET", "/cgi-bin/missing.cgi", ""); st != 404 {
			t.Errorf("missing.cgi: %d, want 404", st)
		}
		contains(t, "error log", s.errorLog(), "AH02811: stderr from "+filepath.Join(s.Dir, "cgi/missing.cgi")+": script not found or unable to stat")
		if st, _, _ := s.do("GET", "/cgi-bin/", ""); st != 403 {
			t.Errorf("/cgi-bin/: %d, want 403", st)
		}
		contains(t, "error log", s.errorLog(), "AH02812: stderr from ")
	})
}

// alive reports whether process pid exists (and is no zombie).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

// waitDead waits until none of pids is alive.
func waitDead(t *testing.T, what string, pids ...int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Errorf("%s: process %d still runs", what, pid)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// readPids reads the pids a script wrote to pids/name.
func readPids(t *testing.T, s *site, name string) []int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(s.Dir, "pids", name))
		if err == nil && strings.HasSuffix(string(b), "\n") {
			var pids []int
			for _, f := range strings.Fields(string(b)) {
				n, _ := strconv.Atoi(f)
				pids = append(pids, n)
			}
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("the script did not write pids/%s", name)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// zombies are the children of pid that are zombies.
func zombies(pid int) []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 1 && f[0] == "Z" && f[1] == strconv.Itoa(pid) {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestCGITimeoutAndDisconnect(t *testing.T) {
	s := startCGISite(t)
	// CGIScriptTimeout 1 for slow.cgi: 504, logged, and the script and
	// its child are killed.
	start := time.Now()
	st, _, _ := s.do("GET", "/cgi-bin/slow.cgi", "")
	if st != 504 {
		t.Errorf("slow.cgi: %d, want 504", st)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("slow.cgi took %v", d)
	}
	contains(t, "error log", s.errorLog(), "[cgi:warn]")
	contains(t, "error log", s.errorLog(), "AH01220: Timeout waiting for output from CGI script "+filepath.Join(s.Dir, "cgi/slow.cgi"))
	contains(t, "error log", s.errorLog(), "Script timed out before returning headers: slow.cgi")
	waitDead(t, "slow.cgi after its timeout", readPids(t, s, "slow")...)

	// A client that goes away: the streaming script is killed.
	c := s.dial()
	io.WriteString(c, "GET /cgi-bin/stream.cgi HTTP/1.1\r\nHost: x\r\n\r\n")
	buf := make([]byte, 512)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(buf); err != nil || !strings.Contains(string(buf[:n]), "200 OK") {
		t.Fatalf("stream.cgi: %q %v", buf[:n], err)
	}
	pids := readPids(t, s, "stream")
	c.(interface{ SetLinger(int) error }).SetLinger(0)
	c.Close()
	waitDead(t, "stream.cgi after its client left", pids...)

	// Every script that ran was waited for.
	time.Sleep(200 * time.Millisecond)
	if z := zombies(s.cmd.Process.Pid); len(z) > 0 {
		t.Errorf("zombie children of modpy: %v", z)
	}
	if err := syscall.Kill(s.cmd.Process.Pid, 0); err != nil {
		t.Errorf("modpy is gone: %v", err)
	}
}
