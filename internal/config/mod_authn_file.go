package config

// authnFileModule is mod_authn_file: AuthUserFile names the password file
// of the "file" provider (AuthBasicProvider's default), which the server
// reads at request time (internal/server/mod_authn_file.go). A section
// that sets it replaces the outer one's, as Apache's (the module has no
// merge of its own).
var authnFileModule = &module{
	name:    "authn_file_module",
	builtin: true,
	directives: []*directive{
		{name: "AuthUserFile", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, usage: "file",
			fn: func(p *parser, c *call) error {
				c.conf.AuthUserFile = ptr(p.abs(c.args[0]))
				return nil
			}},
	},
	merge: func(r, base, over *DirConfig) {
		r.AuthUserFile = pick(base.AuthUserFile, over.AuthUserFile)
	},
}
