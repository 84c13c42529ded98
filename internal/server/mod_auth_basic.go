package server

// auth_basic_module: check_user_id for AuthType Basic, when the Require
// rules need a user (the phase runs only then: needsUser) and no
// PythonAuthenHandler decided. modpy reads no password file, so it can
// only ask for credentials or refuse.
var authBasicModule = &module{
	name:  "auth_basic_module",
	hooks: []hook{{at: hookCheckUserID, fn: (*rstate).authenticate}},
}

// authenticate is check_user_id after the Python authentication handlers
// declined: mod_auth_basic without a password file (modpy reads none).
func (rs *rstate) authenticate() int {
	req := rs.req
	_, pw, st := req.BasicAuth()
	switch st {
	case -1:
		if req.AuthTypeConf == "" {
			rs.logError(levelCrit, "AH00025: configuration error: couldn't check user: %s "+
				"(the Require rules need a user and no AuthType is set: use AuthType Basic, AuthName and a PythonAuthenHandler)", req.URI)
		} else {
			rs.logError(levelError, "AH01796: AuthType %s is not supported by modpy for %s: use AuthType Basic with a PythonAuthenHandler",
				req.AuthTypeConf, req.URI)
		}
		return 500
	case 500:
		rs.logError(levelError, "AH00572: need AuthName: %s", req.URI)
		return 500
	case 401:
		rs.logError(levelInfo, "AH01614: client used wrong authentication scheme or sent no credentials: %s", req.URI)
		rs.noteAuthFailure()
		return 401
	}
	if st, ok := rs.basicProviders(req.User, pw); ok {
		return st
	}
	rs.logError(levelError, "AH01618: user %s: no PythonAuthenHandler checked the password for %s "+
		"(modpy reads no AuthUserFile): access refused", req.User, req.URI)
	return 500
}
