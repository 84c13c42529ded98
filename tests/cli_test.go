package tests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// httpd's command line: the reports (-v, -V, -l, -L, -M, -S, -t -D DUMP_*),
// -C/-c, -e/-E, -T, -h and bad options, the DocumentRoot and ErrorLog
// checks, and -k start saying why a start fails. The layouts were checked
// side by side with Debian's apache2 on the same configurations; the tests
// hold the expected text, so the suite does not need apache2.

// modpyRun runs modpy with args in dir (the test's temporary directory
// when ""), and returns its standard output, standard error and exit
// status.
func modpyRun(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, modpyBin, args...)
	if dir == "" {
		dir = t.TempDir()
	}
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("modpy %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

func wantCode(t *testing.T, what string, code, want int, stdout, stderr string) {
	t.Helper()
	if code != want {
		t.Fatalf("%s: exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", what, code, want, stdout, stderr)
	}
}

func wantText(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n got:\n%s\nwant:\n%s", what, got, want)
	}
}

// -v says the version the Server header says, in httpd's two lines.
func TestCLIVersion(t *testing.T) {
	out, errs, code := modpyRun(t, "", "-v")
	wantCode(t, "-v", code, 0, out, errs)
	m := regexp.MustCompile(`^Server version: modpy/(\d+\.\d+\.\d+) \(Python (3\.\d+\.\d+)\)\nServer built:   \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\n$`).FindStringSubmatch(out)
	if m == nil || errs != "" {
		t.Fatalf("-v: stdout %q stderr %q", out, errs)
	}
	s := startSite(t, "", map[string]string{"htdocs/x.txt": "x"})
	_, h, _ := s.do("GET", "/x.txt", "")
	if want := "modpy/" + m[1] + " (Unix) Python/" + m[2]; h.Get("Server") != want {
		t.Errorf("Server: %q, -v says %q", h.Get("Server"), want)
	}

	out, errs, code = modpyRun(t, "", "-V")
	wantCode(t, "-V", code, 0, out, errs)
	for _, want := range []string{
		"Server version: modpy/" + m[1] + " (Python " + m[2] + ")\nServer built:   ",
		"\nServer loaded:  Python " + m[2] + ", Go go1.", "\nCompiled using: Python 3.", "\nArchitecture:   64-bit",
		"\nServer compiled with....\n",
		"\n -D HTTPD_ROOT=\".\"", "\n -D SERVER_CONFIG_FILE=\"\"", "\n -D DEFAULT_PIDLOG=\"logs/modpy.pid\"",
		"\n -D DEFAULT_ERRORLOG=\"/dev/stderr\"", "\n -D AP_TYPES_CONFIG_FILE=\"/etc/mime.types\"",
	} {
		contains(t, "-V", out, want)
	}
}

// -V's DEFAULT_PIDLOG is the one a master uses.
func TestCLIDefaultPidFile(t *testing.T) {
	s := newSite(t, map[string]string{"htdocs/x.txt": "x", "logs/.keep": ""})
	s.writeFiles(map[string]string{"site.conf": "Listen 127.0.0.1:{{PORT}}\nServerName localhost\nDocumentRoot {{DIR}}/htdocs\n" +
		"ErrorLog {{DIR}}/error.log\nStartServers 1\n"})
	s.start("-d", s.Dir, "-f", "site.conf")
	b, err := os.ReadFile(filepath.Join(s.Dir, "logs", "modpy.pid"))
	if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(s.cmd.Process.Pid) {
		t.Fatalf("logs/modpy.pid: %q %v, want the master's pid %d", b, err, s.cmd.Process.Pid)
	}
}

