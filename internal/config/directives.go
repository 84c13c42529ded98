package config

import (
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"modpy/internal/request"
)

// directive is one row of the directive table.
type directive struct {
	name     string // canonical spelling
	ctx      ctxMask
	min, max int    // argument counts; max < 0 = no limit
	usage    string // argument synopsis for error messages
	// fn acts on the directive. When nil the directive is accepted, not
	// acted on, and note is logged once as a Notice.
	fn   func(p *parser, c *call) error
	note string
	// override is the AllowOverride class that lets the directive into a
	// .htaccess file (Apache's req_override); 0: not allowed there (a
	// server-level or <Directory>-only directive). mod_python's Python*
	// directives are OR_ALL: any class lets them in. modpy's own
	// interpreter-lifecycle directives stay in the main configuration:
	// they spend the server's resources.
	override Override
}

// call is one directive occurrence being run.
type call struct {
	d    *directive
	args []string
	pos  Pos
	srv  *Server    // the server the directive is in
	sec  *Section   // the innermost per-directory section, nil at server level
	conf *DirConfig // sec.Conf, or srv.Dir at server/vhost level
	ctx  ctxMask
	hdir string // Handler.Dir for handlers defined here
	// hdirPattern: hdir is a wildcard or regex (Handler.DirPattern)
	hdirPattern bool
	inLoc       bool
}

func (c *call) errf(format string, a ...any) error {
	return &Error{Pos: c.pos, Directive: c.d.name, Msg: fmt.Sprintf(format, a...)}
}

// Handler phase names: the Python*Handler directives, which are also the
// keys of DirConfig.Handlers. They are the names of internal/request's
// phase table, the one place phases are described.
var (
	PhasePostReadRequest = request.PhasePostReadRequest.Name()
	PhaseTrans           = request.PhaseTrans.Name()
	PhaseHeaderParser    = request.PhaseHeaderParser.Name()
	PhaseInit            = request.PhaseInit.Name()
	PhaseAccess          = request.PhaseAccess.Name()
	PhaseAuthen          = request.PhaseAuthen.Name()
	PhaseAuthz           = request.PhaseAuthz.Name()
	PhaseType            = request.PhaseType.Name()
	PhaseFixup           = request.PhaseFixup.Name()
	PhaseHandler         = request.PhaseHandler.Name()
	PhaseLog             = request.PhaseLog.Name()
	PhaseCleanup         = request.PhaseCleanup.Name()
	PhaseConnection      = request.PhaseConnection.Name()
)

// RequestPhases are the twelve request phase keys (request.RequestPhases),
// in the order Apache runs them (PythonInitHandler runs first within
// post-read-request or header-parser). PythonHandlerModule registers under
// every one of them.
var RequestPhases = phaseNames(request.RequestPhases)

func phaseNames(ps []request.Phase) []string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name()
	}
	return names
}

// Notice texts shared by several rows.
const (
	noteIgnored    = "accepted but not acted on by modpy"
	noteAutoindex  = "directory listings (mod_autoindex) are not produced by modpy; directive ignored"
	noteNegotiate  = "content negotiation is not done by modpy; directive ignored"
	noteSetEnvIf   = "mod_setenvif is not supported by modpy; it sets only protocol variables modpy does not act on; ignored"
	noteCompress   = "response compression is not done by modpy; directive ignored"
	noteMPM        = "not used by modpy's process model; ignored"
	noteAuthnFiles = "modpy does not check passwords itself; use a PythonAuthenHandler"
)

