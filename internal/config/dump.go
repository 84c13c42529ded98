package config

import (
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// What httpd's command line prints about its modules, its directives and a
// configuration (-l, -L, -M, -S, -t -D DUMP_*), in httpd's layout. The
// lists come from the module table (modules.go), so a module added there
// shows up in them.

// ListModules writes httpd -l's list: every module compiled in, by its
// source file name ("mod_alias.c").
func ListModules(w io.Writer) {
	fmt.Fprintln(w, "Compiled in modules:")
	for _, m := range modules {
		if m.name != "" {
			fmt.Fprintf(w, "  %s\n", m.file())
		}
	}
}

// DumpModules writes httpd -M's list: the modules the configuration c has
// (every builtin one, and those LoadModule loaded), all "static": modpy
// loads no shared objects.
func DumpModules(w io.Writer, c *Config) {
	fmt.Fprintln(w, "Loaded Modules:")
	for _, m := range modules {
		if m.name != "" && (m.builtin || c.Modules[m.name]) {
			fmt.Fprintf(w, " %s (static)\n", m.name)
		}
	}
}

// file is the module's name as httpd -l and -L show it: its source file,
// the first "x.c" of also, else "mod_x.c" for "x_module"; modpy's own
// directives show as "modpy", the accepted-and-ignored ones of modules
// modpy lacks (unsupported.go) as "ignored".
func (m *module) file() string {
	switch {
	case m == unsupportedModule:
		return "ignored"
	case m.name == "":
		return "modpy"
	}
	for _, a := range m.also {
		if strings.HasSuffix(a, ".c") {
			return a
		}
	}
	return "mod_" + strings.TrimSuffix(m.name, "_module") + ".c"
}

// sectionRow is a section (<Directory>, <IfModule>...) as -L lists it:
// the module it belongs to, where it may appear (as directive.ctx) and a
// synopsis of its arguments. Which .htaccess class lets it in is
// sectionOverride's.
type sectionRow struct {
	tag, module string
	ctx         ctxMask
	usage       string
}

// sectionRows are the sections of sectionNames, for -L (a test checks
// that both list the same sections, and the contexts against the parser).
var sectionRows = []sectionRow{
	{"Directory", "core_module", cServer, "directory-path | ~ regex"},
	{"Location", "core_module", cServer, "url-path | ~ regex"},
	{"VirtualHost", "core_module", cMain, "addr[:port] ..."},
	{"Files", "core_module", cServer | cDir, "filename | ~ regex"},
	{"IfModule", "core_module", cAll, "[!]module-name | [!]module-file.c"},
	{"IfDefine", "core_module", cAll, "[!]parameter-name"},
	{"IfFile", "core_module", cAll, "[!]path"},
	{"IfDirective", "core_module", cAll, "[!]directive-name"},
	{"IfSection", "core_module", cAll, "[!]section-name"},
	{"DirectoryMatch", "core_module", cServer, "regex"},
	{"LocationMatch", "core_module", cServer, "regex"},
	{"FilesMatch", "core_module", cServer | cDir, "regex"},
	{"RequireAll", "authz_core_module", cSections, "(Require lines)"},
	{"RequireAny", "authz_core_module", cSections, "(Require lines)"},
	{"RequireNone", "authz_core_module", cSections, "(Require lines)"},
	{"IfVersion", "version_module", cAll, "[[!]operator] version"},
}

// ListDirectives writes httpd -L's list: every directive and section
// modpy reads, module by module, each with its arguments (for a directive
// modpy accepts and does not act on, why), the module's file and where it
// is allowed, in httpd's words.
func ListDirectives(w io.Writer) {
	for _, m := range modules {
		for _, s := range sectionRows {
			if s.module == m.name && m.name != "" {
				fmt.Fprintf(w, "<%s (%s)\n\t%s\n", s.tag, m.file(), s.usage)
				fmt.Fprint(w, allowedIn(s.ctx, sectionOverride[s.tag]))
			}
		}
		for _, d := range m.directives {
			fmt.Fprintf(w, "%s (%s)\n", d.name, m.file())
			if d.usage != "" {
				fmt.Fprintf(w, "\t%s\n", d.usage)
			}
			if d.fn == nil && d.note != "" {
				fmt.Fprintf(w, "\tmodpy: %s\n", d.note)
			}
			fmt.Fprint(w, allowedIn(d.ctx, d.override))
		}
	}
}

// allowedIn is -L's "Allowed in" line for a directive of contexts ctx and
// .htaccess class o, in httpd's words.
func allowedIn(ctx ctxMask, o Override) string {
	var b strings.Builder
	b.WriteString("\tAllowed in *.conf ")
	switch {
	case ctx&cServer != 0 && ctx&cSections != 0:
		b.WriteString("anywhere")
	case ctx&cServer != 0:
		b.WriteString("only outside <Directory>, <Files>, <Location>, or <If>")
	default:
		b.WriteString("only inside <Directory>, <Files>, <Location>, or <If>")
	}
	if o != 0 {
		b.WriteString(" and in .htaccess\n\twhen AllowOverride")
		if o == OverrideAll {
			b.WriteString(" isn't None")
		} else {
			var names []string
			for _, c := range []struct {
				o    Override
				name string
			}{
				{OverrideAuthConfig, "AuthConfig"}, {OverrideLimit, "Limit"}, {OverrideOptions, "Options"},
				{OverrideFileInfo, "FileInfo"}, {OverrideIndexes, "Indexes"},
			} {
				if o&c.o != 0 {
					names = append(names, c.name)
				}
			}
			b.WriteString(" includes " + strings.Join(names, " or "))
		}
	}
	b.WriteString("\n")
	return b.String()
}

// DumpVHosts writes httpd -t -D DUMP_VHOSTS's report: each address the
// virtual hosts listen on with the host (or, for several, the name-based
// hosts, the first being the default) it leads to, and where each host is
// defined. Specific addresses come first, then wildcard ones, each in the
// order the configuration first names them. A host name as address is
// shown as "*", as modpy treats it.
func (c *Config) DumpVHosts(w io.Writer) {
	type chain struct {
		key   string
		port  uint16
		hosts []*Server
	}
	var exact, wild []*chain
	find := func(list *[]*chain, key string, port uint16) *chain {
		for _, ch := range *list {
			if ch.key == key {
				return ch
			}
		}
		ch := &chain{key: key, port: port}
		*list = append(*list, ch)
		return ch
	}
	add := func(ch *chain, v *Server) {
		if len(ch.hosts) == 0 || ch.hosts[len(ch.hosts)-1] != v {
			ch.hosts = append(ch.hosts, v)
		}
	}
	for _, vm := range newVHostMatches(c, nil) {
		for _, a := range vm.addrs {
			port := "*"
			if a.port != 0 {
				port = strconv.Itoa(int(a.port))
			}
			if a.wild {
				add(find(&wild, "*:"+port, a.port), vm.srv)
				continue
			}
			for _, ip := range a.ips {
				key := ip.String() + ":" + port
				if ip.Is6() {
					key = "[" + ip.String() + "]:" + port
				}
				if ip == netip.IPv4Unspecified() || ip == netip.IPv6Unspecified() {
					add(find(&wild, "*:"+port, a.port), vm.srv)
					continue
				}
				add(find(&exact, key, a.port), vm.srv)
			}
		}
	}
	fmt.Fprintln(w, "VirtualHost configuration:")
	for _, ch := range append(exact, wild...) {
		if len(ch.hosts) == 1 {
			v := ch.hosts[0]
			fmt.Fprintf(w, "%-22s %s (%s)\n", ch.key, v.ServerName, v.Pos)
			continue
		}
		fmt.Fprintf(w, "%-22s is a NameVirtualHost\n", ch.key)
		fmt.Fprintf(w, "%8s default server %s (%s)\n", "", ch.hosts[0].ServerName, ch.hosts[0].Pos)
		port := "*"
		if ch.port != 0 {
			port = strconv.Itoa(int(ch.port))
		}
		for _, v := range ch.hosts {
			fmt.Fprintf(w, "%8s port %s namevhost %s (%s)\n", "", port, v.ServerName, v.Pos)
			var plain, globs []string
			for _, a := range v.ServerAliases {
				if strings.ContainsAny(a, "*?") {
					globs = append(globs, a)
				} else {
					plain = append(plain, a)
				}
			}
			for _, a := range plain {
				fmt.Fprintf(w, "%16s alias %s\n", "", a)
			}
			for _, a := range globs {
				fmt.Fprintf(w, "%16s wild alias %s\n", "", a)
			}
		}
	}
}

// RunFacts are what -t -D DUMP_RUN_CFG prints that the configuration
// alone does not say: the PidFile in effect and whom the workers run as.
type RunFacts struct {
	PidFile string
	User    string // as configured ("www-data", "#33"), or the user modpy runs as
	UID     int
	Group   string
	GID     int
}

// DumpRunConfig writes httpd -t -D DUMP_RUN_CFG's report: the ServerRoot,
// the main server's DocumentRoot and ErrorLog ("/dev/stderr" when it has
// none), the PidFile, the defined names in order (with their values), and
// the User and Group of the workers. httpd's Mutex and ScoreBoardFile
// lines have no counterpart: modpy has no accept or log mutex, and its
// scoreboard is anonymous shared memory.
func (c *Config) DumpRunConfig(w io.Writer, run RunFacts) {
	errorLog := c.Main.ErrorLog
	if errorLog == "" {
		errorLog = "/dev/stderr"
	}
	fmt.Fprintf(w, "ServerRoot: %q\n", c.ServerRoot)
	fmt.Fprintf(w, "Main DocumentRoot: %q\n", c.Main.DocumentRoot)
	fmt.Fprintf(w, "Main ErrorLog: %q\n", errorLog)
	fmt.Fprintf(w, "PidFile: %q\n", run.PidFile)
	for _, d := range c.DefineList {
		if d.Value != "" {
			fmt.Fprintf(w, "Define: %s=%s\n", d.Key, d.Value)
		} else {
			fmt.Fprintf(w, "Define: %s\n", d.Key)
		}
	}
	fmt.Fprintf(w, "User: name=%q id=%d\n", run.User, run.UID)
	fmt.Fprintf(w, "Group: name=%q id=%d\n", run.Group, run.GID)
}

// DumpIncludes writes httpd -t -D DUMP_INCLUDES's list: the main file,
// then each file read through Include, indented by depth, with the line
// of its Include.
func (c *Config) DumpIncludes(w io.Writer) {
	fmt.Fprintln(w, "Included configuration files:")
	if len(c.Includes) == 0 {
		fmt.Fprintf(w, "  (*) %s\n", ZeroConfigName)
	}
	for _, in := range c.Includes {
		line := "*"
		if in.Depth > 0 {
			line = strconv.Itoa(in.Line)
		}
		fmt.Fprintf(w, "%s(%s) %s\n", strings.Repeat("  ", in.Depth+1), line, in.File)
	}
}

// DefaultTypesConfig is the MIME types file read when no TypesConfig
// directive names one (and it exists), for -V.
const DefaultTypesConfig = defaultTypesConfig
