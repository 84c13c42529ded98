package server

import (
	"html"
	"io"
	"strconv"
	"strings"

	"modpy/internal/config"
	"modpy/internal/python"
)

// What Apache's core module does around a response: the Server header
// (ServerTokens), the footer of the server's own pages (ServerSignature),
// TRACE (TraceEnable), the default charset (AddDefaultCharset) and
// self-referential URLs (ap_construct_url).

// banner is the Server header for ServerTokens, as Apache's
// ap_get_server_banner: modpy's version stands where Apache's is, and
// Python's is the module component Full adds. Apache's platform is "Unix".
func banner(t config.ServerTokens) string {
	major, rest, _ := strings.Cut(Version, ".")
	minor, _, _ := strings.Cut(rest, ".")
	switch t {
	case config.TokensProd:
		return "modpy"
	case config.TokensMajor:
		return "modpy/" + major
	case config.TokensMinor:
		return "modpy/" + major + "." + minor
	case config.TokensMinimal:
		return "modpy/" + Version
	case config.TokensOS:
		return "modpy/" + Version + " (Unix)"
	}
	return "modpy/" + Version + " (Unix) Python/" + python.Version()
}

// signature is Apache's ap_psignature("<hr>\n", r): the footer
// ServerSignature puts on the server's own pages, naming the host and port
// the request was for (linked to adminLink under EMail); "" when it is off.
func signature(sig *config.Signature, banner, host string, port int, adminLink string) string {
	if sig == nil || *sig == config.SignatureOff {
		return ""
	}
	name := html.EscapeString(host)
	if *sig == config.SignatureEMail {
		name = "<a href=\"" + html.EscapeString(adminLink) + "\">" + name + "</a>"
	}
	return "<hr>\n<address>" + banner + " Server at " + name + " Port " + strconv.Itoa(port) + "</address>\n"
}

// signature is the footer for this request's error pages.
func (rs *rstate) signature() string {
	dc := rs.dc
	if dc == nil {
		dc = rs.lc
	}
	if dc == nil {
		dc = rs.vh.conf.Dir
	}
	host, port := rs.serverName()
	return signature(dc.ServerSignature, rs.s.banner, host, port, rs.vh.conf.AdminLink)
}

// serverName is Apache's ap_get_server_name and ap_get_server_port with
// UseCanonicalName Off: the host the client asked for (else the server's
// name) and the port it gave with it (else the one in ServerName, else 80).
func (rs *rstate) serverName() (string, int) {
	host := rs.req.Hostname
	if host == "" {
		host = rs.vh.name
	}
	port := rs.hr.Port
	if port == 0 {
		port = rs.vh.conf.Port
	}
	if port == 0 {
		port = 80
	}
	return host, port
}

// absoluteURL is Apache's ap_construct_url for a local path: the scheme,
// serverName's host and port (omitted when 80), then loc. A loc that is
// already a URL, or not a path, is returned as it is.
func (rs *rstate) absoluteURL(loc string) string {
	if strings.Contains(loc, "://") || !strings.HasPrefix(loc, "/") {
		return loc
	}
	host, port := rs.serverName()
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]" // an IPv6 literal
	}
	if port != 80 {
		host += ":" + strconv.Itoa(port)
	}
	return "http://" + host + loc
}

// escapePath is Apache's ap_escape_uri (ap_os_escape_path, partial): every
// byte but letters, digits and $-_.+!*'(),:;@&=/~ becomes %xx, lower-case
// hex as Apache writes it.
func escapePath(p string) string {
	const hex = "0123456789abcdef"
	var b []byte
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("$-_.+!*'(),:;@&=/~", c) >= 0 {
			if b != nil {
				b = append(b, c)
			}
			continue
		}
		if b == nil {
			b = append(make([]byte, 0, len(p)+8), p[:i]...)
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	if b == nil {
		return p
	}
	return string(b)
}

// traceBodyLimit is the largest body "TraceEnable extended" echoes.
const traceBodyLimit = 64 << 10

// trace is Apache's ap_send_http_trace, which answers TRACE in
// map_to_storage, before access control and any content handler: the
// request line and headers echoed back as message/http; 405 with
// TraceEnable Off; a request body is refused (413) unless TraceEnable
// extended, which echoes up to 64 KiB of it.
func (rs *rstate) trace() int {
	req, hr := rs.req, rs.hr
	mode := rs.vh.conf.TraceEnable
	if mode == config.TraceOff {
		req.HeadersOut.Set("Allow", "") // as Apache: nothing is allowed yet
		return 405
	}
	var body []byte
	if hr.Chunked || hr.ContentLength > 0 {
		if mode != config.TraceExtended || hr.ContentLength > traceBodyLimit {
			return 413
		}
		var err error
		body, err = io.ReadAll(io.LimitReader(rs.body(), traceBodyLimit+1))
		switch {
		case err != nil:
			return 400
		case len(body) > traceBodyLimit:
			return 413
		}
	}
	var b strings.Builder
	b.WriteString(req.TheRequest)
	b.WriteString("\r\n")
	for _, e := range req.HeadersIn.Entries() {
		b.WriteString(e.Key)
		b.WriteString(": ")
		b.WriteString(e.Value)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	req.Status = 200
	req.ContentType = "message/http"
	rs.io.Write([]byte(b.String()))
	return resDone
}

// allowTrace is what Apache's make_allow adds to an Allow header for
// TRACE.
func (rs *rstate) allowTrace() string {
	if rs.vh.conf.TraceEnable == config.TraceOff {
		return ""
	}
	return ",TRACE"
}

// contentType is the Content-Type a response with type t is sent with:
// AddDefaultCharset's charset added to a text/plain or text/html type
// that names none (Apache's ap_make_content_type).
func (rs *rstate) contentType(t string) string {
	dc := rs.dc
	if dc == nil {
		dc = rs.vh.conf.Dir
	}
	cs := dc.AddDefaultCharset
	if t == "" || cs == nil || *cs == "" {
		return t
	}
	l := strings.ToLower(t)
	if strings.Contains(l, "charset=") || !(strings.Contains(l, "text/plain") || strings.Contains(l, "text/html")) {
		return t
	}
	return t + "; charset=" + *cs
}

// withCharset is mod_mime's AddCharset applied to a media type: its
// charset parameter replaced, or added.
func withCharset(t, cs string) string {
	parts := strings.Split(t, ";")
	out := strings.TrimSpace(parts[0])
	for _, p := range parts[1:] {
		p = strings.TrimSpace(p)
		if attr, _, _ := strings.Cut(p, "="); p != "" && !strings.EqualFold(strings.TrimSpace(attr), "charset") {
			out += "; " + p
		}
	}
	return out + "; charset=" + cs
}
