package config

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
)

// mod_ssl's SSLProtocol and SSLCipherSuite take OpenSSL's words; Go's
// crypto/tls takes a version range and a set of TLS 1.2 suites. This file
// maps one onto the other (docs/configuration.md, "mod_ssl", says how).

// sslProtocols are SSLProtocol's protocol names Go's TLS speaks.
var sslProtocols = map[string]uint16{
	"tlsv1": tls.VersionTLS10, "tlsv1.1": tls.VersionTLS11, "tlsv1.2": tls.VersionTLS12, "tlsv1.3": tls.VersionTLS13,
}

// sslAll is what "all" enables: TLSv1.2 and TLSv1.3, the versions
// Debian's Apache negotiates with "all" (its OpenSSL 3 refuses TLSv1 and
// TLSv1.1 at its default security level); name those explicitly to allow
// them.
var sslAll = []uint16{tls.VersionTLS12, tls.VersionTLS13}

// parseSSLProtocol turns SSLProtocol's arguments into a version range:
// each word adds (+ or none, the first one without a sign replacing the
// default set, as mod_ssl's) or removes (-) protocols. SSLv2 and SSLv3,
// which Go lacks, may only be removed.
func parseSSLProtocol(args []string) (min, max uint16, err error) {
	on := map[uint16]bool{}
	for i, a := range args {
		op := byte(0)
		if a != "" && (a[0] == '+' || a[0] == '-') {
			op, a = a[0], a[1:]
		}
		w := strings.ToLower(a)
		var vs []uint16
		switch w {
		case "all":
			vs = sslAll
		case "sslv2", "sslv3":
			if op != '-' {
				return 0, 0, fmt.Errorf("%s: Go's TLS does not speak this protocol (modpy accepts it only as -%s)", a, a)
			}
			continue
		default:
			v, ok := sslProtocols[w]
			if !ok {
				return 0, 0, fmt.Errorf("Illegal protocol '%s'", a)
			}
			vs = []uint16{v}
		}
		if op == 0 && i == 0 {
			clear(on)
		}
		for _, v := range vs {
			on[v] = op != '-'
		}
	}
	for v := uint16(tls.VersionTLS10); v <= tls.VersionTLS13; v++ {
		if !on[v] {
			continue
		}
		if min == 0 {
			min = v
		} else if v != max+1 {
			return 0, 0, fmt.Errorf("%s: Go's TLS takes a range of versions, not %s and %s without those between",
				strings.Join(args, " "), tls.VersionName(max), tls.VersionName(v))
		}
		max = v
	}
	if min == 0 {
		return 0, 0, fmt.Errorf("%s: no protocol left", strings.Join(args, " "))
	}
	return min, max, nil
}

// goSuite is one of Go's TLS 1.2 (and earlier) cipher suites with what
// OpenSSL's cipher strings select it by.
type goSuite struct {
	id      uint16
	name    string   // OpenSSL's name
	tags    []string // OpenSSL aliases that include it (upper-case)
	useBits int      // SSL_CIPHER_USEKEYSIZE
	algBits int      // SSL_CIPHER_ALGKEYSIZE
}

