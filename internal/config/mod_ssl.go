package config

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// sslModule is mod_ssl: TLS on the virtual hosts with "SSLEngine on",
// with the certificates, protocols, cipher suites and client
// verification of their SSL* directives; the TLS itself is Go's
// crypto/tls (internal/httpd, internal/server/mod_ssl.go). It is not
// builtin: <IfModule ssl_module> is true only after "LoadModule
// ssl_module", as in Apache, while its directives work either way.
var sslModule = &module{
	name: "ssl_module",
	directives: []*directive{
		{name: "SSLEngine", ctx: cServer, min: 1, max: 1, usage: "on|off", fn: dSSLEngine},
		{name: "SSLCertificateFile", ctx: cServer, min: 1, max: 1, usage: "file", fn: dSSLFile},
		{name: "SSLCertificateKeyFile", ctx: cServer, min: 1, max: 1, usage: "file", fn: dSSLFile},
		{name: "SSLCertificateChainFile", ctx: cServer, min: 1, max: 1, usage: "file", fn: dSSLFile},
		{name: "SSLCACertificateFile", ctx: cServer, min: 1, max: 1, usage: "file", fn: dSSLFile},
		{name: "SSLCACertificatePath", ctx: cServer, min: 1, max: 1, usage: "directory", fn: dSSLFile},
		{name: "SSLVerifyClient", ctx: cAll, min: 1, max: 1, usage: "none|optional|require|optional_no_ca", fn: dSSLVerifyClient},
		{name: "SSLVerifyDepth", ctx: cAll, min: 1, max: 1, usage: "number", fn: dSSLVerifyDepth},
		{name: "SSLProtocol", ctx: cServer, min: 1, max: -1, usage: "[+-]protocol ...", fn: dSSLProtocol},
		{name: "SSLCipherSuite", ctx: cAll, min: 1, max: 2, usage: "[protocol] cipher-spec", fn: dSSLCipherSuite},
		{name: "SSLHonorCipherOrder", ctx: cServer, min: 1, max: 1, usage: "on|off", fn: dSSLFlag},
		{name: "SSLSessionTickets", ctx: cServer, min: 1, max: 1, usage: "on|off", fn: dSSLFlag},
		{name: "SSLStrictSNIVHostCheck", ctx: cServer, min: 1, max: 1, usage: "on|off", fn: dSSLFlag},
		{name: "SSLOptions", ctx: cAll, override: OverrideOptions, min: 1, max: -1, usage: "[+-]option ...", fn: dSSLOptions},
		{name: "SSLRequireSSL", ctx: cSections, override: OverrideAuthConfig, min: 0, max: 0, fn: dSSLRequireSSL},

		// Accepted and not acted on: they cannot change what is served,
		// to whom, or what it reveals.
		{name: "SSLRandomSeed", ctx: cMain, min: 2, max: 3, note: "Go's TLS seeds itself from the kernel (crypto/rand); ignored"},
		{name: "SSLSessionCache", ctx: cMain, min: 1, max: 1, note: "Go's TLS resumes sessions by session tickets only; no session-ID cache; ignored"},
		{name: "SSLSessionCacheTimeout", ctx: cServer, min: 1, max: 1, note: "Go's TLS resumes sessions by session tickets only, valid for up to 7 days; ignored"},
		{name: "SSLPassPhraseDialog", ctx: cMain, min: 1, max: 1, note: "modpy reads only unencrypted private keys (an encrypted one is an error); ignored"},
		{name: "SSLStaplingCache", ctx: cMain, min: 1, max: 1, note: "OCSP stapling is not done by modpy (SSLUseStapling must be off); ignored"},
		{name: "SSLRenegBufferSize", ctx: cAll, min: 1, max: 1, note: "modpy never renegotiates; ignored"},
		{name: "SSLSessionTicketKeyFile", ctx: cServer, min: 1, max: 1, note: "session ticket keys are made by the master for each generation of workers " +
			"(shared by them, not with other machines); ignored"},
		{name: "SSLCryptoDevice", ctx: cMain, min: 1, max: 1, fn: only("modpy uses no OpenSSL engine", "builtin")},
		{name: "SSLUseStapling", ctx: cServer, min: 1, max: 1, fn: only("OCSP stapling is not done by modpy: the staple would be missing", "off")},
		{name: "SSLCompression", ctx: cServer, min: 1, max: 1, fn: only("Go's TLS never compresses", "off")},
		{name: "SSLInsecureRenegotiation", ctx: cServer, min: 1, max: 1, fn: only("Go's TLS server never renegotiates", "off")},
		{name: "SSLProxyEngine", ctx: cServer, min: 1, max: 1, fn: only("modpy has no proxy", "off")},
		{name: "SSLFIPS", ctx: cMain, min: 1, max: 1, fn: only("modpy has no FIPS mode switch", "off")},
		{name: "SSLCARevocationCheck", ctx: cServer, min: 1, max: 3, fn: only("modpy checks no revocation lists: a revoked client certificate would be accepted", "none")},
		{name: "SSLOCSPEnable", ctx: cServer, min: 1, max: 2, fn: only("modpy does no OCSP checks: a revoked client certificate would be accepted", "off")},
	},
	merge: mergeSSLDir,
}