// -h, a bad option, a missing argument, a stray word, a bad -e level or
// -k verb: the usage on standard error and status 1, as httpd.
func TestCLIUsage(t *testing.T) {
	synopsis := "Usage: " + modpyBin + " [-D name] [-d directory] [-f file]\n" +
		"       " + strings.Repeat(" ", len(modpyBin)) + " [-C \"directive\"] [-c \"directive\"]\n" +
		"       " + strings.Repeat(" ", len(modpyBin)) + " [-k start|restart|graceful|graceful-stop|stop]\n" +
		"       " + strings.Repeat(" ", len(modpyBin)) + " [-v] [-V] [-h] [-l] [-L] [-t] [-T] [-S] [-X]\nOptions:\n"
	for _, c := range []struct {
		args  []string
		first string // what precedes the usage
	}{
		{[]string{"-h"}, ""},
		{[]string{"-t", "-?"}, ""},
		{[]string{"-Q"}, "modpy: illegal option -- Q\n"},
		{[]string{"-tQ"}, "modpy: illegal option -- Q\n"},
		{[]string{"-f"}, "modpy: option requires an argument -- f\n"},
		{[]string{"-t", "stray"}, ""},
		{[]string{"-e", "loud", "-t"}, ""},
		{[]string{"-k", "bogus"}, "modpy: -k bogus: not a verb (start, stop, restart, graceful, graceful-stop)\n"},
	} {
		out, errs, code := modpyRun(t, "", c.args...)
		if code != 1 || out != "" || !strings.HasPrefix(errs, c.first+synopsis) {
			t.Errorf("modpy %v: status %d, stdout %q, stderr:\n%s\nwant status 1 and:\n%s", c.args, code, out, errs, c.first+synopsis)
		}
		for _, o := range []string{"-C \"directive\"", "-E file", "-t -D DUMP_VHOSTS", "-S ", "-M ", "-T ", "-X "} {
			contains(t, fmt.Sprint(c.args), errs, "\n  "+o)
		}
	}
}

// -l and -M list the module table: every module -M lists is one
// <IfModule> knows, and a module loaded only by LoadModule shows once
// loaded.
func TestCLIModules(t *testing.T) {
	out, errs, code := modpyRun(t, "", "-l")
	wantCode(t, "-l", code, 0, out, errs)
	for _, want := range []string{"Compiled in modules:\n  core.c\n", "\n  mod_so.c\n", "\n  mod_python.c\n", "\n  mod_wsgi.c\n", "\n  mod_reqtimeout.c\n", "\n  event.c\n"} {
		contains(t, "-l", out, want)
	}

	conf := "Listen 127.0.0.1:1\nServerName localhost\nDocumentRoot .\n"
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "site.conf"), []byte(conf), 0o644)
	mods, errs, code := modpyRun(t, dir, "-M", "-f", "site.conf")
	wantCode(t, "-M", code, 0, mods, errs)
	dumped, errs, code := modpyRun(t, dir, "-t", "-D", "DUMP_MODULES", "-f", "site.conf")
	wantCode(t, "-t -D DUMP_MODULES", code, 0, dumped, errs)
	if dumped != mods || strings.Contains(errs, "Syntax OK") {
		t.Errorf("-t -D DUMP_MODULES: %q (stderr %q), -M: %q", dumped, errs, mods)
	}
	if !strings.HasPrefix(mods, "Loaded Modules:\n core_module (static)\n") || !strings.Contains(mods, "\n python_module (static)\n") ||
		!strings.Contains(mods, "\n wsgi_module (static)\n") || strings.Contains(mods, "reqtimeout_module") {
		t.Errorf("-M:\n%s", mods)
	}
	// Every module listed is one <IfModule> says is there.
	var check strings.Builder
	check.WriteString(conf)
	lines := strings.Split(strings.TrimSpace(mods), "\n")[1:]
	for _, l := range lines {
		name, ok := strings.CutSuffix(strings.TrimSpace(l), " (static)")
		if !ok {
			t.Fatalf("-M line %q", l)
		}
		fmt.Fprintf(&check, "<IfModule !%s>\nNotThere %s\n</IfModule>\n", name, name)
	}
	if out, ok := checkConfig(t, check.String()); !ok {
		t.Errorf("a module -M lists is not one <IfModule> knows:\n%s", out)
	}
	if len(lines) < 15 {
		t.Errorf("-M lists %d modules", len(lines))
	}
	os.WriteFile(filepath.Join(dir, "site.conf"), []byte(conf+"LoadModule reqtimeout_module modules/mod_reqtimeout.so\n"), 0o644)
	mods, _, _ = modpyRun(t, dir, "-M", "-f", "site.conf")
	contains(t, "-M with LoadModule reqtimeout_module", mods, "\n reqtimeout_module (static)\n")
}

