package tests

import "testing"

// threadedReadMod: the handler of /start starts a Python thread that, a
// little later, calls req.read() (which lets go of the GIL) while the
// handler's own thread is inside req.internal_redirect, waiting with the
// GIL released for the redirect's PythonTransHandler in another
// interpreter. The redirect's content handler then runs nested, in the
// handler's interpreter, on the handler's thread.
const threadedReadMod = `import threading, time
from mod_python import apache

def start(req):
    req.content_type = "text/plain"
    def reader():
        time.sleep(0.3)
        req.read()
    t = threading.Thread(target=reader)
    t.start()
    req.internal_redirect("/target")
    t.join()
    return apache.OK

def slow_trans(req):
    if req.uri == "/target":
        time.sleep(1.0)
    return apache.DECLINED

def target(req):
    req.content_type = "text/plain"
    req.write("target in %s" % req.interpreter)
    return apache.OK
`

// A Python thread's own request operation, made while the thread running
// the request's call has let go of the GIL, must not change what that
// thread's call records about its GIL: the nested call that follows on it
// takes the GIL back, and the worker survives.
func TestThreadReadDuringNestedCall(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
PythonInterpreter other
PythonTransHandler threaded::slow_trans
<Location /start>
    SetHandler mod_python
    PythonHandler threaded::start
    PythonInterpreter app
</Location>
<Location /target>
    SetHandler mod_python
    PythonHandler threaded::target
    PythonInterpreter app
</Location>
`, map[string]string{"lib/threaded.py": threadedReadMod})
	if got := s.mustGet("/start"); got != "target in app" {
		t.Fatalf("got %q\n%s", got, s.errorLog())
	}
}

// threadRedirectMod: the handler starts a Python thread that calls
// req.internal_redirect while the handler's own thread waits for it in
// Python (join).
const threadRedirectMod = `import threading
from mod_python import apache

def handler(req):
    req.content_type = "text/plain"
    if req.uri == "/target":
        req.write("target in %s;" % apache.interpreter)
        return apache.OK
    out = []
    def redirect():
        try:
            req.internal_redirect("/target")
            out.append("redirected")
        except Exception as e:
            out.append(repr(e))
    t = threading.Thread(target=redirect)
    t.start()
    t.join()
    req.write(" handler: " + ",".join(out))
    return apache.OK
`

// A nested call made from a Python thread the handler started runs on a
// thread of the interpreter's pool, not with the handler's thread state
// (on a thread that does not hold the GIL): the worker survives.
func TestThreadInternalRedirect(t *testing.T) {
	s := startSite(t, pyDir("h"), map[string]string{"htdocs/h.py": threadRedirectMod})
	if got := s.mustGet("/start"); got != "target in localhost; handler: redirected" {
		t.Fatalf("got %q\n%s", got, s.errorLog())
	}
	if got := s.mustGet("/target"); got != "target in localhost;" {
		t.Fatalf("after: %q", got)
	}
}
