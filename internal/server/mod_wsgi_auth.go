package server

import (
	"os"
	"strings"
	"syscall"

	"modpy/internal/config"
	"modpy/internal/python"
	"modpy/internal/request"
)

// wsgi_module's auth scripts, as mod_wsgi runs them on Apache 2.4:
// WSGIAccessScript's allow_access in access_checker (wsgiAccess, a hook of
// wsgiModule that runs before authz_core's), WSGIAuthUserScript's
// check_password as the "wsgi" provider of AuthBasicProvider
// (wsgiCheckPassword, called by mod_auth_basic.go's basicProviders), WSGIAuthGroupScript's
// groups_for_user as the "wsgi-group" Require provider (wsgiGroupAuthz,
// called by access.go). Each is one call into the script's application
// group's interpreter (python/mod_python/_wsgi_auth.py), with the reduced
// environ mod_wsgi gives these scripts.

// wsgiAccess is mod_wsgi's access_checker: allow_access(environ, host).
// True lets the other access rules decide, None declines, False (or an
// error) is 403.
func (rs *rstate) wsgiAccess() int {
	s := rs.dc.WSGIAccessScript
	if s == nil {
		return resDeclined
	}
	switch rs.wsgiAuthCall(s, python.WSGIAuthAccess, rs.req.ClientIP(), "", nil) {
	case python.WSGIAuthGranted:
		return resOK
	case python.WSGIAuthNotFound:
		return resDeclined
	}
	rs.logError(levelError, "mod_wsgi (pid=%d): Client denied by server configuration: '%s'.", os.Getpid(), rs.req.Filename)
	return 403
}

// wsgiCheckPassword is the "wsgi" Basic provider: check_password(environ,
// user, password), as mod_auth_basic reads its answer (None: the user is
// not found; False: the password is wrong). A name returned has become
// req.User.
func (rs *rstate) wsgiCheckPassword(user, pw string) authnResult {
	s := rs.dc.WSGIAuthUserScript
	if s == nil {
		rs.logError(levelError, "mod_wsgi (pid=%d): Location of WSGI user authentication script not provided.", os.Getpid())
		return authnGeneralError
	}
	switch rs.wsgiAuthCall(s, python.WSGIAuthUser, user, pw, nil) {
	case python.WSGIAuthGranted:
		return authnGranted
	case python.WSGIAuthDenied:
		return authnDenied
	case python.WSGIAuthNotFound:
		return authnUserNotFound
	}
	return authnGeneralError
}

// wsgiGroupAuthz is "Require wsgi-group g1 g2 ...": granted when
// groups_for_user(environ, user) names one of them.
func (rs *rstate) wsgiGroupAuthz(groups []string) authzResult {
	req := rs.req
	if req.User == "" {
		return authzDeniedNoUser
	}
	s := rs.dc.WSGIAuthGroupScript
	if s == nil {
		rs.logError(levelError, "mod_wsgi (pid=%d): Location of WSGI group authorization script not provided.", os.Getpid())
		return authzDenied
	}
	switch rs.wsgiAuthCall(s, python.WSGIAuthGroup, req.User, "", groups) {
	case python.WSGIAuthGranted:
		return authzGranted
	case python.WSGIAuthNoGroups:
		rs.logError(levelError, "mod_wsgi (pid=%d): Authorization of user '%s' to access '%s' failed. "+
			"User is not a member of any groups.", os.Getpid(), req.User, req.URI)
	case python.WSGIAuthDenied:
		rs.logError(levelError, "mod_wsgi (pid=%d): Authorization of user '%s' to access '%s' failed. "+
			"User is not a member of designated groups.", os.Getpid(), req.User, req.URI)
	}
	return authzDenied
}

// wsgiAuthCall runs one auth script call and returns its answer
// (python.WSGIAuthGranted, ...); a failure of the call itself is
// WSGIAuthError.
func (rs *rstate) wsgiAuthCall(s *config.WSGIAuthScript, kind int, who, pw string, groups []string) int {
	req := rs.req
	a := &request.WSGIAuth{
		Kind: kind, Script: s.Script, Group: rs.wsgiAuthGroup(s.Group),
		Reloading: flagOr(rs.dc.WSGIScriptReloading, true),
		Who:       who, Password: pw, Groups: groups,
	}
	if a.Reloading {
		var st syscall.Stat_t
		if syscall.Stat(s.Script, &st) == nil {
			a.MTime = st.Mtim.Sec*1e9 + st.Mtim.Nsec
		}
	}
	a.Env = rs.wsgiAuthEnviron()
	saved := req.Phase
	req.WSGIAuth = a
	req.Handlers = req.Handlers[:0]
	req.Py = *rs.s.pyConfig(rs.dc)
	st := rs.call(wsgiInterpreterName(a.Group), rs.s.rt.RunWSGIAuth)
	req.WSGIAuth = nil
	req.Phase = saved
	switch st {
	case python.WSGIAuthGranted, python.WSGIAuthDenied, python.WSGIAuthNotFound, python.WSGIAuthNoGroups:
		return st
	}
	return python.WSGIAuthError
}

// wsgiAuthGroup is mod_wsgi's wsgi_server_group: an auth script's
// application-group= value g for this request. Only %{SERVER} and
// %{HOST} are expanded; "" (unset or %{GLOBAL}) is the main interpreter.
func (rs *rstate) wsgiAuthGroup(g string) string {
	if g == "%{SERVER}" || g == "%{HOST}" {
		return rs.wsgiExpand(g, "", false)
	}
	return g
}

// wsgiAuthEnv are the names mod_wsgi's auth environ has besides HTTP_*:
// of WSGIEnviron's, not the subprocess_env nor the CGI/1.1 extras.
var wsgiAuthEnv = map[string]bool{
	"CONTENT_TYPE": true, "CONTENT_LENGTH": true, "SERVER_SIGNATURE": true, "SERVER_SOFTWARE": true,
	"SERVER_NAME": true, "SERVER_ADDR": true, "SERVER_PORT": true, "REMOTE_ADDR": true, "DOCUMENT_ROOT": true,
	"SERVER_ADMIN": true, "REMOTE_PORT": true, "SERVER_PROTOCOL": true, "REQUEST_METHOD": true,
	"QUERY_STRING": true, "REQUEST_URI": true, "SCRIPT_NAME": true, "PATH_INFO": true,
}

// wsgiAuthEnviron is the environ of an auth script (mod_wsgi's
// Auth_environ): the request headers as HTTP_* (never Authorization), the
// server's and the client's addresses, the request line's parts, and
// SCRIPT_NAME/PATH_INFO split at the path info.
func (rs *rstate) wsgiAuthEnviron() []string {
	all, _, _ := rs.WSGIEnviron(false)
	// The subprocess_env comes first, in order (WSGIEnviron may leave
	// out some of it): skip what is there of it.
	k := 0
	for _, e := range rs.req.SubprocessEnv.Entries() {
		if 2*k+1 < len(all) && all[2*k] == e.Key && all[2*k+1] == e.Value {
			k++
		}
	}
	all = all[2*k:]
	env := make([]string, 0, len(all))
	for i := 0; i+1 < len(all); i += 2 {
		if n := all[i]; wsgiAuthEnv[n] || strings.HasPrefix(n, "HTTP_") {
			env = append(env, n, all[i+1])
		}
	}
	return env
}