// -L lists every directive with its module and contexts, in httpd's
// words; every directive it lists is one <IfDirective> knows.
func TestCLIDirectives(t *testing.T) {
	out, errs, code := modpyRun(t, "", "-L")
	wantCode(t, "-L", code, 0, out, errs)
	for _, want := range []string{
		"<Directory (core.c)\n\tdirectory-path | ~ regex\n\tAllowed in *.conf only outside <Directory>, <Files>, <Location>, or <If>\n",
		"<Files (core.c)\n\tfilename | ~ regex\n\tAllowed in *.conf anywhere and in .htaccess\n\twhen AllowOverride isn't None\n",
		"\nDocumentRoot (core.c)\n\tdirectory\n\tAllowed in *.conf only outside <Directory>, <Files>, <Location>, or <If>\n",
		"\nOptions (core.c)\n\t[+|-]option ...\n\tAllowed in *.conf anywhere and in .htaccess\n\twhen AllowOverride includes Options\n",
		"\nAllowOverride (core.c)\n\tAll|None|directive-type ...\n\tAllowed in *.conf only inside <Directory>, <Files>, <Location>, or <If>\n",
		"\nRequire (mod_authz_core.c)\n",
		"\tAllowed in *.conf only inside <Directory>, <Files>, <Location>, or <If> and in .htaccess\n\twhen AllowOverride includes AuthConfig\n",
		"\nPythonHandler (mod_python.c)\n\thandler ... [| .ext ...]\n\tAllowed in *.conf anywhere and in .htaccess\n\twhen AllowOverride isn't None\n",
		"\nLoadModule (mod_so.c)\n", "\nWSGIScriptAlias (mod_wsgi.c)\n", "\nPythonInterpMaxRequests (modpy)\n",
	} {
		contains(t, "-L", out, want)
	}
	var check strings.Builder
	check.WriteString("Listen 127.0.0.1:1\n")
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if l == "" || l[0] == '\t' || l[0] == '<' {
			continue
		}
		name, _, ok := strings.Cut(l, " (")
		if !ok {
			t.Fatalf("-L line %q", l)
		}
		n++
		fmt.Fprintf(&check, "<IfDirective !%s>\nNotThere %s\n</IfDirective>\n", name, name)
	}
	if o, ok := checkConfig(t, check.String()); !ok {
		t.Errorf("a directive -L lists is not one <IfDirective> knows:\n%s", o)
	}
	if n < 150 {
		t.Errorf("-L lists %d directives", n)
	}
}

// vhostConf is site.conf for the -S tests: an IP-based host, two
// name-based ones on *:PORT2 (the first the default), Defines and a
// PidFile. Its line numbers are in the expected reports.
const vhostConf = `Listen 127.0.0.1:{{PORT}}
Listen 127.0.0.1:{{PORT2}}
ServerName main.example
DocumentRoot {{DIR}}/htdocs
ErrorLog {{DIR}}/error.log
PidFile {{DIR}}/modpy.pid
Define FOO bar
Define GONE
UnDefine GONE
<VirtualHost *:{{PORT2}}>
    ServerName a.example
    ServerAlias www.a.example *.a.example
    DocumentRoot {{DIR}}/a
</VirtualHost>
<VirtualHost *:{{PORT2}}>
    ServerName b.example:{{PORT2}}
    DocumentRoot {{DIR}}/b
</VirtualHost>
<VirtualHost 127.0.0.1:{{PORT}}>
    ServerName c.example
</VirtualHost>
`

