package server

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"modpy/internal/config"
	"modpy/internal/request"
	"modpy/internal/server/urimap"
	"modpy/internal/table"
)

// wsgi_module: mod_wsgi's embedded mode. WSGIScriptAlias and
// WSGIScriptAliasMatch in translate_name (after mod_alias's, before
// mod_userdir's, as mod_wsgi orders itself), and the wsgi-script content
// handler (also reached by SetHandler or AddHandler wsgi-script, with
// Options ExecCGI), which runs the script's application in its application
// group's interpreter (python/mod_python/_wsgi.py). The request operations
// of a WSGI application (request.WSGIHooks: the environ, start_response's
// checks, sending a file) are here too.
var wsgiModule = &module{
	name: "wsgi_module",
	hooks: []hook{
		{at: hookTranslateName, fn: (*rstate).wsgiTranslate},
		{at: hookAccessChecker, order: orderFirst, fn: (*rstate).wsgiAccess}, // mod_wsgi_auth.go
	},
	handlers: []contentHandler{{name: "wsgi-script", serve: (*rstate).wsgiHandler}},
}

// wsgiTranslate is mod_wsgi's translate_name: the first WSGIScriptAlias or
// WSGIScriptAliasMatch that matches the URI maps it, and its handler is
// wsgi-script.
func (rs *rstate) wsgiTranslate() int {
	aliases := rs.vh.conf.WSGIAliases
	if len(aliases) == 0 || !strings.HasPrefix(rs.req.URI, "/") {
		return resDeclined
	}
	a, path := urimap.WSGIAlias(aliases, rs.req.URI)
	if a == nil {
		return resDeclined
	}
	rs.path = path
	rs.req.Handler = "wsgi-script"
	rs.wsgiAlias = a
	return resOK
}

// wsgiHandler is the wsgi-script handler (mod_wsgi's wsgi_hook_handler):
// the checks of the script and the request, then the call.
func (rs *rstate) wsgiHandler() int {
	req, dc, a := rs.req, rs.dc, rs.wsgiAlias
	file := req.Filename
	switch {
	case a == nil && (dc.Options == nil || !dc.Options.ExecCGI):
		return rs.wsgiRefuse(403, "Options ExecCGI is off in this directory")
	case !rs.exists:
		return rs.wsgiRefuse(404, "Target WSGI script not found or unable to stat")
	case rs.isDir:
		return rs.wsgiRefuse(403, "Attempt to invoke directory as WSGI application")
	case rs.hr.Chunked && !flagOr(dc.WSGIChunkedRequest, false):
		return rs.wsgiRefuse(411, "Received request requiring chunked transfer encoding, "+
			"but optional support for chunked transfer encoding has not been enabled.")
	case rs.hr.ContentLength > 0 && rs.bodyLimit() > 0 && rs.hr.ContentLength > rs.bodyLimit():
		return 413
	}
	group, callable := dc.WSGIApplicationGroup, rs.wsgiCallable(dc.WSGICallableObject)
	passAuth := flagOr(dc.WSGIPassAuthorization, false)
	if a != nil {
		if a.ApplicationGroup != nil {
			group = a.ApplicationGroup
		}
		if a.CallableObject != "" {
			callable = a.CallableObject
		}
		if a.PassAuthorization != nil {
			passAuth = *a.PassAuthorization
		}
	}
	w := &request.WSGI{
		Script:        file,
		Callable:      callable,
		Reloading:     flagOr(dc.WSGIScriptReloading, true),
		MTime:         rs.mtime,
		ErrorOverride: flagOr(dc.WSGIErrorOverride, false),
	}
	scriptName := wsgiScriptName(req.URI, req.PathInfo)
	w.Group = rs.wsgiApplicationGroup(group, scriptName)
	env, consts := rs.wsgiCGI(passAuth, scriptName, 4)
	reloading := "0"
	if w.Reloading {
		reloading = "1"
	}
	// (In request.WSGIConstKeys' order.)
	w.Const = append(consts, rs.s.groupName(), w.Group, callable, req.Handler, "", reloading, "0", "0",
		strconv.Itoa(req.Conn.LocalPort), scriptName)
	w.Env = append(env,
		"mod_wsgi.request_start", strconv.FormatInt(req.RequestTime.UnixMicro(), 10),
		"mod_wsgi.path_info", req.PathInfo,
	)
	w.MultiThread, w.MultiProcess = rs.wsgiThreading()
	req.WSGI = w
	req.Phase = request.PhaseHandler
	req.Handlers = req.Handlers[:0]
	req.Py = *rs.s.pyConfig(dc)
	st := rs.call(wsgiInterpreterName(w.Group), rs.s.rt.RunWSGI)
	req.WSGI = nil
	return st
}

