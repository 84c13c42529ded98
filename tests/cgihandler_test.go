package tests

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// mod_python.cgihandler and mod_python.testhandler (docs/cgihandler.md).

const cgiConf = `PythonOption mod_python.mutex_directory {{DIR}}/data/mutex
<Directory {{DIR}}/htdocs/cgi>
    SetHandler mod_python
    PythonHandler mod_python.cgihandler
    PythonDebug On
</Directory>
<Directory {{DIR}}/htdocs/plain>
    SetHandler mod_python
    PythonHandler plain
</Directory>
<Location /mpinfo>
    SetHandler mod_python
    PythonHandler mod_python.testhandler
    PythonOption shown-option "<yes>"
</Location>
`

const cgiEnvScript = `import os, sys, cgi
import helper  # from this script's directory
form = cgi.FieldStorage()
print("Content-Type: text/plain")
print("X-Script: " + __name__)
print()
print("q=%s name=%s" % (os.environ.get("QUERY_STRING"), form.getfirst("name")))
print("gw=%s method=%s script=%s pathinfo=%s" % (os.environ["GATEWAY_INTERFACE"],
      os.environ["REQUEST_METHOD"], os.environ["SCRIPT_NAME"], os.environ.get("PATH_INFO")))
print("cwd=%s" % (os.getcwd() == os.path.dirname(os.path.abspath(__file__))))
print("data=%s helper=%s argv=%s" % (open("data.txt").read().strip(), helper.VALUE, sys.argv == [__file__]))
sys.stdout.flush()
sys.stdout.buffer.write(b"bytes too\n")
`

const cgiPostScript = `import sys, cgi
form = cgi.FieldStorage()
sys.stdout.write("Content-Type: text/plain\r\n\r\n")
sys.stdout.write("a=%s b=%s" % (form.getfirst("a"), form.getfirst("b")))
`

const cgiRawPostScript = `import sys
body = sys.stdin.read()
print("Content-Type: text/plain\n")
print("got %d: %s" % (len(body), body))
`

// Each request sees its own environment: the lock keeps scripts from
// running at the same time in the process.
const cgiConcurrentScript = `import os, time
q = os.environ["QUERY_STRING"]
time.sleep(0.01)
print("Content-Type: text/plain\n")
print(q + " " + os.environ["QUERY_STRING"] + " " + str(os.getcwd() == os.path.dirname(__file__)))
`

const cgiPlainHandler = `import os
from mod_python import apache

def handler(req):
    req.content_type = "text/plain"
    req.write("QUERY_STRING=%s" % os.environ.get("QUERY_STRING"))
    return apache.OK
`

func cgiSite(t *testing.T) *site {
	return startSite(t, cgiConf, map[string]string{
		"htdocs/cgi/env.py":        cgiEnvScript,
		"htdocs/cgi/helper.py":     "VALUE = 'helped'\n",
		"htdocs/cgi/data.txt":      "from the script's directory\n",
		"htdocs/cgi/post.py":       cgiPostScript,
		"htdocs/cgi/raw.py":        cgiRawPostScript,
		"htdocs/cgi/concurrent.py": cgiConcurrentScript,
		"htdocs/cgi/status.py":     "print('Status: 404 Not Found')\nprint('Content-Type: text/plain')\nprint()\nprint('no such thing')\n",
		"htdocs/cgi/redirect.py":   "print('Location: /elsewhere')\nprint()\n",
		"htdocs/cgi/noheaders.py":  "print('just a body')\n",
		"htdocs/cgi/silent.py":     "x = 1\n",
		"htdocs/cgi/exits.py":      "import sys\nprint('Content-Type: text/plain\\n\\nbye')\nsys.exit(0)\nprint('never')\n",
		"htdocs/cgi/raises.py":     "print('Content-Type: text/plain\\n')\nraise RuntimeError('script broke')\n",
		"htdocs/plain/plain.py":    cgiPlainHandler,
		"htdocs/plain/x":           "",
	})
}

