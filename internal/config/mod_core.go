package config

import (
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"modpy/internal/loglevel"
)

// coreModule is Apache's core (core.c and http_core.c): the server's
// names and paths, Define and Include, connection handling and limits,
// the error log, and the per-directory core: Options, AllowOverride,
// LimitRequestBody, ErrorDocument, SetHandler, Set*Filter,
// AddDefaultCharset, ServerSignature. Core directives of Apache's that
// modpy accepts and does not act on are here too (see unsupported.go for
// the rule).
var coreModule = &module{
	name:    "core_module",
	also:    []string{"core.c", "http_module", "http_core.c"},
	builtin: true,
	directives: []*directive{
		{name: "ServerName", ctx: cServer, min: 1, max: 1, usage: "[scheme://]host[:port]", fn: dServerName},
		{name: "ServerAlias", ctx: cVHost, min: 1, max: -1, usage: "name ...", fn: dServerAlias},
		{name: "ServerPath", ctx: cServer, min: 1, max: 1, usage: "URL-path", fn: func(p *parser, c *call) error {
			c.srv.ServerPath = c.args[0]
			return nil
		}},
		{name: "ServerRoot", ctx: cMain, min: 1, max: 1, usage: "directory", fn: dServerRoot},
		{name: "DocumentRoot", ctx: cServer, min: 1, max: 1, usage: "directory", fn: dDocumentRoot},
		{name: "ServerAdmin", ctx: cServer, min: 1, max: 1, usage: "email-or-URL", fn: func(p *parser, c *call) error {
			c.srv.ServerAdmin = c.args[0]
			return nil
		}},
		{name: "Define", ctx: cAll, min: 1, max: 2, usage: "NAME [value]", fn: dDefine},
		{name: "UnDefine", ctx: cAll, min: 1, max: 1, usage: "NAME", fn: func(p *parser, c *call) error {
			p.undefine(c.args[0])
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

		// The error log.
		{name: "ErrorLog", ctx: cServer, min: 1, max: 1, usage: "file|\"|command\"|syslog[:facility]", fn: func(p *parser, c *call) error {
			c.srv.ErrorLog, c.srv.ErrorLogArg, c.srv.ErrorLogPos = p.logTarget(c.args[0]), c.args[0], c.pos
			return nil
		}},
		{name: "LogLevel", ctx: cAll, min: 1, max: -1, usage: "level [module:level ...]", fn: dLogLevel},

		// Per-directory core.
		{name: "Options", ctx: cAll, override: OverrideOptions, min: 1, max: -1, usage: "[+|-]option ...", fn: dOptions},
		{name: "AllowOverride", ctx: cDir, min: 1, max: -1, usage: "All|None|directive-type ...", fn: dAllowOverride},
		{name: "AllowOverrideList", ctx: cDir, min: 1, max: -1, usage: "None|directive ...", fn: dAllowOverrideList},
		{name: "AccessFileName", ctx: cServer, min: 1, max: -1, usage: "filename ...", fn: func(p *parser, c *call) error {
			for _, a := range c.args {
				if strings.ContainsRune(a, '/') {
					return c.errf("%q: a file name, not a path", a)
				}
			}
			c.srv.AccessFileNames = slices.Clone(c.args)
			return nil
		}},
		{name: "LimitRequestBody", ctx: cAll, min: 1, max: 1, usage: "bytes", fn: dLimitRequestBody},
		{name: "ErrorDocument", ctx: cAll, override: OverrideFileInfo, min: 2, max: 2, usage: "status URL|\"text\"|default", fn: dErrorDocument},
		{name: "SetHandler", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, usage: "handler-name|None", fn: dSetHandler},
		{name: "SetOutputFilter", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, usage: "filter[;filter...]", fn: dSetFilter},
		{name: "SetInputFilter", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, usage: "filter[;filter...]", fn: dSetFilter},
		{name: "AddDefaultCharset", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, usage: "On|Off|charset", fn: dAddDefaultCharset},
		{name: "ServerSignature", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "On|Off|EMail", fn: dServerSignature},

		// Responses and the protocol.
		{name: "ServerTokens", ctx: cMain, min: 1, max: 1, usage: "Prod|Major|Minor|Minimal|OS|Full", fn: dServerTokens},
		{name: "TraceEnable", ctx: cServer, min: 1, max: 1, usage: "On|Off|extended", fn: dTraceEnable},
		{name: "HostnameLookups", ctx: cAll, min: 1, max: 1, fn: onlyOrNote("modpy never looks up client host names "+
			"(Require host does its own lookup); ignored", "Off")},
		{name: "UseCanonicalName", ctx: cAll, min: 1, max: 1, fn: only("modpy's self-referential URLs (redirects, "+
			"the signature) always name the host the client asked for", "Off")},
		{name: "UseCanonicalPhysicalPort", ctx: cAll, min: 1, max: 1, fn: only("modpy's self-referential URLs name the port "+
			"the client asked for, else ServerName's", "Off")},
		{name: "CGIPassAuth", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, usage: "On|Off", fn: func(p *parser, c *call) error {
			on, err := c.onOff(c.args[0])
			c.conf.CGIPassAuth = &on
			return err
		}},
		{name: "AcceptPathInfo", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, fn: only("modpy answers 404 for a file's URL with "+
			"path info after it (handlers do get path info)", "Default", "Off")},
		{name: "ContentDigest", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, fn: onlyOrNote("Content-MD5 "+
			"headers are not sent by modpy; ignored", "Off")},
		{name: "HttpProtocolOptions", ctx: cServer, min: 1, max: -1, fn: dHTTPProtocolOptions},
		{name: "Protocols", ctx: cServer, min: 1, max: -1, usage: "protocol ...", fn: dProtocols},              // mod_http2.go
		{name: "ProtocolsHonorOrder", ctx: cServer, min: 1, max: 1, usage: "On|Off", fn: dProtocolsHonorOrder}, // mod_http2.go
		{name: "MergeTrailers", ctx: cServer, min: 1, max: 1, fn: onlyOrNote("modpy does not merge request trailers "+
			"into headers_in; ignored", "Off")},
		{name: "MergeSlashes", ctx: cServer, min: 1, max: 1, fn: only("modpy always merges repeated slashes in the URL "+
			"before matching <Location>", "On")},

		// Accepted, not acted on.
		{name: "Mutex", ctx: cMain, min: 1, max: -1, note: "modpy needs no Apache mutexes; ignored"},
		{name: "DefaultRuntimeDir", ctx: cMain, min: 1, max: 1, note: noteIgnored},
		{name: "EnableSendfile", ctx: cAll, min: 1, max: 1, note: noteIgnored},
		{name: "EnableMMAP", ctx: cAll, min: 1, max: 1, note: noteIgnored},
		{name: "DefaultType", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, note: noteIgnored},
		{name: "NameVirtualHost", ctx: cMain, min: 1, max: 1, note: "obsolete since Apache 2.4; ignored"},
		{name: "FileETag", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, note: noteIgnored},
		{name: "AcceptFilter", ctx: cMain, min: 2, max: 2, note: noteIgnored},
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
		{name: "SeeRequestTail", ctx: cMain, min: 1, max: 1, note: noteIgnored},
		{name: "ExtendedStatus", ctx: cMain, min: 1, max: 1, note: noteIgnored},
	},
	merge:   mergeCore,
	resolve: resolveCore,
}

// ErrorDocKind is what an ErrorDocument answers with.
type ErrorDocKind uint8

// ErrorDocument's kinds, decided when the directive is read (a message
// is stored with a leading quote mark) and typed when its DirConfig is
// finished.
const (
	// ErrorDocText: the message itself, as the page's body.
	ErrorDocText ErrorDocKind = iota + 1
	// ErrorDocRemote: a 302 to a URL ("://" in it).
	ErrorDocRemote
	// ErrorDocLocal: an internal redirect to a local URL ("/..."),
	// keeping the status.
	ErrorDocLocal
)

// ErrorDocument is one ErrorDocument modpy serves.
type ErrorDocument struct {
	Kind ErrorDocKind
	// Value is the message (without its quote mark) or the URL.
	Value string
}

// errorDocumentOf types an ErrorDocuments value; ok is false for a value
// modpy does not serve (a URL with a scheme but no "//", such as
// "mailto:..."): the built-in page answers instead.
func errorDocumentOf(s string) (ErrorDocument, bool) {
	switch {
	case strings.HasPrefix(s, "\""):
		return ErrorDocument{Kind: ErrorDocText, Value: s[1:]}, true
	case strings.Contains(s, "://"):
		return ErrorDocument{Kind: ErrorDocRemote, Value: s}, true
	case strings.HasPrefix(s, "/"):
		return ErrorDocument{Kind: ErrorDocLocal, Value: s}, true
	}
	return ErrorDocument{}, false
}

// ErrorDocument returns the ErrorDocument in effect for status, if there
// is one modpy serves.
func (d *DirConfig) ErrorDocument(status int) (ErrorDocument, bool) {
	if d.fin != nil {
		e, ok := d.fin.errorDocs[status]
		return e, ok
	}
	return errorDocumentOf(d.ErrorDocuments[status])
}

// ForcedHandler is SetHandler's handler (Apache's forced handler): set
// reports whether SetHandler is in effect, and name is "" for
// "SetHandler None".
func (d *DirConfig) ForcedHandler() (name string, set bool) {
	if d.fin != nil {
		return d.fin.handler, d.fin.hasHandler
	}
	return forcedHandler(d)
}

func forcedHandler(d *DirConfig) (string, bool) {
	switch {
	case d.SetHandler == nil:
		return "", false
	case strings.EqualFold(*d.SetHandler, "none"):
		return "", true
	}
	return *d.SetHandler, true
}

// resolveCore types the ErrorDocuments and resolves SetHandler None.
func resolveCore(c *Config, d *DirConfig, r *resolved) {
	for st, v := range d.ErrorDocuments {
		if e, ok := errorDocumentOf(v); ok {
			if r.errorDocs == nil {
				r.errorDocs = make(map[int]ErrorDocument, len(d.ErrorDocuments))
			}
			r.errorDocs[st] = e
		}
	}
	r.handler, r.hasHandler = forcedHandler(d)
}

// mergeCore is the core's part of Merge: a field over sets wins, others
// come from base; ErrorDocuments merge by status ("default" drops base's);
// a relative Options is applied to base's (or the default's) so the
// result is absolute.
func mergeCore(r, base, over *DirConfig) {
	r.CGIPassAuth = pick(base.CGIPassAuth, over.CGIPassAuth)
	r.SetHandler = pick(base.SetHandler, over.SetHandler)
	r.AddDefaultCharset = pick(base.AddDefaultCharset, over.AddDefaultCharset)
	r.ServerSignature = pick(base.ServerSignature, over.ServerSignature)
	r.ErrorDocuments = mergeErrDocs(base.ErrorDocuments, over.ErrorDocuments)
	r.LimitRequestBody = pick(base.LimitRequestBody, over.LimitRequestBody)
	r.AllowOverride = pick(base.AllowOverride, over.AllowOverride)
	r.SetOutputFilter = pickSlice(base.SetOutputFilter, over.SetOutputFilter)
	r.SetInputFilter = pickSlice(base.SetInputFilter, over.SetInputFilter)

	// Options.
	switch {
	case over.Options != nil:
		r.Options = optionsFrom(over.Options.bits())
	case over.OptionsAdd != nil || over.OptionsRemove != nil:
		r.Options = optionsFrom(addOptions(effectiveOptions(base), over.OptionsAdd.bits(), over.OptionsRemove.bits()))
	case base.Options != nil:
		r.Options = optionsFrom(base.Options.bits())
	case base.OptionsAdd != nil || base.OptionsRemove != nil:
		r.Options = optionsFrom(effectiveOptions(base))
	}
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

// dDocumentRoot is DocumentRoot. As in httpd, the main server's must be a
// directory (unless -T: LoadOptions.NoDocumentRootCheck), with httpd's
// message, AH00526; a virtual host's that is not gets a notice.
func dDocumentRoot(p *parser, c *call) error {
	dir := p.abs(c.args[0])
	if p.fs && !p.noDocRoot {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			if !c.srv.IsVirtual {
				return &Error{Pos: c.pos, Directive: c.d.name, Msg: fmt.Sprintf("DocumentRoot '%s' is not a directory, or is not readable", dir), Syntax: true}
			}
			p.notice("", c.pos, "AH00112: Warning: DocumentRoot [%s] does not exist", dir)
		}
	}
	c.srv.DocumentRoot = dir
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
	if len(c.args) == 2 {
		p.define(name, c.args[1], true)
	} else {
		p.define(name, "", false)
	}
	return nil
}

// define defines name (-D, Define), with a value when hasVal.
func (p *parser) define(name, val string, hasVal bool) {
	if !p.cfg.Defines[name] {
		p.cfg.DefineList = append(p.cfg.DefineList, KV{Key: name})
	}
	p.cfg.Defines[name] = true
	if hasVal {
		p.vars[name] = val
		for i := range p.cfg.DefineList {
			if p.cfg.DefineList[i].Key == name {
				p.cfg.DefineList[i].Value = val
			}
		}
	}
}

// undefine is UnDefine.
func (p *parser) undefine(name string) {
	delete(p.cfg.Defines, name)
	delete(p.vars, name)
	p.cfg.DefineList = slices.DeleteFunc(p.cfg.DefineList, func(kv KV) bool { return kv.Key == name })
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

// dLogLevel is LogLevel: the server's level, parsed here once (Server.Level,
// with the word as written in Server.LogLevel); module-specific levels
// and per-directory LogLevel are noted and ignored.
func dLogLevel(p *parser, c *call) error {
	level := ""
	var lev loglevel.Level
	for _, a := range c.args {
		l := strings.ToLower(a)
		if mod, lv, ok := strings.Cut(l, ":"); ok {
			if _, valid := loglevel.Parse(lv); mod == "" || !valid {
				return c.errf("bad module log level %q", a)
			}
			p.notice("loglevel-module", c.pos, "LogLevel: module-specific levels (%s) are not supported by modpy; ignored", a)
			continue
		}
		v, ok := loglevel.Parse(l)
		if !ok {
			return c.errf("unknown log level %q (emerg, alert, crit, error, warn, notice, info, debug, trace1-8)", a)
		}
		level, lev = l, v
	}
	if level == "" {
		return nil
	}
	if c.sec != nil {
		p.notice("loglevel-dir", c.pos, "LogLevel inside %s is not supported by modpy; ignored", "a per-directory section")
		return nil
	}
	c.srv.LogLevel, c.srv.Level = level, lev
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
	// optIncludesExec is Apache's OPT_INC_WITH_EXEC: "Includes" sets it
	// with optIncludes, "IncludesNOEXEC" sets optIncludes alone.
	optIncludesExec

	// optAll is Apache's OPT_ALL: everything but SymLinksIfOwnerMatch
	// and MultiViews.
	optAll = optIndexes | optFollowSymLinks | optExecCGI | optIncludes | optIncludesExec
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
		{o.Includes, optIncludes}, {o.MultiViews, optMultiViews}, {o.SymLinksIfOwnerMatch, optSymLinksIfOwnerMatch},
		{o.IncludesExec, optIncludesExec}} {
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
		IncludesExec:         b&optIncludesExec != 0,
	}
}

// defaultOptions is Apache 2.4's Options when none is set: FollowSymLinks.
const defaultOptions = optFollowSymLinks

// effectiveOptions is d's options with its relative part applied to the
// default.
func effectiveOptions(d *DirConfig) uint8 {
	if d.Options != nil {
		return d.Options.bits()
	}
	return defaultOptions&^d.OptionsRemove.bits() | d.OptionsAdd.bits()
}

// addOptions applies a relative Options (add, rem) to the options b. As
// in Apache, "+IncludesNOEXEC" over options with exec'ing includes turns
// the exec off.
func addOptions(b, add, rem uint8) uint8 {
	b = b&^rem | add
	if add&(optIncludes|optIncludesExec) == optIncludes {
		b &^= optIncludesExec
	}
	return b
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
		case "includes":
			bit = optIncludes | optIncludesExec
		case "includesnoexec":
			bit = optIncludes
		case "followsymlinks":
			bit = optFollowSymLinks
		case "symlinksifownermatch":
			bit = optSymLinksIfOwnerMatch
		case "execcgi":
			// cgi-script handlers (mod_cgi.go) and wsgi-script ones
			// (mod_wsgi) run only where it is on.
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
		conf.Options = optionsFrom(addOptions(conf.Options.bits(), add, rem))
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

func mergeErrDocs(base, over map[int]string) map[int]string {
	if base == nil && over == nil {
		return nil
	}
	r := make(map[int]string, len(base)+len(over))
	maps.Copy(r, base)
	for k, v := range over {
		if v == "default" {
			delete(r, k)
		} else {
			r[k] = v
		}
	}
	return r
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

func dAllowOverrideList(p *parser, c *call) error {
	if len(c.args) == 1 && strings.EqualFold(c.args[0], "None") {
		return nil
	}
	p.notice("dir "+c.d.name, c.pos, "%s: modpy allows directives in .htaccess files by AllowOverride classes only; ignored", c.d.name)
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

// adminLink is Server.AdminLink for ServerAdmin admin.
func adminLink(admin string) string {
	if isURL(admin) {
		return admin
	}
	return "mailto:" + admin
}
