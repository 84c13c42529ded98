package server

import (
	"strings"

	"modpy/internal/config"
)

// setenvif_module: SetEnvIf, SetEnvIfNoCase, BrowserMatch and
// BrowserMatchNoCase set (or unset) variables of subprocess_env when an
// attribute of the request matches, SetEnvIfExpr when an ap_expr
// expression is true (apexpr.go). The server's and virtual host's rules
// run at post_read_request, the sections' at header_parser, each after
// the phase's Python handlers (mod_python's hooks and mod_setenvif's are
// both APR_HOOK_MIDDLE in Apache, mod_python's loaded first). What they
// set reaches Require env, Allow from env=, Header env=, mod_deflate's
// no-gzip, req.subprocess_env and the CGI and WSGI environments.
var setenvifModule = &module{
	name: "setenvif_module",
	hooks: []hook{
		{at: hookPostReadRequest, fn: (*rstate).setenvifServer},
		{at: hookHeaderParser, fn: (*rstate).setenvifDir},
	},
}

func (rs *rstate) setenvifServer() int {
	if len(rs.vh.conf.SetEnvIf) > 0 {
		rs.matchEnvRules(rs.vh.conf.SetEnvIf)
	}
	return resDeclined
}

func (rs *rstate) setenvifDir() int {
	if rs.dc != nil && len(rs.dc.SetEnvIf) > 0 {
		rs.matchEnvRules(rs.dc.SetEnvIf)
	}
	return resDeclined
}

// matchEnvRules is mod_setenvif's match_headers for rules.
func (rs *rstate) matchEnvRules(rules []*config.EnvRule) {
	req := rs.req
	var m []int
	var xenv *exprEnv
	for _, r := range rules {
		if r.Expr != nil { // SetEnvIfExpr
			if xenv == nil {
				xenv = rs.exprEnv(nil, nil)
			}
			ok, res := rs.evalExpr(r.Expr, xenv, req.HeadersOut)
			if ok {
				rs.setEnvVars(r, res.Source, res.Match)
			}
			continue
		}
		val := rs.envAttr(r)
		if r.Re != nil {
			if m = r.Re.FindStringSubmatchIndex(val); m == nil {
				continue
			}
		} else if !containsFold(val, r.Literal, r.NoCase) {
			continue
		}
		if r.Re == nil {
			m = nil
		}
		rs.setEnvVars(r, val, m)
	}
}

// setEnvVars does a matching rule's variables: $0..$9 in a value are the
// groups of m (a match in src), when there is one.
func (rs *rstate) setEnvVars(r *config.EnvRule, src string, m []int) {
	env := rs.req.SubprocessEnv
	for _, v := range r.Vars {
		switch {
		case v.Unset:
			env.Del(v.Name)
		case m != nil:
			env.Set(v.Name, regsub(v.Value, src, m))
		default:
			env.Set(v.Name, v.Value)
		}
	}
}

// envAttr is the value a rule matches against; "" when the header or
// variable is missing (so that "^$" matches it, as in Apache).
func (rs *rstate) envAttr(r *config.EnvRule) string {
	req := rs.req
	switch r.Attr {
	case config.EnvRemoteAddr, config.EnvRemoteHost: // (HostnameLookups Off: the address)
		return req.ClientIP()
	case config.EnvServerAddr:
		return req.Conn.LocalIP
	case config.EnvRequestURI:
		return req.URI
	case config.EnvRequestMethod:
		return req.Method
	case config.EnvRequestProtocol:
		return req.Protocol
	case config.EnvHeaderRegex:
		val := ""
		for _, e := range req.HeadersIn.Entries() {
			if r.NameRe.MatchString(e.Key) {
				val = e.Value // the last header that matches
			}
		}
		return val
	}
	if v, ok := req.HeadersIn.Get(r.Name); ok {
		return v
	}
	return req.SubprocessEnv.Value(r.Name)
}

// containsFold reports whether s contains sub, without ASCII case when
// fold is set (sub is then lower-case already).
func containsFold(s, sub string, fold bool) bool {
	if !fold {
		return strings.Contains(s, sub)
	}
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}

// regsub is Apache's ap_pregsub: tmpl with $0..$9 replaced by the groups
// of the match m (submatch indexes into src; a group that did not take
// part is empty) and a backslash taking the next character as it is.
func regsub(tmpl, src string, m []int) string {
	if strings.IndexByte(tmpl, '$') < 0 && strings.IndexByte(tmpl, '\\') < 0 {
		return tmpl
	}
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch {
		case c == '$' && i+1 < len(tmpl) && tmpl[i+1] >= '0' && tmpl[i+1] <= '9':
			g := int(tmpl[i+1] - '0')
			i++
			if 2*g+1 < len(m) && m[2*g] >= 0 && m[2*g] < m[2*g+1] {
				b.WriteString(src[m[2*g]:m[2*g+1]])
			}
		case c == '\\' && i+1 < len(tmpl):
			i++
			b.WriteByte(tmpl[i])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
