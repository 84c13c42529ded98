package config

import (
	"path/filepath"
	"strings"
)

// userdirModule is mod_userdir: UserDir, at server or vhost level.
var userdirModule = &module{
	name:    "userdir_module",
	builtin: true,
	directives: []*directive{
		{name: "UserDir", ctx: cServer, min: 1, max: -1, usage: "directory-filename ... | disabled [user ...] | enabled user ...", fn: dUserDir},
	},
}

func dUserDir(p *parser, c *call) error {
	u := c.srv.UserDir
	if u == nil {
		u = &UserDir{}
		c.srv.UserDir = u
	}
	switch strings.ToLower(c.args[0]) {
	case "disabled":
		if len(c.args) == 1 {
			u.Disabled = true
		} else {
			u.DisabledUsers = append(u.DisabledUsers, c.args[1:]...)
		}
	case "enabled":
		if len(c.args) == 1 {
			return c.errf("enabled needs user names")
		}
		u.Enabled = append(u.Enabled, c.args[1:]...)
	default:
		for _, d := range c.args {
			if strings.Contains(d, "..") {
				return c.errf("%q: a directory with \"..\"", d)
			}
			if !filepath.IsAbs(d) && strings.Contains(d, "*") {
				return c.errf("%q: \"*\" only in an absolute path", d)
			}
		}
		u.Dirs = append(u.Dirs[:0:0], c.args...)
	}
	return nil
}
