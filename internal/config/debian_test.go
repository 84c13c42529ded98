package config

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
)

// debianTree is a trimmed copy of Debian's /etc/apache2 (apache2 2.4 on
// bookworm) with the default modules enabled and a mod_python site added.
var debianTree = map[string]string{
	"envvars.conf": `
Define APACHE_RUN_USER www-data
Define APACHE_RUN_GROUP www-data
Define APACHE_PID_FILE /var/run/apache2/apache2.pid
Define APACHE_RUN_DIR /var/run/apache2
Define APACHE_LOCK_DIR /var/lock/apache2
Define APACHE_LOG_DIR /var/log/apache2
`,
	"apache2.conf": `# This is the main Apache server configuration file.  It contains the
# configuration directives that give the server its instructions.
#ServerRoot "/etc/apache2"
Include envvars.conf

#Mutex file:${APACHE_LOCK_DIR} default
Mutex file:${APACHE_LOCK_DIR} default

DefaultRuntimeDir ${APACHE_RUN_DIR}
PidFile ${APACHE_PID_FILE}
Timeout 300
KeepAlive On
MaxKeepAliveRequests 100
KeepAliveTimeout 5

User ${APACHE_RUN_USER}
Group ${APACHE_RUN_GROUP}

HostnameLookups Off
ErrorLog ${APACHE_LOG_DIR}/error.log
LogLevel warn

# Include module configuration:
IncludeOptional mods-enabled/*.load
IncludeOptional mods-enabled/*.conf

# Include list of ports to listen on
Include ports.conf

<Directory />
	Options FollowSymLinks
	AllowOverride None
	Require all denied
</Directory>

<Directory /usr/share>
	AllowOverride None
	Require all granted
</Directory>

<Directory /var/www/>
	Options Indexes FollowSymLinks
	AllowOverride None
	Require all granted
</Directory>

#<Directory /srv/>
#	Options Indexes FollowSymLinks
#	AllowOverride None
#	Require all granted
#</Directory>

AccessFileName .htaccess

<FilesMatch "^\.ht">
	Require all denied
</FilesMatch>

LogFormat "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" vhost_combined
LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" combined
LogFormat "%h %l %u %t \"%r\" %>s %O" common
LogFormat "%{Referer}i -> %U" referer
LogFormat "%{User-agent}i" agent

IncludeOptional conf-enabled/*.conf
IncludeOptional sites-enabled/*.conf
`,
	"mime.types": "# test copy\napplication/x-debian-package\tdeb udeb\ntext/html\t\t\t\t\thtml htm shtml\n",
	"ports.conf": `Listen 80

<IfModule ssl_module>
	Listen 443
</IfModule>

<IfModule mod_gnutls.c>
	Listen 443
</IfModule>
`,
	"mods-enabled/access_compat.load": "LoadModule access_compat_module /usr/lib/apache2/modules/mod_access_compat.so\n",
	"mods-enabled/alias.load":         "LoadModule alias_module /usr/lib/apache2/modules/mod_alias.so\n",
	"mods-enabled/alias.conf": `<IfModule alias_module>
	Alias /icons/ "/usr/share/apache2/icons/"

	<Directory "/usr/share/apache2/icons">
		Options FollowSymlinks
		AllowOverride None
		Require all granted
	</Directory>
</IfModule>
`,
	"mods-enabled/auth_basic.load": "LoadModule auth_basic_module /usr/lib/apache2/modules/mod_auth_basic.so\n",
	"mods-enabled/authn_core.load": "LoadModule authn_core_module /usr/lib/apache2/modules/mod_authn_core.so\n",
	"mods-enabled/authn_file.load": "LoadModule authn_file_module /usr/lib/apache2/modules/mod_authn_file.so\n",
	"mods-enabled/authz_core.load": "LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so\n",
	"mods-enabled/authz_host.load": "LoadModule authz_host_module /usr/lib/apache2/modules/mod_authz_host.so\n",
	"mods-enabled/authz_user.load": "LoadModule authz_user_module /usr/lib/apache2/modules/mod_authz_user.so\n",
	"mods-enabled/autoindex.load":  "LoadModule autoindex_module /usr/lib/apache2/modules/mod_autoindex.so\n",
	"mods-enabled/autoindex.conf": `<IfModule mod_autoindex.c>
	IndexOptions FancyIndexing VersionSort HTMLTable NameWidth=* DescriptionWidth=* Charset=UTF-8
	AddIconByEncoding (CMP,/icons/compressed.gif) x-compress x-gzip x-bzip2
	AddIconByType (TXT,/icons/text.gif) text/*
	AddIcon /icons/binary.gif .bin .exe
	AddIcon /icons/back.gif ..
	DefaultIcon /icons/unknown.gif
	ReadmeName README.html
	HeaderName HEADER.html
	IndexIgnore .??* *~ *# RCS CVS *,v *,t
</IfModule>
`,
	"mods-enabled/deflate.load": "# Depends: filter\nLoadModule deflate_module /usr/lib/apache2/modules/mod_deflate.so\n",
	"mods-enabled/deflate.conf": `<IfModule mod_deflate.c>
	<IfModule mod_filter.c>
		AddOutputFilterByType DEFLATE text/html text/plain text/xml text/css text/javascript
		AddOutputFilterByType DEFLATE application/x-javascript application/javascript application/ecmascript
		AddOutputFilterByType DEFLATE application/rss+xml
		AddOutputFilterByType DEFLATE application/wasm
		AddOutputFilterByType DEFLATE application/xml
	</IfModule>
</IfModule>
`,
	"mods-enabled/dir.load": "LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so\n",
	"mods-enabled/dir.conf": `<IfModule mod_dir.c>
	DirectoryIndex index.html index.cgi index.pl index.php index.xhtml index.htm
</IfModule>
`,
	"mods-enabled/env.load":    "LoadModule env_module /usr/lib/apache2/modules/mod_env.so\n",
	"mods-enabled/filter.load": "LoadModule filter_module /usr/lib/apache2/modules/mod_filter.so\n",
	"mods-enabled/mime.load":   "LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so\n",
	"mods-enabled/mime.conf": `<IfModule mod_mime.c>
	# Stock: TypesConfig /etc/mime.types (a copy, so the test does not need it).
	TypesConfig mime.types
	AddType application/x-compress .Z
	AddType application/x-gzip .gz .tgz
	AddType application/x-bzip2 .bz2
	AddLanguage am .amh
	AddLanguage ar .ar
	AddCharset us-ascii	.ascii .us-ascii
	AddCharset ISO-8859-1  .iso8859-1  .latin1
	AddHandler type-map var
	AddType text/html .shtml
<IfModule mod_include.c>
	AddOutputFilter INCLUDES .shtml
</IfModule>
</IfModule>
`,
	"mods-enabled/mpm_event.load": "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n",
	"mods-enabled/mpm_event.conf": `<IfModule mpm_event_module>
	StartServers			 2
	MinSpareThreads		 25
	MaxSpareThreads		 75
	ThreadLimit			 64
	ThreadsPerChild		 25
	MaxRequestWorkers	  150
	MaxConnectionsPerChild   0
</IfModule>
`,
	"mods-enabled/negotiation.load": "LoadModule negotiation_module /usr/lib/apache2/modules/mod_negotiation.so\n",
	"mods-enabled/negotiation.conf": `<IfModule mod_negotiation.c>
	LanguagePriority en ca cs da de el eo es et fr he hr it ja ko ltz nl nn no pl pt pt-BR ru sv tr zh-CN zh-TW
	ForceLanguagePriority Prefer Fallback
</IfModule>
`,
	"mods-enabled/python.load":     "LoadModule python_module /usr/lib/apache2/modules/mod_python.so\n",
	"mods-enabled/reqtimeout.load": "LoadModule reqtimeout_module /usr/lib/apache2/modules/mod_reqtimeout.so\n",
	"mods-enabled/reqtimeout.conf": `<IfModule reqtimeout_module>
	RequestReadTimeout header=20-40,minrate=500
	RequestReadTimeout body=10,minrate=500
</IfModule>
`,
	"mods-enabled/setenvif.load": "LoadModule setenvif_module /usr/lib/apache2/modules/mod_setenvif.so\n",
	"mods-enabled/setenvif.conf": `<IfModule mod_setenvif.c>
	BrowserMatch "Mozilla/2" nokeepalive
	BrowserMatch "MSIE 4\.0b2;" nokeepalive downgrade-1.0 force-response-1.0
	BrowserMatch "RealPlayer 4\.0" force-response-1.0
	BrowserMatch "Java/1\.0" force-response-1.0
	BrowserMatch "JDK/1\.0" force-response-1.0
	BrowserMatch "Microsoft Data Access Internet Publishing Provider" redirect-carefully
	BrowserMatch "^WebDrive" redirect-carefully
</IfModule>
`,
	"mods-enabled/status.load": "LoadModule status_module /usr/lib/apache2/modules/mod_status.so\n",
	"mods-enabled/status.conf": `<IfModule mod_status.c>
	<Location /server-status>
		SetHandler server-status
		Require local
		#Require ip 192.0.2.0/24
	</Location>
	ExtendedStatus On
	<IfModule mod_proxy.c>
		ProxyStatus On
	</IfModule>
</IfModule>
`,
	"conf-enabled/charset.conf":                 "#AddDefaultCharset UTF-8\n",
	"conf-enabled/localized-error-pages.conf":   "# ErrorDocument 404 /missing.html\n",
	"conf-enabled/other-vhosts-access-log.conf": "CustomLog ${APACHE_LOG_DIR}/other_vhosts_access.log vhost_combined\n",
	"conf-enabled/security.conf": `ServerTokens OS
ServerSignature On
TraceEnable Off
<DirectoryMatch "/\.git">
   Require all denied
</DirectoryMatch>
`,
	"conf-enabled/serve-cgi-bin.conf": `<IfModule mod_alias.c>
	<IfModule mod_cgi.c>
		Define ENABLE_USR_LIB_CGI_BIN
	</IfModule>
	<IfModule mod_cgid.c>
		Define ENABLE_USR_LIB_CGI_BIN
	</IfModule>
	<IfDefine ENABLE_USR_LIB_CGI_BIN>
		ScriptAlias /cgi-bin/ /usr/lib/cgi-bin/
		<Directory "/usr/lib/cgi-bin">
			AllowOverride None
			Options +ExecCGI -MultiViews +SymLinksIfOwnerMatch
			Require all granted
		</Directory>
	</IfDefine>
</IfModule>
`,
	"sites-enabled/000-default.conf": `<VirtualHost *:80>
	#ServerName www.example.com
	ServerAdmin webmaster@localhost
	DocumentRoot /var/www/html
	ErrorLog ${APACHE_LOG_DIR}/error.log
	CustomLog ${APACHE_LOG_DIR}/access.log combined
	#Include conf-available/serve-cgi-bin.conf
</VirtualHost>
`,
	"sites-enabled/010-pyapp.conf": `<VirtualHost *:80>
	ServerName pyapp.example.com
	ServerAlias *.pyapp.example.com
	DocumentRoot /var/www/pyapp
	PythonImport pyapp.startup pyapp.example.com
	<Directory /var/www/pyapp>
		AddHandler mod_python .py
		PythonHandler mod_python.publisher
		PythonDebug On
		PythonOption mod_python.session.session_type MemorySession
		Require all granted
	</Directory>
	<Location /admin>
		SetHandler mod_python
		PythonHandler pyapp.admin
		PythonAuthenHandler pyapp.auth
		AuthType Basic
		AuthName "Admin area"
	</Location>
	<IfModule mod_ssl.c>
		SSLEngine on
	</IfModule>
</VirtualHost>
`,
}

