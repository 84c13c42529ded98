package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestErrors(t *testing.T) {
	tests := []errCase{
		{"unknown directive", "Listen 80\nPythonHandlr foo\n", 2, "PythonHandlr",
			"unknown directive (did you mean PythonHandler?)"},
		{"unknown directive no suggestion", "Frobnicate on\n", 1, "Frobnicate", "unknown directive"},
		{"bad arg count", "PythonImport mymod\n", 1, "PythonImport",
			"takes exactly two arguments, got 1 (usage: PythonImport module[::function] interpreter_name)"},
		{"too many args", "ServerName a b\n", 1, "ServerName", "takes one argument, got 2"},
		{"no args", "PythonHandler\n", 1, "PythonHandler", "takes at least one argument, got 0"},
		{"unclosed section", "<Directory /x>\nSetHandler none\n", 1, "<Directory>", "section is not closed"},
		{"unclosed vhost", "<VirtualHost *:80>\n", 1, "<VirtualHost>", "not closed"},
		{"unclosed false IfModule", "<IfModule mod_nope.c>\nFoo\n", 1, "<IfModule>", "not closed"},
		{"stray close tag", "Listen 80\n</Directory>\n", 2, "</Directory>", "without matching <Directory> section"},
		{"mismatched close", "<Directory /a>\n</Location>\n", 2, "</Location>", "expected </Directory>"},
		{"mismatched close in false block", "<IfModule mod_nope.c>\n<Directory /a>\n</Files>\n</IfModule>\n", 3, "</Files>", "expected </Directory>"},
		{"bad On/Off", "PythonDebug yes\n", 1, "PythonDebug", `must be On or Off, not "yes"`},
		{"bad KeepAlive", "KeepAlive 1\n", 1, "KeepAlive", "must be On or Off"},
		{"RewriteEngine", "RewriteEngine On\n", 1, "RewriteEngine",
			"mod_rewrite is not supported by modpy; use Redirect/RedirectMatch or a PythonTransHandler"},
		{"RewriteRule in true IfModule", "LoadModule rewrite_module modules/mod_rewrite.so\n<IfModule mod_rewrite.c>\nRewriteRule ^/a /b\n</IfModule>\n",
			3, "RewriteRule", "mod_rewrite is not supported"},
		{"Listen inside Directory", "<Directory /x>\n  Listen 80\n</Directory>\n", 2, "Listen",
			"not allowed in <Directory> (allowed in: server config)"},
		{"Listen inside VirtualHost", "<VirtualHost *>\nListen 80\n</VirtualHost>\n", 2, "Listen", "not allowed in <VirtualHost>"},
		{"Require at server level", "Require all granted\n", 1, "Require", "not allowed in server config"},
		{"Include missing file", "Include nope.conf\n", 1, "Include", "cannot read"},
		{"Include glob no match", "Include conf.d/*.conf\n", 1, "Include", "no files match the wildcard pattern"},
		{"PythonImport one arg", "PythonImport mod\n", 1, "PythonImport", "takes exactly two arguments"},
		{"PythonImport in Directory", "<Directory /x>\nPythonImport m i\n</Directory>\n", 2, "PythonImport", "not allowed in <Directory>"},
		{"PythonTransHandler with ext", "PythonTransHandler myapp::trans | .py\n", 1, "PythonTransHandler", `does not take "| .ext"`},
		{"PythonPostReadRequestHandler in Directory", "<Directory /x>\nPythonPostReadRequestHandler a\n</Directory>\n", 2,
			"PythonPostReadRequestHandler", "not allowed in <Directory>"},
		{"pipe without extensions", "PythonHandler a |\n", 1, "PythonHandler", "must be followed by file extensions"},
		{"bad handler spec", "PythonHandler ::f\n", 1, "PythonHandler", "bad handler"},
		{"PythonOptimize in vhost", "<VirtualHost *>\nPythonOptimize On\n</VirtualHost>\n", 2, "PythonOptimize", "not allowed in <VirtualHost>"},
		{"bad regex", "<LocationMatch (>\n</LocationMatch>\n", 1, "<LocationMatch>", "bad regular expression"},
		{"bad port", "Listen 99999\n", 1, "Listen", "out of range"},
		{"Listen no port", "Listen 1.2.3.4\n", 1, "Listen", "bad address"},
		{"duplicate Listen", "Listen 80\nListen 80\n", 2, "Listen", "already listened on"},
		{"Require unknown provider", "<Location />\nRequire frob x\n</Location>\n", 2, "Require", "Unknown Authz provider: frob"},
		{"Options mixed", "Options Indexes +FollowSymLinks\n", 1, "Options", "either all options must start with + or -"},
		{"Options unknown", "Options Bogus\n", 1, "Options", `unknown option "Bogus"`},
		{"ErrorDocument status", "ErrorDocument 200 /x\n", 1, "ErrorDocument", "400 to 599"},
		{"LimitRequestBody negative", "LimitRequestBody -1\n", 1, "LimitRequestBody", "out of range"},
		{"Timeout not a number", "Timeout abc\n", 1, "Timeout", "not a number"},
		{"GracefulShutdownTimeout not seconds", "GracefulShutdownTimeout 5s\n", 1, "GracefulShutdownTimeout", "not a number"},
		{"GracefulShutdownTimeout in vhost", "<VirtualHost *>\nGracefulShutdownTimeout 5\n</VirtualHost>\n", 2, "GracefulShutdownTimeout", "not allowed in <VirtualHost>"},
		{"missing >", "<Directory /x\n</Directory>\n", 1, "<Directory>", "missing closing '>'"},
		{"unknown section", "<Foo bar>\n</Foo>\n", 1, "<Foo>", "unknown section"},
		{"If not supported", "<If \"true\">\n</If>\n", 1, "<If>", "not supported"},
		{"VirtualHost in Directory", "<Directory /a>\n<VirtualHost *>\n</VirtualHost>\n</Directory>\n", 2, "<VirtualHost>", "not allowed inside <Directory>"},
		{"Files in Location", "<Location /a>\n<Files x>\n</Files>\n</Location>\n", 2, "<Files>", "not allowed inside <Location>"},
		{"Directory in Directory", "<Directory /a>\n<Directory /a/b>\n</Directory>\n</Directory>\n", 2, "<Directory>", "not allowed inside <Directory>"},
		{"unterminated quote", "AuthName \"oops\n", 1, "AuthName", "unterminated quoted string"},
		{"bad redirect path", "Redirect permanent nope http://x/\n", 1, "Redirect", "must start with /"},
		{"redirect gone with URL", "Redirect gone /a http://x/\n", 1, "Redirect", "takes no target URL"},
		{"continuation line number", "Listen 80\nPythonOption \\\n  a \\\n  b \\\n  c\n", 2, "PythonOption", "takes one or two arguments, got 3"},
		{"ServerAlias outside vhost", "ServerAlias x\n", 1, "ServerAlias", "allowed in: <VirtualHost>"},
		{"AddType not a type", "AddType html .html\n", 1, "AddType", "not a media type"},
		{"Define with colon", "Define a:b\n", 1, "Define", "must not contain ':'"},
		{"LogLevel bad", "LogLevel loud\n", 1, "LogLevel", "unknown log level"},
		{"SSL directive", "<VirtualHost *:443>\nSSLEngine on\nSSLUserName SSL_CLIENT_S_DN_CN\n</VirtualHost>\n", 3, "SSLUserName", "mod_ssl directive is not supported"},
		{"SSLEngine without a certificate", "<VirtualHost *:443>\nSSLEngine on\n</VirtualHost>\n", 2, "SSLEngine", "Failed to configure at least one certificate and key"},
		{"bad vhost address", "<VirtualHost 1.2.3.4:http>\n</VirtualHost>\n", 1, "<VirtualHost>", "bad address"},
		{"IfVersion bad operator", "<IfVersion %% 2.4>\n</IfVersion>\n", 1, "<IfVersion>", "unknown operator"},
	}
	runErrCases(t, tests)
}

