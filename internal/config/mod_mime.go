package config

import "strings"

// mimeModule is mod_mime: handlers, types, charsets and filters by file
// extension, and TypesConfig (mime.go reads the file). Its language and
// encoding directives are accepted and not acted on.
var mimeModule = &module{
	name:    "mime_module",
	builtin: true,
	directives: []*directive{
		{name: "AddHandler", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, usage: "handler-name extension ...", fn: dAddHandler},
		{name: "RemoveHandler", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, usage: "extension ...", fn: dRemoveHandler},
		{name: "AddType", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, usage: "media-type extension ...", fn: dAddType},
		{name: "RemoveType", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, usage: "extension ...", fn: dRemoveHandler},
		{name: "AddCharset", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, usage: "charset extension ...", fn: dAddCharset},
		{name: "RemoveCharset", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, usage: "extension ...", fn: dRemoveHandler},
		{name: "AddOutputFilter", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, usage: "filter[;filter...] extension ...", fn: dAddFilter},
		{name: "AddInputFilter", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, usage: "filter[;filter...] extension ...", fn: dAddFilter},
		{name: "RemoveInputFilter", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, usage: "extension ...", fn: dRemoveFilter},
		{name: "RemoveOutputFilter", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, usage: "extension ...", fn: dRemoveFilter},
		{name: "TypesConfig", ctx: cMain, min: 1, max: 1, usage: "file", fn: dTypesConfig},
		{name: "ModMimeUsePathInfo", ctx: cSections, override: OverrideFileInfo, min: 1, max: 1, fn: only("modpy takes handlers "+
			"and types from the file name only", "Off")},
		{name: "MultiviewsMatch", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, note: noteNegotiate},
		{name: "AddLanguage", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, note: noteNegotiate},
		{name: "AddEncoding", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, note: noteIgnored},
		{name: "RemoveLanguage", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, note: noteNegotiate},
		{name: "RemoveEncoding", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, note: noteIgnored},
		{name: "DefaultLanguage", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, note: noteNegotiate},
	},
	merge: mergeMime,
}

// mergeMime: the extension maps merge key by key, over's value winning;
// a "" handler, type or charset (Remove*) or an empty filter list
// (Remove*Filter) in over drops base's entry.
func mergeMime(r, base, over *DirConfig) {
	r.AddHandlers = mergeStrMap(base.AddHandlers, over.AddHandlers, "")
	r.AddTypes = mergeStrMap(base.AddTypes, over.AddTypes, "")
	r.AddCharsets = mergeStrMap(base.AddCharsets, over.AddCharsets, "")
	r.AddOutputFilters = mergeListMap(base.AddOutputFilters, over.AddOutputFilters)
	r.AddInputFilters = mergeListMap(base.AddInputFilters, over.AddInputFilters)
}

func dAddHandler(p *parser, c *call) error {
	h := strings.ToLower(c.args[0])
	if err := checkHandler(p, c, h); err != nil {
		return err
	}
	setExts(&c.conf.AddHandlers, c.args[1:], h)
	return nil
}

func setExts(m *map[string]string, exts []string, v string) {
	if *m == nil {
		*m = make(map[string]string, len(exts))
	}
	for _, e := range exts {
		(*m)[normExt(e)] = v
	}
}

func dRemoveHandler(p *parser, c *call) error {
	switch c.d.name {
	case "RemoveType":
		setExts(&c.conf.AddTypes, c.args, "")
	case "RemoveCharset":
		setExts(&c.conf.AddCharsets, c.args, "")
	default:
		setExts(&c.conf.AddHandlers, c.args, "")
	}
	return nil
}

func dAddType(p *parser, c *call) error {
	t := strings.ToLower(c.args[0])
	if !strings.Contains(t, "/") {
		return c.errf("%q is not a media type (type/subtype)", c.args[0])
	}
	if err := checkHandlerType(c, t); err != nil {
		return err
	}
	setExts(&c.conf.AddTypes, c.args[1:], t)
	return nil
}

func dTypesConfig(p *parser, c *call) error {
	file := p.abs(c.args[0])
	if !p.fs {
		return c.errf("file access is disabled")
	}
	m, err := readMimeTypes(file)
	if err != nil {
		return c.errf("%s", readErrText(file, err))
	}
	p.typesFile, p.typesSet = m, true
	return nil
}

func dAddCharset(p *parser, c *call) error {
	setExts(&c.conf.AddCharsets, c.args[1:], c.args[0])
	return nil
}

func dAddFilter(p *parser, c *call) error {
	names := splitFilters(c.args[0])
	input := c.d.name == "AddInputFilter"
	if err := checkFilters(p, c, names, input); err != nil {
		return err
	}
	m := &c.conf.AddOutputFilters
	if input {
		m = &c.conf.AddInputFilters
	}
	if *m == nil {
		*m = make(map[string][]string)
	}
	for _, e := range c.args[1:] {
		(*m)[normExt(e)] = names
	}
	return nil
}

// dRemoveFilter is Remove{Input,Output}Filter: the extensions' Add*Filter
// mappings, inherited ones included, are dropped (an empty list, see Merge).
func dRemoveFilter(p *parser, c *call) error {
	m := &c.conf.AddOutputFilters
	if c.d.name == "RemoveInputFilter" {
		m = &c.conf.AddInputFilters
	}
	if *m == nil {
		*m = make(map[string][]string)
	}
	for _, e := range c.args {
		(*m)[normExt(e)] = []string{}
	}
	return nil
}
