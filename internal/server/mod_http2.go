package server

import (
	"crypto/tls"
	"net"
	"net/netip"
	"slices"
	"strings"

	"modpy/internal/config"
	"modpy/internal/httpd"
)

// http2_module: which connections speak HTTP/2 (h2c by prior knowledge,
// httpd's Config.H2Direct), and core's protocol upgrade
// (core_upgrade_handler): "Upgrade: h2c" switches the connection, and
// the first response on a connection offers the protocols Protocols
// prefers to HTTP/1.1 in an Upgrade header.
//
// Apache runs the upgrade in the handler phase, really first, so before
// mod_python's handler. Here a Python handler runs ahead of the modules'
// hooks of its phase, so the upgrade runs at the end of fixups, the last
// step before the handler phase; a request that fixups end (an error, or
// DONE) is not upgraded, as in Apache. "OPTIONS *", which Apache upgrades
// at map_to_storage (core_upgrade_storage), is upgraded by core's
// translate_name, which answers it (mod_core.go).
var http2Module = &module{
	name: "http2_module",
	hooks: []hook{
		{at: hookFixups, order: orderReallyLast, fn: (*rstate).upgrade},
	},
}

// h2Settings are mod_http2's settings of server c for httpd.
func h2Settings(c *config.Server) *httpd.H2Settings {
	h := &c.HTTP2
	return &httpd.H2Settings{
		MaxStreams:              uint32(h.MaxSessionStreams),
		StreamWindow:            int32(h.WindowSize),
		PermitProhibitedCiphers: !h.ModernTLS(),
	}
}

// h2Direct is httpd's Config.H2Direct: a plain connection may start with
// HTTP/2's preface when its address's default server (Apache's
// c->base_server) allows it.
func (s *Server) h2Direct(local netip.AddrPort, tls *tls.ConnectionState) *httpd.H2Settings {
	v := s.vhost(s.cfg.SelectServer(local, ""))
	if !v.conf.HTTP2.DirectAllowed(tls != nil) {
		return nil
	}
	return v.h2
}

// anyH2Direct reports whether any server allows h2c by prior knowledge.
func (s *Server) anyH2Direct() bool {
	for _, v := range s.vhosts {
		if v.conf.HTTP2.DirectAllowed(false) || v.conf.HTTP2.DirectAllowed(true) {
			return true
		}
	}
	return false
}

// alpnFromProtocols are the ALPN protocols a TLS handshake offers, in
// Protocols' order: h2 and http/1.1 where listed (h2c is for plain
// connections).
func alpnFromProtocols(h *config.HTTP2) []string {
	var out []string
	for _, p := range h.ProtocolList() {
		if p == config.ProtoH2 || p == config.ProtoHTTP1 {
			out = append(out, p)
		}
	}
	return out
}

// alpnOrder is the TLS configuration of a handshake with v: v's, whose
// ALPN protocols go in the server's order (Go's TLS takes the first the
// client also offers), or with "ProtocolsHonorOrder off" in the client's,
// as ap_select_protocol chooses.
func alpnOrder(v *vhost, hello *tls.ClientHelloInfo) *tls.Config {
	if v.conf.HTTP2.HonorsOrder() || len(v.tls.NextProtos) < 2 || len(hello.SupportedProtos) < 2 {
		return v.tls
	}
	tc := v.tls.Clone()
	tc.NextProtos = nil
	for _, p := range hello.SupportedProtos {
		if slices.Contains(v.tls.NextProtos, p) {
			tc.NextProtos = append(tc.NextProtos, p)
		}
	}
	return tc
}

// protoHandlers are hs's handlers of TLS connections by ALPN protocol:
// "h2" is served as HTTP/2 with the settings of the server the handshake
// chose (by SNI).
func (s *Server) protoHandlers(hs *httpd.Server) map[string]httpd.ProtoHandler {
	return map[string]httpd.ProtoHandler{config.ProtoH2: func(nc net.Conn, local, remote netip.AddrPort, id uint64) {
		sni := ""
		if tc, ok := nc.(*tls.Conn); ok {
			sni = tc.ConnectionState().ServerName
		}
		hs.ServeH2(nc, local, remote, id, s.vhost(s.handshakeServer(local, sni)).h2)
	}}
}

// upgrader is the connection's response, which can switch to h2c.
type upgrader interface {
	SwitchToH2(st *httpd.H2Settings) bool
}

