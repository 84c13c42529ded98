package config

import "strings"

// accessCompatModule is mod_access_compat: Order, Allow, Deny and
// Satisfy.
var accessCompatModule = &module{
	name:    "access_compat_module",
	builtin: true,
	directives: []*directive{
		{name: "Order", ctx: cSections, override: OverrideLimit, min: 1, max: 1, usage: "allow,deny|deny,allow|mutual-failure", fn: dOrder},
		{name: "Allow", ctx: cSections, override: OverrideLimit, min: 2, max: -1, usage: "from all|host|ip|ip/mask|env=[!]VAR ...", fn: dAllowDeny},
		{name: "Deny", ctx: cSections, override: OverrideLimit, min: 2, max: -1, usage: "from all|host|ip|ip/mask|env=[!]VAR ...", fn: dAllowDeny},
		{name: "Satisfy", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, usage: "Any|All", fn: dSatisfy},
	},
	merge: func(r, base, over *DirConfig) {
		r.Access = pick(base.Access, over.Access) // replaced as a whole, as in Apache
	},
}

// access is the section's mod_access_compat configuration, created on
// first use.
func (c *call) access() *Access {
	if c.conf.Access == nil {
		c.conf.Access = &Access{Pos: c.pos}
	}
	return c.conf.Access
}

func dOrder(p *parser, c *call) error {
	var o AccessOrder
	switch strings.ToLower(c.args[0]) {
	case "deny,allow":
		o = OrderDenyAllow
	case "allow,deny":
		o = OrderAllowDeny
	case "mutual-failure":
		o = OrderMutualFailure
	default:
		return c.errf("unknown order %q (allow,deny, deny,allow or mutual-failure, without spaces)", c.args[0])
	}
	c.access().Order = o
	return nil
}

func dSatisfy(p *parser, c *call) error {
	var s Satisfy
	switch strings.ToLower(c.args[0]) {
	case "all":
		s = SatisfyAll
	case "any":
		s = SatisfyAny
	default:
		return c.errf("Satisfy either 'any' or 'all'.")
	}
	c.access().Satisfy = s
	return nil
}

// dAllowDeny is "Allow from ..." and "Deny from ...".
func dAllowDeny(p *parser, c *call) error {
	if !strings.EqualFold(c.args[0], "from") {
		return c.errf("allow and deny must be followed by 'from'")
	}
	var rules []AccessRule
	for _, w := range c.args[1:] {
		var r AccessRule
		switch {
		case len(w) >= 4 && strings.EqualFold(w[:4], "env="):
			r.Env = w[4:]
			if strings.HasPrefix(r.Env, "!") {
				r.Env, r.NotEnv = r.Env[1:], true
			}
			if r.Env == "" {
				return c.errf("%q names no variable", w)
			}
		case strings.EqualFold(w, "all"):
			r.All = true
		default:
			addr, mask, hasMask := strings.Cut(w, "/")
			n, looksIP, err := parseIPSubnet(addr, mask, hasMask)
			switch {
			case err != nil:
				return c.errf("%q: %v", w, err)
			case looksIP:
				r.Net = n
			case hasMask:
				return c.errf("%q: An IP address was expected", w)
			default:
				r.Host = strings.ToLower(w)
			}
		}
		rules = append(rules, r)
	}
	a := c.access()
	if c.d.name == "Allow" {
		a.Allow = append(a.Allow, rules...)
	} else {
		a.Deny = append(a.Deny, rules...)
	}
	return nil
}