func TestDebianConfigLoads(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, debianTree)
	c, err := Load(LoadOptions{File: filepath.Join(dir, "apache2.conf"), ServerRoot: dir})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.PidFile != "/var/run/apache2/apache2.pid" || c.User != "www-data" || c.Group != "www-data" {
		t.Errorf("PidFile %q User %q Group %q", c.PidFile, c.User, c.Group)
	}
	if c.Main.ErrorLog != "/var/log/apache2/error.log" || c.Process.Timeout.Seconds() != 300 {
		t.Errorf("ErrorLog %q Timeout %v", c.Main.ErrorLog, c.Process.Timeout)
	}
	if len(c.Listen) != 1 || c.Listen[0].Addr != ":80" {
		t.Errorf("Listen = %+v", c.Listen)
	}
	if p := c.Process; p.ThreadsPerChild != 25 || p.MaxRequestWorkers != 150 || p.StartServers != 2 {
		t.Errorf("Process = %+v", p)
	}
	if c.Mime["deb"] != "application/x-debian-package" {
		t.Errorf("TypesConfig not read: %q", c.Mime["deb"])
	}
	if !c.Modules["mod_autoindex.c"] || !c.Modules["setenvif_module"] || c.Modules["mod_ssl.c"] {
		t.Errorf("Modules = %v", c.Modules)
	}
	if len(c.VHosts) != 2 {
		t.Fatalf("VHosts = %d", len(c.VHosts))
	}
	def, app := c.VHosts[0], c.VHosts[1]
	if def.DocumentRoot != "/var/www/html" || def.CustomLogs[0].Format != `%h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"` {
		t.Errorf("default vhost = %+v", def)
	}
	if len(c.PythonImports) != 1 || !c.PythonImports[0].InVHost {
		t.Errorf("PythonImports = %+v", c.PythonImports)
	}

	local := netip.MustParseAddrPort("192.0.2.1:80")
	if s := c.SelectServer(local, "www.pyapp.example.com"); s != app {
		t.Errorf("alias did not select the app vhost: %q", s.ServerName)
	}
	if s := c.SelectServer(local, "other"); s != def {
		t.Errorf("unknown host did not select the first vhost: %q", s.ServerName)
	}

	d := c.DirConfigFor(app, "/index.py", "/var/www/pyapp/index.py")
	if d.AddHandlers[".py"] != "mod_python" || !*d.PythonDebug || d.Require.String() != "any(all granted)" {
		t.Errorf("app dir config: %+v", d)
	}
	if h := d.Handlers[PhaseHandler]; len(h) != 1 || h[0].Dir != "/var/www/pyapp/" {
		t.Errorf("app handlers = %+v", h)
	}
	if len(d.DirectoryIndex) != 6 || !d.Options.Indexes {
		t.Errorf("inherited DirectoryIndex %q Options %+v", d.DirectoryIndex, d.Options)
	}
	d = c.LocationConfig(app, "/admin/users")
	if *d.SetHandler != "mod_python" || *d.AuthName != "Admin area" || d.Handlers[PhaseAuthen][0].Dir != "/admin" {
		t.Errorf("admin location: %+v", d)
	}
	d = c.DirConfigFor(def, "/.htpasswd", "/var/www/html/.htpasswd")
	if d.Require.String() != "any(all denied)" {
		t.Errorf(".ht files not denied: %v", d.Require)
	}
	d = c.LocationConfig(def, "/server-status")
	if *d.SetHandler != "server-status" || d.Require.String() != "any(local)" {
		t.Errorf("server-status: %+v", d)
	}

	// security.conf is acted on.
	if c.ServerTokens != TokensOS || *c.Main.Dir.ServerSignature != SignatureOn || c.Main.TraceEnable != TraceOff || app.TraceEnable != TraceOff {
		t.Errorf("security.conf: ServerTokens %v ServerSignature %v TraceEnable %v (vhost %v)",
			c.ServerTokens, *c.Main.Dir.ServerSignature, c.Main.TraceEnable, app.TraceEnable)
	}

	// autoindex.conf is acted on.
	ai := c.Main.Dir.AutoindexConfig()
	if want := IndexFancyIndexing | IndexVersionSort | IndexHTMLTable; ai.Flags() != want || *ai.Charset != "UTF-8" ||
		!ai.NameWidth.Adjust || *ai.Readme != "README.html" || len(ai.Ignore) != 7 || len(ai.Icons) != 7 {
		t.Errorf("autoindex.conf: %+v", ai)
	}

	var notices []string
	for _, n := range c.Notices {
		notices = append(notices, n.String())
	}
	all := strings.Join(notices, "\n")
	for _, want := range []string{
		"<IfModule ssl_module> is false: dropped Listen 443",
		"<IfModule mod_gnutls.c> is false: dropped Listen 443",
		"Mutex:",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no notice containing %q in:\n%s", want, all)
		}
	}
	// setenvif.conf's BrowserMatch lines and deflate.conf's
	// AddOutputFilterByType lines are acted on.
	if len(c.Main.SetEnvIf) != 7 || c.Main.SetEnvIf[1].Literal != "MSIE 4.0b2;" || len(app.SetEnvIf) != 7 {
		t.Errorf("BrowserMatch rules: main %d, app vhost %d", len(c.Main.SetEnvIf), len(app.SetEnvIf))
	}
	if types := c.Main.Dir.FilterByType["DEFLATE"]; len(types) != 11 || types[0] != "text/html" {
		t.Errorf("AddOutputFilterByType DEFLATE types: %q", types)
	}
	if strings.Contains(all, "SSLEngine") {
		t.Errorf("a notice mentions SSLEngine:\n%s", all)
	}
	t.Logf("%d notices:\n%s", len(notices), all)
}

