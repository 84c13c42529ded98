package config

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modpy/internal/loglevel"
)

// ZeroConfig is the configuration used when no file is given: serve the
// current directory on 127.0.0.1:8080, with .py files run by
// mod_python.filehandler.
const ZeroConfig = `Listen 127.0.0.1:8080
ServerName localhost
DocumentRoot .
AddHandler mod_python .py
PythonHandler mod_python.filehandler
`

// ZeroConfigName is how positions in ZeroConfig are shown.
const ZeroConfigName = "(zero-config)"

// LoadOptions says what to load. They mirror httpd's -f, -d and -D.
type LoadOptions struct {
	// File is the main config file, relative to the current directory;
	// "" loads ZeroConfig.
	File string
	// ServerRoot is the directory relative paths are resolved against
	// (-d); "" means the current directory. A ServerRoot directive in the
	// file overrides it, as in httpd.
	ServerRoot string
	// Defines are the -D names. "NAME=value" also sets ${NAME}.
	Defines []string
	// Before are directives read before the main file (httpd's -C), one
	// a line, in the main server's context: a ServerRoot among them
	// changes what a relative File is relative to. After are read after
	// it (-c). Positions name them BeforeName and AfterName.
	Before, After []string
	// NoDocumentRootCheck is httpd's -T: a main server's DocumentRoot that
	// is not a directory is no error (see dDocumentRoot).
	NoDocumentRootCheck bool
	// PythonVersion is the version of the Python modpy runs ("3.11.2";
	// the command line passes the linked library's): Check refuses a
	// python-home= made by another X.Y. "" skips that check.
	PythonVersion string
	// NoTLSKeys skips reading SSLCertificateFile/SSLCertificateKeyFile
	// (Certificates stay empty): a process group's process never makes a
	// TLS handshake, and the server's private keys must not be in the
	// memory of code that runs as another user.
	NoTLSKeys bool
}

// How positions name LoadOptions.Before and After (-C and -c).
const (
	BeforeName = "(command line -C)"
	AfterName  = "(command line -c)"
)

// Load reads, checks and resolves a configuration. The first mistake found
// is returned as an *Error naming its file, line and directive.
//
// Process settings a file does not give get their defaults here (Timeout
// 60s, KeepAlive On, KeepAliveTimeout 5s, MaxKeepAliveRequests 100,
// LimitRequestLine and LimitRequestFieldSize 8190, LimitRequestFields 100,
// ThreadsPerChild DefaultThreadsPerChild); the other worker counts stay 0
// ("server's choice"). The main server's LogLevel
// defaults to "warn", its ServerName to the host name (with a notice, as
// Apache warns), its DocumentRoot to ServerRoot/htdocs; ErrorLog "" means
// the server's default (standard error). A virtual host gets the main
// server's ServerName, ServerAdmin, DocumentRoot, ErrorLog, LogLevel,
// CustomLogs (when it has none), PythonConnectionHandler and TraceEnable
// when it does not set them, its Aliases and Redirects followed by the
// main server's, and its Dir merged over the main server's.
func Load(opts LoadOptions) (*Config, error) {
	return load(opts, true, "")
}

