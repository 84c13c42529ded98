package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A group with no option has mod_wsgi 4.9's defaults; SocketTimeout is
// the server's Timeout (read after it), User and Group the server's.
func TestDaemonDefaults(t *testing.T) {
	c := mustLoad(t, "User www-data\nGroup www-data\nWSGIDaemonProcess site\nTimeout 30\n")
	g := c.ProcessGroup("site")
	if g == nil || len(c.Groups) != 1 || c.Groups[0] != g {
		t.Fatalf("groups %+v", c.Groups)
	}
	want := ProcessGroup{Name: "site", Pos: g.Pos, Processes: 1, Threads: 15, User: "www-data", Group: "www-data",
		DeadlockTimeout: 300 * time.Second, ConnectTimeout: 15 * time.Second, ShutdownTimeout: 5 * time.Second,
		GracefulTimeout: 15 * time.Second, SocketTimeout: 30 * time.Second, ListenBacklog: 100}
	if fmt.Sprintf("%+v", *g) != fmt.Sprintf("%+v", want) {
		t.Errorf("defaults\n got %+v\nwant %+v", *g, want)
	}
	if g.Pos.Line != 3 || g.VHost != nil {
		t.Errorf("Pos %v VHost %v", g.Pos, g.VHost)
	}
	if c.ProcessGroup("other") != nil || c.RestrictEmbedded || c.UserDirProcess != nil || c.UserDirMinUid != 1000 {
		t.Errorf("other %v RestrictEmbedded %v UserDirProcess %v UserDirMinUid %d",
			c.ProcessGroup("other"), c.RestrictEmbedded, c.UserDirProcess, c.UserDirMinUid)
	}
	if c := mustLoad(t, "WSGIDaemonProcess site\n"); c.Groups[0].SocketTimeout != 60*time.Second || c.Groups[0].User != "" {
		t.Errorf("without Timeout and User: %+v", c.Groups[0])
	}
}

// Every option mod_wsgi has that modpy acts on lands in its field.
func TestDaemonOptions(t *testing.T) {
	c := mustLoad(t, `WSGIDaemonProcess site processes=1 threads=4 user=alice group=staff python-home=venv `+
		`python-path=/srv/a:lib::/srv/b home=/srv/site/ display-name='%{GROUP}' lang=en_US.UTF-8 locale="C.UTF-8" `+
		`maximum-requests=1000 inactivity-timeout=1 request-timeout=2 graceful-timeout=3 deadlock-timeout=4 `+
		`queue-timeout=5 socket-timeout=6 connect-timeout=7 startup-timeout=8 restart-interval=9 shutdown-timeout=10 `+
		`eviction-timeout=11 listen-backlog=12 memory-limit=1000000000 virtual-memory-limit=8589934592
<VirtualHost *:80>
ServerName example.com
WSGIDaemonProcess other threads=1 deadlock-timeout=0
</VirtualHost>
`)
	g := c.ProcessGroup("site")
	root := c.ServerRoot
	want := ProcessGroup{Name: "site", Pos: g.Pos, Processes: 1, ProcessesGiven: true, Threads: 4, User: "alice", Group: "staff",
		PythonHome: filepath.Join(root, "venv"), PythonPath: []string{"/srv/a", filepath.Join(root, "lib"), "/srv/b"},
		Home: "/srv/site", DisplayName: "%{GROUP}", Lang: "en_US.UTF-8", Locale: "C.UTF-8", MaximumRequests: 1000,
		InactivityTimeout: 1 * time.Second, RequestTimeout: 2 * time.Second, GracefulTimeout: 3 * time.Second,
		DeadlockTimeout: 4 * time.Second, QueueTimeout: 5 * time.Second, SocketTimeout: 6 * time.Second,
		ConnectTimeout: 7 * time.Second, StartupTimeout: 8 * time.Second, RestartInterval: 9 * time.Second,
		ShutdownTimeout: 10 * time.Second, EvictionTimeout: 11 * time.Second, ListenBacklog: 12,
		MemoryLimit: 1000000000, VirtualMemoryLimit: 8589934592, userGiven: true}
	if fmt.Sprintf("%+v", *g) != fmt.Sprintf("%+v", want) {
		t.Errorf("options\n got %+v\nwant %+v", *g, want)
	}
	o := c.ProcessGroup("other")
	if o == nil || o.VHost == nil || o.VHost.ServerName != "example.com" || o.Threads != 1 || o.DeadlockTimeout != 0 || o.Pos.Line != 4 {
		t.Errorf("vhost group %+v", o)
	}
	if len(c.Groups) != 2 || c.Groups[0].Name != "site" || c.Groups[1].Name != "other" {
		t.Errorf("not in declaration order: %v", c.Groups)
	}
}

