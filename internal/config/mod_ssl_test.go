package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSSLProtocol(t *testing.T) {
	for _, c := range []struct {
		args     string
		min, max uint16
		err      string
	}{
		{"all -SSLv3", tls.VersionTLS12, tls.VersionTLS13, ""},
		{"-all +TLSv1.2", tls.VersionTLS12, tls.VersionTLS12, ""},
		{"TLSv1.3", tls.VersionTLS13, tls.VersionTLS13, ""},
		{"all -TLSv1.3", tls.VersionTLS12, tls.VersionTLS12, ""},
		{"all +TLSv1.1", tls.VersionTLS11, tls.VersionTLS13, ""},
		{"+TLSv1 +TLSv1.2", 0, 0, "range"}, // added to the default 1.2-1.3: no 1.1
		{"TLSv1 +TLSv1.2", 0, 0, "range"},
		{"+SSLv3", 0, 0, "SSLv3: Go's TLS does not speak"},
		{"TLSv9", 0, 0, "Illegal protocol 'TLSv9'"},
	} {
		min, max, err := parseSSLProtocol(strings.Fields(c.args))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil || min != c.min || max != c.max {
			t.Errorf("%q: %x-%x %v, want %x-%x", c.args, min, max, err, c.min, c.max)
		}
	}
}

func TestSSLCipherSuite(t *testing.T) {
	names := func(ids []uint16) []string {
		var out []string
		for _, id := range ids {
			n, _, _, _ := SSLSuite(id)
			out = append(out, n)
		}
		return out
	}
	// Debian's default: every AES and ChaCha20 suite Go has.
	s, err := parseSSLCipherSuite("HIGH:!aNULL")
	if err != nil || len(s.Suites) != 17 || slices.Contains(names(s.Suites), "DES-CBC3-SHA") {
		t.Errorf("HIGH:!aNULL: %v %v", names(s.Suites), err)
	}
	// Mozilla's intermediate: six ECDHE suites; the DHE ones Go lacks.
	moz := "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" +
		"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"
	s, err = parseSSLCipherSuite(moz)
	if err != nil || len(s.Suites) != 6 || len(s.Lacking) != 3 {
		t.Errorf("mozilla: %v lacking %v, %v", names(s.Suites), s.Lacking, err)
	}
	s, err = parseSSLCipherSuite("ECDHE+AESGCM:!ECDSA")
	if err != nil || !slices.Equal(names(s.Suites), []string{"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384"}) {
		t.Errorf("ECDHE+AESGCM:!ECDSA: %v %v", names(s.Suites), err)
	}
	s, err = parseSSLCipherSuite("HIGH:-AES256:AES256-SHA")
	if err != nil || !slices.Contains(names(s.Suites), "AES256-SHA") || slices.Contains(names(s.Suites), "AES256-GCM-SHA384") {
		t.Errorf("-AES256 then AES256-SHA: %v %v", names(s.Suites), err)
	}
	if _, err := parseSSLCipherSuite("HIGH:!AES256-SHA:AES256-SHA"); err != nil {
		t.Error(err)
	}
	for text, want := range map[string]string{
		"ECDHE-RSA-AES128-GCM-SHA256:BOGUS-CIPHER": "BOGUS-CIPHER: neither",
		"DHE-RSA-AES128-GCM-SHA256":                "enables no cipher suite",
		"HIGH:@FOO":                                "@FOO",
	} {
		if _, err := parseSSLCipherSuite(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
	if err := parseTLS13Ciphers("TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"); err != nil {
		t.Error(err)
	}
	if err := parseTLS13Ciphers("TLS_AES_256_GCM_SHA384"); err == nil {
		t.Error("a TLS 1.3 subset was accepted")
	}
}

func TestSSLOptionsMerge(t *testing.T) {
	abs := &SSLOptions{Opts: SSLOptStdEnvVars, Add: SSLOptStdEnvVars}
	rel := &SSLOptions{Opts: SSLOptExportCertData, Add: SSLOptExportCertData, Relative: true}
	if got := mergeSSLOptions(abs, rel).Opts; got != SSLOptStdEnvVars|SSLOptExportCertData {
		t.Errorf("+ExportCertData over StdEnvVars: %b", got)
	}
	minus := &SSLOptions{Del: SSLOptStdEnvVars, Relative: true}
	if got := mergeSSLOptions(abs, minus).Opts; got != 0 {
		t.Errorf("-StdEnvVars over StdEnvVars: %b", got)
	}
	if got := mergeSSLOptions(rel, abs).Opts; got != SSLOptStdEnvVars {
		t.Errorf("absolute StdEnvVars over +ExportCertData: %b", got)
	}
}

// writeSelfSigned writes a self-signed certificate for name and its key
// (PKCS#8 PEM) as dir/cert.pem and dir/key.pem.
func writeSelfSigned(t *testing.T, dir, name string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	writeFiles(t, dir, map[string]string{
		"cert.pem": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		"key.pem":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})),
	})
}

