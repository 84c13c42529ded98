package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestZeroConfig(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.File != "" || c.ServerRoot != cwd || c.Main.DocumentRoot != cwd {
		t.Errorf("File %q ServerRoot %q DocumentRoot %q, want \"\", %q, %q", c.File, c.ServerRoot, c.Main.DocumentRoot, cwd, cwd)
	}
	if len(c.Listen) != 1 || c.Listen[0].Addr != "127.0.0.1:8080" || c.Listen[0].Pos.String() != "(zero-config):1" {
		t.Errorf("Listen = %+v", c.Listen)
	}
	if c.Main.ServerName != "localhost" || c.Main.Dir.AddHandlers[".py"] != "mod_python" {
		t.Errorf("ServerName %q AddHandlers %v", c.Main.ServerName, c.Main.Dir.AddHandlers)
	}
	h := c.Main.Dir.Handlers[PhaseHandler]
	if len(h) != 1 || h[0].Spec != "mod_python.filehandler" || h[0].Dir != "" || h[0].Pos.Line != 5 {
		t.Errorf("handlers = %+v", h)
	}
	if len(c.Notices) != 0 {
		t.Errorf("notices = %v", c.Notices)
	}
}

func TestCoreDirectives(t *testing.T) {
	c := mustLoad(t, `
listen 8080
Listen 1.2.3.4:81 https
Listen [::1]:8081
SERVERNAME https://www.Example.com:8443
ServerAdmin webmaster@example.com
DocumentRoot htdocs
ErrorLog logs/error.log
LogLevel info ssl:warn
LogFormat "%h %u" short
LogFormat "%h default"
CustomLog logs/access.log combined
CustomLog "|/usr/bin/rotatelogs x" short env=!dontlog
CustomLog logs/raw.log "%h %>s"
TransferLog logs/transfer.log
Timeout 30
KeepAlive Off
KeepAliveTimeout 500ms
MaxKeepAliveRequests 0
LimitRequestLine 4000
LimitRequestFieldSize 5000
LimitRequestFields 50
StartServers 3
ServerLimit 4
ThreadsPerChild 10
MaxClients 40
MaxRequestsPerChild 1000
MinSpareThreads 5
MaxSpareThreads 20
MinSpareServers 1
MaxSpareServers 2
PidFile run/httpd.pid
User www-data
Group www-data
AddType application/x-thing THING .thing2
SetHandler None
DirectoryIndex index.py index.html
DirectoryIndex more.html
ErrorDocument 404 /missing.html
ErrorDocument 500 "Server broke"
ErrorDocument 502 oops
ErrorDocument 503 http://elsewhere/
LimitRequestBody 1048576
SetEnv A 1
SetEnv B
PassEnv PATH HOME
UnsetEnv B
Alias /static/ static/
Alias /abs /srv/abs
AliasMatch ^/img/(.*)$ /srv/images/$1
Redirect /old http://example.com/new
Redirect permanent /p http://example.com/p
Redirect 303 /s /other
Redirect gone /g
RedirectMatch 301 ^/m/(.*)$ http://example.com/$1
RedirectPermanent /rp http://example.com/rp
RedirectTemp /rt http://example.com/rt
Options Indexes
Options +Includes -Indexes
AddOutputFilter MYFILTER;DEFLATE .shtml
SetOutputFilter FOO
AddInputFilter BAR .in
SetInputFilter BAZ
Mutex file:/var/lock default
Mutex posixsem
ServerTokens Prod
`, "X")
	m := c.Main
	root := c.ServerRoot
	wantListen := []Listen{{Addr: ":8080"}, {Addr: "1.2.3.4:81", Proto: "https"}, {Addr: "[::1]:8081"}}
	for i, l := range c.Listen {
		l.Pos = Pos{}
		if i >= len(wantListen) || l != wantListen[i] {
			t.Errorf("Listen[%d] = %+v", i, l)
		}
	}
	if m.ServerName != "www.Example.com" || m.Port != 8443 || m.ServerAdmin != "webmaster@example.com" {
		t.Errorf("ServerName %q Port %d Admin %q", m.ServerName, m.Port, m.ServerAdmin)
	}
	if m.DocumentRoot != filepath.Join(root, "htdocs") || m.ErrorLog != filepath.Join(root, "logs/error.log") || m.LogLevel != "info" {
		t.Errorf("DocumentRoot %q ErrorLog %q LogLevel %q", m.DocumentRoot, m.ErrorLog, m.LogLevel)
	}
	wantLogs := []CustomLog{
		{Target: filepath.Join(root, "logs/access.log"), Format: predefinedLogFormats["combined"]},
		{Target: "|/usr/bin/rotatelogs x", Format: "%h %u"},
		{Target: filepath.Join(root, "logs/raw.log"), Format: "%h %>s"},
		{Target: filepath.Join(root, "logs/transfer.log"), Format: "%h default"},
	}
	if len(m.CustomLogs) != len(wantLogs) {
		t.Fatalf("CustomLogs = %+v", m.CustomLogs)
	}
	for i, l := range m.CustomLogs {
		l.Pos = Pos{}
		if l != wantLogs[i] {
			t.Errorf("CustomLogs[%d] = %+v, want %+v", i, l, wantLogs[i])
		}
	}
	wantProc := Process{
		StartServers: 3, ServerLimit: 4, ThreadsPerChild: 10, MaxRequestWorkers: 40,
		MaxConnectionsPerChild: 1000, MinSpareThreads: 5, MaxSpareThreads: 20, MinSpareServers: 1, MaxSpareServers: 2,
		Timeout: 30 * time.Second, KeepAlive: false, KeepAliveTimeout: 500 * time.Millisecond, MaxKeepAliveRequests: 0,
		LimitRequestLine: 4000, LimitRequestFieldSize: 5000, LimitRequestFields: 50,
	}
	if c.Process != wantProc {
		t.Errorf("Process = %+v\nwant      %+v", c.Process, wantProc)
	}
	if c.PidFile != filepath.Join(root, "run/httpd.pid") || c.User != "www-data" || c.Group != "www-data" {
		t.Errorf("PidFile %q User %q Group %q", c.PidFile, c.User, c.Group)
	}
	d := m.Dir
	if d.AddTypes[".thing"] != "application/x-thing" || d.AddTypes[".thing2"] != "application/x-thing" {
		t.Errorf("AddTypes = %v", d.AddTypes)
	}
	if *d.SetHandler != "none" || !slices.Equal(d.DirectoryIndex, []string{"index.py", "index.html", "more.html"}) {
		t.Errorf("SetHandler %q DirectoryIndex %q", *d.SetHandler, d.DirectoryIndex)
	}
	wantDocs := map[int]string{404: "/missing.html", 500: "\"Server broke", 502: "\"oops", 503: "http://elsewhere/"}
	for k, v := range wantDocs {
		if d.ErrorDocuments[k] != v {
			t.Errorf("ErrorDocuments[%d] = %q, want %q", k, d.ErrorDocuments[k], v)
		}
	}
	if *d.LimitRequestBody != 1048576 {
		t.Errorf("LimitRequestBody = %d", *d.LimitRequestBody)
	}
	if !slices.Equal(d.SetEnv, []KV{{"A", "1"}}) || !slices.Equal(d.PassEnv, []string{"PATH", "HOME"}) || !slices.Equal(d.UnsetEnv, []string{"B"}) {
		t.Errorf("SetEnv %v PassEnv %v UnsetEnv %v", d.SetEnv, d.PassEnv, d.UnsetEnv)
	}
	if len(m.Aliases) != 3 || m.Aliases[0].Path != filepath.Join(root, "static")+"/" || m.Aliases[1].Path != "/srv/abs" ||
		m.Aliases[2].Regex.String() != "^/img/(.*)$" || m.Aliases[2].Path != "/srv/images/$1" {
		t.Errorf("Aliases = %+v", m.Aliases)
	}
	type rd struct {
		status      int
		prefix, url string
	}
	var gotR []rd
	for _, r := range m.Redirects {
		p := r.Prefix
		if r.Regex != nil {
			p = "re:" + r.Regex.String()
		}
		gotR = append(gotR, rd{r.Status, p, r.URL})
	}
	wantR := []rd{
		{302, "/old", "http://example.com/new"}, {301, "/p", "http://example.com/p"}, {303, "/s", "/other"},
		{410, "/g", ""}, {301, "re:^/m/(.*)$", "http://example.com/$1"}, {301, "/rp", "http://example.com/rp"},
		{302, "/rt", "http://example.com/rt"},
	}
	if !slices.Equal(gotR, wantR) {
		t.Errorf("Redirects = %v\nwant %v", gotR, wantR)
	}
	if *d.Options != (Options{Includes: true, IncludesExec: true}) || d.OptionsAdd != nil {
		t.Errorf("Options = %+v add %+v", d.Options, d.OptionsAdd)
	}
	if !slices.Equal(d.AddOutputFilters[".shtml"], []string{"MYFILTER", "DEFLATE"}) || !slices.Equal(d.SetOutputFilter, []string{"FOO"}) ||
		!slices.Equal(d.AddInputFilters[".in"], []string{"BAR"}) || !slices.Equal(d.SetInputFilter, []string{"BAZ"}) {
		t.Errorf("filters: %v %v %v %v", d.AddOutputFilters, d.SetOutputFilter, d.AddInputFilters, d.SetInputFilter)
	}
	if c.Mime["html"] != "text/html" || c.Mime["png"] != "image/png" {
		t.Errorf("builtin mime types missing: %v %v", c.Mime["html"], c.Mime["png"])
	}
	// Notices: one per ignored directive name, plus the specific ones.
	var msgs []string
	for _, n := range c.Notices {
		msgs = append(msgs, n.Msg)
	}
	joined := strings.Join(msgs, "\n")
	for _, want := range []string{"Mutex: modpy needs no Apache mutexes", "LogLevel: module-specific", "condition \"env=!dontlog\" is ignored"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no notice containing %q in:\n%s", want, joined)
		}
	}
	if strings.Count(joined, "Mutex:") != 1 {
		t.Errorf("Mutex noticed more than once:\n%s", joined)
	}
}

