package relay

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Header is the name of the trusted header a worker adds to a relayed
// request. A group accepts it only on its own UNIX listener; a worker
// strips a client-sent one always.
const Header = "Modpy-Relay"

// Info is what a group process must know of the client's connection to
// serve a relayed request as if it had accepted it: Modpy-Relay's
// content.
type Info struct {
	Remote, Local netip.AddrPort // the client's address, the one it connected to
	Proto         string         // the client's protocol: "HTTP/1.1", "HTTP/2.0"...
	Start         time.Time      // when the worker had read the request line
	ConnID        uint64         // the worker's connection id
	KeepAlives    int            // requests served before this one on the connection

	// TLS facts, when the client spoke TLS (HTTPS true).
	HTTPS      bool
	TLSVersion uint16
	Cipher     uint16
	SNI        string
	ALPN       string
	Resumed    bool
	SessionID  string // SSL_SESSION_ID as the worker computed it (hex)
	// ClientCerts is the client's certificate chain (leaf first), DER;
	// Verified says the worker's handshake verified it (SSL_CLIENT_VERIFY
	// SUCCESS).
	ClientCerts [][]byte
	Verified    bool

	// Key is the relay key (the master's secret, given to workers only):
	// a group takes a Modpy-Relay whose key hashes to the hash it was
	// given (KeyMatches), so only a worker can tell it a client's facts.
	Key []byte
}

// KeyMatches reports whether in's key hashes to hash (the SHA-256 of the
// relay key a group is given).
func (in *Info) KeyMatches(hash []byte) bool {
	h := sha256.Sum256(in.Key)
	return len(in.Key) > 0 && subtle.ConstantTimeCompare(h[:], hash) == 1
}

// Encode is Info as Modpy-Relay's value: url-encoded k=v pairs.
func Encode(in *Info) string {
	v := make(url.Values, 12)
	if in.Remote.IsValid() {
		v.Set("remote", in.Remote.String())
	}
	if in.Local.IsValid() {
		v.Set("local", in.Local.String())
	}
	if in.Proto != "" {
		v.Set("proto", in.Proto)
	}
	if !in.Start.IsZero() {
		v.Set("start", strconv.FormatInt(in.Start.UnixNano(), 10))
	}
	v.Set("conn", strconv.FormatUint(in.ConnID, 10))
	v.Set("keepalive", strconv.Itoa(in.KeepAlives))
	if len(in.Key) > 0 {
		v.Set("key", hex.EncodeToString(in.Key))
	}
	if in.HTTPS {
		v.Set("https", "on")
		v.Set("protocol", strconv.Itoa(int(in.TLSVersion)))
		v.Set("cipher", strconv.Itoa(int(in.Cipher)))
		if in.SNI != "" {
			v.Set("sni", in.SNI)
		}
		if in.ALPN != "" {
			v.Set("alpn", in.ALPN)
		}
		if in.Resumed {
			v.Set("resumed", "1")
		}
		if in.SessionID != "" {
			v.Set("sid", in.SessionID)
		}
		if len(in.ClientCerts) > 0 {
			var b strings.Builder
			for _, der := range in.ClientCerts {
				b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
			}
			v.Set("cert", b.String())
			if in.Verified {
				v.Set("verify", "SUCCESS")
			} else {
				v.Set("verify", "GENEROUS")
			}
		}
	}
	return v.Encode()
}

// Decode parses Modpy-Relay's value.
func Decode(s string) (Info, error) {
	var in Info
	v, err := url.ParseQuery(s)
	if err != nil {
		return in, errors.New("relay: bad " + Header + ": " + err.Error())
	}
	bad := func(k string, err error) (Info, error) {
		return Info{}, errors.New("relay: bad " + Header + " " + k + ": " + err.Error())
	}
	if x := v.Get("remote"); x != "" {
		if in.Remote, err = netip.ParseAddrPort(x); err != nil {
			return bad("remote", err)
		}
	}
	if x := v.Get("local"); x != "" {
		if in.Local, err = netip.ParseAddrPort(x); err != nil {
			return bad("local", err)
		}
	}
	in.Proto = v.Get("proto")
	if x := v.Get("start"); x != "" {
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return bad("start", err)
		}
		in.Start = time.Unix(0, n)
	}
	if x := v.Get("conn"); x != "" {
		if in.ConnID, err = strconv.ParseUint(x, 10, 64); err != nil {
			return bad("conn", err)
		}
	}
	if x := v.Get("keepalive"); x != "" {
		if in.KeepAlives, err = strconv.Atoi(x); err != nil {
			return bad("keepalive", err)
		}
	}
	if x := v.Get("key"); x != "" {
		if in.Key, err = hex.DecodeString(x); err != nil {
			return bad("key", err)
		}
	}
	if v.Get("https") != "on" {
		return in, nil
	}
	in.HTTPS = true
	n, err := strconv.ParseUint(v.Get("protocol"), 10, 16)
	if err != nil {
		return bad("protocol", err)
	}
	in.TLSVersion = uint16(n)
	if n, err = strconv.ParseUint(v.Get("cipher"), 10, 16); err != nil {
		return bad("cipher", err)
	}
	in.Cipher = uint16(n)
	in.SNI, in.ALPN, in.SessionID = v.Get("sni"), v.Get("alpn"), v.Get("sid")
	in.Resumed = v.Get("resumed") == "1"
	rest := []byte(v.Get("cert"))
	for len(rest) > 0 {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		in.ClientCerts = append(in.ClientCerts, b.Bytes)
	}
	in.Verified = len(in.ClientCerts) > 0 && v.Get("verify") == "SUCCESS"
	return in, nil
}

// FromTLS fills in's TLS facts from the worker's handshake; sessionID is
// what the worker shows as SSL_SESSION_ID.
func (in *Info) FromTLS(cs *tls.ConnectionState, sessionID string) {
	if cs == nil {
		return
	}
	in.HTTPS = true
	in.TLSVersion, in.Cipher = cs.Version, cs.CipherSuite
	in.SNI, in.ALPN, in.Resumed = cs.ServerName, cs.NegotiatedProtocol, cs.DidResume
	in.SessionID = sessionID
	in.ClientCerts = in.ClientCerts[:0]
	for _, c := range cs.PeerCertificates {
		in.ClientCerts = append(in.ClientCerts, c.Raw)
	}
	in.Verified = len(cs.VerifiedChains) > 0
}

// ConnectionState is the TLS state the worker's handshake had, as far as
// the server reads it (version, cipher, SNI, ALPN, resumption, the
// client's certificates and whether they were verified); nil when the
// client did not speak TLS. ExportKeyingMaterial cannot be called on it:
// SessionID stands for what it gave.
func (in *Info) ConnectionState() *tls.ConnectionState {
	if !in.HTTPS {
		return nil
	}
	cs := &tls.ConnectionState{
		Version: in.TLSVersion, HandshakeComplete: true, CipherSuite: in.Cipher,
		ServerName: in.SNI, NegotiatedProtocol: in.ALPN, DidResume: in.Resumed,
	}
	for _, der := range in.ClientCerts {
		if c, err := x509.ParseCertificate(der); err == nil {
			cs.PeerCertificates = append(cs.PeerCertificates, c)
		}
	}
	if in.Verified && len(cs.PeerCertificates) > 0 {
		cs.VerifiedChains = [][]*x509.Certificate{cs.PeerCertificates}
	}
	return cs
}