// SSL is a server's mod_ssl configuration. A virtual host's is merged
// over the main server's as mod_ssl merges it: each setting the vhost
// does not make is the main server's, and the certificate and key files
// are the main server's followed by the vhost's own. Nil pointers and
// zero values are "not set"; the methods give the values in effect.
type SSL struct {
	Engine    *bool
	EnginePos Pos
	CertFiles []SSLFile // SSLCertificateFile, in order
	KeyFiles  []SSLFile // SSLCertificateKeyFile, paired with CertFiles by position
	ChainFile *SSLFile  // SSLCertificateChainFile
	CAFile    *SSLFile  // SSLCACertificateFile
	CAPath    *SSLFile  // SSLCACertificatePath
	Verify    SSLVerify // SSLVerifyClient at server level
	VerifyPos Pos
	// VerifyDepth is SSLVerifyDepth (default 1): the most CA
	// certificates a client's chain may have above its own.
	VerifyDepth  *int
	Protocol     *SSLProtocolSpec
	Ciphers      *SSLCipherSpec // TLS 1.2 and earlier; nil: Go's defaults
	TLS13Ciphers *string        // "SSLCipherSuite TLSv1.3 ..." as written (checked)
	// HonorCipherOrder, SessionTickets (default on) and
	// StrictSNIVHostCheck are the flags of the same names.
	HonorCipherOrder    *bool
	SessionTickets      *bool
	StrictSNIVHostCheck *bool

	// Certificates and ClientCAs are read from the files by Load, as
	// root before privileges drop, for a server whose SSLEngine is on.
	Certificates []tls.Certificate
	ClientCAs    *x509.CertPool
}

// SSLFile is a file (or directory) an SSL directive names, absolute.
type SSLFile struct {
	Path      string
	Pos       Pos
	Directive string
}

// SSLProtocolSpec is SSLProtocol: the range of TLS versions it allows.
type SSLProtocolSpec struct {
	Text     string
	Min, Max uint16
}

// SSLVerify is SSLVerifyClient's level.
type SSLVerify uint8

// SSLVerifyClient's levels; SSLVerifyUnset is "not set here".
const (
	SSLVerifyUnset        SSLVerify = iota
	SSLVerifyNone                   // no client certificate asked for
	SSLVerifyOptional               // asked for; one sent must verify
	SSLVerifyRequire                // a verified one is required
	SSLVerifyOptionalNoCA           // asked for, not verified
)

// String is the level's name in SSLVerifyClient.
func (v SSLVerify) String() string {
	return [...]string{"unset", "none", "optional", "require", "optional_no_ca"}[v]
}

// SSLOpt is a set of SSLOptions flags.
type SSLOpt uint8

// The SSLOptions flags modpy acts on (StrictRequire and OptRenegotiate
// are accepted and change nothing here: modpy has no SSLRequire and never
// renegotiates).
const (
	SSLOptStdEnvVars SSLOpt = 1 << iota
	SSLOptExportCertData
	SSLOptStrictRequire
	SSLOptOptRenegotiate
)

// SSLOptions is one section's SSLOptions: Opts in effect, and for a
// Relative setting (every word +/-) what it adds and removes from the
// enclosing section's, as mod_ssl merges them.
type SSLOptions struct {
	Opts, Add, Del SSLOpt
	Relative       bool
}

// TLSEnabled reports whether some server has SSLEngine on.
func (c *Config) TLSEnabled() bool {
	if c.Main.SSL.Enabled() {
		return true
	}
	for _, v := range c.VHosts {
		if v.SSL.Enabled() {
			return true
		}
	}
	return false
}