func TestTypesConfig(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"httpd.conf": "TypesConfig conf/mime.types\n",
		"conf/mime.types": "# comment\ntext/x-python py pyw\n" +
			"application/x-custom  cst # trailing comment\ntext/plain html\n\nbad-line-without-exts\n",
	})
	c, err := Load(LoadOptions{File: filepath.Join(dir, "httpd.conf"), ServerRoot: dir})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"py": "text/x-python", "pyw": "text/x-python", "cst": "application/x-custom", "html": "text/plain", "png": "image/png"}
	for k, v := range want {
		if c.Mime[k] != v {
			t.Errorf("Mime[%q] = %q, want %q", k, c.Mime[k], v)
		}
	}
}

func TestServerRootDirective(t *testing.T) {
	dir := t.TempDir()
	other := t.TempDir()
	writeFiles(t, dir, map[string]string{"httpd.conf": "DocumentRoot before\nServerRoot " + other + "\nDocumentRoot after\n"})
	c, err := Load(LoadOptions{File: filepath.Join(dir, "httpd.conf"), ServerRoot: dir, NoDocumentRootCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.ServerRoot != other || c.Main.DocumentRoot != filepath.Join(other, "after") {
		t.Errorf("ServerRoot %q DocumentRoot %q", c.ServerRoot, c.Main.DocumentRoot)
	}
}

func TestRelativeFile(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"sub/site.conf": "ServerName rel\n"})
	t.Chdir(dir)
	c, err := Load(LoadOptions{File: "sub/site.conf"})
	if err != nil {
		t.Fatal(err)
	}
	if c.File != filepath.Join(dir, "sub/site.conf") || c.ServerRoot != dir {
		t.Errorf("File %q ServerRoot %q", c.File, c.ServerRoot)
	}
}

