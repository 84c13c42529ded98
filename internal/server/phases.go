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
// the server's own work for it: the hooks the modules registered at its
// hook point (modules.go).
type phase struct {
	python request.Phase // the Python*Handler directive that hooks it, or ""
	mode   hookMode
	at     hookPoint
	// hooks are the modules' functions for at, in the order they run
	// (hooksAt, computed once).
	hooks []hookFunc
	// only, if set, says whether the phase runs for this request at all.
	only func(rs *rstate) bool
	// check, if set, sees the phase's result and may change it.
	check  func(rs *rstate, st int) int
	hooked bool // pythonPhases[python]: its Python handlers run
}

// requestPhases are Apache's phases, in order. A hook returns OK (done, go
// on), DECLINED (nothing to do), DONE (the response is complete) or an HTTP
// status to answer with. The log phase runs after the response.
// (Set in init: the phases reach process again through internal redirects.)
var requestPhases []phase

func init() {
	requestPhases = []phase{
		{python: request.PhasePostReadRequest, mode: runAll, at: hookPostReadRequest},
		{python: request.PhaseTrans, mode: runFirst, at: hookTranslateName},
		{python: "", mode: runFirst, at: hookMapToStorage},
		{python: request.PhaseHeaderParser, mode: runAll, at: hookHeaderParser},
		{python: request.PhaseAccess, mode: runAll, at: hookAccessChecker},
		{python: request.PhaseAuthen, mode: runFirst, at: hookCheckUserID,
			only: needsUser, check: (*rstate).authenticated},
		{python: request.PhaseAuthz, mode: runFirst, at: hookAuthChecker, only: needsUser},
		{python: request.PhaseType, mode: runFirst, at: hookTypeChecker},
		{python: request.PhaseFixup, mode: runAll, at: hookFixups},
		{python: request.PhaseHandler, mode: runFirst, at: hookHandler},
	}
	for i := range requestPhases {
		requestPhases[i].hooked = pythonPhases[requestPhases[i].python]
		requestPhases[i].hooks = hookFuncs(hooksAt(modules, requestPhases[i].at))
	}
}

// pythonPhases are the phases whose Python*Handler directives run in the
// request's phases (PythonLogHandler and PythonCleanupHandler run after the
// response: afterResponse).
var pythonPhases = map[request.Phase]bool{
	request.PhasePostReadRequest: true,
	request.PhaseTrans:           true,
	request.PhaseHeaderParser:    true,
	request.PhaseAccess:          true,
	request.PhaseAuthen:          true,
	request.PhaseAuthz:           true,
	request.PhaseType:            true,
	request.PhaseFixup:           true,
	request.PhaseHandler:         true,
}

// needsUser: the access rules left the decision to an authenticated user
// (Require valid-user, user, group), so check_user_id and auth_checker run.
func needsUser(rs *rstate) bool { return rs.needUser }

// authenticated is the end of check_user_id: a 401 asks for credentials,
// and an OK without a user is a broken authentication handler.
func (rs *rstate) authenticated(st int) int {
	switch {
	case st == 401:
		rs.noteAuthFailure()
	case st == resOK && rs.req.User == "":
		rs.logError(levelError, "AH00027: No authentication done but request not allowed without authentication for %s. "+
			"Authentication not configured? (the PythonAuthenHandler returned OK without setting req.user)", rs.req.URI)
		return 500
	}
	return st
}

// outputFilter is one link of the response's output filter chain, as in
// Apache: it passes body bytes on to the next link, changed or not. The
// chain ends at the connection (the httpd.Response); filters are inserted at
// its head (rstate.out).
type outputFilter interface {
	Write(p []byte) (int, error)
	Flush() error
}