// Options that cannot change what is served are accepted with one
// notice each (their values checked as mod_wsgi checks them); the others
// are errors naming the option.
func TestDaemonIgnoredOptions(t *testing.T) {
	c := mustLoad(t, "WSGIDaemonProcess a stack-size=524288 send-buffer-size=0 receive-buffer-size=4096 "+
		"header-buffer-size=65536 response-buffer-size=65536 response-socket-timeout=10 cpu-priority=-5 "+
		"server-metrics=On newrelic-config-file=/etc/nr.ini newrelic-environment=prod\n"+
		"WSGIDaemonProcess b stack-size=1048576\n")
	var got []string
	for _, n := range c.Notices {
		if strings.Contains(n.Msg, "WSGIDaemonProcess: option ") {
			got = append(got, strings.SplitN(strings.TrimPrefix(n.Msg, "WSGIDaemonProcess: option "), "=", 2)[0])
		}
	}
	want := "stack-size send-buffer-size receive-buffer-size header-buffer-size response-buffer-size " +
		"response-socket-timeout cpu-priority server-metrics newrelic-config-file newrelic-environment"
	if strings.Join(got, " ") != want {
		t.Errorf("notices for %v\nwant %s", got, want)
	}
}

func TestDaemonErrors(t *testing.T) {
	d := "WSGIDaemonProcess"
	tests := []errCase{
		{"no name", "WSGIDaemonProcess\n", 1, d, "takes at least one argument"},
		{"option for name", "WSGIDaemonProcess threads=2\n", 1, d, "the group's name comes first"},
		{"per-user name", "WSGIDaemonProcess ~alice\n", 1, d, "PythonUserDirProcess"},
		{"duplicate", "WSGIDaemonProcess site\nListen 80\nWSGIDaemonProcess site threads=2\n", 3, d,
			`name "site" duplicates the WSGIDaemonProcess at `},
		{"duplicate in vhost", "WSGIDaemonProcess site\n<VirtualHost *>\nWSGIDaemonProcess site\n</VirtualHost>\n", 3, d, "duplicates"},
		{"in Directory", "<Directory /x>\nWSGIDaemonProcess site\n</Directory>\n", 2, d, "not allowed in <Directory>"},
		{"unknown option", "WSGIDaemonProcess site header-timeout=10\n", 1, d, "unknown option header-timeout="},
		{"case of option", "WSGIDaemonProcess site Threads=2\n", 1, d, "unknown option Threads="},
		{"no =", "WSGIDaemonProcess site threads\n", 1, d, `invalid option "threads"`},
		{"empty value", "WSGIDaemonProcess site user=\n", 1, d, "option user= needs a value"},
		{"processes 0", "WSGIDaemonProcess site processes=0\n", 1, d, "processes=0: must be at least 1"},
		{"processes word", "WSGIDaemonProcess site processes=two\n", 1, d, "processes=two: not a whole number"},
		{"threads 0", "WSGIDaemonProcess site threads=0\n", 1, d, "service-script mode"},
		{"threads too many", "WSGIDaemonProcess site threads=70000\n", 1, d, "threads=70000: must be 1 to 65533"},
		{"root", "WSGIDaemonProcess site user=root\n", 1, d, "may not run as root"},
		{"#0", "WSGIDaemonProcess site user=#0\n", 1, d, "may not run as root"},
		{"relative home", "WSGIDaemonProcess site home=srv\n", 1, d, "home=srv: must be an absolute path"},
		{"negative max requests", "WSGIDaemonProcess site maximum-requests=-1\n", 1, d, "maximum-requests=-1: must be at least 0"},
		{"memory-limit", "WSGIDaemonProcess site memory-limit=1G\n", 1, d, "memory-limit=1G: not a whole number"},
		{"virtual-memory-limit", "WSGIDaemonProcess site virtual-memory-limit=-1\n", 1, d, "virtual-memory-limit=-1: must be at least 0"},
		{"listen-backlog", "WSGIDaemonProcess site listen-backlog=x\n", 1, d, "listen-backlog=x: not a whole number"},
		{"stack-size", "WSGIDaemonProcess site stack-size=0\n", 1, d, "stack-size=0: must be positive"},
		{"send-buffer-size", "WSGIDaemonProcess site send-buffer-size=100\n", 1, d, "send-buffer-size=100: must be at least 512"},
		{"header-buffer-size", "WSGIDaemonProcess site header-buffer-size=1000\n", 1, d, "must be at least 8192"},
		{"response-buffer-size", "WSGIDaemonProcess site response-buffer-size=1000\n", 1, d, "must be at least 65536"},
		{"server-metrics", "WSGIDaemonProcess site server-metrics=yes\n", 1, d, "server-metrics=yes: want On or Off"},
	}
	for _, o := range []string{"inactivity-timeout", "request-timeout", "graceful-timeout", "deadlock-timeout",
		"queue-timeout", "socket-timeout", "connect-timeout", "startup-timeout", "restart-interval",
		"shutdown-timeout", "eviction-timeout"} {
		tests = append(tests,
			errCase{o + " negative", "WSGIDaemonProcess site " + o + "=-1\n", 1, d, o + "=-1: must be at least 0"},
			errCase{o + " fraction", "WSGIDaemonProcess site " + o + "=1.5\n", 1, d, o + "=1.5: not a whole number"})
	}
	for _, o := range []string{"supplementary-groups=adm", "umask=0002", "chroot=/srv", "python-eggs=/tmp/eggs",
		"cpu-time-limit=10", "socket-user=www-data", "script-user=alice", "script-group=staff"} {
		name := strings.SplitN(o, "=", 2)[0]
		tests = append(tests, errCase{name, "WSGIDaemonProcess site " + o + "\n", 1, d,
			name + "=: mod_wsgi's option is not implemented by modpy"})
	}
	runErrCases(t, tests)
}

