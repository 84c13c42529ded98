package server

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"modpy/internal/config"
	"modpy/internal/request"
)

// loadConfig loads text as a main config file in a fresh directory.
func loadConfig(t *testing.T, text string) (*config.Config, error) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "site.conf")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return config.Load(config.LoadOptions{File: file, ServerRoot: dir})
}

const minimalConfig = "Listen 127.0.0.1:8080\nServerName localhost\nDocumentRoot .\n"

// loadedOnly are the server's modules that act only once a LoadModule
// names them, as in Debian, and why.
var loadedOnly = map[string]string{
	"cgi_module": "scripts run only where the configuration loads mod_cgi (or mod_cgid), as a2enmod does: " +
		"Debian's serve-cgi-bin.conf maps /cgi-bin/ once it is loaded",
	"ssl_module": "built in, but <IfModule ssl_module> is true only after a LoadModule, as a2enmod ssl makes it: " +
		"Debian's sites and ssl.conf test it",
}

// loadLines are LoadModule lines for loadedOnly's modules.
func loadLines() string {
	var b strings.Builder
	for n := range loadedOnly {
		b.WriteString("LoadModule " + n + " modules/mod_x.so\n")
	}
	return b.String()
}

// The module table's names are Apache's, which <IfModule> knows without a
// LoadModule (config registers each module's directives under them), or
// with one for loadedOnly's, and each appears once.
func TestModuleNamesAreApaches(t *testing.T) {
	bare, err := loadConfig(t, minimalConfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(t, loadLines()+minimalConfig)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range modules {
		if !strings.HasSuffix(m.name, "_module") || !cfg.Modules[m.name] {
			t.Errorf("module %q is not one of Apache's modules that <IfModule> knows", m.name)
		}
		if _, lo := loadedOnly[m.name]; lo == bare.Modules[m.name] {
			t.Errorf("module %q: <IfModule> without a LoadModule is %v (loadedOnly: %v)", m.name, bare.Modules[m.name], lo)
		}
		if seen[m.name] {
			t.Errorf("module %q is in the table twice", m.name)
		}
		seen[m.name] = true
	}
}

// configOnly are the modules of config's table (config.ModuleNames) with
// no row in the server's, and where their directives take effect instead.
var configOnly = map[string]string{
	"so_module":            "LoadModule and LoadFile only say which modules a configuration expects",
	"unixd_module":         "User and Group: the master drops privileges when it starts a worker (internal/master)",
	"mpm_event_module":     "the process model: internal/master and internal/worker",
	"log_config_module":    "CustomLog and LogFormat: the access log, written after the response (accesslog.go)",
	"authn_core_module":    "AuthType and AuthName: core's map_to_storage puts them on the request for auth_basic_module",
	"authz_host_module":    "Require ip, host, local and env: providers authz_core_module's hooks evaluate (access.go)",
	"access_compat_module": "Order, Allow, Deny and Satisfy: combined with Require by authz_core_module's access_checker (access.go)",
	"reqtimeout_module":    "RequestReadTimeout: internal/httpd's read timeouts (server.go)",
	"version_module":       "<IfVersion>: the parser's",
	"filter_module":        "AddOutputFilterByType: the DEFLATE filter it activates is deflate_module's (filters.go: setupFilters)",
}

// The server's module table and config's name the same modules: each of
// the server's has its directives and merge rules in config under the
// same name, and each of config's either has hooks here or is in
// configOnly, which says where its work is done.
func TestModuleTablesAgree(t *testing.T) {
	names := config.ModuleNames()
	here := map[string]bool{}
	for _, m := range modules {
		here[m.name] = true
		if !slices.Contains(names, m.name) {
			t.Errorf("server module %s is not in config's module table (config.ModuleNames() = %v)", m.name, names)
		}
	}
	for _, n := range names {
		_, only := configOnly[n]
		switch {
		case here[n] && only:
			t.Errorf("%s is in the server's module table and in configOnly", n)
		case !here[n] && !only:
			t.Errorf("config's module %s has no row in the server's table: add one (modules.go), or say in configOnly where its directives act", n)
		}
	}
	for n := range configOnly {
		if !slices.Contains(names, n) {
			t.Errorf("configOnly names %s, which config's module table does not have", n)
		}
	}
}

// Every content handler a module serves is a name the configuration takes
// in SetHandler, and a name no module serves is refused there.
func TestContentHandlerNamesAccepted(t *testing.T) {
	served := map[string]bool{}
	for _, m := range modules {
		for _, ch := range m.handlers {
			if served[strings.ToLower(ch.name)] {
				t.Errorf("handler %q is served twice", ch.name)
			}
			served[strings.ToLower(ch.name)] = true
			if _, err := loadConfig(t, loadLines()+minimalConfig+"<Location /x>\nSetHandler "+ch.name+"\n</Location>\n"); err != nil {
				t.Errorf("%s's handler %q: %v", m.name, ch.name, err)
			}
		}
	}
	if _, err := loadConfig(t, minimalConfig+"<Location /x>\nSetHandler no-such-handler\n</Location>\n"); err == nil ||
		!strings.Contains(err.Error(), `"no-such-handler"`) {
		t.Errorf("SetHandler no-such-handler: %v, want it refused", err)
	}
}

// The order of the modules' hooks at each hook point is the order of the
// server's work in that phase: core's <Location> merge, Redirect and
// Alias, WSGIScriptAlias, UserDir, then the DocumentRoot; SetEnv before a section's
// Redirect; in the content phase the handlers served by name, mod_dir,
// then the default handler.
func TestHookOrder(t *testing.T) {
	want := map[hookPoint][]string{
		hookTranslateName:   {"core_module", "alias_module", "wsgi_module", "userdir_module", "core_module"},
		hookMapToStorage:    {"core_module"},
		hookPostReadRequest: {"headers_module", "remoteip_module", "setenvif_module", "ssl_module"},
		hookHeaderParser:    {"setenvif_module"},
		hookAccessChecker:   {"wsgi_module", "ssl_module", "authz_core_module"},
		hookCheckUserID:     {"auth_basic_module"},
		hookAuthChecker:     {"authz_core_module"},
		hookTypeChecker:     {"mime_module"},
		hookFixups:          {"env_module", "alias_module", "ssl_module", "headers_module", "include_module", "http2_module"},
		hookHandler: {"core_module default-handler", "wsgi_module wsgi-script", "dir_module", "autoindex_module",
			"cgi_module cgi-script",
			"status_module modpy-status", "status_module server-status", "status_module modpy-metrics",
			"core_module"},
	}
	points := map[hookPoint]bool{}
	for _, ph := range requestPhases {
		if points[ph.at] {
			t.Errorf("hook point %d is run by two phases", ph.at)
		}
		points[ph.at] = true
		var got []string
		for _, r := range hooksAt(modules, ph.at) {
			name := r.mod.name
			if r.handler != "" {
				name += " " + r.handler
			}
			got = append(got, name)
		}
		if !reflect.DeepEqual(got, want[ph.at]) {
			t.Errorf("phase %q (hook point %d): hooks %q, want %q", ph.python, ph.at, got, want[ph.at])
		}
		if len(ph.pre)+len(ph.hooks) != len(got) {
			t.Errorf("phase %q: %d hooks computed at init, %d registered", ph.python, len(ph.hooks), len(got))
		}
	}
	for _, m := range modules {
		for _, h := range m.hooks {
			if !points[h.at] {
				t.Errorf("%s has a hook at point %d, which no phase runs", m.name, h.at)
			}
		}
	}
}

// A handler served by name declines any other, and matches without case.
func TestByName(t *testing.T) {
	serve := func(*rstate) int { return 200 }
	rs := &rstate{req: request.New()}
	for h, want := range map[string]int{"Server-Status": 200, "server-status": 200, "": resDeclined, "server-statusx": resDeclined} {
		rs.req.Handler = h
		if got := byName("server-status", serve)(rs); got != want {
			t.Errorf("handler %q: %d, want %d", h, got, want)
		}
	}
	for h, want := range map[string]bool{"mod_python": true, "Python-Program": true, "default-handler": false, "": false} {
		if isPythonHandler(h) != want {
			t.Errorf("isPythonHandler(%q) = %v", h, !want)
		}
	}
}
