package server

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"modpy/internal/config"
)

// mod_ssl's variables: the SSL_* names of its ssl_var_lookup, which
// SSLOptions +StdEnvVars copies into subprocess_env at fixups, in
// mod_ssl's formats (distinguished names as RFC 2253 strings with
// OpenSSL's short names, times as ASN1_TIME_print writes them).

// sslFixupVars are the variables StdEnvVars exports, in mod_ssl's order
// (those with an empty value are left out).
var sslFixupVars = []string{
	"SSL_VERSION_INTERFACE", "SSL_VERSION_LIBRARY", "SSL_PROTOCOL", "SSL_SECURE_RENEG", "SSL_COMPRESS_METHOD",
	"SSL_CIPHER", "SSL_CIPHER_EXPORT", "SSL_CIPHER_USEKEYSIZE", "SSL_CIPHER_ALGKEYSIZE",
	"SSL_CLIENT_VERIFY", "SSL_CLIENT_M_VERSION", "SSL_CLIENT_M_SERIAL", "SSL_CLIENT_V_START", "SSL_CLIENT_V_END",
	"SSL_CLIENT_V_REMAIN", "SSL_CLIENT_S_DN", "SSL_CLIENT_I_DN", "SSL_CLIENT_A_KEY", "SSL_CLIENT_A_SIG",
	"SSL_CLIENT_CERT_RFC4523_CEA",
	"SSL_SERVER_M_VERSION", "SSL_SERVER_M_SERIAL", "SSL_SERVER_V_START", "SSL_SERVER_V_END",
	"SSL_SERVER_S_DN", "SSL_SERVER_I_DN", "SSL_SERVER_A_KEY", "SSL_SERVER_A_SIG",
	"SSL_SESSION_ID", "SSL_SESSION_RESUMED",
}

// sslFixups is mod_ssl's ssl_hook_Fixup.
func (rs *rstate) sslFixups() int {
	cs := rs.hr.TLS
	if cs == nil {
		return resDeclined
	}
	env := rs.req.SubprocessEnv
	env.Set("HTTPS", "on")
	if cs.ServerName != "" {
		env.Set("SSL_TLS_SNI", cs.ServerName)
	}
	opts := rs.dc.SSLOpts()
	if opts&config.SSLOptStdEnvVars != 0 {
		if c := rs.serverCert(); c != nil {
			dnVars(env.Set, "SSL_SERVER_S_DN_", c.RawSubject)
			dnVars(env.Set, "SSL_SERVER_I_DN_", c.RawIssuer)
			sanVars(env.Set, "SSL_SERVER_SAN_", c)
		}
		if len(cs.PeerCertificates) > 0 {
			c := cs.PeerCertificates[0]
			dnVars(env.Set, "SSL_CLIENT_S_DN_", c.RawSubject)
			dnVars(env.Set, "SSL_CLIENT_I_DN_", c.RawIssuer)
			sanVars(env.Set, "SSL_CLIENT_SAN_", c)
		}
		for _, name := range sslFixupVars {
			if v := rs.sslLookup(name); v != "" {
				env.Set(name, v)
			}
		}
	}
	if opts&config.SSLOptExportCertData != 0 {
		for _, name := range []string{"SSL_SERVER_CERT", "SSL_CLIENT_CERT"} {
			if v := rs.sslLookup(name); v != "" {
				env.Set(name, v)
			}
		}
		for i := 0; ; i++ {
			name := "SSL_CLIENT_CERT_CHAIN_" + strconv.Itoa(i)
			v := rs.sslLookup(name)
			if v == "" {
				break
			}
			env.Set(name, v)
		}
	}
	return resDeclined
}

// SSLVarLookup implements request.Hooks: mod_ssl's ssl_var_lookup for
// the request (sslLookup); ok is false when the configuration has no
// mod_ssl (neither LoadModule ssl_module nor SSLEngine on).
func (rs *rstate) SSLVarLookup(name string) (v string, ok bool) {
	return rs.sslLookup(name), rs.s.sslLoaded
}

