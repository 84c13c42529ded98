package server

import (
	"os"

	"modpy/internal/table"
)

// env_module: SetEnv and PassEnv into subprocess_env, in fixups (before
// mod_alias's). As in Apache (apr_table_overlay), the variables are added
// after those already set: a variable that SetEnvIf or a handler set
// first keeps the value req.subprocess_env shows. UnsetEnv acts on the
// merge only: it drops the SetEnv and PassEnv of outer sections, never a
// variable set another way.
var envModule = &module{
	name:  "env_module",
	hooks: []hook{{at: hookFixups, fn: (*rstate).envFixups}},
}

// envFixups is mod_env's fixup.
func (rs *rstate) envFixups() int {
	req, dc := rs.req, rs.dc
	for _, kv := range dc.SetEnv {
		overlayEnv(req.SubprocessEnv, kv.Key, kv.Value)
	}
	for _, k := range dc.PassEnv {
		if v, ok := os.LookupEnv(k); ok {
			overlayEnv(req.SubprocessEnv, k, v)
		}
	}
	return resOK
}

// overlayEnv adds key=value after t's entries, unless t has that very
// entry already (an internal redirect runs the fixups again).
func overlayEnv(t *table.Table, key, value string) {
	for _, v := range t.Values(key) {
		if v == value {
			return
		}
	}
	t.Add(key, value)
}
