package server

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"modpy/internal/config"
	"modpy/internal/loglevel"
)

// ssl_module: HTTPS with Go's crypto/tls. The connection side: which
// connections speak TLS (those whose default virtual host, the first for
// the address they reached, has SSLEngine on, as mod_ssl decides) and,
// by the TLS server name (SNI), which virtual host's certificate and
// settings their handshake uses (tlsFor, vhostTLS). The request side, as
// mod_ssl's hooks: post_read_request answers plain HTTP on a TLS port (400)
// and a Host that picked a virtual host the handshake's cannot serve
// (421); access checks a section's SSLVerifyClient against the handshake;
// fixups puts HTTPS and, with SSLOptions, the SSL_* variables in
// subprocess_env (mod_ssl_vars.go); ssl_var_lookup answers
// req.ssl_var_lookup, mod_ssl.var_lookup and the access log's %{VAR}x.
var sslModule = &module{
	name: "ssl_module",
	hooks: []hook{
		{at: hookPostReadRequest, fn: (*rstate).sslReadReq},
		{at: hookAccessChecker, fn: (*rstate).sslAccess},
		{at: hookFixups, fn: (*rstate).sslFixups},
	},
}

// alpnProtocols are the ALPN protocols a virtual host's TLS handshakes
// offer, in order of preference. mod_http2's Protocols decides them
// (h2 before http/1.1 when listed); without it, http/1.1 only.
func (s *Server) alpnProtocols(v *config.Server) []string {
	return alpnFromProtocols(&v.HTTP2) // mod_http2.go
}

// SetTicketKey gives the TLS session tickets of the server's virtual
// hosts keys made from key, the master's secret for its generation's
// workers (nil: each worker's own random keys, as with -X). Call it
// before Start.
func (s *Server) SetTicketKey(key []byte) { s.ticketKey = key }

// sslSetup builds the TLS configuration of every virtual host with
// SSLEngine on, once per worker (Start).
func (s *Server) sslSetup() {
	s.sslLoaded = s.cfg.Modules["ssl_module"]
	key := s.ticketKey
	if key == nil {
		// A worker on its own (-X): a random secret, still one key per
		// virtual host, so that no handshake resumes another host's
		// session (Go would otherwise give them all the same keys).
		key = make([]byte, 32)
		rand.Read(key)
	}
	for _, c := range append([]*config.Server{s.cfg.Main}, s.cfg.VHosts...) {
		if c.SSL.Enabled() {
			tc := s.vhostTLS(c)
			// The generation's secret, so that every worker reads every
			// other's tickets; one key per virtual host, as each of
			// Apache's has its own session context.
			tc.SetSessionTicketKeys([][32]byte{sha256.Sum256(append(append([]byte(nil), key...), c.Pos.String()...))})
			s.vhost(c).tls = tc
			s.sslLoaded = true
		}
	}
	s.tlsBase = &tls.Config{GetConfigForClient: s.helloConfig}
}

// listenTLS is the TLSFor of the servers on the listeners, or nil when no
// connection can be a TLS one.
func (s *Server) listenTLS() func(netip.AddrPort) *tls.Config {
	for _, c := range append([]*config.Server{s.cfg.Main}, s.cfg.VHosts...) {
		if c.SSL.Enabled() {
			return s.tlsFor
		}
	}
	return nil
}

// tlsFor is mod_ssl's choice of TLS for a connection to local: its
// default virtual host's SSLEngine.
func (s *Server) tlsFor(local netip.AddrPort) *tls.Config {
	if !s.cfg.SelectServer(local, "").SSL.Enabled() {
		return nil
	}
	return s.tlsBase
}

// helloConfig picks the handshake's virtual host by the server name the
// client sent (SNI), as mod_ssl's ssl_find_vhost.
func (s *Server) helloConfig(hello *tls.ClientHelloInfo) (*tls.Config, error) {
	local := netip.AddrPort{}
	if hello.Conn != nil {
		if ta, ok := hello.Conn.LocalAddr().(*net.TCPAddr); ok {
			ap := ta.AddrPort()
			local = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		}
	}
	v := s.vhost(s.handshakeServer(local, hello.ServerName))
	if v.tls == nil {
		return nil, errors.New("no TLS configuration for " + v.name)
	}
	return alpnOrder(v, hello), nil // mod_http2.go
}

