package config

import "strings"

// includeModule is mod_include: server-side includes, run by the INCLUDES
// output filter (SetOutputFilter, AddOutputFilter, the server-parsed
// handler or XBitHack) where Options allow Includes. Options Includes and
// IncludesNOEXEC themselves are core's (mod_core.go: dOptions).
var includeModule = &module{
	name:    "include_module",
	builtin: true,
	directives: []*directive{
		{name: "XBitHack", ctx: cAll, override: OverrideOptions, min: 1, max: 1, usage: "On|Off|Full", fn: dXBitHack},
		{name: "SSIErrorMsg", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "message", fn: dSSIText},
		{name: "SSITimeFormat", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "strftime-format", fn: dSSIText},
		{name: "SSIUndefinedEcho", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "string", fn: dSSIText},
		{name: "SSIStartTag", ctx: cServer, min: 1, max: 1, usage: "tag", fn: dSSITag},
		{name: "SSIEndTag", ctx: cServer, min: 1, max: 1, usage: "tag", fn: dSSITag},
		{name: "SSILegacyExprParser", ctx: cAll, override: OverrideLimit, min: 1, max: 1, usage: "On|Off", fn: dSSIFlag},
		{name: "SSILastModified", ctx: cAll, override: OverrideLimit, min: 1, max: 1, usage: "On|Off", fn: dSSIFlag},
		{name: "SSIETag", ctx: cAll, override: OverrideLimit, min: 1, max: 1, usage: "On|Off", fn: dSSIFlag},
	},
	merge: mergeInclude,
}

// Includes reports what the Options in effect allow of server-side
// includes: on (Includes or IncludesNOEXEC), and exec (Includes: the
// elements that run code, mod_python's #python, may run).
func (d *DirConfig) Includes() (on, exec bool) {
	o := effectiveOptions(d)
	return o&optIncludes != 0, o&(optIncludes|optIncludesExec) == optIncludes|optIncludesExec
}

// mergeInclude: each setting of over wins where it is set.
func mergeInclude(r, base, over *DirConfig) {
	r.XBitHack = pickString(base.XBitHack, over.XBitHack)
	r.SSIErrorMsg = pick(base.SSIErrorMsg, over.SSIErrorMsg)
	r.SSITimeFormat = pick(base.SSITimeFormat, over.SSITimeFormat)
	r.SSIUndefinedEcho = pick(base.SSIUndefinedEcho, over.SSIUndefinedEcho)
	r.SSILegacyExprParser = pick(base.SSILegacyExprParser, over.SSILegacyExprParser)
	r.SSILastModified = pick(base.SSILastModified, over.SSILastModified)
	r.SSIETag = pick(base.SSIETag, over.SSIETag)
}

func pickString(base, over string) string {
	if over != "" {
		return over
	}
	return base
}

func dXBitHack(p *parser, c *call) error {
	v := strings.ToLower(c.args[0])
	switch v {
	case "off", "on", "full":
		c.conf.XBitHack = v
		return nil
	}
	return c.errf("XBitHack must be set to Off, On, or Full")
}

func dSSIText(p *parser, c *call) error {
	v := ptr(c.args[0])
	switch c.d.name {
	case "SSIErrorMsg":
		c.conf.SSIErrorMsg = v
	case "SSITimeFormat":
		c.conf.SSITimeFormat = v
	default:
		c.conf.SSIUndefinedEcho = v
	}
	return nil
}

func dSSITag(p *parser, c *call) error {
	t := c.args[0]
	if t == "" || strings.ContainsAny(t, " \t\r\n\v\f") {
		return c.errf("%s may not be empty or contain any whitespace", c.d.name)
	}
	if c.d.name == "SSIStartTag" {
		c.srv.SSIStartTag = t
	} else {
		c.srv.SSIEndTag = t
	}
	return nil
}

func dSSIFlag(p *parser, c *call) error {
	on, err := c.onOff(c.args[0])
	if err != nil {
		return err
	}
	switch c.d.name {
	case "SSILegacyExprParser":
		c.conf.SSILegacyExprParser = &on
	case "SSILastModified":
		c.conf.SSILastModified = &on
	default:
		c.conf.SSIETag = &on
	}
	return nil
}