// Enabled reports "SSLEngine on".
func (s *SSL) Enabled() bool { return s != nil && s.Engine != nil && *s.Engine }

// VerifyMode is SSLVerifyClient at server level in effect (default none).
func (s *SSL) VerifyMode() SSLVerify {
	if s == nil || s.Verify == SSLVerifyUnset {
		return SSLVerifyNone
	}
	return s.Verify
}

// Depth is SSLVerifyDepth in effect (default 1).
func (s *SSL) Depth() int {
	if s == nil || s.VerifyDepth == nil {
		return 1
	}
	return *s.VerifyDepth
}

// Versions is the TLS version range SSLProtocol allows (default "all":
// TLS 1.2 and 1.3).
func (s *SSL) Versions() (min, max uint16) {
	if s == nil || s.Protocol == nil {
		return sslAll[0], sslAll[len(sslAll)-1]
	}
	return s.Protocol.Min, s.Protocol.Max
}

// Tickets reports SSLSessionTickets in effect (default on).
func (s *SSL) Tickets() bool { return s == nil || s.SessionTickets == nil || *s.SessionTickets }

// StrictSNI reports SSLStrictSNIVHostCheck in effect (default off).
func (s *SSL) StrictSNI() bool {
	return s != nil && s.StrictSNIVHostCheck != nil && *s.StrictSNIVHostCheck
}

// Compatible reports whether connections to a and b can share a TLS
// handshake, as mod_ssl's ssl_server_compatible decides whether a request
// whose Host picked b may be served on a connection whose SNI picked a
// (otherwise it is 421): the same protocols, client verification, CA
// files, cipher suites and certificate and key files.
func (a *SSL) Compatible(b *SSL) bool {
	if a == b {
		return true
	}
	if !a.Enabled() || !b.Enabled() {
		return false
	}
	amin, amax := a.Versions()
	bmin, bmax := b.Versions()
	return amin == bmin && amax == bmax && a.VerifyMode() == b.VerifyMode() && a.Depth() == b.Depth() &&
		filePath(a.CAFile) == filePath(b.CAFile) && filePath(a.CAPath) == filePath(b.CAPath) &&
		cipherText(a.Ciphers) == cipherText(b.Ciphers) && strOr(a.TLS13Ciphers) == strOr(b.TLS13Ciphers) &&
		samePaths(a.CertFiles, b.CertFiles) && samePaths(a.KeyFiles, b.KeyFiles)
}

func filePath(f *SSLFile) string {
	if f == nil {
		return ""
	}
	return f.Path
}

func cipherText(c *SSLCipherSpec) string {
	if c == nil {
		return ""
	}
	return c.Text
}

func strOr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func samePaths(a, b []SSLFile) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Path != b[i].Path {
			return false
		}
	}
	return true
}

// mergeSSLServer is a virtual host's SSL (over) merged over the main
// server's (base).
func mergeSSLServer(base, over *SSL) *SSL {
	if over == nil {
		return base
	}
	if base == nil {
		return over
	}
	r := *over
	if r.Engine == nil {
		r.Engine, r.EnginePos = base.Engine, base.EnginePos
	}
	r.CertFiles = append(append([]SSLFile(nil), base.CertFiles...), over.CertFiles...)
	r.KeyFiles = append(append([]SSLFile(nil), base.KeyFiles...), over.KeyFiles...)
	r.ChainFile = pick(base.ChainFile, over.ChainFile)
	r.CAFile = pick(base.CAFile, over.CAFile)
	r.CAPath = pick(base.CAPath, over.CAPath)
	if r.Verify == SSLVerifyUnset {
		r.Verify, r.VerifyPos = base.Verify, base.VerifyPos
	}
	r.VerifyDepth = pick(base.VerifyDepth, over.VerifyDepth)
	r.Protocol = pick(base.Protocol, over.Protocol)
	r.Ciphers = pick(base.Ciphers, over.Ciphers)
	r.TLS13Ciphers = pick(base.TLS13Ciphers, over.TLS13Ciphers)
	r.HonorCipherOrder = pick(base.HonorCipherOrder, over.HonorCipherOrder)
	r.SessionTickets = pick(base.SessionTickets, over.SessionTickets)
	r.StrictSNIVHostCheck = pick(base.StrictSNIVHostCheck, over.StrictSNIVHostCheck)
	return &r
}

