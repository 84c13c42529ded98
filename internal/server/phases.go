package server

import "modpy/internal/request"

// hookMode is how Apache runs a phase's hooks.
type hookMode int

const (
	// runFirst: hooks run until one returns other than DECLINED; an OK
	// from Python means the phase is done and the server's own work is
	// skipped (translate_name, map_to_storage, type_checker, handler...).
	runFirst hookMode = iota
	// runAll: every hook runs; OK and DECLINED go on, anything else stops
	// the request (post_read_request, header_parser, access_checker, fixups).
	runAll
)

// phase is one step of Apache's request processing: the phase's Python
// handlers (mod_python hooks in the middle, before the server's own), then
// the server's own work for it.
type phase struct {
	python request.Phase // the Python*Handler directive that hooks it, or ""
	mode   hookMode
	native func(rs *rstate) int
}

// requestPhases are Apache's phases, in order. A native function returns OK
// (done, go on), DECLINED (nothing to do), DONE (the response is complete)
// or an HTTP status to answer with. The log phase runs after the response.
// (Set in init: the phases reach process again through internal redirects.)
var requestPhases []phase

func init() {
	requestPhases = []phase{
		{request.PhasePostReadRequest, runAll, nil},
		{request.PhaseTrans, runFirst, (*rstate).translateName},
		{"", runFirst, (*rstate).mapStorage},
		{request.PhaseHeaderParser, runAll, nil},
		{request.PhaseAccess, runAll, (*rstate).checkAccess},
		{request.PhaseAuthen, runFirst, nil},
		{request.PhaseAuthz, runFirst, nil},
		{request.PhaseType, runFirst, (*rstate).typeCheck},
		{request.PhaseFixup, runAll, (*rstate).fixups},
		{request.PhaseHandler, runFirst, (*rstate).defaultHandler},
	}
}

// pythonPhases are the phases whose Python*Handler directives run. Every
// phase's directives parse; the content phase is the one wired in so far.
var pythonPhases = map[request.Phase]bool{
	request.PhaseHandler: true,
}

// outputFilter is one link of the response's output filter chain, as in
// Apache: it passes body bytes on to the next link, changed or not. The
// chain ends at the connection (the httpd.Response); filters are inserted at
// its head (rstate.out).
type outputFilter interface {
	Write(p []byte) (int, error)
	Flush() error
}
