package server

import "modpy/internal/server/urimap"

// mime_module: the content type and handler from the file's extensions
// (AddType or mime.types, AddHandler, AddCharset) and SetHandler, in
// type_checker.
var mimeModule = &module{
	name:  "mime_module",
	hooks: []hook{{at: hookTypeChecker, fn: (*rstate).typeCheck}},
}

// typeCheck sets the content type and handler from SetHandler, AddHandler
// and AddType/mime.types, as mod_mime does (urimap.Type).
func (rs *rstate) typeCheck() int {
	req := rs.req
	req.ContentType, req.Handler = urimap.Type(rs.dc, rs.s.cfg.Mime, req.Filename, req.ContentType, req.Handler)
	return resOK
}