// mergeSSLDir merges the per-directory settings: SSLOptions as mod_ssl
// does (a relative one adds to and removes from the outer section's, an
// absolute one replaces them), SSLVerifyClient the inner one winning,
// SSLRequireSSL once set for good (it takes no argument to undo it).
func mergeSSLDir(r, base, over *DirConfig) {
	r.SSLVerifyClient = pick(base.SSLVerifyClient, over.SSLVerifyClient)
	r.SSLRequireSSL = base.SSLRequireSSL || over.SSLRequireSSL
	r.SSLOptions = mergeSSLOptions(base.SSLOptions, over.SSLOptions)
}

func mergeSSLOptions(base, over *SSLOptions) *SSLOptions {
	if over == nil {
		return base
	}
	if base == nil || !over.Relative {
		o := *over
		return &o
	}
	add := base.Add&^over.Del | over.Add
	del := base.Del&^over.Add | over.Del
	return &SSLOptions{Opts: base.Opts&^del | add, Add: add, Del: del, Relative: true}
}

// SSLOpts are the SSLOptions in effect in d.
func (d *DirConfig) SSLOpts() SSLOpt {
	if d == nil || d.SSLOptions == nil {
		return 0
	}
	return d.SSLOptions.Opts
}

// ssl is the server's SSL settings being read, made on first use.
func (c *call) ssl() *SSL {
	if c.srv.SSL == nil {
		c.srv.SSL = &SSL{}
	}
	return c.srv.SSL
}

func dSSLEngine(p *parser, c *call) error {
	var on bool
	switch strings.ToLower(c.args[0]) {
	case "on":
		on = true
	case "off":
	case "optional", "addr":
		return c.errf("%q: modpy does not upgrade plain connections to TLS (RFC 2817); use on or off", c.args[0])
	default:
		return c.errf("Argument must be On, Off, or Optional")
	}
	s := c.ssl()
	s.Engine, s.EnginePos = &on, c.pos
	return nil
}

// dSSLFile is the directives naming a file: it must exist (checked
// again, and read, when Load finishes).
func dSSLFile(p *parser, c *call) error {
	f := SSLFile{Path: p.abs(c.args[0]), Pos: c.pos, Directive: c.d.name}
	if strings.HasPrefix(c.args[0], "pkcs11:") {
		return c.errf("%q: modpy reads keys and certificates from files only", c.args[0])
	}
	s := c.ssl()
	switch c.d.name {
	case "SSLCertificateFile":
		s.CertFiles = append(s.CertFiles, f)
	case "SSLCertificateKeyFile":
		s.KeyFiles = append(s.KeyFiles, f)
	case "SSLCertificateChainFile":
		s.ChainFile = &f
	case "SSLCACertificateFile":
		s.CAFile = &f
	case "SSLCACertificatePath":
		s.CAPath = &f
	}
	return nil
}

func parseVerify(c *call) (SSLVerify, error) {
	switch strings.ToLower(c.args[0]) {
	case "none", "off":
		return SSLVerifyNone, nil
	case "optional":
		return SSLVerifyOptional, nil
	case "require", "on":
		return SSLVerifyRequire, nil
	case "optional_no_ca":
		return SSLVerifyOptionalNoCA, nil
	}
	return 0, c.errf("Invalid argument '%s'", c.args[0])
}

// dSSLVerifyClient sets the server's level, or a section's (checked by
// finishSSL against its server's: Go's TLS server cannot renegotiate to
// ask for a certificate the handshake did not).
func dSSLVerifyClient(p *parser, c *call) error {
	v, err := parseVerify(c)
	if err != nil {
		return err
	}
	if c.sec != nil {
		c.conf.SSLVerifyClient = &SSLDirVerify{Mode: v, Pos: c.pos}
		return nil
	}
	s := c.ssl()
	s.Verify, s.VerifyPos = v, c.pos
	return nil
}

// SSLDirVerify is an SSLVerifyClient inside a section.
type SSLDirVerify struct {
	Mode SSLVerify
	Pos  Pos
}

// renegotiation is why a per-directory TLS setting that would need a new
// handshake is refused.
const renegotiation = "in a section it would need a TLS renegotiation, which Go's TLS server does not do " +
	"(docs/compatibility.md); set it on the <VirtualHost> (or server) instead"

