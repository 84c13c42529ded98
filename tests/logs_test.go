package tests

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// waitLine waits until a line of the file matches re and returns it.
func waitLine(t *testing.T, path string, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		for _, l := range strings.Split(string(b), "\n") {
			if re.MatchString(l) {
				return l
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no line matches %s in:\n%s", filepath.Base(path), re, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const logDateRE = `\[(\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\]`

// checkLogTime fails unless an access log date is within a minute of now.
func checkLogTime(t *testing.T, line string) {
	t.Helper()
	m := regexp.MustCompile(logDateRE).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no date in %q", line)
	}
	when, err := time.Parse("02/Jan/2006:15:04:05 -0700", m[1])
	if err != nil {
		t.Fatalf("date %q: %v", m[1], err)
	}
	if d := time.Since(when); d < -time.Minute || d > time.Minute {
		t.Errorf("log date %s is %v away from now", m[1], d)
	}
}

const logPyHandler = `from mod_python import apache
def handler(req):
    req.content_type = "text/plain"
    if req.uri.endswith("empty.py"):
        return apache.OK
    apache.log_error("main-apache-log-msg", apache.APLOG_ERR, req.server)
    print("printed-line")
    req.write("py")
    return apache.OK
`

func TestAccessLogFormats(t *testing.T) {
	s := startSite(t, `
CustomLog {{DIR}}/combined.log combined
LogFormat "%{interpreter}n %D %{X-Foo}i %>s %b" custom
CustomLog {{DIR}}/custom.log custom
<Directory {{DIR}}/htdocs/py>
    SetHandler mod_python
    PythonHandler h
</Directory>
`, map[string]string{
		"htdocs/x.txt":   "hello",
		"htdocs/py/h.py": logPyHandler,
	})
	access := filepath.Join(s.Dir, "access.log")
	combined := filepath.Join(s.Dir, "combined.log")
	custom := filepath.Join(s.Dir, "custom.log")

	t.Run("Common", func(t *testing.T) {
		s.mustGet("/x.txt?id=common")
		l := waitLine(t, access, regexp.MustCompile(`/x\.txt\?id=common `))
		re := regexp.MustCompile(`^127\.0\.0\.1 - - ` + logDateRE + ` "GET /x\.txt\?id=common HTTP/1\.1" 200 5$`)
		if !re.MatchString(l) {
			t.Errorf("common line %q does not match %s", l, re)
		}
		checkLogTime(t, l)
	})

	t.Run("Combined", func(t *testing.T) {
		s.do("GET", "/x.txt?id=combined", "", "Referer", "http://ref.example/page", "User-Agent", `Agent "quoted"/1.0`)
		l := waitLine(t, combined, regexp.MustCompile(`/x\.txt\?id=combined `))
		re := regexp.MustCompile(`^127\.0\.0\.1 - - ` + logDateRE +
			` "GET /x\.txt\?id=combined HTTP/1\.1" 200 5 "http://ref\.example/page" "Agent \\"quoted\\"/1\.0"$`)
		if !re.MatchString(l) {
			t.Errorf("combined line %q does not match %s", l, re)
		}
		// A request without Referer logs "-" in quotes.
		s.do("GET", "/x.txt?id=noref", "", "User-Agent", "UA2")
		l = waitLine(t, combined, regexp.MustCompile(`/x\.txt\?id=noref `))
		if !strings.HasSuffix(l, `200 5 "-" "UA2"`) {
			t.Errorf("combined line without Referer: %q", l)
		}
	})

	t.Run("Custom", func(t *testing.T) {
		s.mustGet("/py/h.py", "X-Foo", "bar-value")
		l := waitLine(t, custom, regexp.MustCompile(`bar-value`))
		if re := regexp.MustCompile(`^localhost \d+ bar-value 200 2$`); !re.MatchString(l) {
			t.Errorf("custom line for a Python request %q does not match %s", l, re)
		}
		s.mustGet("/x.txt", "X-Foo", "static-value")
		l = waitLine(t, custom, regexp.MustCompile(`static-value`))
		if re := regexp.MustCompile(`^- \d+ static-value 200 5$`); !re.MatchString(l) {
			t.Errorf("custom line for a static request %q does not match %s", l, re)
		}
		s.mustGet("/x.txt?nofoo")
		// %{X-Foo}i without the header is "-".
		waitLine(t, custom, regexp.MustCompile(`^- \d+ - 200 5$`))
	})

	t.Run("BytesDash", func(t *testing.T) {
		_, h, _ := s.do("GET", "/x.txt?id=etag", "")
		st, _, _ := s.do("GET", "/x.txt?id=notmodified", "", "If-None-Match", h.Get("ETag"))
		if st != 304 {
			t.Fatalf("If-None-Match: %d, want 304", st)
		}
		l := waitLine(t, access, regexp.MustCompile(`id=notmodified `))
		if !strings.HasSuffix(l, `"GET /x.txt?id=notmodified HTTP/1.1" 304 -`) {
			t.Errorf("304 line %q, want %%b as -", l)
		}
		if st, body := s.get("/py/empty.py"); st != 200 || body != "" {
			t.Fatalf("/py/empty.py: %d %q", st, body)
		}
		l = waitLine(t, access, regexp.MustCompile(`/py/empty\.py `))
		if !strings.HasSuffix(l, `"GET /py/empty.py HTTP/1.1" 200 -`) {
			t.Errorf("empty 200 line %q, want %%b as -", l)
		}
	})

	t.Run("EscapedRequestLine", func(t *testing.T) {
		s.raw("GET /q\"uote\\x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 5*time.Second)
		l := waitLine(t, access, regexp.MustCompile(`uote`))
		if !strings.Contains(l, `"GET /q\"uote\\x HTTP/1.1" `) {
			t.Errorf("request line with a quote and a backslash logged as %q, want them escaped", l)
		}
		if strings.Count(l, `"`)-strings.Count(l, `\"`) != 2 {
			t.Errorf("unescaped quotes in %q", l)
		}
	})
}

var errorLineRE = regexp.MustCompile(`^\[(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{2} \d{2}:\d{2}:\d{2}\.\d{6} \d{4}\] \[[a-z_0-9]+:(emerg|alert|crit|error|warn|notice|info|debug|trace[1-8])\] \[pid (\d+)(:tid \d+)?\] `)

func TestErrorLogShape(t *testing.T) {
	s := startSite(t, `
<Directory {{DIR}}/htdocs/py>
    SetHandler mod_python
    PythonHandler h
</Directory>
`, map[string]string{"htdocs/py/h.py": logPyHandler})
	if st, _ := s.get("/nope.txt"); st != 404 {
		t.Fatalf("/nope.txt: %d", st)
	}
	s.mustGet("/py/h.py")
	s.waitLog("main-apache-log-msg")
	log := s.waitLog("File does not exist")
	pid := fmt.Sprint(s.cmd.Process.Pid)
	n := 0
	for _, l := range strings.Split(log, "\n") {
		if l == "" {
			continue
		}
		n++
		m := errorLineRE.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("error log line not in Apache's shape: %q", l)
			continue
		}
		if m[4] != pid {
			t.Errorf("pid %s in %q, want %s (-X is one process)", m[4], l, pid)
		}
	}
	if n == 0 {
		t.Fatal("empty error log")
	}
	nf := regexp.MustCompile(`\] \[core:info\] \[pid \d+(:tid \d+)?\] \[client 127\.0\.0\.1:\d+\] AH00128: File does not exist: ` + regexp.QuoteMeta(s.Dir+"/htdocs/nope.txt") + `$`)
	found := false
	for _, l := range strings.Split(log, "\n") {
		found = found || nf.MatchString(l)
	}
	if !found {
		t.Errorf("no line matching %s in:\n%s", nf, log)
	}
	contains(t, "error log", log, `interpreter "localhost" created`)
}

func TestLogLevelWarn(t *testing.T) {
	s := startSite(t, `
LogLevel warn
<Directory {{DIR}}/htdocs/py>
    SetHandler mod_python
    PythonHandler h
</Directory>
`, map[string]string{"htdocs/py/h.py": logPyHandler})
	if st, _ := s.get("/nope.txt"); st != 404 {
		t.Fatalf("/nope.txt: %d", st)
	}
	s.mustGet("/py/h.py")
	log := s.waitLog(`interpreter "localhost" created`)
	contains(t, "error log at LogLevel warn", log, `interpreter "localhost" created`)
	contains(t, "error log at LogLevel warn", log, "main-apache-log-msg")   // APLOG_ERR passes warn
	contains(t, "error log at LogLevel warn", log, "[python:notice] [pid ") // print() output is never hidden
	contains(t, "error log at LogLevel warn", log, "[interpreter localhost] printed-line")
	if strings.Contains(log, "File does not exist") {
		t.Errorf("LogLevel warn logged an info message:\n%s", log)
	}
	if strings.Contains(log, ":info]") || strings.Contains(log, ":debug]") {
		t.Errorf("LogLevel warn logged info/debug lines:\n%s", log)
	}
}

func TestVhostErrorLog(t *testing.T) {
	s := startSite(t, `
<Directory {{DIR}}/htdocs/py>
    SetHandler mod_python
    PythonHandler h
</Directory>
<Directory {{DIR}}/vdocs/py>
    SetHandler mod_python
    PythonHandler v
</Directory>
<VirtualHost *:{{PORT}}>
    ServerName localhost
</VirtualHost>
<VirtualHost *:{{PORT}}>
    ServerName v.test
    DocumentRoot {{DIR}}/vdocs
    ErrorLog {{DIR}}/v_error.log
</VirtualHost>
`, map[string]string{
		"htdocs/py/h.py": logPyHandler,
		"vdocs/py/v.py": `from mod_python import apache
def handler(req):
    apache.log_error("vhost-apache-log-msg", apache.APLOG_ERR, req.server)
    req.log_error("vhost-req-log-msg", apache.APLOG_WARNING)
    req.content_type = "text/plain"
    req.write("v")
    return apache.OK
`,
	})
	if body := s.mustGet("/py/v.py", "Host", "v.test"); body != "v" {
		t.Fatalf("v.test: %q", body)
	}
	if body := s.mustGet("/py/h.py", "Host", "localhost"); body != "py" {
		t.Fatalf("localhost: %q", body)
	}
	vpath := filepath.Join(s.Dir, "v_error.log")
	l := waitLine(t, vpath, regexp.MustCompile(`vhost-apache-log-msg`))
	if !errorLineRE.MatchString(l) || !strings.Contains(l, ":error]") {
		t.Errorf("vhost log line %q: want Apache's shape at level error", l)
	}
	l = waitLine(t, vpath, regexp.MustCompile(`vhost-req-log-msg`))
	if !strings.Contains(l, ":warn]") || !strings.Contains(l, "[client 127.0.0.1:") {
		t.Errorf("req.log_error line %q: want level warn and the client", l)
	}
	mainLog := s.waitLog("main-apache-log-msg")
	contains(t, "main error log", mainLog, "main-apache-log-msg")
	if strings.Contains(mainLog, "vhost-apache-log-msg") || strings.Contains(mainLog, "vhost-req-log-msg") {
		t.Errorf("the vhost's messages went to the main error log:\n%s", mainLog)
	}
	b, _ := os.ReadFile(vpath)
	if strings.Contains(string(b), "main-apache-log-msg") {
		t.Errorf("the main server's message went to the vhost's log:\n%s", b)
	}
}

// Piped logs (logrotate's and rotatelogs' way): the command gets the lines
// on its stdin.
func TestPipedLogs(t *testing.T) {
	s := startSite(t, `
CustomLog "|cat >> {{DIR}}/piped_access.log" common
ErrorLog "||/usr/bin/tee -a {{DIR}}/piped_error.log"
`, map[string]string{"htdocs/f.txt": "x"})
	s.mustGet("/f.txt")
	read := func(name, want string) string {
		deadline := time.Now().Add(5 * time.Second)
		for {
			b, _ := os.ReadFile(filepath.Join(s.Dir, name))
			if strings.Contains(string(b), want) || time.Now().After(deadline) {
				return string(b)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	contains(t, "piped access log", read("piped_access.log", "GET /f.txt"), `"GET /f.txt HTTP/1.1" 200 1`)
	contains(t, "piped error log", read("piped_error.log", "resuming normal operations"), "resuming normal operations")
}

// TestProtocolErrorsAccessLogged checks that the requests the server
// answers itself, before any handler (a missing Host, a garbled request
// line, an unknown expectation, a request line too long, a header cut
// short by RequestReadTimeout), have their access log lines, as Apache
// 2.4 logs them (compared side by side: %r is the request line as
// received, cut at LimitRequestLine for a 414).
func TestProtocolErrorsAccessLogged(t *testing.T) {
	s := startSite(t, "LimitRequestLine 100\nRequestReadTimeout header=1\n"+
		"LogFormat \"\\\"%r\\\" %>s %H\" pe\nCustomLog {{DIR}}/pe.log pe\n", map[string]string{"htdocs/x": "x\n"})
	// A connection that sends nothing: a 408 whose request is "-".
	silent := make(chan bool)
	go func() {
		c := s.dial()
		defer c.Close()
		c.SetDeadline(time.Now().Add(15 * time.Second))
		io.ReadAll(c)
		close(silent)
	}()
	for _, req := range []string{
		"GET /x HTTP/1.1\r\n\r\n",
		"GARBAGE\r\n\r\n",
		"GET /" + strings.Repeat("a", 200) + " HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /x HTTP/1.1\r\nHost: a\r\nExpect: foo\r\n\r\n",
		"GET /x HTTP/1.1\r\nHost: a\r\nBad header\r\n\r\n",
		"GET x\x01\"y HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n",
	} {
		s.raw(req, 15*time.Second)
	}
	<-silent
	b, _ := os.ReadFile(filepath.Join(s.Dir, "pe.log"))
	log := string(b)
	for _, want := range []string{
		`"GET /x HTTP/1.1" 400 HTTP/1.1`,
		`"GARBAGE" 400 HTTP/1.0`,
		`"GET /` + strings.Repeat("a", 95) + `" 414 HTTP/1.0`,
		`"GET /x HTTP/1.1" 417 HTTP/1.1`,
		`"GET x\x01\"y HTTP/1.1" 400 `,
		`"GET / HTTP/1.1" 408 HTTP/1.1`,
		`"-" 408 HTTP/1.0`,
	} {
		contains(t, "access log", log, want)
	}
	if n := strings.Count(log, `"GET /x HTTP/1.1" 400`); n != 2 {
		t.Errorf("%d lines for the two 400s of GET /x:\n%s", n, log)
	}
	contains(t, "common log", s.accessLog(), `"GARBAGE" 400 `)
}
