package config

import "strings"

// What modpy does with a directive of Apache's that it does not act on
// (docs/compatibility.md lists every one): it may accept and ignore it,
// with a notice, only where ignoring it cannot change what is served, to
// whom, or what a response reveals. Otherwise the directive is a
// configuration error naming file and line (unless it sits inside a false
// <IfModule>), so that nothing a site relies on (a security header, an
// access rule, a script that must run rather than be sent) silently
// vanishes. A directive whose value can be the one modpy behaves as
// anyway ("UseCanonicalName Off") is accepted with that value only.

// unsupportedModule holds the directives of Apache modules modpy does not
// have that it accepts: only where ignoring them cannot change what is
// served, to whom, or what it reveals (the rule above). It is no module
// of modpy's: <IfModule> is false for these modules.
var unsupportedModule = &module{
	directives: []*directive{
		// mod_logio.
		{name: "LogIOTrackTTFB", ctx: cAll, min: 1, max: 1, note: noteIgnored},
		// mod_negotiation.
		{name: "LanguagePriority", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, note: noteNegotiate},
		{name: "ForceLanguagePriority", ctx: cAll, override: OverrideFileInfo, min: 1, max: -1, note: noteNegotiate},
		{name: "CacheNegotiatedDocs", ctx: cServer, min: 0, max: 1, note: noteNegotiate},
		// mod_mime_magic.
		{name: "MimeMagicFile", ctx: cServer, min: 1, max: 1, note: noteIgnored},
	},
}

// refused are directives of modules modpy does not implement (yet) that
// may not be ignored. They are not in the directive table: <IfDirective>
// is false for them, and anywhere else they are an error with this
// message.
var refused = map[string]string{
	"remoteipproxyprotocol": "the PROXY protocol is not supported by modpy: connections that start with its header would be refused as bad requests; " +
		"have the proxy send X-Forwarded-For and use RemoteIPHeader",
	"remoteipproxyprotocolexceptions": "the PROXY protocol (RemoteIPProxyProtocol) is not supported by modpy",
}

// only returns a directive function that accepts the directive when its
// argument is one of same (the behaviour modpy has anyway, compared
// without case) and refuses it otherwise, saying why.
func only(why string, same ...string) func(*parser, *call) error {
	return func(p *parser, c *call) error {
		if hasFold(same, c.args[0]) {
			return nil
		}
		return c.errf("%q: %s (modpy accepts only %s)", c.args[0], why, strings.Join(same, " or "))
	}
}

// onlyOrNote is like only, but another value is accepted with a notice:
// ignoring it cannot change what is served.
func onlyOrNote(note string, same ...string) func(*parser, *call) error {
	return func(p *parser, c *call) error {
		if !hasFold(same, c.args[0]) {
			p.notice("dir "+c.d.name, c.pos, "%s %s: %s", c.d.name, c.args[0], note)
		}
		return nil
	}
}

func hasFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// servedHandlers are the handler names modpy's server provides (mod_python,
// the status pages, Apache's default handler) or that leave a file sent as
// it is, which is what Apache does with them too when their module is
// absent: SetHandler and AddHandler take these. Any other handler belongs
// to a module modpy lacks (a PHP or FastCGI proxy handler...), or one not
// loaded (cgi-script without mod_cgi), whose files the default handler would send
// as they are, so naming it is an error.
var servedHandlers = map[string]string{
	"mod_python": "", "python-program": "", "none": "", "default-handler": "",
	"server-status": "", "modpy-status": "", "modpy-metrics": "", "server-parsed": "", "wsgi-script": "",
	"type-map": "negotiation is not done by modpy: type-map files are sent as they are",
}

// checkHandler refuses a handler name no module in modpy provides.
func checkHandler(p *parser, c *call, name string) error {
	note, ok := servedHandlers[name]
	switch {
	case name == "cgi-script":
		if !cgiLoaded(p) {
			return c.errf("%s", refuseCGI)
		}
	case !ok:
		return c.errf("handler %q is not provided by modpy: the files it should run would be sent as they are, source and all", name)
	case note != "":
		p.notice("handler "+name, c.pos, "%s %s: %s", c.d.name, name, note)
	}
	return nil
}

