package server

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"modpy/internal/config"
)

// Access control, as Apache 2.4 runs it: mod_access_compat's
// Order/Allow/Deny in the access_checker hook and mod_authz_core's Require
// tree in access_checker_ex, combined by Satisfy (All unless "Satisfy
// Any"). The hooks are authz_core_module's (mod_authz_core.go) and
// auth_basic_module's (mod_auth_basic.go); here is what they evaluate:
// the Require tree with its providers (all and env: mod_authz_core's;
// ip, host and local: mod_authz_host's; valid-user and user:
// mod_authz_user's; group: mod_authz_groupfile's), Order/Allow/Deny, and the client's host name.

// authzResult is mod_authz_core's authz_status.
type authzResult int

const (
	authzNeutral authzResult = iota
	authzGranted
	authzDenied
	authzDeniedNoUser // an authenticated user could change the answer
)

// noteAuthFailure is ap_note_auth_failure: with AuthType Basic, the 401
// asks for credentials.
func (rs *rstate) noteAuthFailure() {
	req := rs.req
	if strings.EqualFold(req.AuthTypeConf, "Basic") {
		req.ErrHeadersOut.Set("WWW-Authenticate", `Basic realm="`+req.AuthName+`"`)
	}
}

// authz evaluates a Require tree as mod_authz_core's apply_authz_sections.
func (rs *rstate) authz(r *config.Require) authzResult {
	var res authzResult
	if r.Provider != "" {
		res = rs.authzRule(r)
	} else {
		res = authzNeutral
		for _, c := range r.Rules {
			cr := rs.authz(c)
			if cr == authzNeutral {
				continue
			}
			if r.Op == config.RequireAll {
				if cr == authzDenied {
					res = cr
					break
				}
				if (cr == authzDeniedNoUser && res != authzDenied) || res == authzNeutral {
					res = cr
				}
			} else {
				if cr == authzGranted {
					res = cr
					break
				}
				if (cr == authzDeniedNoUser && res == authzDenied) || res == authzNeutral {
					res = cr
				}
			}
		}
	}
	if r.Not || (r.Provider == "" && r.Op == config.RequireNone) {
		switch res {
		case authzGranted:
			res = authzDenied
		case authzDenied, authzDeniedNoUser:
			res = authzNeutral
		}
	}
	return res
}

// authzRule is one Require line's provider, before "not".
func (rs *rstate) authzRule(r *config.Require) authzResult {
	ok := false
	switch r.Kind() {
	case config.AuthzAll:
		ok = r.Granted
	case config.AuthzLocal:
		ok = rs.clientIsLocal()
	case config.AuthzIP:
		ip := rs.clientAddr()
		for _, n := range r.Nets {
			if n.Contains(ip) {
				ok = true
				break
			}
		}
	case config.AuthzHost:
		name := remoteHost(rs.clientAddr())
		if name == "" {
			rs.logError(levelError, "AH01753: access check of '%s' to %s failed, reason: unable to get the remote host name",
				strings.Join(r.Args, " "), rs.req.URI)
			return authzDenied
		}
		for _, d := range r.Args {
			if inDomain(d, name) {
				ok = true
				break
			}
		}
	case config.AuthzEnv:
		for _, v := range r.Args {
			if rs.req.SubprocessEnv.Has(v) {
				ok = true
				break
			}
		}
	case config.AuthzWSGIGroup:
		return rs.wsgiGroupAuthz(r.Args) // mod_wsgi_auth.go
	case config.AuthzGroup:
		return rs.groupAuthz(r.Args) // mod_authz_groupfile.go
	case config.AuthzValidUser, config.AuthzUser:
		user := rs.req.User
		if user == "" {
			return authzDeniedNoUser
		}
		switch r.Kind() {
		case config.AuthzValidUser:
			ok = true
		case config.AuthzUser:
			for _, u := range r.Args {
				if u == user {
					ok = true
					break
				}
			}
		}
	}
	if ok {
		return authzGranted
	}
	return authzDenied
}