// TestDebianConfigWithSSL: "a2enmod ssl; a2ensite default-ssl" on the
// stock tree (Debian's ssl.conf and default-ssl.conf, their directives
// as shipped, the snakeoil certificate replaced by one of the test's).
func TestDebianConfigWithSSL(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, debianTree)
	writeSelfSigned(t, dir, "localhost")
	writeFiles(t, dir, map[string]string{
		"mods-enabled/socache_shmcb.load": "LoadModule socache_shmcb_module /usr/lib/apache2/modules/mod_socache_shmcb.so\n",
		"mods-enabled/ssl.load":           "# Depends: setenvif mime socache_shmcb\nLoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so\n",
		"mods-enabled/ssl.conf": `<IfModule mod_ssl.c>
	SSLRandomSeed startup builtin
	SSLRandomSeed startup file:/dev/urandom 512
	SSLRandomSeed connect builtin
	SSLRandomSeed connect file:/dev/urandom 512
	AddType application/x-x509-ca-cert .crt
	AddType application/x-pkcs7-crl    .crl
	SSLPassPhraseDialog  exec:/usr/share/apache2/ask-for-passphrase
	SSLSessionCache		shmcb:${APACHE_RUN_DIR}/ssl_scache(512000)
	SSLSessionCacheTimeout  300
	SSLCipherSuite HIGH:!aNULL
	SSLProtocol all -SSLv3
	SSLSessionTickets off
</IfModule>
`,
		"sites-enabled/default-ssl.conf": `<VirtualHost *:443>
	ServerAdmin webmaster@localhost
	DocumentRoot /var/www/html
	ErrorLog ${APACHE_LOG_DIR}/error.log
	CustomLog ${APACHE_LOG_DIR}/access.log combined
	SSLEngine on
	SSLCertificateFile      ` + dir + `/cert.pem
	SSLCertificateKeyFile   ` + dir + `/key.pem
	<FilesMatch "\.(?:cgi|shtml|phtml|php)$">
		SSLOptions +StdEnvVars
	</FilesMatch>
	<Directory /usr/lib/cgi-bin>
		SSLOptions +StdEnvVars
	</Directory>
</VirtualHost>
`,
	})
	// The tree's pyapp vhost says SSLEngine on inside <IfModule
	// mod_ssl.c> with no certificate: with mod_ssl loaded that is an
	// error, as in Apache.
	_, err := Load(LoadOptions{File: filepath.Join(dir, "apache2.conf"), ServerRoot: dir})
	if err == nil || !strings.Contains(err.Error(), "010-pyapp.conf:21: SSLEngine: Failed to configure at least one certificate") {
		t.Fatalf("Load: %v", err)
	}
	pyapp := debianTree["sites-enabled/010-pyapp.conf"]
	writeFiles(t, dir, map[string]string{"sites-enabled/010-pyapp.conf": strings.Replace(pyapp, "SSLEngine on", "SSLEngine off", 1)})
	c, err := Load(LoadOptions{File: filepath.Join(dir, "apache2.conf"), ServerRoot: dir})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(c.Listen) != 2 || c.Listen[1].Addr != ":443" {
		t.Errorf("Listen = %+v", c.Listen)
	}
	ssl := c.SelectServer(netip.MustParseAddrPort("192.0.2.1:443"), "")
	if !ssl.SSL.Enabled() || len(ssl.SSL.Certificates) != 1 || ssl.SSL.Tickets() || ssl.SSL.Ciphers.Text != "HIGH:!aNULL" {
		t.Errorf("default-ssl vhost: %+v", ssl.SSL)
	}
	if lo, hi := ssl.SSL.Versions(); lo != tls.VersionTLS12 || hi != tls.VersionTLS13 {
		t.Errorf("SSLProtocol all -SSLv3: %x-%x", lo, hi)
	}
	if plain := c.SelectServer(netip.MustParseAddrPort("192.0.2.1:80"), ""); plain.SSL.Enabled() {
		t.Errorf("the port 80 vhost has SSLEngine on")
	}
	if d := c.DirConfigFor(ssl, "/x.php", "/var/www/html/x.php"); d.SSLOpts() != SSLOptStdEnvVars {
		t.Errorf("FilesMatch SSLOptions: %v", d.SSLOpts())
	}
	var notices []string
	for _, n := range c.Notices {
		notices = append(notices, n.String())
	}
	all := strings.Join(notices, "\n")
	for _, want := range []string{"SSLRandomSeed:", "SSLSessionCache:", "SSLPassPhraseDialog:"} {
		if !strings.Contains(all, want) {
			t.Errorf("no notice containing %q in:\n%s", want, all)
		}
	}
}

