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

// defaultDirectoryIndex is mod_dir's DirectoryIndex when none is set.
var defaultDirectoryIndex = []string{"index.html"}

// DirectoryIndexes are the DirectoryIndex names in effect: DirectoryIndex,
// or mod_dir's default (index.html) when it is not set; none for
// "DirectoryIndex disabled" (the keyword never reaches the list). The
// result is shared and must not be modified.
func (d *DirConfig) DirectoryIndexes() []string {
	if d.DirectoryIndex == nil {
		return defaultDirectoryIndex
	}
	return d.DirectoryIndex
}
