package server

import (
	"strings"

	"modpy/internal/httpd"
	"modpy/internal/request"
	"modpy/internal/table"
)

// Subrequests, as Apache's ap_sub_req_lookup_uri and ap_sub_req_lookup_file
// make them for mod_include and mod_autoindex (HeaderName, ReadmeName): a
// new request for another URI (or a file beside the page) that goes
// through the request phases from translate_name to fixups (access
// control, authentication and the handlers' Python phases included) and,
// when run, the content handler. Its body goes into the including page,
// at the element; its status and headers go nowhere. It shares the
// connection, the client's headers and a copy of the environment;
// req.main is the request it was made for. The log phase does not run for
// it. mod_autoindex looks each entry of a listing up as
// ap_sub_req_lookup_dirent does (subRequestEntry).

// maxSubrequestDepth bounds subrequests inside subrequests (Apache's
// LimitInternalRecursion default).
const maxSubrequestDepth = 10

// subResponse is a subrequest's response: the body goes on down the
// including page's chain, after its INCLUDES filter.
type subResponse struct {
	next   outputFilter
	parent response // the including page's: its connection's keep-alive
	header table.Table
	status int
	sent   bool
	bytes  int64
}

func (w *subResponse) Header() *table.Table { return &w.header }
func (w *subResponse) SetStatus(code int) {
	if !w.sent {
		w.status = code
	}
}
func (w *subResponse) Status() int { return w.status }

// SetStatusLine: a subrequest's status goes nowhere.
func (w *subResponse) SetStatusLine(string) {}

// Abort: the including page goes on; what the subrequest sent stays.
func (w *subResponse) Abort() {}

func (w *subResponse) HeadersSent() bool { return w.sent }
func (w *subResponse) BodyBytes() int64  { return w.bytes }

// KeepAlive is the including page's connection's.
func (w *subResponse) KeepAlive() (state, keepalives int) { return w.parent.KeepAlive() }

// Fits is false: the subrequest's writes go straight down the chain.
func (w *subResponse) Fits(int) bool { return false }

// DiscardBody: nothing is buffered here.
func (w *subResponse) DiscardBody() bool { return !w.sent }

func (w *subResponse) Write(p []byte) (int, error) {
	w.sent = true
	w.bytes += int64(len(p))
	return w.next.Write(p)
}

func (w *subResponse) Flush() error {
	w.sent = true
	return w.next.Flush()
}

// subRequest makes a subrequest of rs for uri ("path?query") whose body
// goes to next, and runs its lookup: the phases up to fixups. file, if
// set, is the file it maps to instead of uri's (a lookup by file). It
// returns the subrequest and the lookup's status: 200, or the HTTP status
// a phase answered with.
func (rs *rstate) subRequest(uri, file string, next outputFilter) (*rstate, int) {
	nrs, st := rs.newSubRequest(derivedRequest(rs.req, uri), next)
	if st != 0 {
		return nrs, st
	}
	// requestPhases: post_read_request does not run for a subrequest,
	// the content handler only when it is run (runSub).
	st = nrs.runPhases(requestPhases[1:2])
	if st == resOK || st == resDeclined {
		if file != "" {
			nrs.path = file
		}
		st = nrs.runPhases(requestPhases[2 : len(requestPhases)-1])
	}
	return nrs, lookupStatus(st)
}

// subRequestEntry is Apache's ap_sub_req_lookup_dirent, as mod_autoindex
// makes it for each entry of a listing: the lookup of a subrequest for
// the entry name (a directory if isDir) of the directory rs's request
// names, without its query. As in Apache, a lookup by file runs no
// translate_name, a subrequest no header_parser, and one whose merged
// configuration is the main request's own skips access control and
// authentication, which the main request passed (it takes its user);
// checked: the entry's symbolic link was judged already, and its
// directory walk does not judge it again.
func (rs *rstate) subRequestEntry(name string, isDir, checked bool) (*rstate, int) {
	uri, file := rs.req.URI+name, strings.TrimSuffix(rs.req.Filename, "/")+"/"+name
	if isDir {
		uri, file = uri+"/", file+"/"
	}
	nrs, st := rs.newSubRequest(derivedRequest(rs.req, escapePath(uri)), discardFilter{})
	if st != 0 {
		return nrs, st
	}
	nrs.req.URI, nrs.path = uri, file
	if checked {
		nrs.indexed = nrs.path
	}
	if st = nrs.runPhases(phasesFrom(hookMapToStorage, hookHeaderParser)); st != resOK && st != resDeclined {
		return nrs, lookupStatus(st)
	}
	from := hookAccessChecker
	if nrs.dc == rs.dc {
		nrs.req.User, nrs.req.AuthType = rs.req.User, rs.req.AuthType
		from = hookTypeChecker
	}
	return nrs, lookupStatus(nrs.runPhases(phasesFrom(from, hookHandler)))
}

// phasesFrom are the request phases from the one at hook point from up
// to the one at to (not included).
func phasesFrom(from, to hookPoint) []phase {
	i, j := 0, 0
	for k, ph := range requestPhases {
		if ph.at == from {
			i = k
		}
		if ph.at == to {
			j = k
		}
	}
	return requestPhases[i:j]
}

// newSubRequest makes nr, derived from rs's request, a subrequest whose
// body goes to next; the status is 500 (logged) past the nesting limit,
// else 0.
func (rs *rstate) newSubRequest(nr *request.Request, next outputFilter) (*rstate, int) {
	old := rs.req
	nr.Method, nr.MethodNum = "GET", methodNumber("GET")
	nr.HeadersIn = old.HeadersIn.Clone()
	nr.HeadersIn.Del("Content-Length")
	nr.HeadersIn.Del("Transfer-Encoding")
	for _, e := range old.SubprocessEnv.Entries() {
		nr.SubprocessEnv.Add(e.Key, e.Value)
	}
	nr.Main = old
	hr := *rs.hr
	hr.Body, hr.ContentLength, hr.Chunked = httpd.NoBody(), 0, false
	nrs := &rstate{s: rs.s, w: &subResponse{next: next, parent: rs.w, status: 200}, hr: &hr, req: nr, vh: rs.vh,
		start: rs.start, depth: rs.depth + 1, relayHeader: rs.relayHeader}
	nrs.io = &responseIO{rs: nrs}
	nrs.out = nrs.w
	nr.IO, nr.Hooks = nrs.io, nrs
	if nrs.depth > maxSubrequestDepth {
		rs.logError(levelError, "AH00125: Request exceeded the limit of %d subrequest nesting levels due to probable configuration error. "+
			"Use 'LimitInternalRecursion' to increase the limit if necessary. Use 'LogLevel debug' to get a backtrace.", maxSubrequestDepth)
		return nrs, 500
	}
	return nrs, 0
}

// lookupStatus is a subrequest lookup's status from its phases' result.
func lookupStatus(st int) int {
	if st == resOK || st == resDeclined || st == resDone {
		return 200
	}
	return st
}

// runSub runs a looked-up subrequest's content handler and ends it: 0, or
// the HTTP status it answered with (its error is not turned into a page).
func (rs *rstate) runSub() int {
	st := rs.runPhases(requestPhases[len(requestPhases)-1:])
	if !rs.relayTried {
		// (A relayed one's filters ran in its group.)
		rs.endFilters()
	}
	rs.io.close()
	rs.endSub()
	switch st {
	case resOK, resDone:
		return 0
	case resDeclined:
		return 500
	}
	return st
}

// endSub forgets a subrequest in Python (cleanups run).
func (rs *rstate) endSub() {
	if rs.s.rt != nil {
		rs.s.rt.Finish(rs.req)
	}
}