// -S and -t -D DUMP_VHOSTS, DUMP_RUN_CFG: httpd's layout (as apache2 -S
// prints this configuration, without its Mutex lines), and the default
// host -S names is the one a request for an unknown name gets.
func TestCLIDumpVHosts(t *testing.T) {
	s := newSite(t, map[string]string{"htdocs/who.txt": "main\n", "a/who.txt": "a\n", "b/who.txt": "b\n"})
	port2 := freePort(t)
	conf := strings.ReplaceAll(s.expand(vhostConf), "{{PORT2}}", strconv.Itoa(port2))
	s.writeFiles(map[string]string{"site.conf": conf})
	f := filepath.Join(s.Dir, "site.conf")
	p, p2 := strconv.Itoa(s.Port), strconv.Itoa(port2)
	vhosts := "VirtualHost configuration:\n" +
		fmt.Sprintf("%-22s c.example (%s:19)\n", "127.0.0.1:"+p, f) +
		fmt.Sprintf("%-22s is a NameVirtualHost\n", "*:"+p2) +
		"         default server a.example (" + f + ":10)\n" +
		"         port " + p2 + " namevhost a.example (" + f + ":10)\n" +
		"                 alias www.a.example\n" +
		"                 wild alias *.a.example\n" +
		"         port " + p2 + " namevhost b.example (" + f + ":15)\n"
	run := func(defines ...string) string {
		d := ""
		for _, n := range defines {
			d += "Define: " + n + "\n"
		}
		return "ServerRoot: \"" + s.Dir + "\"\n" +
			"Main DocumentRoot: \"" + s.Dir + "/htdocs\"\n" +
			"Main ErrorLog: \"" + s.Dir + "/error.log\"\n" +
			"PidFile: \"" + s.Dir + "/modpy.pid\"\n" + d +
			"Define: FOO=bar\n" +
			fmt.Sprintf("User: name=%q id=%d\nGroup: name=%q id=%d\n", userName(t), os.Getuid(), groupName(t), os.Getgid())
	}
	out, errs, code := modpyRun(t, s.Dir, "-S", "-f", "site.conf")
	wantCode(t, "-S", code, 0, out, errs)
	wantText(t, "-S", out, vhosts+run("DUMP_VHOSTS", "DUMP_RUN_CFG"))
	out, errs, code = modpyRun(t, s.Dir, "-t", "-D", "DUMP_VHOSTS", "-f", "site.conf")
	wantCode(t, "-t -D DUMP_VHOSTS", code, 0, out, errs)
	wantText(t, "-t -D DUMP_VHOSTS", out, vhosts)
	if strings.Contains(errs, "Syntax OK") {
		t.Errorf("-t -D DUMP_VHOSTS says Syntax OK, as httpd does not: %q", errs)
	}
	out, errs, code = modpyRun(t, s.Dir, "-DX1", "-t", "-D", "DUMP_RUN_CFG", "-f", "site.conf")
	wantCode(t, "-t -D DUMP_RUN_CFG", code, 0, out, errs)
	wantText(t, "-t -D DUMP_RUN_CFG", out, run("X1", "DUMP_RUN_CFG"))

	// The default server of *:PORT2 answers a name it does not have.
	s.start("-X", "-f", f)
	c := &site{t: t, Dir: s.Dir, URL: "http://127.0.0.1:" + p2}
	for host, want := range map[string]string{"nobody.example": "a\n", "b.example": "b\n", "x.a.example": "a\n"} {
		if got := c.mustGet("/who.txt", "Host", host); got != want {
			t.Errorf("Host %s on *:%s: %q, want %q", host, p2, got, want)
		}
	}
}

