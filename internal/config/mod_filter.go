package config

import "strings"

// filterModule is mod_filter. modpy has its AddOutputFilterByType, for
// DEFLATE: the filter runs for a response whose media type (without
// parameters) is one of those listed. Its smart filters (FilterDeclare,
// FilterProvider, FilterChain) are accepted only where they would only
// compress.
var filterModule = &module{
	name:    "filter_module",
	builtin: true,
	directives: []*directive{
		{name: "AddOutputFilterByType", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, usage: "filter[;filter...] media-type ...", fn: dFilterByType},
		{name: "FilterDeclare", ctx: cAll, override: OverrideOptions, min: 1, max: 2, note: noteSmartFilter},
		{name: "FilterProvider", ctx: cAll, override: OverrideOptions, min: 3, max: 3, fn: dFilterProvider},
		{name: "FilterChain", ctx: cAll, override: OverrideOptions, min: 1, max: -1, note: noteSmartFilter},
		{name: "FilterProtocol", ctx: cAll, override: OverrideOptions, min: 2, max: 3, note: noteSmartFilter},
		{name: "FilterTrace", ctx: cAll, min: 2, max: 2, note: noteIgnored},
	},
	merge: func(r, base, over *DirConfig) {
		r.FilterByType = mergeListMap(base.FilterByType, over.FilterByType)
	},
}

const noteSmartFilter = "mod_filter's smart filters are not run by modpy (only AddOutputFilterByType DEFLATE is); ignored"

// dFilterByType is AddOutputFilterByType: DEFLATE is run; BROTLI_COMPRESS
// (compression alone) may be ignored; any other filter is refused. Lines
// for one filter in one section add types; an inner section's list for a
// filter replaces the outer's, as mod_filter merges.
func dFilterByType(p *parser, c *call) error {
	for _, n := range splitFilters(c.args[0]) {
		switch {
		case strings.EqualFold(n, "DEFLATE"):
			if c.conf.FilterByType == nil {
				c.conf.FilterByType = map[string][]string{}
			}
			c.conf.FilterByType["DEFLATE"] = append(c.conf.FilterByType["DEFLATE"], c.args[1:]...)
		case hasFold(compressionFilters, n):
			p.notice("dir "+c.d.name+" "+n, c.pos, "%s %s: %s", c.d.name, n, noteCompress)
		default:
			return c.errf("filter %s: not supported by modpy by type (only DEFLATE); "+
				"activate a Python filter with SetOutputFilter or AddOutputFilter", n)
		}
	}
	return nil
}

// dFilterProvider is mod_filter's FilterProvider: a compression provider
// may be ignored, any other would change the response.
func dFilterProvider(p *parser, c *call) error {
	if !hasFold(compressionFilters, c.args[1]) {
		return c.errf("provider %s: mod_filter's smart filters are not supported by modpy (only compression, which they would ignore)", c.args[1])
	}
	p.notice("dir "+c.d.name, c.pos, "%s: %s", c.d.name, noteSmartFilter)
	return nil
}