// load is Load; with fsOK false (fuzzing) it never touches the file system
// and parses text as the main file.
func load(opts LoadOptions, fsOK bool, text string) (*Config, error) {
	root := opts.ServerRoot
	if root == "" {
		root = "."
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, &Error{Pos: Pos{File: "(command line)"}, Directive: "ServerRoot", Msg: err.Error()}
	}
	cfg := &Config{
		ServerRoot: root,
		Defines:    make(map[string]bool),
		Modules:    newModules(),
		LogFormats: maps.Clone(predefinedLogFormats),
		Process: Process{
			Timeout:               60 * time.Second,
			KeepAlive:             true,
			KeepAliveTimeout:      5 * time.Second,
			MaxKeepAliveRequests:  100,
			LimitRequestLine:      8190,
			LimitRequestFieldSize: 8190,
			LimitRequestFields:    100,
		},
	}
	p := &parser{
		cfg:       cfg,
		root:      root,
		vars:      make(map[string]string),
		fs:        fsOK,
		noticed:   make(map[string]bool),
		vhAddrs:   make(map[*Server][]vhAddr),
		noDocRoot: opts.NoDocumentRootCheck,
		noTLSKeys: opts.NoTLSKeys,
	}
	for _, d := range opts.Defines {
		name, val, hasVal := strings.Cut(d, "=")
		p.define(name, val, hasVal)
	}
	cfg.Main = &Server{Dir: &DirConfig{}, LogLevel: "warn", Level: loglevel.Warn}
	if len(opts.Before) > 0 {
		if err := p.parseText(BeforeName, strings.Join(opts.Before, "\n")); err != nil {
			return nil, err
		}
	}

	name := ZeroConfigName
	switch {
	case !fsOK:
		name = "(text)"
	case opts.File == "":
		text = ZeroConfig
	default:
		// As httpd's, a relative file is relative to the ServerRoot
		// (-d, or a -C ServerRoot).
		name = opts.File
		if !filepath.IsAbs(name) {
			name = filepath.Join(p.root, name)
		}
		data, err := readConfigFile(name, MaxConfigFileSize)
		if err != nil {
			msg := "cannot read the config file: " + unwrapPathErr(err)
			if errors.Is(err, errNotRegular) || errors.Is(err, errTooLarge) {
				msg = "the config file is " + err.Error()
			}
			return nil, &Error{Pos: Pos{File: name}, Msg: msg}
		}
		text = string(data)
		cfg.File = name
		p.incl = []string{name}
		cfg.Includes = append(cfg.Includes, Included{File: name})
	}
	cfg.Main.Pos = Pos{File: name, Line: 1}

	if err := p.parseText(name, text); err != nil {
		return nil, err
	}
	if len(opts.After) > 0 {
		if err := p.parseText(AfterName, strings.Join(opts.After, "\n")); err != nil {
			return nil, err
		}
	}
	p.finish()
	if err := p.finishGroups(opts.PythonVersion); err != nil {
		return nil, err
	}
	if err := p.finishSSL(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// finish resolves what can only be resolved once everything is read.
func (p *parser) finish() {
	cfg := p.cfg
	main := cfg.Main

	if main.ServerName == "" {
		h, _ := os.Hostname()
		if h == "" || !p.fs {
			h = "localhost"
		}
		main.ServerName = h
		p.notice("", main.Pos, "ServerName is not set; using %q (set ServerName to silence this)", h)
	}
	if main.DocumentRoot == "" {
		main.DocumentRoot = filepath.Join(cfg.ServerRoot, "htdocs")
	}
	main.Dir = Merge(nil, main.Dir)
	if main.TraceEnable == TraceUnset {
		main.TraceEnable = TraceOn
	}
	if cfg.Process.ThreadsPerChild <= 0 {
		cfg.Process.ThreadsPerChild = DefaultThreadsPerChild
	}

	// CustomLog formats: nicknames resolve against every LogFormat read.
	for _, ref := range p.logRefs {
		l := &ref.srv.CustomLogs[ref.i]
		if f, ok := cfg.LogFormats[l.Format]; ok {
			l.Format = f
		} else if !strings.Contains(l.Format, "%") {
			p.notice("", l.Pos, "CustomLog: %q is not a LogFormat nickname; used as a literal format", l.Format)
		}
	}

	if len(main.AccessFileNames) == 0 {
		main.AccessFileNames = []string{".htaccess"}
	}
	main.AdminLink = adminLink(main.ServerAdmin)
	for _, v := range cfg.VHosts {
		inheritMain(v, main)
	}
	cfg.finishDir(main.Dir)
	for _, v := range cfg.VHosts {
		cfg.finishDir(v.Dir)
	}

	cfg.Mime = maps.Clone(builtinMime)
	if p.typesSet {
		maps.Copy(cfg.Mime, p.typesFile)
	} else if p.fs {
		if m, err := readMimeTypes(defaultTypesConfig); err == nil {
			for k, v := range m {
				if _, ok := cfg.Mime[k]; !ok {
					cfg.Mime[k] = v
				}
			}
		}
	}

	cfg.lk = newLookupState(cfg, p.vhAddrs)
}

// inheritMain gives the virtual host v what it does not set itself of the
// main server's configuration, as Apache does when it finishes reading
// the configuration. A field that is not inherited is listed, with the
// reason, in TestInheritMainEveryField.
func inheritMain(v, main *Server) {
	if v.ServerName == "" {
		// The port comes with the name: a vhost's own ServerName without
		// one means the default port, as in Apache.
		v.ServerName = main.ServerName
		if v.Port == 0 {
			v.Port = main.Port
		}
	}
	if len(v.AccessFileNames) == 0 {
		v.AccessFileNames = main.AccessFileNames
	}
	if v.UserDir == nil {
		v.UserDir = main.UserDir
	}
	if v.ServerAdmin == "" {
		v.ServerAdmin = main.ServerAdmin
	}
	v.AdminLink = adminLink(v.ServerAdmin)
	if v.DocumentRoot == "" {
		v.DocumentRoot = main.DocumentRoot
	}
	if v.ErrorLog == "" {
		v.ErrorLog = main.ErrorLog
	}
	if v.ErrorLogArg == "" {
		v.ErrorLogArg = main.ErrorLogArg
	}
	if v.ErrorLogPos == (Pos{}) {
		v.ErrorLogPos = main.ErrorLogPos
	}
	if v.LogLevel == "" {
		v.LogLevel, v.Level = main.LogLevel, main.Level
	}
	if len(v.CustomLogs) == 0 && len(main.CustomLogs) > 0 {
		v.CustomLogs = append([]CustomLog(nil), main.CustomLogs...)
	}
	v.SSL = mergeSSLServer(main.SSL, v.SSL)
	if v.PythonConnectionHandler == nil {
		v.PythonConnectionHandler = main.PythonConnectionHandler
	}
	v.HTTP2 = v.HTTP2.inherit(main.HTTP2)
	if v.TraceEnable == TraceUnset {
		v.TraceEnable = main.TraceEnable
	}
	if len(main.Aliases) > 0 {
		v.Aliases = append(v.Aliases[:len(v.Aliases):len(v.Aliases)], main.Aliases...)
	}
	if len(main.Redirects) > 0 {
		v.Redirects = append(v.Redirects[:len(v.Redirects):len(v.Redirects)], main.Redirects...)
	}
	if len(main.WSGIAliases) > 0 {
		v.WSGIAliases = append(v.WSGIAliases[:len(v.WSGIAliases):len(v.WSGIAliases)], main.WSGIAliases...)
	}
	v.SetEnvIf = appendRules(main.SetEnvIf, v.SetEnvIf)
	if v.RemoteIPHeader == "" {
		v.RemoteIPHeader = main.RemoteIPHeader
	}
	if v.RemoteIPProxiesHeader == "" {
		v.RemoteIPProxiesHeader = main.RemoteIPProxiesHeader
	}
	if v.RemoteIPProxies == nil {
		v.RemoteIPProxies = main.RemoteIPProxies
	}
	if v.Deflate == nil {
		v.Deflate = main.Deflate
	}
	v.Dir = Merge(main.Dir, v.Dir)
}