// upgrade is core_upgrade_handler with mod_http2's proposal
// (h2_protocol_propose): a request whose Upgrade field offers a protocol
// ap_select_protocol prefers to HTTP/1.1 switches to it, answered 101;
// otherwise the first request on a connection has the protocols Protocols
// lists before http/1.1 offered in Upgrade.
func (rs *rstate) upgrade() int {
	req, hr := rs.req, rs.hr
	if hr.ProtoNum >= 2000 || rs.depth > 0 || hr.Relay != nil {
		return resDeclined
	}
	h2 := &rs.vh.conf.HTTP2
	offered := req.HeadersIn.Value("Upgrade")
	if offered == "" {
		if hr.KeepAlives == 0 && rs.vh.h2Offer != "" {
			req.HeadersOut.Set("Upgrade", rs.vh.h2Offer)
			req.HeadersOut.Set("Connection", "Upgrade")
		}
		return resDeclined
	}
	if !tokenIn(req.HeadersIn.Value("Connection"), "upgrade") {
		return resDeclined
	}
	offers, ok := tokenList(offered)
	if !ok || len(offers) == 0 {
		rs.logError(levelDebug, "AH02910: parsing Upgrade header: %s", offered)
		return resDeclined
	}
	proto := selectProtocol(h2, offers, rs.h2Proposals(offers))
	if proto == "" || proto == config.ProtoHTTP1 {
		return resDeclined
	}
	w, ok := rs.w.(upgrader)
	if !ok || !w.SwitchToH2(rs.vh.h2) {
		return resDeclined
	}
	rs.logError(levelDebug, "AH02909: Upgrade selects '%s'", proto)
	req.Status = 101
	return resDone
}

// h2Proposals are the protocols of offers mod_http2 can switch this
// request to (h2_protocol_propose): h2c, on a plain connection, when
// H2Upgrade allows it and the request has HTTP2-Settings (named in its
// Connection field) and no body. modpy does not upgrade a TLS connection
// (RFC 9113 has h2 over TLS negotiated by ALPN only).
func (rs *rstate) h2Proposals(offers []string) []string {
	req := rs.req
	in := req.HeadersIn
	switch {
	case rs.hr.TLS != nil, !rs.upgradeConfig().H2UpgradeAllowed(false),
		!in.Has("HTTP2-Settings"),
		!tokenIn(in.Value("Connection"), "http2-settings"):
		return nil
	}
	if cl, ok := in.Get("Content-Length"); (ok && cl != "0") || (!ok && in.Has("Transfer-Encoding")) {
		rs.logError(levelDebug, "AH03087: upgrade with body declined")
		return nil
	}
	for _, o := range offers {
		if o == config.ProtoH2C {
			return []string{config.ProtoH2C}
		}
	}
	return nil
}

// upgradeConfig is the configuration H2Upgrade is read from: the
// request's, or before map_to_storage ("OPTIONS *") its server's.
func (rs *rstate) upgradeConfig() *config.DirConfig {
	if rs.dc != nil {
		return rs.dc
	}
	return rs.vh.conf.Dir
}

// selectProtocol is ap_select_protocol: of the proposals (and HTTP/1.1,
// the connection's protocol, when offered), the one Protocols lists that
// is most preferred, by Protocols' order with ProtocolsHonorOrder (the
// default), else by the client's.
func selectProtocol(h2 *config.HTTP2, offers, proposals []string) string {
	if len(h2.Protocols) == 0 {
		if contains(offers, config.ProtoHTTP1) {
			return config.ProtoHTTP1
		}
		return ""
	}
	if contains(offers, config.ProtoHTTP1) && !contains(proposals, config.ProtoHTTP1) {
		proposals = append(proposals, config.ProtoHTTP1)
	}
	prefs := h2.Protocols
	if !h2.HonorsOrder() {
		prefs = offers
	}
	chosen := ""
	for _, p := range proposals {
		if !h2.Allows(p) {
			continue
		}
		if chosen == "" || protocolCmp(prefs, chosen, p) < 0 {
			chosen = p
		}
	}
	return chosen
}

// protocolCmp is Apache's protocol_cmp: above zero when a is preferred to
// b, below when b is.
func protocolCmp(prefs []string, a, b string) int {
	ia, ib := slices.Index(prefs, a), slices.Index(prefs, b)
	switch {
	case ib > ia:
		if ia >= 0 {
			return 1
		}
		return -1
	case ia > ib:
		if ib >= 0 {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// protocolUpgrades is ap_get_protocol_upgrades for an HTTP/1.1
// connection: the protocols Protocols lists before http/1.1, joined with
// ",".
func protocolUpgrades(h2 *config.HTTP2) string {
	list := h2.ProtocolList()
	if len(list) == 1 && list[0] == config.ProtoHTTP1 {
		return ""
	}
	var ups []string
	for _, p := range list {
		if p == config.ProtoHTTP1 {
			break
		}
		ups = append(ups, p)
	}
	return strings.Join(ups, ",")
}

// tokenList is ap_parse_token_list_strict: the comma-separated tokens of
// v, as sent; ok is false when one holds a separator or a blank ("h2c" is
// a token, "HTTP/2.0" is not, and makes the whole field unusable).
func tokenList(v string) (list []string, ok bool) {
	for _, t := range strings.Split(v, ",") {
		t = strings.Trim(t, " \t")
		if t == "" {
			continue
		}
		for i := 0; i < len(t); i++ {
			if !isTokenChar(t[i]) {
				return nil, false
			}
		}
		list = append(list, t)
	}
	return list, true
}

// tokenIn reports whether the comma-separated list v has token tok
// (compared without case).
func tokenIn(v, tok string) bool {
	for _, t := range strings.Split(v, ",") {
		if strings.EqualFold(strings.Trim(t, " \t"), tok) {
			return true
		}
	}
	return false
}

func isTokenChar(c byte) bool {
	return 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