// goSuites are Go's suites for TLS 1.0 to 1.2, by OpenSSL name. The
// aliases follow OpenSSL 3's: HIGH holds AES and ChaCha20, MEDIUM 3DES;
// RC4 is in no group but RC4 itself and its names, as Debian's OpenSSL
// offers it under no group either.
var goSuites = []goSuite{
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256", tags("kECDHE ECDHE EECDH aECDSA ECDSA AES AES128 AESGCM SHA256 TLSv1.2 HIGH"), 128, 128},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256", tags("kECDHE ECDHE EECDH aRSA AES AES128 AESGCM SHA256 TLSv1.2 HIGH"), 128, 128},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384", tags("kECDHE ECDHE EECDH aECDSA ECDSA AES AES256 AESGCM SHA384 TLSv1.2 HIGH"), 256, 256},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384", tags("kECDHE ECDHE EECDH aRSA AES AES256 AESGCM SHA384 TLSv1.2 HIGH"), 256, 256},
	{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305", tags("kECDHE ECDHE EECDH aECDSA ECDSA CHACHA20 TLSv1.2 HIGH"), 256, 256},
	{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305", tags("kECDHE ECDHE EECDH aRSA CHACHA20 TLSv1.2 HIGH"), 256, 256},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, "ECDHE-ECDSA-AES128-SHA256", tags("kECDHE ECDHE EECDH aECDSA ECDSA AES AES128 SHA256 TLSv1.2 HIGH"), 128, 128},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, "ECDHE-RSA-AES128-SHA256", tags("kECDHE ECDHE EECDH aRSA AES AES128 SHA256 TLSv1.2 HIGH"), 128, 128},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE-ECDSA-AES128-SHA", tags("kECDHE ECDHE EECDH aECDSA ECDSA AES AES128 SHA1 SHA TLSv1 SSLv3 HIGH"), 128, 128},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA-AES128-SHA", tags("kECDHE ECDHE EECDH aRSA AES AES128 SHA1 SHA TLSv1 SSLv3 HIGH"), 128, 128},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE-ECDSA-AES256-SHA", tags("kECDHE ECDHE EECDH aECDSA ECDSA AES AES256 SHA1 SHA TLSv1 SSLv3 HIGH"), 256, 256},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE-RSA-AES256-SHA", tags("kECDHE ECDHE EECDH aRSA AES AES256 SHA1 SHA TLSv1 SSLv3 HIGH"), 256, 256},
	{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, "AES128-GCM-SHA256", tags("kRSA RSA aRSA AES AES128 AESGCM SHA256 TLSv1.2 HIGH"), 128, 128},
	{tls.TLS_RSA_WITH_AES_256_GCM_SHA384, "AES256-GCM-SHA384", tags("kRSA RSA aRSA AES AES256 AESGCM SHA384 TLSv1.2 HIGH"), 256, 256},
	{tls.TLS_RSA_WITH_AES_128_CBC_SHA256, "AES128-SHA256", tags("kRSA RSA aRSA AES AES128 SHA256 TLSv1.2 HIGH"), 128, 128},
	{tls.TLS_RSA_WITH_AES_128_CBC_SHA, "AES128-SHA", tags("kRSA RSA aRSA AES AES128 SHA1 SHA TLSv1 SSLv3 HIGH"), 128, 128},
	{tls.TLS_RSA_WITH_AES_256_CBC_SHA, "AES256-SHA", tags("kRSA RSA aRSA AES AES256 SHA1 SHA TLSv1 SSLv3 HIGH"), 256, 256},
	{tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, "ECDHE-RSA-DES-CBC3-SHA", tags("kECDHE ECDHE EECDH aRSA 3DES SHA1 SHA TLSv1 SSLv3 MEDIUM"), 112, 168},
	{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, "DES-CBC3-SHA", tags("kRSA RSA aRSA 3DES SHA1 SHA TLSv1 SSLv3 MEDIUM"), 112, 168},
	{tls.TLS_ECDHE_ECDSA_WITH_RC4_128_SHA, "ECDHE-ECDSA-RC4-SHA", tags("RC4"), 128, 128},
	{tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA, "ECDHE-RSA-RC4-SHA", tags("RC4"), 128, 128},
	{tls.TLS_RSA_WITH_RC4_128_SHA, "RC4-SHA", tags("RC4"), 128, 128},
}

