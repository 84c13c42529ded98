package urimap

import (
	"strings"

	"modpy/internal/config"
)

// Alias maps uri by the first Alias, AliasMatch, ScriptAlias or
// ScriptAliasMatch that matches it, as mod_alias's translate_name: the
// alias (nil when none matched) and the path.
func Alias(aliases []config.Alias, uri string) (*config.Alias, string) {
	for i := range aliases {
		a := &aliases[i]
		if a.Regex != nil {
			if m := a.Regex.FindStringSubmatchIndex(uri); m != nil {
				return a, string(a.Regex.ExpandString(nil, a.Path, uri, m))
			}
			continue
		}
		if rest, ok := PrefixMatch(uri, a.URL); ok {
			return a, a.Path + rest
		}
	}
	return nil, ""
}

// Redirect finds the first Redirect or RedirectMatch rule that matches
// uri, as mod_alias: the rule, or nil, and the target it gives ("" for a
// rule without a URL, such as "Redirect gone").
func Redirect(rules []config.Redirect, uri string) (*config.Redirect, string) {
	for i := range rules {
		r := &rules[i]
		target := ""
		if r.Regex != nil {
			m := r.Regex.FindStringSubmatchIndex(uri)
			if m == nil {
				continue
			}
			target = string(r.Regex.ExpandString(nil, r.URL, uri, m))
		} else {
			rest, ok := PrefixMatch(uri, r.Prefix)
			if !ok {
				continue
			}
			target = r.URL
			if target != "" {
				target += rest
			}
		}
		return r, target
	}
	return nil, ""
}

// PrefixMatch matches an Alias or Redirect URL prefix on path-segment
// boundaries, as mod_alias does: the rest of uri after it, and whether it
// matched.
func PrefixMatch(uri, prefix string) (string, bool) {
	if !strings.HasPrefix(uri, prefix) {
		return "", false
	}
	rest := uri[len(prefix):]
	if strings.HasSuffix(prefix, "/") || rest == "" || rest[0] == '/' {
		return rest, true
	}
	return "", false
}

// WSGIAlias maps uri by the first WSGIScriptAlias or WSGIScriptAliasMatch
// that matches it, as mod_wsgi's translate_name: the alias, and the path
// it gives (its target followed by the rest of the URI; for an alias of
// "/", the whole URI); nil when none matches. An alias matches on path
// segment boundaries, as mod_alias's do; a pattern where its match ends
// (an empty match is none).
func WSGIAlias(aliases []config.WSGIAlias, uri string) (*config.WSGIAlias, string) {
	for i := range aliases {
		a := &aliases[i]
		if a.Regex != nil {
			m := a.Regex.FindStringSubmatchIndex(uri)
			if m == nil || m[1] == 0 {
				continue
			}
			return a, string(a.Regex.ExpandString(nil, a.Path, uri, m)) + uri[m[1]:]
		}
		if rest, ok := PrefixMatch(uri, a.URL); ok {
			if a.URL == "/" {
				return a, a.Path + uri
			}
			return a, a.Path + rest
		}
	}
	return nil, ""
}
