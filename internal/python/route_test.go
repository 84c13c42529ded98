package python

import (
	"testing"
	"time"

	"modpy/internal/request"
)

// routeName names a route for test messages.
func routeName(r route) string {
	switch r.(type) {
	case handoffRoute:
		return "hand-off"
	case directRoute:
		return "direct"
	case *nestedRoute:
		return "nested"
	}
	return "unknown"
}

// routeFor picks nested when a call runs Python for the request (or the
// one it was redirected from), direct for a plain request's phase, and the
// hand-off for everything else.
func TestRouteFor(t *testing.T) {
	plain := request.New()
	limited := func(py request.PyConfig) *request.Request {
		r := request.New()
		r.Py = py
		return r
	}
	x := &execCtx{in: &Interp{Name: "outer"}}
	inCall := request.New()
	inCall.PyState = &entry{req: inCall, h: 1, exec: x}
	redirected := request.New()
	redirected.Prev = inCall
	registered := request.New()
	registered.PyState = &entry{req: registered, h: 2} // no call running
	for _, c := range []struct {
		what string
		req  *request.Request
		kind int
		want string
	}{
		{"no request: import", nil, callImport, "hand-off"},
		{"no request: eval", nil, callEval, "hand-off"},
		{"no request: server cleanups", nil, callServerCleanup, "hand-off"},
		{"a phase", plain, callDispatch, "direct"},
		{"a connection handler", plain, callConnection, "direct"},
		{"a registered request's phase", registered, callDispatch, "direct"},
		{"a filter", plain, callFilter, "hand-off"},
		{"a request's end", plain, callEnd, "hand-off"},
		{"PythonInterpMaxRequests", limited(request.PyConfig{MaxRequests: 5}), callDispatch, "hand-off"},
		{"PythonInterpIdleTimeout", limited(request.PyConfig{IdleTimeout: time.Minute}), callDispatch, "hand-off"},
		{"PythonInterpReload", limited(request.PyConfig{Reload: true}), callConnection, "hand-off"},
		{"PythonRequestTimeout", limited(request.PyConfig{RequestTimeout: time.Second}), callDispatch, "hand-off"},
		{"PythonInterpQueueTimeout only", limited(request.PyConfig{QueueTimeout: time.Second}), callDispatch, "direct"},
		{"inside a call: a phase", inCall, callDispatch, "nested"},
		{"inside a call: a filter", inCall, callFilter, "nested"},
		{"inside a call: the end", inCall, callEnd, "nested"},
		{"an internal redirect's phase", redirected, callDispatch, "nested"},
	} {
		r := routeFor(c.req, c.kind)
		if got := routeName(r); got != c.want {
			t.Errorf("%s: route %s, want %s", c.what, got, c.want)
			continue
		}
		if n, ok := r.(*nestedRoute); ok && (*execCtx)(n) != x {
			t.Errorf("%s: nested in another call", c.what)
		}
	}
}