// goSuites13 are TLS 1.3's suites, which Go always enables, by their
// (OpenSSL and IANA) names.
var goSuites13 = []goSuite{
	{tls.TLS_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256", nil, 128, 128},
	{tls.TLS_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384", nil, 256, 256},
	{tls.TLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256", nil, 256, 256},
}

func tags(s string) []string { return strings.Fields(strings.ToUpper(s)) }

// SSLSuite returns what mod_ssl's variables say of the cipher suite id:
// its OpenSSL name (SSL_CIPHER) and its key sizes in use and of the
// algorithm (SSL_CIPHER_USEKEYSIZE, SSL_CIPHER_ALGKEYSIZE); ok is false
// for a suite Go negotiated that the table lacks.
func SSLSuite(id uint16) (name string, useBits, algBits int, ok bool) {
	for _, tab := range [][]goSuite{goSuites, goSuites13} {
		for _, s := range tab {
			if s.id == id {
				return s.name, s.useBits, s.algBits, true
			}
		}
	}
	return tls.CipherSuiteName(id), 0, 0, false
}

// sslAliases are OpenSSL's cipher-string words that select groups of
// ciphers (upper-case). A word here that no Go suite carries selects none
// (aNULL, CAMELLIA...): OpenSSL's ciphers of that group are ones Go lacks.
var sslAliases = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range tags(`ALL COMPLEMENTOFALL DEFAULT COMPLEMENTOFDEFAULT HIGH MEDIUM LOW EXP EXPORT EXPORT40 EXPORT56
		aNULL eNULL NULL kRSA aRSA RSA kDHE kEDH DH DHE EDH ADH kDHr kDHd kECDHE kEECDH ECDHE EECDH ECDH AECDH
		aECDSA ECDSA aDSS DSS aDH aECDH kPSK kECDHEPSK kDHEPSK kRSAPSK PSK aPSK kSRP aSRP SRP aGOST GOST
		TLSv1.2 TLSv1.0 TLSv1 SSLv3 SSLv2 AES AES128 AES256 AESGCM AESCCM AESCCM8 ARIA ARIA128 ARIA256 ARIAGCM
		CAMELLIA CAMELLIA128 CAMELLIA256 CHACHA20 3DES DES RC4 RC2 IDEA SEED MD5 SHA1 SHA SHA256 SHA384
		SUITEB128 SUITEB128ONLY SUITEB192 CBC FIPS`) {
		m[w] = true
	}
	for _, s := range goSuites {
		for _, t := range s.tags {
			m[t] = true
		}
	}
	return m
}()

// SSLCipherSpec is an SSLCipherSuite for TLS 1.2 and earlier, mapped onto
// Go's suites.
type SSLCipherSpec struct {
	Text   string   // as written
	Suites []uint16 // the Go suites it enables
	// Lacking are the OpenSSL cipher names it lists that Go does not
	// implement (DHE-RSA-AES128-GCM-SHA256...): they are not offered.
	Lacking []string
}

// parseSSLCipherSuite reads an OpenSSL cipher string: words separated by
// ':', ',' or spaces, each a cipher name or alias, or aliases joined by
// '+' (all of them must hold); '!' removes for good, '-' removes (a later
// word may add back), '+' in front moves (order is Go's anyway: see
// docs), "@STRENGTH" and "@SECLEVEL=n" sort or filter and change no set.
// A word that is neither OpenSSL's nor Go's is an error naming it.
func parseSSLCipherSuite(text string) (*SSLCipherSpec, error) {
	spec := &SSLCipherSpec{Text: text}
	on := map[uint16]bool{}
	banned := map[uint16]bool{}
	words := strings.FieldsFunc(text, func(r rune) bool { return r == ':' || r == ',' || r == ' ' || r == '\t' })
	for _, w := range words {
		if strings.HasPrefix(w, "@") {
			u := strings.ToUpper(w)
			if u == "@STRENGTH" || strings.HasPrefix(u, "@SECLEVEL=") {
				continue
			}
			return nil, fmt.Errorf("%s: unknown cipher string command", w)
		}
		op := byte(0)
		if w[0] == '!' || w[0] == '-' || w[0] == '+' {
			op, w = w[0], w[1:]
		}
		sel, lacking, err := selectSuites(w)
		if err != nil {
			return nil, err
		}
		switch op {
		case '!':
			for _, id := range sel {
				banned[id] = true
				delete(on, id)
			}
		case '-':
			for _, id := range sel {
				delete(on, id)
			}
		case '+':
			// Moves ciphers already on to the end: order is Go's.
		default:
			if lacking != "" {
				spec.Lacking = append(spec.Lacking, lacking)
			}
			for _, id := range sel {
				if !banned[id] {
					on[id] = true
				}
			}
		}
	}
	for _, s := range goSuites {
		if on[s.id] {
			spec.Suites = append(spec.Suites, s.id)
		}
	}
	if len(spec.Suites) == 0 {
		return nil, fmt.Errorf("%q enables no cipher suite Go's TLS implements for TLS 1.2 (those: %s)", text, goSuiteNames())
	}
	return spec, nil
}

// selectSuites is the Go suites one word of a cipher string selects. For
// an OpenSSL cipher name Go lacks it returns none and the name.
func selectSuites(w string) (ids []uint16, lacking string, err error) {
	for _, s := range goSuites {
		if s.name == w {
			return []uint16{s.id}, "", nil
		}
	}
	if slices.ContainsFunc(goSuites13, func(s goSuite) bool { return s.name == w }) {
		return nil, "", nil // TLS 1.3's, which this list does not set
	}
	if slices.Contains(opensslOnlyCiphers, w) {
		return nil, w, nil
	}
	parts := strings.Split(strings.ToUpper(w), "+")
	for _, p := range parts {
		if !sslAliases[p] {
			return nil, "", fmt.Errorf("%s: neither a cipher suite Go's TLS implements (%s) nor an OpenSSL cipher name or alias", w, goSuiteNames())
		}
	}
	for _, s := range goSuites {
		if hasAll(s, parts) {
			ids = append(ids, s.id)
		}
	}
	return ids, "", nil
}

// hasAll reports whether suite s belongs to every alias of parts.
func hasAll(s goSuite, parts []string) bool {
	for _, p := range parts {
		switch p {
		case "ALL", "DEFAULT":
			if slices.Contains(s.tags, "RC4") {
				return false // RC4 is in neither, as in OpenSSL 3
			}
			if p == "DEFAULT" && !slices.Contains(s.tags, "HIGH") {
				return false
			}
			continue
		case "COMPLEMENTOFDEFAULT":
			if slices.Contains(s.tags, "HIGH") {
				return false
			}
			continue
		case "COMPLEMENTOFALL":
			if !slices.Contains(s.tags, "RC4") {
				return false
			}
			continue
		case "TLSV1.0":
			p = "TLSV1"
		}
		if !slices.Contains(s.tags, p) {
			return false
		}
	}
	return true
}

func goSuiteNames() string {
	var names []string
	for _, s := range goSuites {
		names = append(names, s.name)
	}
	return strings.Join(names, ", ")
}

// parseTLS13Ciphers checks "SSLCipherSuite TLSv1.3 list": Go always
// offers its three TLS 1.3 suites, so a list must name all three.
func parseTLS13Ciphers(text string) error {
	got := strings.FieldsFunc(text, func(r rune) bool { return r == ':' || r == ',' || r == ' ' })
	for _, s := range goSuites13 {
		if !slices.Contains(got, s.name) {
			return fmt.Errorf("%q: Go's TLS 1.3 always enables %s, %s and %s and cannot leave out %s",
				text, goSuites13[0].name, goSuites13[1].name, goSuites13[2].name, s.name)
		}
	}
	for _, g := range got {
		if !slices.ContainsFunc(goSuites13, func(s goSuite) bool { return s.name == g }) {
			return fmt.Errorf("%s: not a TLS 1.3 cipher suite Go's TLS implements", g)
		}
	}
	return nil
}

// opensslOnlyCiphers are the TLS 1.2 cipher names of Debian's OpenSSL 3
// ("openssl ciphers ALL:COMPLEMENTOFALL:@SECLEVEL=0") that Go's TLS does
// not implement: listing one offers nothing, and Load notes it.
var opensslOnlyCiphers = strings.Fields(`
DHE-DSS-AES256-GCM-SHA384 DHE-RSA-AES256-GCM-SHA384 DHE-RSA-CHACHA20-POLY1305 ECDHE-ECDSA-AES256-CCM8
ECDHE-ECDSA-AES256-CCM DHE-RSA-AES256-CCM8 DHE-RSA-AES256-CCM ECDHE-ECDSA-ARIA256-GCM-SHA384
ECDHE-ARIA256-GCM-SHA384 DHE-DSS-ARIA256-GCM-SHA384 DHE-RSA-ARIA256-GCM-SHA384 ADH-AES256-GCM-SHA384
DHE-DSS-AES128-GCM-SHA256 DHE-RSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES128-CCM8 ECDHE-ECDSA-AES128-CCM
DHE-RSA-AES128-CCM8 DHE-RSA-AES128-CCM ECDHE-ECDSA-ARIA128-GCM-SHA256 ECDHE-ARIA128-GCM-SHA256
DHE-DSS-ARIA128-GCM-SHA256 DHE-RSA-ARIA128-GCM-SHA256 ADH-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-SHA384
ECDHE-RSA-AES256-SHA384 DHE-RSA-AES256-SHA256 DHE-DSS-AES256-SHA256 ECDHE-ECDSA-CAMELLIA256-SHA384
ECDHE-RSA-CAMELLIA256-SHA384 DHE-RSA-CAMELLIA256-SHA256 DHE-DSS-CAMELLIA256-SHA256 ADH-AES256-SHA256
ADH-CAMELLIA256-SHA256 DHE-RSA-AES128-SHA256 DHE-DSS-AES128-SHA256 ECDHE-ECDSA-CAMELLIA128-SHA256
ECDHE-RSA-CAMELLIA128-SHA256 DHE-RSA-CAMELLIA128-SHA256 DHE-DSS-CAMELLIA128-SHA256 ADH-AES128-SHA256
ADH-CAMELLIA128-SHA256 DHE-RSA-AES256-SHA DHE-DSS-AES256-SHA DHE-RSA-CAMELLIA256-SHA DHE-DSS-CAMELLIA256-SHA
AECDH-AES256-SHA ADH-AES256-SHA ADH-CAMELLIA256-SHA DHE-RSA-AES128-SHA DHE-DSS-AES128-SHA
DHE-RSA-CAMELLIA128-SHA DHE-DSS-CAMELLIA128-SHA AECDH-AES128-SHA ADH-AES128-SHA ADH-CAMELLIA128-SHA
RSA-PSK-AES256-GCM-SHA384 DHE-PSK-AES256-GCM-SHA384 RSA-PSK-CHACHA20-POLY1305 DHE-PSK-CHACHA20-POLY1305
ECDHE-PSK-CHACHA20-POLY1305 DHE-PSK-AES256-CCM8 DHE-PSK-AES256-CCM RSA-PSK-ARIA256-GCM-SHA384
DHE-PSK-ARIA256-GCM-SHA384 AES256-CCM8 AES256-CCM ARIA256-GCM-SHA384 PSK-AES256-GCM-SHA384
PSK-CHACHA20-POLY1305 PSK-AES256-CCM8 PSK-AES256-CCM PSK-ARIA256-GCM-SHA384 RSA-PSK-AES128-GCM-SHA256
DHE-PSK-AES128-GCM-SHA256 DHE-PSK-AES128-CCM8 DHE-PSK-AES128-CCM RSA-PSK-ARIA128-GCM-SHA256
DHE-PSK-ARIA128-GCM-SHA256 AES128-CCM8 AES128-CCM ARIA128-GCM-SHA256 PSK-AES128-GCM-SHA256 PSK-AES128-CCM8
PSK-AES128-CCM PSK-ARIA128-GCM-SHA256 AES256-SHA256 CAMELLIA256-SHA256 CAMELLIA128-SHA256
ECDHE-PSK-AES256-CBC-SHA384 ECDHE-PSK-AES256-CBC-SHA SRP-DSS-AES-256-CBC-SHA SRP-RSA-AES-256-CBC-SHA
SRP-AES-256-CBC-SHA RSA-PSK-AES256-CBC-SHA384 DHE-PSK-AES256-CBC-SHA384 RSA-PSK-AES256-CBC-SHA
DHE-PSK-AES256-CBC-SHA ECDHE-PSK-CAMELLIA256-SHA384 RSA-PSK-CAMELLIA256-SHA384 DHE-PSK-CAMELLIA256-SHA384
CAMELLIA256-SHA PSK-AES256-CBC-SHA384 PSK-AES256-CBC-SHA PSK-CAMELLIA256-SHA384 ECDHE-PSK-AES128-CBC-SHA256
ECDHE-PSK-AES128-CBC-SHA SRP-DSS-AES-128-CBC-SHA SRP-RSA-AES-128-CBC-SHA SRP-AES-128-CBC-SHA
RSA-PSK-AES128-CBC-SHA256 DHE-PSK-AES128-CBC-SHA256 RSA-PSK-AES128-CBC-SHA DHE-PSK-AES128-CBC-SHA
ECDHE-PSK-CAMELLIA128-SHA256 RSA-PSK-CAMELLIA128-SHA256 DHE-PSK-CAMELLIA128-SHA256 CAMELLIA128-SHA
PSK-AES128-CBC-SHA256 PSK-AES128-CBC-SHA PSK-CAMELLIA128-SHA256 ECDHE-ECDSA-NULL-SHA ECDHE-RSA-NULL-SHA
AECDH-NULL-SHA NULL-SHA256 ECDHE-PSK-NULL-SHA384 ECDHE-PSK-NULL-SHA256 ECDHE-PSK-NULL-SHA RSA-PSK-NULL-SHA384
RSA-PSK-NULL-SHA256 DHE-PSK-NULL-SHA384 DHE-PSK-NULL-SHA256 RSA-PSK-NULL-SHA DHE-PSK-NULL-SHA NULL-SHA NULL-MD5
PSK-NULL-SHA384 PSK-NULL-SHA256 PSK-NULL-SHA EDH-RSA-DES-CBC3-SHA EDH-DSS-DES-CBC3-SHA DHE-RSA-DES-CBC3-SHA
DHE-DSS-DES-CBC3-SHA SEED-SHA IDEA-CBC-SHA`)
