package server

import (
	"errors"
	"fmt"
	"net/netip"
	"path"
	"path/filepath"
	"strings"
	"time"

	"modpy/internal/config"
	"modpy/internal/httpd"
	"modpy/internal/loglevel"
	"modpy/internal/request"
	"modpy/internal/table"
)

// OK, DECLINED and DONE are mod_python's (and Apache's) handler results.
const (
	resOK       = 0
	resDeclined = -1
	resDone     = -2
)

// maxRedirects bounds internal redirects (ErrorDocument, DirectoryIndex).
const maxRedirects = 10

// defaultLimitRequestBody is LimitRequestBody where none is set: 1 GiB, as
// in Apache since 2.4.54 (LimitRequestBody 0 is unlimited).
const defaultLimitRequestBody = 1 << 30

// rstate is one request in flight: the request_rec and what the phases found.
type rstate struct {
	s     *Server
	w     response // the connection's httpd.Response, or a subrequest's (subreq.go)
	hr    *httpd.Request
	req   *request.Request
	vh    *vhost
	dc    *config.DirConfig
	io    *responseIO
	out   outputFilter // head of the output filter chain; ends at w
	start time.Time
	// lc is the server's configuration merged with the <Location>
	// sections matching the URI; path is what translate_name mapped it to.
	lc   *config.DirConfig
	path string
	// isDir is true when Filename names an existing directory; exists when
	// it names anything that exists.
	exists, isDir bool
	// mtime is Filename's modification time from the walk (Unix
	// nanoseconds), when it exists.
	mtime     int64
	redirects int
	// irregular: Filename exists and is neither a directory nor a
	// regular file (a FIFO, a device, a socket).
	irregular bool
	// entries is the symbolic link rule for the entries of the directory
	// Filename names, from its walk (mod_dir judges DirectoryIndex
	// candidates by it); indexed is the candidate it let through, whose
	// own walk, in the internal redirect, does not judge it again.
	entries config.SymlinkRule
	indexed string
	// needUser: access control needs an authenticated user (authen and
	// authz phases run).
	needUser bool
	// redirected: req.internal_redirect answered for this request.
	redirected bool
	// depth counts the subrequests this one is nested in (subreq.go);
	// incl is the response's INCLUDES filter, wantIncl: a fixup asked
	// for one (mod_include.go).
	depth    int
	incl     *includeFilter
	wantIncl bool
	// nestedIncl: this subrequest is an #include's, so its own INCLUDES
	// filter shares the including page's environment.
	nestedIncl bool
	// chainEnd is the next field of the last filter appendFilter put in
	// the chain (nil: none yet); ends are the filters' end functions, in
	// chain order.
	chainEnd *outputFilter
	ends     []func()
	// filters are the response's Python output filters, in chain order
	// (filters.go); filtersSet: the content phase set them up.
	filters    []*pyFilter
	filtersSet bool
	inFilters  []*pyInFilter
	// deflate is the response's DEFLATE filter, nil if none (mod_deflate.go).
	deflate *deflateFilter
	// wsgiAlias is the WSGIScriptAlias that mapped the URI (nil: none);
	// wsgiStarted: a WSGI application called start_response, when
	// headers_out and err_headers_out had wsgiOut and wsgiErrOut entries
	// and the content type was wsgiType (mod_wsgi.go).
	wsgiAlias *config.WSGIAlias
	// scriptAliased: a ScriptAlias mapped the URI, so mod_cgi runs its
	// file without ExecCGI; ctxPrefix and ctxRoot are CONTEXT_PREFIX and
	// CONTEXT_DOCUMENT_ROOT, from a prefix Alias or ScriptAlias
	// (mod_alias.go).
	scriptAliased       bool
	ctxPrefix, ctxRoot  string
	wsgiStarted         bool
	wsgiOut, wsgiErrOut int
	wsgiType            string
	// relayTried: the request's Python belongs to a process group and
	// was sent there, or it may not run in a worker (refused:
	// WSGIRestrictEmbedded), so none of it runs here; relayed:
	// the group answered, and writes the access log line (relay.go).
	// relayHeader is the request's header fields as received, kept when
	// the configuration has groups; userdirUser the ~user of a UserDir
	// request.
	relayTried, relayed bool
	// groupQueue: in a group process, the Python thread pool's queue limit
	// of this call is the group's queue-timeout (what is left of it).
	groupQueue  bool
	relayHeader *table.Table
	userdirUser string
}

