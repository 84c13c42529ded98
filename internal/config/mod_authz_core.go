package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Access control: mod_authz_core's Require, <RequireAll>, <RequireAny>,
// <RequireNone> and AuthMerging, with mod_authz_host's and mod_authz_user's
// providers (mod_access_compat's Order, Allow, Deny and Satisfy are
// mod_access_compat.go's).

// authzCoreModule is mod_authz_core.
var authzCoreModule = &module{
	name:    "authz_core_module",
	builtin: true,
	directives: []*directive{
		{name: "Require", ctx: cSections, override: OverrideAuthConfig, min: 1, max: -1, usage: "[not] all granted|all denied|local|ip ...|host ...|env ...|valid-user|user ...|group ...", fn: dRequire},
		{name: "AuthMerging", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, usage: "Off|And|Or", fn: dAuthMerging},
		{name: "AuthzSendForbiddenOnFailure", ctx: cSections, override: OverrideAuthConfig, min: 1, max: 1, note: noteIgnored},
	},
	merge: func(r, base, over *DirConfig) {
		r.Require = mergeRequire(base.Require, over.Require, over.AuthMerging)
		r.AuthMerging = over.AuthMerging // not inherited
	},
}

// mergeRequire is mod_authz_core's merge of an inner section's Require
// (over, with its AuthMerging m) onto the outer one (base).
func mergeRequire(base, over *Require, m *AuthMerge) *Require {
	switch {
	case m == nil && over == nil:
		return base
	case m == nil || *m == AuthMergeOff || base == nil:
		return over
	case over == nil:
		return base
	}
	op := RequireAll
	if *m == AuthMergeOr {
		op = RequireAny
	}
	return &Require{Op: op, Rules: []*Require{base, over}, Merged: true, Pos: over.Pos}
}

func isCondSection(key string) bool {
	switch key {
	case "ifmodule", "ifdefine", "ifversion", "iffile", "ifdirective", "ifsection":
		return true
	}
	return false
}

// authzFrame is the innermost open <RequireAll|Any|None>, or nil.
func (p *parser) authzFrame() *frame {
	for i := len(p.stack) - 1; i >= 0; i-- {
		switch p.stack[i].kind {
		case frameAuthz:
			return p.stack[i]
		case frameSection, frameVHost:
			return nil
		}
	}
	return nil
}

// openAuthz opens a <RequireAll>, <RequireAny> or <RequireNone>.
func (p *parser) openAuthz(key, tag string, args []string, pos Pos, sc scope) error {
	e := func(format string, a ...any) error {
		return &Error{Pos: pos, Directive: "<" + tag + ">", Msg: fmt.Sprintf(format, a...)}
	}
	if sc.ctx&cSections == 0 {
		return e("not allowed in %s (allowed in: %s)", sc.tag, ctxNames(cSections))
	}
	if len(args) > 0 {
		return e("directive doesn't take additional arguments")
	}
	op := RequireAny
	switch key {
	case "requireall":
		op = RequireAll
	case "requirenone":
		op = RequireNone
	}
	p.stack = append(p.stack, &frame{kind: frameAuthz, tag: tag, pos: pos, srv: sc.srv, sec: sc.sec, ctx: sc.ctx,
		node: &Require{Op: op, Pos: pos}})
	return nil
}

// negative tells whether a rule can only deny or be neutral: "Require not"
// and <RequireNone>.
func (r *Require) negative() bool {
	if r.Provider != "" {
		return r.Not
	}
	return r.Op == RequireNone
}