// checkHandlerType refuses a media type that stands for a handler: with
// no handler set, Apache hands a file to the handler named by its type,
// so "AddType application/x-httpd-php .php" runs PHP (and "AddType
// application/x-httpd-cgi", CGI; "text/x-server-parsed-html", SSI). modpy
// has none of these, and would send the files as they are.
func checkHandlerType(c *call, t string) error {
	t, _, _ = strings.Cut(t, ";")
	t = strings.TrimSpace(t)
	if strings.HasPrefix(t, "application/x-httpd-") || t == "text/x-server-parsed-html" || t == "text/x-server-parsed-html3" {
		return c.errf("type %s stands for a handler modpy does not have: the files would be sent as they are, source and all", t)
	}
	return nil
}

// Apache's own filters, by what ignoring them would do. A filter name that
// is none of these may be a Python filter (PythonOutputFilter, or one a
// handler registers with req.register_output_filter).
var (
	// compressionFilters only compress the response: without them the
	// client gets the same content uncompressed (DEFLATE is run:
	// mod_deflate.go).
	compressionFilters = []string{"DEFLATE", "BROTLI_COMPRESS"}
	// pacingFilters only buffer or pace the response.
	pacingFilters = []string{"BUFFER", "RATE_LIMIT"}
	// contentFilters change the response's content: text substitution,
	// decompression, character set conversion, HTML rewriting (INCLUDES,
	// server-side includes, is mod_include's: mod_include.go).
	contentFilters = []string{"SUBSTITUTE", "SED", "INFLATE", "XML2ENC", "PROXY-HTML", "XLATEOUT", "DATA"}
	// inputFilters change the request body a handler reads.
	inputFilters = []string{"DEFLATE", "SED", "XLATEIN"}
)

// checkFilters refuses an Apache filter modpy does not run where ignoring
// it would change what is served (or what handlers read), and notes the
// others.
func checkFilters(p *parser, c *call, names []string, input bool) error {
	for _, n := range names {
		var note string
		switch {
		case input && hasFold(inputFilters, n):
			return c.errf("filter %s is not supported by modpy: handlers would read the request body unfiltered", n)
		case input:
		case hasFold(contentFilters, n):
			return c.errf("filter %s is not supported by modpy: responses would be sent unfiltered", n)
		case strings.EqualFold(n, "DEFLATE"): // mod_deflate's, run by the server
		case hasFold(compressionFilters, n):
			note = noteCompress
		case hasFold(pacingFilters, n):
			note = "modpy neither buffers nor paces responses by filter; ignored"
		}
		if note != "" {
			p.notice("filter "+strings.ToUpper(n), c.pos, "%s %s: %s", c.d.name, n, note)
		}
	}
	return nil
}

// dHTTPProtocolOptions is HttpProtocolOptions: modpy parses as "Strict
// LenientMethods Require1.0". Allow0.9 and Unsafe only make it refuse
// (400) requests Apache would take; RegisteredMethods would refuse
// methods modpy hands to handlers.
func dHTTPProtocolOptions(p *parser, c *call) error {
	for _, a := range c.args {
		switch strings.ToLower(a) {
		case "strict", "lenientmethods", "require1.0":
		case "unsafe", "allow0.9":
			p.notice("dir "+c.d.name+" "+strings.ToLower(a), c.pos,
				"HttpProtocolOptions %s: modpy always parses as Strict Require1.0; such requests are answered 400", a)
		case "registeredmethods":
			return c.errf("RegisteredMethods is not supported by modpy: requests with other methods would reach handlers instead of a 501")
		default:
			return c.errf("unknown option %q (Strict, Unsafe, RegisteredMethods, LenientMethods, Allow0.9, Require1.0)", a)
		}
	}
	return nil
}
