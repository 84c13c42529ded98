package config

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// aliasModule is mod_alias: Alias, AliasMatch, ScriptAlias and
// ScriptAliasMatch (server and vhost level, one list in order), Redirect
// and RedirectMatch (anywhere).
var aliasModule = &module{
	name:    "alias_module",
	builtin: true,
	directives: []*directive{
		{name: "Alias", ctx: cServer, min: 2, max: 2, usage: "URL-path file-or-directory", fn: dAlias},
		{name: "AliasMatch", ctx: cServer, min: 2, max: 2, usage: "regex file-or-directory", fn: dAliasMatch},
		{name: "ScriptAlias", ctx: cServer, min: 2, max: 2, usage: "URL-path file-or-directory", fn: dAlias},
		{name: "ScriptAliasMatch", ctx: cServer, min: 2, max: 2, usage: "regex file-or-directory", fn: dAliasMatch},
		{name: "Redirect", ctx: cAll, override: OverrideFileInfo, min: 1, max: 3, usage: "[status] URL-path [URL]", fn: dRedirect},
		{name: "RedirectMatch", ctx: cAll, override: OverrideFileInfo, min: 1, max: 3, usage: "[status] regex [URL]", fn: dRedirect},
		{name: "RedirectPermanent", ctx: cAll, override: OverrideFileInfo, min: 1, max: 2, usage: "URL-path URL", fn: dRedirect},
		{name: "RedirectTemp", ctx: cAll, override: OverrideFileInfo, min: 1, max: 2, usage: "URL-path URL", fn: dRedirect},
	},
	merge: mergeAlias,
}

// mergeAlias: a section's Redirects, the inner section's first, then the
// outer's (mod_alias's order).
func mergeAlias(r, base, over *DirConfig) {
	if n := len(over.Redirects) + len(base.Redirects); n > 0 {
		r.Redirects = make([]Redirect, 0, n)
		r.Redirects = append(append(r.Redirects, over.Redirects...), base.Redirects...)
	}
}

func dAlias(p *parser, c *call) error {
	script, err := scriptAlias(p, c)
	if err != nil {
		return err
	}
	target := c.args[1]
	if !filepath.IsAbs(target) {
		slash := strings.HasSuffix(target, "/")
		target = p.abs(target)
		if slash && !strings.HasSuffix(target, "/") {
			target += "/"
		}
	}
	c.srv.Aliases = append(c.srv.Aliases, Alias{URL: c.args[0], Path: target, Script: script, Pos: c.pos})
	return nil
}

// scriptAlias says whether c is a ScriptAlias or ScriptAliasMatch, which
// needs mod_cgi (or mod_cgid) loaded: without it Apache would send the
// scripts as files, source and all.
func scriptAlias(p *parser, c *call) (bool, error) {
	if !strings.HasPrefix(c.d.name, "Script") {
		return false, nil
	}
	if !cgiLoaded(p) {
		return true, c.errf("%s", refuseCGI)
	}
	return true, nil
}

func dAliasMatch(p *parser, c *call) error {
	script, err := scriptAlias(p, c)
	if err != nil {
		return err
	}
	re, err := regexp.Compile(c.args[0])
	if err != nil {
		return c.errf("bad regular expression %q: %v", c.args[0], err)
	}
	c.srv.Aliases = append(c.srv.Aliases, Alias{Regex: re, Path: c.args[1], Script: script, Pos: c.pos})
	return nil
}

func dRedirect(p *parser, c *call) error {
	args := c.args
	status := 302
	match := c.d.name == "RedirectMatch"
	switch c.d.name {
	case "RedirectPermanent":
		status = 301
	case "RedirectTemp":
		status = 302
	default:
		if len(args) > 1 || strings.EqualFold(args[0], "gone") {
			explicit := true
			switch strings.ToLower(args[0]) {
			case "permanent":
				status = 301
			case "temp":
				status = 302
			case "seeother":
				status = 303
			case "gone":
				status = 410
			default:
				if isDigits(args[0]) {
					n, err := strconv.Atoi(args[0])
					if err != nil || n < 100 || n > 599 {
						return c.errf("invalid HTTP status %q", args[0])
					}
					status = n
				} else {
					explicit = false
				}
			}
			if explicit {
				args = args[1:]
			}
		}
	}
	redirect := status >= 300 && status < 400
	r := Redirect{Status: status, Pos: c.pos}
	switch {
	case len(args) == 0:
		return c.errf("missing URL-path")
	case !redirect && len(args) != 1:
		return c.errf("status %d takes no target URL", status)
	case redirect && len(args) == 1 && !match && c.ctx == cLoc && (isURL(args[0]) || strings.HasPrefix(args[0], "/")):
		// Inside <Location>, "Redirect [status] URL" redirects the section.
		r.URL = args[0]
	case redirect && len(args) != 2:
		return c.errf("status %d needs a URL-path and a target URL", status)
	case len(args) > 2:
		return c.errf("too many arguments")
	default:
		if match {
			re, err := regexp.Compile(args[0])
			if err != nil {
				return c.errf("bad regular expression %q: %v", args[0], err)
			}
			r.Regex = re
		} else {
			if !strings.HasPrefix(args[0], "/") {
				return c.errf("URL-path %q must start with /", args[0])
			}
			r.Prefix = args[0]
		}
		if len(args) == 2 {
			r.URL = args[1]
			if !isURL(r.URL) && !strings.HasPrefix(r.URL, "/") && !(match && strings.HasPrefix(r.URL, "$")) {
				return c.errf("target %q must be an absolute URL or start with /", r.URL)
			}
		}
	}
	if c.sec != nil {
		c.conf.Redirects = append(c.conf.Redirects, r)
	} else {
		c.srv.Redirects = append(c.srv.Redirects, r)
	}
	return nil
}