// closeAuthz checks a container at its closing tag, as mod_authz_core
// does, and adds it to the enclosing container.
func (p *parser) closeAuthz(f *frame) error {
	n := f.node
	e := func(format string, a ...any) error {
		return &Error{Pos: f.pos, Directive: "<" + f.tag + ">", Msg: fmt.Sprintf(format, a...)}
	}
	if len(n.Rules) == 0 {
		return e("%s directive contains no authorization directives", n.Op)
	}
	if n.Op == RequireAll {
		pos := false
		for _, r := range n.Rules {
			pos = pos || !r.negative()
		}
		if !pos {
			return e("%s directive contains only negative authorization directives (add a positive rule such as \"Require all granted\")", n.Op)
		}
	}
	parent := p.authzParent(f.sec, f.pos)
	if n.Op == RequireNone && parent.Op != RequireAll {
		return e("%s directive has no effect in %s directive", n.Op, parent.Op)
	}
	if n.Op != RequireNone && n.Op == parent.Op {
		parent.Rules = append(parent.Rules, n.Rules...) // associative, as Apache
	} else {
		parent.Rules = append(parent.Rules, n)
	}
	return nil
}

// authzParent is the container a Require or container at this point joins:
// the innermost open one, else the section's implicit <RequireAny>.
func (p *parser) authzParent(sec *Section, pos Pos) *Require {
	if af := p.authzFrame(); af != nil {
		return af.node
	}
	if sec.Conf.Require == nil {
		sec.Conf.Require = &Require{Op: RequireAny, Pos: pos}
	}
	return sec.Conf.Require
}

// unsupportedProviders are Apache authz providers modpy does not have.
var unsupportedProviders = map[string]bool{
	"method": true, "expr": true, "file-owner": true, "file-group": true, "forward-dns": true,
	"dbd-group": true, "dbd-login": true, "dbd-logout": true, "ldap-user": true, "ldap-group": true,
	"ldap-dn": true, "ldap-attribute": true, "ldap-filter": true, "ldap-search": true, "dbm-group": true,
}

func dRequire(p *parser, c *call) error {
	r := &Require{Pos: c.pos}
	a := c.args
	if strings.EqualFold(a[0], "not") {
		r.Not = true
		a = a[1:]
		if len(a) == 0 {
			return c.errf("\"Require not\" needs a rule (Require not ip 10.0.0.0/8, ...)")
		}
	}
	r.Provider = strings.ToLower(a[0])
	r.kind = authzProviders[r.Provider]
	args := a[1:]
	switch r.kind {
	case AuthzAll:
		switch {
		case len(args) == 1 && strings.EqualFold(args[0], "granted"):
			r.Granted = true
		case len(args) == 1 && strings.EqualFold(args[0], "denied"):
		default:
			return c.errf("\"Require all\" takes granted or denied")
		}
	case AuthzLocal:
		if len(args) > 0 {
			return c.errf("\"Require local\" takes no arguments")
		}
	case AuthzIP:
		if len(args) == 0 {
			return c.errf("\"Require ip\" takes at least one address or network")
		}
		for _, w := range args {
			addr, mask, hasMask := strings.Cut(w, "/")
			n, looksIP, err := parseIPSubnet(addr, mask, hasMask)
			if err != nil || !looksIP {
				return c.errf("ip address '%s' appears to be invalid", w)
			}
			r.Nets = append(r.Nets, n)
		}
	case AuthzHost, AuthzEnv, AuthzUser, AuthzGroup, AuthzWSGIGroup:
		if len(args) == 0 {
			return c.errf("\"Require %s\" takes at least one argument", r.Provider)
		}
		if r.kind == AuthzGroup {
			if err := checkGroupArgs(c, args); err != nil {
				return err
			}
		}
		for _, w := range args {
			if r.kind == AuthzHost {
				w = strings.ToLower(w)
			}
			r.Args = append(r.Args, w)
		}
	case AuthzValidUser:
		// Apache ignores arguments here.
	default:
		if unsupportedProviders[r.Provider] {
			return c.errf("\"Require %s\" is not supported by modpy (supported: all, local, ip, host, env, valid-user, user, group, wsgi-group)", a[0])
		}
		return c.errf("Unknown Authz provider: %s", a[0])
	}
	parent := p.authzParent(c.sec, c.pos)
	if r.Not && parent.Op != RequireAll {
		return c.errf("negative Require directive has no effect in %s directive (put it inside <RequireAll> with a positive rule)", parent.Op)
	}
	parent.Rules = append(parent.Rules, r)
	return nil
}