func TestCaseInsensitiveNames(t *testing.T) {
	c := mustLoad(t, "pythonhandler a\nPYTHONDEBUG on\n<directory /x>\nsethandler mod_python\n</DIRECTORY>\n<ifmodule MOD_PYTHON.C>\nServerName yes\n</IfModule>\n")
	if h := c.Main.Dir.Handlers[PhaseHandler]; len(h) != 1 || h[0].Phase != "PythonHandler" {
		t.Errorf("handlers = %+v", h)
	}
	if !*c.Main.Dir.PythonDebug || *c.Main.Sections[0].Conf.SetHandler != "mod_python" || c.Main.ServerName != "yes" {
		t.Errorf("case-insensitive parsing failed")
	}
}

func TestQuotingAndContinuation(t *testing.T) {
	c := mustLoad(t, `
<Location "/with space">
    AuthName "My \"quoted\" realm"
    AuthType Basic
</Location>
PythonOption \
    long.key \
    "a value"
PythonPath "sys.path + ['/srv/app']"
PythonOption empty
PythonOption 'single' 'it\'s'
`)
	loc := c.Main.Sections[0]
	if loc.Path != "/with space" || *loc.Conf.AuthName != `My "quoted" realm` || *loc.Conf.AuthType != "Basic" {
		t.Errorf("Location %q AuthName %q", loc.Path, *loc.Conf.AuthName)
	}
	want := []KV{{"long.key", "a value"}, {"empty", ""}, {"single", "it's"}}
	if !slices.Equal(c.Main.Dir.PythonOptions, want) {
		t.Errorf("PythonOptions = %q", c.Main.Dir.PythonOptions)
	}
	if *c.Main.Dir.PythonPath != "sys.path + ['/srv/app']" {
		t.Errorf("PythonPath = %q", *c.Main.Dir.PythonPath)
	}
}