func dSSLVerifyDepth(p *parser, c *call) error {
	n, err := c.number(c.args[0], 0, 1000)
	if err != nil {
		return c.errf("Invalid argument '%s'", c.args[0])
	}
	if c.sec != nil {
		return c.errf("%s", renegotiation)
	}
	d := int(n)
	c.ssl().VerifyDepth = &d
	return nil
}

func dSSLProtocol(p *parser, c *call) error {
	min, max, err := parseSSLProtocol(c.args)
	if err != nil {
		return c.errf("%v", err)
	}
	c.ssl().Protocol = &SSLProtocolSpec{Text: strings.Join(c.args, " "), Min: min, Max: max}
	return nil
}

func dSSLCipherSuite(p *parser, c *call) error {
	if c.sec != nil {
		return c.errf("%s", renegotiation)
	}
	text := c.args[len(c.args)-1]
	if len(c.args) == 2 {
		switch strings.ToLower(c.args[0]) {
		case "tlsv1.3":
			if err := parseTLS13Ciphers(text); err != nil {
				return c.errf("%v", err)
			}
			c.ssl().TLS13Ciphers = &text
			return nil
		case "ssl":
		default:
			return c.errf("protocol '%s' not supported (SSL or TLSv1.3)", c.args[0])
		}
	}
	spec, err := parseSSLCipherSuite(text)
	if err != nil {
		return c.errf("%v", err)
	}
	if len(spec.Lacking) > 0 {
		p.notice("", c.pos, "SSLCipherSuite: Go's TLS does not implement %s: not offered", strings.Join(spec.Lacking, ", "))
	}
	c.ssl().Ciphers = spec
	return nil
}

func dSSLFlag(p *parser, c *call) error {
	on, err := c.onOff(c.args[0])
	if err != nil {
		return err
	}
	s := c.ssl()
	switch c.d.name {
	case "SSLHonorCipherOrder":
		s.HonorCipherOrder = &on
	case "SSLSessionTickets":
		s.SessionTickets = &on
	case "SSLStrictSNIVHostCheck":
		s.StrictSNIVHostCheck = &on
	}
	return nil
}

// dSSLRequireSSL is SSLRequireSSL: requests not on TLS are refused (403).
func dSSLRequireSSL(p *parser, c *call) error {
	c.conf.SSLRequireSSL = true
	return nil
}

// sslOptionNames are SSLOptions' words (as mod_ssl, case-sensitive) modpy
// acts on or accepts.
var sslOptionNames = map[string]SSLOpt{
	"StdEnvVars": SSLOptStdEnvVars, "ExportCertData": SSLOptExportCertData,
	"StrictRequire": SSLOptStrictRequire, "OptRenegotiate": SSLOptOptRenegotiate,
}

func dSSLOptions(p *parser, c *call) error {
	o := SSLOptions{Relative: true}
	if c.conf.SSLOptions != nil {
		o = *c.conf.SSLOptions
	}
	first := true
	for _, w := range c.args {
		action := byte(0)
		if w != "" && (w[0] == '+' || w[0] == '-') {
			action, w = w[0], w[1:]
		} else if first {
			o.Opts, o.Relative, first = 0, false, false
		}
		opt, ok := sslOptionNames[w]
		if !ok {
			switch w {
			case "FakeBasicAuth", "ExportBase64CertData", "LegacyDNStringFormat":
				return c.errf("%s is not supported by modpy", w)
			}
			return c.errf("Illegal option '%s'", w)
		}
		switch action {
		case '-':
			o.Add &^= opt
			o.Del |= opt
			o.Opts &^= opt
		case '+':
			o.Add |= opt
			o.Del &^= opt
			o.Opts |= opt
		default:
			o.Opts, o.Add, o.Del = opt, opt, 0
		}
	}
	c.conf.SSLOptions = &o
	return nil
}