func dAuthMerging(p *parser, c *call) error {
	var m AuthMerge
	switch strings.ToLower(c.args[0]) {
	case "off":
		m = AuthMergeOff
	case "and":
		m = AuthMergeAnd
	case "or":
		m = AuthMergeOr
	default:
		return c.errf("must be one of: Off | And | Or")
	}
	c.conf.AuthMerging = &m
	return nil
}

// parseIPSubnet is apr_ipsubnet_create: addr is a full IPv4 or IPv6
// address, or (without a mask) a partial IPv4 address such as "10.1" or
// "10.1." meaning 10.1.0.0/16; mask is a bit count or a dotted IPv4
// netmask. looksIP is false (with no error) when addr does not look like
// an address at all (a host name, for Allow from).
func parseIPSubnet(addr, mask string, hasMask bool) (n netip.Prefix, looksIP bool, err error) {
	isV6 := strings.Contains(addr, ":")
	if !isV6 && (addr == "" || strings.Trim(addr, "0123456789.") != "") {
		return n, false, nil
	}
	var ip netip.Addr
	bits := -1
	if isV6 {
		ip, err = netip.ParseAddr(addr)
		if err != nil || ip.Zone() != "" {
			return n, true, fmt.Errorf("bad IP address %q", addr)
		}
		ip = ip.Unmap()
	} else {
		parts := strings.Split(strings.TrimSuffix(addr, "."), ".")
		if len(parts) > 4 || (len(parts) < 4 && hasMask) {
			return n, true, fmt.Errorf("bad IP address %q", addr)
		}
		var b [4]byte
		for i, s := range parts {
			v, e := strconv.Atoi(s)
			if e != nil || v > 255 || len(s) > 3 {
				return n, true, fmt.Errorf("bad IP address %q", addr)
			}
			b[i] = byte(v)
		}
		ip = netip.AddrFrom4(b)
		bits = 8 * len(parts)
	}
	if hasMask {
		switch {
		case mask != "" && strings.Trim(mask, "0123456789") == "":
			v, e := strconv.Atoi(mask)
			if e != nil || v > ip.BitLen() {
				return n, true, fmt.Errorf("bad network mask %q", mask)
			}
			bits = v
		case ip.Is4():
			m, e := netip.ParseAddr(mask)
			if e != nil || !m.Is4() {
				return n, true, fmt.Errorf("bad network mask %q", mask)
			}
			v := 0
			mb := m.As4()
			u := uint32(mb[0])<<24 | uint32(mb[1])<<16 | uint32(mb[2])<<8 | uint32(mb[3])
			for u&(1<<31) != 0 {
				v++
				u <<= 1
			}
			if u != 0 {
				return n, true, fmt.Errorf("network mask %q is not contiguous", mask)
			}
			bits = v
		default:
			return n, true, fmt.Errorf("bad network mask %q", mask)
		}
	}
	if bits < 0 {
		bits = ip.BitLen()
	}
	return netip.PrefixFrom(ip, bits).Masked(), true, nil
}

// String renders the rule compactly, for logs and tests: a Require line
// as written after "Require" ("not ip 10.0.0.0/8"), a container as
// any(...), all(...) or none(...).
func (r *Require) String() string {
	if r == nil {
		return "<nil>"
	}
	var b strings.Builder
	if r.Provider == "" {
		b.WriteString([...]string{"any", "all", "none"}[r.Op])
		b.WriteString("(")
		for i, c := range r.Rules {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(c.String())
		}
		b.WriteString(")")
		return b.String()
	}
	if r.Not {
		b.WriteString("not ")
	}
	b.WriteString(r.Provider)
	switch r.Kind() {
	case AuthzAll:
		if r.Granted {
			b.WriteString(" granted")
		} else {
			b.WriteString(" denied")
		}
	case AuthzIP:
		for _, n := range r.Nets {
			b.WriteString(" " + n.String())
		}
	default:
		for _, a := range r.Args {
			b.WriteString(" " + a)
		}
	}
	return b.String()
}