func userName(t *testing.T) string {
	out, err := exec.Command("id", "-un").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func groupName(t *testing.T) string {
	out, err := exec.Command("id", "-gn").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// -t -D DUMP_INCLUDES: the files read, by depth, with their Include line.
func TestCLIDumpIncludes(t *testing.T) {
	s := newSite(t, map[string]string{
		"site.conf":     "Listen 127.0.0.1:1\nDocumentRoot {{DIR}}\n\nInclude {{DIR}}/conf.d/*.conf\n",
		"conf.d/a.conf": "# a\n",
		"conf.d/b.conf": "# b\nInclude {{DIR}}/deep.conf\n",
		"deep.conf":     "ServerName x\n",
	})
	out, errs, code := modpyRun(t, s.Dir, "-t", "-D", "DUMP_INCLUDES", "-f", "site.conf")
	wantCode(t, "DUMP_INCLUDES", code, 0, out, errs)
	wantText(t, "-t -D DUMP_INCLUDES", out, "Included configuration files:\n"+
		"  (*) "+s.Dir+"/site.conf\n"+
		"    (4) "+s.Dir+"/conf.d/a.conf\n"+
		"    (4) "+s.Dir+"/conf.d/b.conf\n"+
		"      (2) "+s.Dir+"/deep.conf\n")
}

// -C runs before the file (a ServerRoot there is what a relative -f is
// relative to), -c after it (its DocumentRoot wins); both reach the
// master's workers, as -T does.
func TestCLIBeforeAfter(t *testing.T) {
	s := newSite(t, map[string]string{"conf/site.conf": "Listen 127.0.0.1:{{PORT}}\nServerName localhost\n" +
		"DocumentRoot {{DIR}}/htdocs\nErrorLog {{DIR}}/error.log\nPidFile {{DIR}}/modpy.pid\nStartServers 2\n" +
		"<IfDefine !FROM_C>\nNotDefined\n</IfDefine>\n",
		"htdocs/who.txt": "htdocs\n", "other/who.txt": "other\n"})
	out, errs, code := modpyRun(t, "", "-C", "ServerRoot "+s.Dir, "-C", "Define FROM_C", "-t", "-D", "DUMP_RUN_CFG",
		"-f", "conf/site.conf", "-c", "DocumentRoot "+s.Dir+"/other")
	wantCode(t, "-C/-c", code, 0, out, errs)
	contains(t, "-C/-c", out, "ServerRoot: \""+s.Dir+"\"\nMain DocumentRoot: \""+s.Dir+"/other\"\n")
	contains(t, "-C/-c", out, "Define: FROM_C\n")

	_, errs, code = modpyRun(t, "", "-t", "-C", "Listen 127.0.0.1:1", "-C", "NoSuchThing on", "-f", filepath.Join(s.Dir, "conf/site.conf"))
	wantCode(t, "a bad -C", code, 1, "", errs)
	contains(t, "a bad -C", errs, "(command line -C):2: NoSuchThing:")

	// The master's workers read the same: without -C's Define the
	// configuration is refused, without -c the file's DocumentRoot
	// would serve, and without -T the missing one would be refused.
	s.writeFiles(map[string]string{"conf/site.conf": "Listen 127.0.0.1:{{PORT}}\nServerName localhost\n" +
		"DocumentRoot {{DIR}}/missing\nErrorLog {{DIR}}/error.log\nPidFile {{DIR}}/modpy.pid\nStartServers 2\n" +
		"<IfDefine !FROM_C>\nNotDefined\n</IfDefine>\n"})
	s.start("-T", "-C", "ServerRoot "+s.Dir, "-C", "Define FROM_C", "-f", "conf/site.conf", "-c", "DocumentRoot "+s.Dir+"/other")
	for range 6 {
		if _, body, err := s.doFresh("/who.txt"); err != nil || body != "other\n" {
			t.Fatalf("GET /who.txt: %q %v\n%s", body, err, s.errorLog())
		}
	}
}

// The main server's DocumentRoot must be a directory (AH00526's words,
// the directive's line), unless -T; a virtual host's gets a warning.
func TestCLIDocumentRootCheck(t *testing.T) {
	dir := t.TempDir()
	conf := "Listen 127.0.0.1:1\nServerName localhost\n\nDocumentRoot " + dir + "/missing\n"
	f := filepath.Join(dir, "site.conf")
	os.WriteFile(f, []byte(conf), 0o644)
	want := "AH00526: Syntax error on line 4 of " + f + ": DocumentRoot '" + dir + "/missing' is not a directory, or is not readable\n"
	for _, args := range [][]string{{"-t"}, {"-X"}, {"-S"}} {
		out, errs, code := modpyRun(t, dir, append(args, "-f", f)...)
		wantCode(t, fmt.Sprint(args), code, 1, out, errs)
		wantText(t, fmt.Sprint(args), errs, want)
	}
	out, errs, code := modpyRun(t, dir, "-t", "-T", "-f", f)
	wantCode(t, "-t -T", code, 0, out, errs)
	contains(t, "-t -T", errs, "Syntax OK")

	os.WriteFile(f, []byte("Listen 127.0.0.1:1\nServerName localhost\nDocumentRoot "+dir+"\n<VirtualHost *:1>\nDocumentRoot "+dir+"/gone\n</VirtualHost>\n"), 0o644)
	out, errs, code = modpyRun(t, dir, "-t", "-f", f)
	wantCode(t, "a vhost's missing DocumentRoot", code, 0, out, errs)
	contains(t, "a vhost's missing DocumentRoot", errs, f+":5: AH00112: Warning: DocumentRoot ["+dir+"/gone] does not exist\nSyntax OK\n")
}

// An ErrorLog in a directory that is not there: -t refuses it, naming its
// line (httpd's AH02291); one that cannot be opened is named by its line
// too.
func TestCLIErrorLogLine(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "site.conf")
	os.WriteFile(f, []byte("Listen 127.0.0.1:1\nServerName localhost\nDocumentRoot "+dir+"\n\nErrorLog /nonexistent/dir/error.log\n"), 0o644)
	for _, args := range [][]string{{"-t"}, {"-X"}, {"-k", "start"}} {
		out, errs, code := modpyRun(t, dir, append(args, "-f", f)...)
		wantCode(t, fmt.Sprint(args), code, 1, out, errs)
		wantText(t, fmt.Sprint(args), errs, f+":5: ErrorLog: (2)No such file or directory: AH02291: Cannot access directory '/nonexistent/dir/' for main error log\n")
	}
	os.WriteFile(f, []byte("Listen 127.0.0.1:1\nServerName localhost\nDocumentRoot "+dir+"\n<VirtualHost *:1>\n"+
		"ErrorLog "+dir+"/no/error.log\n</VirtualHost>\n"), 0o644)
	_, errs, code := modpyRun(t, dir, "-t", "-f", f)
	wantCode(t, "a vhost's ErrorLog", code, 1, "", errs)
	contains(t, "a vhost's ErrorLog", errs, f+":5: ErrorLog: (2)No such file or directory: AH02291: Cannot access directory '"+dir+"/no/' for error log of vhost defined at "+f+":4")

	// A directory as the ErrorLog: -t cannot know, starting can.
	port := freePort(t)
	os.MkdirAll(filepath.Join(dir, "adir"), 0o755)
	os.WriteFile(f, []byte(fmt.Sprintf("Listen 127.0.0.1:%d\nServerName localhost\nDocumentRoot %s\n\n\nErrorLog %s/adir\n", port, dir, dir)), 0o644)
	for _, args := range [][]string{{"-X"}, {}} {
		_, errs, code := modpyRun(t, dir, append(args, "-f", f)...)
		wantCode(t, fmt.Sprint(args), code, 1, "", errs)
		contains(t, fmt.Sprint(args), errs, f+":6: ErrorLog")
	}
}

// -e hides the startup notices below its level; -E sends what would go
// to standard error to a file.
func TestCLIStartupLog(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "site.conf")
	os.WriteFile(f, []byte("Listen 127.0.0.1:1\nServerName localhost\nDocumentRoot "+dir+"\nLogIOTrackTTFB on\n"), 0o644)
	notice := f + ":4: LogIOTrackTTFB: accepted but not acted on by modpy\n"
	_, errs, code := modpyRun(t, dir, "-t", "-f", f)
	wantCode(t, "-t", code, 0, "", errs)
	wantText(t, "-t", errs, notice+"Syntax OK\n")
	_, errs, _ = modpyRun(t, dir, "-t", "-e", "warn", "-f", f)
	wantText(t, "-t -e warn", errs, "Syntax OK\n")
	_, errs, _ = modpyRun(t, dir, "-t", "-e", "INFO", "-f", f)
	wantText(t, "-t -e INFO", errs, notice+"Syntax OK\n")

	log := filepath.Join(dir, "startup.log")
	_, errs, code = modpyRun(t, dir, "-E", log, "-t", "-f", f)
	wantCode(t, "-t -E", code, 0, "", errs)
	b, _ := os.ReadFile(log)
	if errs != "" || string(b) != notice+"Syntax OK\n" {
		t.Errorf("-E: stderr %q, %s: %q", errs, log, b)
	}
	os.WriteFile(f, []byte("Listen 127.0.0.1:1\nNoSuchThing\n"), 0o644)
	_, errs, code = modpyRun(t, dir, "-E", log, "-t", "-f", f)
	b, _ = os.ReadFile(log)
	if code != 1 || errs != "" || !strings.HasSuffix(string(b), f+":2: NoSuchThing: unknown directive\n") {
		t.Errorf("-E with an error: status %d, stderr %q, %s: %q", code, errs, log, b)
	}
}