// ServeHTTP1 runs Apache's request phases for one request.
func (s *Server) ServeHTTP1(w *httpd.Response, hr *httpd.Request) {
	s.active.Add(1)
	rs := s.newRstate(w, hr, s.cfg.SelectServerFor(hr.LocalAddr, hr.Host, cleanURI(hr.Path)))
	rs.serve()
	if !rs.relayed && !rs.workerGaveUp(w) && (hr.Relay == nil || !hr.Relay.Sub) {
		rs.logAccess()
	}
	s.requestDone(rs)
}

// protocolError is httpd.Server.OnProtocolError: the access log line of
// a request httpd answered itself (400, 408, 414, 417, 431, 505...), as
// Apache logs the requests ap_read_request refuses, in the log of the
// virtual host its Host (if it got that far) or its address selects.
func (s *Server) protocolError(w *httpd.Response) {
	hr := w.Request()
	rs := s.newRstate(w, hr, s.cfg.SelectServer(hr.LocalAddr, hr.Host))
	if hr.Received.IsZero() {
		rs.req.RequestTime = rs.start
	} else {
		rs.start = hr.Received
	}
	rs.logAccess()
}

// newRstate makes the request state of hr, answered by w, on server c.
func (s *Server) newRstate(w *httpd.Response, hr *httpd.Request, c *config.Server) *rstate {
	rs := &rstate{s: s, w: w, hr: hr, start: time.Now()}
	req := request.New()
	rs.req = req
	req.Method = hr.Method
	req.MethodNum = methodNumber(hr.Method)
	req.Protocol = hr.Proto
	req.ProtoNum = hr.ProtoNum
	if hr.Relay != nil && hr.Relay.Proto != "" {
		req.Protocol = hr.Relay.Proto // the client's, the worker's connection
		if hr.Relay.Proto == "HTTP/2.0" {
			req.ProtoNum = 2000
		}
	} else if s.groups.relays {
		rs.relayHeader = hr.Header.Clone()
	}
	req.TheRequest = hr.TheRequest
	req.UnparsedURI = hr.RequestURI
	req.URI = cleanURI(hr.Path)
	req.Args, req.HasArgs = hr.RawQuery, hr.HasQuery
	req.Hostname = hr.Host
	req.RequestTime = hr.Received
	req.HeaderOnly = hr.Method == "HEAD"
	req.HeadersIn = hr.Header
	req.Conn = &request.Conn{
		RemoteIP:   addrIP(hr.RemoteAddr),
		RemotePort: int(hr.RemoteAddr.Port()),
		LocalIP:    addrIP(hr.LocalAddr),
		LocalPort:  int(hr.LocalAddr.Port()),
		ID:         hr.ConnID,
		Keepalives: hr.KeepAlives,
	}
	rs.vh = s.vhost(c)
	req.Server = rs.vh.info
	req.Conn.Base = s.vhost(s.cfg.SelectServer(hr.LocalAddr, "")).info
	req.DocumentRoot = rs.vh.conf.DocumentRoot
	req.Log = rs.vh.errlog
	rs.io = &responseIO{rs: rs}
	rs.out = w
	req.IO = rs.io
	req.Hooks = rs
	return rs
}

// serve runs the phases and turns their result into the response (unless
// an internal redirect's request answered), then runs what comes after
// the response: the filters' end, the log and cleanup phases.
func (rs *rstate) serve() {
	status := rs.process()
	if rs.relayTried {
		// The group served the request (or it was refused): the
		// worker's filters, log and cleanup phases have nothing to do.
		if status != resDone {
			rs.finish(status)
		}
		if rs.s.rt != nil {
			rs.s.rt.Finish(rs.req)
		}
		return
	}
	rs.endFilters()
	rs.io.close()
	if !rs.redirected {
		rs.finish(status)
	}
	rs.afterResponse()
}

