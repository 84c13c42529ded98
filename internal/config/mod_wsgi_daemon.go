package config

import (
	"fmt"
	"math"
	"os"
	osuser "os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ProcessGroup is one WSGIDaemonProcess (or the template of
// PythonUserDirProcess): a set of processes, started and supervised by
// the master, that run the Python code of the requests routed to it
// (WSGIProcessGroup, PythonProcessGroup, process-group=), as its own user,
// with its own Python home and limits. mod_wsgi's daemon mode.
type ProcessGroup struct {
	// Name is the group's name, unique in the whole server; "~alice" for
	// a per-user group of PythonUserDirProcess.
	Name string
	// Pos is where WSGIDaemonProcess (or PythonUserDirProcess) was written.
	Pos Pos
	// VHost is the virtual host it was declared in (nil: the main server);
	// as in mod_wsgi, a group declared in a virtual host serves only that
	// host's requests.
	VHost *Server

	// Processes is processes= (default 1); ProcessesGiven says it was
	// written, which makes wsgi.multiprocess True, as in mod_wsgi.
	Processes      int
	ProcessesGiven bool
	// Threads is threads= (default 15).
	Threads int

	// User and Group are whom the processes run as (default: the
	// server's User and Group).
	User, Group string
	// PythonHome is python-home= (a virtual environment; "" = the
	// server's WSGIPythonHome); PythonPath are python-path='s directories,
	// added to sys.path as site directories.
	PythonHome string
	PythonPath []string
	// Home is home=: the working directory (default: the user's home).
	Home string
	// DisplayName is display-name= (the process title; "%{GROUP}" as in
	// mod_wsgi).
	DisplayName string
	// Lang and Locale are lang= and locale=.
	Lang, Locale string

	// MaximumRequests is maximum-requests= (0: no limit): a process that
	// served that many requests is replaced.
	MaximumRequests int
	// The timeouts of mod_wsgi's daemon options (0: none, unless a
	// default is said).
	InactivityTimeout time.Duration
	RequestTimeout    time.Duration
	GracefulTimeout   time.Duration // default 15s
	DeadlockTimeout   time.Duration // default 300s
	QueueTimeout      time.Duration
	SocketTimeout     time.Duration // default: Timeout
	ConnectTimeout    time.Duration // default 15s
	StartupTimeout    time.Duration
	RestartInterval   time.Duration
	ShutdownTimeout   time.Duration // default 5s
	EvictionTimeout   time.Duration
	// ListenBacklog is listen-backlog= (default 100).
	ListenBacklog int
	// MemoryLimit and VirtualMemoryLimit are memory-limit= and
	// virtual-memory-limit=, in bytes (0: none).
	MemoryLimit, VirtualMemoryLimit int64

	// userGiven: user= was written (else User is the server's).
	userGiven bool
}

// ProcessGroup is the process group called name, or nil.
func (c *Config) ProcessGroup(name string) *ProcessGroup {
	for _, g := range c.Groups {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// Defaults of WSGIDaemonProcess's options, as mod_wsgi 4.9's; SocketTimeout's
// is the server's Timeout.
const (
	DefaultGroupThreads         = 15
	DefaultGroupDeadlockTimeout = 300 * time.Second
	DefaultGroupConnectTimeout  = 15 * time.Second
	DefaultGroupShutdownTimeout = 5 * time.Second
	DefaultGroupGracefulTimeout = 15 * time.Second
	DefaultGroupListenBacklog   = 100
	// DefaultUserDirMinUid is UserDirMinUid's default: suEXEC's floor.
	DefaultUserDirMinUid = 1000
)

// groupsModule holds modpy's own process-group directives, beside
// mod_wsgi's (wsgiModule's WSGIDaemonProcess, WSGIProcessGroup,
// WSGIRestrictEmbedded): PythonProcessGroup (WSGIProcessGroup's alias,
// for mod_python handlers' sections; merged with it by mergeWSGI),
// PythonUserDirProcess and UserDirMinUid. No Apache module has them.
var groupsModule = &module{directives: []*directive{
	{name: "PythonProcessGroup", ctx: cAll, min: 1, max: 1, usage: processGroupUsage, fn: dWSGIProcessGroup},
	{name: "PythonUserDirProcess", ctx: cMain, min: 1, max: -1, usage: "On|Off [option=value ...]", fn: dPythonUserDirProcess},
	{name: "UserDirMinUid", ctx: cMain, min: 1, max: 1, usage: "uid", fn: dUserDirMinUid},
}}

const processGroupUsage = "%{GLOBAL}|%{SERVER}|%{RESOURCE}|%{HOST}|%{ENV:variable}|name"

// groupRef is a literal process-group= name to find among the groups.
type groupRef struct {
	name, directive string
	pos             Pos
	srv             *Server
}

// groupRef records a literal process-group= value (not %{...}) of c.
func (p *parser) groupRef(c *call, option, value string) {
	if value == "" || strings.Contains(value, "%{") {
		return
	}
	p.groupRefs = append(p.groupRefs, groupRef{name: value, directive: c.d.name, pos: c.pos, srv: c.srv})
}

// checkProcessGroupValue: a process group as written is a name, or one of
// mod_wsgi's expansions, the whole value (mod_wsgi expands no other form).
func (c *call) checkProcessGroupValue(what, v string) error {
	if !strings.Contains(v, "%{") {
		return nil
	}
	switch {
	case v == WSGIGlobal, v == "%{SERVER}", v == "%{RESOURCE}", v == "%{HOST}":
		return nil
	case strings.HasPrefix(v, "%{ENV:") && strings.HasSuffix(v, "}") && len(v) > len("%{ENV:}") &&
		!strings.ContainsAny(v[len("%{ENV:"):len(v)-1], "{}"):
		return nil
	}
	return c.errf("%s%s: want a process group's name, %%{GLOBAL}, %%{SERVER}, %%{RESOURCE}, %%{HOST} or %%{ENV:variable}", what, v)
}

func dWSGIProcessGroup(p *parser, c *call) error {
	if err := c.checkProcessGroupValue("", c.args[0]); err != nil {
		return err
	}
	c.conf.ProcessGroup = ptr(c.args[0])
	return nil
}

func dWSGIRestrictEmbedded(p *parser, c *call) error {
	on, err := c.onOff(c.args[0])
	if err != nil {
		return err
	}
	p.cfg.RestrictEmbedded = on
	return nil
}

func dWSGIDaemonProcess(p *parser, c *call) error {
	name := c.args[0]
	switch {
	case strings.Contains(name, "="):
		return c.errf("%q: the group's name comes first (WSGIDaemonProcess name [option=value ...])", name)
	case strings.HasPrefix(name, "~"):
		return c.errf("%q: names starting with ~ are PythonUserDirProcess's per-user groups", name)
	case strings.Contains(name, "%{"):
		return c.errf("%q: a group's name cannot hold %%{", name)
	case strings.ContainsAny(name, "/\x00"):
		return c.errf("%q: a group's name cannot hold / or NUL", name)
	}
	if g := p.cfg.ProcessGroup(name); g != nil {
		return c.errf("name %q duplicates the WSGIDaemonProcess at %s", name, g.Pos)
	}
	g, err := p.daemonOptions(c, c.args[1:], false)
	if err != nil {
		return err
	}
	g.Name = name
	if c.srv.IsVirtual {
		g.VHost = c.srv
	}
	p.cfg.Groups = append(p.cfg.Groups, g)
	return nil
}

func dPythonUserDirProcess(p *parser, c *call) error {
	on, err := c.onOff(c.args[0])
	if err != nil {
		return err
	}
	if !on {
		if len(c.args) > 1 {
			return c.errf("options with Off: %s", strings.Join(c.args[1:], " "))
		}
		p.cfg.UserDirProcess = nil
		return nil
	}
	g, err := p.daemonOptions(c, c.args[1:], true)
	if err != nil {
		return err
	}
	p.cfg.UserDirProcess = g
	return nil
}

func dUserDirMinUid(p *parser, c *call) error {
	n, err := c.number(c.args[0], 1, math.MaxInt32)
	if err != nil {
		return err
	}
	p.cfg.UserDirMinUid = int(n)
	p.userDirMinUidSet = true
	return nil
}

// daemonNoticed are the options of WSGIDaemonProcess modpy accepts and
// does not act on: ignoring them cannot change what is served, to whom or
// what it reveals. Their values are checked as mod_wsgi checks them.
var daemonNoticed = map[string]string{
	"stack-size":              "modpy's threads are Go's and Python's, with their own stacks",
	"send-buffer-size":        "the group's socket keeps the kernel's buffer sizes",
	"receive-buffer-size":     "the group's socket keeps the kernel's buffer sizes",
	"header-buffer-size":      "the response headers come back under the server's own limits",
	"response-buffer-size":    "the response is relayed as it comes, not buffered",
	"response-socket-timeout": "writing the response to the client is bounded by Timeout",
	"cpu-priority":            "the group's processes keep the server's priority",
	"server-metrics":          "the status page shows every group's processes (docs/status.md)",
	"newrelic-config-file":    "modpy starts no New Relic agent",
	"newrelic-environment":    "modpy starts no New Relic agent",
}

// daemonRefused are mod_wsgi's options modpy does not implement, whose
// absence would change what is served, to whom, or what it reveals.
var daemonRefused = map[string]string{
	"supplementary-groups": "the group's processes have their user's supplementary groups",
	"umask":                "the group's processes keep the server's umask",
	"chroot":               "the group's processes are not chroot'ed",
	"python-eggs":          "PYTHON_EGG_CACHE is not set for the group",
	"cpu-time-limit":       "no CPU time limit is set on the group's processes",
	"socket-user":          "the group's socket is abstract; only the workers' user (or root) may connect, checked with SO_PEERCRED",
	"script-user":          "the owner of a script is not checked",
	"script-group":         "the group of a script is not checked",
}

// daemonOptions reads WSGIDaemonProcess's options (or
// PythonUserDirProcess's: template) into a group with mod_wsgi's
// defaults. Every value is checked here; what needs the file system or
// the user database is checked by finishGroups and Check.
func (p *parser) daemonOptions(c *call, args []string, template bool) (*ProcessGroup, error) {
	g := &ProcessGroup{
		Pos:             c.pos,
		Processes:       1,
		Threads:         DefaultGroupThreads,
		DeadlockTimeout: DefaultGroupDeadlockTimeout,
		ConnectTimeout:  DefaultGroupConnectTimeout,
		ShutdownTimeout: DefaultGroupShutdownTimeout,
		GracefulTimeout: DefaultGroupGracefulTimeout,
		ListenBacklog:   DefaultGroupListenBacklog,
	}
	for _, a := range args {
		name, value, ok := strings.Cut(a, "=")
		if !ok {
			return nil, c.errf("invalid option %q (want option=value)", a)
		}
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		if value == "" {
			return nil, c.errf("option %s= needs a value", name)
		}
		num := func(lo, hi int64) (int64, error) {
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return 0, c.errf("%s=%s: not a whole number", name, value)
			}
			if n < lo || n > hi {
				if hi == math.MaxInt64 || hi == math.MaxInt32 {
					return 0, c.errf("%s=%d: must be at least %d", name, n, lo)
				}
				return 0, c.errf("%s=%d: must be %d to %d", name, n, lo, hi)
			}
			return n, nil
		}
		seconds := func(d *time.Duration) error {
			n, err := num(0, math.MaxInt32)
			*d = time.Duration(n) * time.Second
			return err
		}
		var err error
		var n int64
		switch name {
		case "processes":
			n, err = num(1, math.MaxInt32)
			g.Processes, g.ProcessesGiven = int(n), true
		case "threads":
			if value == "0" {
				return nil, c.errf("threads=0: mod_wsgi's service-script mode (a group that serves no request) is not implemented by modpy")
			}
			n, err = num(1, 65533)
			g.Threads = int(n)
		case "user", "group", "home":
			if template {
				return nil, c.errf("%s=: each user's group runs as that user, with that user's primary group, in that user's home", name)
			}
			switch name {
			case "user":
				if value == "root" || value == "#0" {
					return nil, c.errf("user=%s: a process group may not run as root", value)
				}
				g.User, g.userGiven = value, true
			case "group":
				g.Group = value
			case "home":
				if !strings.HasPrefix(value, "/") {
					return nil, c.errf("home=%s: must be an absolute path", value)
				}
				g.Home = filepath.Clean(value)
			}
		case "python-home":
			g.PythonHome = p.abs(value)
		case "python-path":
			g.PythonPath = nil
			for _, d := range strings.Split(value, ":") {
				if d != "" {
					g.PythonPath = append(g.PythonPath, p.abs(d))
				}
			}
		case "display-name":
			g.DisplayName = value
		case "lang":
			g.Lang = value
		case "locale":
			g.Locale = value
		case "maximum-requests":
			n, err = num(0, math.MaxInt32)
			g.MaximumRequests = int(n)
		case "inactivity-timeout":
			err = seconds(&g.InactivityTimeout)
		case "request-timeout":
			err = seconds(&g.RequestTimeout)
		case "graceful-timeout":
			err = seconds(&g.GracefulTimeout)
		case "deadlock-timeout":
			err = seconds(&g.DeadlockTimeout)
		case "queue-timeout":
			err = seconds(&g.QueueTimeout)
		case "socket-timeout":
			err = seconds(&g.SocketTimeout)
		case "connect-timeout":
			err = seconds(&g.ConnectTimeout)
		case "startup-timeout":
			err = seconds(&g.StartupTimeout)
		case "restart-interval":
			err = seconds(&g.RestartInterval)
		case "shutdown-timeout":
			err = seconds(&g.ShutdownTimeout)
		case "eviction-timeout":
			err = seconds(&g.EvictionTimeout)
		case "listen-backlog":
			n, err = num(0, math.MaxInt32)
			g.ListenBacklog = int(n)
		case "memory-limit":
			g.MemoryLimit, err = num(0, math.MaxInt64)
		case "virtual-memory-limit":
			g.VirtualMemoryLimit, err = num(0, math.MaxInt64)
		default:
			if why, ok := daemonRefused[name]; ok {
				return nil, c.errf("%s=: mod_wsgi's option is not implemented by modpy (%s)", name, why)
			}
			why, ok := daemonNoticed[name]
			if !ok {
				return nil, c.errf("unknown option %s= (docs/wsgi.md lists the options)", name)
			}
			if err := c.checkNoticedOption(name, value); err != nil {
				return nil, err
			}
			p.notice("daemon option "+name, c.pos, "%s: option %s= is ignored: %s", c.d.name, name, why)
		}
		if err != nil {
			return nil, err
		}
	}
	return g, nil
}

// checkNoticedOption checks the value of an ignored option as mod_wsgi
// does, so that a configuration modpy accepts is one mod_wsgi accepts.
func (c *call) checkNoticedOption(name, value string) error {
	atLeast := map[string]int64{"send-buffer-size": 512, "receive-buffer-size": 512,
		"header-buffer-size": 8192, "response-buffer-size": 65536}
	switch name {
	case "server-metrics":
		if _, err := c.onOff(value); err != nil {
			return c.errf("server-metrics=%s: want On or Off", value)
		}
	case "newrelic-config-file", "newrelic-environment":
	default:
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return c.errf("%s=%s: not a whole number", name, value)
		}
		switch min, ok := atLeast[name]; {
		case ok && n != 0 && n < min:
			return c.errf("%s=%d: must be at least %d, or 0 for the default", name, n, min)
		case name == "stack-size" && n <= 0, name == "response-socket-timeout" && n < 0:
			return c.errf("%s=%d: must be positive", name, n)
		}
	}
	return nil
}

// finishGroups gives the groups what depends on the whole configuration
// (SocketTimeout's default Timeout, User and Group's the server's) and
// checks that every literal process-group= names a group its server may
// use, as mod_wsgi does when it reads them.
func (p *parser) finishGroups(pythonVersion string) error {
	cfg := p.cfg
	cfg.pythonVersion = pythonVersion
	if !p.userDirMinUidSet {
		cfg.UserDirMinUid = DefaultUserDirMinUid
	}
	for _, g := range append(cfg.Groups[:len(cfg.Groups):len(cfg.Groups)], cfg.UserDirProcess) {
		if g == nil {
			continue
		}
		if g.SocketTimeout == 0 {
			g.SocketTimeout = cfg.Process.Timeout
		}
		if g.Name != "" {
			if g.User == "" {
				g.User = cfg.User
			}
			if g.Group == "" {
				g.Group = cfg.Group
			}
		}
	}
	for _, r := range p.groupRefs {
		if r.name == WSGIGlobal {
			continue
		}
		g := cfg.ProcessGroup(r.name)
		if g == nil {
			return &Error{Pos: r.pos, Directive: r.directive,
				Msg: fmt.Sprintf("process-group=%s: no WSGIDaemonProcess is called %q", r.name, r.name)}
		}
		if g.VHost != nil && g.VHost != r.srv && g.VHost.ServerName != r.srv.ServerName {
			return &Error{Pos: r.pos, Directive: r.directive,
				Msg: fmt.Sprintf("process-group=%s: the group is defined in the <VirtualHost> at %s (ServerName %s): only that host may use it",
					r.name, g.VHost.Pos, g.VHost.ServerName)}
		}
	}
	return nil
}

// checkGroups is Check's part for the process groups: each group's user
// and group exist (a user= that is root is refused), its working
// directory (home=, else its user's home) is a directory, and its
// python-home= is a directory of the Python modpy runs (checkPythonHome).
// The error names the WSGIDaemonProcess (or PythonUserDirProcess) line.
func checkGroups(cfg *Config) error {
	for _, g := range append(cfg.Groups[:len(cfg.Groups):len(cfg.Groups)], cfg.UserDirProcess) {
		if g == nil {
			continue
		}
		directive, what := "WSGIDaemonProcess", fmt.Sprintf("group %q: ", g.Name)
		if g.Name == "" {
			directive, what = "PythonUserDirProcess", ""
		}
		fail := func(format string, a ...any) error {
			return &Error{Pos: g.Pos, Directive: directive, Msg: what + fmt.Sprintf(format, a...)}
		}
		if g.PythonHome != "" {
			if msg := checkPythonHome(g.PythonHome, cfg.pythonVersion); msg != "" {
				return fail("python-home=%s: %s", g.PythonHome, msg)
			}
		}
		if g.Name == "" {
			continue // the user is each request's
		}
		u, err := groupUser(g.User)
		if err != nil {
			return fail("%s", err)
		}
		if g.userGiven && u.Uid == "0" {
			return fail("user=%s: a process group may not run as root", g.User)
		}
		if g.Group != "" {
			if err := lookupGroup(g.Group); err != nil {
				return fail("%s", err)
			}
		}
		if g.Home != "" {
			if st, err := os.Stat(g.Home); err != nil || !st.IsDir() {
				return fail("home=%s is not a directory", g.Home)
			}
		} else if st, err := os.Stat(u.HomeDir); err != nil || !st.IsDir() {
			return fail("the home directory %q of user %s (the group's working directory) does not exist; "+
				"mod_wsgi refuses to start such a group too: give home=/a/directory", u.HomeDir, u.Username)
		}
	}
	return nil
}

// groupUser is the account a group runs as: name ("www-data" or
// "#33"); "" is whom the workers run as, which is modpy's own user when
// it does not start as root or no User is given.
func groupUser(name string) (*osuser.User, error) {
	if name == "" {
		return osuser.LookupId(strconv.Itoa(os.Getuid()))
	}
	if id, ok := strings.CutPrefix(name, "#"); ok {
		if _, err := strconv.Atoi(id); err != nil {
			return nil, fmt.Errorf("user %s: not a number", name)
		}
		u, err := osuser.LookupId(id)
		if err != nil {
			return nil, fmt.Errorf("user %s: no such user", name)
		}
		return u, nil
	}
	u, err := osuser.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("user %s: no such user", name)
	}
	return u, nil
}

