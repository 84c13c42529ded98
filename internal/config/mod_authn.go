package config

import "strings"

// Authentication: mod_authn_core (AuthType, AuthName) and mod_auth_basic
// (AuthBasicProvider, AuthBasicAuthoritative). The providers are
// mod_authn_file's "file" (mod_authn_file.go) and mod_wsgi's "wsgi"
// (mod_wsgi_auth.go).

// authnCoreModule is mod_authn_core.
var authnCoreModule = &module{
	name:    "authn_core_module",
	builtin: true,
	directives: []*directive{
		{name: "AuthType", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, usage: "None|Basic|Digest|Form", fn: func(p *parser, c *call) error {
			c.conf.AuthType = ptr(c.args[0])
			return nil
		}},
		{name: "AuthName", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, usage: "realm", fn: func(p *parser, c *call) error {
			c.conf.AuthName = ptr(c.args[0])
			return nil
		}},
	},
	merge: func(r, base, over *DirConfig) {
		r.AuthType = pick(base.AuthType, over.AuthType)
		r.AuthName = pick(base.AuthName, over.AuthName)
	},
	resolve: func(c *Config, d *DirConfig, r *resolved) {
		r.authType = effectiveAuthType(d)
	},
}

// authBasicModule is mod_auth_basic: the server asks for Basic
// credentials (401 with WWW-Authenticate) and has the providers check
// them in order.
var authBasicModule = &module{
	name:    "auth_basic_module",
	builtin: true,
	directives: []*directive{
		{name: "AuthBasicProvider", ctx: cSections, override: OverrideAuthConfig, min: 1, max: -1, usage: "provider ...", fn: dAuthBasicProvider},
		{name: "AuthBasicAuthoritative", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, usage: "On|Off",
			fn: func(p *parser, c *call) error {
				on, err := c.onOff(c.args[0])
				c.conf.AuthBasicAuthoritative = &on
				return err
			}},
	},
	merge: func(r, base, over *DirConfig) {
		r.AuthBasicProvider = base.AuthBasicProvider
		if over.AuthBasicProvider != nil {
			r.AuthBasicProvider = over.AuthBasicProvider
		}
		r.AuthBasicAuthoritative = pick(base.AuthBasicAuthoritative, over.AuthBasicAuthoritative)
	},
}

// basicProviders are the AuthBasicProvider names modpy checks passwords
// with.
var basicProviders = []string{"file", "wsgi"}

// dAuthBasicProvider is mod_auth_basic's AuthBasicProvider: the providers
// that check a Basic password, in order. modpy has "file" (AuthUserFile)
// and "wsgi" (a WSGIAuthUserScript); another name (dbm, ldap, ...) is
// an error, as Apache's "Unknown Authn provider" for a provider whose
// module is not loaded: skipping it would lock out the users only it
// knows, a change in who is served.
func dAuthBasicProvider(p *parser, c *call) error {
	var ps []string
	for _, a := range c.args {
		a = strings.ToLower(a)
		if !hasFold(basicProviders, a) {
			return c.errf("Unknown Authn provider: %s (modpy has the providers %s)", a, strings.Join(basicProviders, " and "))
		}
		ps = append(ps, a)
	}
	c.conf.AuthBasicProvider = ps
	return nil
}

// EffectiveAuthType is the AuthType in effect as written ("Basic"), ""
// when AuthType is unset or None (Apache's ap_auth_type).
func (d *DirConfig) EffectiveAuthType() string {
	if d.fin != nil {
		return d.fin.authType
	}
	return effectiveAuthType(d)
}

func effectiveAuthType(d *DirConfig) string {
	if d.AuthType == nil || strings.EqualFold(*d.AuthType, "None") {
		return ""
	}
	return *d.AuthType
}
