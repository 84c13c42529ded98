package config

// cgiModule is mod_cgi, and mod_cgid by its other name: the cgi-script
// handler (internal/server/mod_cgi.go) for ScriptAlias and
// ScriptAliasMatch (mod_alias.go), "SetHandler cgi-script" and "AddHandler
// cgi-script .ext" with Options ExecCGI. It is not builtin, as in Debian,
// where a2enmod cgi (or cgid) loads it: until a LoadModule names it,
// <IfModule mod_cgi.c> is false (so serve-cgi-bin.conf maps nothing) and
// each of those directives is an error, since the scripts would otherwise
// be sent as files.
var cgiModule = &module{
	name: "cgi_module",
	also: []string{"cgid_module"},
	directives: []*directive{
		{name: "CGIScriptTimeout", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, usage: "seconds", fn: dCGIScriptTimeout},
		{name: "CGIDScriptTimeout", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, usage: "seconds", fn: dCGIScriptTimeout},
		{name: "ScriptLog", ctx: cServer, min: 1, max: 1, usage: "file", fn: func(p *parser, c *call) error {
			return c.errf("ScriptLog is not supported by modpy: scripts' stderr goes to the error log (AH01215); " +
				"the script log's request and response dumps are not written")
		}},
		{name: "ScriptLogLength", ctx: cServer, min: 1, max: 1, note: noteScriptLog},
		{name: "ScriptLogBuffer", ctx: cServer, min: 1, max: 1, note: noteScriptLog},
		{name: "ScriptSock", ctx: cServer, min: 1, max: 1, note: "modpy runs CGI scripts from the worker itself, with no cgid daemon or socket; ignored"},
	},
	merge: func(r, base, over *DirConfig) {
		r.CGIScriptTimeout = pick(base.CGIScriptTimeout, over.CGIScriptTimeout)
	},
}

const (
	noteScriptLog = "tunes ScriptLog, which modpy does not write; ignored"
	refuseCGI     = "CGI needs mod_cgi: load it first (LoadModule cgi_module, or cgid_module, as a2enmod does); " +
		"without it the scripts would be sent as they are, source and all"
)

// cgiLoaded: a LoadModule named mod_cgi or mod_cgid.
func cgiLoaded(p *parser) bool {
	return p.cfg.Modules["cgi_module"] || p.cfg.Modules["cgid_module"]
}

// dCGIScriptTimeout is CGIScriptTimeout (mod_cgi) and CGIDScriptTimeout
// (mod_cgid): how long a script may go without output.
func dCGIScriptTimeout(p *parser, c *call) error {
	d, err := parseDuration(c.args[0])
	if err != nil {
		return c.errf("%v", err)
	}
	c.conf.CGIScriptTimeout = &d
	return nil
}
