package server

import (
	"modpy/internal/request"
	"modpy/internal/table"
)

// phase is one step of Apache's request processing: the phase's Python
// handlers (mod_python hooks in the middle, before the server's own), then
// the server's own work for it: the hooks the modules registered at its
// hook point (modules.go).
type phase struct {
	python request.Phase // the Python*Handler directive that hooks it, or PhaseNone
	// mode is how its hooks run: python's (request's phase table).
	// map_to_storage has no Python hook (HookNone): its hooks run as
	// RunFirst, as Apache runs that hook.
	mode request.HookMode
	at   hookPoint
	// hooks are the modules' functions for at, in the order they run
	// (hooksAt, computed once); pre are those that run before the
	// phase's Python handlers.
	pre, hooks []hookFunc
	// only, if set, says whether the phase runs for this request at all.
	only func(rs *rstate) bool
	// check, if set, sees the phase's result and may change it.
	check  func(rs *rstate, st int) int
	hooked bool // python is set: its Python handlers run
}

// requestPhases are Apache's phases, in order. A hook returns OK (done, go
// on), DECLINED (nothing to do), DONE (the response is complete) or an HTTP
// status to answer with. The log phase runs after the response.
// (Set in init: the phases reach process again through internal redirects.)
var requestPhases []phase

func init() {
	requestPhases = []phase{
		{python: request.PhasePostReadRequest, at: hookPostReadRequest},
		{python: request.PhaseTrans, at: hookTranslateName},
		{python: request.PhaseNone, at: hookMapToStorage},
		{python: request.PhaseHeaderParser, at: hookHeaderParser},
		{python: request.PhaseAccess, at: hookAccessChecker},
		{python: request.PhaseAuthen, at: hookCheckUserID,
			only: needsUser, check: (*rstate).authenticated},
		{python: request.PhaseAuthz, at: hookAuthChecker, only: needsUser},
		{python: request.PhaseType, at: hookTypeChecker},
		{python: request.PhaseFixup, at: hookFixups},
		{python: request.PhaseHandler, at: hookHandler},
	}
	for i := range requestPhases {
		ph := &requestPhases[i]
		ph.mode, ph.hooked = ph.python.Mode(), ph.python != request.PhaseNone
		ph.pre, ph.hooks = hookFuncs(hooksAt(modules, ph.at))
	}
}

// goOn reports whether the phase's next hook runs after one that
// returned st.
func (ph *phase) goOn(st int) bool {
	return st == resDeclined || (ph.mode == request.RunAll && st == resOK)
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

// response is where a request's response goes, at the end of its output
// filter chain: the connection's *httpd.Response, or a subrequest's
// (subreq.go), which passes the body on into the page that included it.
type response interface {
	outputFilter
	Header() *table.Table
	SetStatus(code int)
	// SetStatusLine sets the status line's text ("299 Custom Reason").
	SetStatusLine(line string)
	Status() int
	HeadersSent() bool
	BodyBytes() int64
	// Fits reports whether n more bytes fit in the response's buffer
	// before anything is sent.
	Fits(n int) bool
	// DiscardBody drops what was buffered, if nothing was sent yet.
	DiscardBody() bool
	// KeepAlive is the connection's keep-alive state (Apache's
	// AP_CONN_* value) and the requests it has served before this one.
	KeepAlive() (state, keepalives int)
	// Abort ends a response whose headers went out as incomplete
	// (httpd.Response.Abort).
	Abort()
}
