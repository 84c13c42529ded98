package server

import (
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"modpy/internal/config"
	"modpy/internal/python"
	"modpy/internal/server/ssi"
	"modpy/internal/server/urimap"
)

// core_module: Apache's core (with http_core), first and last in
// translate_name ("OPTIONS *" and the <Location> sections first, the
// DocumentRoot last, after Alias and UserDir), the directory walk in
// map_to_storage (TRACE answered before it), and the default handler,
// which serves a static file for any handler no module serves.
var coreModule = &module{
	name: "core_module",
	hooks: []hook{
		{at: hookTranslateName, order: orderReallyFirst, fn: (*rstate).translateStart},
		{at: hookTranslateName, order: orderReallyLast, fn: (*rstate).translateDocumentRoot},
		{at: hookMapToStorage, order: orderReallyLast, fn: (*rstate).mapStorage},
		{at: hookHandler, order: orderReallyLast, fn: (*rstate).static},
	},
	handlers: []contentHandler{{name: "default-handler", serve: (*rstate).static}},
}

// translateStart is core's first word in translate_name: "OPTIONS *" is
// answered, and the <Location> sections matching the URI are merged for
// the hooks after it (rs.lc).
func (rs *rstate) translateStart() int {
	req := rs.req
	if req.URI == "*" {
		// "OPTIONS *" asks about the server itself; no phase applies.
		if req.Method != "OPTIONS" {
			return 400
		}
		if rs.upgrade() == resDone { // mod_http2.go
			return resDone
		}
		req.HeadersOut.Set("Allow", "GET,HEAD,POST,OPTIONS")
		return resDone
	}
	rs.lc = rs.s.cfg.LocationConfig(rs.vh.conf, req.URI)
	return resDeclined
}

// translateDocumentRoot is core's translate_name when no module mapped the
// URI (ap_core_translate): the URI under the DocumentRoot.
func (rs *rstate) translateDocumentRoot() int {
	rs.path = rs.vh.conf.DocumentRoot + rs.req.URI
	return resOK
}

// mapStorage is map_to_storage: the directory walk and the merged
// per-directory configuration. As in mod_python, a <Location> holding a
// Python handler has no file, and Directory sections do not apply to it.
func (rs *rstate) mapStorage() int {
	req := rs.req
	if req.Method == "TRACE" && rs.redirects == 0 {
		return rs.trace() // core answers TRACE before the directory walk
	}
	if rs.lc == nil { // a PythonTransHandler mapped the URI itself
		rs.lc = rs.s.cfg.LocationConfig(rs.vh.conf, req.URI)
	}
	path := rs.path
	if path == "" && req.Filename != "" {
		path = filepath.Clean(req.Filename) // as Apache's directory walk
	}
	indexed := rs.indexed
	rs.indexed = ""
	if locationHasPython(rs.lc) {
		rs.dc = rs.lc
	} else {
		rs.mapToStorage(path)
		check := rs.walkEntry
		if indexed != "" {
			// As Apache's mod_dir, whose subrequest for the candidate
			// is not walked again (its check was indexEntry's).
			check = func(path string, rule config.SymlinkRule) error {
				if path == indexed {
					return nil
				}
				return rs.walkEntry(path, rule)
			}
		}
		dc, entries, err := rs.s.cfg.DirConfigAccess(rs.vh.conf, req.URI, req.Filename, rs.isDir, rs.s.access, check)
		var refused *walkRefused
		if errors.As(err, &refused) {
			return refused.status
		}
		if err != nil {
			// As Apache: the file and line in the log, 500 to the client
			// (403 when the file cannot be read).
			rs.logError(levelAlert, "%v", err)
			var ce *config.Error
			if errors.As(err, &ce) && ce.Forbidden {
				return 403
			}
			return 500
		}
		rs.dc, rs.entries = dc, entries
		if rs.irregular {
			// Only directories and regular files are content, whatever
			// the handler (Apache refuses them in the walk, AH00038).
			rs.logNotFileOrDir(req.Filename)
			return 403
		}
	}
	rs.hr.Body.SetLimit(rs.bodyLimit())
	req.AuthTypeConf, req.AuthName = rs.dc.EffectiveAuthType(), ""
	if n := rs.dc.AuthName; n != nil {
		req.AuthName = *n
	}
	return resOK
}

