package server

import "modpy/internal/config"

// authz_core_module: in access_checker, the Require tree (with the
// providers access.go evaluates) combined with mod_access_compat's
// Order/Allow/Deny by Satisfy, as Apache's request core combines the two
// hooks; in auth_checker, when the rules wait for a user (the phase runs
// only then: needsUser), the Require tree again with req.user.
var authzCoreModule = &module{
	name: "authz_core_module",
	hooks: []hook{
		{at: hookAccessChecker, fn: (*rstate).access},
		{at: hookAuthChecker, fn: (*rstate).authorize},
	},
}

// access is the access_checker phase.
func (rs *rstate) access() int {
	req, dc := rs.req, rs.dc
	compatOK, satisfyAny := true, false
	if a := dc.Access; a != nil {
		compatOK = rs.accessCompat(a)
		satisfyAny = a.Satisfy == config.SatisfyAny
	}
	if compatOK && satisfyAny {
		return resOK
	}
	if !compatOK && !satisfyAny {
		rs.logError(levelError, "AH01797: client denied by server configuration: %s", orURI(req.Filename, req.URI))
		return 403
	}
	if dc.Require == nil {
		if !compatOK {
			rs.logError(levelError, "AH01797: client denied by server configuration: %s", orURI(req.Filename, req.URI))
			return 403
		}
		return resOK // no authorization configured: granted, as Apache
	}
	switch rs.authz(dc.Require) {
	case authzGranted:
		return resOK
	case authzDeniedNoUser:
		// The rules need a user: the authentication phases decide.
		rs.needUser = true
		return resOK
	}
	rs.logError(levelError, "AH01630: client denied by server configuration: %s", orURI(req.Filename, req.URI))
	return 403
}

// authorize is auth_checker after the Python authorization handlers
// declined: mod_authz_core's Require rules, now with req.user.
func (rs *rstate) authorize() int {
	if rs.dc.Require == nil || rs.authz(rs.dc.Require) == authzGranted {
		return resOK
	}
	rs.logModule("authz_core", levelError, "AH01631: user %s: authorization failure for \"%s\": ", rs.req.User, rs.req.URI)
	rs.noteAuthFailure()
	return 401
}
