package config

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestModuleMergesOwnFields checks that each DirConfig field is merged by
// exactly one module: the one whose directives set it. A field two
// modules merge (the later would silently win) or none does fails here by
// name.
func TestModuleMergesOwnFields(t *testing.T) {
	typ := reflect.TypeFor[DirConfig]()
	full := func(variant int) *DirConfig {
		d := new(DirConfig)
		v := reflect.ValueOf(d).Elem()
		for i := range typ.NumField() {
			if f := typ.Field(i); f.IsExported() {
				v.Field(i).Set(fillValue(f.Type, variant, 0, ""))
			}
		}
		return d
	}
	// Folded into Options by the core's merge: never set in a result.
	folded := map[string]bool{"OptionsAdd": true, "OptionsRemove": true}
	owner := map[string][]string{}
	for i, m := range modules {
		if m.merge == nil {
			continue
		}
		r := new(DirConfig)
		m.merge(r, full(1), full(2))
		rv := reflect.ValueOf(r).Elem()
		for j := range typ.NumField() {
			if f := typ.Field(j); f.IsExported() && !rv.Field(j).IsZero() {
				owner[f.Name] = append(owner[f.Name], cmpName(m, i))
			}
		}
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		switch n := len(owner[f.Name]); {
		case folded[f.Name] && n != 0:
			t.Errorf("DirConfig.%s: set by %v, want folded into Options", f.Name, owner[f.Name])
		case !folded[f.Name] && n != 1:
			t.Errorf("DirConfig.%s: merged by %d modules %v, want exactly one", f.Name, n, owner[f.Name])
		}
	}
}

// cmpName names module m (index i in modules) in a failure.
func cmpName(m *module, i int) string {
	if m.name != "" {
		return m.name
	}
	return fmt.Sprintf("modules[%d]", i)
}

// TestBuiltinModuleNames pins the names <IfModule> is true for without a
// LoadModule: the modules modpy provides, by every name Apache knows them
// by.
func TestBuiltinModuleNames(t *testing.T) {
	var want []string
	for _, n := range []string{
		"core", "http", "so", "python", "mime", "dir", "alias", "log_config",
		"authz_core", "authz_host", "authz_groupfile", "authn_core", "authn_file", "auth_basic",
		"access_compat", "env", "unixd", "mpm_event", "mpm_worker",
		"mpm_prefork", "version", "status", "userdir", "include", "wsgi", "http2",
		"setenvif", "headers", "expires", "remoteip", "filter", "deflate", "autoindex",
	} {
		want = append(want, n+"_module", "mod_"+n+".c")
	}
	want = append(want, "core.c", "http_core.c", "event.c", "worker.c", "prefork.c")
	var got []string
	for n := range newModules() {
		got = append(got, n)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("builtin module names:\n got %v\nwant %v", got, want)
	}
	if m := moduleByName["reqtimeout_module"]; m == nil || m.builtin || m.loaded == nil {
		t.Errorf("reqtimeout_module: %+v, want a module that acts once loaded", m)
	}
}

// TestModuleNames checks the names the server's request-time modules
// share with the configuration's, and that every directive belongs to a
// module of the table.
func TestModuleNames(t *testing.T) {
	names := ModuleNames()
	for _, n := range []string{
		"core_module", "alias_module", "userdir_module", "dir_module", "mime_module",
		"authz_core_module", "authz_host_module", "access_compat_module", "authn_core_module",
		"authn_file_module", "auth_basic_module", "env_module", "log_config_module",
		"reqtimeout_module", "status_module", "python_module",
	} {
		if !slices.Contains(names, n) {
			t.Errorf("ModuleNames() = %v: %s missing", names, n)
		}
	}
	n := 0
	for _, m := range modules {
		n += len(m.directives)
		if m.name != "" && !strings.HasSuffix(m.name, "_module") {
			t.Errorf("module %q: Apache's module names end in _module", m.name)
		}
	}
	if n != len(directiveTable) {
		t.Errorf("%d rows in the modules, %d directives in the table", n, len(directiveTable))
	}
}