// directiveList is the directive table. Rows with fn == nil are accepted
// with one notice (note) and otherwise ignored: only where ignoring them
// cannot change what is served, to whom, or what it reveals (see
// unsupported.go and docs/compatibility.md).
var directiveList = []*directive{
	// Core server.
	{name: "Listen", ctx: cMain, min: 1, max: 2, usage: "[IP:]port [protocol]", fn: dListen},
	{name: "ServerName", ctx: cServer, min: 1, max: 1, usage: "[scheme://]host[:port]", fn: dServerName},
	{name: "ServerAlias", ctx: cVHost, min: 1, max: -1, usage: "name ...", fn: dServerAlias},
	{name: "ServerRoot", ctx: cMain, min: 1, max: 1, usage: "directory", fn: dServerRoot},
	{name: "DocumentRoot", ctx: cServer, min: 1, max: 1, usage: "directory", fn: dDocumentRoot},
	{name: "ServerAdmin", ctx: cServer, min: 1, max: 1, usage: "email-or-URL", fn: func(p *parser, c *call) error {
		c.srv.ServerAdmin = c.args[0]
		return nil
	}},
	{name: "PidFile", ctx: cMain, min: 1, max: 1, usage: "file", fn: func(p *parser, c *call) error {
		p.cfg.PidFile = p.abs(c.args[0])
		return nil
	}},
	{name: "User", ctx: cMain, min: 1, max: 1, usage: "unix-user", fn: func(p *parser, c *call) error {
		p.cfg.User = c.args[0]
		return nil
	}},
	{name: "Group", ctx: cMain, min: 1, max: 1, usage: "unix-group", fn: func(p *parser, c *call) error {
		p.cfg.Group = c.args[0]
		return nil
	}},
	{name: "LoadModule", ctx: cMain, min: 2, max: 2, usage: "module_name file", fn: dLoadModule},
	{name: "Define", ctx: cAll, min: 1, max: 2, usage: "NAME [value]", fn: dDefine},
	{name: "UnDefine", ctx: cAll, min: 1, max: 1, usage: "NAME", fn: func(p *parser, c *call) error {
		delete(p.cfg.Defines, c.args[0])
		delete(p.vars, c.args[0])
		return nil
	}},
	{name: "Include", ctx: cAll, min: 1, max: 1, usage: "file-path|directory-path|wildcard", fn: func(p *parser, c *call) error {
		return p.include(c.args[0], false, c.pos, c.d.name)
	}},
	{name: "IncludeOptional", ctx: cAll, min: 1, max: 1, usage: "file-path|directory-path|wildcard", fn: func(p *parser, c *call) error {
		return p.include(c.args[0], true, c.pos, c.d.name)
	}},

	// Connection handling (whole server).
	{name: "Timeout", ctx: cServer, min: 1, max: 1, usage: "seconds", fn: dTimeout},
	{name: "KeepAlive", ctx: cServer, min: 1, max: 1, usage: "On|Off", fn: dKeepAlive},
	{name: "KeepAliveTimeout", ctx: cServer, min: 1, max: 1, usage: "seconds", fn: dTimeout},
	{name: "MaxKeepAliveRequests", ctx: cServer, min: 1, max: 1, usage: "number", fn: dServerInt},
	{name: "LimitRequestLine", ctx: cServer, min: 1, max: 1, usage: "bytes", fn: dServerInt},
	{name: "LimitRequestFieldSize", ctx: cServer, min: 1, max: 1, usage: "bytes", fn: dServerInt},
	{name: "LimitRequestFields", ctx: cServer, min: 1, max: 1, usage: "number", fn: dServerInt},

	// MPM.
	{name: "StartServers", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
	{name: "ServerLimit", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
	{name: "ThreadsPerChild", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
	{name: "MaxRequestWorkers", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
	{name: "MaxClients", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
	{name: "MaxConnectionsPerChild", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
	{name: "MaxMemoryPerChild", ctx: cMain, min: 1, max: 1, usage: "size (bytes, or with K, M or G; 0 = never)", fn: dMaxMemory},
	{name: "MaxRequestsPerChild", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
	{name: "MinSpareThreads", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
	{name: "MaxSpareThreads", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
	{name: "MinSpareServers", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
	{name: "MaxSpareServers", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
	{name: "GracefulShutdownTimeout", ctx: cMain, min: 1, max: 1, usage: "seconds (0 = no limit)", fn: func(p *parser, c *call) error {
		n, err := c.number(c.args[0], 0, math.MaxInt32)
		if err != nil {
			return err
		}
		p.cfg.Process.GracefulShutdownTimeout = time.Duration(n) * time.Second
		return nil
	}},

	// Logging.
	{name: "ErrorLog", ctx: cServer, min: 1, max: 1, usage: "file|\"|command\"|syslog[:facility]", fn: func(p *parser, c *call) error {
		c.srv.ErrorLog = p.logTarget(c.args[0])
		return nil
	}},
	{name: "LogLevel", ctx: cAll, min: 1, max: -1, usage: "level [module:level ...]", fn: dLogLevel},
	{name: "LogFormat", ctx: cServer, min: 1, max: 2, usage: "format [nickname]", fn: dLogFormat},
	{name: "CustomLog", ctx: cServer, min: 2, max: 3, usage: "file|\"|command\" format|nickname [env=[!]var]", fn: dCustomLog},
	{name: "TransferLog", ctx: cServer, min: 1, max: 1, usage: "file|\"|command\"", fn: dCustomLog},

	// mod_alias.
	{name: "Alias", ctx: cServer, min: 2, max: 2, usage: "URL-path file-or-directory", fn: dAlias},
	{name: "AliasMatch", ctx: cServer, min: 2, max: 2, usage: "regex file-or-directory", fn: dAliasMatch},
	{name: "Redirect", ctx: cAll, override: OverrideFileInfo, min: 1, max: 3, usage: "[status] URL-path [URL]", fn: dRedirect},
	{name: "RedirectMatch", ctx: cAll, override: OverrideFileInfo, min: 1, max: 3, usage: "[status] regex [URL]", fn: dRedirect},
	{name: "RedirectPermanent", ctx: cAll, override: OverrideFileInfo, min: 1, max: 2, usage: "URL-path URL", fn: dRedirect},
	{name: "RedirectTemp", ctx: cAll, override: OverrideFileInfo, min: 1, max: 2, usage: "URL-path URL", fn: dRedirect},

	// mod_mime, mod_dir.
	{name: "SetHandler", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, usage: "handler-name|None", fn: dSetHandler},
	{name: "AddHandler", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, usage: "handler-name extension ...", fn: dAddHandler},
	{name: "RemoveHandler", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, usage: "extension ...", fn: dRemoveHandler},
	{name: "AddType", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, usage: "media-type extension ...", fn: dAddType},
	{name: "RemoveType", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, usage: "extension ...", fn: dRemoveHandler},
	{name: "AddCharset", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, usage: "charset extension ...", fn: dAddCharset},
	{name: "RemoveCharset", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, usage: "extension ...", fn: dRemoveHandler},
	{name: "RemoveInputFilter", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, usage: "extension ...", fn: dRemoveFilter},
	{name: "RemoveOutputFilter", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, usage: "extension ...", fn: dRemoveFilter},
	{name: "TypesConfig", ctx: cMain, min: 1, max: 1, usage: "file", fn: dTypesConfig},
	{name: "DirectoryIndex", ctx: cAll, override: OverrideIndexes, min: 1, max: -1, usage: "disabled|local-url ...", fn: dDirectoryIndex},
	{name: "AddOutputFilter", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, usage: "filter[;filter...] extension ...", fn: dAddFilter},
	{name: "AddInputFilter", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, usage: "filter[;filter...] extension ...", fn: dAddFilter},
	{name: "SetOutputFilter", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, usage: "filter[;filter...]", fn: dSetFilter},
	{name: "SetInputFilter", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, usage: "filter[;filter...]", fn: dSetFilter},

	// Per-directory core.
	{name: "Options", ctx: cAll, override: OverrideOptions, min: 1, max: -1, usage: "[+|-]option ...", fn: dOptions},
	{name: "LimitRequestBody", ctx: cAll, min: 1, max: 1, usage: "bytes", fn: dLimitRequestBody},
	{name: "ErrorDocument", ctx: cAll, override: OverrideFileInfo, min: 2, max: 2, usage: "status URL|\"text\"|default", fn: dErrorDocument},
	{name: "AllowOverride", ctx: cDir, min: 1, max: -1, usage: "All|None|directive-type ...", fn: dAllowOverride},
	{name: "AllowOverrideList", ctx: cDir, min: 1, max: -1, usage: "None|directive ...", fn: dAllowOverrideList},

	// Access control and authentication.
	{name: "Require", ctx: cSections, override: OverrideAuthConfig, min: 1, max: -1, usage: "[not] all granted|all denied|local|ip ...|host ...|env ...|valid-user|user ...|group ...", fn: dRequire},
	{name: "AuthType", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, usage: "None|Basic|Digest|Form", fn: func(p *parser, c *call) error {
		c.conf.AuthType = ptr(c.args[0])
		return nil
	}},
	{name: "AuthName", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, usage: "realm", fn: func(p *parser, c *call) error {
		c.conf.AuthName = ptr(c.args[0])
		return nil
	}},
	{name: "Order", ctx: cSections, override: OverrideLimit, min: 1, max: 1, usage: "allow,deny|deny,allow|mutual-failure", fn: dOrder},
	{name: "Allow", ctx: cSections, override: OverrideLimit, min: 2, max: -1, usage: "from all|host|ip|ip/mask|env=[!]VAR ...", fn: dAllowDeny},
	{name: "Deny", ctx: cSections, override: OverrideLimit, min: 2, max: -1, usage: "from all|host|ip|ip/mask|env=[!]VAR ...", fn: dAllowDeny},
	{name: "Satisfy", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, usage: "Any|All", fn: dSatisfy},

	// mod_env.
	{name: "SetEnv", ctx: cAll, override: OverrideFileInfo, min: 1, max: 2, usage: "variable [value]", fn: dSetEnv},
	{name: "PassEnv", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, usage: "variable ...", fn: dPassEnv},
	{name: "UnsetEnv", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, usage: "variable ...", fn: dUnsetEnv},

	// mod_python.
	{name: PhasePostReadRequest, ctx: cServer, min: 1, max: -1, usage: "handler ...", fn: dPyHandler},
	{name: PhaseTrans, ctx: cServer, min: 1, max: -1, usage: "handler ...", fn: dPyHandler},
	{name: PhaseHeaderParser, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
	{name: PhaseInit, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
	{name: PhaseAccess, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
	{name: PhaseAuthen, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
	{name: PhaseAuthz, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
	{name: PhaseType, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
	{name: PhaseFixup, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
	{name: PhaseHandler, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
	{name: PhaseLog, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
	{name: PhaseCleanup, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
	{name: "PythonHandlerModule", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "module", fn: dPyHandlerModule},
	{name: PhaseConnection, ctx: cServer, min: 1, max: 1, usage: "handler", fn: dPyConnection},
	{name: "PythonInputFilter", ctx: cAll, min: 1, max: 2, usage: "handler [name]", fn: dPyFilter},
	{name: "PythonOutputFilter", ctx: cAll, min: 1, max: 2, usage: "handler [name]", fn: dPyFilter},
	{name: "PythonImport", ctx: cServer, min: 2, max: 2, usage: "module[::function] interpreter_name", fn: dPyImport},
	{name: "PythonPath", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "\"python-expression\"", fn: func(p *parser, c *call) error {
		c.conf.PythonPath = ptr(c.args[0])
		return nil
	}},
	{name: "PythonOption", ctx: cAll, override: OverrideAll, min: 1, max: 2, usage: "key [value]", fn: dPyOption},
	{name: "PythonInterpreter", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "name", fn: func(p *parser, c *call) error {
		c.conf.PythonInterpreter = ptr(c.args[0])
		return nil
	}},
	{name: "PythonDebug", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "On|Off", fn: dPyFlag},
	{name: "PythonAutoReload", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "On|Off", fn: dPyFlag},
	{name: "PythonInterpPerDirectory", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "On|Off", fn: dPyFlag},
	{name: "PythonInterpPerDirective", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "On|Off", fn: dPyFlag},
	{name: "PythonEnablePdb", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "On|Off", fn: dPyFlag},
	{name: "PythonOptimize", ctx: cMain, min: 1, max: 1, usage: "On|Off", fn: dPyFlag},
	{name: "PythonInterpReload", ctx: cAll, min: 1, max: 1, usage: "On|Off", fn: dPyFlag},
	{name: "PythonInterpMaxRequests", ctx: cAll, min: 1, max: 1, usage: "number (0 = never)", fn: dPyLifecycle},
	{name: "PythonInterpIdleTimeout", ctx: cAll, min: 1, max: 1, usage: "seconds (0 = never)", fn: dPyLifecycle},
	{name: "PythonRequestTimeout", ctx: cAll, min: 1, max: 1, usage: "seconds (0 = off)", fn: dPyLifecycle},
	{name: "PythonInterpQueueTimeout", ctx: cAll, min: 1, max: 1, usage: "seconds", fn: dPyLifecycle},

	// Accepted, not acted on: core and MPM.
	{name: "Mutex", ctx: cMain, min: 1, max: -1, note: "modpy needs no Apache mutexes; ignored"},
	{name: "ThreadLimit", ctx: cMain, min: 1, max: 1, note: noteMPM},
	{name: "ThreadStackSize", ctx: cMain, min: 1, max: 1, note: noteMPM},
	{name: "MaxMemFree", ctx: cMain, min: 1, max: 1, note: noteMPM},
	{name: "AsyncRequestWorkerFactor", ctx: cMain, min: 1, max: 1, note: noteMPM},
	{name: "ListenBacklog", ctx: cMain, min: 1, max: 1, note: noteIgnored},
	{name: "ListenCoresBucketsRatio", ctx: cMain, min: 1, max: 1, note: noteIgnored},
	{name: "ScoreBoardFile", ctx: cMain, min: 1, max: 1, note: noteMPM},
	{name: "CoreDumpDirectory", ctx: cMain, min: 1, max: 1, note: noteIgnored},
	{name: "DefaultRuntimeDir", ctx: cMain, min: 1, max: 1, note: noteIgnored},
	{name: "EnableExceptionHook", ctx: cMain, min: 1, max: 1, note: noteIgnored},
	{name: "ServerTokens", ctx: cMain, min: 1, max: 1, usage: "Prod|Major|Minor|Minimal|OS|Full", fn: dServerTokens},
	{name: "ServerSignature", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "On|Off|EMail", fn: dServerSignature},
	{name: "TraceEnable", ctx: cServer, min: 1, max: 1, usage: "On|Off|extended", fn: dTraceEnable},
	{name: "HostnameLookups", ctx: cAll, min: 1, max: 1, fn: onlyOrNote("modpy never looks up client host names "+
		"(Require host does its own lookup); ignored", "Off")},
	{name: "UseCanonicalName", ctx: cAll, min: 1, max: 1, fn: only("modpy's self-referential URLs (redirects, "+
		"the signature) always name the host the client asked for", "Off")},
	{name: "UseCanonicalPhysicalPort", ctx: cAll, min: 1, max: 1, fn: only("modpy's self-referential URLs name the port "+
		"the client asked for, else ServerName's", "Off")},
	{name: "EnableSendfile", ctx: cAll, min: 1, max: 1, note: noteIgnored},
	{name: "EnableMMAP", ctx: cAll, min: 1, max: 1, note: noteIgnored},
	{name: "AddDefaultCharset", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, usage: "On|Off|charset", fn: dAddDefaultCharset},
	{name: "DefaultType", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, note: noteIgnored},
	{name: "UserDir", ctx: cServer, min: 1, max: -1, usage: "directory-filename ... | disabled [user ...] | enabled user ...", fn: dUserDir},
	{name: "AccessFileName", ctx: cServer, min: 1, max: -1, usage: "filename ...", fn: func(p *parser, c *call) error {
		for _, a := range c.args {
			if strings.ContainsRune(a, '/') {
				return c.errf("%q: a file name, not a path", a)
			}
		}
		c.srv.AccessFileNames = slices.Clone(c.args)
		return nil
	}},
	{name: "NameVirtualHost", ctx: cMain, min: 1, max: 1, note: "obsolete since Apache 2.4; ignored"},
	{name: "FileETag", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, note: noteIgnored},
	{name: "AcceptFilter", ctx: cMain, min: 2, max: 2, note: noteIgnored},
	{name: "AcceptPathInfo", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, fn: only("modpy answers 404 for a file's URL with "+
		"path info after it (handlers do get path info)", "Default", "Off")},
	{name: "ContentDigest", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, fn: onlyOrNote("Content-MD5 "+
		"headers are not sent by modpy; ignored", "Off")},
	{name: "HttpProtocolOptions", ctx: cServer, min: 1, max: -1, fn: dHTTPProtocolOptions},
	{name: "MergeTrailers", ctx: cServer, min: 1, max: 1, fn: onlyOrNote("modpy does not merge request trailers "+
		"into headers_in; ignored", "Off")},
	{name: "MergeSlashes", ctx: cServer, min: 1, max: 1, fn: only("modpy always merges repeated slashes in the URL "+
		"before matching <Location>", "On")},
	{name: "Protocols", ctx: cServer, min: 1, max: -1, note: noteIgnored},
	{name: "ProtocolsHonorOrder", ctx: cServer, min: 1, max: 1, note: noteIgnored},
	{name: "LimitXMLRequestBody", ctx: cAll, min: 1, max: 1, note: noteIgnored},
	{name: "LimitInternalRecursion", ctx: cServer, min: 1, max: 2, note: "modpy allows 10 internal redirects; ignored"},
	{name: "RLimitCPU", ctx: cAll, min: 1, max: 2, note: noteIgnored},
	{name: "RLimitMEM", ctx: cAll, min: 1, max: 2, note: noteIgnored},
	{name: "RLimitNPROC", ctx: cAll, min: 1, max: 2, note: noteIgnored},
	{name: "MaxRanges", ctx: cAll, min: 1, max: 1, note: noteIgnored},
	{name: "MaxRangeOverlaps", ctx: cAll, min: 1, max: 1, note: noteIgnored},
	{name: "MaxRangeReversals", ctx: cAll, min: 1, max: 1, note: noteIgnored},
	{name: "QualifyRedirectURL", ctx: cAll, min: 1, max: 1, note: noteIgnored},
	{name: "ErrorLogFormat", ctx: cServer, min: 1, max: 2, note: noteIgnored},
	{name: "LoadFile", ctx: cMain, min: 1, max: -1, note: "modpy never loads shared objects; ignored"},
	{name: "SeeRequestTail", ctx: cMain, min: 1, max: 1, note: noteIgnored},
	{name: "ExtendedStatus", ctx: cMain, min: 1, max: 1, note: noteIgnored},
	{name: "BufferedLogs", ctx: cMain, min: 1, max: 1, note: noteIgnored},
	{name: "GlobalLog", ctx: cMain, min: 2, max: 3, note: "not supported by modpy; use CustomLog"},
	{name: "LogIOTrackTTFB", ctx: cAll, min: 1, max: 1, note: noteIgnored},
	{name: "RequestReadTimeout", ctx: cServer, min: 1, max: -1, usage: "handshake|header|body=timeout[-maxtimeout][,MinRate=rate] ...", fn: dRequestReadTimeout},
	{name: "DirectorySlash", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, fn: only("modpy always redirects a directory's URL "+
		"without its slash to the one with it", "On")},
	{name: "DirectoryCheckHandler", ctx: cAll, min: 1, max: 1, fn: only("modpy's directory redirect and DirectoryIndex "+
		"apply only when no handler is set", "Off")},
	{name: "FallbackResource", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, fn: only("not supported by modpy: missing files would "+
		"be 404; use a PythonHandler for the directory", "disabled")},
	{name: "ModMimeUsePathInfo", ctx: cSections, override: OverrideFileInfo, min: 1, max: 1, fn: only("modpy takes handlers "+
		"and types from the file name only", "Off")},
	{name: "MultiviewsMatch", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, note: noteNegotiate},

	// Accepted, not acted on: authentication providers.
	{name: "AuthUserFile", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, note: noteAuthnFiles},
	{name: "AuthGroupFile", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, note: noteAuthnFiles},
	{name: "AuthBasicProvider", ctx: cSections, override: OverrideAuthConfig, min: 1, max: -1, note: noteAuthnFiles},
	{name: "AuthBasicAuthoritative", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, note: noteIgnored},
	{name: "AuthMerging", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, usage: "Off|And|Or", fn: dAuthMerging},
	{name: "AuthzSendForbiddenOnFailure", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, note: noteIgnored},

	// Accepted, not acted on: mod_mime extras, negotiation.
	{name: "AddLanguage", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, note: noteNegotiate},
	{name: "AddEncoding", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, note: noteIgnored},
	{name: "RemoveLanguage", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, note: noteNegotiate},
	{name: "RemoveEncoding", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, note: noteIgnored},
	{name: "DefaultLanguage", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, note: noteNegotiate},
	{name: "LanguagePriority", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, note: noteNegotiate},
	{name: "ForceLanguagePriority", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, note: noteNegotiate},
	{name: "CacheNegotiatedDocs", ctx: cServer, min: 0, max: 1, note: noteNegotiate},
	{name: "MimeMagicFile", ctx: cServer, min: 1, max: 1, note: noteIgnored},

	// Accepted, not acted on: mod_autoindex.
	{name: "IndexOptions", ctx: cAll, override: OverrideIndexes, min: 1, max: -1, note: noteAutoindex},
	{name: "IndexIgnore", ctx: cAll, override: OverrideIndexes, min: 1, max: -1, note: noteAutoindex},
	{name: "IndexIgnoreReset", ctx: cAll, override: OverrideIndexes, min: 1, max: 1, note: noteAutoindex},
	{name: "IndexOrderDefault", ctx: cAll, override: OverrideIndexes, min: 2, max: 2, note: noteAutoindex},
	{name: "IndexStyleSheet", ctx: cAll, override: OverrideIndexes, min: 1, max: 1, note: noteAutoindex},
	{name: "IndexHeadInsert", ctx: cAll, override: OverrideIndexes, min: 1, max: 1, note: noteAutoindex},
	{name: "HeaderName", ctx: cAll, override: OverrideIndexes, min: 1, max: 1, note: noteAutoindex},
	{name: "ReadmeName", ctx: cAll, override: OverrideIndexes, min: 1, max: 1, note: noteAutoindex},
	{name: "AddIcon", ctx: cAll, override: OverrideIndexes, min: 2, max: -1, note: noteAutoindex},
	{name: "AddIconByType", ctx: cAll, override: OverrideIndexes, min: 2, max: -1, note: noteAutoindex},
	{name: "AddIconByEncoding", ctx: cAll, override: OverrideIndexes, min: 2, max: -1, note: noteAutoindex},
	{name: "AddAlt", ctx: cAll, override: OverrideIndexes, min: 2, max: -1, note: noteAutoindex},
	{name: "AddAltByType", ctx: cAll, override: OverrideIndexes, min: 2, max: -1, note: noteAutoindex},
	{name: "AddAltByEncoding", ctx: cAll, override: OverrideIndexes, min: 2, max: -1, note: noteAutoindex},
	{name: "AddDescription", ctx: cAll, override: OverrideIndexes, min: 2, max: -1, note: noteAutoindex},
	{name: "DefaultIcon", ctx: cAll, override: OverrideIndexes, min: 1, max: 1, note: noteAutoindex},

	// mod_setenvif, mod_filter, mod_deflate: accepted only where ignoring them
	// changes nothing served (unsupported.go); mod_expires refused.
	{name: "BrowserMatch", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, fn: dSetEnvIf},
	{name: "BrowserMatchNoCase", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, fn: dSetEnvIf},
	{name: "SetEnvIf", ctx: cAll, override: OverrideFileInfo, min: 3, max: -1, fn: dSetEnvIf},
	{name: "SetEnvIfNoCase", ctx: cAll, override: OverrideFileInfo, min: 3, max: -1, fn: dSetEnvIf},
	{name: "SetEnvIfExpr", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, fn: dSetEnvIf},
	{name: "AddOutputFilterByType", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, fn: dFilterByType},
	{name: "FilterDeclare", ctx: cAll, min: 1, max: 2, note: noteIgnored},
	{name: "FilterProvider", ctx: cAll, min: 3, max: 3, fn: dFilterProvider},
	{name: "FilterChain", ctx: cAll, min: 1, max: -1, note: noteIgnored},
	{name: "FilterProtocol", ctx: cAll, min: 2, max: 3, note: noteIgnored},
	{name: "FilterTrace", ctx: cAll, min: 2, max: 2, note: noteIgnored},
	{name: "DeflateCompressionLevel", ctx: cServer, min: 1, max: 1, note: noteCompress},
	{name: "DeflateBufferSize", ctx: cServer, min: 1, max: 1, note: noteCompress},
	{name: "DeflateMemLevel", ctx: cServer, min: 1, max: 1, note: noteCompress},
	{name: "DeflateWindowSize", ctx: cServer, min: 1, max: 1, note: noteCompress},
	{name: "DeflateFilterNote", ctx: cServer, min: 1, max: 2, note: noteCompress},
	{name: "DeflateInflateLimitRequestBody", ctx: cAll, min: 1, max: 1, note: noteCompress},
	{name: "ExpiresActive", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, fn: only(refuseExpires, "Off")},
}

// directiveTable maps lower-case directive names to their rows.
var directiveTable map[string]*directive

func init() {
	directiveTable = make(map[string]*directive, len(directiveList))
	for _, d := range directiveList {
		k := strings.ToLower(d.name)
		if directiveTable[k] != nil {
			panic("config: directive listed twice: " + d.name)
		}
		directiveTable[k] = d
	}
}

func ptr[T any](v T) *T { return &v }

// onOff parses a flag argument.
func (c *call) onOff(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, c.errf("must be On or Off, not %q", s)
}

// number parses a decimal integer in [lo, hi].
func (c *call) number(s string, lo, hi int64) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, c.errf("%q is not a number", s)
	}
	if n < lo || n > hi {
		if hi == math.MaxInt64 || hi == math.MaxInt32 {
			return 0, c.errf("%d is out of range (must be at least %d)", n, lo)
		}
		return 0, c.errf("%d is out of range (%d to %d)", n, lo, hi)
	}
	return n, nil
}

// logTarget resolves an ErrorLog/CustomLog target: pipes and syslog stay as
// written, file names become absolute.
func (p *parser) logTarget(s string) string {
	if strings.HasPrefix(s, "|") || s == "syslog" || strings.HasPrefix(s, "syslog:") {
		return s
	}
	return p.abs(s)
}

// normExt lower-cases an extension and gives it a leading dot.
func normExt(e string) string {
	e = strings.ToLower(e)
	if !strings.HasPrefix(e, ".") {
		e = "." + e
	}
	return e
}

func dListen(p *parser, c *call) error {
	addr, err := parseListen(c.args[0])
	if err != nil {
		return c.errf("%v", err)
	}
	for _, l := range p.cfg.Listen {
		if l.Addr == addr {
			return c.errf("%s is already listened on (%s)", c.args[0], l.Pos)
		}
	}
	l := Listen{Addr: addr, Pos: c.pos}
	if len(c.args) == 2 {
		l.Proto = strings.ToLower(c.args[1])
	}
	p.cfg.Listen = append(p.cfg.Listen, l)
	return nil
}

// parseListen turns "8080", "1.2.3.4:8080" or "[::1]:8080" into a
// net.Listen address.
func parseListen(s string) (string, error) {
	port := s
	host := ""
	if !isDigits(s) {
		var err error
		host, port, err = net.SplitHostPort(s)
		if err != nil {
			return "", fmt.Errorf("bad address %q (want port, IP:port or [IPv6]:port)", s)
		}
	}
	if _, err := parsePort(port); err != nil {
		return "", fmt.Errorf("bad port in %q: %v", s, err)
	}
	return net.JoinHostPort(host, port), nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parsePort(s string) (int, error) {
	if !isDigits(s) {
		return 0, fmt.Errorf("%q is not a port number", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %s is out of range (1 to 65535)", s)
	}
	return n, nil
}

// parseServerName splits "[scheme://]host[:port]".
func parseServerName(s string) (string, int, error) {
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	host, port := s, ""
	if strings.HasPrefix(s, "[") {
		j := strings.IndexByte(s, ']')
		if j < 0 {
			return "", 0, fmt.Errorf("missing ] in %q", s)
		}
		host = s[1:j]
		if rest := s[j+1:]; rest != "" {
			if rest[0] != ':' {
				return "", 0, fmt.Errorf("bad server name %q", s)
			}
			port = rest[1:]
		}
	} else if strings.Count(s, ":") == 1 {
		host, port, _ = strings.Cut(s, ":")
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return "", 0, fmt.Errorf("empty host name in %q", s)
	}
	n := 0
	if port != "" {
		var err error
		if n, err = parsePort(port); err != nil {
			return "", 0, err
		}
	}
	return host, n, nil
}

func dServerName(p *parser, c *call) error {
	host, port, err := parseServerName(c.args[0])
	if err != nil {
		return c.errf("%v", err)
	}
	c.srv.ServerName, c.srv.Port = host, port
	return nil
}

func dServerAlias(p *parser, c *call) error {
	c.srv.ServerAliases = append(c.srv.ServerAliases, c.args...)
	return nil
}

func dServerRoot(p *parser, c *call) error {
	dir, err := filepath.Abs(c.args[0])
	if err != nil {
		return c.errf("%v", err)
	}
	if p.fs {
		st, err := os.Stat(dir)
		if err != nil || !st.IsDir() {
			return c.errf("%s is not a directory", dir)
		}
	}
	p.root = dir
	p.cfg.ServerRoot = dir
	return nil
}

func dDocumentRoot(p *parser, c *call) error {
	dir := p.abs(c.args[0])
	if p.fs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			p.notice("", c.pos, "DocumentRoot %s does not exist or is not a directory", dir)
		}
	}
	c.srv.DocumentRoot = dir
	return nil
}

func dLoadModule(p *parser, c *call) error {
	name, file := c.args[0], c.args[1]
	p.cfg.Modules[name] = true
	if name == reqtimeoutModule && p.cfg.Process.RequestReadTimeout == nil {
		rt := DefaultReadTimeouts // mod_reqtimeout's, until RequestReadTimeout
		p.cfg.Process.RequestReadTimeout = &rt
	}
	base := filepath.Base(file)
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	if base != "" && base != "." {
		p.cfg.Modules[base+".c"] = true
	}
	if m, ok := strings.CutSuffix(name, "_module"); ok && m != "" {
		p.cfg.Modules["mod_"+m+".c"] = true
	}
	return nil
}

func dDefine(p *parser, c *call) error {
	name := c.args[0]
	if strings.Contains(name, ":") {
		return c.errf("variable name must not contain ':'")
	}
	if name == "" {
		return c.errf("empty name")
	}
	p.cfg.Defines[name] = true
	if len(c.args) == 2 {
		p.vars[name] = c.args[1]
	}
	return nil
}

// parseDuration parses Apache's timeout syntax: a number with an optional
// unit ms, s (default), mi or h.
func parseDuration(s string) (time.Duration, error) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 12 {
		return 0, fmt.Errorf("%q is not a number of seconds", s)
	}
	n, _ := strconv.ParseInt(s[:i], 10, 64)
	var unit time.Duration
	switch strings.ToLower(s[i:]) {
	case "", "s":
		unit = time.Second
	case "ms":
		unit = time.Millisecond
	case "mi":
		unit = time.Minute
	case "h":
		unit = time.Hour
	default:
		return 0, fmt.Errorf("%q: unknown unit (use ms, s, mi or h)", s)
	}
	return time.Duration(n) * unit, nil
}

// serverWide reports whether a whole-server directive inside a vhost must
// be ignored, noting it.
func (p *parser) serverWide(c *call) bool {
	if c.ctx == cVHost {
		p.notice("vhost "+c.d.name, c.pos, "%s inside <VirtualHost> is ignored: modpy applies it to the whole server only", c.d.name)
		return true
	}
	return false
}

func dTimeout(p *parser, c *call) error {
	d, err := parseDuration(c.args[0])
	if err != nil {
		return c.errf("%v", err)
	}
	if p.serverWide(c) {
		return nil
	}
	if c.d.name == "Timeout" {
		p.cfg.Process.Timeout = d
	} else {
		p.cfg.Process.KeepAliveTimeout = d
	}
	return nil
}

func dKeepAlive(p *parser, c *call) error {
	on, err := c.onOff(c.args[0])
	if err != nil {
		return err
	}
	if !p.serverWide(c) {
		p.cfg.Process.KeepAlive = on
	}
	return nil
}

func dServerInt(p *parser, c *call) error {
	n, err := c.number(c.args[0], 0, math.MaxInt32)
	if err != nil {
		return err
	}
	if p.serverWide(c) {
		return nil
	}
	pr := &p.cfg.Process
	switch c.d.name {
	case "MaxKeepAliveRequests":
		pr.MaxKeepAliveRequests = int(n)
	case "LimitRequestLine":
		pr.LimitRequestLine = int(n)
	case "LimitRequestFieldSize":
		pr.LimitRequestFieldSize = int(n)
	case "LimitRequestFields":
		pr.LimitRequestFields = int(n)
	}
	return nil
}

func dProcessInt(p *parser, c *call) error {
	n64, err := c.number(c.args[0], 0, math.MaxInt32)
	if err != nil {
		return err
	}
	n := int(n64)
	pr := &p.cfg.Process
	switch c.d.name {
	case "StartServers":
		pr.StartServers = n
	case "ServerLimit":
		pr.ServerLimit = n
	case "ThreadsPerChild":
		pr.ThreadsPerChild = n
	case "MaxRequestWorkers", "MaxClients":
		pr.MaxRequestWorkers = n
	case "MaxConnectionsPerChild", "MaxRequestsPerChild":
		pr.MaxConnectionsPerChild = n
	case "MinSpareThreads":
		pr.MinSpareThreads = n
	case "MaxSpareThreads":
		pr.MaxSpareThreads = n
	case "MinSpareServers":
		pr.MinSpareServers = n
	case "MaxSpareServers":
		pr.MaxSpareServers = n
	}
	return nil
}

var logLevels = map[string]bool{
	"emerg": true, "alert": true, "crit": true, "error": true, "warn": true,
	"notice": true, "info": true, "debug": true,
	"trace1": true, "trace2": true, "trace3": true, "trace4": true,
	"trace5": true, "trace6": true, "trace7": true, "trace8": true,
}

func dLogLevel(p *parser, c *call) error {
	level := ""
	for _, a := range c.args {
		l := strings.ToLower(a)
		if mod, lv, ok := strings.Cut(l, ":"); ok {
			if mod == "" || !logLevels[lv] {
				return c.errf("bad module log level %q", a)
			}
			p.notice("loglevel-module", c.pos, "LogLevel: module-specific levels (%s) are not supported by modpy; ignored", a)
			continue
		}
		if !logLevels[l] {
			return c.errf("unknown log level %q (emerg, alert, crit, error, warn, notice, info, debug, trace1-8)", a)
		}
		level = l
	}
	if level == "" {
		return nil
	}
	if c.sec != nil {
		p.notice("loglevel-dir", c.pos, "LogLevel inside %s is not supported by modpy; ignored", "a per-directory section")
		return nil
	}
	c.srv.LogLevel = level
	return nil
}

func dLogFormat(p *parser, c *call) error {
	format := c.args[0]
	if len(c.args) == 1 {
		if f, ok := p.cfg.LogFormats[format]; ok && !strings.Contains(format, "%") {
			format = f
		}
		p.defaultFmt = format
		return nil
	}
	p.cfg.LogFormats[c.args[1]] = format
	return nil
}

func dCustomLog(p *parser, c *call) error {
	l := CustomLog{Target: p.logTarget(c.args[0]), Pos: c.pos}
	if c.d.name == "TransferLog" {
		l.Format = p.defaultFmt
		if l.Format == "" {
			l.Format = "common"
		}
	} else {
		l.Format = c.args[1]
		if len(c.args) == 3 {
			p.notice("", c.pos, "CustomLog: condition %q is ignored by modpy; every request is logged", c.args[2])
		}
	}
	c.srv.CustomLogs = append(c.srv.CustomLogs, l)
	p.logRefs = append(p.logRefs, logRef{srv: c.srv, i: len(c.srv.CustomLogs) - 1})
	return nil
}

func dAlias(p *parser, c *call) error {
	target := c.args[1]
	if !filepath.IsAbs(target) {
		slash := strings.HasSuffix(target, "/")
		target = p.abs(target)
		if slash && !strings.HasSuffix(target, "/") {
			target += "/"
		}
	}
	c.srv.Aliases = append(c.srv.Aliases, Alias{URL: c.args[0], Path: target, Pos: c.pos})
	return nil
}

func dAliasMatch(p *parser, c *call) error {
	re, err := regexp.Compile(c.args[0])
	if err != nil {
		return c.errf("bad regular expression %q: %v", c.args[0], err)
	}
	c.srv.Aliases = append(c.srv.Aliases, Alias{Regex: re, Path: c.args[1], Pos: c.pos})
	return nil
}

// isURL is Apache's ap_is_url, which Redirect, ErrorDocument and the
// signature's ServerAdmin link use: a scheme (letters, digits, +, -, .)
// and a colon.
func isURL(s string) bool {
	i := strings.IndexByte(s, ':')
	if i <= 0 {
		return false
	}
	for _, c := range []byte(s[:i]) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// adminLink is Server.AdminLink for ServerAdmin admin.
func adminLink(admin string) string {
	if isURL(admin) {
		return admin
	}
	return "mailto:" + admin
}

func dRedirect(p *parser, c *call) error {
	args := c.args
	status := 302
	match := c.d.name == "RedirectMatch"
	switch c.d.name {
	case "RedirectPermanent":
		status = 301
	case "RedirectTemp":
		status = 302
	default:
		if len(args) > 1 || strings.EqualFold(args[0], "gone") {
			explicit := true
			switch strings.ToLower(args[0]) {
			case "permanent":
				status = 301
			case "temp":
				status = 302
			case "seeother":
				status = 303
			case "gone":
				status = 410
			default:
				if isDigits(args[0]) {
					n, err := strconv.Atoi(args[0])
					if err != nil || n < 100 || n > 599 {
						return c.errf("invalid HTTP status %q", args[0])
					}
					status = n
				} else {
					explicit = false
				}
			}
			if explicit {
				args = args[1:]
			}
		}
	}
	redirect := status >= 300 && status < 400
	r := Redirect{Status: status, Pos: c.pos}
	switch {
	case len(args) == 0:
		return c.errf("missing URL-path")
	case !redirect && len(args) != 1:
		return c.errf("status %d takes no target URL", status)
	case redirect && len(args) == 1 && !match && c.ctx == cLoc && (isURL(args[0]) || strings.HasPrefix(args[0], "/")):
		// Inside <Location>, "Redirect [status] URL" redirects the section.
		r.URL = args[0]
	case redirect && len(args) != 2:
		return c.errf("status %d needs a URL-path and a target URL", status)
	case len(args) > 2:
		return c.errf("too many arguments")
	default:
		if match {
			re, err := regexp.Compile(args[0])
			if err != nil {
				return c.errf("bad regular expression %q: %v", args[0], err)
			}
			r.Regex = re
		} else {
			if !strings.HasPrefix(args[0], "/") {
				return c.errf("URL-path %q must start with /", args[0])
			}
			r.Prefix = args[0]
		}
		if len(args) == 2 {
			r.URL = args[1]
			if !isURL(r.URL) && !strings.HasPrefix(r.URL, "/") && !(match && strings.HasPrefix(r.URL, "$")) {
				return c.errf("target %q must be an absolute URL or start with /", r.URL)
			}
		}
	}
	if c.sec != nil {
		c.conf.Redirects = append(c.conf.Redirects, r)
	} else {
		c.srv.Redirects = append(c.srv.Redirects, r)
	}
	return nil
}

func dSetHandler(p *parser, c *call) error {
	h := strings.ToLower(c.args[0])
	if err := checkHandler(p, c, h); err != nil {
		return err
	}
	c.conf.SetHandler = ptr(h)
	return nil
}

func setExts(m *map[string]string, exts []string, v string) {
	if *m == nil {
		*m = make(map[string]string, len(exts))
	}
	for _, e := range exts {
		(*m)[normExt(e)] = v
	}
}

func dAddHandler(p *parser, c *call) error {
	h := strings.ToLower(c.args[0])
	if err := checkHandler(p, c, h); err != nil {
		return err
	}
	setExts(&c.conf.AddHandlers, c.args[1:], h)
	return nil
}

func dRemoveHandler(p *parser, c *call) error {
	switch c.d.name {
	case "RemoveType":
		setExts(&c.conf.AddTypes, c.args, "")
	case "RemoveCharset":
		setExts(&c.conf.AddCharsets, c.args, "")
	default:
		setExts(&c.conf.AddHandlers, c.args, "")
	}
	return nil
}

func dAddType(p *parser, c *call) error {
	t := strings.ToLower(c.args[0])
	if !strings.Contains(t, "/") {
		return c.errf("%q is not a media type (type/subtype)", c.args[0])
	}
	if err := checkHandlerType(c, t); err != nil {
		return err
	}
	setExts(&c.conf.AddTypes, c.args[1:], t)
	return nil
}

func dTypesConfig(p *parser, c *call) error {
	file := p.abs(c.args[0])
	if !p.fs {
		return c.errf("file access is disabled")
	}
	m, err := readMimeTypes(file)
	if err != nil {
		return c.errf("%s", readErrText(file, err))
	}
	p.typesFile, p.typesSet = m, true
	return nil
}

func dDirectoryIndex(p *parser, c *call) error {
	for _, a := range c.args {
		if strings.EqualFold(a, "disabled") {
			if len(c.args) != 1 {
				return c.errf("\"disabled\" must be the only argument")
			}
			c.conf.DirectoryIndex = []string{}
			return nil
		}
	}
	c.conf.DirectoryIndex = append(slices.Clip(c.conf.DirectoryIndex), c.args...)
	return nil
}

func splitFilters(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ";") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func dAddFilter(p *parser, c *call) error {
	names := splitFilters(c.args[0])
	input := c.d.name == "AddInputFilter"
	if err := checkFilters(p, c, names, input); err != nil {
		return err
	}
	m := &c.conf.AddOutputFilters
	if input {
		m = &c.conf.AddInputFilters
	}
	if *m == nil {
		*m = make(map[string][]string)
	}
	for _, e := range c.args[1:] {
		(*m)[normExt(e)] = names
	}
	return nil
}

// dRemoveFilter is Remove{Input,Output}Filter: the extensions' Add*Filter
// mappings, inherited ones included, are dropped (an empty list, see Merge).
func dRemoveFilter(p *parser, c *call) error {
	m := &c.conf.AddOutputFilters
	if c.d.name == "RemoveInputFilter" {
		m = &c.conf.AddInputFilters
	}
	if *m == nil {
		*m = make(map[string][]string)
	}
	for _, e := range c.args {
		(*m)[normExt(e)] = []string{}
	}
	return nil
}

func dSetFilter(p *parser, c *call) error {
	names := splitFilters(c.args[0])
	if err := checkFilters(p, c, names, c.d.name == "SetInputFilter"); err != nil {
		return err
	}
	if names == nil {
		names = []string{}
	}
	if c.d.name == "SetInputFilter" {
		c.conf.SetInputFilter = names
	} else {
		c.conf.SetOutputFilter = names
	}
	return nil
}

// Option bits.
const (
	optIndexes uint8 = 1 << iota
	optFollowSymLinks
	optExecCGI
	optIncludes
	optMultiViews
	optSymLinksIfOwnerMatch

	// optAll is Apache's OPT_ALL: everything but SymLinksIfOwnerMatch
	// and MultiViews.
	optAll = optIndexes | optFollowSymLinks | optExecCGI | optIncludes
)

func (o *Options) bits() uint8 {
	if o == nil {
		return 0
	}
	var b uint8
	for _, f := range []struct {
		on  bool
		bit uint8
	}{{o.Indexes, optIndexes}, {o.FollowSymLinks, optFollowSymLinks}, {o.ExecCGI, optExecCGI},
		{o.Includes, optIncludes}, {o.MultiViews, optMultiViews}, {o.SymLinksIfOwnerMatch, optSymLinksIfOwnerMatch}} {
		if f.on {
			b |= f.bit
		}
	}
	return b
}

func optionsFrom(b uint8) *Options {
	return &Options{
		Indexes:              b&optIndexes != 0,
		FollowSymLinks:       b&optFollowSymLinks != 0,
		ExecCGI:              b&optExecCGI != 0,
		Includes:             b&optIncludes != 0,
		MultiViews:           b&optMultiViews != 0,
		SymLinksIfOwnerMatch: b&optSymLinksIfOwnerMatch != 0,
	}
}

func dOptions(p *parser, c *call) error {
	var abs, add, rem uint8
	hasAbs, hasRel := false, false
	for _, w := range c.args {
		action := byte(0)
		if w != "" && (w[0] == '+' || w[0] == '-') {
			action, w = w[0], w[1:]
			hasRel = true
		} else {
			hasAbs = true
		}
		var bit uint8
		switch strings.ToLower(w) {
		case "none":
			if action != 0 {
				return c.errf("None cannot be used with + or -")
			}
		case "all":
			if action != 0 {
				return c.errf("All cannot be used with + or -")
			}
			bit = optAll
		case "indexes":
			bit = optIndexes
		case "includes", "includesnoexec":
			bit = optIncludes
		case "followsymlinks":
			bit = optFollowSymLinks
		case "symlinksifownermatch":
			bit = optSymLinksIfOwnerMatch
		case "execcgi":
			if action != '-' {
				return c.errf("ExecCGI: %s", refuseCGI)
			}
			bit = optExecCGI
		case "multiviews":
			bit = optMultiViews
		default:
			return c.errf("unknown option %q", w)
		}
		switch action {
		case 0:
			abs |= bit
		case '+':
			add, rem = add|bit, rem&^bit
		case '-':
			rem, add = rem|bit, add&^bit
		}
	}
	if hasAbs && hasRel {
		return c.errf("either all options must start with + or -, or none may")
	}
	conf := c.conf
	switch {
	case hasAbs:
		conf.Options, conf.OptionsAdd, conf.OptionsRemove = optionsFrom(abs), nil, nil
	case conf.Options != nil:
		conf.Options = optionsFrom(conf.Options.bits()&^rem | add)
	default:
		a, r := conf.OptionsAdd.bits(), conf.OptionsRemove.bits()
		a, r = a&^rem|add, r&^add|rem
		conf.OptionsAdd, conf.OptionsRemove = optionsFrom(a), optionsFrom(r)
	}
	return nil
}

func dLimitRequestBody(p *parser, c *call) error {
	n, err := c.number(c.args[0], 0, math.MaxInt64)
	if err != nil {
		return err
	}
	c.conf.LimitRequestBody = &n
	return nil
}

func dErrorDocument(p *parser, c *call) error {
	code, err := c.number(c.args[0], 400, 599)
	if err != nil {
		return c.errf("status %q must be a number from 400 to 599", c.args[0])
	}
	msg := c.args[1]
	switch {
	case strings.EqualFold(msg, "default"):
		msg = "default"
	case strings.ContainsAny(msg, " \t"):
		msg = "\"" + msg
	case strings.HasPrefix(msg, "/"), isURL(msg):
	default:
		msg = "\"" + msg
	}
	if c.conf.ErrorDocuments == nil {
		c.conf.ErrorDocuments = make(map[int]string)
	}
	c.conf.ErrorDocuments[int(code)] = msg
	return nil
}

func dAllowOverride(p *parser, c *call) error {
	if c.sec == nil || c.sec.Kind != SectionDirectory || c.sec.Regex != nil {
		return c.errf("only allowed in <Directory> sections without a regular expression")
	}
	var o Override
	for _, a := range c.args {
		name, _, _ := strings.Cut(a, "=") // Options=Indexes,...: the class only
		switch strings.ToLower(name) {
		case "none":
			if len(c.args) > 1 {
				return c.errf("None cannot be combined with other classes")
			}
		case "all":
			o |= OverrideAll
		case "authconfig":
			o |= OverrideAuthConfig
		case "fileinfo":
			o |= OverrideFileInfo
		case "indexes":
			o |= OverrideIndexes
		case "limit":
			o |= OverrideLimit
		case "options":
			o |= OverrideOptions
		case "nonfatal":
			return c.errf("Nonfatal= is not supported by modpy: a .htaccess error always answers 500")
		default:
			return c.errf("unknown class %q (want All, None, AuthConfig, FileInfo, Indexes, Limit or Options)", a)
		}
	}
	c.conf.AllowOverride = &o
	if o != 0 {
		p.cfg.overrides = true
	}
	return nil
}

func dUserDir(p *parser, c *call) error {
	u := c.srv.UserDir
	if u == nil {
		u = &UserDir{}
		c.srv.UserDir = u
	}
	switch strings.ToLower(c.args[0]) {
	case "disabled":
		if len(c.args) == 1 {
			u.Disabled = true
		} else {
			u.DisabledUsers = append(u.DisabledUsers, c.args[1:]...)
		}
	case "enabled":
		if len(c.args) == 1 {
			return c.errf("enabled needs user names")
		}
		u.Enabled = append(u.Enabled, c.args[1:]...)
	default:
		for _, d := range c.args {
			if strings.Contains(d, "..") {
				return c.errf("%q: a directory with \"..\"", d)
			}
			if !filepath.IsAbs(d) && strings.Contains(d, "*") {
				return c.errf("%q: \"*\" only in an absolute path", d)
			}
		}
		u.Dirs = append(u.Dirs[:0:0], c.args...)
	}
	return nil
}

func dAllowOverrideList(p *parser, c *call) error {
	if len(c.args) == 1 && strings.EqualFold(c.args[0], "None") {
		return nil
	}
	p.notice("dir "+c.d.name, c.pos, "%s: modpy allows directives in .htaccess files by AllowOverride classes only; ignored", c.d.name)
	return nil
}

// setKV sets key in an ordered list, keeping the position of an existing key.
func setKV(list []KV, key, value string) []KV {
	for i := range list {
		if list[i].Key == key {
			list[i].Value = value
			return list
		}
	}
	return append(list, KV{Key: key, Value: value})
}

func dSetEnv(p *parser, c *call) error {
	v := ""
	if len(c.args) == 2 {
		v = c.args[1]
	}
	c.conf.SetEnv = setKV(c.conf.SetEnv, c.args[0], v)
	c.conf.UnsetEnv = slices.DeleteFunc(c.conf.UnsetEnv, func(s string) bool { return s == c.args[0] })
	return nil
}

func dPassEnv(p *parser, c *call) error {
	for _, a := range c.args {
		if !slices.Contains(c.conf.PassEnv, a) {
			c.conf.PassEnv = append(c.conf.PassEnv, a)
		}
		c.conf.UnsetEnv = slices.DeleteFunc(c.conf.UnsetEnv, func(s string) bool { return s == a })
	}
	return nil
}

func dUnsetEnv(p *parser, c *call) error {
	for _, a := range c.args {
		c.conf.SetEnv = slices.DeleteFunc(c.conf.SetEnv, func(kv KV) bool { return kv.Key == a })
		c.conf.PassEnv = slices.DeleteFunc(c.conf.PassEnv, func(s string) bool { return s == a })
		if !slices.Contains(c.conf.UnsetEnv, a) {
			c.conf.UnsetEnv = append(c.conf.UnsetEnv, a)
		}
	}
	return nil
}

// checkSpec validates a handler spec "module[::object]".
func (c *call) checkSpec(spec string) error {
	mod, obj, has := strings.Cut(spec, "::")
	if mod == "" || (has && obj == "") || strings.ContainsAny(spec, "|") {
		return c.errf("bad handler %q (want module or module::function)", spec)
	}
	return nil
}

func dPyHandler(p *parser, c *call) error {
	var specs, exts []string
	pipe := false
	for _, a := range c.args {
		for i, part := range strings.Split(a, "|") {
			if i > 0 {
				if pipe {
					return c.errf("\"|\" given twice")
				}
				pipe = true
			}
			if part == "" {
				continue
			}
			if pipe {
				exts = append(exts, normExt(part))
			} else {
				specs = append(specs, part)
			}
		}
	}
	if pipe && (c.d.name == PhasePostReadRequest || c.d.name == PhaseTrans) {
		return c.errf("does not take \"| .ext\": it runs for every request, before the URI is mapped to a file")
	}
	if pipe && len(exts) == 0 {
		return c.errf("\"|\" must be followed by file extensions (| .py .psp)")
	}
	if len(specs) == 0 {
		return c.errf("takes at least one handler")
	}
	if c.conf.Handlers == nil {
		c.conf.Handlers = make(map[string][]Handler)
	}
	for _, s := range specs {
		if err := c.checkSpec(s); err != nil {
			return err
		}
		c.conf.Handlers[c.d.name] = append(c.conf.Handlers[c.d.name], Handler{
			Phase: c.d.name, Spec: s, Exts: exts, Dir: c.hdir, DirPattern: c.hdirPattern, InLocation: c.inLoc, Pos: c.pos,
		})
	}
	return nil
}

func dPyHandlerModule(p *parser, c *call) error {
	if err := c.checkSpec(c.args[0]); err != nil {
		return err
	}
	if c.conf.Handlers == nil {
		c.conf.Handlers = make(map[string][]Handler)
	}
	for _, ph := range RequestPhases {
		c.conf.Handlers[ph] = append(c.conf.Handlers[ph], Handler{
			Phase: ph, Spec: c.args[0], Dir: c.hdir, DirPattern: c.hdirPattern, InLocation: c.inLoc, Silent: true, Pos: c.pos,
		})
	}
	return nil
}

func dPyConnection(p *parser, c *call) error {
	if err := c.checkSpec(c.args[0]); err != nil {
		return err
	}
	c.srv.PythonConnectionHandler = &Handler{Phase: PhaseConnection, Spec: c.args[0], Pos: c.pos}
	return nil
}

func dPyFilter(p *parser, c *call) error {
	if err := c.checkSpec(c.args[0]); err != nil {
		return err
	}
	f := Filter{Spec: c.args[0], Name: c.args[0], Dir: c.hdir, Pos: c.pos}
	if len(c.args) == 2 {
		f.Name = c.args[1]
	}
	list := &c.conf.PythonOutputFilters
	if c.d.name == "PythonInputFilter" {
		list = &c.conf.PythonInputFilters
	}
	*list = setFilter(*list, f)
	return nil
}

// setFilter adds f to list, replacing a filter of the same name.
func setFilter(list []Filter, f Filter) []Filter {
	for i := range list {
		if list[i].Name == f.Name {
			list[i] = f
			return list
		}
	}
	return append(list, f)
}

func dPyImport(p *parser, c *call) error {
	mod, fn, has := strings.Cut(c.args[0], "::")
	if mod == "" || (has && fn == "") {
		return c.errf("bad module %q (want module or module::function)", c.args[0])
	}
	if c.srv.IsVirtual {
		p.notice("", c.pos, "PythonImport %s inside <VirtualHost> runs at worker start like any other (mod_python 3.5 skipped it)", mod)
	}
	p.cfg.PythonImports = append(p.cfg.PythonImports, PythonImport{
		Module: mod, Func: fn, Interpreter: c.args[1], InVHost: c.srv.IsVirtual, Pos: c.pos,
	})
	return nil
}

func dPyOption(p *parser, c *call) error {
	v := ""
	if len(c.args) == 2 {
		v = c.args[1]
	}
	c.conf.PythonOptions = setKV(c.conf.PythonOptions, c.args[0], v)
	return nil
}

func dPyFlag(p *parser, c *call) error {
	on, err := c.onOff(c.args[0])
	if err != nil {
		return err
	}
	switch c.d.name {
	case "PythonDebug":
		c.conf.PythonDebug = &on
	case "PythonAutoReload":
		c.conf.PythonAutoReload = &on
	case "PythonInterpPerDirectory":
		c.conf.PythonInterpPerDirectory = &on
	case "PythonInterpPerDirective":
		c.conf.PythonInterpPerDirective = &on
	case "PythonEnablePdb":
		c.conf.PythonEnablePdb = &on
	case "PythonOptimize":
		p.cfg.PythonOptimize = on
	case "PythonInterpReload":
		c.conf.PythonInterpReload = &on
	}
	return nil
}

// dPyLifecycle reads modpy's interpreter lifecycle numbers: a count or a
// number of seconds (fractions allowed), 0 meaning never/off.
func dPyLifecycle(p *parser, c *call) error {
	f, err := strconv.ParseFloat(c.args[0], 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return c.errf("%q is not a non-negative number", c.args[0])
	}
	d := time.Duration(f * float64(time.Second))
	switch c.d.name {
	case "PythonInterpMaxRequests":
		if f != math.Trunc(f) || f > math.MaxInt32 {
			return c.errf("%q is not a whole number of requests", c.args[0])
		}
		n := int(f)
		c.conf.PythonInterpMaxRequests = &n
	case "PythonInterpIdleTimeout":
		c.conf.PythonInterpIdleTimeout = &d
	case "PythonRequestTimeout":
		c.conf.PythonRequestTimeout = &d
	case "PythonInterpQueueTimeout":
		c.conf.PythonInterpQueueTimeout = &d
	}
	return nil
}

// dMaxMemory reads MaxMemoryPerChild: bytes, or a number with K, M or G
// (powers of 1024).
func dMaxMemory(p *parser, c *call) error {
	arg := strings.TrimSpace(c.args[0])
	mult := int64(1)
	if n := len(arg); n > 0 {
		switch arg[n-1] {
		case 'k', 'K':
			mult, arg = 1<<10, arg[:n-1]
		case 'm', 'M':
			mult, arg = 1<<20, arg[:n-1]
		case 'g', 'G':
			mult, arg = 1<<30, arg[:n-1]
		}
	}
	v, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || v < 0 || v > math.MaxInt64/mult {
		return c.errf("%q is not a size (bytes, or a number with K, M or G)", c.args[0])
	}
	p.cfg.Process.MaxMemoryPerChild = v * mult
	return nil
}

// keyword maps the directive's argument, compared without case, to its
// value in values; else an error saying what is wanted.
func keyword[T any](c *call, want string, values map[string]T) (T, error) {
	v, ok := values[strings.ToLower(c.args[0])]
	if !ok {
		return v, c.errf("%q: want %s", c.args[0], want)
	}
	return v, nil
}

func dServerTokens(p *parser, c *call) error {
	t, err := keyword(c, "Prod[uctOnly], Major, Minor, Min[imal], OS or Full", map[string]ServerTokens{
		"full": TokensFull, "os": TokensOS, "min": TokensMinimal, "minimal": TokensMinimal,
		"minor": TokensMinor, "major": TokensMajor, "prod": TokensProd, "productonly": TokensProd,
	})
	p.cfg.ServerTokens = t
	return err
}

func dServerSignature(p *parser, c *call) error {
	s, err := keyword(c, "On, Off or EMail", map[string]Signature{"off": SignatureOff, "on": SignatureOn, "email": SignatureEMail})
	c.conf.ServerSignature = &s
	return err
}

func dTraceEnable(p *parser, c *call) error {
	t, err := keyword(c, "On, Off or extended", map[string]TraceEnable{"on": TraceOn, "off": TraceOff, "extended": TraceExtended})
	c.srv.TraceEnable = t
	return err
}

func dAddCharset(p *parser, c *call) error {
	setExts(&c.conf.AddCharsets, c.args[1:], c.args[0])
	return nil
}

// dAddDefaultCharset: On means Apache's default charset, ISO-8859-1.
func dAddDefaultCharset(p *parser, c *call) error {
	cs := c.args[0]
	switch strings.ToLower(cs) {
	case "off":
		cs = ""
	case "on":
		cs = "iso-8859-1"
	}
	c.conf.AddDefaultCharset = &cs
	return nil
}