// handshakeServer is the server a TLS handshake to local naming sni
// uses: the virtual host the name selects when it has SSLEngine on, else
// the connection's default one.
func (s *Server) handshakeServer(local netip.AddrPort, sni string) *config.Server {
	if sni != "" {
		if c := s.cfg.SelectServer(local, sni); c.SSL.Enabled() {
			return c
		}
	}
	return s.cfg.SelectServer(local, "")
}

// vhostTLS is the TLS configuration of server c's handshakes.
func (s *Server) vhostTLS(c *config.Server) *tls.Config {
	ssl := c.SSL
	lo, hi := ssl.Versions()
	tc := &tls.Config{
		Certificates:           ssl.Certificates,
		MinVersion:             lo,
		MaxVersion:             hi,
		SessionTicketsDisabled: !ssl.Tickets(),
		NextProtos:             s.alpnProtocols(c),
		ClientCAs:              ssl.ClientCAs,
	}
	if ssl.Ciphers != nil {
		tc.CipherSuites = ssl.Ciphers.Suites
	}
	switch ssl.VerifyMode() {
	case config.SSLVerifyOptional:
		tc.ClientAuth = tls.VerifyClientCertIfGiven
	case config.SSLVerifyRequire:
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	case config.SSLVerifyOptionalNoCA:
		tc.ClientAuth = tls.RequestClientCert
	}
	if tc.ClientAuth == tls.VerifyClientCertIfGiven || tc.ClientAuth == tls.RequireAndVerifyClientCert {
		depth := ssl.Depth()
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.VerifiedChains) == 0 {
				return nil
			}
			shortest := len(cs.VerifiedChains[0])
			for _, ch := range cs.VerifiedChains[1:] {
				shortest = min(shortest, len(ch))
			}
			if shortest-1 > depth {
				return fmt.Errorf("client certificate chain too long (chain has %d certificates, but maximum allowed are only %d)", shortest, depth+1)
			}
			return nil
		}
	}
	return tc
}

// The reasons mod_ssl gives in error-notes.
const (
	notesPlainOnTLS = "Reason: You're speaking plain HTTP to an SSL-enabled server port.<br />\n" +
		" Instead use the HTTPS scheme to access this URL, please.<br />\n"
	notesNoSNI = "Reason: The client software did not provide a hostname using Server Name Indication (SNI), " +
		"which is required to access this server.<br />\n"
)

// sslReadReq is mod_ssl's ssl_hook_ReadReq: plain HTTP to a TLS port gets
// 400; on a handshake that named a server (SNI), a request naming no host
// gets 400 and one whose Host picked a virtual host with other TLS
// settings than the handshake's 421; without SNI, SSLStrictSNIVHostCheck
// refuses a name-based virtual host (403).
func (rs *rstate) sslReadReq() int {
	hr := rs.hr
	if hr.PlainOnTLS {
		rs.req.Notes.Set("error-notes", notesPlainOnTLS)
		return 400
	}
	cs := hr.TLS
	if cs == nil {
		return resDeclined
	}
	hs := rs.s.handshakeServer(hr.LocalAddr, cs.ServerName)
	if cs.ServerName != "" {
		if rs.req.Hostname == "" {
			rs.sslLog(levelError, "AH02031: Hostname %s provided via SNI, but no hostname provided in HTTP request", cs.ServerName)
			return 400
		}
		if rs.vh.conf != hs && !hs.SSL.Compatible(rs.vh.conf.SSL) {
			rs.sslLog(levelError, "AH02032: Hostname %s provided via SNI and hostname %s provided via HTTP have no compatible SSL setup",
				cs.ServerName, rs.req.Hostname)
			return 421
		}
	} else if (rs.vh.conf.SSL.StrictSNI() || hs.SSL.StrictSNI()) && rs.vh.conf.IsVirtual {
		rs.sslLog(levelInfo, "AH02033: No hostname was provided via SNI for a name based virtual host")
		rs.req.Notes.Set("error-notes", notesNoSNI)
		return 403
	}
	return resDeclined
}

