package httpd

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"
)

// ProtoHandler serves a whole connection whose TLS handshake negotiated
// its ALPN protocol (see Server.ProtoHandlers). nc is the *tls.Conn, its
// handshake done; the server closes it when the handler returns.
type ProtoHandler func(nc net.Conn, local, remote netip.AddrPort, id uint64)

// plainOnTLS is the request a connection to a TLS port that speaks plain
// HTTP is served as, as mod_ssl fakes it: the client's own bytes are
// never read as a request, and the Handler sees this one with
// Request.PlainOnTLS set (mod_ssl then answers 400).
const plainOnTLS = "GET / HTTP/1.0\r\n\r\n"

// httpStarts are the beginnings OpenSSL recognises as plain HTTP on a TLS
// port (SSL_R_HTTP_REQUEST): anything else that is no TLS record fails
// the handshake, and the connection closes without a response.
var httpStarts = []string{"GET ", "POST ", "HEAD ", "PUT "}

// tlsRecordHandshake is the first byte of a TLS handshake record.
const tlsRecordHandshake = 0x16

// rawConn is the TCP connection under a TLS connection: it first gives
// back the bytes sniffed off the connection before TLS took it over, and
// while the handshake runs each read has RequestReadTimeout's handshake
// stage (or Timeout) as its deadline.
type rawConn struct {
	net.Conn
	c           *conn
	pre         []byte
	handshaking bool
}

func (r *rawConn) Read(p []byte) (int, error) {
	if len(r.pre) > 0 {
		n := copy(p, r.pre)
		r.pre = r.pre[n:]
		return n, nil
	}
	if !r.handshaking {
		return r.Conn.Read(p)
	}
	return r.c.readStage(p) // c.nc is still the TCP connection

}

// startTLS sniffs the connection's first bytes and runs the TLS handshake
// on it. It returns false when the connection is done with (the handshake
// failed, or the client closed or timed out first: the failure is logged
// at info level, as mod_ssl does). A connection that speaks plain HTTP is
// kept, unencrypted, to be answered once (Request.PlainOnTLS).
func (c *conn) startTLS(cfg *tls.Config) bool {
	c.rto = c.cfg.Timeout
	c.rclock.begin(&c.cfg.HandshakeReadTimeout, "handshake")
	raw := &rawConn{Conn: c.nc, c: c, handshaking: true}
	pre, err := c.sniff(raw)
	if err != nil {
		if err != io.EOF {
			c.logf("info", "TLS: connection closed before the handshake (server %s): %v", c.local, err)
		}
		c.nc.Close()
		return false
	}
	if isPlainHTTP(pre) {
		c.logf("info", "AH01996: SSL handshake failed: HTTP spoken on HTTPS port; trying to send HTML error page")
		c.plain = true
		c.closeAfter = true
		c.br.Reset(io.MultiReader(strings.NewReader(plainOnTLS), eofReader{}))
		c.rclock.stop()
		return true
	}
	raw.pre = pre
	tc := tls.Server(raw, cfg)
	c.nc.SetWriteDeadline(time.Now().Add(c.cfg.Timeout))
	err = tc.Handshake()
	raw.handshaking = false
	c.rclock.stop()
	if err != nil {
		c.logf("info", "TLS handshake failed (server %s): %v", c.local, err)
		c.nc.Close()
		return false
	}
	st := tc.ConnectionState()
	c.tls = &st
	c.tcp, c.nc = c.nc, tc
	return true
}

// sniff reads the first bytes of the connection: enough to tell a TLS
// handshake record from one of httpStarts.
func (c *conn) sniff(raw *rawConn) ([]byte, error) {
	buf := make([]byte, 0, 8)
	for {
		n, err := raw.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > 0 && (buf[0] == tlsRecordHandshake || !mayBeHTTP(buf) || isPlainHTTP(buf)) {
			return buf, nil
		}
		if err != nil {
			if len(buf) > 0 && errors.Is(err, io.EOF) {
				return buf, nil
			}
			return nil, err
		}
	}
}

// mayBeHTTP reports whether b is the beginning of one of httpStarts.
func mayBeHTTP(b []byte) bool {
	for _, s := range httpStarts {
		if len(b) <= len(s) && s[:len(b)] == string(b) {
			return true
		}
	}
	return false
}

func isPlainHTTP(b []byte) bool {
	for _, s := range httpStarts {
		if strings.HasPrefix(string(b), s) {
			return true
		}
	}
	return false
}

// eofReader ends the faked request's input.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// tlsProto hands a connection whose handshake negotiated a protocol of
// Server.ProtoHandlers to its handler, and reports whether it did.
func (c *conn) tlsProto() bool {
	if c.tls == nil || c.tls.NegotiatedProtocol == "" {
		return false
	}
	h := c.srv.ProtoHandlers[c.tls.NegotiatedProtocol]
	if h == nil {
		return false
	}
	h(c.nc, c.local, c.remote, c.id)
	return true
}