// SSLCertificateChainFile's certificates follow the server's own; a key
// in the certificate file needs no SSLCertificateKeyFile.
func TestSSLChainFileAndKeyInCertFile(t *testing.T) {
	dir := t.TempDir()
	writeSelfSigned(t, dir, "a.test")
	cert, _ := os.ReadFile(filepath.Join(dir, "cert.pem"))
	key, _ := os.ReadFile(filepath.Join(dir, "key.pem"))
	writeFiles(t, dir, map[string]string{"both.pem": string(cert) + string(key), "chain.pem": string(cert)})
	c, _, err := loadText(t, "Listen 127.0.0.1:1\n<VirtualHost *:1>\nSSLEngine on\nSSLCertificateFile "+dir+"/both.pem\n"+
		"SSLCertificateChainFile "+dir+"/chain.pem\n</VirtualHost>\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.VHosts[0].SSL.Certificates; len(got) != 1 || len(got[0].Certificate) != 2 {
		t.Errorf("certificates: %d, chain %d", len(got), len(got[0].Certificate))
	}
}

// TestSSLNoTLSKeys: a process group's process (LoadOptions.NoTLSKeys)
// gets each server's certificates without their private keys, whether
// the key is in its own file (not read: it may not even be readable) or
// in the certificate's.
func TestSSLNoTLSKeys(t *testing.T) {
	dir := t.TempDir()
	writeSelfSigned(t, dir, "a.test")
	cert, _ := os.ReadFile(filepath.Join(dir, "cert.pem"))
	key, _ := os.ReadFile(filepath.Join(dir, "key.pem"))
	writeFiles(t, dir, map[string]string{"both.pem": string(cert) + string(key)})
	text := "Listen 127.0.0.1:1\nListen 127.0.0.1:2\n<VirtualHost *:1>\nSSLEngine on\nSSLCertificateFile " + dir + "/cert.pem\n" +
		"SSLCertificateKeyFile " + dir + "/key.pem\n</VirtualHost>\n<VirtualHost *:2>\nSSLEngine on\nSSLCertificateFile " + dir + "/both.pem\n</VirtualHost>\n"
	writeFiles(t, dir, map[string]string{"httpd.conf": text})
	opts := LoadOptions{File: filepath.Join(dir, "httpd.conf"), ServerRoot: dir, NoDocumentRootCheck: true}
	full, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.NoTLSKeys = true
	c, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range c.VHosts {
		got := v.SSL.Certificates
		if len(got) != 1 || got[0].PrivateKey != nil || got[0].Leaf == nil || got[0].Leaf.Subject.CommonName != "a.test" {
			t.Fatalf("vhost %d: certificates %+v", i, got)
		}
		if k, want := CertKeyType(got[0]), CertKeyType(full.VHosts[i].SSL.Certificates[0]); k != want || k != "ecdsa" {
			t.Errorf("vhost %d: key type %q, with the keys %q", i, k, want)
		}
	}
}
