package httpd

import (
	"crypto/tls"
	"net/netip"
	"time"
)

// Apache's defaults for the limits in Config.
const (
	DefaultTimeout               = 60 * time.Second
	DefaultKeepAliveTimeout      = 5 * time.Second
	DefaultLimitRequestLine      = 8190
	DefaultLimitRequestFieldSize = 8190
	DefaultLimitRequestFields    = 100
)

// Config holds connection limits; zero fields get Apache's defaults.
type Config struct {
	// Timeout is Apache's Timeout: the longest wait for each read or write
	// of a request in progress (default 60s).
	Timeout time.Duration
	// KeepAlive honours keep-alive. Callers wanting Apache's default
	// (KeepAlive On) set it to true.
	KeepAlive bool
	// KeepAliveTimeout is the idle wait for the first byte of the next
	// request on a kept-alive connection (default 5s).
	KeepAliveTimeout time.Duration
	// MaxKeepAliveRequests caps the requests served on one connection
	// after the first; 0 means unlimited.
	MaxKeepAliveRequests int
	// MaxConns, when positive, is the most connections open at once:
	// Serve accepts another only when one has ended, and while a
	// connection waits to be accepted it closes one that is waiting for
	// a request to make room. A group process's socket has one for each
	// of its threads, so that a connection beyond them is accepted by
	// another process of the group, one with a thread free.
	MaxConns int
	// LimitRequestLine is the longest request line accepted (default 8190);
	// a longer one is answered 414.
	LimitRequestLine int
	// LimitRequestFieldSize is the longest header line accepted (default
	// 8190); a longer one is answered 400.
	LimitRequestFieldSize int
	// LimitRequestFields is the most header fields accepted (default 100;
	// negative means unlimited, as Apache's 0); more are answered 400.
	LimitRequestFields int
	// HeaderReadTimeout and BodyReadTimeout are RequestReadTimeout's
	// header and body stages (mod_reqtimeout); zero values leave reads to
	// Timeout. The header stage covers the request line and header fields
	// (from the connection's first read, or a keep-alive request's first
	// byte), the body stage the request body from its first read.
	HeaderReadTimeout ReadTimeout
	BodyReadTimeout   ReadTimeout
	// HandshakeReadTimeout is RequestReadTimeout's handshake stage: the
	// TLS handshake of a connection on a Server with TLSConfig, from its
	// first read (zero: Timeout for each read). A handshake that runs out
	// closes the connection.
	HandshakeReadTimeout ReadTimeout
	// ServerHeader is the value of the Server header ("" = omit).
	ServerHeader string
	// Signature is trusted HTML ending the error pages this package sends
	// itself (ServerSignature's footer; see ErrorDetails.Signature).
	Signature string
	// AllowHTTP09 serves HTTP/0.9 simple requests ("GET /" without a
	// version) as Apache's default "HttpProtocolOptions Allow0.9" does:
	// the body alone, no status line or headers. When false such requests
	// are answered 400, as with "Require1.0".
	AllowHTTP09 bool
	// H2Direct, if set, is asked for each new connection (after a
	// ConnHandler declined it) whether it may start HTTP/2 with the
	// client's connection preface instead of an HTTP/1 request: h2c by
	// prior knowledge, or h2 over TLS without ALPN (tls is the handshake's
	// outcome, nil on a plain connection), as mod_http2's H2Direct. It
	// returns the connection's HTTP/2 settings, or nil for HTTP/1 only.
	H2Direct func(local netip.AddrPort, tls *tls.ConnectionState) *H2Settings
	// ErrorLog receives connection-level problems with Apache's levels
	// ("error", "info", "debug") and messages; nil discards them.
	ErrorLog func(level string, msg string)
}

// withDefaults returns c with Apache's defaults in its zero fields.
func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.KeepAliveTimeout <= 0 {
		c.KeepAliveTimeout = DefaultKeepAliveTimeout
	}
	if c.LimitRequestLine <= 0 {
		c.LimitRequestLine = DefaultLimitRequestLine
	}
	if c.LimitRequestFieldSize <= 0 {
		c.LimitRequestFieldSize = DefaultLimitRequestFieldSize
	}
	if c.LimitRequestFields == 0 {
		c.LimitRequestFields = DefaultLimitRequestFields
	}
	if c.MaxKeepAliveRequests < 0 {
		c.MaxKeepAliveRequests = 0
	}
	return c
}
