package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"modpy/internal/table"
)

// expires_module: with ExpiresActive On, a response that is no error
// (below 400) and has no Expires of its own gets Expires and a
// Cache-Control max-age, from the ExpiresByType for its media type, a
// "type/*" one, or ExpiresDefault. As Apache's MOD_EXPIRES filter, it acts
// when the headers go out (normal responses and the server's own
// redirects alike), before mod_deflate's and mod_headers' changes. Its
// work is expiresHeaders, called from the response's header sync: it has
// no hook.
var expiresModule = &module{name: "expires_module"}

// expiresOn reports whether mod_expires may act on this response.
func (rs *rstate) expiresOn() bool {
	dc := rs.filterConfig()
	return dc.ExpiresActive != nil && *dc.ExpiresActive && (len(dc.ExpiresByType) > 0 || dc.ExpiresDefault != nil) &&
		rs.req.Main == nil
}

// expiresHeaders is expires_filter on the headers about to go out (ho is
// headers_out, eo err_headers_out; ct the content type).
func (rs *rstate) expiresHeaders(ho, eo *table.Table, ct string, status int) {
	if status >= 400 || eo.Has("Expires") || ho.Has("Expires") {
		return
	}
	dc := rs.filterConfig()
	t, _, _ := strings.Cut(ct, ";")
	t = strings.ToLower(strings.TrimSpace(t))
	code, ok := dc.ExpiresByType[t]
	if !ok && dc.ExpiresWildcards != nil && *dc.ExpiresWildcards {
		if major, _, found := strings.Cut(t, "/"); found {
			code, ok = dc.ExpiresByType[major+"/*"]
		}
	}
	if !ok {
		if dc.ExpiresDefault == nil {
			return
		}
		code = *dc.ExpiresDefault
	}
	now := rs.req.RequestTime
	base := now
	if code.Modification {
		if !rs.exists {
			return // no file: nothing to count from (Apache logs nothing either)
		}
		base = time.Unix(0, rs.mtime)
	}
	exp := base.Add(time.Duration(code.Seconds) * time.Second)
	if exp.Before(now) {
		exp = now
	}
	mergeHeader(ho, "Cache-Control", "max-age="+strconv.FormatInt(int64(exp.Sub(now)/time.Second), 10))
	ho.Set("Expires", exp.UTC().Format(http.TimeFormat))
}
