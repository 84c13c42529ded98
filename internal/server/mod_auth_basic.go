package server

// auth_basic_module: check_user_id for AuthType Basic, when the Require
// rules need a user (the phase runs only then: needsUser) and no
// PythonAuthenHandler decided. The credentials go to AuthBasicProvider's
// providers in order ("file" when none is set): mod_authn_file's
// (mod_authn_file.go) and mod_wsgi's WSGIAuthUserScript
// (mod_wsgi_auth.go).
var authBasicModule = &module{
	name:  "auth_basic_module",
	hooks: []hook{{at: hookCheckUserID, fn: (*rstate).authenticate}},
}

// authenticate is mod_auth_basic's authenticate_basic_user, after the
// Python authentication handlers declined.
func (rs *rstate) authenticate() int {
	req := rs.req
	user, pw, st := req.BasicAuth()
	switch st {
	case -1:
		if req.AuthTypeConf == "" {
			rs.logError(levelCrit, "AH00025: configuration error: couldn't check user: %s "+
				"(the Require rules need a user and no AuthType is set: use AuthType Basic and AuthName)", req.URI)
		} else {
			rs.logError(levelError, "AH01796: AuthType %s is not supported by modpy for %s: use AuthType Basic",
				req.AuthTypeConf, req.URI)
		}
		return 500
	case 500:
		rs.logModule("auth_basic", levelError, "AH01615: need AuthName: %s", req.URI)
		return 500
	case 401:
		if req.HeadersIn.Has("Authorization") {
			rs.logModule("auth_basic", levelError, "AH01614: client used wrong authentication scheme: %s", req.URI)
		}
		rs.noteAuthFailure()
		return 401
	}
	res := rs.basicProviders(user, pw)
	if res == authnGranted {
		return resOK
	}
	if a := rs.dc.AuthBasicAuthoritative; a != nil && !*a && res != authnDenied {
		// Not authoritative: the next module decides, and the one after
		// mod_auth_basic is mod_authn_core's fallback.
		rs.logModule("authn_core", levelError, "AH01796: AuthType %s configured without corresponding module", req.AuthTypeConf)
		return 500
	}
	switch res {
	case authnDenied:
		rs.logModule("auth_basic", levelError, "AH01617: user %s: authentication failure for \"%s\": Password Mismatch", user, req.URI)
	case authnUserNotFound:
		rs.logModule("auth_basic", levelError, "AH01618: user %s not found: %s", user, req.URI)
	default:
		return 500 // the provider said why
	}
	rs.noteAuthFailure()
	return 401
}

// basicProviders walks AuthBasicProvider's providers for user:pw: the
// first that knows the user decides. A provider modpy lacks (noted at
// startup) knows nobody.
func (rs *rstate) basicProviders(user, pw string) authnResult {
	providers := rs.dc.AuthBasicProvider
	if providers == nil {
		providers = defaultBasicProviders
	}
	for _, p := range providers {
		res := authnUserNotFound
		switch p {
		case "file":
			res = rs.fileCheckPassword(user, pw)
		case "wsgi":
			res = rs.wsgiCheckPassword(user, pw)
		}
		if res != authnUserNotFound {
			return res
		}
	}
	return authnUserNotFound
}

// defaultBasicProviders is mod_auth_basic's AUTHN_DEFAULT_PROVIDER.
var defaultBasicProviders = []string{"file"}