// sslLookup is mod_ssl's ssl_var_lookup for the request: "" for a name it
// does not know or that has no value.
func (rs *rstate) sslLookup(name string) string {
	if v, ok := rs.requestVar(name); ok {
		return v
	}
	if strings.HasPrefix(name, "SSL_") && rs.isHTTPS() {
		return rs.sslVar(name[4:])
	}
	if name == "HTTPS" {
		if rs.isHTTPS() {
			return "on"
		}
		return "off"
	}
	switch {
	case strings.HasPrefix(name, "SSL_VERSION_"):
		return sslVersion(name[12:])
	case name == "SERVER_SOFTWARE":
		return rs.s.banner
	case name == "API_VERSION":
		return "20120211" // Apache 2.4's MODULE_MAGIC_NUMBER_MAJOR
	case strings.HasPrefix(name, "TIME"):
		return timeVar(name, time.Now())
	case strings.HasPrefix(name, "ENV:"):
		return os.Getenv(name[4:])
	}
	return ""
}

// requestVar is ssl_var_lookup's request part.
func (rs *rstate) requestVar(name string) (string, bool) {
	req := rs.req
	h := func(k string) (string, bool) { return req.HeadersIn.Value(k), true }
	switch name {
	case "HTTP_USER_AGENT":
		return h("User-Agent")
	case "HTTP_REFERER":
		return h("Referer")
	case "HTTP_COOKIE":
		return h("Cookie")
	case "HTTP_FORWARDED":
		return h("Forwarded")
	case "HTTP_HOST":
		return h("Host")
	case "HTTP_PROXY_CONNECTION":
		return h("Proxy-Connection")
	case "HTTP_ACCEPT":
		return h("Accept")
	case "REQUEST_METHOD":
		return req.Method, true
	case "REQUEST_SCHEME":
		return rs.scheme(), true
	case "REQUEST_URI":
		return req.URI, true
	case "REQUEST_FILENAME", "SCRIPT_FILENAME":
		return req.Filename, true
	case "REMOTE_ADDR":
		return req.Conn.RemoteIP, true
	case "REMOTE_HOST":
		return req.Conn.RemoteIP, true // HostnameLookups Off
	case "REMOTE_USER":
		return req.User, true
	case "SERVER_ADMIN":
		return rs.vh.conf.ServerAdmin, true
	case "SERVER_NAME":
		host, _ := rs.serverName()
		return host, true
	case "SERVER_PORT":
		_, port := rs.serverName()
		return strconv.Itoa(port), true
	case "SERVER_PROTOCOL":
		return req.Protocol, true
	case "PATH_INFO":
		return req.PathInfo, true
	case "QUERY_STRING":
		return req.Args, true
	case "IS_SUBREQ":
		if rs.depth > 0 {
			return "true", true
		}
		return "false", true
	case "DOCUMENT_ROOT":
		return req.DocumentRoot, true
	case "AUTH_TYPE":
		return req.AuthType, true
	case "THE_REQUEST":
		return req.TheRequest, true
	}
	if k, ok := strings.CutPrefix(name, "HTTP:"); ok && k != "" {
		return h(k)
	}
	if k, ok := strings.CutPrefix(name, "ENV:"); ok && k != "" {
		if v, ok := req.Notes.Get(k); ok {
			return v, true
		}
		if v, ok := req.SubprocessEnv.Get(k); ok {
			return v, true
		}
	}
	return "", false
}

