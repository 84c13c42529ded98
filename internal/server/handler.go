package server

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"modpy/internal/config"
	"modpy/internal/httpd"
	"modpy/internal/loglevel"
	"modpy/internal/request"
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
	w     *httpd.Response
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
	redirects     int
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
	// filters are the response's Python output filters, in chain order
	// (filters.go); filtersSet: the content phase set them up.
	filters    []*pyFilter
	filtersSet bool
	inFilters  []*pyInFilter
}

// ServeHTTP1 runs Apache's request phases for one request.
func (s *Server) ServeHTTP1(w *httpd.Response, hr *httpd.Request) {
	rs := &rstate{s: s, w: w, hr: hr, start: time.Now()}
	s.active.Add(1)
	req := request.New()
	rs.req = req
	req.Method = hr.Method
	req.MethodNum = methodNumber(hr.Method)
	req.Protocol = hr.Proto
	req.ProtoNum = hr.ProtoNum
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
	rs.vh = s.vhosts[s.cfg.SelectServer(hr.LocalAddr, hr.Host)]
	if rs.vh == nil {
		rs.vh = s.main
	}
	req.Server = rs.vh.info
	req.DocumentRoot = rs.vh.conf.DocumentRoot
	req.Log = rs.vh.errlog
	rs.io = &responseIO{rs: rs}
	rs.out = w
	req.IO = rs.io
	req.Hooks = rs

	rs.serve()
	rs.logAccess()
	s.requestDone(rs)
}