// sslAccess is mod_ssl's access check: SSLRequireSSL refuses a request
// not on TLS, whatever Satisfy says; and a section's SSLVerifyClient
// stricter than the handshake's is checked. Apache would renegotiate to ask for a certificate; Go's
// TLS server cannot, so (as Apache over TLS 1.3 without post-handshake
// authentication) the request is refused when the handshake did not
// bring what the section requires. Config refused the sections that would
// need a certificate the handshake never asked for.
func (rs *rstate) sslAccess() int {
	cs := rs.hr.TLS
	if cs == nil && rs.dc != nil && rs.dc.SSLRequireSSL {
		rs.sslLog(levelInfo, "AH02219: access to %s failed, reason: SSL connection required", orURI(rs.req.Filename, rs.req.URI))
		return 403
	}
	if cs == nil {
		return resDeclined
	}
	// The level asked for: the section's, unless the request's virtual
	// host requires more (mod_ssl combines the two). The request's host
	// may not be the handshake's: without SNI a Host picks any virtual
	// host on the address.
	want := rs.vh.conf.SSL.VerifyMode()
	if rs.dc != nil && rs.dc.SSLVerifyClient != nil && want != config.SSLVerifyRequire {
		want = rs.dc.SSLVerifyClient.Mode
	}
	if want == config.SSLVerifyNone {
		return resDeclined
	}
	if want == config.SSLVerifyRequire && !rs.handshakeCAs() {
		rs.sslLog(levelInfo, "AH02256: Non-default virtual host with SSLVerify set to 'require' and VirtualHost-specific CA certificate list is only available to clients with TLS server name indication (SNI) support")
		return 403
	}
	sent := len(cs.PeerCertificates) > 0
	verified := rs.clientVerified()
	switch {
	case want == config.SSLVerifyRequire && !verified,
		want == config.SSLVerifyOptional && sent && !verified:
		rs.sslLog(levelError, "AH02261: Re-negotiation handshake failed: SSLVerifyClient %s here needs a verified client certificate, "+
			"which the connection's handshake did not bring (modpy cannot renegotiate)", want)
		return 403
	}
	return resDeclined
}

// handshakeCAs reports whether the handshake checked a client
// certificate against the CAs of the request's virtual host (without
// SNI, a Host may pick another than the handshake's): otherwise a
// certificate it verified is only GENEROUS here, as mod_ssl says.
func (rs *rstate) handshakeCAs() bool {
	hs := rs.s.handshakeServer(rs.hr.LocalAddr, rs.hr.TLS.ServerName)
	return hs == rs.vh.conf || sameCAs(rs.vh.conf.SSL, hs.SSL)
}

// sameCAs reports whether a client certificate verified against b's CA
// certificates is one a would verify: a names none of its own, or the
// same files.
func sameCAs(a, b *config.SSL) bool {
	if a == nil || a == b || (a.CAFile == nil && a.CAPath == nil) {
		return true
	}
	path := func(f *config.SSLFile) string {
		if f == nil {
			return ""
		}
		return f.Path
	}
	return b != nil && path(a.CAFile) == path(b.CAFile) && path(a.CAPath) == path(b.CAPath)
}

// clientVerified reports whether the client sent a certificate that
// verified against the handshake server's CAs.
func (rs *rstate) clientVerified() bool {
	cs := rs.hr.TLS
	if len(cs.VerifiedChains) > 0 {
		return true
	}
	if len(cs.PeerCertificates) == 0 {
		return false
	}
	// SSLVerifyClient optional_no_ca: Go took it unverified.
	hs := rs.s.handshakeServer(rs.hr.LocalAddr, cs.ServerName)
	if hs.SSL == nil || hs.SSL.ClientCAs == nil {
		return false
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{
		Roots: hs.SSL.ClientCAs, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	return err == nil
}

func (rs *rstate) sslLog(level loglevel.Level, format string, args ...any) {
	rs.vh.errlog.Log(level, "ssl", "", rs.req, fmt.Sprintf(format, args...))
}

// isHTTPS reports a request on a TLS connection.
func (rs *rstate) isHTTPS() bool { return rs.hr != nil && rs.hr.TLS != nil }

// scheme is ap_http_scheme: "https" on a TLS connection.
func (rs *rstate) scheme() string {
	if rs.isHTTPS() {
		return "https"
	}
	return "http"
}

// defaultPort is ap_default_port: 443 on a TLS connection, else 80.
func (rs *rstate) defaultPort() int {
	if rs.isHTTPS() {
		return 443
	}
	return 80
}
