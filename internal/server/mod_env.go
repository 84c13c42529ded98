package server

import "os"

// env_module: SetEnv, PassEnv and UnsetEnv into subprocess_env, in fixups
// (before mod_alias's).
var envModule = &module{
	name:  "env_module",
	hooks: []hook{{at: hookFixups, fn: (*rstate).envFixups}},
}

// envFixups is mod_env's fixup.
func (rs *rstate) envFixups() int {
	req, dc := rs.req, rs.dc
	for _, kv := range dc.SetEnv {
		req.SubprocessEnv.Set(kv.Key, kv.Value)
	}
	for _, k := range dc.PassEnv {
		if v, ok := os.LookupEnv(k); ok {
			req.SubprocessEnv.Set(k, v)
		}
	}
	for _, k := range dc.UnsetEnv {
		req.SubprocessEnv.Del(k)
	}
	return resOK
}