// WSGIProcessGroup and PythonProcessGroup set DirConfig.ProcessGroup as
// written, merged as the other per-directory settings; they are not
// allowed in .htaccess files (mod_wsgi: ACCESS_CONF|RSRC_CONF).
func TestProcessGroupDirectives(t *testing.T) {
	c := mustLoad(t, `WSGIDaemonProcess site
WSGIProcessGroup site
<Directory /srv/global>
WSGIProcessGroup %{GLOBAL}
</Directory>
<Location /env>
PythonProcessGroup %{ENV:PG}
</Location>
<Directory /srv/undefined>
WSGIProcessGroup later
</Directory>
`)
	check := func(what string, d *DirConfig, want string) {
		t.Helper()
		if d.ProcessGroup == nil || *d.ProcessGroup != want {
			t.Errorf("%s: ProcessGroup %v, want %q", what, d.ProcessGroup, want)
		}
	}
	check("server", c.Main.Dir, "site")
	check("directory", c.DirConfigFor(c.Main, "/x", "/srv/global/app.wsgi"), "%{GLOBAL}")
	check("inherited", c.DirConfigFor(c.Main, "/x", "/srv/other/app.wsgi"), "site")
	check("location", c.LocationConfig(c.Main, "/env/x"), "%{ENV:PG}")
	// A name no WSGIDaemonProcess has is mod_wsgi's request-time 500.
	check("undefined", c.DirConfigFor(c.Main, "/x", "/srv/undefined/x"), "later")
	for _, n := range []string{"WSGIProcessGroup", "PythonProcessGroup"} {
		if d := directiveTable[strings.ToLower(n)]; d.override != 0 {
			t.Errorf("%s is allowed in .htaccess (%v)", n, d.override)
		}
	}
	runErrCases(t, []errCase{
		{"bad expansion", "WSGIProcessGroup %{REQUEST_URI}\n", 1, "WSGIProcessGroup", "want a process group's name"},
		{"partial expansion", "PythonProcessGroup a%{SERVER}\n", 1, "PythonProcessGroup", "want a process group's name"},
		{"empty ENV", "WSGIProcessGroup %{ENV:}\n", 1, "WSGIProcessGroup", "want a process group's name"},
	})
}

