package config

import (
	"slices"
	"strings"
)

// dirModule is mod_dir: DirectoryIndex, and the directives whose only
// value modpy accepts is the behaviour it has.
var dirModule = &module{
	name:    "dir_module",
	builtin: true,
	directives: []*directive{
		{name: "DirectoryIndex", ctx: cAll, override: OverrideIndexes, min: 1, max: -1, usage: "disabled|local-url ...", fn: dDirectoryIndex},
		{name: "DirectorySlash", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, fn: only("modpy always redirects a directory's URL "+
			"without its slash to the one with it", "On")},
		{name: "DirectoryCheckHandler", ctx: cAll, min: 1, max: 1, fn: only("modpy's directory redirect and DirectoryIndex "+
			"apply only when no handler is set", "Off")},
		{name: "FallbackResource", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, fn: only("not supported by modpy: missing files would "+
			"be 404; use a PythonHandler for the directory", "disabled")},
	},
	merge: func(r, base, over *DirConfig) {
		r.DirectoryIndex = pickSlice(base.DirectoryIndex, over.DirectoryIndex)
	},
}

func dDirectoryIndex(p *parser, c *call) error {
	for _, a := range c.args {
		if strings.EqualFold(a, "disabled") {
			if len(c.args) != 1 {
				return c.errf("\"disabled\" must be the only argument")
			}
			c.conf.DirectoryIndex = []string{}
			return nil
		}
	}
	c.conf.DirectoryIndex = append(slices.Clip(c.conf.DirectoryIndex), c.args...)
	return nil
}
