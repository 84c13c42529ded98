package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// wsgiModule is mod_wsgi: WSGIScriptAlias and WSGIScriptAliasMatch, the
// per-directory settings (WSGIApplicationGroup, WSGIProcessGroup,
// WSGICallableObject, WSGIPassAuthorization, WSGIScriptReloading,
// WSGIChunkedRequest, WSGIErrorOverride), the process-wide Python ones
// (WSGIPythonPath, WSGIPythonHome, WSGIImportScript,
// WSGILazyInitialization, WSGIRestrictEmbedded) and daemon mode's
// WSGIDaemonProcess (mod_wsgi_daemon.go). docs/wsgi.md lists every
// mod_wsgi directive and its status.
var wsgiModule = &module{
	name:    "wsgi_module",
	builtin: true,
	directives: append([]*directive{
		{name: "WSGIScriptAlias", ctx: cServer, min: 2, max: -1, usage: "URL-path file-path [option=value ...]", fn: dWSGIScriptAlias},
		{name: "WSGIScriptAliasMatch", ctx: cServer, min: 2, max: -1, usage: "regex file-path [option=value ...]", fn: dWSGIScriptAlias},
		{name: "WSGIApplicationGroup", ctx: cAll, min: 1, max: 1, usage: "%{GLOBAL}|%{SERVER}|%{RESOURCE}|%{HOST}|%{ENV:variable}|name", fn: dWSGIApplicationGroup},
		{name: "WSGICallableObject", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, usage: "name", fn: dWSGICallableObject},
		{name: "WSGIPassAuthorization", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, usage: "On|Off", fn: dWSGIFlag},
		{name: "WSGIScriptReloading", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, usage: "On|Off", fn: dWSGIFlag},
		{name: "WSGIChunkedRequest", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, usage: "On|Off", fn: dWSGIFlag},
		{name: "WSGIErrorOverride", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, usage: "On|Off", fn: dWSGIFlag},
		{name: "WSGIPythonPath", ctx: cMain, min: 1, max: 1, usage: "directory[:directory...]", fn: dWSGIPythonPath},
		{name: "WSGIPythonHome", ctx: cMain, min: 1, max: 1, usage: "directory", fn: dWSGIPythonHome},
		{name: "WSGIImportScript", ctx: cServer, min: 1, max: -1, usage: "file process-group=%{GLOBAL} application-group=name", fn: dWSGIImportScript},
		{name: "WSGILazyInitialization", ctx: cMain, min: 1, max: 1, usage: "On|Off",
			fn: onlyOrNote("modpy's master never starts Python: each worker initialises it, as with On", "On")},
		{name: "WSGIRestrictEmbedded", ctx: cMain, min: 1, max: 1, usage: "On|Off", fn: dWSGIRestrictEmbedded},
		{name: "WSGISocketPrefix", ctx: cMain, min: 1, max: 1,
			note: "modpy's process groups listen on abstract UNIX sockets checked with SO_PEERCRED, not on files (docs/compatibility.md); ignored"},
		{name: "WSGIDaemonProcess", ctx: cServer, min: 1, max: -1, usage: "name [option=value ...]", fn: dWSGIDaemonProcess},
		{name: "WSGIProcessGroup", ctx: cAll, min: 1, max: 1, usage: processGroupUsage, fn: dWSGIProcessGroup},
	}, wsgiAuthDirectives...), // the auth scripts: mod_wsgi_auth.go
	merge: mergeWSGI,
}

// mergeWSGI: every setting as Merge's first rule says (the inner one wins).
func mergeWSGI(r, base, over *DirConfig) {
	r.WSGIApplicationGroup = pick(base.WSGIApplicationGroup, over.WSGIApplicationGroup)
	r.ProcessGroup = pick(base.ProcessGroup, over.ProcessGroup)
	r.WSGICallableObject = pick(base.WSGICallableObject, over.WSGICallableObject)
	r.WSGIPassAuthorization = pick(base.WSGIPassAuthorization, over.WSGIPassAuthorization)
	r.WSGIScriptReloading = pick(base.WSGIScriptReloading, over.WSGIScriptReloading)
	r.WSGIChunkedRequest = pick(base.WSGIChunkedRequest, over.WSGIChunkedRequest)
	r.WSGIErrorOverride = pick(base.WSGIErrorOverride, over.WSGIErrorOverride)
	mergeWSGIAuth(r, base, over)
}

// WSGIGlobal is mod_wsgi's name for the main interpreter's application
// group; the group itself is "".
const WSGIGlobal = "%{GLOBAL}"

// wsgiGroup is an application group as configured: %{GLOBAL} is "".
func wsgiGroup(v string) string {
	if v == WSGIGlobal {
		return ""
	}
	return v
}

// wsgiOptions parses mod_wsgi's name=value options (a value may be
// quoted) against allowed: the values by name.
func (c *call) wsgiOptions(args []string, allowed ...string) (map[string]string, error) {
	opts := map[string]string{}
	for _, a := range args {
		name, value, ok := strings.Cut(a, "=")
		if !ok || !hasFold(allowed, name) {
			return nil, c.errf("invalid option %q (want %s)", a, strings.Join(allowed, "=, ")+"=")
		}
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		name = strings.ToLower(name)
		if value == "" {
			return nil, c.errf("option %s= needs a value", name)
		}
		opts[name] = value
	}
	return opts, nil
}