// serve runs the phases and turns their result into the response (unless
// an internal redirect's request answered), then runs what comes after
// the response: the filters' end, the log and cleanup phases.
func (rs *rstate) serve() {
	status := rs.process()
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
func (rs *rstate) process() int {
	for i := range requestPhases {
		ph := &requestPhases[i]
		if ph.python == request.PhasePostReadRequest && rs.redirects > 0 {
			continue // an internal redirect starts at translate_name
		}
		if ph.only != nil && !ph.only(rs) {
			continue
		}
		st := resDeclined
		if ph.hooked {
			st = rs.runPhase(ph.python)
		}
		if ph.native != nil && (st == resDeclined || (ph.mode == runAll && st == resOK)) {
			st = ph.native(rs)
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

// translateName is core's and mod_alias's translate_name: Redirect, then
// Alias or DocumentRoot.
func (rs *rstate) translateName() int {
	req := rs.req
	if req.URI == "*" {
		// "OPTIONS *" asks about the server itself; no phase applies.
		if req.Method != "OPTIONS" {
			return 400
		}
		req.HeadersOut.Set("Allow", "GET,HEAD,POST,OPTIONS")
		return resDone
	}
	rs.lc = rs.s.cfg.LocationConfig(rs.vh.conf, req.URI)
	if st := rs.redirect(rs.vh.conf.Redirects); st != 0 {
		return st
	}
	if st := rs.redirect(rs.lc.Redirects); st != 0 {
		return st
	}
	rs.path = rs.translate()
	return resOK
}

// mapStorage is map_to_storage: the directory walk and the merged
// per-directory configuration. As in mod_python, a <Location> holding a
// Python handler has no file, and Directory sections do not apply to it.
func (rs *rstate) mapStorage() int {
	req := rs.req
	if req.Method == "TRACE" && rs.redirects == 0 {
		return rs.trace() // core answers TRACE before the directory walk
	}
	if rs.lc == nil { // a PythonTransHandler mapped the URI itself
		rs.lc = rs.s.cfg.LocationConfig(rs.vh.conf, req.URI)
	}
	path := rs.path
	if path == "" && req.Filename != "" {
		path = filepath.Clean(req.Filename) // as Apache's directory walk
	}
	indexed := rs.indexed
	rs.indexed = ""
	if locationHasPython(rs.lc) {
		rs.dc = rs.lc
	} else {
		rs.mapToStorage(path)
		check := rs.walkEntry
		if indexed != "" {
			// As Apache's mod_dir, whose subrequest for the candidate
			// is not walked again (its check was indexEntry's).
			check = func(path string, rule config.SymlinkRule) error {
				if path == indexed {
					return nil
				}
				return rs.walkEntry(path, rule)
			}
		}
		dc, entries, err := rs.s.cfg.DirConfigAccess(rs.vh.conf, req.URI, req.Filename, rs.isDir, rs.s.access, check)
		var refused *walkRefused
		if errors.As(err, &refused) {
			return refused.status
		}
		if err != nil {
			// As Apache: the file and line in the log, 500 to the client
			// (403 when the file cannot be read).
			rs.logError(levelAlert, "%v", err)
			var ce *config.Error
			if errors.As(err, &ce) && ce.Forbidden {
				return 403
			}
			return 500
		}
		rs.dc, rs.entries = dc, entries
		if rs.irregular {
			// Only directories and regular files are content, whatever
			// the handler (Apache refuses them in the walk, AH00038).
			rs.logNotFileOrDir(req.Filename)
			return 403
		}
	}
	limit := int64(defaultLimitRequestBody)
	if rs.dc.LimitRequestBody != nil {
		limit = *rs.dc.LimitRequestBody
	}
	rs.hr.Body.SetLimit(limit)
	req.AuthTypeConf, req.AuthName = rs.dc.EffectiveAuthType(), ""
	if n := rs.dc.AuthName; n != nil {
		req.AuthName = *n
	}
	return resOK
}

// checkAccess is access_checker: Order/Allow/Deny, Satisfy and Require
// (access.go).
func (rs *rstate) checkAccess() int {
	return rs.access()
}

// fixups: SetEnv/PassEnv/UnsetEnv into subprocess_env, and Redirect inside
// sections (mod_alias's fixup).
func (rs *rstate) fixups() int {
	req, dc := rs.req, rs.dc
	for _, kv := range dc.SetEnv {
		req.SubprocessEnv.Set(kv.Key, kv.Value)
	}
	for _, k := range dc.PassEnv {
		if v, ok := os.LookupEnv(k); ok {
			req.SubprocessEnv.Set(k, v)
		}
	}
	for _, k := range dc.UnsetEnv {
		req.SubprocessEnv.Del(k)
	}
	if st := rs.redirect(dc.Redirects); st != 0 {
		return st
	}
	return resOK
}

// defaultHandler is the content phase when no Python handler took the
// request: directories (the trailing-slash redirect and DirectoryIndex),
// then static files.
func (rs *rstate) defaultHandler() int {
	if st, ok := rs.serverHandler(); ok {
		return st // modpy-status, server-status, modpy-metrics (status.go)
	}
	if rs.req.Handler == "" && rs.isDir {
		return rs.directory()
	}
	return rs.static()
}

func orURI(filename, uri string) string {
	if filename != "" {
		return filename
	}
	return uri
}

func locationHasPython(lc *config.DirConfig) bool {
	for _, hs := range lc.Handlers {
		for _, h := range hs {
			if h.InLocation {
				return true
			}
		}
	}
	return false
}

// translate maps the URI to a path: Alias/AliasMatch, else DocumentRoot.
func (rs *rstate) translate() string {
	uri := rs.req.URI
	for _, a := range rs.vh.conf.Aliases {
		if a.Regex != nil {
			if m := a.Regex.FindStringSubmatchIndex(uri); m != nil {
				return string(a.Regex.ExpandString(nil, a.Path, uri, m))
			}
			continue
		}
		if rest, ok := aliasMatch(uri, a.URL); ok {
			return a.Path + rest
		}
	}
	if p, ok := userDir(rs.vh.conf.UserDir, uri); ok {
		return p
	}
	return rs.vh.conf.DocumentRoot + uri
}

// userDir is mod_userdir's translate_name: /~user/rest to the user's
// directory. Of several UserDir directories the first that exists wins
// (the last is used even if it does not, as Apache does).
func userDir(u *config.UserDir, uri string) (string, bool) {
	if u == nil || !strings.HasPrefix(uri, "/~") {
		return "", false
	}
	name, rest, _ := strings.Cut(uri[2:], "/")
	if name == "" || name == "." || name == ".." || !u.Allows(name) {
		return "", false
	}
	if rest != "" || strings.HasSuffix(uri, "/") {
		rest = "/" + rest
	}
	var home string
	for i, d := range u.Dirs {
		var dir string
		switch {
		case strings.Contains(d, "*"):
			dir = strings.ReplaceAll(d, "*", name)
		case filepath.IsAbs(d):
			dir = filepath.Join(d, name)
		default:
			if home == "" {
				pw, err := user.Lookup(name)
				if err != nil || pw.HomeDir == "" {
					return "", false
				}
				home = pw.HomeDir
			}
			dir = filepath.Join(home, d)
		}
		if i == len(u.Dirs)-1 {
			return dir + rest, true
		}
		if _, err := os.Stat(dir); err == nil {
			return dir + rest, true
		}
	}
	return "", false
}

// aliasMatch matches an Alias URL prefix on path-segment boundaries, as
// mod_alias does.
func aliasMatch(uri, prefix string) (string, bool) {
	if !strings.HasPrefix(uri, prefix) {
		return "", false
	}
	rest := uri[len(prefix):]
	if strings.HasSuffix(prefix, "/") || rest == "" || rest[0] == '/' {
		return rest, true
	}
	return "", false
}

// mapToStorage finds the longest existing prefix of path: that is the
// filename, the rest is path_info (Apache's directory walk). Below an
// existing directory, the first missing component is the filename.
func (rs *rstate) mapToStorage(path string) {
	req := rs.req
	p, rest := path, ""
	for {
		if len(p) > 1 && strings.HasSuffix(p, "/") {
			p, rest = p[:len(p)-1], "/"+rest
		}
		if mode, ok := statMode(p); ok {
			isDir := mode == syscall.S_IFDIR
			req.Filename, req.PathInfo = p, rest
			rs.exists, rs.isDir, rs.irregular = true, isDir, !isDir && mode != syscall.S_IFREG
			if rs.isDir && rest == "/" {
				// A directory asked for with its slash keeps it in
				// req.filename, as in Apache.
				req.Filename, req.PathInfo = strings.TrimSuffix(p, "/")+"/", ""
			} else if rs.isDir && rest != "" {
				first, tail := rest[1:], ""
				if i := strings.IndexByte(first, '/'); i >= 0 {
					first, tail = first[:i], first[i:]
				}
				req.Filename, req.PathInfo = strings.TrimSuffix(p, "/")+"/"+first, tail
				rs.exists, rs.isDir, rs.irregular = false, false, false
			}
			break
		}
		i := strings.LastIndexByte(p, '/')
		if i <= 0 {
			req.Filename, req.PathInfo = path, ""
			break
		}
		rest = p[i:] + rest
		p = p[:i]
	}
	req.CanonicalFilename = req.Filename
}

// statMode reports whether path exists and its file type (S_IFMT bits,
// following symbolic links, as os.Stat): one stat, without os.Stat's
// allocation of a FileInfo, as the directory walk runs on every request.
func statMode(path string) (mode uint32, ok bool) {
	var st syscall.Stat_t
	if retryEINTR(func() error { return syscall.Stat(path, &st) }) != nil {
		return 0, false
	}
	return st.Mode & syscall.S_IFMT, true
}

// typeCheck sets the content type and handler from SetHandler, AddHandler
// and AddType/mime.types, as mod_mime does.
func (rs *rstate) typeCheck() int {
	req, dc := rs.req, rs.dc
	base := filepath.Base(req.Filename)
	exts := fileExtensions(base)
	charset := ""
	for _, ext := range exts {
		if t, ok := dc.AddTypes[ext]; ok {
			req.ContentType = t
		} else if t, ok := rs.s.cfg.Mime[ext[1:]]; ok {
			req.ContentType = t
		}
		if h, ok := dc.AddHandlers[ext]; ok {
			req.Handler = h
		}
		if cs, ok := dc.AddCharsets[ext]; ok {
			charset = cs
		}
	}
	if charset != "" && req.ContentType != "" {
		req.ContentType = withCharset(req.ContentType, charset)
	}
	if h, set := dc.ForcedHandler(); set {
		req.Handler = h
	}
	return resOK
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

// fileExtensions returns a file name's extensions, lower-case with their
// dots: "a.tar.gz" → [".tar", ".gz"].
func fileExtensions(base string) []string {
	parts := strings.Split(base, ".")
	if len(parts) < 2 {
		return nil
	}
	out := make([]string, 0, len(parts)-1)
	for _, p := range parts[1:] {
		if p != "" {
			out = append(out, "."+strings.ToLower(p))
		}
	}
	return out
}

// directory serves a directory URL: a redirect to add the slash, then
// DirectoryIndex.
func (rs *rstate) directory() int {
	req := rs.req
	if !strings.HasSuffix(req.URI, "/") {
		// mod_dir: the URI %-escaped as Apache's ap_escape_uri does it.
		loc := escapePath(req.URI) + "/"
		if req.HasArgs {
			loc += "?" + req.Args
		}
		req.HeadersOut.Set("Location", rs.absoluteURL(loc))
		return 301
	}
	index := rs.dc.DirectoryIndexes()
	refused := 0
	for _, name := range index {
		if strings.HasPrefix(name, "/") {
			return rs.internalRedirect(name, false)
		}
		// As mod_dir: a regular file the Options let through; a refused
		// one answers if no later name does.
		path := filepath.Join(req.Filename, name)
		if regular, st := rs.indexEntry(path); regular {
			rs.indexed = path
			return rs.internalRedirect(req.URI+name, false)
		} else if st != 0 {
			refused = st
		}
	}
	if refused != 0 {
		return refused
	}
	rs.logError(levelError, "AH01276: Cannot serve directory %s: No matching DirectoryIndex (%s) found, and server-generated directory index forbidden by Options directive",
		req.Filename, strings.Join(index, ","))
	return 403
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
	req.URI = uri
	req.Filename, req.PathInfo, req.CanonicalFilename = "", "", ""
	req.Handler, req.Extension = "", ""
	if !req.ContentTypeSet {
		req.ContentType = ""
	}
	rs.exists, rs.isDir, rs.irregular, rs.needUser = false, false, false, false
	rs.lc, rs.dc, rs.path = nil, nil, ""
	if errorDoc && req.Method != "HEAD" {
		req.Method, req.MethodNum = "GET", 0
	}
	return rs.process()
}

// redirect applies Redirect/RedirectMatch rules.
func (rs *rstate) redirect(rules []config.Redirect) int {
	uri := rs.req.URI
	for _, r := range rules {
		target := ""
		if r.Regex != nil {
			m := r.Regex.FindStringSubmatchIndex(uri)
			if m == nil {
				continue
			}
			target = string(r.Regex.ExpandString(nil, r.URL, uri, m))
		} else {
			rest, ok := aliasMatch(uri, r.Prefix)
			if !ok {
				continue
			}
			target = r.URL
			if target != "" {
				target += rest
			}
		}
		status := r.Status
		if target != "" && status >= 300 && status < 400 {
			if rs.req.HasArgs && !strings.Contains(target, "?") {
				target += "?" + rs.req.Args
			}
			rs.req.HeadersOut.Set("Location", rs.absoluteURL(target))
		}
		return status
	}
	return 0
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