func TestDefineAndVars(t *testing.T) {
	t.Setenv("MODPY_TEST_ENV", "/from/env")
	c := mustLoad(t, `
Define APP /srv/app
Define FLAG
DocumentRoot ${APP}/www
ErrorLog ${MODPY_TEST_ENV}/error.log
PythonOption undefined ${NOT_DEFINED_ANYWHERE}
<IfDefine FLAG>
    ServerAdmin flag@set
</IfDefine>
<IfDefine CLI>
    PythonOption cli yes
</IfDefine>
<IfDefine !CLI>
    PythonOption cli no
</IfDefine>
PythonOption fromcli ${CLIVAL}
UnDefine FLAG
<IfDefine FLAG>
    Bogus directive skipped
</IfDefine>
`, "CLI", "CLIVAL=42")
	m := c.Main
	if m.DocumentRoot != "/srv/app/www" || m.ErrorLog != "/from/env/error.log" || m.ServerAdmin != "flag@set" {
		t.Errorf("DocumentRoot %q ErrorLog %q ServerAdmin %q", m.DocumentRoot, m.ErrorLog, m.ServerAdmin)
	}
	for k, v := range map[string]string{"undefined": "${NOT_DEFINED_ANYWHERE}", "cli": "yes", "fromcli": "42"} {
		if got, _ := option(m.Dir, k); got != v {
			t.Errorf("option %s = %q, want %q", k, got, v)
		}
	}
	if !c.Defines["CLI"] || !c.Defines["APP"] || c.Defines["FLAG"] {
		t.Errorf("Defines = %v", c.Defines)
	}
	found := false
	for _, n := range c.Notices {
		found = found || strings.Contains(n.Msg, "${NOT_DEFINED_ANYWHERE} is not defined")
	}
	if !found {
		t.Errorf("no notice for the undefined variable: %v", c.Notices)
	}
}