func dWSGIScriptAlias(p *parser, c *call) error {
	opts, err := c.wsgiOptions(c.args[2:], "process-group", "application-group", "callable-object", "pass-authorization")
	if err != nil {
		return err
	}
	a := WSGIAlias{Path: c.args[1], Pos: c.pos}
	match := c.d.name == "WSGIScriptAliasMatch"
	if match {
		if a.Regex, err = regexp.Compile(c.args[0]); err != nil {
			return c.errf("bad regular expression %q: %v", c.args[0], err)
		}
	} else {
		if !strings.HasPrefix(c.args[0], "/") {
			return c.errf("URL-path %q must start with /", c.args[0])
		}
		a.URL = c.args[0]
	}
	if !filepath.IsAbs(a.Path) {
		slash := strings.HasSuffix(a.Path, "/")
		a.Path = p.abs(a.Path)
		if slash {
			a.Path += "/"
		}
	}
	if g, ok := opts["application-group"]; ok {
		a.ApplicationGroup = ptr(wsgiGroup(g))
	}
	if g, ok := opts["process-group"]; ok {
		if err := c.checkProcessGroupValue("process-group=", g); err != nil {
			return err
		}
		a.ProcessGroup = g
		p.groupRef(c, "process-group=", g)
	}
	a.CallableObject = opts["callable-object"]
	if v, ok := opts["pass-authorization"]; ok {
		on, err := c.onOff(v)
		if err != nil {
			return c.errf("pass-authorization=%s: want On or Off", v)
		}
		a.PassAuthorization = &on
	}
	c.srv.WSGIAliases = append(c.srv.WSGIAliases, a)
	// As mod_wsgi: with both a fixed process-group= and a fixed
	// application-group=, the script is loaded when the processes of that
	// group (%{GLOBAL}: the workers) start.
	// %{GLOBAL} is a fixed name ("") there too, as in mod_wsgi.
	pg, ok := opts["process-group"]
	if g, gok := opts["application-group"]; gok && ok && !strings.Contains(wsgiGroup(pg), "%{") &&
		!strings.Contains(wsgiGroup(g), "%{") && !(match && strings.Contains(a.Path, "$")) {
		p.cfg.WSGIImports = append(p.cfg.WSGIImports, WSGIImport{Script: a.Path, Group: wsgiGroup(g), ProcessGroup: wsgiGroup(pg), Pos: c.pos})
	}
	return nil
}

func dWSGIApplicationGroup(p *parser, c *call) error {
	c.conf.WSGIApplicationGroup = ptr(wsgiGroup(c.args[0]))
	return nil
}

func dWSGICallableObject(p *parser, c *call) error {
	c.conf.WSGICallableObject = ptr(c.args[0])
	return nil
}

func dWSGIFlag(p *parser, c *call) error {
	on, err := c.onOff(c.args[0])
	if err != nil {
		return err
	}
	switch c.d.name {
	case "WSGIPassAuthorization":
		c.conf.WSGIPassAuthorization = &on
	case "WSGIScriptReloading":
		c.conf.WSGIScriptReloading = &on
	case "WSGIChunkedRequest":
		c.conf.WSGIChunkedRequest = &on
	case "WSGIErrorOverride":
		c.conf.WSGIErrorOverride = &on
	}
	return nil
}

func dWSGIPythonPath(p *parser, c *call) error {
	for _, d := range strings.Split(c.args[0], ":") {
		if d != "" {
			p.cfg.WSGIPythonPath = append(p.cfg.WSGIPythonPath, p.abs(d))
		}
	}
	return nil
}

func dWSGIPythonHome(p *parser, c *call) error {
	d := p.abs(c.args[0])
	if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
		return c.errf("%s is not a directory", d)
	}
	p.cfg.WSGIPythonHome = d
	return nil
}

func dWSGIImportScript(p *parser, c *call) error {
	opts, err := c.wsgiOptions(c.args[1:], "process-group", "application-group")
	if err != nil {
		return err
	}
	g, ok := opts["application-group"]
	pg, pok := opts["process-group"]
	switch {
	case !ok:
		return c.errf("application-group= is required (%%{GLOBAL} is the main interpreter)")
	case !pok:
		return c.errf("process-group= is required (%%{GLOBAL} is the workers, else a WSGIDaemonProcess name)")
	case strings.Contains(pg, "%{") && pg != WSGIGlobal:
		return c.errf("process-group=%s: the script is loaded when the group's processes start, before any request: "+
			"name the group (%%{GLOBAL} or a WSGIDaemonProcess name)", pg)
	case strings.Contains(g, "%{") && g != WSGIGlobal:
		return c.errf("application-group=%s: the script is loaded when a process starts, before any request: "+
			"name the group (%%{GLOBAL} or a name)", g)
	}
	p.groupRef(c, "process-group=", pg)
	p.cfg.WSGIImports = append(p.cfg.WSGIImports, WSGIImport{Script: p.abs(c.args[0]), Group: wsgiGroup(g), ProcessGroup: wsgiGroup(pg), Pos: c.pos})
	return nil
}
