package config

// unixdModule is mod_unixd: the user and group the workers run as.
var unixdModule = &module{
	name:    "unixd_module",
	builtin: true,
	directives: []*directive{
		{name: "User", ctx: cMain, min: 1, max: 1, usage: "unix-user", fn: func(p *parser, c *call) error {
			p.cfg.User = c.args[0]
			return nil
		}},
		{name: "Group", ctx: cMain, min: 1, max: 1, usage: "unix-group", fn: func(p *parser, c *call) error {
			p.cfg.Group = c.args[0]
			return nil
		}},
	},
}
