package tests

import (
	"strings"
	"testing"
)

// WSGI applications as mod_wsgi's embedded mode runs them (issue 12):
// WSGIScriptAlias, the environ, application groups, the response path
// and its errors, mod_python.wsgi. The applications are wrapped in the
// standard library's wsgiref.validate.validator, so PEP 3333 is checked
// by Python's own code on both sides of the call.

// helloWSGI is a WSGI application checked by wsgiref.validate.
const helloWSGI = `from wsgiref.validate import validator

@validator
def application(environ, start_response):
    body = b"Hello from " + environ["SCRIPT_NAME"].encode() + b"\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
`

func TestWSGIScriptAliasHello(t *testing.T) {
	s := startSite(t, "WSGIScriptAlias /hello {{DIR}}/app/hello.wsgi\n", map[string]string{
		"app/hello.wsgi": helloWSGI,
	})
	st, h, body := s.do("GET", "/hello", "")
	if st != 200 || body != "Hello from /hello\n" || h.Get("Content-Type") != "text/plain" {
		t.Fatalf("GET /hello: %d %q %v\n%s", st, body, h, s.errorLog())
	}
	if st, _ := s.get("/hellox"); st != 404 {
		t.Errorf("GET /hellox: %d, want 404 (an alias matches whole path segments)", st)
	}
	if strings.Contains(s.errorLog(), "Traceback") {
		t.Errorf("tracebacks in the error log:\n%s", s.errorLog())
	}
}
