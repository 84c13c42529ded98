package tests

// mod_ssl: HTTPS on name-based virtual hosts with SNI, client
// certificates, SSLProtocol, cipher names, plain HTTP on a TLS port, the
// SSL_* environment, req.is_https/ssl_var_lookup, wsgi.url_scheme and
// certificates reloaded on a graceful restart. Every handshake is real:
// the certificates are made by the test (crypto/x509) into the site's
// directory.

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testPKI is a CA and what it signed, written as PEM files.
type testPKI struct {
	t      *testing.T
	dir    string
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	pool   *x509.CertPool
	serial int64
}

func newPKI(t *testing.T, dir string) *testPKI {
	t.Helper()
	p := &testPKI{t: t, dir: dir, serial: 100}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "modpy test CA", Organization: []string{"modpy tests"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	p.ca, _ = x509.ParseCertificate(der)
	p.caKey = key
	p.pool = x509.NewCertPool()
	p.pool.AddCert(p.ca)
	p.write("ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return p
}

func (p *testPKI) write(name string, data []byte) string {
	p.t.Helper()
	f := filepath.Join(p.dir, name)
	if err := os.WriteFile(f, data, 0o600); err != nil {
		p.t.Fatal(err)
	}
	return f
}

// intermediate is a CA that p's CA signed, issuing into the same
// directory; its certificates' chains include it.
func (p *testPKI) intermediate() *testPKI {
	p.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		p.t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "modpy test intermediate CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		p.t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	return &testPKI{t: p.t, dir: p.dir, ca: ca, caKey: key, pool: p.pool, serial: 500}
}

// issue makes a certificate for cn (a server's, with cn as its DNS name,
// or a client's) and writes name.crt and name.key; it returns the pair.
func (p *testPKI) issue(name, cn string, client bool) tls.Certificate {
	p.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		p.t.Fatal(err)
	}
	return p.issueKey(name, cn, client, key, &key.PublicKey)
}

// issueRSA is issue with an RSA key.
func (p *testPKI) issueRSA(name, cn string) tls.Certificate {
	p.t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		p.t.Fatal(err)
	}
	return p.issueKey(name, cn, false, key, &key.PublicKey)
}

