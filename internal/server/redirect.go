package server

import (
	"errors"
	"strings"

	"modpy/internal/request"
)

// req.internal_redirect: a new request for another URI on the same
// connection, through every phase, as Apache's ap_internal_redirect. The
// new request shares headers_in and the connection; its subprocess_env
// holds the original's variables renamed REDIRECT_*, plus REDIRECT_URL and
// REDIRECT_STATUS. Its response is the one the client gets: the original
// request sends nothing more.

// derivedRequest is a new request for uri ("path?query") on old's
// connection and server: an internal redirect's or a subrequest's, before
// each sets its own method, headers and environment.
func derivedRequest(old *request.Request, uri string) *request.Request {
	nr := request.New()
	nr.Protocol, nr.ProtoNum, nr.TheRequest = old.Protocol, old.ProtoNum, old.TheRequest
	nr.Hostname, nr.RequestTime = old.Hostname, old.RequestTime
	nr.Conn, nr.Server, nr.DocumentRoot, nr.Log = old.Conn, old.Server, old.DocumentRoot, old.Log
	nr.UserAgentIP, nr.UserAgentPort = old.UserAgentIP, old.UserAgentPort
	nr.UnparsedURI = uri
	path := uri
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		path, nr.Args, nr.HasArgs = uri[:i], uri[i+1:], true
	}
	nr.URI = cleanURI(path)
	return nr
}

var errTooManyRedirects = errors.New("the limit of internal redirects was exceeded")

// InternalRedirect implements request.Hooks.
func (rs *rstate) InternalRedirect(uri string) error {
	if rs.redirects >= maxRedirects {
		rs.logError(levelError, "AH00124: Request exceeded the limit of %d internal redirects", maxRedirects)
		return errTooManyRedirects
	}
	old := rs.req
	nr := derivedRequest(old, uri)
	nr.Method, nr.MethodNum, nr.HeaderOnly = old.Method, old.MethodNum, old.HeaderOnly
	nr.HeadersIn = old.HeadersIn
	for _, e := range old.SubprocessEnv.Entries() {
		nr.SubprocessEnv.Add("REDIRECT_"+e.Key, e.Value)
	}
	nr.SubprocessEnv.Set("REDIRECT_URL", old.URI)
	nr.SubprocessEnv.Set("REDIRECT_STATUS", "200")
	nr.Prev, old.Next = old, nr

	nrs := &rstate{s: rs.s, w: rs.w, hr: rs.hr, req: nr, vh: rs.vh, start: rs.start, redirects: rs.redirects + 1}
	nrs.io = &responseIO{rs: nrs}
	nrs.out = rs.w
	nr.IO, nr.Hooks = nrs.io, nrs
	nrs.serve()
	rs.redirected = true
	return nil
}
