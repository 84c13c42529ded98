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
	// KeepOpen: the client's connection may stay open after this request,
	// as far as the client, the configuration and the connection go
	// (the worker's answer decides the rest: its status and framing).
	KeepOpen bool
	// Sub: the request is a subrequest the worker made (mod_include's
	// include virtual): its answer goes into a page, and the group writes
	// no access log line for it (Apache logs none).
	Sub bool

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

// Encode is Info as Modpy-Relay's value: url-encoded k=v pairs (as
// url.Values would write them), written without a map: it is made for
// every relayed request.
func Encode(in *Info) string {
	return string(AppendEncode(make([]byte, 0, 160), in))
}

// AppendEncode appends Encode(in) to dst.
func AppendEncode(dst []byte, in *Info) []byte {
	first := true
	field := func(k, v string) {
		if !first {
			dst = append(dst, '&')
		}
		first = false
		dst = append(dst, k...)
		dst = append(dst, '=')
		dst = appendEscaped(dst, v)
	}
	num := func(k string, n int64) {
		field(k, "")
		dst = strconv.AppendInt(dst, n, 10)
	}
	if in.Remote.IsValid() {
		field("remote", "")
		dst = appendEscapedAddr(dst, in.Remote)
	}
	if in.Local.IsValid() {
		field("local", "")
		dst = appendEscapedAddr(dst, in.Local)
	}
	if in.Proto != "" {
		field("proto", in.Proto)
	}
	if !in.Start.IsZero() {
		num("start", in.Start.UnixNano())
	}
	field("conn", "")
	dst = strconv.AppendUint(dst, in.ConnID, 10)
	num("keepalive", int64(in.KeepAlives))
	if in.KeepOpen {
		field("ka", "1")
	}
	if in.Sub {
		field("sub", "1")
	}
	if len(in.Key) > 0 {
		field("key", "")
		dst = hex.AppendEncode(dst, in.Key)
	}
	if in.HTTPS {
		field("https", "on")
		num("protocol", int64(in.TLSVersion))
		num("cipher", int64(in.Cipher))
		if in.SNI != "" {
			field("sni", in.SNI)
		}
		if in.ALPN != "" {
			field("alpn", in.ALPN)
		}
		if in.Resumed {
			field("resumed", "1")
		}
		if in.SessionID != "" {
			field("sid", in.SessionID)
		}
		if len(in.ClientCerts) > 0 {
			var b strings.Builder
			for _, der := range in.ClientCerts {
				b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
			}
			field("cert", b.String())
			if in.Verified {
				field("verify", "SUCCESS")
			} else {
				field("verify", "GENEROUS")
			}
		}
	}
	return dst
}

// appendEscaped appends v query-escaped: every byte but A-Z a-z 0-9 - _ .
// ~ as %XX.
func appendEscaped(dst []byte, v string) []byte {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(v); i++ {
		c := v[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return dst
}

// appendEscapedAddr appends a's text query-escaped, without making it a
// string first.
func appendEscapedAddr(dst []byte, a netip.AddrPort) []byte {
	var buf [64]byte
	return appendEscaped(dst, string(a.AppendTo(buf[:0])))
}

// Decode parses Modpy-Relay's value.
func Decode(s string) (Info, error) {
	var in Info
	var seen [nFields]bool
	var v [nFields]string
	for rest := s; rest != ""; {
		var kv string
		kv, rest, _ = strings.Cut(rest, "&")
		if strings.Contains(kv, ";") {
			return in, errors.New("relay: bad " + Header + ": invalid semicolon separator")
		}
		if kv == "" {
			continue
		}
		k, x, _ := strings.Cut(kv, "=")
		var err error
		if k, err = url.QueryUnescape(k); err != nil {
			return in, errors.New("relay: bad " + Header + ": " + err.Error())
		}
		if x, err = url.QueryUnescape(x); err != nil {
			return in, errors.New("relay: bad " + Header + ": " + err.Error())
		}
		if i := fieldIndex(k); i >= 0 && !seen[i] {
			seen[i], v[i] = true, x // the first, as url.Values.Get
		}
	}
	bad := func(k string, err error) (Info, error) {
		return Info{}, errors.New("relay: bad " + Header + " " + k + ": " + err.Error())
	}
	var err error
	if x := v[fRemote]; x != "" {
		if in.Remote, err = netip.ParseAddrPort(x); err != nil {
			return bad("remote", err)
		}
	}
	if x := v[fLocal]; x != "" {
		if in.Local, err = netip.ParseAddrPort(x); err != nil {
			return bad("local", err)
		}
	}
	in.Proto = v[fProto]
	if x := v[fStart]; x != "" {
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return bad("start", err)
		}
		in.Start = time.Unix(0, n)
	}
	if x := v[fConn]; x != "" {
		if in.ConnID, err = strconv.ParseUint(x, 10, 64); err != nil {
			return bad("conn", err)
		}
	}
	if x := v[fKeepAlive]; x != "" {
		if in.KeepAlives, err = strconv.Atoi(x); err != nil {
			return bad("keepalive", err)
		}
	}
	in.KeepOpen = v[fKeepOpen] == "1"
	in.Sub = v[fSub] == "1"
	if x := v[fKey]; x != "" {
		if in.Key, err = hex.DecodeString(x); err != nil {
			return bad("key", err)
		}
	}
	if v[fHTTPS] != "on" {
		return in, nil
	}
	in.HTTPS = true
	n, err := strconv.ParseUint(v[fProtocol], 10, 16)
	if err != nil {
		return bad("protocol", err)
	}
	in.TLSVersion = uint16(n)
	if n, err = strconv.ParseUint(v[fCipher], 10, 16); err != nil {
		return bad("cipher", err)
	}
	in.Cipher = uint16(n)
	in.SNI, in.ALPN, in.SessionID = v[fSNI], v[fALPN], v[fSID]
	in.Resumed = v[fResumed] == "1"
	rest := []byte(v[fCert])
	for len(rest) > 0 {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		in.ClientCerts = append(in.ClientCerts, b.Bytes)
	}
	in.Verified = len(in.ClientCerts) > 0 && v[fVerify] == "SUCCESS"
	return in, nil
}

// Modpy-Relay's fields, by their index in Decode's table.
const (
	fRemote = iota
	fLocal
	fProto
	fStart
	fConn
	fKeepAlive
	fKeepOpen
	fSub
	fKey
	fHTTPS
	fProtocol
	fCipher
	fSNI
	fALPN
	fResumed
	fSID
	fCert
	fVerify
	nFields
)

var fieldNames = [nFields]string{"remote", "local", "proto", "start", "conn", "keepalive", "ka", "sub", "key", "https",
	"protocol", "cipher", "sni", "alpn", "resumed", "sid", "cert", "verify"}

func fieldIndex(k string) int {
	for i, n := range fieldNames {
		if n == k {
			return i
		}
	}
	return -1
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