// sslVar is ssl_var_lookup_ssl: name without its "SSL_".
func (rs *rstate) sslVar(name string) string {
	cs := rs.hr.TLS
	switch {
	case strings.HasPrefix(name, "VERSION_"):
		return sslVersion(name[8:])
	case name == "PROTOCOL":
		return sslProtocolName(cs.Version)
	case name == "SESSION_ID" && rs.hr.Relay != nil:
		return rs.hr.Relay.SessionID // the worker's connection's
	case name == "SESSION_ID":
		// Go does not show the session ID: a value unique to the
		// connection's TLS session stands for it.
		if b, err := cs.ExportKeyingMaterial("modpy session id", nil, 32); err == nil {
			return hex.EncodeToString(b)
		}
		return ""
	case name == "SESSION_RESUMED":
		if cs.DidResume {
			return "Resumed"
		}
		return "Initial"
	case name == "SECURE_RENEG":
		// Go answers the secure renegotiation extension (and never
		// renegotiates); OpenSSL says true for TLS 1.3 too.
		return "true"
	case name == "COMPRESS_METHOD":
		return "NULL"
	case name == "TLS_SNI":
		return cs.ServerName
	case strings.HasPrefix(name, "CIPHER"):
		n, use, alg, _ := config.SSLSuite(cs.CipherSuite)
		switch name {
		case "CIPHER":
			return n
		case "CIPHER_EXPORT":
			return "false"
		case "CIPHER_USEKEYSIZE":
			return strconv.Itoa(use)
		case "CIPHER_ALGKEYSIZE":
			return strconv.Itoa(alg)
		}
		return ""
	case name == "CLIENT_VERIFY":
		switch {
		case len(cs.PeerCertificates) == 0:
			return "NONE"
		case rs.clientVerified() && rs.handshakeCAs():
			return "SUCCESS"
		}
		return "GENEROUS"
	case name == "CLIENT_CERT_RFC4523_CEA":
		if len(cs.PeerCertificates) == 0 {
			return ""
		}
		c := cs.PeerCertificates[0]
		return "{ serialNumber " + c.SerialNumber.String() + ", issuer rdnSequence:\"" + dnString(c.RawIssuer) + "\" }"
	case strings.HasPrefix(name, "CLIENT_CERT_CHAIN_"):
		i, err := strconv.Atoi(name[len("CLIENT_CERT_CHAIN_"):])
		if err != nil || i < 0 || i+1 >= len(cs.PeerCertificates) {
			return ""
		}
		return certPEM(cs.PeerCertificates[i+1])
	case strings.HasPrefix(name, "CLIENT_"):
		if len(cs.PeerCertificates) == 0 {
			return ""
		}
		return certVar(cs.PeerCertificates[0], name[7:])
	case strings.HasPrefix(name, "SERVER_"):
		c := rs.serverCert()
		if c == nil {
			return ""
		}
		return certVar(c, name[7:])
	}
	return ""
}

// serverCert is the certificate the handshake sent: of the handshake
// server's certificates, the one whose key the cipher suite's
// authentication uses (the first for TLS 1.3, where Go tries them in
// order).
func (rs *rstate) serverCert() *x509.Certificate {
	cs := rs.hr.TLS
	hs := rs.s.handshakeServer(rs.hr.LocalAddr, cs.ServerName)
	if hs.SSL == nil || len(hs.SSL.Certificates) == 0 {
		return nil
	}
	certs := hs.SSL.Certificates
	pick := certs[0]
	if cs.Version < tls.VersionTLS13 {
		name, _, _, _ := config.SSLSuite(cs.CipherSuite)
		for _, c := range certs {
			_, isEC := c.PrivateKey.(*ecdsa.PrivateKey)
			if isEC == strings.Contains(name, "ECDSA") {
				pick = c
				break
			}
		}
	}
	if pick.Leaf != nil {
		return pick.Leaf
	}
	leaf, err := x509.ParseCertificate(pick.Certificate[0])
	if err != nil {
		return nil
	}
	return leaf
}

// certVar is one of a certificate's variables, name without its
// "SSL_CLIENT_" or "SSL_SERVER_".
func certVar(c *x509.Certificate, name string) string {
	switch name {
	case "M_VERSION":
		return strconv.Itoa(c.Version)
	case "M_SERIAL":
		b := c.SerialNumber.Bytes()
		if len(b) == 0 {
			return "00"
		}
		return strings.ToUpper(hex.EncodeToString(b))
	case "V_START":
		return asn1Time(c.NotBefore)
	case "V_END":
		return asn1Time(c.NotAfter)
	case "V_REMAIN":
		days := int(time.Until(c.NotAfter).Hours() / 24)
		return strconv.Itoa(max(days, 0))
	case "S_DN":
		return dnString(c.RawSubject)
	case "I_DN":
		return dnString(c.RawIssuer)
	case "A_KEY":
		return keyAlgName(c)
	case "A_SIG":
		return sigAlgName(c.SignatureAlgorithm)
	case "CERT":
		return certPEM(c)
	}
	if rest, ok := strings.CutPrefix(name, "S_DN_"); ok {
		return dnPart(c.RawSubject, rest)
	}
	if rest, ok := strings.CutPrefix(name, "I_DN_"); ok {
		return dnPart(c.RawIssuer, rest)
	}
	return ""
}