func TestIfModule(t *testing.T) {
	c, file, err := loadText(t, `<IfModule mod_ssl.c>
    Listen 443
    <VirtualHost *:443>
        SSLEngine on
        RewriteEngine on
        <Directory /x>
            Require all granted
        </Directory>
    </VirtualHost>
</IfModule>
<IfModule !mod_python.c>
    Listen 1
</IfModule>
<IfModule python_module>
    PythonOption python yes
</IfModule>
<IfModule mod_setenvif.c>
    BrowserMatch x y
</IfModule>
<IfModule mod_mime.c>
    <IfModule authz_core_module>
        PythonOption nested yes
    </IfModule>
</IfModule>
<IfModule mod_rewrite.c>
    RewriteEngine On
</IfModule>
LoadModule headers_module /usr/lib/apache2/modules/mod_headers.so
<IfModule mod_headers.c>
    PythonOption headers loaded
</IfModule>
<IfModule headers_module>
    PythonOption headers2 loaded
</IfModule>
LoadModule php7_module modules/libphp7.so
<IfModule mod_php7.c>
    PythonOption php loaded
</IfModule>
<IfModule prefork.c>
    PythonOption mpm prefork
</IfModule>
<IfVersion >= 2.4>
    PythonOption version ge24
</IfVersion>
<IfVersion < 2.4>
    Bogus
</IfVersion>
<IfVersion ~ ^2\.4>
    PythonOption version2 re
</IfVersion>
<IfDirective PythonHandler>
    PythonOption ifdirective yes
</IfDirective>
<IfSection !Proxy>
    PythonOption ifsection yes
</IfSection>
<IfFile httpd.conf>
    PythonOption iffile yes
</IfFile>
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Listen) != 0 || len(c.VHosts) != 0 {
		t.Errorf("false IfModule content was used: %+v %+v", c.Listen, c.VHosts)
	}
	for _, k := range []string{"python", "nested", "headers", "headers2", "php", "mpm", "version", "version2", "ifdirective", "ifsection", "iffile"} {
		if _, ok := option(c.Main.Dir, k); !ok {
			t.Errorf("option %q not set: a true conditional was skipped", k)
		}
	}
	want := "(" + file + ":1) <IfModule mod_ssl.c> is false: dropped Listen 443, <VirtualHost *:443>, Require all granted"
	var got []string
	for _, n := range c.Notices {
		got = append(got, n.String())
	}
	if !slices.Contains(got, want) {
		t.Errorf("notices = %q\nwant one = %q", got, want)
	}
}

func TestHandlers(t *testing.T) {
	c, file, err := loadText(t, `
PythonHandler top
PythonFixupHandler fix1 fix2
PythonFixupHandler fix3
PythonHandler mod_python.publisher | .py .PSP
PythonHandler pipe|.x
PythonTransHandler trans
PythonConnectionHandler conn::handle
PythonImport startup main_interpreter
PythonImport other::init named
PythonOutputFilter outfilt CAPS
PythonInputFilter infilt
PythonInterpreter shared
PythonInterpPerDirectory On
PythonInterpPerDirective Off
PythonAutoReload Off
PythonEnablePdb On
PythonOptimize On
<Directory /x/y>
    PythonHandler dirh
    PythonHandlerModule hm
    <Files "*.py">
        PythonAccessHandler filesh
    </Files>
</Directory>
<Directory />
    PythonHandler rooth
</Directory>
<Directory sub/dir/>
    PythonHandler relh
</Directory>
<DirectoryMatch "^/www/(.+)/">
    PythonHandler rxh
    <FilesMatch "\.psp$">
        PythonHandler rxfiles
    </FilesMatch>
</DirectoryMatch>
<Directory ~ "^/re">
    PythonHandler tildeh
</Directory>
<Location /loc>
    PythonHandler loch
    PythonOutputFilter locfilt
</Location>
<LocationMatch "^/lm">
    PythonHandler lmh
</LocationMatch>
<Files top.py>
    PythonHandler toph
</Files>
<VirtualHost *:80>
    PythonImport vhmod vhinterp
    PythonHandler vhh
    <Location /vloc>
        PythonHandler vloch
    </Location>
</VirtualHost>
`)
	if err != nil {
		t.Fatal(err)
	}
	main := c.Main.Dir
	type hv struct {
		spec, dir string
		loc       bool
	}
	check := func(where string, d *DirConfig, phase string, want ...hv) {
		t.Helper()
		var got []hv
		for _, h := range d.Handlers[phase] {
			if h.Phase != phase {
				t.Errorf("%s: handler %q has Phase %q, want %q", where, h.Spec, h.Phase, phase)
			}
			got = append(got, hv{h.Spec, h.Dir, h.InLocation})
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s %s = %+v, want %+v", where, phase, got, want)
		}
	}
	check("main", main, PhaseHandler, hv{"top", "", false}, hv{"mod_python.publisher", "", false}, hv{"pipe", "", false})
	check("main", main, PhaseFixup, hv{"fix1", "", false}, hv{"fix2", "", false}, hv{"fix3", "", false})
	check("main", main, PhaseTrans, hv{"trans", "", false})
	if ext := main.Handlers[PhaseHandler][1].Exts; !slices.Equal(ext, []string{".py", ".psp"}) {
		t.Errorf("Exts = %q", ext)
	}
	if ext := main.Handlers[PhaseHandler][2].Exts; !slices.Equal(ext, []string{".x"}) {
		t.Errorf("Exts = %q", ext)
	}
	if h := main.Handlers[PhaseHandler][0]; h.Exts != nil || h.Pos != (Pos{file, 2}) {
		t.Errorf("first handler = %+v", h)
	}

	secs := c.Main.Sections
	dirXY := secs[0]
	check("Directory /x/y", dirXY.Conf, PhaseHandler, hv{"dirh", "/x/y/", false}, hv{"hm", "/x/y/", false})
	for _, ph := range RequestPhases {
		hs := dirXY.Conf.Handlers[ph]
		if len(hs) == 0 || !hs[len(hs)-1].Silent || hs[len(hs)-1].Spec != "hm" {
			t.Errorf("PythonHandlerModule not registered silently under %s: %+v", ph, hs)
		}
	}
	if _, ok := dirXY.Conf.Handlers[PhaseConnection]; ok {
		t.Errorf("PythonHandlerModule registered a connection handler")
	}
	check("Files in Directory", dirXY.Files[0].Conf, PhaseAccess, hv{"filesh", "/x/y/", false})
	check("Directory /", secs[1].Conf, PhaseHandler, hv{"rooth", "/", false})
	check("relative Directory", secs[2].Conf, PhaseHandler, hv{"relh", filepath.Join(c.ServerRoot, "sub/dir") + "/", false})
	if secs[3].Kind != SectionDirectoryMatch || secs[3].Path != "^/www/(.+)/" {
		t.Errorf("DirectoryMatch section = %+v", secs[3])
	}
	check("DirectoryMatch", secs[3].Conf, PhaseHandler, hv{"rxh", "^/www/(.+)/", false})
	check("FilesMatch in DirectoryMatch", secs[3].Files[0].Conf, PhaseHandler, hv{"rxfiles", "^/www/(.+)/", false})
	if secs[4].Kind != SectionDirectoryMatch || secs[4].Regex == nil {
		t.Errorf("Directory ~ section = %+v", secs[4])
	}
	check("Directory ~", secs[4].Conf, PhaseHandler, hv{"tildeh", "^/re", false})
	check("Location", secs[5].Conf, PhaseHandler, hv{"loch", "/loc", true})
	check("LocationMatch", secs[6].Conf, PhaseHandler, hv{"lmh", "^/lm", true})
	check("top-level Files", secs[7].Conf, PhaseHandler, hv{"toph", "", false})
	if f := secs[5].Conf.PythonOutputFilters; len(f) != 1 || f[0].Dir != "/loc" || f[0].Name != "locfilt" {
		t.Errorf("Location filter = %+v", f)
	}

	vh := c.VHosts[0]
	check("vhost", vh.Dir, PhaseHandler, hv{"vhh", "", false})
	check("vhost inherits", vh.Dir, PhaseFixup, hv{"fix1", "", false}, hv{"fix2", "", false}, hv{"fix3", "", false})
	check("vhost Location", vh.Sections[0].Conf, PhaseHandler, hv{"vloch", "/vloc", true})

	if h := c.Main.PythonConnectionHandler; h == nil || h.Spec != "conn::handle" || h.Phase != PhaseConnection {
		t.Errorf("connection handler = %+v", h)
	}
	if vh.PythonConnectionHandler != c.Main.PythonConnectionHandler {
		t.Errorf("vhost did not inherit the connection handler")
	}
	wantImports := []PythonImport{
		{Module: "startup", Interpreter: "main_interpreter"},
		{Module: "other", Func: "init", Interpreter: "named"},
		{Module: "vhmod", Interpreter: "vhinterp", InVHost: true},
	}
	for i := range c.PythonImports {
		c.PythonImports[i].Pos = Pos{}
	}
	if !slices.Equal(c.PythonImports, wantImports) {
		t.Errorf("PythonImports = %+v", c.PythonImports)
	}
	if f := main.PythonOutputFilters; len(f) != 1 || f[0].Spec != "outfilt" || f[0].Name != "CAPS" {
		t.Errorf("output filters = %+v", f)
	}
	if f := main.PythonInputFilters; len(f) != 1 || f[0].Name != "infilt" {
		t.Errorf("input filters = %+v", f)
	}
	if *main.PythonInterpreter != "shared" || !*main.PythonInterpPerDirectory || *main.PythonInterpPerDirective ||
		*main.PythonAutoReload || !*main.PythonEnablePdb || !c.PythonOptimize {
		t.Errorf("python flags wrong: %+v", main)
	}
}

func TestOptionsAndRequire(t *testing.T) {
	c := mustLoad(t, `
<Directory /a>
    Options All
    Require all denied
    Require local
</Directory>
<Directory /a/b>
    Options -Indexes +MultiViews
    Require all granted
</Directory>
<Directory /c>
    Options None
    Options +Indexes
</Directory>
<Location /s>
    Require local
</Location>
`)
	s := c.Main.Sections
	// All is Apache's OPT_ALL: without SymLinksIfOwnerMatch (and MultiViews).
	if o := s[0].Conf.Options; *o != (Options{Indexes: true, FollowSymLinks: true, ExecCGI: true, Includes: true, IncludesExec: true}) {
		t.Errorf("Options All = %+v", o)
	}
	if r := s[0].Conf.Require; r.String() != "any(all denied; local)" {
		t.Errorf("Require = %v", r)
	}
	if s[1].Conf.Options != nil || *s[1].Conf.OptionsAdd != (Options{MultiViews: true}) || *s[1].Conf.OptionsRemove != (Options{Indexes: true}) {
		t.Errorf("relative options = %+v %+v %+v", s[1].Conf.Options, s[1].Conf.OptionsAdd, s[1].Conf.OptionsRemove)
	}
	if o := s[2].Conf.Options; *o != (Options{Indexes: true}) {
		t.Errorf("None then +Indexes = %+v", o)
	}
	d := c.DirConfigFor(nil, "/x", "/a/b/file")
	if *d.Options != (Options{FollowSymLinks: true, ExecCGI: true, Includes: true, IncludesExec: true, MultiViews: true}) {
		t.Errorf("merged options = %+v", d.Options)
	}
	if d.Require.String() != "any(all granted)" {
		t.Errorf("merged Require = %v", d.Require)
	}
	if d := c.LocationConfig(nil, "/s/x"); d.Require.String() != "any(local)" {
		t.Errorf("Location Require = %v", d.Require)
	}
}

func TestVHostInheritance(t *testing.T) {
	c := mustLoad(t, `
ServerName main.example
ServerAdmin admin@main
DocumentRoot /srv/main
ErrorLog /var/log/main.err
LogLevel debug
CustomLog /var/log/main.log common
Alias /shared /srv/shared
Redirect /mainold http://main/
PythonOption scope main
PythonOption keep yes
AddHandler mod_python .py
<VirtualHost *:80>
    ServerAlias alias.example
    Alias /own /srv/own
    Redirect /vold http://v/
    PythonOption scope vhost
</VirtualHost>
<VirtualHost *:81>
    ServerName b.example
    DocumentRoot /srv/b
    CustomLog /var/log/b.log combined
</VirtualHost>
PythonOption late yes
`)
	a, b := c.VHosts[0], c.VHosts[1]
	if a.ServerName != "main.example" || a.ServerAdmin != "admin@main" || a.DocumentRoot != "/srv/main" ||
		a.ErrorLog != "/var/log/main.err" || a.LogLevel != "debug" || len(a.CustomLogs) != 1 {
		t.Errorf("vhost a = %+v", a)
	}
	if b.ServerName != "b.example" || b.DocumentRoot != "/srv/b" || len(b.CustomLogs) != 1 || b.CustomLogs[0].Target != "/var/log/b.log" {
		t.Errorf("vhost b = %+v", b)
	}
	if len(a.Aliases) != 2 || a.Aliases[0].URL != "/own" || a.Aliases[1].URL != "/shared" {
		t.Errorf("aliases = %+v", a.Aliases)
	}
	if len(a.Redirects) != 2 || a.Redirects[0].Prefix != "/vold" || a.Redirects[1].Prefix != "/mainold" {
		t.Errorf("redirects = %+v", a.Redirects)
	}
	if len(c.Main.Aliases) != 1 || len(c.Main.Redirects) != 1 {
		t.Errorf("main server changed: %+v %+v", c.Main.Aliases, c.Main.Redirects)
	}
	want := []KV{{"scope", "vhost"}, {"keep", "yes"}, {"late", "yes"}}
	if !slices.Equal(a.Dir.PythonOptions, want) {
		t.Errorf("vhost options = %v, want %v", a.Dir.PythonOptions, want)
	}
	if b.Dir.AddHandlers[".py"] != "mod_python" {
		t.Errorf("vhost b did not inherit AddHandler")
	}
}

// TestVHostInheritsPort: a vhost without ServerName has the main
// server's name and port; one with its own ServerName without a port has
// none (Apache's default port), not the main server's.
func TestVHostInheritsPort(t *testing.T) {
	c := mustLoad(t, `
ServerName main.example:8123
<VirtualHost *:80>
</VirtualHost>
<VirtualHost *:80>
    ServerName b.example
</VirtualHost>
<VirtualHost *:80>
    ServerName c.example:81
</VirtualHost>
`)
	for i, want := range []struct {
		name string
		port int
	}{{"main.example", 8123}, {"b.example", 0}, {"c.example", 81}} {
		if v := c.VHosts[i]; v.ServerName != want.name || v.Port != want.port {
			t.Errorf("vhost %d: ServerName %q, Port %d; want %q, %d", i, v.ServerName, v.Port, want.name, want.port)
		}
	}
}

func TestVHostNameAddressNotice(t *testing.T) {
	c := mustLoad(t, "<VirtualHost www.example.com:80>\n</VirtualHost>\n")
	if len(c.Notices) == 0 || !strings.Contains(c.Notices[0].Msg, "does not resolve names") {
		t.Errorf("notices = %v", c.Notices)
	}
}

func TestIncludeGlob(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"httpd.conf": `
Include conf.d/*.conf
IncludeOptional missing.d/*.conf
<VirtualHost *:80>
    Include vhost-body.inc
</VirtualHost>
Include dirinc
`,
		"conf.d/20-b.conf": "PythonOption order b\n",
		"conf.d/10-a.conf": "PythonOption order a\nPythonOption a 1\n",
		"conf.d/30-c.txt":  "Bogus\n",
		"vhost-body.inc":   "ServerName included.example\n",
		"dirinc/x.conf":    "PythonOption dirinc x\n",
		"dirinc/sub/y":     "PythonOption dirinc y\n",
	})
	c, err := Load(LoadOptions{File: filepath.Join(dir, "httpd.conf"), ServerRoot: dir})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := option(c.Main.Dir, "order"); v != "b" {
		t.Errorf("glob order: order = %q, want b (a then b)", v)
	}
	if v, _ := option(c.Main.Dir, "dirinc"); v != "x" {
		t.Errorf("directory include: dirinc = %q, want x (sub/y then x)", v)
	}
	if c.VHosts[0].ServerName != "included.example" {
		t.Errorf("Include inside VirtualHost: %q", c.VHosts[0].ServerName)
	}
	if p := c.Main.Dir.PythonOptions[1]; p.Key != "a" {
		t.Errorf("options = %v", c.Main.Dir.PythonOptions)
	}
}

func TestRemoveAndDisable(t *testing.T) {
	c := mustLoad(t, `
AddHandler mod_python .py py2
AddType text/x-a .a
<Directory /nopy>
    RemoveHandler .PY
    RemoveType a
    DirectoryIndex disabled
    ErrorDocument 404 default
</Directory>
ErrorDocument 404 /nf.html
DirectoryIndex index.html
`)
	d := c.DirConfigFor(nil, "/u", "/nopy/f.py")
	if _, ok := d.AddHandlers[".py"]; ok || d.AddHandlers[".py2"] != "mod_python" {
		t.Errorf("AddHandlers = %v", d.AddHandlers)
	}
	if _, ok := d.AddTypes[".a"]; ok {
		t.Errorf("AddTypes = %v", d.AddTypes)
	}
	if d.DirectoryIndex == nil || len(d.DirectoryIndex) != 0 {
		t.Errorf("DirectoryIndex = %#v, want empty non-nil", d.DirectoryIndex)
	}
	if _, ok := d.ErrorDocuments[404]; ok {
		t.Errorf("ErrorDocuments = %v", d.ErrorDocuments)
	}
	if d := c.DirConfigFor(nil, "/u", "/other/f.py"); d.AddHandlers[".py"] != "mod_python" || d.ErrorDocuments[404] != "/nf.html" {
		t.Errorf("outside: %v %v", d.AddHandlers, d.ErrorDocuments)
	}
}

func TestServerWideInVHost(t *testing.T) {
	c := mustLoad(t, "Timeout 10\n<VirtualHost *>\nTimeout 99\nKeepAlive Off\n</VirtualHost>\n")
	if c.Process.Timeout != 10*time.Second || !c.Process.KeepAlive {
		t.Errorf("Process = %+v", c.Process)
	}
	if len(c.Notices) < 2 {
		t.Errorf("notices = %v", c.Notices)
	}
}

func TestRedirectInLocation(t *testing.T) {
	c := mustLoad(t, "<Location /one>\nRedirect permanent http://example.com/two\n</Location>\n<Directory /d>\nRedirectMatch \\.bak$ /nope\n</Directory>\n")
	r := c.Main.Sections[0].Conf.Redirects
	if len(r) != 1 || r[0].Status != 301 || r[0].Prefix != "" || r[0].URL != "http://example.com/two" {
		t.Errorf("redirects = %+v", r)
	}
	if len(c.Main.Redirects) != 0 || len(c.Main.Sections[1].Conf.Redirects) != 1 {
		t.Errorf("section redirect misplaced")
	}
}
