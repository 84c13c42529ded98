package server

import (
	"modpy/internal/httpd"
	"modpy/internal/table"
)

// Subrequests, as Apache's ap_sub_req_lookup_uri and ap_sub_req_lookup_file
// make them for mod_include: a new request for another URI (or a file
// beside the page) that goes through the request phases from
// translate_name to fixups (access control, authentication and the
// handlers' Python phases included) and, when run, the content handler.
// Its body goes into the including page, at the element; its status and
// headers go nowhere. It shares the connection, the client's headers and a
// copy of the environment; req.main is the request it was made for. The
// log phase does not run for it.

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
	old := rs.req
	nr := derivedRequest(old, uri)
	nr.Method, nr.MethodNum = "GET", methodNumber("GET")
	nr.HeadersIn = old.HeadersIn.Clone()
	nr.HeadersIn.Del("Content-Length")
	nr.HeadersIn.Del("Transfer-Encoding")
	for _, e := range old.SubprocessEnv.Entries() {
		nr.SubprocessEnv.Add(e.Key, e.Value)
	}
	nr.Main = old
	hr := *rs.hr
	hr.Body = httpd.NoBody()
	nrs := &rstate{s: rs.s, w: &subResponse{next: next, parent: rs.w, status: 200}, hr: &hr, req: nr, vh: rs.vh,
		start: rs.start, depth: rs.depth + 1}
	nrs.io = &responseIO{rs: nrs}
	nrs.out = nrs.w
	nr.IO, nr.Hooks = nrs.io, nrs
	if nrs.depth > maxSubrequestDepth {
		rs.logError(levelError, "AH00125: Request exceeded the limit of %d subrequest nesting levels due to probable configuration error. "+
			"Use 'LimitInternalRecursion' to increase the limit if necessary. Use 'LogLevel debug' to get a backtrace.", maxSubrequestDepth)
		return nrs, 500
	}
	// requestPhases: post_read_request does not run for a subrequest,
	// the content handler only when it is run (runSub).
	last := len(requestPhases) - 1
	st := nrs.runPhases(requestPhases[1:2])
	if st == resOK || st == resDeclined {
		if file != "" {
			nrs.path = file
		}
		st = nrs.runPhases(requestPhases[2:last])
	}
	if st == resOK || st == resDeclined || st == resDone {
		return nrs, 200
	}
	return nrs, st
}

// runSub runs a looked-up subrequest's content handler and ends it: 0, or
// the HTTP status it answered with (its error is not turned into a page).
func (rs *rstate) runSub() int {
	st := rs.runPhases(requestPhases[len(requestPhases)-1:])
	rs.endFilters()
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