func locationHasPython(lc *config.DirConfig) bool {
	for _, hs := range lc.Handlers {
		for _, h := range hs {
			if h.InLocation {
				return true
			}
		}
	}
	return false
}

// mapToStorage sets req.filename and req.path_info, and what the file
// system says of them (rs.exists, isDir, irregular), from the directory
// walk of path (urimap.Walk).
func (rs *rstate) mapToStorage(path string) {
	st := urimap.Walk(path)
	req := rs.req
	req.Filename, req.PathInfo, req.CanonicalFilename = st.Filename, st.PathInfo, st.Filename
	rs.exists, rs.isDir, rs.irregular, rs.mtime = st.Exists, st.IsDir, st.Irregular, st.MTime
}

// The directory walk's checks of the file system: the configuration walk
// (config.Config.DirConfigAccess) calls walkEntry for every entry it steps
// into, with the symbolic link rule of the Options in effect for the
// directory holding it.

// walkRefused is the error walkEntry returns to end the walk: the request
// is answered with status, the reason already logged.
type walkRefused struct{ status int }

func (e *walkRefused) Error() string { return "refused by the directory walk" }

// walkEntry is the config.WalkCheck of a request's directory walk.
//
// mapToStorage found the file by stat, which follows links, so every
// directory above the file exists (and was reached through any links on
// the way). Under plain FollowSymLinks that is all Apache asks of them, and
// of the file when it exists; it skips the lstat then, and so does this.
// Otherwise (another rule, or a file that did not stat: a link pointing
// nowhere is refused, not a 404) the entry is looked at itself.
func (rs *rstate) walkEntry(path string, rule config.SymlinkRule) error {
	last := path == strings.TrimSuffix(rs.req.Filename, "/")
	if rule == config.SymlinksFollowed && (!last || rs.exists) {
		return nil
	}
	mode, st := rs.checkEntry(path, rule, "AH00037")
	if st != 0 {
		return &walkRefused{st}
	}
	if mode != 0 && mode != syscall.S_IFDIR && mode != syscall.S_IFREG {
		rs.logNotFileOrDir(path)
		return &walkRefused{403}
	}
	return nil
}

// checkEntry is urimap.CheckEntry for this request: the entry's file type
// and 0, or 0 and 403 after logging why it is refused.
func (rs *rstate) checkEntry(path string, rule config.SymlinkRule, linkCode string) (mode uint32, status int) {
	mode, refused := urimap.CheckEntry(rs.req.URI, path, rule, linkCode)
	if refused != nil {
		rs.logError(levelError, "%v", refused)
		return 0, 403
	}
	return mode, 0
}

// logNotFileOrDir logs Apache's refusal of an entry that is neither a
// regular file nor a directory (a FIFO, a device, a socket).
func (rs *rstate) logNotFileOrDir(path string) {
	rs.logError(levelError, "AH00038: Forbidden: %s doesn't point to a file or directory", path)
}

// What else Apache's core module does around a response: the Server header
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
	name := ssi.EscapeHTML(host)
	if *sig == config.SignatureEMail {
		name = "<a href=\"" + ssi.EscapeHTML(adminLink) + "\">" + name + "</a>"
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

// signatureLine is Apache's ap_psignature("", r): the signature without
// its rule, as listings and SERVER_SIGNATURE carry it.
func (rs *rstate) signatureLine() string { return strings.TrimPrefix(rs.signature(), "<hr>\n") }

// Signature implements request.Hooks: SERVER_SIGNATURE.
func (rs *rstate) Signature() string { return rs.signatureLine() }

// serverName is Apache's ap_get_server_name and ap_get_server_port with
// UseCanonicalName Off: the host the client asked for (else the server's
// name) and the port it gave with it (else the one in ServerName, else 80,
// or 443 over TLS).
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
		port = rs.defaultPort()
	}
	return host, port
}

// absoluteURL is Apache's ap_construct_url for a local path: the scheme
// (https over TLS), serverName's host and port (omitted when the scheme's
// default), then loc. A loc that is
// already a URL, or not a path, is returned as it is.
func (rs *rstate) absoluteURL(loc string) string {
	if strings.Contains(loc, "://") || !strings.HasPrefix(loc, "/") {
		return loc
	}
	host, port := rs.serverName()
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]" // an IPv6 literal
	}
	if port != rs.defaultPort() {
		host += ":" + strconv.Itoa(port)
	}
	return rs.scheme() + "://" + host + loc
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