// process-group= of WSGIScriptAlias(Match) and WSGIImportScript: a
// literal name must be a group this server may use (file:line, at
// startup); with a fixed application-group= too, the script is loaded in
// that group's processes when they start.
func TestProcessGroupOption(t *testing.T) {
	c := mustLoad(t, `WSGIScriptAlias /a /srv/a.wsgi process-group=site
WSGIScriptAlias /b /srv/b.wsgi process-group=site application-group=%{GLOBAL}
WSGIScriptAliasMatch ^/c/(.*) /srv/c.wsgi process-group=%{ENV:PG} application-group=c
WSGIScriptAlias /d /srv/d.wsgi process-group=%{GLOBAL} application-group=d
WSGIImportScript /srv/e.wsgi process-group=site application-group=e
WSGIDaemonProcess site
<VirtualHost *>
ServerName example.com
WSGIDaemonProcess own
WSGIScriptAlias /f /srv/f.wsgi process-group=own
</VirtualHost>
`)
	var pgs []string
	for _, a := range c.Main.WSGIAliases {
		pgs = append(pgs, a.ProcessGroup)
	}
	if strings.Join(pgs, ",") != "site,site,%{ENV:PG},%{GLOBAL}" {
		t.Errorf("aliases' process groups %q", pgs)
	}
	var imports []string
	for _, i := range c.WSGIImports {
		imports = append(imports, fmt.Sprintf("%s|%s|%s", i.Script, i.ProcessGroup, i.Group))
	}
	if got := strings.Join(imports, " "); got != "/srv/b.wsgi|site| /srv/d.wsgi||d /srv/e.wsgi|site|e" {
		t.Errorf("imports %s", got)
	}
	runErrCases(t, []errCase{
		{"alias, no such group", "Listen 80\nWSGIScriptAlias / /srv/a.wsgi process-group=nope\n", 2, "WSGIScriptAlias",
			`process-group=nope: no WSGIDaemonProcess is called "nope"`},
		{"match, no such group", "WSGIScriptAliasMatch ^/ /srv/a.wsgi process-group=nope\n", 1, "WSGIScriptAliasMatch", "no WSGIDaemonProcess"},
		{"import, no such group", "WSGIImportScript /srv/a.wsgi process-group=nope application-group=x\n", 1, "WSGIImportScript", "no WSGIDaemonProcess"},
		{"import, expansion", "WSGIImportScript /srv/a.wsgi process-group=%{ENV:X} application-group=x\n", 1, "WSGIImportScript",
			"name the group"},
		{"import, no process-group", "WSGIImportScript /srv/a.wsgi application-group=x\n", 1, "WSGIImportScript", "process-group= is required"},
		{"alias, bad expansion", "WSGIScriptAlias / /srv/a.wsgi process-group=%{X}\n", 1, "WSGIScriptAlias", "want a process group's name"},
		{"another vhost's group", "<VirtualHost *>\nServerName a.example\nWSGIDaemonProcess a\n</VirtualHost>\n" +
			"<VirtualHost *>\nServerName b.example\nWSGIScriptAlias / /srv/a.wsgi process-group=a\n</VirtualHost>\n", 7, "WSGIScriptAlias",
			"only that host may use it"},
	})
	// A vhost with the same ServerName may use it, as in mod_wsgi.
	mustLoad(t, "<VirtualHost *:80>\nServerName a.example\nWSGIDaemonProcess a\n</VirtualHost>\n"+
		"<VirtualHost *:81>\nServerName a.example\nWSGIScriptAlias / /srv/a.wsgi process-group=a\n</VirtualHost>\n")
}

func TestRestrictEmbeddedUserDirProcess(t *testing.T) {
	c := mustLoad(t, "WSGIRestrictEmbedded On\nPythonUserDirProcess On threads=2 inactivity-timeout=300 python-home=/usr\nUserDirMinUid 500\n")
	g := c.UserDirProcess
	if !c.RestrictEmbedded || g == nil || g.Name != "" || g.Threads != 2 || g.InactivityTimeout != 300*time.Second ||
		g.PythonHome != "/usr" || g.Pos.Line != 2 || g.User != "" || c.UserDirMinUid != 500 || len(c.Groups) != 0 {
		t.Errorf("RestrictEmbedded %v UserDirProcess %+v UserDirMinUid %d", c.RestrictEmbedded, g, c.UserDirMinUid)
	}
	if c := mustLoad(t, "PythonUserDirProcess On\nPythonUserDirProcess Off\nWSGIRestrictEmbedded On\nWSGIRestrictEmbedded off\n"); c.UserDirProcess != nil || c.RestrictEmbedded {
		t.Errorf("Off: %+v %v", c.UserDirProcess, c.RestrictEmbedded)
	}
	if g := mustLoad(t, "PythonUserDirProcess On\n").UserDirProcess; g == nil || g.Threads != 15 || g.Processes != 1 {
		t.Errorf("On's defaults %+v", g)
	}
	p := "PythonUserDirProcess"
	runErrCases(t, []errCase{
		{"user=", "PythonUserDirProcess On user=alice\n", 1, p, "each user's group runs as that user"},
		{"group=", "PythonUserDirProcess On group=staff\n", 1, p, "group=: each user's group"},
		{"home=", "PythonUserDirProcess On home=/srv\n", 1, p, "home=: each user's group"},
		{"Off with options", "PythonUserDirProcess Off threads=2\n", 1, p, "options with Off"},
		{"bad flag", "PythonUserDirProcess maybe\n", 1, p, "must be On or Off"},
		{"bad option", "PythonUserDirProcess On threads=x\n", 1, p, "threads=x: not a whole number"},
		{"in vhost", "<VirtualHost *>\nPythonUserDirProcess On\n</VirtualHost>\n", 2, p, "not allowed in <VirtualHost>"},
		{"min uid 0", "UserDirMinUid 0\n", 1, "UserDirMinUid", "out of range"},
		{"min uid word", "UserDirMinUid many\n", 1, "UserDirMinUid", "not a number"},
		{"restrict in vhost", "<VirtualHost *>\nWSGIRestrictEmbedded On\n</VirtualHost>\n", 2, "WSGIRestrictEmbedded", "not allowed"},
		{"restrict value", "WSGIRestrictEmbedded yes\n", 1, "WSGIRestrictEmbedded", "must be On or Off"},
	})
}

