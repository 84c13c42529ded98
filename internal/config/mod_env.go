package config

import "slices"

// envModule is mod_env: SetEnv, PassEnv and UnsetEnv.
var envModule = &module{
	name:    "env_module",
	builtin: true,
	directives: []*directive{
		{name: "SetEnv", ctx: cAll, override: OverrideFileInfo, min: 1, max: 2, usage: "variable [value]", fn: dSetEnv},
		{name: "PassEnv", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, usage: "variable ...", fn: dPassEnv},
		{name: "UnsetEnv", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, usage: "variable ...", fn: dUnsetEnv},
	},
	merge: mergeEnv,
}

// mergeEnv: SetEnv merges by name, keeping base's order, over's value
// winning and its new names appended; PassEnv and UnsetEnv accumulate;
// over's UnsetEnv drops base's SetEnv and PassEnv of that name, and over's
// SetEnv or PassEnv base's UnsetEnv.
func mergeEnv(r, base, over *DirConfig) {
	unset := over.UnsetEnv
	keep := func(name string) bool { return !slices.Contains(unset, name) }
	var setEnv []KV
	for _, kv := range base.SetEnv {
		if keep(kv.Key) {
			setEnv = append(setEnv, kv)
		}
	}
	r.SetEnv = mergeKV(setEnv, over.SetEnv)
	for _, n := range base.PassEnv {
		if keep(n) {
			r.PassEnv = append(r.PassEnv, n)
		}
	}
	for _, n := range over.PassEnv {
		if !slices.Contains(r.PassEnv, n) {
			r.PassEnv = append(r.PassEnv, n)
		}
	}
	for _, n := range base.UnsetEnv {
		if !slices.ContainsFunc(over.SetEnv, func(kv KV) bool { return kv.Key == n }) && !slices.Contains(over.PassEnv, n) {
			r.UnsetEnv = append(r.UnsetEnv, n)
		}
	}
	for _, n := range over.UnsetEnv {
		if !slices.Contains(r.UnsetEnv, n) {
			r.UnsetEnv = append(r.UnsetEnv, n)
		}
	}
}

func dSetEnv(p *parser, c *call) error {
	v := ""
	if len(c.args) == 2 {
		v = c.args[1]
	}
	c.conf.SetEnv = setKV(c.conf.SetEnv, c.args[0], v)
	c.conf.UnsetEnv = slices.DeleteFunc(c.conf.UnsetEnv, func(s string) bool { return s == c.args[0] })
	return nil
}

func dPassEnv(p *parser, c *call) error {
	for _, a := range c.args {
		if !slices.Contains(c.conf.PassEnv, a) {
			c.conf.PassEnv = append(c.conf.PassEnv, a)
		}
		c.conf.UnsetEnv = slices.DeleteFunc(c.conf.UnsetEnv, func(s string) bool { return s == a })
	}
	return nil
}

func dUnsetEnv(p *parser, c *call) error {
	for _, a := range c.args {
		c.conf.SetEnv = slices.DeleteFunc(c.conf.SetEnv, func(kv KV) bool { return kv.Key == a })
		c.conf.PassEnv = slices.DeleteFunc(c.conf.PassEnv, func(s string) bool { return s == a })
		if !slices.Contains(c.conf.UnsetEnv, a) {
			c.conf.UnsetEnv = append(c.conf.UnsetEnv, a)
		}
	}
	return nil
}