func TestCGIHandler(t *testing.T) {
	s := cgiSite(t)
	st, h, body := s.do("GET", "/cgi/env.py?name=Ada&x=1", "")
	if st != 200 || h.Get("Content-Type") != "text/plain" || h.Get("X-Script") != "env" {
		t.Fatalf("env.py: %d %q %q %q\n%s", st, h.Get("Content-Type"), h.Get("X-Script"), body, s.errorLog())
	}
	want := "q=name=Ada&x=1 name=Ada\n" +
		"gw=Python-CGI/1.1 method=GET script=/cgi/env.py pathinfo=None\n" +
		"cwd=True\n" +
		"data=from the script's directory helper=helped argv=True\n" +
		"bytes too\n"
	if body != want {
		t.Errorf("env.py:\n%s\nwant:\n%s", body, want)
	}

	// The environment is the interpreter's own again after the script.
	if got := s.mustGet("/plain/x?leak=1"); got != "QUERY_STRING=None" {
		t.Errorf("os.environ after a CGI request: %q", got)
	}

	st, _, body = s.do("POST", "/cgi/post.py", "a=1&b=two", "Content-Type", "application/x-www-form-urlencoded")
	if st != 200 || body != "a=1 b=two" {
		t.Errorf("post.py: %d %q", st, body)
	}
	st, _, body = s.do("POST", "/cgi/raw.py", "héllo", "Content-Type", "text/plain")
	if st != 200 || body != "got 5: héllo\n" {
		t.Errorf("raw.py: %d %q", st, body)
	}

	st, _, body = s.do("GET", "/cgi/status.py", "")
	if st != 404 || body != "no such thing\n" {
		t.Errorf("status.py: %d %q", st, body)
	}
	st, h, _ = s.do("GET", "/cgi/redirect.py", "")
	if st != 302 || h.Get("Location") != "/elsewhere" {
		t.Errorf("redirect.py: %d %q", st, h.Get("Location"))
	}
	if st, body := s.get("/cgi/exits.py"); st != 200 || body != "bye\n" {
		t.Errorf("exits.py: %d %q", st, body)
	}
	if st, _ := s.get("/cgi/absent.py"); st != 404 {
		t.Errorf("absent.py: %d", st)
	}
	if st, _ := s.get("/cgi/noheaders.py"); st != 500 {
		t.Errorf("noheaders.py: %d", st)
	}
	if st, _ := s.get("/cgi/silent.py"); st != 500 {
		t.Errorf("silent.py: %d", st)
	}
	contains(t, "error log", s.waitLog("it wrote nothing"), "premature end of script headers")
	if st, body := s.get("/cgi/raises.py"); st != 500 || !strings.Contains(body, "script broke") {
		t.Errorf("raises.py: %d %q", st, body)
	}
	contains(t, "error log", s.waitLog("script broke"), "RuntimeError: script broke")
}

func TestCGIHandlerConcurrent(t *testing.T) {
	s := cgiSite(t)
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			q := fmt.Sprintf("req%d", i)
			st, _, body := s.do("GET", "/cgi/concurrent.py?"+q, "")
			if want := q + " " + q + " True\n"; st != 200 || body != want {
				errs <- fmt.Sprintf("%s: %d %q, want %q", q, st, body, want)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestTestHandler(t *testing.T) {
	s := cgiSite(t)
	st, h, body := s.do("GET", "/mpinfo", "", "X-Probe", "<probe>")
	if st != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("/mpinfo: %d %q\n%s", st, h.Get("Content-Type"), s.errorLog())
	}
	for _, want := range []string{
		"<title>mod_python test page</title>",
		"<h3>Request input headers</h3>",
		"<code>&lt;probe&gt;</code>", // values are escaped
		"<h3>Request environment</h3>",
		"<code>REMOTE_ADDR</code>",
		"<h3>Request options</h3>",
		"<code>shown-option</code></td><td><code>&lt;yes&gt;</code>",
		"<h3>Connection</h3>",
		"<h3>Server</h3>",
		"<code>Python interpreter name</code></td><td><code>localhost</code>",
		"<code>mod_python.psp available</code></td><td><code>Yes</code>",
	} {
		contains(t, "/mpinfo", body, want)
	}
	st, h, body = s.do("GET", "/mpinfo?view_log=1", "")
	if st != 200 || h.Get("Content-Type") != "text/plain" || !strings.Contains(body, "resuming normal operations") {
		t.Errorf("/mpinfo?view_log=1: %d %q %q", st, h.Get("Content-Type"), body)
	}
}

// apache.setup_cgi / restore_nocgi: a handler that runs CGI-style code
// itself (mod_python 3.5's API for it).
func TestSetupCGI(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
<Location /cgiapi>
    SetHandler mod_python
    PythonHandler cgiapi
</Location>
`, map[string]string{"lib/cgiapi.py": `from mod_python import apache
import os, sys

def handler(req):
    saved = apache.setup_cgi(req)
    try:
        print("Content-Type: text/plain")
        print("X-Method: " + os.environ["REQUEST_METHOD"])
        print()
        print("body=" + sys.stdin.read())
    finally:
        apache.restore_nocgi(*saved)
    env_gone = "REQUEST_METHOD" not in os.environ
    req.write("restored=%s" % (env_gone and sys.stdout is saved[2]))
    return apache.OK
`})
	st, hdr, body := s.do("POST", "/cgiapi", "hello")
	if st != 200 || hdr.Get("X-Method") != "POST" || body != "body=hello\nrestored=True" {
		t.Errorf("setup_cgi: %d X-Method %q body %q", st, hdr.Get("X-Method"), body)
	}
}