// wsgiRefuse logs mod_wsgi's "<why>: <file>" and answers status.
func (rs *rstate) wsgiRefuse(status int, why string) int {
	rs.vh.errlog.Log(levelError, "wsgi", "", rs.req, why+": "+rs.req.Filename)
	return status
}

// wsgiCallable is WSGICallableObject's name (v; nil: unset) for the
// request: "application" unless set, %{ENV:NAME} expanded ("application"
// when NAME has no value).
func (rs *rstate) wsgiCallable(v *string) string {
	switch {
	case v == nil || *v == "":
		return "application"
	case (*v)[0] != '%':
		return *v
	}
	if s, ok := rs.wsgiEnv(*v); ok {
		return s
	}
	return "application"
}

func flagOr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

// bodyLimit is LimitRequestBody in effect (0: none).
func (rs *rstate) bodyLimit() int64 {
	if rs.dc != nil && rs.dc.LimitRequestBody != nil {
		return *rs.dc.LimitRequestBody
	}
	return defaultLimitRequestBody
}

// wsgiScriptName is the request's SCRIPT_NAME: the URI without the
// path_info it ends with (Apache's ap_add_cgi_vars).
func wsgiScriptName(uri, pathInfo string) string {
	if pathInfo != "" && strings.HasSuffix(uri, pathInfo) {
		return uri[:len(uri)-len(pathInfo)]
	}
	return uri
}

// WSGIEnviron implements request.WSGIHooks (mod_python.wsgi's environ:
// the CGI variables, without mod_wsgi's).
func (rs *rstate) WSGIEnviron(passAuth bool) ([]string, bool, bool) {
	env, consts := rs.wsgiCGI(passAuth, wsgiScriptName(rs.req.URI, rs.req.PathInfo), 2*request.WSGICGIConst)
	for i, v := range consts {
		env = append(env, request.WSGIConstKeys[i], v)
	}
	mt, mp := rs.wsgiThreading()
	return env, mt, mp
}

// wsgiThreading is wsgi.multithread (ThreadsPerChild is more than 1) and
// wsgi.multiprocess (more than one worker process).
func (rs *rstate) wsgiThreading() (bool, bool) {
	if g := rs.s.procGroup; g != nil {
		// In a process group, as mod_wsgi's daemon mode: multiprocess
		// only when processes= was given.
		return g.Threads > 1, g.ProcessesGiven
	}
	return rs.s.cfg.Process.ThreadsPerChild > 1, rs.req.Server != nil && rs.req.Server.Daemons > 1
}

// wsgiCGI is the request's CGI environment as the environ's strings, as
// mod_wsgi has Apache's ap_add_common_vars and ap_add_cgi_vars make it:
// env, the variables that change from request to request (name, value,
// ...; with room for more), and consts, the values of the first
// request.WSGICGIConst of request.WSGIConstKeys. env holds the
// subprocess_env (but HTTPS: it decides wsgi.url_scheme), then HTTP_* for
// each request header whose name has only letters, digits and "-" (a
// header given twice has its values joined with ", "), then the
// request's own CGI variables: PATH_INFO always, never PATH.
func (rs *rstate) wsgiCGI(passAuth bool, scriptName string, more int) (env, consts []string) {
	req := rs.req
	sub, hdrs := req.SubprocessEnv.Entries(), req.HeadersIn.Entries()
	env = make([]string, 0, 2*(len(sub)+len(hdrs))+20+more)
	scheme := "http"
	for _, e := range sub {
		if len(e.Key) == 5 && strings.EqualFold(e.Key, "HTTPS") {
			// mod_wsgi: it decides wsgi.url_scheme, and goes.
			if strings.EqualFold(e.Value, "on") || e.Value == "1" {
				scheme = "https"
			}
			continue
		}
		env = append(env, e.Key, e.Value)
	}
	env = appendHeaderVars(env, hdrs, passAuth, false)
	c := req.Conn
	env = append(env,
		"REMOTE_ADDR", req.ClientIP(),
		"REMOTE_PORT", strconv.Itoa(c.RemotePort), // (the peer's, as ap_add_common_vars)
		"REQUEST_METHOD", req.Method,
		"QUERY_STRING", req.Args,
		"REQUEST_URI", req.UnparsedURI,
		"PATH_INFO", req.PathInfo,
	)
	if req.PathInfo != "" {
		env = append(env, "PATH_TRANSLATED", strings.TrimSuffix(req.DocumentRoot, "/")+req.PathInfo)
	}
	if req.User != "" {
		env = append(env, "REMOTE_USER", req.User)
	}
	if req.AuthType != "" {
		env = append(env, "AUTH_TYPE", req.AuthType)
	}
	host, port := rs.serverName()
	consts = make([]string, 0, len(request.WSGIConstKeys))
	// (In request.WSGIConstKeys' order.)
	consts = append(consts,
		strings.TrimPrefix(rs.signature(), "<hr>\n"), rs.s.banner, host, c.LocalIP, strconv.Itoa(port),
		req.DocumentRoot, rs.scheme(), "", req.DocumentRoot, rs.vh.conf.ServerAdmin,
		req.Filename, "CGI/1.1", req.Protocol, scriptName, scheme)
	return env, consts
}

