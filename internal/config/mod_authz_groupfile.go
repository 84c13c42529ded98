package config

import "strings"

// authzGroupfileModule is mod_authz_groupfile: AuthGroupFile names the
// group file "Require group" reads at request time
// (internal/server/mod_authz_groupfile.go). A section that sets it
// replaces the outer one's, as Apache's.
var authzGroupfileModule = &module{
	name:    "authz_groupfile_module",
	builtin: true,
	directives: []*directive{
		{name: "AuthGroupFile", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, usage: "file",
			fn: func(p *parser, c *call) error {
				c.conf.AuthGroupFile = ptr(p.abs(c.args[0]))
				return nil
			}},
	},
	merge: func(r, base, over *DirConfig) {
		r.AuthGroupFile = pick(base.AuthGroupFile, over.AuthGroupFile)
	},
}

// checkGroupArgs refuses what Apache would evaluate as an expression in
// "Require group": modpy compares the names as written.
func checkGroupArgs(c *call, args []string) error {
	for _, a := range args {
		if strings.Contains(a, "%{") {
			return c.errf("\"Require group %s\": expressions in group names are not supported by modpy (name the groups as they stand)", a)
		}
	}
	return nil
}
