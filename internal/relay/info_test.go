package relay

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/netip"
	"testing"
	"time"
)

func testCert(t *testing.T) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "alice & bob=1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestEncodeDecode: every fact survives the header, TLS ones included,
// and the TLS state made of them is what the server reads.
func TestEncodeDecode(t *testing.T) {
	der := testCert(t)
	in := Info{
		Remote: netip.MustParseAddrPort("[2001:db8::1]:40000"), Local: netip.MustParseAddrPort("127.0.0.1:8443"),
		Proto: "HTTP/2.0", Start: time.Unix(1700000000, 123456789), ConnID: 42, KeepAlives: 3, KeepOpen: true, Sub: true,
		HTTPS: true, TLSVersion: tls.VersionTLS13, Cipher: tls.TLS_AES_128_GCM_SHA256, SNI: "www.example.com",
		ALPN: "h2", Resumed: true, SessionID: "abcd", ClientCerts: [][]byte{der}, Verified: true,
	}
	out, err := Decode(Encode(&in))
	if err != nil {
		t.Fatal(err)
	}
	if out.Remote != in.Remote || out.Local != in.Local || out.Proto != in.Proto || !out.Start.Equal(in.Start) ||
		out.ConnID != 42 || out.KeepAlives != 3 || !out.KeepOpen || !out.Sub || !out.HTTPS || out.TLSVersion != in.TLSVersion ||
		out.Cipher != in.Cipher || out.SNI != in.SNI || out.ALPN != "h2" || !out.Resumed || out.SessionID != "abcd" ||
		len(out.ClientCerts) != 1 || string(out.ClientCerts[0]) != string(der) || !out.Verified {
		t.Fatalf("decoded %+v\nwant %+v", out, in)
	}
	cs := out.ConnectionState()
	if cs == nil || cs.Version != tls.VersionTLS13 || cs.ServerName != "www.example.com" || !cs.DidResume ||
		len(cs.PeerCertificates) != 1 || cs.PeerCertificates[0].Subject.CommonName != "alice & bob=1" ||
		len(cs.VerifiedChains) != 1 {
		t.Fatalf("ConnectionState %+v", cs)
	}
}

// TestPlain: a plain connection has no TLS state; an unverified client
// certificate gives no verified chain.
func TestPlain(t *testing.T) {
	in := Info{Remote: netip.MustParseAddrPort("10.0.0.1:1"), Proto: "HTTP/1.1"}
	out, err := Decode(Encode(&in))
	if err != nil || out.HTTPS || out.ConnectionState() != nil || out.Remote != in.Remote {
		t.Fatalf("%+v %v", out, err)
	}
	in = Info{HTTPS: true, TLSVersion: tls.VersionTLS12, Cipher: 0xc02f, ClientCerts: [][]byte{testCert(t)}}
	out, _ = Decode(Encode(&in))
	if cs := out.ConnectionState(); len(cs.PeerCertificates) != 1 || len(cs.VerifiedChains) != 0 {
		t.Fatalf("unverified: %+v", cs)
	}
}

// TestDecodeErrors: a bad value is an error, not a zero fact.
func TestDecodeErrors(t *testing.T) {
	for _, s := range []string{"remote=nonsense", "start=x", "conn=-1", "keepalive=a", "https=on&protocol=x", "https=on&protocol=772&cipher=", "%zz"} {
		if _, err := Decode(s); err == nil {
			t.Errorf("Decode(%q): no error", s)
		}
	}
}

// TestAppendEncode: appended after other bytes, the value is the same as
// Encode's and decodes to the same facts; a value with bytes to escape
// survives.
func TestAppendEncode(t *testing.T) {
	in := Info{Remote: netip.MustParseAddrPort("[2001:db8::1]:1"), Proto: "HTTP/1.1", ConnID: 7, Key: []byte{1, 2},
		HTTPS: true, TLSVersion: tls.VersionTLS12, Cipher: 1, SNI: "a&b=c d%"}
	got := string(AppendEncode([]byte("X: "), &in))
	if got != "X: "+Encode(&in) {
		t.Fatalf("AppendEncode %q, Encode %q", got, Encode(&in))
	}
	out, err := Decode(Encode(&in))
	if err != nil || out.SNI != in.SNI || out.Remote != in.Remote || string(out.Key) != string(in.Key) || out.ConnID != 7 {
		t.Fatalf("%+v %v", out, err)
	}
	if _, err := Decode("remote=1.2.3.4%3A5;x=1"); err == nil {
		t.Fatal("a semicolon separator was taken")
	}
}

func BenchmarkEncodeDecode(b *testing.B) {
	in := Info{Remote: netip.MustParseAddrPort("127.0.0.1:40000"), Local: netip.MustParseAddrPort("127.0.0.1:80"),
		Proto: "HTTP/1.1", Start: time.Now(), ConnID: 42, KeepAlives: 3, Key: make([]byte, 32)}
	var buf [256]byte
	for i := 0; i < b.N; i++ {
		if _, err := Decode(string(AppendEncode(buf[:0], &in))); err != nil {
			b.Fatal(err)
		}
	}
}
