package config

import (
	"path/filepath"
	"strings"
)

// module is one of Apache's modules as the configuration sees it: the
// directives it owns and its part of Merge, registered in modules. The
// request-time half of a module (its hooks) lives in internal/server, under
// the same Apache name.
type module struct {
	// name is Apache's name for the module, the one LoadModule and
	// <IfModule> use ("alias_module"); "" for a group of directives that
	// is no Apache module of modpy's (modpy's own, or those of modules
	// modpy lacks: unsupported.go).
	name string
	// also are the other names <IfModule> knows the module by: other
	// modules modpy provides as part of this one ("mpm_worker_module"),
	// and Apache's source file names ("core.c"). Every "x_module" name
	// is known as "mod_x.c" too.
	also []string
	// builtin: <IfModule> is true for the module without a LoadModule.
	// A module that is not builtin (mod_reqtimeout) has its directives
	// all the same, and acts only once loaded (see loaded).
	builtin bool
	// directives are the module's rows of the directive table.
	directives []*directive
	// merge sets the module's fields of r, the per-directory
	// configuration of over merged on top of base (see Merge); nil for a
	// module with no per-directory configuration.
	merge func(r, base, over *DirConfig)
	// resolve works out, once per merged DirConfig d of c, what requests
	// read of the module's fields (resolved.go); nil when requests read
	// the fields themselves.
	resolve func(c *Config, d *DirConfig, r *resolved)
	// loaded runs for "LoadModule name ..." of this module.
	loaded func(p *parser)
}

// modules is the module table: every directive modpy knows is in exactly
// one module's rows, and Merge runs each module's merge.
var modules = []*module{
	coreModule, soModule, unixdModule, mpmModule, logConfigModule,
	aliasModule, userdirModule, dirModule, autoindexModule, mimeModule,
	authnCoreModule, authnFileModule, authBasicModule,
	authzCoreModule, authzHostModule, authzGroupfileModule, accessCompatModule,
	envModule, setenvifModule, headersModule, expiresModule, remoteipModule, filterModule, deflateModule,
	includeModule, cgiModule, reqtimeoutModule, sslModule, statusModule, versionModule,
	pythonModule, wsgiModule, groupsModule, http2Module, lifecycleModule, unsupportedModule,
}

// Modules with no directive of their own: their work is the server's
// (mod_status's pages, mod_authz_host's Require providers) or the
// parser's (<IfVersion>).
var (
	statusModule    = &module{name: "status_module", builtin: true}
	versionModule   = &module{name: "version_module", builtin: true}
	authzHostModule = &module{name: "authz_host_module", builtin: true}
)

// soModule is mod_so: modpy loads no shared objects, but LoadModule says
// which modules a configuration expects.
var soModule = &module{
	name:    "so_module",
	builtin: true,
	directives: []*directive{
		{name: "LoadModule", ctx: cMain, min: 2, max: 2, usage: "module_name file", fn: dLoadModule},
		{name: "LoadFile", ctx: cMain, min: 1, max: -1, note: "modpy never loads shared objects; ignored"},
	},
}

// directiveTable maps lower-case directive names to their rows;
// moduleByName maps every name a module has in modules (name and also) to
// it. Both are built by init from modules, and read-only afterwards.
var (
	directiveTable map[string]*directive
	moduleByName   map[string]*module
)

func init() {
	directiveTable = make(map[string]*directive)
	moduleByName = make(map[string]*module)
	for _, m := range modules {
		for _, d := range m.directives {
			k := strings.ToLower(d.name)
			if directiveTable[k] != nil {
				panic("config: directive listed twice: " + d.name)
			}
			directiveTable[k] = d
		}
		for _, n := range m.names() {
			if moduleByName[n] != nil {
				panic("config: module name listed twice: " + n)
			}
			moduleByName[n] = m
		}
	}
}

// names are every name <IfModule> knows m by: name, also, and the
// "mod_x.c" form of each "x_module".
func (m *module) names() []string {
	if m.name == "" {
		return nil
	}
	var out []string
	for _, n := range append([]string{m.name}, m.also...) {
		out = append(out, n)
		if base, ok := strings.CutSuffix(n, "_module"); ok {
			out = append(out, "mod_"+base+".c")
		}
	}
	return out
}

// ModuleNames returns the Apache names of the modules whose directives
// and merge rules modpy implements ("core_module", "alias_module", ...),
// in the module table's order; the server's request-time modules use the
// same names.
func ModuleNames() []string {
	var out []string
	for _, m := range modules {
		if m.name != "" {
			out = append(out, m.name)
		}
	}
	return out
}

// newModules is Config.Modules before any LoadModule: the names of the
// builtin modules.
func newModules() map[string]bool {
	m := make(map[string]bool, len(moduleByName))
	for n, mod := range moduleByName {
		if mod.builtin {
			m[n] = true
		}
	}
	return m
}

func dLoadModule(p *parser, c *call) error {
	name, file := c.args[0], c.args[1]
	p.cfg.Modules[name] = true
	if m := moduleByName[name]; m != nil && m.name == name && m.loaded != nil {
		m.loaded(p)
	}
	base := filepath.Base(file)
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	if base != "" && base != "." {
		p.cfg.Modules[base+".c"] = true
	}
	if m, ok := strings.CutSuffix(name, "_module"); ok && m != "" {
		p.cfg.Modules["mod_"+m+".c"] = true
	}
	return nil
}
