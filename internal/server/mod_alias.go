package server

import (
	"strings"

	"modpy/internal/config"
	"modpy/internal/server/urimap"
)

// alias_module: Redirect and RedirectMatch, then Alias and AliasMatch, in
// translate_name (after core's <Location> merge, before UserDir and the
// DocumentRoot); Redirect inside sections in fixups.
var aliasModule = &module{
	name: "alias_module",
	hooks: []hook{
		{at: hookTranslateName, fn: (*rstate).aliasTranslate},
		{at: hookFixups, fn: (*rstate).aliasFixups},
	},
}

// aliasTranslate is mod_alias's translate_name: the server's and the
// <Location> sections' Redirects, then Alias/AliasMatch and
// ScriptAlias/ScriptAliasMatch (whose handler is cgi-script). A prefix
// alias sets CONTEXT_PREFIX and CONTEXT_DOCUMENT_ROOT.
func (rs *rstate) aliasTranslate() int {
	if st := rs.redirect(rs.vh.conf.Redirects); st != 0 {
		return st
	}
	if st := rs.redirect(rs.lc.Redirects); st != 0 {
		return st
	}
	if a, p := urimap.Alias(rs.vh.conf.Aliases, rs.req.URI); a != nil {
		rs.path = p
		if a.Regex == nil {
			rs.ctxPrefix, rs.ctxRoot = a.URL, a.Path
		}
		if a.Script {
			rs.req.Handler, rs.scriptAliased = "cgi-script", true
		}
		return resOK
	}
	return resDeclined
}

// aliasFixups is mod_alias's fixup: Redirect inside sections.
func (rs *rstate) aliasFixups() int {
	if st := rs.redirect(rs.dc.Redirects); st != 0 {
		return st
	}
	return resOK
}

// redirect applies Redirect/RedirectMatch rules: the status of the first
// that matches (its Location set), or 0.
func (rs *rstate) redirect(rules []config.Redirect) int {
	r, target := urimap.Redirect(rules, rs.req.URI)
	if r == nil {
		return 0
	}
	status := r.Status
	if target != "" && status >= 300 && status < 400 {
		if rs.req.HasArgs && !strings.Contains(target, "?") {
			target += "?" + rs.req.Args
		}
		rs.req.HeadersOut.Set("Location", rs.absoluteURL(target))
	}
	return status
}