// accessCompat is mod_access_compat's check_dir_access: true to let the
// client in.
func (rs *rstate) accessCompat(a *config.Access) bool {
	switch a.Order {
	case config.OrderAllowDeny:
		return rs.findAllowDeny(a.Allow) && !rs.findAllowDeny(a.Deny)
	case config.OrderMutualFailure:
		return rs.findAllowDeny(a.Allow) && !rs.findAllowDeny(a.Deny)
	default: // Deny,Allow
		return !rs.findAllowDeny(a.Deny) || rs.findAllowDeny(a.Allow)
	}
}

// findAllowDeny tells whether any rule of an Allow or Deny list matches.
func (rs *rstate) findAllowDeny(rules []config.AccessRule) bool {
	host, gotHost := "", false
	for _, r := range rules {
		switch {
		case r.All:
			return true
		case r.Env != "":
			if rs.req.SubprocessEnv.Has(r.Env) != r.NotEnv {
				return true
			}
		case r.Net.IsValid():
			if r.Net.Contains(rs.clientAddr()) {
				return true
			}
		case r.Host != "":
			if !gotHost {
				host, gotHost = remoteHost(rs.clientAddr()), true
			}
			if host != "" && inDomain(r.Host, host) {
				return true
			}
		}
	}
	return false
}

// clientAddr is the client the access rules judge: Apache's
// r->useragent_addr, the connection's peer unless mod_remoteip replaced it.
func (rs *rstate) clientAddr() netip.Addr {
	if ip := rs.req.UserAgentIP; ip != "" { // mod_remoteip's
		if a, err := netip.ParseAddr(ip); err == nil {
			return a
		}
	}
	return rs.hr.RemoteAddr.Addr().Unmap()
}

// clientIsLocal is "Require local": a loopback client, or one connecting
// from the address it connected to.
func (rs *rstate) clientIsLocal() bool {
	ip := rs.clientAddr()
	return ip.IsLoopback() || (rs.hr.LocalAddr.IsValid() && ip == rs.hr.LocalAddr.Addr().Unmap())
}

// inDomain is Apache's in_domain: what (a host name) is domain or lies
// inside it, matching whole labels only.
func inDomain(domain, what string) bool {
	if len(what) < len(domain) || !strings.EqualFold(what[len(what)-len(domain):], domain) {
		return false
	}
	if len(what) == len(domain) {
		return true
	}
	return domain[0] == '.' || what[len(what)-len(domain)-1] == '.'
}

// Host name lookups for "Require host" and "Allow from host", with
// Apache's double-reverse check (REMOTE_DOUBLE_REV): the client's first
// PTR name counts only if it resolves back to the client's address.
// Answers, found or not, are cached briefly.
const (
	hostCacheTTL   = 30 * time.Second
	hostCacheMax   = 4096
	hostLookupTime = 5 * time.Second
)

type hostEntry struct {
	name    string
	expires time.Time
}

var hostCache struct {
	sync.Mutex
	m map[netip.Addr]hostEntry
}

// lookupHost is replaced by tests.
var lookupHost = doubleReverse

// remoteHost is the client's verified host name, lower-case and without
// the trailing dot, or "" when it has none.
func remoteHost(ip netip.Addr) string {
	now := time.Now()
	hostCache.Lock()
	e, ok := hostCache.m[ip]
	hostCache.Unlock()
	if ok && now.Before(e.expires) {
		return e.name
	}
	name := lookupHost(ip)
	hostCache.Lock()
	if hostCache.m == nil || len(hostCache.m) >= hostCacheMax {
		hostCache.m = make(map[netip.Addr]hostEntry)
	}
	hostCache.m[ip] = hostEntry{name: name, expires: now.Add(hostCacheTTL)}
	hostCache.Unlock()
	return name
}

func doubleReverse(ip netip.Addr) string {
	ctx, cancel := context.WithTimeout(context.Background(), hostLookupTime)
	defer cancel()
	names, err := net.DefaultResolver.LookupAddr(ctx, ip.String())
	if err != nil || len(names) == 0 {
		return ""
	}
	name := strings.ToLower(strings.TrimSuffix(names[0], "."))
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", name)
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if a.Unmap() == ip {
			return name
		}
	}
	return ""
}
