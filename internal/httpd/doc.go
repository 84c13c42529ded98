// Package httpd is modpy's HTTP server core: it reads requests off TCP
// connections and writes responses back, answering bad HTTP/1 exactly as
// Apache httpd 2.4 does, and serves HTTP/2 with Go's implementation
// (golang.org/x/net/http2), each stream a Request and Response like an
// HTTP/1 request's (h2.go).
//
// It owns:
//   - HTTP/1.0 and 1.1 framing: request line and header parsing with
//     Apache's "HttpProtocolOptions Strict" rules, Content-Length and
//     chunked request bodies (with extensions and trailers), "100 Continue",
//     responses with an exact Content-Length when they fit the buffer,
//     chunked or close-delimited otherwise, HEAD, 204 and 304;
//   - connection handling: keep-alive with Apache's Keep-Alive and
//     Connection headers, pipelining, draining unread bodies, Timeout and
//     KeepAliveTimeout, RequestReadTimeout's header and body stages
//     (mod_reqtimeout, reqtimeout.go), lingering close, graceful Shutdown,
//     a cap on the connections open at once (Config.MaxConns);
//   - TLS on a Server with TLSConfig (tls.go): sniffing the first bytes,
//     mod_ssl's one answer to plain HTTP on a TLS port (Request.PlainOnTLS),
//     the handshake under RequestReadTimeout's handshake stage, and
//     handing a connection that negotiated an ALPN protocol of
//     ProtoHandlers ("h2") to its handler; the certificates and the
//     choice among them (SNI) are the caller's tls.Config;
//   - the limits LimitRequestLine, LimitRequestFieldSize,
//     LimitRequestFields and (through Body.SetLimit) LimitRequestBody;
//   - Apache's protocol errors and their pages: 400, 408, 414, 417, 505,
//     and the 404 for an encoded slash; StatusText and ErrorBody give the
//     rest of the server the same reason phrases and error pages;
//   - HTTP/2 (h2.go): h2c by prior knowledge (Config.H2Direct) and by
//     "Upgrade: h2c" (Response.SwitchToH2), mod_http2's checks and
//     limits on a stream's request, its response framed for HTTP/2 (no
//     connection-specific fields), GOAWAY at Shutdown.
//
// Where Apache 2.4 (server/protocol.c, modules/http/http_filters.c) and
// RFC 7230 differ, this package does what Apache does: obs-fold lines are
// joined with a space, a Transfer-Encoding other than chunked is 400, a
// request with both Content-Length and chunked coding is read as chunked
// and its connection closed, repeated header fields are merged with ", "
// (so a repeated Content-Length is 400), and a request line that times out
// before it is complete closes the connection without a response.
//
// It must not touch routing, virtual hosts, the configuration file, access
// logs or Python: a Handler gets each valid request, and OnProtocolError
// hears of each request the server answered itself.
package httpd