// cgiHeaderName: a request header name mod_wsgi passes on (letters,
// digits and "-"; others could pose as another header once "-" becomes
// "_").
func cgiHeaderName(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return k != ""
}

// appendHeaderVars appends the CGI variables of request headers hdrs to
// env (name, value, ...), as ap_add_common_vars: HTTP_* for each header
// whose name has only letters, digits and "-" (a header given twice has
// its values joined with ", "), CONTENT_TYPE and CONTENT_LENGTH;
// Authorization only with auth, Proxy-Authorization only with proxyAuth,
// and never Proxy: HTTP_PROXY would pose as the proxy setting of the
// code that reads the environment (httpoxy, CVE-2016-5387; Apache 2.4.25
// and later drop it).
func appendHeaderVars(env []string, hdrs []table.Entry, auth, proxyAuth bool) []string {
	for i, e := range hdrs {
		k := e.Key
		if !cgiHeaderName(k) {
			continue
		}
		dup := false
		for _, p := range hdrs[:i] {
			dup = dup || len(p.Key) == len(k) && strings.EqualFold(p.Key, k)
		}
		if dup {
			continue // joined to the first of its name below
		}
		v := e.Value
		for _, n := range hdrs[i+1:] {
			if len(n.Key) == len(k) && strings.EqualFold(n.Key, k) {
				v += ", " + n.Value
			}
		}
		name := cgiVarName(k)
		switch name {
		case "HTTP_CONTENT_TYPE":
			name = "CONTENT_TYPE"
		case "HTTP_CONTENT_LENGTH":
			name = "CONTENT_LENGTH"
		case "HTTP_AUTHORIZATION":
			if !auth {
				continue
			}
		case "HTTP_PROXY_AUTHORIZATION":
			if !proxyAuth {
				continue
			}
		case "HTTP_PROXY":
			continue
		}
		env = append(env, name, v)
	}
	return env
}

// cgiVarNames are the CGI names of common request headers, made once.
var cgiVarNames = map[string]string{}

func init() {
	for _, h := range []string{"Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language",
		"Connection", "Cookie", "Referer", "Cache-Control", "Origin", "Pragma", "Upgrade-Insecure-Requests",
		"If-Modified-Since", "If-None-Match", "X-Forwarded-For", "X-Forwarded-Proto", "X-Requested-With",
		"Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-User", "Dnt", "Te", "Expect", "Range",
		"Content-Type", "Content-Length", "Authorization", "Proxy-Authorization"} {
		cgiVarNames[h] = "HTTP_" + strings.ReplaceAll(strings.ToUpper(h), "-", "_")
		cgiVarNames[strings.ToLower(h)] = cgiVarNames[h]
	}
}

// cgiVarName is "HTTP_" and the header name upper-cased, "-" as "_".
func cgiVarName(k string) string {
	if n, ok := cgiVarNames[k]; ok {
		return n
	}
	b := make([]byte, 5+len(k))
	copy(b, "HTTP_")
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c == '-':
			c = '_'
		}
		b[5+i] = c
	}
	return string(b)
}