func certPEM(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// asn1Time is a time as OpenSSL's ASN1_TIME_print writes it.
func asn1Time(t time.Time) string { return t.UTC().Format("Jan _2 15:04:05 2006 GMT") }

// dnAttrs are OpenSSL's short names of the attributes of distinguished
// names, and the suffixes of mod_ssl's *_DN_x variables for them.
var dnAttrs = []struct {
	oid    asn1.ObjectIdentifier
	short  string // in the DN string
	suffix string // in SSL_*_DN_x ("" for none)
}{
	{asn1.ObjectIdentifier{2, 5, 4, 6}, "C", "C"},
	{asn1.ObjectIdentifier{2, 5, 4, 8}, "ST", "ST"},
	{asn1.ObjectIdentifier{2, 5, 4, 7}, "L", "L"},
	{asn1.ObjectIdentifier{2, 5, 4, 10}, "O", "O"},
	{asn1.ObjectIdentifier{2, 5, 4, 11}, "OU", "OU"},
	{asn1.ObjectIdentifier{2, 5, 4, 3}, "CN", "CN"},
	{asn1.ObjectIdentifier{2, 5, 4, 12}, "title", "T"},
	{asn1.ObjectIdentifier{2, 5, 4, 43}, "initials", "I"},
	{asn1.ObjectIdentifier{2, 5, 4, 42}, "GN", "G"},
	{asn1.ObjectIdentifier{2, 5, 4, 4}, "SN", "S"},
	{asn1.ObjectIdentifier{2, 5, 4, 46}, "dnQualifier", "D"},
	{asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}, "UID", "UID"},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}, "emailAddress", "Email"},
	{asn1.ObjectIdentifier{2, 5, 4, 5}, "serialNumber", ""},
	{asn1.ObjectIdentifier{2, 5, 4, 9}, "street", ""},
	{asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}, "DC", ""},
	{asn1.ObjectIdentifier{2, 5, 4, 17}, "postalCode", ""},
	{asn1.ObjectIdentifier{2, 5, 4, 65}, "pseudonym", ""},
}

// rdnSequence is a certificate's name as it is encoded (raw), in its own
// order and with every attribute: what OpenSSL's X509_NAME holds.
func rdnSequence(raw []byte) pkix.RDNSequence {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(raw, &seq); err != nil || len(rest) > 0 {
		return nil
	}
	return seq
}

// dnString is a name as mod_ssl shows it (X509_NAME_print_ex with
// XN_FLAG_RFC2253, UTF-8 left as it is): the last attribute first,
// "short=value" joined by ",", multi-valued ones by "+".
func dnString(raw []byte) string {
	rdns := rdnSequence(raw)
	var b strings.Builder
	for i := len(rdns) - 1; i >= 0; i-- {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		for j, atv := range rdns[i] {
			if j > 0 {
				b.WriteByte('+')
			}
			b.WriteString(attrShort(atv.Type))
			b.WriteByte('=')
			b.WriteString(escapeDNValue(fmt.Sprint(atv.Value)))
		}
	}
	return b.String()
}

func attrShort(oid asn1.ObjectIdentifier) string {
	for _, a := range dnAttrs {
		if a.oid.Equal(oid) {
			return a.short
		}
	}
	return oid.String()
}

