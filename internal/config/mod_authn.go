package config

import "strings"

// Authentication: mod_authn_core (AuthType, AuthName), mod_authn_file
// and mod_auth_basic. modpy checks no passwords itself (a
// PythonAuthenHandler does): the providers' directives are accepted with
// a notice.

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

// authnFileModule is mod_authn_file.
var authnFileModule = &module{
	name:    "authn_file_module",
	builtin: true,
	directives: []*directive{
		{name: "AuthUserFile", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, note: noteAuthnFiles},
	},
}

// authBasicModule is mod_auth_basic (the server answers 401 with its
// WWW-Authenticate header; AuthBasicProvider wsgi checks passwords with
// a WSGIAuthUserScript, mod_wsgi_auth.go).
var authBasicModule = &module{
	name:    "auth_basic_module",
	builtin: true,
	directives: []*directive{
		{name: "AuthBasicProvider", ctx: cSections, override: OverrideAuthConfig, min: 1, max: -1, usage: "provider ...", fn: dAuthBasicProvider},
		{name: "AuthBasicAuthoritative", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, note: noteIgnored},
	},
	merge: func(r, base, over *DirConfig) {
		r.AuthBasicProvider = base.AuthBasicProvider
		if over.AuthBasicProvider != nil {
			r.AuthBasicProvider = over.AuthBasicProvider
		}
	},
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