// checkText loads text with modpy's Python version (3.11.2) and runs
// Check: the error, or nil.
func checkText(t *testing.T, dir, text string) error {
	t.Helper()
	file := filepath.Join(dir, "httpd.conf")
	writeFiles(t, dir, map[string]string{"httpd.conf": text})
	c, err := Load(LoadOptions{File: file, ServerRoot: dir, NoDocumentRootCheck: true, PythonVersion: "3.11.2"})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return Check(c)
}

// Check refuses, naming the WSGIDaemonProcess line, a group whose user,
// group, working directory or Python home is wrong.
func TestCheckGroups(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"v311/pyvenv.cfg":               "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n",
		"v311/lib/python3.11/site.txt":  "",
		"v312/pyvenv.cfg":               "home = /usr/local/bin\nversion = 3.12.1\n",
		"vinfo/pyvenv.cfg":              "version_info = 3.13.0.final.0\n",
		"prefix/lib/python3.11/os.py":   "",
		"oldprefix/lib/python3.9/os.py": "",
		"home/app.txt":                  "",
	})
	ok := []string{
		"WSGIDaemonProcess a python-home=" + dir + "/v311\n",
		"WSGIDaemonProcess a python-home=" + dir + "/prefix home=" + dir + "/home\n",
		"WSGIDaemonProcess a user=nobody home=" + dir + "/home group=#65534\n",
		"PythonUserDirProcess On python-home=" + dir + "/v311\n",
	}
	for _, text := range ok {
		if err := checkText(t, dir, text); err != nil {
			t.Errorf("%q: %v", text, err)
		}
	}
	for _, c := range []struct{ text, want string }{
		{"WSGIDaemonProcess a python-home=" + dir + "/v312\n", `WSGIDaemonProcess: group "a": python-home=` + dir +
			"/v312: a virtual environment of Python 3.12 (pyvenv.cfg version = 3.12.1), but modpy runs Python 3.11.2"},
		{"WSGIDaemonProcess a python-home=" + dir + "/vinfo\n", "a virtual environment of Python 3.13"},
		{"WSGIDaemonProcess a python-home=" + dir + "/oldprefix\n", "has no lib/python3.11"},
		{"WSGIDaemonProcess a python-home=" + dir + "/none\n", "python-home=" + dir + "/none: not a directory"},
		{"Listen 80\nPythonUserDirProcess On python-home=" + dir + "/v312\n", ":2: PythonUserDirProcess: python-home="},
		{"WSGIDaemonProcess a user=no-such-user-modpy\n", `group "a": user no-such-user-modpy: no such user`},
		{"WSGIDaemonProcess a user=#4000000\n", "user #4000000: no such user"},
		{"WSGIDaemonProcess a group=no-such-group-modpy home=/\n", "group no-such-group-modpy: no such group"},
		{"WSGIDaemonProcess a home=" + dir + "/none\n", "home=" + dir + "/none is not a directory"},
		{"Listen 80\nWSGIDaemonProcess a user=nobody\n", `:2: WSGIDaemonProcess: group "a": the home directory "/nonexistent" of user nobody`},
	} {
		err := checkText(t, dir, c.text)
		var e *Error
		if err == nil || !errors.As(err, &e) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v\nwant %q", c.text, err, c.want)
		}
	}
	if _, err := os.Stat("/nonexistent"); err == nil {
		t.Log("/nonexistent exists here: nobody's home case is not meaningful")
	}
}