// escapeDNValue escapes as RFC 2253: ,+"\<>; anywhere, # and a space at
// the start, a space at the end.
func escapeDNValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if strings.IndexByte(",+\"\\<>;", c) >= 0 || (i == 0 && (c == '#' || c == ' ')) || (i == len(v)-1 && c == ' ') {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// dnPart is SSL_*_DN_x: the value of the attribute x names ("CN"), or its
// n-th one as "CN_n" (from 1 for the second).
func dnPart(raw []byte, x string) string {
	suffix, idx := x, 0
	if i := strings.LastIndexByte(x, '_'); i > 0 {
		if k, err := strconv.Atoi(x[i+1:]); err == nil {
			suffix, idx = x[:i], k
		}
	}
	for _, a := range dnAttrs {
		if a.suffix == "" || a.suffix != suffix {
			continue
		}
		k := 0
		for _, rdn := range rdnSequence(raw) {
			for _, atv := range rdn {
				if atv.Type.Equal(a.oid) {
					if k == idx {
						return fmt.Sprint(atv.Value)
					}
					k++
				}
			}
		}
	}
	return ""
}

// dnVars sets prefix+x for each attribute of n with a suffix (the second
// and later of one attribute as x_1, x_2...), as modssl_var_extract_dns.
func dnVars(set func(k, v string), prefix string, raw []byte) {
	count := map[string]int{}
	for _, rdn := range rdnSequence(raw) {
		for _, atv := range rdn {
			for _, a := range dnAttrs {
				if a.suffix == "" || !a.oid.Equal(atv.Type) {
					continue
				}
				k := prefix + a.suffix
				if i := count[a.suffix]; i > 0 {
					k += "_" + strconv.Itoa(i)
				}
				count[a.suffix]++
				set(k, fmt.Sprint(atv.Value))
			}
		}
	}
}

// sanVars sets the subjectAltName variables, as
// modssl_var_extract_san_entries: prefix+"Email_n" and prefix+"DNS_n".
func sanVars(set func(k, v string), prefix string, c *x509.Certificate) {
	for i, e := range c.EmailAddresses {
		set(prefix+"Email_"+strconv.Itoa(i), e)
	}
	for i, d := range c.DNSNames {
		set(prefix+"DNS_"+strconv.Itoa(i), d)
	}
}

func keyAlgName(c *x509.Certificate) string {
	switch c.PublicKey.(type) {
	case *rsa.PublicKey:
		return "rsaEncryption"
	case *ecdsa.PublicKey:
		return "id-ecPublicKey"
	case ed25519.PublicKey:
		return "ED25519"
	}
	return c.PublicKeyAlgorithm.String()
}

// sigAlgName is OpenSSL's long name of a signature algorithm.
func sigAlgName(a x509.SignatureAlgorithm) string {
	switch a {
	case x509.SHA1WithRSA:
		return "sha1WithRSAEncryption"
	case x509.SHA256WithRSA:
		return "sha256WithRSAEncryption"
	case x509.SHA384WithRSA:
		return "sha384WithRSAEncryption"
	case x509.SHA512WithRSA:
		return "sha512WithRSAEncryption"
	case x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS:
		return "rsassaPss"
	case x509.ECDSAWithSHA1:
		return "ecdsa-with-SHA1"
	case x509.ECDSAWithSHA256:
		return "ecdsa-with-SHA256"
	case x509.ECDSAWithSHA384:
		return "ecdsa-with-SHA384"
	case x509.ECDSAWithSHA512:
		return "ecdsa-with-SHA512"
	case x509.PureEd25519:
		return "ED25519"
	}
	return a.String()
}

// sslProtocolName is SSL_PROTOCOL's name of a TLS version.
func sslProtocolName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return tls.VersionName(v)
}

// sslVersion is SSL_VERSION_INTERFACE (modpy's, in mod_ssl's place) and
// SSL_VERSION_LIBRARY (Go's crypto/tls, in OpenSSL's).
func sslVersion(which string) string {
	switch which {
	case "INTERFACE":
		return "modpy/" + Version
	case "LIBRARY":
		return "Go-crypto/tls/" + strings.TrimPrefix(runtime.Version(), "go")
	}
	return ""
}

// timeVar is ssl_var_lookup's TIME* variables, in local time.
func timeVar(name string, t time.Time) string {
	switch name {
	case "TIME_YEAR":
		return fmt.Sprintf("%04d", t.Year())
	case "TIME_MON":
		return fmt.Sprintf("%02d", int(t.Month()))
	case "TIME_DAY":
		return fmt.Sprintf("%02d", t.Day())
	case "TIME_HOUR":
		return fmt.Sprintf("%02d", t.Hour())
	case "TIME_MIN":
		return fmt.Sprintf("%02d", t.Minute())
	case "TIME_SEC":
		return fmt.Sprintf("%02d", t.Second())
	case "TIME_WDAY":
		return strconv.Itoa(int(t.Weekday()))
	case "TIME":
		return t.Format("20060102150405")
	}
	return ""
}