// TestDebianConfigWithCGI: once a2enmod enables mod_cgid (or mod_cgi),
// serve-cgi-bin.conf's ScriptAlias maps /cgi-bin/ to /usr/lib/cgi-bin,
// whose scripts may run; cgid.conf's ScriptSock is noted.
func TestDebianConfigWithCGI(t *testing.T) {
	for _, load := range []string{"cgid", "cgi"} {
		dir := t.TempDir()
		writeFiles(t, dir, debianTree)
		writeFiles(t, dir, map[string]string{
			"mods-enabled/" + load + ".load": "LoadModule " + load + "_module /usr/lib/apache2/modules/mod_" + load + ".so\n",
			"mods-enabled/cgid.conf":         "<IfModule mod_cgid.c>\nScriptSock ${APACHE_RUN_DIR}/socks/cgisock\n</IfModule>\n",
		})
		c, err := Load(LoadOptions{File: filepath.Join(dir, "apache2.conf"), ServerRoot: dir})
		if err != nil {
			t.Fatalf("with %s: %v", load, err)
		}
		var script *Alias
		for i, a := range c.Main.Aliases {
			if a.Script {
				script = &c.Main.Aliases[i]
			}
		}
		if script == nil || script.URL != "/cgi-bin/" || script.Path != "/usr/lib/cgi-bin/" {
			t.Fatalf("with %s: ScriptAlias = %+v in %+v", load, script, c.Main.Aliases)
		}
		d := c.DirConfigFor(c.VHosts[0], "/cgi-bin/x", "/usr/lib/cgi-bin/x")
		if !d.Options.ExecCGI || d.Require.String() != "any(all granted)" {
			t.Errorf("with %s: /usr/lib/cgi-bin: Options %+v Require %v", load, d.Options, d.Require)
		}
	}
}

// TestDebianConfigHeaders: a2enmod headers and a security header in the
// stock tree.
func TestDebianConfigHeaders(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, debianTree)
	writeFiles(t, dir, map[string]string{"mods-enabled/headers.load": "LoadModule headers_module /usr/lib/apache2/modules/mod_headers.so\n" +
		"<IfModule mod_headers.c>\nHeader always set X-Content-Type-Options: \"nosniff\"\n</IfModule>\n"})
	c, err := Load(LoadOptions{File: filepath.Join(dir, "apache2.conf"), ServerRoot: dir})
	if err != nil {
		t.Fatal(err)
	}
	d := c.DirConfigFor(c.VHosts[1], "/index.py", "/var/www/pyapp/index.py")
	if len(d.HeaderAlways) != 1 || d.HeaderAlways[0].Name != "X-Content-Type-Options" || d.HeaderAlways[0].Value[0].Text != "nosniff" {
		t.Errorf("Header always lines: %+v", d.HeaderAlways)
	}
}