func TestErrorInIncludedFile(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"httpd.conf":      "Listen 80\nInclude conf.d/*.conf\n",
		"conf.d/a.conf":   "ServerAdmin a@b\n",
		"conf.d/b.conf":   "# b\n\nPythonDebug maybe\n",
		"conf.d/c.conf":   "Bogus\n",
		"loop/one.conf":   "Include loop/two.conf\n",
		"loop/two.conf":   "Include loop/one.conf\n",
		"unclosed.conf":   "Include unclosed2.conf\n</Directory>\n",
		"unclosed2.conf":  "<Directory /x>\n",
		"loopmain.conf":   "Include loopmain.conf\n",
		"optional.conf":   "IncludeOptional nope.conf\nIncludeOptional nope/*.conf\n",
		"conf.d/readme":   "not included: the glob wants .conf\n",
		"unused/bad.conf": "Bogus\n",
	})
	load := func(file string) error {
		_, err := Load(LoadOptions{File: filepath.Join(dir, file), ServerRoot: dir})
		return err
	}
	err := load("httpd.conf")
	if want := filepath.Join(dir, "conf.d/b.conf") + ":3: PythonDebug: must be On or Off"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %v, want prefix %q", err, want)
	}
	err = load("loop/one.conf")
	if err == nil || !strings.Contains(err.Error(), "include loop") {
		t.Errorf("loop: error = %v", err)
	}
	err = load("loopmain.conf")
	if err == nil || !strings.Contains(err.Error(), "include loop") {
		t.Errorf("self-include: error = %v", err)
	}
	// A section must close in the file that opens it.
	err = load("unclosed.conf")
	if want := filepath.Join(dir, "unclosed2.conf") + ":1: <Directory>: section is not closed"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %v, want prefix %q", err, want)
	}
	if err := load("optional.conf"); err != nil {
		t.Errorf("IncludeOptional of missing files: %v", err)
	}
	_, err = Load(LoadOptions{File: filepath.Join(dir, "missing.conf")})
	if err == nil || !strings.Contains(err.Error(), "cannot read the config file") {
		t.Errorf("missing main file: %v", err)
	}
}

// errCase is a config text Load must reject, with where and why.
type errCase struct {
	name      string
	text      string
	line      int
	directive string
	msg       string // substring of Error.Msg
}

// runErrCases checks each case's error: an *Error naming file:line:
// directive, with msg in its message.
func runErrCases(t *testing.T, tests []errCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, file, err := loadText(t, tt.text)
			if err == nil {
				t.Fatalf("Load succeeded, want an error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not an *Error", err, err)
			}
			prefix := fmt.Sprintf("%s:%d: %s: ", file, tt.line, tt.directive)
			if got := err.Error(); !strings.HasPrefix(got, prefix) || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("error = %q\nwant prefix %q and message containing %q", got, prefix, tt.msg)
			}
		})
	}
}
