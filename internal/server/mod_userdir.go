package server

import (
	"strings"

	"modpy/internal/server/urimap"
)

// userdir_module: /~user/ to the user's UserDir directory, in
// translate_name after mod_alias's.
var userdirModule = &module{
	name:  "userdir_module",
	hooks: []hook{{at: hookTranslateName, fn: (*rstate).userdirTranslate}},
}

// userdirTranslate is mod_userdir's translate_name (urimap.UserDir).
func (rs *rstate) userdirTranslate() int {
	if p, ok := urimap.UserDir(rs.vh.conf.UserDir, rs.req.URI); ok {
		rs.path = p
		rs.userdirUser, _, _ = strings.Cut(rs.req.URI[2:], "/")
		return resOK
	}
	return resDeclined
}