func lookupGroup(name string) error {
	if id, ok := strings.CutPrefix(name, "#"); ok {
		if _, err := strconv.Atoi(id); err != nil {
			return fmt.Errorf("group %s: not a number", name)
		}
		return nil // a gid need not have a name
	}
	if _, err := osuser.LookupGroup(name); err != nil {
		return fmt.Errorf("group %s: no such group", name)
	}
	return nil
}

// checkPythonHome says what is wrong with dir as the Python home of a
// group when modpy runs Python version ("3.11.2"; "" = not checked): it
// must be a directory; a virtual environment's pyvenv.cfg must name the
// same X.Y (its version or version_info), and a Python prefix must hold
// lib/pythonX.Y. "" when nothing is wrong.
func checkPythonHome(dir, version string) string {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "not a directory"
	}
	want := majorMinor(version)
	if want == "" {
		return ""
	}
	if data, err := os.ReadFile(filepath.Join(dir, "pyvenv.cfg")); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			k, v, ok := strings.Cut(line, "=")
			if k = strings.TrimSpace(k); !ok || (k != "version" && k != "version_info") {
				continue
			}
			if got := majorMinor(strings.TrimSpace(v)); got != want {
				return fmt.Sprintf("a virtual environment of Python %s (pyvenv.cfg %s = %s), but modpy runs Python %s: "+
					"make it with python%s -m venv", got, k, strings.TrimSpace(v), version, want)
			}
			return ""
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "lib", "python"+want)); err != nil || !st.IsDir() {
		return fmt.Sprintf("has no lib/python%s: it is no virtual environment or prefix of Python %s, which modpy runs", want, want)
	}
	return ""
}