// hopByHop are the header fields PEP 3333 forbids an application: they
// are the connection's, the server's to send.
var hopByHop = []string{"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"TE", "Trailer", "Trailers", "Transfer-Encoding", "Upgrade"}

// WSGIStart implements request.WSGIHooks: start_response's status and
// headers, checked, into the request's status, status line, content type,
// headers_out (WWW-Authenticate into err_headers_out, as mod_wsgi puts
// it), replacing those of an earlier call (start_response with exc_info
// before anything was sent).
func (rs *rstate) WSGIStart(status string, headers []string) (int64, error) {
	code, err := wsgiStatus(status)
	if err != nil {
		return 0, err
	}
	clen := int64(-1)
	for i := 0; i < len(headers); i += 2 {
		k, v := headers[i], headers[i+1]
		if err := wsgiHeader(k, v); err != nil {
			return 0, err
		}
		if len(k) == 14 && strings.EqualFold(k, "Content-Length") {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || n < 0 {
				return 0, fmt.Errorf("invalid content length %q", v)
			}
			clen = n
		}
	}
	req := rs.req
	if rs.wsgiStarted {
		req.HeadersOut.Truncate(rs.wsgiOut)
		req.ErrHeadersOut.Truncate(rs.wsgiErrOut)
		req.ContentType = rs.wsgiType
	} else {
		rs.wsgiStarted = true
		rs.wsgiOut, rs.wsgiErrOut, rs.wsgiType = req.HeadersOut.Len(), req.ErrHeadersOut.Len(), req.ContentType
	}
	req.Status, req.StatusLine = code, status
	for i := 0; i < len(headers); i += 2 {
		k, v := headers[i], headers[i+1]
		switch {
		case len(k) == 12 && strings.EqualFold(k, "Content-Type"):
			req.ContentType = v
		case len(k) == 16 && strings.EqualFold(k, "WWW-Authenticate"):
			req.ErrHeadersOut.Add(k, v)
		default:
			req.HeadersOut.Add(k, v)
		}
	}
	return clen, nil
}

// wsgiStatus checks a WSGI status line ("200 OK"): its code.
func wsgiStatus(s string) (int, error) {
	switch {
	case len(s) < 4 || s[3] != ' ':
		if len(s) >= 3 && isDigits3(s[:3]) && (len(s) == 3 || s[3] != ' ') {
			return 0, fmt.Errorf("status line %q: no space following status code", s)
		}
		return 0, fmt.Errorf("status line %q: status code is not a 3 digit integer", s)
	case !isDigits3(s[:3]):
		return 0, fmt.Errorf("status line %q: status code is not a 3 digit integer", s)
	case s[0] == '0' || s[0] == '1':
		return 0, fmt.Errorf("status line %q: not a final status (200 to 999)", s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return 0, fmt.Errorf("status line %q: control character present", s)
		}
	}
	return int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0'), nil
}

func isDigits3(s string) bool {
	return len(s) == 3 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9'
}

// wsgiHeader checks one response header field an application gives.
func wsgiHeader(k, v string) error {
	if k == "" {
		return errors.New("empty header name")
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return fmt.Errorf("header name %q: not a token (space, control or separator character present)", k)
		}
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return fmt.Errorf("header %s: control character present in its value %q (carriage return, line feed...)", k, v)
		}
	}
	switch len(k) {
	case 2, 7, 8, 10, 17, 18, 19:
		for _, h := range hopByHop {
			if strings.EqualFold(k, h) {
				return fmt.Errorf("header %s: a hop-by-hop header, which PEP 3333 does not allow an application", k)
			}
		}
	}
	return nil
}

// wsgiSendChunk is the most of a file SendFile reads at a time.
const wsgiSendChunk = 256 << 10

// SendFile implements request.WSGIHooks (wsgi.file_wrapper): the file is
// read here and written to the response, never through Python.
func (rs *rstate) SendFile(fd int, offset, limit int64) (int64, bool, error) {
	var st syscall.Stat_t
	if offset < 0 || syscall.Fstat(fd, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return 0, false, nil
	}
	n := max(st.Size-offset, 0)
	if limit >= 0 && limit < n {
		n = limit
	}
	req := rs.req
	if !rs.io.HeadersSent() && !req.HeadersOut.Has("Content-Length") {
		req.HeadersOut.Set("Content-Length", strconv.FormatInt(n, 10))
	}
	if req.HeaderOnly {
		return n, true, nil
	}
	buf := make([]byte, min(n, wsgiSendChunk))
	var sent int64
	for sent < n {
		k, err := syscall.Pread(fd, buf[:min(int64(len(buf)), n-sent)], offset+sent)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return sent, true, err
		}
		if k == 0 {
			break // the file is shorter than it was
		}
		if _, err := rs.io.Write(buf[:k]); err != nil {
			return sent, true, err
		}
		sent += int64(k)
	}
	return sent, true, nil
}

// AbortResponse implements request.WSGIHooks.
func (rs *rstate) AbortResponse() bool { return rs.io.abort() }

// HandlerLocation implements request.WSGIHooks: the <Location> whose
// PythonHandler names spec.
func (rs *rstate) HandlerLocation(spec string) (string, bool) {
	if rs.dc == nil {
		return "", false
	}
	for _, h := range rs.dc.Handlers[config.PhaseHandler] {
		if h.Spec == spec && h.InLocation {
			return h.Dir, true
		}
	}
	return "", false
}
