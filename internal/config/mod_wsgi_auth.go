package config

// mod_wsgi's access, authentication and authorization scripts (part of
// wsgi_module, mod_wsgi.go): WSGIAccessScript (allow_access, in
// access_checker), WSGIAuthUserScript (check_password, the "wsgi"
// provider of AuthBasicProvider) and WSGIAuthGroupScript
// (groups_for_user, for "Require wsgi-group"). Each names a script file
// and, optionally, the application group it runs in: unlike a WSGI
// application's, the default is the main interpreter.

// wsgiAuthDirectives are wsgi_module's rows for the auth scripts.
var wsgiAuthDirectives = []*directive{
	{name: "WSGIAccessScript", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 2,
		usage: "file [application-group=name]", fn: dWSGIAuthScript},
	{name: "WSGIAuthUserScript", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 2,
		usage: "file [application-group=name]", fn: dWSGIAuthScript},
	{name: "WSGIAuthGroupScript", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 2,
		usage: "file [application-group=name]", fn: dWSGIAuthScript},
	// Used by mod_wsgi only on Apache 2.2 (no authz providers); 2.4's
	// "Require wsgi-group" is always authoritative.
	{name: "WSGIGroupAuthoritative", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, usage: "On|Off",
		fn: func(p *parser, c *call) error {
			_, err := c.onOff(c.args[0])
			return err
		}},
}

// WSGIAuthScript is a WSGIAccessScript, WSGIAuthUserScript or
// WSGIAuthGroupScript.
type WSGIAuthScript struct {
	Script string // the file, absolute
	// Group is application-group= as written, "" for %{GLOBAL} or when
	// not given (the main interpreter). %{SERVER} and %{HOST} are
	// expanded per request; any other value is the group's name as it
	// stands, as mod_wsgi takes it for these scripts.
	Group string
	Pos   Pos
}

func dWSGIAuthScript(p *parser, c *call) error {
	opts, err := c.wsgiOptions(c.args[1:], "application-group")
	if err != nil {
		return err
	}
	s := &WSGIAuthScript{Script: p.abs(c.args[0]), Group: wsgiGroup(opts["application-group"]), Pos: c.pos}
	switch c.d.name {
	case "WSGIAccessScript":
		c.conf.WSGIAccessScript = s
	case "WSGIAuthUserScript":
		c.conf.WSGIAuthUserScript = s
	case "WSGIAuthGroupScript":
		c.conf.WSGIAuthGroupScript = s
	}
	return nil
}

// mergeWSGIAuth: the innermost script of each kind wins.
func mergeWSGIAuth(r, base, over *DirConfig) {
	r.WSGIAccessScript = pick(base.WSGIAccessScript, over.WSGIAccessScript)
	r.WSGIAuthUserScript = pick(base.WSGIAuthUserScript, over.WSGIAuthUserScript)
	r.WSGIAuthGroupScript = pick(base.WSGIAuthGroupScript, over.WSGIAuthGroupScript)
}