// cleanURI resolves "." and ".." segments and repeated slashes, keeping a
// trailing slash: the URI can never climb above the DocumentRoot.
func cleanURI(p string) string {
	if p == "" || p[0] != '/' {
		return p
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

func addrIP(a netip.AddrPort) string {
	if !a.IsValid() {
		return ""
	}
	return a.Addr().Unmap().String()
}

// process runs the request phases and returns the final result: OK/DONE
// when the response has been produced, or an HTTP status to answer with.
func (rs *rstate) process() int { return rs.runPhases(requestPhases) }

// runPhases runs phases (a part of requestPhases) as process does.
func (rs *rstate) runPhases(phases []phase) int {
	for i := range phases {
		ph := &phases[i]
		if ph.python == request.PhasePostReadRequest && rs.redirects > 0 {
			continue // an internal redirect starts at translate_name
		}
		if ph.only != nil && !ph.only(rs) {
			continue
		}
		// The modules' hooks, as Apache runs a hook's functions: RunFirst
		// until one does not decline, RunAll while they say OK or DECLINED;
		// the phase's Python handlers among them, after those that run
		// before mod_python's.
		st := resDeclined
		for _, hook := range ph.pre {
			if !ph.goOn(st) {
				break
			}
			st = hook(rs)
		}
		if ph.hooked && ph.goOn(st) {
			st = rs.runPhase(ph.python)
		}
		for _, hook := range ph.hooks {
			if !ph.goOn(st) {
				break
			}
			st = hook(rs)
		}
		if ph.check != nil {
			st = ph.check(rs, st)
		}
		if st != resOK && st != resDeclined {
			return st // DONE, or an HTTP status
		}
	}
	return resOK
}

func orURI(filename, uri string) string {
	if filename != "" {
		return filename
	}
	return uri
}

// fileExt is the last extension of a file name, lower-case with its dot
// ("" when none): what "| .ext" handlers and Add*Filter match.
func fileExt(name string) string {
	base := name[strings.LastIndexByte(name, '/')+1:]
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		return strings.ToLower(base[i:])
	}
	return ""
}

// internalRedirect restarts the phases for uri, sharing this response, as
// Apache's internal redirects do. An ErrorDocument redirect turns the method
// into GET.
func (rs *rstate) internalRedirect(uri string, errorDoc bool) int {
	rs.redirects++
	if rs.redirects > maxRedirects {
		rs.logError(levelError, "AH00124: Request exceeded the limit of %d internal redirects", maxRedirects)
		return 500
	}
	req := rs.req
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		uri, req.Args, req.HasArgs = uri[:i], uri[i+1:], true
	}
	rs.io.unfreeze() // the new request's headers are the response's
	req.URI = uri
	req.Filename, req.PathInfo, req.CanonicalFilename = "", "", ""
	req.Handler, req.Extension = "", ""
	if !req.ContentTypeSet {
		req.ContentType = ""
	}
	rs.exists, rs.isDir, rs.irregular, rs.needUser = false, false, false, false
	rs.lc, rs.dc, rs.path, rs.wsgiAlias = nil, nil, "", nil
	if errorDoc && req.Method != "HEAD" {
		req.Method, req.MethodNum = "GET", 0
	}
	return rs.process()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// handlerDir is the directory a handler module is looked up in first: the
// <Directory> it was configured in (for a regex Directory, the request
// file's own directory); "" for <Location> and server-level handlers.
func (rs *rstate) handlerDir(h config.Handler) string {
	if h.InLocation || h.Dir == "" {
		return ""
	}
	if h.DirPattern {
		return rs.fileDir()
	}
	return h.Dir
}

// fileDir is the directory of req.filename with a trailing slash (the
// filename itself when it is a directory), "" when there is no filename.
func (rs *rstate) fileDir() string {
	f := rs.req.Filename
	if f == "" {
		return ""
	}
	if rs.isDir {
		return strings.TrimSuffix(f, "/") + "/"
	}
	d := filepath.Dir(f)
	if d == "/" {
		return d
	}
	return d + "/"
}

func (rs *rstate) bodyTooLarge() bool {
	return rs.io.bodyErr != nil && errors.Is(rs.io.bodyErr, httpd.ErrBodyTooLarge)
}

func (rs *rstate) logError(level loglevel.Level, format string, args ...any) {
	rs.vh.errlog.Log(level, "core", "", rs.req, fmt.Sprintf(format, args...))
}

// logModule is logError for one of Apache's modules (module as its log
// lines name it: "auth_basic", "cgi").
func (rs *rstate) logModule(module string, level loglevel.Level, format string, args ...any) {
	rs.vh.errlog.Log(level, module, "", rs.req, fmt.Sprintf(format, args...))
}

// methodNumber is Apache's M_* number of a method.
func methodNumber(m string) int {
	switch m {
	case "GET", "HEAD":
		return 0
	case "PUT":
		return 1
	case "POST":
		return 2
	case "DELETE":
		return 3
	case "CONNECT":
		return 4
	case "OPTIONS":
		return 5
	case "TRACE":
		return 6
	case "PATCH":
		return 7
	}
	return 26
}