func (p *testPKI) issueKey(name, cn string, client bool, key crypto.Signer, pub any) tls.Certificate {
	p.serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(p.serial), Subject: pkix.Name{CommonName: cn, Organization: []string{"Test Org"}, Country: []string{"FR"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	} else {
		tmpl.DNSNames = []string{cn}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, pub, p.caKey)
	if err != nil {
		p.t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		p.t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
	p.write(name+".crt", certPEM)
	p.write(name+".key", keyPEM)
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		p.t.Fatal(err)
	}
	if p.ca.Subject.CommonName != "modpy test CA" {
		pair.Certificate = append(pair.Certificate, p.ca.Raw) // the intermediate
	}
	return pair
}

// tlsGet sends GET path over TLS to 127.0.0.1:port with server name sni
// (and Host host, sni when ""), trusting the test CA; extra changes the
// client's TLS config. It returns the response, its body and the
// connection's state, or the error.
func (p *testPKI) tlsGet(port int, sni, host, path string, extra func(*tls.Config)) (*http.Response, string, *tls.ConnectionState, error) {
	cfg := &tls.Config{RootCAs: p.pool, ServerName: sni}
	if sni == "" {
		cfg.InsecureSkipVerify = true // no name to check the certificate against
	}
	if extra != nil {
		extra(cfg)
	}
	var state *tls.ConnectionState
	tr := &http.Transport{
		DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			d := &net.Dialer{Timeout: 10 * time.Second}
			c, err := tls.DialWithDialer(d, "tcp", fmt.Sprintf("127.0.0.1:%d", port), cfg)
			if err != nil {
				return nil, err
			}
			st := c.ConnectionState()
			state = &st
			return c, nil
		},
		DisableKeepAlives: true,
	}
	defer tr.CloseIdleConnections()
	if host == "" {
		host = sni
	}
	if host == "" {
		host = "localhost"
	}
	req, err := http.NewRequest("GET", fmt.Sprintf("https://%s:%d%s", host, port, path), nil)
	if err != nil {
		return nil, "", nil, err
	}
	resp, err := (&http.Client{Transport: tr, Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		return nil, "", state, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), state, err
}

// mustTLSGet is tlsGet that fails the test unless the answer is 200.
func (p *testPKI) mustTLSGet(s *site, port int, sni, path string, extra func(*tls.Config)) (string, *tls.ConnectionState) {
	p.t.Helper()
	resp, body, st, err := p.tlsGet(port, sni, "", path, extra)
	if err != nil {
		p.t.Fatalf("GET https://%s:%d%s: %v\nerror log:\n%s", sni, port, path, err, s.errorLog())
	}
	if resp.StatusCode != 200 {
		p.t.Fatalf("GET https://%s:%d%s: %d\n%s\nerror log:\n%s", sni, port, path, resp.StatusCode, body, s.errorLog())
	}
	return body, st
}

// sslEnvHandler shows what a handler sees of TLS.
const sslEnvHandler = `from mod_python import apache

def handler(req):
    req.add_common_vars()
    req.content_type = "text/plain"
    env = req.subprocess_env
    out = ["is_https=%r" % req.is_https(),
           "lookup_protocol=%s" % req.ssl_var_lookup("SSL_PROTOCOL"),
           "lookup_https=%s" % req.ssl_var_lookup("HTTPS"),
           "lookup_unknown=%r" % req.ssl_var_lookup("SSL_NO_SUCH_THING"),
           "url=%s" % req.construct_url("/x")]
    for k in sorted(env.keys()):
        if k in ("HTTPS", "REQUEST_SCHEME") or k.startswith("SSL_"):
            out.append("%s=%s" % (k, env[k].replace("\n", "|")))
    req.write("\n".join(out) + "\n")
    return apache.OK
`

// sslSite starts a site whose plain port is the harness's and whose TLS
// port (returned) serves the virtual hosts in vhosts ({{TLS}} stands for
// the TLS port, {{PKI}} for the directory of the certificates: a.test's,
// b.test's, the client alice's, and what more makes).
func sslSite(t *testing.T, conf string, files map[string]string, more ...func(*testPKI)) (*site, *testPKI, int) {
	t.Helper()
	pkiDir := t.TempDir()
	p := newPKI(t, pkiDir)
	p.issue("a", "a.test", false)
	p.issue("b", "b.test", false)
	p.issue("alice", "alice", true)
	for _, f := range more {
		f(p)
	}
	tlsPort := freePort(t)
	conf = strings.ReplaceAll(conf, "{{TLS}}", fmt.Sprint(tlsPort))
	conf = strings.ReplaceAll(conf, "{{PKI}}", pkiDir)
	if files == nil {
		files = map[string]string{}
	}
	files["lib/sslenv.py"] = sslEnvHandler
	s := startSite(t, "PythonPath \"sys.path + ['{{DIR}}/lib']\"\nLoadModule ssl_module mod_ssl.so\n"+conf, files)
	return s, p, tlsPort
}

// sslEnvVhost is a TLS virtual host name with the certificate files
// cert.crt and cert.key, /env showing the SSL environment, and extra.
func sslEnvVhost(name, cert, extra string) string {
	return "<VirtualHost 127.0.0.1:{{TLS}}>\n    ServerName " + name + "\n    SSLEngine on\n" +
		"    SSLCertificateFile {{PKI}}/" + cert + ".crt\n    SSLCertificateKeyFile {{PKI}}/" + cert + ".key\n" +
		"    <Location /env>\n        SetHandler mod_python\n        PythonHandler sslenv\n        SSLOptions +StdEnvVars\n    </Location>\n" +
		extra + "</VirtualHost>\n"
}

// sslVhosts are a.test, b.test (its own certificate) and c.test (a.test's)
// on the TLS port, and /plainenv on the plain one.
var sslVhosts = "Listen 127.0.0.1:{{TLS}} https\n" +
	sslEnvVhost("a.test", "a", `    CustomLog {{DIR}}/ssl_access.log "%h \"%r\" %>s %{SSL_PROTOCOL}x %{SSL_CIPHER}x"
    <Location /bare>
        SetHandler mod_python
        PythonHandler sslenv
    </Location>
`) + sslEnvVhost("b.test", "b", "") + sslEnvVhost("c.test", "a", "") +
	"<Location /plainenv>\n    SetHandler mod_python\n    PythonHandler sslenv\n</Location>\n"

func TestSSLServesHTTPSWithTheSSLEnvironment(t *testing.T) {
	s, p, port := sslSite(t, sslVhosts, nil)
	body, st := p.mustTLSGet(s, port, "a.test", "/env", nil)
	for _, want := range []string{
		"is_https=1", "lookup_protocol=TLSv1.3", "lookup_https=on", "lookup_unknown=''",
		fmt.Sprintf("url=https://a.test:%d/x", port),
		"HTTPS=on", "SSL_PROTOCOL=TLSv1.3", "SSL_CIPHER=TLS_", "SSL_CIPHER_USEKEYSIZE=", "SSL_CIPHER_ALGKEYSIZE=",
		"SSL_TLS_SNI=a.test", "SSL_SERVER_S_DN=CN=a.test,O=Test Org,C=FR", "SSL_SERVER_S_DN_CN=a.test",
		"SSL_SERVER_I_DN=CN=modpy test CA,O=modpy tests", "SSL_SERVER_M_SERIAL=", "SSL_SERVER_V_END=",
		"SSL_SERVER_A_KEY=id-ecPublicKey", "SSL_SERVER_A_SIG=ecdsa-with-SHA256", "SSL_SESSION_ID=",
		"SSL_SESSION_RESUMED=Initial", "SSL_CLIENT_VERIFY=NONE", "SSL_VERSION_LIBRARY=", "REQUEST_SCHEME=https",
	} {
		contains(t, "TLS environment", body, want)
	}
	if st.Version != tls.VersionTLS13 {
		t.Errorf("negotiated %s, want TLS 1.3 (SSLProtocol's default all)", tls.VersionName(st.Version))
	}
	// Without StdEnvVars only HTTPS is in the environment, as mod_ssl.
	body, _ = p.mustTLSGet(s, port, "a.test", "/bare", nil)
	contains(t, "no StdEnvVars", body, "HTTPS=on")
	if strings.Contains(body, "SSL_PROTOCOL=") {
		t.Errorf("SSL_PROTOCOL without SSLOptions +StdEnvVars:\n%s", body)
	}
	// The plain port is not HTTPS.
	body = s.mustGet("/plainenv")
	for _, want := range []string{"is_https=0", "lookup_https=off", "lookup_protocol=\n", "url=http://127.0.0.1:", "REQUEST_SCHEME=http\n"} {
		contains(t, "plain port", body, want)
	}
	if strings.Contains(body, "HTTPS=") {
		t.Errorf("HTTPS set on the plain port:\n%s", body)
	}
	// The access log's %{SSL_PROTOCOL}x %{SSL_CIPHER}x.
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(filepath.Join(s.Dir, "ssl_access.log"))
		if strings.Contains(string(b), `"GET /env HTTP/1.1" 200 TLSv1.3 TLS_`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ssl access log:\n%s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSSLSNIPicksEachVhostsCertificate(t *testing.T) {
	s, p, port := sslSite(t, sslVhosts, nil)
	for _, name := range []string{"a.test", "b.test"} {
		body, st := p.mustTLSGet(s, port, name, "/env", nil)
		if cn := st.PeerCertificates[0].Subject.CommonName; cn != name {
			t.Errorf("SNI %s: certificate of %s", name, cn)
		}
		contains(t, "SNI "+name, body, "SSL_SERVER_S_DN_CN="+name)
	}
	// No SNI: the first virtual host on the address.
	resp, _, st, err := p.tlsGet(port, "", "a.test", "/env", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("no SNI: %v %v", resp, err)
	}
	if cn := st.PeerCertificates[0].Subject.CommonName; cn != "a.test" {
		t.Errorf("no SNI: certificate of %s, want the first vhost's", cn)
	}
	// SNI a.test, Host b.test: b.test has other certificates, so 421.
	resp, body, _, err := p.tlsGet(port, "a.test", "b.test", "/env", nil)
	if err != nil || resp.StatusCode != 421 {
		t.Fatalf("SNI a.test, Host b.test: %v %v\n%s", resp, err, body)
	}
	contains(t, "421 page", body, "Misdirected Request")
	// SNI a.test, Host c.test: c.test has a.test's TLS setup, so c.test
	// serves it (ssl_server_compatible).
	resp, body, _, err = p.tlsGet(port, "a.test", "c.test", "/env", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("SNI a.test, Host c.test: %v %v\n%s", resp, err, body)
	}
	contains(t, "compatible vhost", body, fmt.Sprintf("url=https://c.test:%d/x", port))
	contains(t, "error log", s.waitLog("AH02032"), "Hostname a.test provided via SNI and hostname b.test provided via HTTP have no compatible SSL setup")
}

// aVhost is a TLS virtual host a.test on the TLS port with body inside.
func aVhost(body string) string {
	return "Listen 127.0.0.1:{{TLS}}\n<VirtualHost 127.0.0.1:{{TLS}}>\n    ServerName a.test\n    SSLEngine on\n" +
		"    SSLCertificateFile {{PKI}}/a.crt\n    SSLCertificateKeyFile {{PKI}}/a.key\n" + body + "</VirtualHost>\n"
}

var sslClientConf = aVhost(`    SSLCACertificateFile {{PKI}}/ca.pem
    SSLVerifyClient %s
    SSLOptions +StdEnvVars
    <Location /env>
        SetHandler mod_python
        PythonHandler sslenv
    </Location>
    <Location /secret>
        SetHandler mod_python
        PythonHandler sslenv
        SSLVerifyClient require
        SSLOptions +ExportCertData
    </Location>
`)

func TestSSLClientCertificateRequired(t *testing.T) {
	s, p, port := sslSite(t, fmt.Sprintf(sslClientConf, "require"), nil)
	alice, err := tls.LoadX509KeyPair(filepath.Join(p.dir, "alice.crt"), filepath.Join(p.dir, "alice.key"))
	if err != nil {
		t.Fatal(err)
	}
	withAlice := func(c *tls.Config) { c.Certificates = []tls.Certificate{alice} }
	if resp, _, _, err := p.tlsGet(port, "a.test", "", "/env", nil); err == nil {
		t.Fatalf("no client certificate: answered %d, want a failed handshake", resp.StatusCode)
	}
	body, _ := p.mustTLSGet(s, port, "a.test", "/secret", withAlice)
	for _, want := range []string{
		"SSL_CLIENT_VERIFY=SUCCESS", "SSL_CLIENT_S_DN=CN=alice,O=Test Org,C=FR", "SSL_CLIENT_S_DN_CN=alice",
		"SSL_CLIENT_S_DN_O=Test Org", "SSL_CLIENT_I_DN=CN=modpy test CA,O=modpy tests", "SSL_CLIENT_M_SERIAL=",
		"SSL_CLIENT_V_START=", "SSL_CLIENT_V_END=", "SSL_CLIENT_M_VERSION=3",
		`SSL_CLIENT_CERT_RFC4523_CEA={ serialNumber 103, issuer rdnSequence:"CN=modpy test CA,O=modpy tests" }`,
		"SSL_CLIENT_CERT=-----BEGIN CERTIFICATE-----|", "SSL_SERVER_CERT=-----BEGIN CERTIFICATE-----|",
	} {
		contains(t, "client certificate environment", body, want)
	}
	serial := fmt.Sprintf("SSL_CLIENT_M_SERIAL=%02X\n", alice.Leaf.SerialNumber.Int64())
	contains(t, "serial", body, serial)
	// A certificate of another CA: the handshake fails.
	other := newPKI(t, t.TempDir())
	mallory := other.issue("mallory", "mallory", true)
	if resp, _, _, err := p.tlsGet(port, "a.test", "", "/env", func(c *tls.Config) { c.Certificates = []tls.Certificate{mallory} }); err == nil {
		t.Fatalf("a certificate of an unknown CA: answered %d", resp.StatusCode)
	}
}

func TestSSLClientCertificateOptional(t *testing.T) {
	s, p, port := sslSite(t, fmt.Sprintf(sslClientConf, "optional"), nil)
	alice, err := tls.LoadX509KeyPair(filepath.Join(p.dir, "alice.crt"), filepath.Join(p.dir, "alice.key"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := p.mustTLSGet(s, port, "a.test", "/env", nil)
	contains(t, "no certificate", body, "SSL_CLIENT_VERIFY=NONE")
	if strings.Contains(body, "SSL_CLIENT_S_DN") {
		t.Errorf("client DN without a client certificate:\n%s", body)
	}
	// The section's "require": refused without one (no renegotiation)...
	resp, body, _, err := p.tlsGet(port, "a.test", "", "/secret", nil)
	if err != nil || resp.StatusCode != 403 {
		t.Fatalf("/secret without a certificate: %v %v\n%s", resp, err, body)
	}
	// ... and served with one.
	body, _ = p.mustTLSGet(s, port, "a.test", "/secret", func(c *tls.Config) { c.Certificates = []tls.Certificate{alice} })
	contains(t, "with a certificate", body, "SSL_CLIENT_VERIFY=SUCCESS")
	contains(t, "ExportCertData", body, "SSL_CLIENT_CERT=-----BEGIN CERTIFICATE-----")
}

func TestSSLProtocolLimitsVersions(t *testing.T) {
	conf := aVhost(`    SSLProtocol -all +TLSv1.2
    SSLCipherSuite ECDHE-ECDSA-AES256-GCM-SHA384
    SSLOptions +StdEnvVars
    <Location /env>
        SetHandler mod_python
        PythonHandler sslenv
    </Location>
`)
	s, p, port := sslSite(t, conf, nil)
	body, st := p.mustTLSGet(s, port, "a.test", "/env", nil)
	if st.Version != tls.VersionTLS12 || st.CipherSuite != tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 {
		t.Errorf("negotiated %s %s", tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
	}
	for _, want := range []string{"SSL_PROTOCOL=TLSv1.2", "SSL_CIPHER=ECDHE-ECDSA-AES256-GCM-SHA384",
		"SSL_CIPHER_USEKEYSIZE=256", "SSL_CIPHER_ALGKEYSIZE=256"} {
		contains(t, "TLS 1.2 environment", body, want)
	}
	if resp, _, _, err := p.tlsGet(port, "a.test", "", "/env", func(c *tls.Config) { c.MinVersion = tls.VersionTLS13 }); err == nil {
		t.Errorf("a TLS 1.3-only client was answered %d", resp.StatusCode)
	}
	// A suite the list leaves out is refused.
	if resp, _, _, err := p.tlsGet(port, "a.test", "", "/env", func(c *tls.Config) {
		c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
	}); err == nil {
		t.Errorf("a suite SSLCipherSuite leaves out was answered %d", resp.StatusCode)
	}
}

func TestSSLRequireSSL(t *testing.T) {
	conf := sslVhosts + "<Location /secure>\n    SetHandler mod_python\n    PythonHandler sslenv\n    SSLRequireSSL\n" +
		"    Satisfy Any\n    Require all granted\n</Location>\n"
	s, p, port := sslSite(t, conf, nil)
	if st, body := s.get("/secure"); st != 403 {
		t.Fatalf("/secure on the plain port: %d\n%s", st, body)
	}
	contains(t, "error log", s.waitLog("AH02219"), "AH02219: access to /secure failed, reason: SSL connection required")
	body, _ := p.mustTLSGet(s, port, "a.test", "/secure", nil)
	contains(t, "over TLS", body, "is_https=1")
}

func TestSSLPlainHTTPToTLSPortGets400(t *testing.T) {
	s, _, port := sslSite(t, sslVhosts, nil)
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET /env HTTP/1.1\r\nHost: a.test\r\n\r\n")
	b, err := io.ReadAll(c) // the server closes the connection
	if err != nil {
		t.Fatalf("reading: %v (the connection was not closed?)", err)
	}
	got := string(b)
	contains(t, "status", got, "HTTP/1.1 400 Bad Request\r\n")
	contains(t, "connection", got, "Connection: close\r\n")
	contains(t, "body", got, "<p>Your browser sent a request that this server could not understand.<br />\n"+
		"Reason: You're speaking plain HTTP to an SSL-enabled server port.<br />\n"+
		" Instead use the HTTPS scheme to access this URL, please.<br />\n</p>")
	contains(t, "error log", s.waitLog("HTTP spoken on HTTPS port"), "HTTP spoken on HTTPS port")
}

func TestSSLHandshakeReadTimeout(t *testing.T) {
	s, _, port := sslSite(t, "RequestReadTimeout handshake=1 header=20\n"+sslVhosts, nil)
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	c.Write([]byte{0x16, 0x03}) // the start of a ClientHello, then nothing
	if n, err := c.Read(make([]byte, 64)); err == nil {
		t.Fatalf("read %d bytes, want the connection closed", n)
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server did not close the stalled handshake within 20 s")
	}
	contains(t, "error log", s.waitLog("Request handshake read timeout"), "AH01382: Request handshake read timeout")
}

func TestSSLWSGISeesHTTPS(t *testing.T) {
	conf := aVhost("    WSGIScriptAlias /app {{DIR}}/app.wsgi\n") + "WSGIScriptAlias /app {{DIR}}/app.wsgi\n"
	app := `def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("scheme=%s https=%s" % (environ["wsgi.url_scheme"], environ.get("HTTPS"))).encode()]
`
	s, p, port := sslSite(t, conf, map[string]string{"app.wsgi": app})
	body, _ := p.mustTLSGet(s, port, "a.test", "/app", nil)
	if body != "scheme=https https=None" {
		t.Errorf("over TLS: %q", body)
	}
	if body := s.mustGet("/app"); body != "scheme=http https=None" {
		t.Errorf("plain: %q", body)
	}
}

func TestSSLConfigErrors(t *testing.T) {
	dir := t.TempDir()
	p := newPKI(t, dir)
	p.issue("a", "a.test", false)
	p.issue("b", "b.test", false)
	vhost := func(body string) string {
		return "Listen 127.0.0.1:1\n<VirtualHost *:1>\nServerName a.test\nSSLEngine on\n" + body + "</VirtualHost>\n"
	}
	ok := "SSLCertificateFile " + dir + "/a.crt\nSSLCertificateKeyFile " + dir + "/a.key\n"
	if out, passed := checkConfig(t, vhost(ok)); !passed {
		t.Fatalf("a good TLS vhost was refused:\n%s", out)
	}
	for _, c := range []struct{ body, want string }{
		{ok + "SSLCipherSuite HIGH:NOT-A-CIPHER\n", ":7: SSLCipherSuite: NOT-A-CIPHER: neither a cipher suite Go's TLS implements"},
		{ok + "SSLProtocol +SSLv3\n", ":7: SSLProtocol: SSLv3: Go's TLS does not speak this protocol"},
		{"SSLCertificateFile " + dir + "/missing.crt\n", ":5: SSLCertificateFile: file '" + dir + "/missing.crt' does not exist or is empty"},
		{"SSLCertificateFile " + dir + "/a.crt\nSSLCertificateKeyFile " + dir + "/b.key\n", ":6: SSLCertificateKeyFile: \"" + dir + "/b.key\": the private key does not go with the certificate"},
		{"SSLCertificateFile " + dir + "/a.crt\n", ":5: SSLCertificateFile: \"" + dir + "/a.crt\": no private key in it"},
		{"", ":4: SSLEngine: Failed to configure at least one certificate and key"},
		{ok + "<Location /x>\nSSLVerifyClient require\n</Location>\n", ":8: SSLVerifyClient: require where the server"},
		{ok + "SSLVerifyClient require\n", ":7: SSLVerifyClient: require: no SSLCACertificateFile"},
		{ok + "SSLUseStapling on\n", ":7: SSLUseStapling: \"on\": OCSP stapling is not done by modpy"},
		{ok + "SSLUserName SSL_CLIENT_S_DN_CN\n", ":7: SSLUserName: unknown directive: this mod_ssl directive is not supported"},
	} {
		wantConfigError(t, vhost(c.body), c.want)
	}
	// Mozilla's intermediate list loads; the DHE suites Go lacks are noted.
	moz := "SSLCipherSuite ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:" +
		"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:" +
		"DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305\nSSLHonorCipherOrder off\nSSLSessionTickets off\n"
	out, passed := checkConfig(t, vhost(ok+moz))
	if !passed {
		t.Fatalf("Mozilla's intermediate configuration was refused:\n%s", out)
	}
	contains(t, "-t notices", out, "Go's TLS does not implement DHE-RSA-AES128-GCM-SHA256, DHE-RSA-AES256-GCM-SHA384, DHE-RSA-CHACHA20-POLY1305: not offered")
}

func TestSSLGracefulRestartLoadsNewCertificate(t *testing.T) {
	pkiDir := t.TempDir()
	p := newPKI(t, pkiDir)
	p.issue("a", "a.test", false)
	tlsPort := freePort(t)
	extra := fmt.Sprintf("StartServers 1\nListen 127.0.0.1:%d\n<VirtualHost 127.0.0.1:%d>\nServerName a.test\nSSLEngine on\n"+
		"SSLCertificateFile %s/a.crt\nSSLCertificateKeyFile %s/a.key\n</VirtualHost>\n", tlsPort, tlsPort, pkiDir, pkiDir)
	s := startMaster(t, extra)
	serial := func() int64 {
		t.Helper()
		resp, body, st, err := p.tlsGet(tlsPort, "a.test", "", "/pid", nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET /pid over TLS: %v %v %s\nerror log:\n%s", resp, err, body, s.errorLog())
		}
		return st.PeerCertificates[0].SerialNumber.Int64()
	}
	first := serial()
	p.issue("a", "a.test", false) // a new certificate and key, same files
	if err := s.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for serial() == first {
		if time.Now().After(deadline) {
			t.Fatalf("still the old certificate (serial %d) after the graceful restart\n%s", first, s.errorLog())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// A certificate that no longer matches its key: the restart fails,
	// the workers keep serving with the certificate they have.
	p.write("a.key", []byte("not a key\n"))
	s.cmd.Process.Signal(syscall.SIGUSR1)
	contains(t, "error log", s.waitLog("restart failed"), "a.key")
	if serial() == first {
		t.Errorf("serving the first certificate again")
	}
}

// The workers read the key as root, before they switch to User/Group: a
// key only root may read works, as with Apache.
func TestSSLKeyReadBeforePrivilegesDrop(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root") // as TestMasterUserGroup
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	pkiDir := t.TempDir() // 0700, root's
	p := newPKI(t, pkiDir)
	p.issue("a", "a.test", false)
	tlsPort := freePort(t)
	s := newSite(t, map[string]string{"lib/mp.py": masterHandlers, "htdocs/index.html": "hi\n"})
	os.Chmod(s.Dir, 0o755)
	os.Chmod(filepath.Dir(s.Dir), 0o755)
	s.writeFiles(map[string]string{"site.conf": masterConf(fmt.Sprintf("StartServers 1\nUser nobody\nGroup nogroup\n"+
		"Listen 127.0.0.1:%d\n<VirtualHost 127.0.0.1:%d>\nServerName a.test\nSSLEngine on\n"+
		"SSLCertificateFile %s/a.crt\nSSLCertificateKeyFile %s/a.key\n</VirtualHost>\n", tlsPort, tlsPort, pkiDir, pkiDir))})
	s.start("-f", filepath.Join(s.Dir, "site.conf"))
	resp, body, _, err := p.tlsGet(tlsPort, "a.test", "", "/uid", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/uid over TLS: %v %v %s\n%s", resp, err, body, s.errorLog())
	}
	if !strings.HasPrefix(body, u.Uid+" ") {
		t.Errorf("worker runs as %q, want uid %s", body, u.Uid)
	}
}

// Every worker of a generation reads the session tickets of the others
// (the master's ticket secret): a client resumes its TLS session with
// whichever worker takes its next connection.
func TestSSLSessionResumesAcrossWorkers(t *testing.T) {
	pkiDir := t.TempDir()
	p := newPKI(t, pkiDir)
	p.issue("a", "a.test", false)
	tlsPort := freePort(t)
	s := startMaster(t, fmt.Sprintf("StartServers 2\nListen 127.0.0.1:%d\n<VirtualHost 127.0.0.1:%d>\nServerName a.test\n"+
		"SSLEngine on\nSSLCertificateFile %s/a.crt\nSSLCertificateKeyFile %s/a.key\n</VirtualHost>\n", tlsPort, tlsPort, pkiDir, pkiDir))
	cache := tls.NewLRUClientSessionCache(4)
	withCache := func(c *tls.Config) { c.ClientSessionCache = cache }
	if _, _, _, err := p.tlsGet(tlsPort, "a.test", "", "/pid?0", withCache); err != nil {
		t.Fatal(err)
	}
	pids := map[string]bool{}
	for round := 0; round < 20 && len(pids) < 2; round++ {
		type result struct {
			pid     string
			resumed bool
			err     error
		}
		results := make(chan result, 6)
		for i := 0; i < 6; i++ {
			go func() {
				resp, body, st, err := p.tlsGet(tlsPort, "a.test", "", "/pid?0.05", withCache)
				if err == nil && resp.StatusCode != 200 {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
				r := result{pid: body, err: err}
				if st != nil {
					r.resumed = st.DidResume
				}
				results <- r
			}()
		}
		for i := 0; i < 6; i++ {
			r := <-results
			if r.err != nil {
				t.Fatalf("GET /pid: %v\n%s", r.err, s.errorLog())
			}
			if !r.resumed {
				t.Fatalf("worker %s did not resume the session (a full handshake)", r.pid)
			}
			pids[r.pid] = true
		}
	}
	if len(pids) < 2 {
		t.Fatalf("only worker %v answered: cannot tell", pids)
	}
}

// SSLVerifyClient optional_no_ca takes any certificate, unverified
// (GENEROUS); SSLVerifyDepth bounds the chain of a verified one.
func TestSSLVerifyOptionalNoCAAndDepth(t *testing.T) {
	s, p, port := sslSite(t, fmt.Sprintf(sslClientConf, "optional_no_ca"), nil)
	other := newPKI(t, t.TempDir()).issue("mallory", "mallory", true)
	alice, err := tls.LoadX509KeyPair(filepath.Join(p.dir, "alice.crt"), filepath.Join(p.dir, "alice.key"))
	if err != nil {
		t.Fatal(err)
	}
	send := func(c tls.Certificate) func(*tls.Config) {
		return func(cfg *tls.Config) { cfg.Certificates = []tls.Certificate{c} }
	}
	body, _ := p.mustTLSGet(s, port, "a.test", "/env", send(other))
	contains(t, "unknown CA", body, "SSL_CLIENT_VERIFY=GENEROUS")
	contains(t, "unknown CA", body, "SSL_CLIENT_S_DN_CN=mallory")
	body, _ = p.mustTLSGet(s, port, "a.test", "/env", send(alice))
	contains(t, "known CA", body, "SSL_CLIENT_VERIFY=SUCCESS")
	// The section's require wants a verified one.
	if resp, body, _, err := p.tlsGet(port, "a.test", "", "/secret", send(other)); err != nil || resp.StatusCode != 403 {
		t.Fatalf("/secret with an unverified certificate: %v %v\n%s", resp, err, body)
	}

	// Depth: a certificate of an intermediate CA is two CAs deep.
	for depth, ok := range map[int]bool{1: false, 2: true} {
		conf := strings.Replace(fmt.Sprintf(sslClientConf, "require"), "SSLVerifyClient require\n", fmt.Sprintf("SSLVerifyClient require\nSSLVerifyDepth %d\n", depth), 1)
		s, p, port := sslSite(t, conf, nil)
		bob := p.intermediate().issue("bob", "bob", true)
		resp, body, _, err := p.tlsGet(port, "a.test", "", "/env", send(bob))
		if ok && (err != nil || resp.StatusCode != 200) {
			t.Errorf("SSLVerifyDepth %d: %v %v %s\n%s", depth, resp, err, body, s.errorLog())
		}
		if !ok && err == nil {
			t.Errorf("SSLVerifyDepth %d: a chain of two CAs was answered %d", depth, resp.StatusCode)
		}
	}
}

func TestSSLSessionTicketsOff(t *testing.T) {
	for _, tickets := range []string{"on", "off"} {
		s, p, port := sslSite(t, aVhost("    SSLSessionTickets "+tickets+"\n"), nil)
		cache := tls.NewLRUClientSessionCache(4)
		resumed := false
		for i := 0; i < 3; i++ {
			resp, body, st, err := p.tlsGet(port, "a.test", "", "/", func(c *tls.Config) { c.ClientSessionCache = cache })
			if err != nil {
				t.Fatalf("%v %s\n%s", err, body, s.errorLog())
			}
			resp.Body.Close()
			resumed = resumed || st.DidResume
		}
		if resumed != (tickets == "on") {
			t.Errorf("SSLSessionTickets %s: resumed %v", tickets, resumed)
		}
	}
}

// An RSA and an ECDSA certificate on one virtual host: the client gets
// the one its cipher suite needs, and SSL_SERVER_* show that one.
func TestSSLRSAAndECDSACertificates(t *testing.T) {
	conf := aVhost("    SSLCertificateFile {{PKI}}/r.crt\n    SSLCertificateKeyFile {{PKI}}/r.key\n" +
		"    SSLOptions +StdEnvVars\n    <Location /env>\n        SetHandler mod_python\n        PythonHandler sslenv\n    </Location>\n")
	s, p, port := sslSite(t, conf, nil, func(p *testPKI) { p.issueRSA("r", "a.test") })
	for suite, key := range map[uint16]string{
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:   "rsaEncryption",
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: "id-ecPublicKey",
	} {
		body, st := p.mustTLSGet(s, port, "a.test", "/env", func(c *tls.Config) {
			c.MaxVersion, c.CipherSuites = tls.VersionTLS12, []uint16{suite}
		})
		if st.CipherSuite != suite {
			t.Errorf("negotiated %s", tls.CipherSuiteName(st.CipherSuite))
		}
		contains(t, tls.CipherSuiteName(suite), body, "SSL_SERVER_A_KEY="+key+"\n")
	}
}

// SSLStrictSNIVHostCheck on: a client that sends no server name is
// refused on a name-based virtual host.
func TestSSLStrictSNIVHostCheck(t *testing.T) {
	s, p, port := sslSite(t, "SSLStrictSNIVHostCheck on\n"+sslVhosts, nil)
	p.mustTLSGet(s, port, "a.test", "/env", nil)
	resp, body, _, err := p.tlsGet(port, "", "a.test", "/env", nil)
	if err != nil || resp.StatusCode != 403 {
		t.Fatalf("no SNI: %v %v\n%s", resp, err, body)
	}
	contains(t, "403 page", body, "Reason: The client software did not provide a hostname using Server Name Indication (SNI)")
}

// A CGI script, an SSI page, req.add_common_vars and a WSGI environ over
// TLS see REQUEST_SCHEME https (ap_http_scheme), as Apache's: before, all
// said http on a TLS connection, so a script building its own URLs from
// it sent clients to plain HTTP.
func TestSSLCGIAndCommonVarsSeeRequestSchemeHTTPS(t *testing.T) {
	conf := "LoadModule cgi_module modules/mod_cgi.so\n" + aVhost(`    ScriptAlias /cgi-bin/ {{DIR}}/cgi/
    <Directory {{DIR}}/htdocs>
        Options +Includes
        AddType text/html .shtml
        AddOutputFilter INCLUDES .shtml
    </Directory>
    <Location /common>
        SetHandler mod_python
        PythonHandler common
    </Location>
    WSGIScriptAlias /app {{DIR}}/app.wsgi
`)
	files := map[string]string{
		"cgi/scheme.cgi":      "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\ncgi=%s https=%s\\n' \"$REQUEST_SCHEME\" \"$HTTPS\"\n",
		"htdocs/scheme.shtml": `ssi=<!--#echo var="REQUEST_SCHEME" -->` + "\n",
		"app.wsgi": `def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("wsgi=%s\n" % environ["REQUEST_SCHEME"]).encode()]
`,
		"lib/common.py": `from mod_python import apache

def handler(req):
    req.add_common_vars()
    req.content_type = "text/plain"
    req.write("common=%s\n" % req.subprocess_env["REQUEST_SCHEME"])
    return apache.OK
`,
	}
	s, p, port := sslSite(t, conf, files)
	os.Chmod(filepath.Join(s.Dir, "cgi/scheme.cgi"), 0o755)
	for path, want := range map[string]string{
		"/cgi-bin/scheme.cgi": "cgi=https https=on\n",
		"/scheme.shtml":       "ssi=https\n",
		"/common":             "common=https\n",
		"/app":                "wsgi=https\n",
	} {
		if body, _ := p.mustTLSGet(s, port, "a.test", path, nil); body != want {
			t.Errorf("GET https://a.test%s: %q, want %q", path, body, want)
		}
	}
}

// TestSSLVhostClientCertificateWithoutSNI checks that a client sending no
// SNI, whose handshake therefore used the first virtual host's settings,
// cannot reach by its Host a virtual host whose SSLVerifyClient require
// it did not meet: mod_ssl's access check applies the request's host's
// level (403), and refuses a certificate checked against other CAs than
// that host's (AH02256).
func TestSSLVhostClientCertificateWithoutSNI(t *testing.T) {
	var otherCA string
	s, p, port := sslSite(t, "Listen 127.0.0.1:{{TLS}} https\n"+
		sslEnvVhost("a.test", "a", "    SSLCACertificateFile {{PKI}}/ca.pem\n    SSLVerifyClient optional\n")+
		sslEnvVhost("b.test", "b", "    SSLCACertificateFile {{PKI}}/ca.pem\n    SSLVerifyClient require\n")+
		sslEnvVhost("d.test", "b", "    SSLCACertificateFile {{PKI}}/other/ca.pem\n    SSLVerifyClient require\n")+
		sslEnvVhost("e.test", "b", "    SSLCACertificateFile {{PKI}}/other/ca.pem\n    SSLVerifyClient optional\n"),
		nil, func(p *testPKI) {
			os.Mkdir(filepath.Join(p.dir, "other"), 0o755)
			newPKI(t, filepath.Join(p.dir, "other"))
			otherCA = filepath.Join(p.dir, "other", "ca.pem")
		})
	if _, err := os.Stat(otherCA); err != nil {
		t.Fatal(err)
	}
	alice, err := tls.LoadX509KeyPair(filepath.Join(p.dir, "alice.crt"), filepath.Join(p.dir, "alice.key"))
	if err != nil {
		t.Fatal(err)
	}
	withAlice := func(c *tls.Config) { c.Certificates = []tls.Certificate{alice} }
	// With SNI b.test the handshake asks for the certificate.
	p.mustTLSGet(s, port, "b.test", "/env", withAlice)
	for _, c := range []struct {
		host  string
		extra func(*tls.Config)
		want  int
	}{
		{"b.test", nil, 403},       // no certificate for b.test's require
		{"b.test", withAlice, 200}, // verified against b.test's CA (a.test's too)
		{"d.test", withAlice, 403}, // verified against a.test's CA, not d.test's
		{"a.test", nil, 200},
	} {
		resp, body, _, err := p.tlsGet(port, "", c.host, "/env", c.extra)
		if err != nil || resp.StatusCode != c.want {
			t.Errorf("no SNI, Host %s, certificate %v: %v %v, want %d\n%s", c.host, c.extra != nil, resp, err, c.want, body)
		}
	}
	// e.test's optional: served, but a certificate of a.test's CA is not
	// one e.test verified.
	resp, body, _, err := p.tlsGet(port, "", "e.test", "/env", withAlice)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("no SNI, Host e.test: %v %v", resp, err)
	}
	contains(t, "e.test's verification", body, "SSL_CLIENT_VERIFY=GENEROUS")
	contains(t, "error log", s.waitLog("AH02256"), "AH02256: Non-default virtual host with SSLVerify set to 'require'")
}

// anySessionCache gives the last TLS session to any server name: a
// client replaying a session of one virtual host in a handshake with
// another.
type anySessionCache struct {
	mu sync.Mutex
	cs *tls.ClientSessionState
}

func (c *anySessionCache) Get(string) (*tls.ClientSessionState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cs, c.cs != nil
}

func (c *anySessionCache) Put(_ string, cs *tls.ClientSessionState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cs != nil {
		c.cs = cs
	}
}

// TestSSLSessionNotResumedByAnotherVhost checks that a session made with
// one virtual host is not resumed in a handshake naming another, as
// mod_ssl gives each virtual host its own session context (with -X too,
// where no master gives the workers a ticket secret): the other host
// makes a full handshake, with its own settings and checks.
func TestSSLSessionNotResumedByAnotherVhost(t *testing.T) {
	s, p, port := sslSite(t, "Listen 127.0.0.1:{{TLS}} https\n"+
		sslEnvVhost("a.test", "a", "    SSLCACertificateFile {{PKI}}/ca.pem\n    SSLVerifyClient require\n")+
		sslEnvVhost("d.test", "b", "    SSLCACertificateFile {{PKI}}/ca.pem\n    SSLVerifyClient require\n    SSLVerifyDepth 2\n"), nil)
	alice, err := tls.LoadX509KeyPair(filepath.Join(p.dir, "alice.crt"), filepath.Join(p.dir, "alice.key"))
	if err != nil {
		t.Fatal(err)
	}
	cache := &anySessionCache{}
	replay := func(c *tls.Config) {
		c.Certificates = []tls.Certificate{alice}
		c.ClientSessionCache = cache
		c.InsecureSkipVerify = true // the session's certificate is a.test's
	}
	p.mustTLSGet(s, port, "a.test", "/env", replay)
	if _, st := p.mustTLSGet(s, port, "d.test", "/env", replay); st.DidResume {
		t.Errorf("SNI d.test resumed a.test's session")
	}
	// Each resumes its own.
	for _, name := range []string{"d.test", "d.test", "a.test"} {
		if _, st := p.mustTLSGet(s, port, name, "/env", replay); name == "d.test" && !st.DidResume {
			t.Errorf("%s did not resume its own session", name)
		}
	}
}