// startConf is a master's site.conf for the -k start tests.
func startConf(listen, extra string) string {
	return "Listen " + listen + "\nServerName localhost\nDocumentRoot {{DIR}}/htdocs\n" +
		"ErrorLog {{DIR}}/error.log\nPidFile {{DIR}}/modpy.pid\nStartServers 2\n" + extra
}

// -k start exits 0 only once the server answers, and non-zero, saying
// why in httpd's words, when it does not come up; nothing is left
// running then.
func TestCLIStartFailures(t *testing.T) {
	s := newSite(t, map[string]string{"htdocs/x.txt": "x"})
	conf := filepath.Join(s.Dir, "site.conf")
	stop := func() { exec.Command(modpyBin, "-k", "stop", "-f", conf).Run() }
	t.Cleanup(stop)
	noMaster := func(what string) {
		t.Helper()
		if b, err := os.ReadFile(filepath.Join(s.Dir, "modpy.pid")); err == nil {
			if pid, _ := strconv.Atoi(strings.TrimSpace(string(b))); pid > 0 && !processGone(pid) {
				t.Errorf("%s: a master (pid %d) still runs", what, pid)
			}
		}
	}

	// It serves as soon as -k start returns.
	s.writeFiles(map[string]string{"site.conf": startConf("127.0.0.1:{{PORT}}", "")})
	out, errs, code := modpyRun(t, s.Dir, "-k", "start", "-f", conf)
	wantCode(t, "-k start", code, 0, out, errs)
	if st, body, err := s.doFresh("/x.txt"); err != nil || st != 200 || body != "x" {
		t.Fatalf("right after -k start: %d %q %v", st, body, err)
	}
	stop()

	// Its port taken (on every address, shown as 0.0.0.0).
	ln, err := net.Listen("tcp", fmt.Sprintf("0.0.0.0:%d", s.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s.writeFiles(map[string]string{"site.conf": startConf("{{PORT}}", "")})
	bound := fmt.Sprintf("(98)Address already in use: AH00072: make_sock: could not bind to address 0.0.0.0:%d\n"+
		"no listening sockets available, shutting down\nAH00015: Unable to open logs\n", s.Port)
	for _, args := range [][]string{{"-k", "start"}, {"-X"}, {}} {
		out, errs, code := modpyRun(t, s.Dir, append(args, "-f", conf)...)
		if code == 0 || !strings.HasPrefix(errs, bound) {
			t.Errorf("%v on a port taken: status %d, stderr:\n%s\nwant it to begin with:\n%s", args, code, errs, bound)
		}
		if out != "" {
			t.Errorf("%v: stdout %q", args, out)
		}
		noMaster(fmt.Sprint(args))
	}
	ln.Close()

	// A PidFile it cannot write.
	s.writeFiles(map[string]string{"site.conf": startConf("127.0.0.1:{{PORT}}", "PidFile /nonexistent/modpy.pid\n")})
	pid := "(2)No such file or directory: AH00099: could not create /nonexistent/modpy.pid\n" +
		"AH00100: modpy: could not log pid to file /nonexistent/modpy.pid\n"
	for _, args := range [][]string{{"-k", "start"}, {}} {
		_, errs, code := modpyRun(t, s.Dir, append(args, "-f", conf)...)
		if code == 0 || !strings.HasPrefix(errs, pid) {
			t.Errorf("%v with /nonexistent/modpy.pid: status %d, stderr:\n%s\nwant it to begin with:\n%s", args, code, errs, pid)
		}
		if _, _, err := s.doFresh("/x.txt"); err == nil {
			t.Errorf("%v: something answers after a failed start", args)
		}
	}

	// Workers that cannot start (a CustomLog in a missing directory).
	s.writeFiles(map[string]string{"site.conf": startConf("127.0.0.1:{{PORT}}", "\nCustomLog {{DIR}}/none/access.log common\n")})
	_, errs, code = modpyRun(t, s.Dir, "-k", "start", "-f", conf)
	if code == 0 || !strings.Contains(errs, conf+":8: CustomLog:") || !strings.Contains(errs, "exited before it served") {
		t.Errorf("-k start with workers that cannot start: status %d, stderr:\n%s", code, errs)
	}
	noMaster("workers that cannot start")
	if _, _, err := s.doFresh("/x.txt"); err == nil {
		t.Errorf("something answers after a failed start")
	}
}

// processGone reports whether pid has exited (or is a zombie).
func processGone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}

// A server -k start started keeps no descriptor of -k start's pipe once
// -k start has exited: a process a handler starts can write to its
// standard error (/dev/null, as a daemon's).
func TestCLIStartDetachedStderr(t *testing.T) {
	s := newSite(t, map[string]string{"htdocs/sub.py": `import subprocess
from mod_python import apache
def handler(req):
    req.content_type = "text/plain"
    r = subprocess.run(["/bin/sh", "-c", "echo to-stderr >&2"])
    req.write("status %d" % r.returncode)
    return apache.OK
`})
	s.writeFiles(map[string]string{"site.conf": startConf("127.0.0.1:{{PORT}}", pyDir("sub"))})
	conf := filepath.Join(s.Dir, "site.conf")
	t.Cleanup(func() { exec.Command(modpyBin, "-k", "stop", "-f", conf).Run() })
	out, errs, code := modpyRun(t, s.Dir, "-k", "start", "-f", conf)
	wantCode(t, "-k start", code, 0, out, errs)
	for range 4 { // both workers, most likely
		if st, body, err := s.doFresh("/sub.py"); err != nil || st != 200 || body != "status 0" {
			t.Fatalf("GET /sub.py: %d %q %v\n%s", st, body, err, s.errorLog())
		}
	}
}
