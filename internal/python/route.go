package python

import "modpy/internal/request"

// The routes into Python. Every call into an interpreter goes one of
// three ways, and routeFor is the one place that picks the way:
//
//   - nested (nested.go): a call made while a call for the same request,
//     or the request it was redirected from, runs Python (Python calling
//     the server calling Python). Into the same interpreter it runs
//     inline on that call's thread; into another, or from a Python thread
//     the handler started, it is handed off to the interpreter's pool
//     (the calling thread without the GIL), under the outer call's
//     ThreadsPerChild token.
//   - direct (direct.go): a request's phase run on the caller's own
//     thread, inside one call into C. It falls back to the hand-off when
//     this thread belongs to another interpreter or the interpreter is
//     ending.
//   - hand-off (pool.go): the call is queued for a thread of the
//     interpreter's pool, and the caller waits.

// route is one way into Python for a call.
type route interface {
	// run makes the call c and returns its result and the interpreter
	// that ran it (nil when none could be had: err says why).
	run(rt *Runtime, c pyCall) (rv int, ran *Interp, err error)
}

// pyCall is one call into Python, as a route makes it.
type pyCall struct {
	name string // the interpreter's name
	// in is that interpreter when the caller has looked it up already;
	// nil: the route looks name up (creating it) when it needs it.
	in    *Interp
	req   *request.Request // the request it is for; nil for none
	kind  int              // callDispatch, callImport, ... (interp.go, reqops.go)
	h     uint64           // the request's handle (0: none)
	phase int              // the phase index, or a filter's number
	a, b  string           // an import's module and function, or an expression
	pack  []byte           // a dispatch call's phase data (packPhase), nil else
	lim   limits
}

// interp is the call's interpreter: c.in, or the one called c.name.
func (c *pyCall) interp(rt *Runtime) (*Interp, error) {
	if c.in != nil {
		return c.in, nil
	}
	return rt.Interp(c.name)
}

// routeFor decides how a call of kind for req (nil: a call for no
// request) gets into Python: nested when a call for req, or for the
// request it came from, is running Python; direct for a
// request's phase (dispatch, connection or WSGI) whose configuration allows it
// (directOK); the hand-off otherwise.
func routeFor(req *request.Request, kind int) route {
	if x := executing(req); x != nil {
		return (*nestedRoute)(x)
	}
	if req != nil && (kind == callDispatch || kind == callConnection || kind == callWSGI || kind == callWSGIAuth) && directOK(req) {
		return directRoute{}
	}
	return handoffRoute{}
}

// handoffRoute hands the call to a thread of the interpreter's pool and
// waits for it (Interp.call).
type handoffRoute struct{}

func (handoffRoute) run(rt *Runtime, c pyCall) (int, *Interp, error) {
	in, err := c.interp(rt)
	if err != nil {
		return 500, nil, err
	}
	rv, err := in.call(c.kind, c.h, c.phase, c.a, c.b, c.pack, c.lim)
	return rv, in, err
}
