package server

import (
	"net/netip"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"time"

	"modpy/internal/apexpr"
	"modpy/internal/table"
)

// exprEnv is the request as ap_expr expressions (Header expr=,
// SetEnvIfExpr) see it: internal/apexpr's Env. out and errOut are the
// response header tables resp() reads: the copies being sent while the
// headers go out, else the request's own.
type exprEnv struct {
	rs          *rstate
	out, errOut *table.Table
}

func (rs *rstate) exprEnv(out, errOut *table.Table) *exprEnv {
	if out == nil {
		out, errOut = rs.req.HeadersOut, rs.req.ErrHeadersOut
	}
	return &exprEnv{rs: rs, out: out, errOut: errOut}
}

// Var is one of apexpr.Variables, as Apache's request, connection and
// misc variables give it.
func (e *exprEnv) Var(name string) string {
	rs, req := e.rs, e.rs.req
	now := time.Now()
	switch name {
	case "REQUEST_METHOD":
		return req.Method
	case "REQUEST_SCHEME":
		return rs.scheme()
	case "REQUEST_URI":
		return req.URI
	case "REQUEST_FILENAME", "SCRIPT_FILENAME":
		return req.Filename
	case "REMOTE_HOST", "REMOTE_ADDR": // (HostnameLookups Off: the address)
		return req.ClientIP()
	case "REMOTE_IDENT", "REQUEST_LOG_ID", "CONN_LOG_ID":
		return ""
	case "REMOTE_USER":
		return req.User
	case "SERVER_ADMIN":
		return rs.vh.conf.ServerAdmin
	case "SERVER_NAME":
		host, _ := rs.serverName()
		return host
	case "SERVER_PORT":
		_, port := rs.serverName()
		return strconv.Itoa(port)
	case "SERVER_PROTOCOL":
		return req.Protocol
	case "PATH_INFO":
		return req.PathInfo
	case "QUERY_STRING":
		return req.Args
	case "IS_SUBREQ":
		return strconv.FormatBool(req.Main != nil)
	case "DOCUMENT_ROOT":
		return req.DocumentRoot
	case "AUTH_TYPE":
		return req.AuthType
	case "THE_REQUEST":
		return req.TheRequest
	case "CONTENT_TYPE":
		return req.ContentType
	case "HANDLER":
		return req.Handler
	case "SCRIPT_USER", "SCRIPT_GROUP":
		return fileOwner(req.Filename, name == "SCRIPT_GROUP")
	case "DOCUMENT_URI":
		if v, ok := req.SubprocessEnv.Get("DOCUMENT_URI"); ok {
			return v
		}
		return req.URI
	case "LAST_MODIFIED":
		if !rs.exists {
			return ""
		}
		return time.Unix(0, rs.mtime).Format("20060102150405")
	case "CONTEXT_PREFIX":
		return rs.ctxPrefix
	case "CONTEXT_DOCUMENT_ROOT":
		if rs.ctxPrefix == "" && rs.ctxRoot == "" {
			return req.DocumentRoot
		}
		return rs.ctxRoot
	case "REQUEST_STATUS":
		if req.Status == 0 {
			return ""
		}
		return strconv.Itoa(req.Status)
	case "REMOTE_PORT":
		return strconv.Itoa(req.Conn.RemotePort)
	case "HTTPS":
		if rs.isHTTPS() {
			return "on"
		}
		return "off"
	case "HTTP2":
		if req.ProtoNum >= 2000 {
			return "on"
		}
		return "off"
	case "IPV6":
		if a, err := netip.ParseAddr(req.Conn.RemoteIP); err == nil && a.Is6() {
			return "on"
		}
		return "off"
	case "CONN_REMOTE_ADDR":
		return req.Conn.RemoteIP
	case "TIME_YEAR":
		return now.Format("2006")
	case "TIME_MON":
		return now.Format("01")
	case "TIME_DAY":
		return now.Format("02")
	case "TIME_HOUR":
		return now.Format("15")
	case "TIME_MIN":
		return now.Format("04")
	case "TIME_SEC":
		return now.Format("05")
	case "TIME_WDAY":
		return strconv.Itoa(int(now.Weekday()))
	case "TIME":
		return now.Format("20060102150405")
	case "SERVER_SOFTWARE":
		return rs.s.banner
	case "API_VERSION":
		return "20120211:0"
	}
	if h, ok := apexpr.HeaderVariables[name]; ok {
		return req.HeadersIn.Value(h)
	}
	if strings.HasPrefix(name, "SSL_") { // mod_ssl's, as its expression lookup gives them
		return rs.sslLookup(name)
	}
	return ""
}

// Lookup is req(), resp(), reqenv(), note() and env()'s table.
func (e *exprEnv) Lookup(t, key string) (string, bool) {
	req := e.rs.req
	switch t {
	case "req":
		return req.HeadersIn.Get(key)
	case "resp":
		if v, ok := e.out.Get(key); ok {
			return v, ok
		}
		return e.errOut.Get(key)
	case "reqenv":
		return req.SubprocessEnv.Get(key)
	case "note":
		return req.Notes.Get(key)
	case "env":
		if v, ok := req.Notes.Get(key); ok {
			return v, ok
		}
		if v, ok := req.SubprocessEnv.Get(key); ok {
			return v, ok
		}
		return os.LookupEnv(key)
	}
	return "", false
}

// ClientAddr is the client -R judges (after mod_remoteip).
func (e *exprEnv) ClientAddr() netip.Addr { return e.rs.clientAddr() }

// evalExpr evaluates a condition, adding the request headers it read to
// vary (Apache's Vary for req(), http() and HTTP_*); vary nil: none.
func (rs *rstate) evalExpr(x *apexpr.Expr, env *exprEnv, vary *table.Table) (bool, apexpr.Result) {
	ok, res := x.Eval(env)
	if vary != nil {
		for _, h := range res.Vary {
			if !hasTokenFold(vary.Values("Vary"), h) {
				mergeHeader(vary, "Vary", h)
			}
		}
	}
	return ok, res
}

// fileOwner is the name of name's owner (group: its group), "" if none.
func fileOwner(name string, group bool) string {
	fi, err := os.Stat(name)
	if name == "" || err != nil {
		return ""
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	if group {
		if g, err := user.LookupGroupId(strconv.FormatUint(uint64(st.Gid), 10)); err == nil {
			return g.Name
		}
		return ""
	}
	return userName(st.Uid)
}