// majorMinor is "3.11" of "3.11.2" (or of "3.11.2.final.0").
func majorMinor(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	return parts[0] + "." + parts[1]
}

// UserDirGroup is user's per-user process group (PythonUserDirProcess),
// named "~user", made from the template (User, Group and Home are the
// user's), once the user passed the checks: an existing user, not root,
// a uid at or above UserDirMinUid (default 1000), UserDir disabled for
// the user in no server and enabled in one. The error says which check
// refused.
func (c *Config) UserDirGroup(user string) (*ProcessGroup, error) {
	name := "~" + user
	t := c.UserDirProcess
	if t == nil {
		return nil, fmt.Errorf("per-user group %s: PythonUserDirProcess is Off", name)
	}
	u, err := osuser.Lookup(user)
	if err != nil {
		return nil, fmt.Errorf("per-user group %s: %v", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	floor := c.UserDirMinUid
	if floor <= 0 {
		floor = 1000
	}
	if uid == 0 || uid < floor {
		return nil, fmt.Errorf("per-user group %s: uid %d is below UserDirMinUid %d", name, uid, floor)
	}
	servers := append([]*Server{c.Main}, c.VHosts...)
	allowed := false
	for _, s := range servers {
		if s == nil || s.UserDir == nil {
			continue
		}
		ud := s.UserDir
		if slices.Contains(ud.DisabledUsers, user) || (ud.Disabled && !slices.Contains(ud.Enabled, user)) {
			return nil, fmt.Errorf("per-user group %s: UserDir disabled for %s (%s)", name, user, s.Pos)
		}
		allowed = allowed || ud.Allows(user)
	}
	if !allowed {
		return nil, fmt.Errorf("per-user group %s: no UserDir maps %s", name, user)
	}
	g := *t
	g.Name = name
	g.User = user
	g.Group = "#" + u.Gid
	g.Home = u.HomeDir
	return &g, nil
}