// finishSSL checks what can only be checked once everything is read, and
// reads the keys and certificates of every server with SSLEngine on: a
// file missing, unreadable, without what it should hold, or a key that
// does not match its certificate is an error naming the directive's line.
func (p *parser) finishSSL() error {
	cfg := p.cfg
	loaded := map[*SSL]bool{}
	servers := append([]*Server{cfg.Main}, cfg.VHosts...)
	for _, s := range servers {
		if !s.SSL.Enabled() || loaded[s.SSL] {
			continue
		}
		loaded[s.SSL] = true
		if !p.fs {
			continue
		}
		if err := s.SSL.load(s, p.noTLSKeys); err != nil {
			return err
		}
	}
	// A section's SSLVerifyClient against each TLS server whose
	// requests it may apply to (the main server's sections apply to
	// every vhost's requests).
	for _, s := range servers {
		check := []*Server{s}
		if s == cfg.Main {
			check = servers
		}
		for _, sec := range s.Sections {
			for _, x := range append([]*Section{sec}, sec.Files...) {
				dv := x.Conf.SSLVerifyClient
				if dv == nil {
					continue
				}
				for _, t := range check {
					if t.SSL.Enabled() && !t.SSL.VerifyMode().admits(dv.Mode) {
						return &Error{Pos: dv.Pos, Directive: "SSLVerifyClient", Msg: fmt.Sprintf(
							"%s where the server (%s) has SSLVerifyClient %s: %s", dv.Mode, t.Pos, t.SSL.VerifyMode(), renegotiation)}
					}
				}
			}
		}
	}
	return nil
}

// admits reports whether a section may ask for level d where the
// handshake used level v without a new handshake: when the handshake
// asked for a certificate, the section can check what it got (a
// stricter level then answers 403 when it got none, or an unverified
// one); when it did not ask, only none fits.
func (v SSLVerify) admits(d SSLVerify) bool {
	return d == SSLVerifyNone || v != SSLVerifyNone
}

// load reads the server's certificates, keys and CA certificates; with
// noKeys (LoadOptions.NoTLSKeys) the certificates only, without reading
// the key files: each Certificates entry then has its chain and Leaf
// and no PrivateKey.
func (s *SSL) load(srv *Server, noKeys bool) error {
	if len(s.CertFiles) == 0 {
		return &Error{Pos: s.EnginePos, Directive: "SSLEngine", Msg: fmt.Sprintf(
			"Failed to configure at least one certificate and key for %s: no SSLCertificateFile", srv.ServerName)}
	}
	var chain [][]byte
	if s.ChainFile != nil {
		blocks, err := readPEM(*s.ChainFile)
		if err != nil {
			return err
		}
		for _, b := range blocks {
			if b.Type == "CERTIFICATE" {
				chain = append(chain, pem.EncodeToMemory(b))
			}
		}
		if len(chain) == 0 {
			return sslFileErr(*s.ChainFile, "no certificate in it")
		}
	}
	var certs []tls.Certificate
	for i, cf := range s.CertFiles {
		blocks, err := readPEM(cf)
		if err != nil {
			return err
		}
		var certPEM, keyPEM []byte
		for _, b := range blocks {
			if b.Type == "CERTIFICATE" {
				certPEM = append(certPEM, pem.EncodeToMemory(b)...)
			} else if isKeyBlock(b) && keyPEM == nil {
				keyPEM = pem.EncodeToMemory(b)
				if err := checkUnencrypted(cf, b); err != nil {
					return err
				}
			}
		}
		if certPEM == nil {
			return sslFileErr(cf, "no certificate in it")
		}
		if noKeys {
			for _, b := range blocks {
				if isKeyBlock(b) {
					clear(b.Bytes)
				}
			}
			clear(keyPEM)
			cert, err := publicCert(cf, append(certPEM, bytes.Join(chain, nil)...))
			if err != nil {
				return err
			}
			certs = keepLastOfType(certs, cert)
			continue
		}
		keyFile := cf
		if i < len(s.KeyFiles) {
			keyFile = s.KeyFiles[i]
			kb, err := readPEM(keyFile)
			if err != nil {
				return err
			}
			keyPEM = nil
			for _, b := range kb {
				if isKeyBlock(b) {
					if err := checkUnencrypted(keyFile, b); err != nil {
						return err
					}
					keyPEM = pem.EncodeToMemory(b)
					break
				}
			}
			if keyPEM == nil {
				return sslFileErr(keyFile, "no private key in it")
			}
		} else if keyPEM == nil {
			return sslFileErr(cf, "no private key in it and no SSLCertificateKeyFile for it")
		}
		for _, c := range chain {
			certPEM = append(certPEM, c...)
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return sslFileErr(keyFile, fmt.Sprintf("the private key does not go with the certificate of %s: %v", cf.Path, err))
		}
		certs = keepLastOfType(certs, cert)
	}
	s.Certificates = certs
	if s.CAFile != nil || s.CAPath != nil {
		s.ClientCAs = x509.NewCertPool()
		if s.CAFile != nil {
			if err := addCAs(s.ClientCAs, *s.CAFile); err != nil {
				return err
			}
		}
		if s.CAPath != nil {
			ents, err := os.ReadDir(s.CAPath.Path)
			if err != nil {
				return sslFileErr(*s.CAPath, unwrapPathErr(err))
			}
			for _, e := range ents {
				if e.IsDir() {
					continue
				}
				if data, err := os.ReadFile(filepath.Join(s.CAPath.Path, e.Name())); err == nil {
					s.ClientCAs.AppendCertsFromPEM(data)
				}
			}
		}
	}
	if v := s.VerifyMode(); (v == SSLVerifyRequire || v == SSLVerifyOptional) && s.ClientCAs == nil {
		return &Error{Pos: s.VerifyPos, Directive: "SSLVerifyClient", Msg: fmt.Sprintf(
			"%s: no SSLCACertificateFile or SSLCACertificatePath to verify client certificates with", v)}
	}
	return nil
}

