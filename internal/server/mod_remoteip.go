package server

import (
	"net/netip"
	"strings"

	"modpy/internal/config"
)

// remoteip_module: behind a proxy, the client's address from the header
// the proxy adds (RemoteIPHeader, X-Forwarded-For), as mod_remoteip
// takes it at post_read_request, before mod_python's hook: the request's
// client (req.useragent_ip, REMOTE_ADDR, Require ip, the access log's %a
// and %h, the error log's [client]) becomes the address the trusted
// proxies reported, while req.connection.client_ip stays the peer.
var remoteipModule = &module{
	name:  "remoteip_module",
	hooks: []hook{{at: hookPostReadRequest, order: orderFirst, beforePython: true, fn: (*rstate).remoteip}},
}

// remoteip is mod_remoteip's remoteip_modify_request. It walks the
// header's list from the right: while the address the request comes from
// is a proxy it trusts (any address when no proxies are listed), the
// next address to the left becomes the client. A trusted (not internal)
// proxy is not believed about a private or otherwise non-public address,
// and once the walk passed one, internal proxies count as trusted ones.
// The addresses used are removed from the header (what is left, the
// addresses not believed, stays); the external proxies passed are noted
// (remoteip-proxy-ip-list) and, with RemoteIPProxiesHeader, put in that
// request header.
func (rs *rstate) remoteip() int {
	conf, req := rs.vh.conf, rs.req
	if conf.RemoteIPHeader == "" {
		return resDeclined
	}
	remote, ok := req.HeadersIn.Get(conf.RemoteIPHeader)
	if !ok {
		return resOK
	}
	proxies := conf.RemoteIPProxies
	internal := proxies != nil // with a list, the first hop must be on it
	from := rs.clientAddr()
	ip, changed := "", false
	var proxied []string
	for remote != "" {
		if proxies != nil {
			p, found := matchProxy(proxies, from)
			if !found {
				break
			}
			internal = internal && p.Internal
		}
		var raw string
		if i := strings.LastIndexByte(remote, ','); i >= 0 {
			remote, raw = remote[:i], remote[i+1:]
		} else {
			remote, raw = "", remote
		}
		raw = strings.TrimRight(raw, " ")
		hop := strings.TrimLeft(raw, " ")
		addr, err := netip.ParseAddr(hop)
		if hop == "" || err != nil || addr.Zone() != "" || (!internal && !publicAddr(addr.Unmap())) {
			if hop != "" && err == nil {
				rs.logError(levelDebug, "AH01569: RemoteIP: Header %s value of %s appears to be a private IP or nonsensical.  Ignored",
					conf.RemoteIPHeader, hop)
			} else if hop != "" {
				rs.logError(levelDebug, "AH01568: RemoteIP: Header %s value of %s cannot be parsed as a client IP",
					conf.RemoteIPHeader, hop)
			}
			remote = joinHop(remote, raw)
			break
		}
		if !internal {
			proxied = append(proxied, from.String())
		}
		from, ip, changed = addr.Unmap(), addr.Unmap().String(), true
	}
	if !changed {
		return resOK
	}
	if remote != "" {
		req.HeadersIn.Set(conf.RemoteIPHeader, remote)
	} else {
		req.HeadersIn.Del(conf.RemoteIPHeader)
	}
	if len(proxied) > 0 {
		list := strings.Join(proxied, ", ")
		req.Notes.Set("remoteip-proxy-ip-list", list)
		if conf.RemoteIPProxiesHeader != "" {
			req.HeadersIn.Set(conf.RemoteIPProxiesHeader, list)
		}
	}
	req.UserAgentIP, req.UserAgentPort = ip, 0
	return resOK
}

// joinHop puts back the hop the walk stopped at: what remains of the
// header keeps it, as mod_remoteip leaves the unbelieved addresses.
func joinHop(remote, hop string) string {
	if remote == "" {
		return hop
	}
	return remote + "," + hop
}

// matchProxy is the first of proxies whose network holds a.
func matchProxy(proxies []config.RemoteIPProxy, a netip.Addr) (config.RemoteIPProxy, bool) {
	for _, p := range proxies {
		if p.Net.Contains(a) {
			return p, true
		}
	}
	return config.RemoteIPProxy{}, false
}

// publicAddr is what mod_remoteip believes from a proxy that is not
// internal: an IPv4 address outside 10/8, 127/8, 169.254/16, 172.16/12
// and 192.168/16, or an IPv6 global unicast address (2000::/3).
func publicAddr(a netip.Addr) bool {
	if a.Is4() {
		b := a.As4()
		return !(b[0] == 10 || b[0] == 127 || (b[0] == 169 && b[1] == 254) ||
			(b[0] == 172 && b[1]&0xf0 == 16) || (b[0] == 192 && b[1] == 168))
	}
	return a.As16()[0]&0xe0 == 0x20
}
