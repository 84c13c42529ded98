package request

import (
	"encoding/base64"
	"strings"
)

// BasicAuth is Apache's ap_get_basic_auth_pw: with AuthType Basic in
// effect and credentials in an Authorization header, it sets r.User and
// returns the user and password (r.AuthType becomes "Basic"). Otherwise st is what Apache returns:
// -1 (DECLINED: AuthType is not Basic), 500 (no AuthName) or 401 (no or
// bad credentials; the caller adds WWW-Authenticate).
func (r *Request) BasicAuth() (user, pw string, st int) {
	if !strings.EqualFold(r.AuthTypeConf, "Basic") {
		return "", "", -1
	}
	if r.AuthName == "" {
		return "", "", 500
	}
	line, ok := r.HeadersIn.Get("Authorization")
	if !ok {
		return "", "", 401
	}
	scheme, cred, _ := strings.Cut(strings.TrimLeft(line, " \t"), " ")
	if !strings.EqualFold(scheme, "Basic") {
		return "", "", 401
	}
	dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return "", "", 401
	}
	user, pw, _ = strings.Cut(string(dec), ":")
	r.User, r.AuthType = user, "Basic"
	return user, pw, 0
}