// publicCert is the certificate chain in certPEM, its Leaf parsed, with
// no private key (LoadOptions.NoTLSKeys).
func publicCert(f SSLFile, certPEM []byte) (tls.Certificate, error) {
	var c tls.Certificate
	for rest := certPEM; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		c.Certificate = append(c.Certificate, b.Bytes)
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		return c, sslFileErr(f, err.Error())
	}
	c.Leaf = leaf
	return c, nil
}

// CertKeyType is the kind of key of c, from its leaf's public key (c
// may hold no private key: LoadOptions.NoTLSKeys): "rsa", "ecdsa",
// "ed25519", else the key's Go type.
func CertKeyType(c tls.Certificate) string {
	var pub any
	if c.Leaf != nil {
		pub = c.Leaf.PublicKey
	} else if len(c.Certificate) > 0 {
		if leaf, err := x509.ParseCertificate(c.Certificate[0]); err == nil {
			pub = leaf.PublicKey
		}
	}
	switch pub.(type) {
	case *rsa.PublicKey:
		return "rsa"
	case *ecdsa.PublicKey:
		return "ecdsa"
	case ed25519.PublicKey:
		return "ed25519"
	}
	return fmt.Sprintf("%T", pub)
}

// keepLastOfType adds cert to certs, replacing one with the same kind of
// key: OpenSSL, and so mod_ssl, keeps one certificate per key type, the
// last configured.
func keepLastOfType(certs []tls.Certificate, cert tls.Certificate) []tls.Certificate {
	kind := CertKeyType
	for i := range certs {
		if kind(certs[i]) == kind(cert) {
			certs[i] = cert
			return certs
		}
	}
	return append(certs, cert)
}

func addCAs(pool *x509.CertPool, f SSLFile) error {
	blocks, err := readPEM(f)
	if err != nil {
		return err
	}
	n := 0
	for _, b := range blocks {
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return sslFileErr(f, "a bad certificate: "+err.Error())
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return sslFileErr(f, "no certificate in it")
	}
	return nil
}

func isKeyBlock(b *pem.Block) bool {
	return b.Type == "PRIVATE KEY" || strings.HasSuffix(b.Type, " PRIVATE KEY")
}

func checkUnencrypted(f SSLFile, b *pem.Block) error {
	if b.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") {
		return sslFileErr(f, "the private key is encrypted: modpy reads only unencrypted keys "+
			"(no SSLPassPhraseDialog); decrypt it (openssl pkey -in KEY -out KEY.plain) and keep it readable by root only")
	}
	return nil
}

// readPEM reads the PEM blocks of f; none is an error.
func readPEM(f SSLFile) ([]*pem.Block, error) {
	data, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(data) == 0 {
		// mod_ssl's words.
		return nil, &Error{Pos: f.Pos, Directive: f.Directive, Msg: fmt.Sprintf("file '%s' does not exist or is empty", f.Path)}
	}
	if err != nil {
		return nil, sslFileErr(f, unwrapPathErr(err))
	}
	var blocks []*pem.Block
	all := data
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		blocks = append(blocks, b)
	}
	clear(all) // a key's text is not left in the heap (the blocks are copies)
	if len(blocks) == 0 {
		return nil, sslFileErr(f, "no PEM data in it")
	}
	return blocks, nil
}

func sslFileErr(f SSLFile, msg string) error {
	return &Error{Pos: f.Pos, Directive: f.Directive, Msg: strconv.Quote(f.Path) + ": " + msg}
}
