package config

import (
	"crypto/tls"
	"slices"
	"strings"
	"testing"
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
