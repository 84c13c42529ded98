package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"time"

	"modpy/internal/loglevel"
)

// Pos is where a directive or section was written.
type Pos struct {
	File string
	Line int
}

// String formats the position as file:line.
func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Error is a configuration error. Its message names the file, the line and
// the directive: "site.conf:12: PythonHandler: takes at least one argument".
type Error struct {
	Pos       Pos
	Directive string
	Msg       string
	// Forbidden: an access file could not be read (Apache answers 403,
	// not 500).
	Forbidden bool
	// Syntax: Msg is httpd's whole text for the error, and Error prints
	// it in httpd's layout, "AH00526: Syntax error on line N of FILE:
	// Msg" (the DocumentRoot check's).
	Syntax bool
}

// Error formats the error as file:line: directive: message (or httpd's
// layout, for a Syntax error).
func (e *Error) Error() string {
	if e.Syntax {
		return fmt.Sprintf("AH00526: Syntax error on line %d of %s: %s", e.Pos.Line, e.Pos.File, e.Msg)
	}
	if e.Directive == "" {
		return fmt.Sprintf("%s: %s", e.Pos, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.Pos, e.Directive, e.Msg)
}

// Notice is something the server logs once at startup: a directive accepted
// but not acted on, or a Listen/VirtualHost/Require dropped by a false
// <IfModule>.
type Notice struct {
	Pos Pos
	Msg string
}

// String formats the notice as "(file:line) message".
func (n Notice) String() string { return fmt.Sprintf("(%s) %s", n.Pos, n.Msg) }

// Config is a whole configuration, parsed, checked and resolved. It is
// immutable once Load returns; the server reads it from many goroutines.
type Config struct {
	// ServerRoot is the absolute directory relative paths are resolved against.
	ServerRoot string
	// File is the absolute path of the main config file ("" for the built-in
	// zero-config).
	File string
	// Defines holds the -D names and Define'd names.
	Defines map[string]bool
	// DefineList is Defines in the order they were defined (-D first,
	// then Define; UnDefine removes), with the value of those given one:
	// what -t -D DUMP_RUN_CFG prints.
	DefineList []KV
	// Includes are the configuration files read, in order: the main file
	// (Depth 0), then each file Include or IncludeOptional read, with
	// the line of its Include (in the including file) and its depth:
	// what -t -D DUMP_INCLUDES prints.
	Includes []Included
	// Modules holds the module names <IfModule> tests against: the ones modpy
	// provides natively plus every LoadModule'd one ("python_module" and
	// "mod_python.c" forms are both present).
	Modules map[string]bool

	Listen  []Listen
	Main    *Server   // the main server: directives outside any <VirtualHost>
	VHosts  []*Server // in config order
	Process Process

	// PythonImports in config order, main server and virtual hosts alike.
	PythonImports  []PythonImport
	PythonOptimize bool

	// WSGIImports are WSGIImportScript directives (and the scripts of
	// WSGIScriptAliases that name both process-group= and a fixed
	// application-group=), in config order: loaded when a worker starts.
	WSGIImports []WSGIImport
	// WSGIPythonPath are WSGIPythonPath's directories, absolute, in
	// order: added to every interpreter's sys.path with site.addsitedir.
	WSGIPythonPath []string
	// WSGIPythonHome is WSGIPythonHome's directory ("" when unset): a
	// virtual environment, or a Python prefix.
	WSGIPythonHome string

	// Groups are the WSGIDaemonProcess process groups, in config order
	// (mod_wsgi_daemon.go).
	Groups []*ProcessGroup
	// RestrictEmbedded is WSGIRestrictEmbedded On: Python that would run
	// in a worker (not in a group) is refused with a 500.
	RestrictEmbedded bool
	// UserDirProcess is PythonUserDirProcess On's template (nil: Off):
	// each UserDir user's Python runs in a group "~user" of its own, as
	// that user. UserDirMinUid (default 1000) is the lowest uid served so.
	UserDirProcess *ProcessGroup
	UserDirMinUid  int
	// pythonVersion is LoadOptions.PythonVersion, for Check.
	pythonVersion string

	// Mime maps a lower-case extension without its dot to a media type,
	// from TypesConfig (default /etc/mime.types when it exists).
	Mime map[string]string
	// LogFormats maps a LogFormat nickname to its format string. The
	// nicknames "common", "combined", "vhost_combined" and "referer"/"agent"
	// are predefined. LogFormat inside a <VirtualHost> also lands here: the
	// nicknames are global in modpy.
	LogFormats map[string]string

	PidFile string
	User    string
	Group   string

	// ServerTokens is how much the Server header (and ServerSignature's
	// footer) says about the server; the zero value is Apache's default,
	// Full.
	ServerTokens ServerTokens

	Notices []Notice

	// lk holds the request-time indexes and the merge cache, built by Load.
	// A Config assembled by hand has none; lookups then work uncached.
	lk *lookupState
	// overrides: some <Directory> has an AllowOverride other than None,
	// so lookups read access files (DirConfigAccess).
	overrides bool
}

// UserDir is the UserDir directives of a server, as mod_userdir keeps them.
type UserDir struct {
	// Dirs are where /~user/ maps, tried in order: a name relative to the
	// user's home ("public_html"), an absolute path with "*" standing for
	// the user ("/srv/www/*/html"), or an absolute path the user's name is
	// appended to ("/srv/users").
	Dirs []string
	// Disabled: "UserDir disabled" with no names; then only Enabled users
	// map. DisabledUsers never map.
	Disabled      bool
	Enabled       []string
	DisabledUsers []string
}

// Allows reports whether user's /~user/ URLs map.
func (u *UserDir) Allows(user string) bool {
	if u == nil || len(u.Dirs) == 0 {
		return false
	}
	for _, d := range u.DisabledUsers {
		if d == user {
			return false
		}
	}
	if !u.Disabled {
		return true
	}
	for _, e := range u.Enabled {
		if e == user {
			return true
		}
	}
	return false
}

// Listen is one Listen directive.
type Listen struct {
	// Addr is "host:port" with host possibly empty ("":8080 means every
	// address), ready for net.Listen.
	Addr  string
	Proto string
	Pos   Pos
}

// Process holds the MPM and connection directives that apply to the whole
// server. A zero value means "not set": the server picks the default.
type Process struct {
	StartServers int
	ServerLimit  int
	// ThreadsPerChild bounds the threads running Python at once in a
	// worker; never 0 after Load (DefaultThreadsPerChild).
	ThreadsPerChild        int
	MaxRequestWorkers      int
	MaxConnectionsPerChild int
	// MaxMemoryPerChild (modpy's): recycle a worker whose resident memory
	// passes this many bytes; 0 = never.
	MaxMemoryPerChild int64
	MinSpareThreads   int
	MaxSpareThreads   int
	MinSpareServers   int // prefork's names, kept apart for the server to map
	MaxSpareServers   int
	// GracefulShutdownTimeout bounds a worker's drain (graceful-stop,
	// graceful restart, recycling): past it the connections still open
	// are closed; 0 = no limit.
	GracefulShutdownTimeout time.Duration

	Timeout              time.Duration // I/O timeout, default 60s
	KeepAlive            bool          // default true
	KeepAliveTimeout     time.Duration // default 5s
	MaxKeepAliveRequests int           // default 100; 0 = unlimited

	LimitRequestLine      int // default 8190
	LimitRequestFieldSize int // default 8190
	LimitRequestFields    int // default 100

	// RequestReadTimeout is mod_reqtimeout's: nil (Timeout alone) unless
	// the configuration loads reqtimeout_module or uses the directive;
	// then the stages it does not name have DefaultReadTimeouts.
	RequestReadTimeout *ReadTimeouts
}

// Server is the main server or one <VirtualHost>.
type Server struct {
	Pos       Pos // position of <VirtualHost>, or of the main config file line 1
	IsVirtual bool
	// Addrs are the <VirtualHost> arguments as written: "*:80",
	// "127.0.0.1:8080", "*", "_default_:443".
	Addrs []string

	// ServerName is the host only, no scheme or port. Load fills it in: a
	// vhost without one gets the main server's, and the main server's
	// defaults to the machine's host name (with a Notice).
	ServerName    string
	ServerAliases []string
	Port          int // the port from ServerName, if given; a vhost without ServerName has the main server's
	ServerAdmin   string
	// ServerPath is the URL-path prefix that sends a request without a
	// Host header to this name-based virtual host (not inherited).
	ServerPath string
	// SSIStartTag and SSIEndTag are mod_include's; "" is its default
	// ("<!--#", "-->"). Not inherited: Apache merges no server config
	// of mod_include.
	SSIStartTag, SSIEndTag string
	DocumentRoot           string // absolute
	// AdminLink is the href of ServerSignature EMail's link to
	// ServerAdmin: ServerAdmin itself when it is a URL (as Apache's
	// ap_is_url decides), else "mailto:" and it. Load sets it.
	AdminLink string

	// ErrorLog is a file path, "|command" or "syslog[:facility]". A vhost
	// without one gets the main server's; "" on the main server means the
	// server's default (standard error).
	ErrorLog string
	// ErrorLogArg is ErrorLog's argument as written, before ServerRoot is
	// prefixed (mod_python's server.error_fname); inherited with ErrorLog.
	ErrorLogArg string
	// ErrorLogPos is where the ErrorLog directive is (zero without one),
	// for the errors about its file; inherited with ErrorLog.
	ErrorLogPos Pos
	// LogLevel is the LogLevel word as written, lower-case: "warn" by
	// default; a vhost without one gets the main server's. Level is its
	// level (trace1 to trace8 are loglevel.Debug), inherited with it.
	LogLevel string
	Level    loglevel.Level
	// CustomLogs of this server; a vhost with none gets the main server's.
	CustomLogs []CustomLog

	// Aliases are Alias and AliasMatch in config order. On a vhost they are
	// its own followed by the main server's (mod_alias's merge).
	Aliases []Alias
	// Redirects at server or vhost level, in config order; on a vhost its
	// own followed by the main server's.
	Redirects []Redirect
	// WSGIAliases are WSGIScriptAlias and WSGIScriptAliasMatch in config
	// order; on a vhost its own followed by the main server's (mod_wsgi).
	WSGIAliases []WSGIAlias

	// AccessFileNames are AccessFileName's names (default .htaccess); a
	// vhost without the directive has the main server's.
	AccessFileNames []string
	// UserDir is mod_userdir's setting; nil = no UserDir directive (no
	// /~user/ mapping). A vhost without one has the main server's.
	UserDir *UserDir

	// Dir is the per-directory configuration at server or vhost scope
	// (outside any section). For a vhost it is already merged over the main
	// server's.
	Dir *DirConfig
	// Sections are this server's own <Directory>, <DirectoryMatch>, <Files>,
	// <FilesMatch>, <Location> and <LocationMatch> sections, in config
	// order. Lookups on a vhost also see the main server's sections.
	Sections []*Section

	// TraceEnable is how this server answers TRACE. Load sets it on every
	// server: a vhost without the directive has the main server's, and the
	// main server's defaults to TraceOn.
	TraceEnable TraceEnable

	// SSL is mod_ssl's configuration of this server (mod_ssl.go), nil
	// when no SSL directive concerns it; a vhost's is merged over the
	// main server's.
	SSL *SSL

	// PythonConnectionHandler is the PythonConnectionHandler directive of
	// this server (a vhost without one inherits the main server's); nil if
	// none. Its Phase is "PythonConnectionHandler" and its Dir is "".
	PythonConnectionHandler *Handler

	// HTTP2 is Protocols, ProtocolsHonorOrder and mod_http2's server
	// settings (mod_http2.go).
	HTTP2 HTTP2
	// SetEnvIf are mod_setenvif's rules at server or vhost level (outside
	// any section): they run at post_read_request. On a vhost, the main
	// server's, then its own.
	SetEnvIf []*EnvRule
	// mod_remoteip (mod_remoteip.go): RemoteIPHeader and
	// RemoteIPProxiesHeader ("" = unset), the proxies of RemoteIP*Proxy
	// and RemoteIP*ProxyList (nil = none given: every sender is a
	// trusted proxy). A vhost that sets none of one has the main
	// server's.
	RemoteIPHeader        string
	RemoteIPProxiesHeader string
	RemoteIPProxies       []RemoteIPProxy
	// Deflate is mod_deflate's configuration (mod_deflate.go); nil = no
	// Deflate* directive here, so a vhost has the main server's and the
	// main server the defaults.
	Deflate *Deflate

	// idx holds this server's request-time section lists (set by Load).
	idx *serverIndex
}

// CustomLog is one CustomLog (or TransferLog) directive.
type CustomLog struct {
	Target string // file path or "|command"
	Format string // the format string itself, nickname already resolved
	Pos    Pos
}

// Alias is one Alias or AliasMatch directive.
type Alias struct {
	URL   string         // URL prefix (Alias)
	Regex *regexp.Regexp // AliasMatch pattern, nil for Alias
	Path  string         // target path; for AliasMatch may contain $1..$9
	// Script: a ScriptAlias or ScriptAliasMatch, whose files are CGI
	// scripts (the cgi-script handler, ExecCGI or not).
	Script bool
	Pos    Pos
}

// Redirect is one Redirect or RedirectMatch directive.
type Redirect struct {
	Status int            // 301, 302 (the default, set when the directive gives none), 303, 410, ...
	Prefix string         // Redirect: URL-path prefix; "" inside a <Location> given only a URL: the section's own path
	Regex  *regexp.Regexp // RedirectMatch: pattern
	URL    string         // target; empty for 410 (gone); may contain $1..$9
	Pos    Pos
}

// SectionKind tells which kind of section a Section is.
type SectionKind int

// The section kinds, in Apache's merge order.
const (
	SectionDirectory SectionKind = iota
	SectionDirectoryMatch
	SectionFiles
	SectionFilesMatch
	SectionLocation
	SectionLocationMatch
)

// Section is one <Directory>, <DirectoryMatch>, <Files>, <FilesMatch>,
// <Location> or <LocationMatch> (the "~" forms become the Match kinds).
type Section struct {
	Kind SectionKind
	// Path is the argument as written, made absolute for Directory
	// (canonical, no trailing slash except for "/"), raw for Location and
	// Files.
	Path  string
	Regex *regexp.Regexp // the Match kinds and "~" forms
	Conf  *DirConfig
	// Files are <Files>/<FilesMatch> sections nested in this <Directory>.
	Files []*Section
	Pos   Pos

	// id numbers the section within its Config (from 1) for the merge
	// cache; 0 in a Config not made by Load.
	id uint32
}

// RequireOp is how a Require container combines its rules.
type RequireOp uint8

// The containers of mod_authz_core.
const (
	// RequireAny: one rule granting suffices (<RequireAny>, and the
	// implicit container of the Require lines written directly in a
	// section).
	RequireAny RequireOp = iota
	// RequireAll: no rule may deny and at least one must grant.
	RequireAll
	// RequireNone: no rule may grant; it never grants by itself.
	RequireNone
)

// String is the container's name as written: "<RequireAll>".
func (o RequireOp) String() string {
	switch o {
	case RequireAll:
		return "<RequireAll>"
	case RequireNone:
		return "<RequireNone>"
	}
	return "<RequireAny>"
}

// Require is mod_authz_core's authorization configuration: a tree whose
// inner nodes are containers (Provider == "") and whose leaves are Require
// lines. DirConfig.Require is a section's root: a RequireAny holding the
// section's Require lines and containers, or, after an AuthMerging And|Or
// merge, a container (Merged set) holding the outer and inner roots.
type Require struct {
	// Container fields.
	Op     RequireOp
	Rules  []*Require
	Merged bool // made by AuthMerging, not written in the config

	// Require line fields. Provider is "all", "local", "ip", "host",
	// "env", "valid-user", "user", "group" or "wsgi-group": the name as written,
	// lower-case; Kind says which, resolved when the line is read.
	Provider string
	Not      bool           // "Require not ..."
	Granted  bool           // "Require all granted" (false: "all denied")
	Args     []string       // host names (lower-case), variables, users, groups
	Nets     []netip.Prefix // "Require ip", masked
	Pos      Pos

	kind AuthzProvider // Provider, resolved by the parser; see Kind
}

// AuthzProvider is a Require line's provider.
type AuthzProvider uint8

// The providers modpy has, by the module that has them in Apache.
const (
	// AuthzNone: not a Require line (a container), or a provider name
	// modpy does not have.
	AuthzNone      AuthzProvider = iota
	AuthzAll                     // mod_authz_core: "all granted", "all denied"
	AuthzLocal                   // mod_authz_host
	AuthzIP                      // mod_authz_host
	AuthzHost                    // mod_authz_host
	AuthzEnv                     // mod_authz_host
	AuthzValidUser               // mod_authz_user
	AuthzUser                    // mod_authz_user
	AuthzGroup                   // mod_authz_groupfile (modpy reads no group file)
	AuthzWSGIGroup               // mod_wsgi: "wsgi-group", a WSGIAuthGroupScript's groups_for_user
)

// authzProviders maps provider names to providers.
var authzProviders = map[string]AuthzProvider{
	"all": AuthzAll, "local": AuthzLocal, "ip": AuthzIP, "host": AuthzHost, "env": AuthzEnv,
	"valid-user": AuthzValidUser, "user": AuthzUser, "group": AuthzGroup, "wsgi-group": AuthzWSGIGroup,
}

// Kind is the line's provider, which the parser resolved from Provider
// when it read the line; for a Require assembled by hand rather than by
// Load, Provider's name is looked up here. A container's is AuthzNone.
func (r *Require) Kind() AuthzProvider {
	if r.kind != AuthzNone {
		return r.kind
	}
	return authzProviders[r.Provider]
}

// AuthMerge is the AuthMerging directive's value.
type AuthMerge uint8

// AuthMerging's values.
const (
	AuthMergeOff AuthMerge = iota // the inner section's Require replaces the outer
	AuthMergeAnd                  // both must grant (<RequireAll> of the two)
	AuthMergeOr                   // either grants (<RequireAny> of the two)
)

// AccessOrder is mod_access_compat's Order.
type AccessOrder uint8

// Order's values; the zero value is Apache's default, Deny,Allow.
const (
	OrderDenyAllow AccessOrder = iota
	OrderAllowDeny
	OrderMutualFailure
)

// Satisfy is mod_access_compat's Satisfy.
type Satisfy uint8

// Satisfy's values; the zero value means not given (which acts as All).
const (
	SatisfyNoSpec Satisfy = iota
	SatisfyAll
	SatisfyAny
)

// Access is mod_access_compat's configuration of one section: Order,
// Allow from, Deny from and Satisfy. As in Apache the module has no merge:
// a section using any of the four directives replaces the whole Access of
// the sections outside it (the others get their defaults: Order
// Deny,Allow, no Allow/Deny lines, Satisfy unset).
type Access struct {
	Order   AccessOrder
	Allow   []AccessRule
	Deny    []AccessRule
	Satisfy Satisfy
	Pos     Pos // the first of the section's four directives
}

// AccessRule is one argument of "Allow from" or "Deny from".
type AccessRule struct {
	All    bool         // "all"
	Env    string       // "env=VAR" (or "env=!VAR" with NotEnv)
	NotEnv bool         //
	Net    netip.Prefix // an address, partial address or network
	Host   string       // a (partial) domain name, lower-case
}

// KV is one ordered key/value pair (SetEnv, PythonOption).
type KV struct {
	Key, Value string
}

// Included is one configuration file Load read.
type Included struct {
	File  string
	Line  int // the line of the Include that read it; 0 for the main file
	Depth int // 0 for the main file, 1 for a file it includes, ...
}

// DirConfig is the per-directory configuration: what a section, .htaccess or
// server scope sets. Pointer and nil-slice fields mean "not set here", so
// Merge can tell an inner "Off" from "unset".
type DirConfig struct {
	SetHandler *string // "none" clears
	// AddHandlers maps ".py" (lower-case, with dot) to a lower-case handler
	// name. In a section's own DirConfig a "" value is a RemoveHandler:
	// Merge then drops the inherited mapping, so merged results never
	// hold "".
	AddHandlers map[string]string
	// AddTypes maps ".ext" to a media type; "" (RemoveType) as for
	// AddHandlers.
	AddTypes map[string]string
	// AddCharsets maps ".ext" to a charset (AddCharset); "" (RemoveCharset)
	// as for AddHandlers.
	AddCharsets map[string]string
	// AddDefaultCharset is the charset added to a text/plain or text/html
	// response that names none; nil = unset, "" = Off.
	AddDefaultCharset *string
	// ServerSignature is the footer of the server's own pages; nil = unset
	// (Off).
	ServerSignature *Signature
	// DirectoryIndex: nil = unset; empty non-nil = "DirectoryIndex disabled".
	DirectoryIndex []string
	// Require is the section's authorization (mod_authz_core), nil when
	// it has no Require; AuthMerging is how it merges with the outer
	// section's (nil = not set here, which acts as Off; not inherited).
	Require     *Require
	AuthMerging *AuthMerge
	// Access is mod_access_compat's Order/Allow/Deny/Satisfy; nil = not
	// set here. Merge replaces it as a whole (Apache has no merge for it).
	Access   *Access
	SetEnv   []KV
	PassEnv  []string
	UnsetEnv []string
	// ErrorDocuments maps a status to "/local/url", "http://..." or
	// "\"text" (a leading double quote marks a message). "default" in a
	// section's own DirConfig restores the built-in page: Merge drops the
	// inherited entry.
	ErrorDocuments map[int]string
	// LimitRequestBody in bytes; nil = unset; 0 = unlimited.
	LimitRequestBody *int64
	// AllowOverride is what .htaccess files in this <Directory> may set;
	// nil = unset (Apache 2.4's default: None).
	AllowOverride *Override
	// Options is the absolute Options setting; nil = unset (Apache's
	// default is FollowSymLinks). A DirConfig returned by Merge or by the
	// lookups always has the relative forms folded in here.
	Options *Options
	// OptionsAdd and OptionsRemove hold a relative "Options +X -Y" of a
	// section that has no absolute Options; Merge applies them to the
	// inherited options.
	OptionsAdd    *Options
	OptionsRemove *Options
	AuthType      *string
	AuthName      *string
	// Redirects are Redirect/RedirectMatch inside a section. Merge puts the
	// inner section's first, then the inherited ones (mod_alias's order),
	// so the most specific section's redirect is tried first.
	Redirects []Redirect

	// Handlers holds the Python*Handler directives by phase directive name
	// ("PythonHandler", "PythonFixupHandler", ...). Within one section
	// repeated directives append; across sections an inner list replaces
	// the outer one for that phase (mod_python's merge).
	Handlers map[string][]Handler

	PythonPath               *string
	PythonOptions            []KV // a key set twice keeps the last value; "" values kept (get_options drops them)
	PythonDebug              *bool
	PythonAutoReload         *bool
	PythonInterpreter        *string
	PythonInterpPerDirectory *bool
	PythonInterpPerDirective *bool
	PythonEnablePdb          *bool
	// Interpreter lifecycle (modpy's own directives; nil = unset).
	PythonInterpMaxRequests  *int           // end the interpreter after N requests
	PythonInterpIdleTimeout  *time.Duration // end it when unused that long
	PythonInterpReload       *bool          // end and recreate it when the site's .py files change
	PythonRequestTimeout     *time.Duration // interrupt a handler running longer (504)
	PythonInterpQueueTimeout *time.Duration // 503 after waiting that long for a thread
	PythonInputFilters       []Filter
	PythonOutputFilters      []Filter
	AddOutputFilters         map[string][]string // ".ext" → filter names
	SetOutputFilter          []string
	AddInputFilters          map[string][]string
	SetInputFilter           []string
	// mod_include (nil or "": unset).
	XBitHack            string  // "off", "on" or "full"
	SSIErrorMsg         *string // the text an element that fails puts in the page
	SSITimeFormat       *string // strftime format of the dates
	SSIUndefinedEcho    *string // what echo shows for an unset variable
	SSILegacyExprParser *bool
	SSILastModified     *bool
	SSIETag             *bool

	// mod_wsgi's per-directory settings (nil = unset).
	// WSGIApplicationGroup is the group template: "" for %{GLOBAL}, else
	// as written (%{SERVER}, %{RESOURCE}, %{HOST}, %{ENV:NAME} are
	// expanded per request); unset is %{RESOURCE}.
	WSGIApplicationGroup  *string
	WSGICallableObject    *string // default "application"
	WSGIPassAuthorization *bool   // default Off
	WSGIScriptReloading   *bool   // default On
	WSGIChunkedRequest    *bool   // default Off
	WSGIErrorOverride     *bool   // default Off
	// ProcessGroup is WSGIProcessGroup (or PythonProcessGroup) as written:
	// "%{GLOBAL}" runs the section's Python in the workers, %{ENV:NAME},
	// %{SERVER} and %{RESOURCE} are expanded per request; nil = unset.
	ProcessGroup *string
	// mod_wsgi's auth scripts (mod_wsgi_auth.go; nil = unset).
	WSGIAccessScript    *WSGIAuthScript
	WSGIAuthUserScript  *WSGIAuthScript
	WSGIAuthGroupScript *WSGIAuthScript
	// AuthBasicProvider are AuthBasicProvider's providers, lower-case, in
	// order (nil = unset: Apache's "file").
	AuthBasicProvider []string
	// AuthBasicAuthoritative (nil = unset: On): Off lets a user no
	// provider knows (or a provider's failure) go on to the next
	// authentication module, of which modpy has none.
	AuthBasicAuthoritative *bool
	// AuthUserFile (mod_authn_file) and AuthGroupFile
	// (mod_authz_groupfile) are absolute paths; nil = unset.
	AuthUserFile  *string
	AuthGroupFile *string
	// CGIScriptTimeout (mod_cgi; CGIDScriptTimeout, mod_cgid's) is how
	// long a CGI script may go without output; nil = unset (Timeout).
	// CGIPassAuth (core) passes Authorization to CGI scripts as
	// HTTP_AUTHORIZATION; nil = unset (Off).
	CGIScriptTimeout *time.Duration
	CGIPassAuth      *bool
	// H2Upgrade is mod_http2's H2Upgrade (nil = unset: on for plain
	// connections, off over TLS; mod_http2.go).
	H2Upgrade *bool
	// mod_ssl's per-directory settings (mod_ssl.go; nil = unset).
	SSLOptions      *SSLOptions
	SSLVerifyClient *SSLDirVerify
	SSLRequireSSL   bool // SSLRequireSSL: refuse (403) requests not on TLS

	// SetEnvIf are mod_setenvif's rules in sections and .htaccess (run at
	// header_parser): the outer sections', then the inner's.
	SetEnvIf []*EnvRule
	// mod_headers: RequestHeader, Header (onsuccess) and Header always
	// lines, the outer sections' first (mod_headers.go).
	RequestHeader []*HeaderOp
	Header        []*HeaderOp
	HeaderAlways  []*HeaderOp
	// mod_expires (nil = unset): ExpiresActive, ExpiresDefault, and
	// ExpiresByType by lower-case media type ("text/*" for a wildcard).
	ExpiresActive  *bool
	ExpiresDefault *ExpiresCode
	ExpiresByType  map[string]ExpiresCode
	// ExpiresWildcards is whether a "type/*" ExpiresByType is looked at:
	// set by every section with an Expires* directive (true when it has
	// a wildcard of its own), so, as in Apache, a section with Expires*
	// directives but no wildcard hides the outer sections' wildcards.
	ExpiresWildcards *bool
	// FilterByType is mod_filter's AddOutputFilterByType: filter name
	// (upper-case) → the media types it runs for.
	FilterByType map[string][]string
	// Autoindex is mod_autoindex's configuration (mod_autoindex.go); nil
	// = unset.
	Autoindex *Autoindex

	// fin is what requests read of a merged DirConfig, worked out when
	// Load or a lookup made it (resolved.go); nil otherwise.
	fin *resolved
}

// ServerTokens is the ServerTokens setting: how much the Server header
// says.
type ServerTokens uint8

// ServerTokens' values, from most to least said. TokensFull is the default.
const (
	TokensFull    ServerTokens = iota // modpy/0.1.0 (Unix) Python/3.11.2
	TokensOS                          // modpy/0.1.0 (Unix)
	TokensMinimal                     // modpy/0.1.0
	TokensMinor                       // modpy/0.1
	TokensMajor                       // modpy/0
	TokensProd                        // modpy
)

// TraceEnable is the TraceEnable setting.
type TraceEnable uint8

// TraceEnable's values. TraceUnset appears only on a Server not made by
// Load.
const (
	TraceUnset    TraceEnable = iota
	TraceOn                   // TRACE is echoed, a request body refused (413)
	TraceOff                  // TRACE is answered 405
	TraceExtended             // TRACE is echoed with its body (up to 64 KiB)
)

// Signature is the ServerSignature setting.
type Signature uint8

// Signature's values.
const (
	SignatureOff   Signature = iota
	SignatureOn              // "<address>modpy/0.1.0 Server at host Port 80</address>"
	SignatureEMail           // the same, the host name a mailto: link to ServerAdmin
)

// Options are the Options directive's flags.
type Options struct {
	Indexes        bool
	FollowSymLinks bool
	ExecCGI        bool
	Includes       bool
	MultiViews     bool
	// SymLinksIfOwnerMatch: the directory walk follows a symbolic link
	// only when the link and its target have the same owner (even with
	// FollowSymLinks, as in Apache). See Config.DirConfigAccess.
	SymLinksIfOwnerMatch bool
	// IncludesExec: "Includes" (not "IncludesNOEXEC") set Includes, so
	// server-side includes may run code (mod_python's #python element;
	// #exec is refused all the same: modpy's mod_include has no exec).
	IncludesExec bool
}

// Handler is one handler named by a Python*Handler directive. A directive
// naming several handlers yields several Handlers.
type Handler struct {
	Phase string   // "PythonHandler", "PythonAccessHandler", ...
	Spec  string   // "module", "module::func" or "module::obj.attr"
	Exts  []string // from "| .ext .ext2", lower-case with the dot; nil = any
	// Dir is where the directive was found: the <Directory> path with a
	// trailing "/", the raw <Location> path, or "" at server/vhost level.
	// PythonInterpPerDirective names interpreters after it, and (for
	// directory contexts) it is the handler module's directory.
	Dir string
	// DirPattern: Dir is a <Directory> wildcard or a regex, to be resolved
	// against the request's file at request time.
	DirPattern bool
	InLocation bool
	Silent     bool // from PythonHandlerModule: a missing function is not an error
	Pos        Pos
}

// Filter is one PythonInputFilter or PythonOutputFilter.
type Filter struct {
	Spec string // handler spec
	Name string // filter name, defaults to Spec
	Dir  string
	Pos  Pos
}

// PythonImport is one PythonImport directive.
type PythonImport struct {
	Module      string // module name
	Func        string // "" when no ::func
	Interpreter string
	InVHost     bool
	Pos         Pos
}

// WSGIAlias is one WSGIScriptAlias or WSGIScriptAliasMatch.
type WSGIAlias struct {
	URL   string         // WSGIScriptAlias: the URL prefix
	Regex *regexp.Regexp // WSGIScriptAliasMatch: the pattern, nil for WSGIScriptAlias
	// Path is the script (or a directory holding scripts, with a trailing
	// "/"), absolute; for WSGIScriptAliasMatch it may hold $1..$9.
	Path string
	// The options: ApplicationGroup is nil when not given ("" for
	// %{GLOBAL}); CallableObject "" when not given; PassAuthorization nil
	// when not given. Given, they beat the directory's WSGI* directives.
	ApplicationGroup  *string
	CallableObject    string
	PassAuthorization *bool
	// ProcessGroup is process-group= ("" when not given).
	ProcessGroup string
	Pos          Pos
}

// WSGIImport is one WSGIImportScript: a script loaded into an
// application group's interpreter when a worker starts.
type WSGIImport struct {
	Script string
	Group  string // "" for %{GLOBAL}: the main interpreter
	// ProcessGroup is process-group= ("" for the workers).
	ProcessGroup string
	Pos          Pos
}
