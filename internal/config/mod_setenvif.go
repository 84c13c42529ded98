package config

import (
	"regexp"
	"strings"

	"modpy/internal/apexpr"
)

// setenvifModule is mod_setenvif: SetEnvIf, SetEnvIfNoCase, BrowserMatch,
// BrowserMatchNoCase and SetEnvIfExpr (an ap_expr, internal/apexpr). A rule
// written at server or virtual host level goes in Server.SetEnvIf and runs
// at post_read_request; one in a section or .htaccess goes in
// DirConfig.SetEnvIf and runs at header_parser, as in Apache.
var setenvifModule = &module{
	name:    "setenvif_module",
	builtin: true,
	directives: []*directive{
		{name: "SetEnvIf", ctx: cAll, override: OverrideFileInfo, min: 3, max: -1, usage: "attribute regex [!]var[=value] ...", fn: dSetEnvIf},
		{name: "SetEnvIfNoCase", ctx: cAll, override: OverrideFileInfo, min: 3, max: -1, usage: "attribute regex [!]var[=value] ...", fn: dSetEnvIf},
		{name: "BrowserMatch", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, usage: "regex [!]var[=value] ...", fn: dSetEnvIf},
		{name: "BrowserMatchNoCase", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, usage: "regex [!]var[=value] ...", fn: dSetEnvIf},
		{name: "SetEnvIfExpr", ctx: cAll, override: OverrideFileInfo, min: 2, max: -1, usage: "expression [!]var[=value] ...", fn: dSetEnvIfExpr},
	},
	merge: func(r, base, over *DirConfig) {
		r.SetEnvIf = appendRules(base.SetEnvIf, over.SetEnvIf)
	},
}

// EnvAttr is what a SetEnvIf rule matches its pattern against.
type EnvAttr uint8

// SetEnvIf's attributes.
const (
	// EnvHeader: the request header Name, or (when the request has no
	// such header) the environment variable Name set by an earlier rule.
	EnvHeader EnvAttr = iota
	// EnvHeaderRegex: the last request header whose name NameRe matches
	// (the attribute is a regular expression).
	EnvHeaderRegex
	EnvRemoteAddr      // Remote_Addr: the client's address (after mod_remoteip)
	EnvRemoteHost      // Remote_Host: its host name (with HostnameLookups Off, the address)
	EnvServerAddr      // Server_Addr: the address the connection came in on
	EnvRequestURI      // Request_URI: the URI path, without the query string
	EnvRequestMethod   // Request_Method
	EnvRequestProtocol // Request_Protocol: "HTTP/1.1"
)

// envAttrs are SetEnvIf's special attribute names, lower-case.
var envAttrs = map[string]EnvAttr{
	"remote_addr": EnvRemoteAddr, "remote_host": EnvRemoteHost, "server_addr": EnvServerAddr,
	"request_uri": EnvRequestURI, "request_method": EnvRequestMethod, "request_protocol": EnvRequestProtocol,
}

// EnvRule is one SetEnvIf, SetEnvIfNoCase, BrowserMatch or
// BrowserMatchNoCase line.
type EnvRule struct {
	Attr   EnvAttr
	Name   string         // EnvHeader: the header (or variable) name
	NameRe *regexp.Regexp // EnvHeaderRegex
	// The pattern: Re, or for a pattern without regular expression
	// syntax, Literal (found anywhere in the value, as Apache's
	// apr_strmatch: without case for the NoCase forms).
	Re      *regexp.Regexp
	Literal string
	NoCase  bool
	// Expr is SetEnvIfExpr's expression (then the fields above are
	// unset).
	Expr *apexpr.Expr
	// Vars are what a match does, in order.
	Vars []EnvVarSet
	Pos  Pos
}

// EnvVarSet is one "var", "var=value" or "!var" of a SetEnvIf line.
type EnvVarSet struct {
	Name  string
	Value string // "1" for a bare name; may hold $0..$9 (a regular expression's groups)
	Unset bool   // "!var"
}

// appendRules is base's rules, then over's, in a new slice (nil when both
// are empty): mod_setenvif's merge, for sections and for servers.
func appendRules(base, over []*EnvRule) []*EnvRule {
	if len(base)+len(over) == 0 {
		return nil
	}
	return append(append(make([]*EnvRule, 0, len(base)+len(over)), base...), over...)
}

// headerNameChars is Apache's test whether a SetEnvIf attribute is a plain
// header name rather than a regular expression on header names.
var headerNameChars = regexp.MustCompile(`^[-A-Za-z0-9_]*$`)

func dSetEnvIf(p *parser, c *call) error {
	nocase := strings.HasSuffix(c.d.name, "NoCase")
	attr, args := "User-Agent", c.args
	if strings.HasPrefix(c.d.name, "SetEnvIf") {
		attr, args = args[0], args[1:]
	}
	r := &EnvRule{NoCase: nocase, Pos: c.pos}
	if a, ok := envAttrs[strings.ToLower(attr)]; ok {
		r.Attr = a
	} else if headerNameChars.MatchString(attr) {
		r.Attr, r.Name = EnvHeader, attr
	} else {
		re, err := compileFold(attr, nocase)
		if err != nil {
			return c.errf("header name regular expression %q: %v", attr, err)
		}
		r.Attr, r.NameRe = EnvHeaderRegex, re
	}
	if lit, ok := literalPattern(args[0]); ok {
		r.Literal = lit
		if nocase {
			r.Literal = strings.ToLower(lit)
		}
	} else {
		re, err := compileFold(args[0], nocase)
		if err != nil {
			return c.errf("regular expression %q: %v", args[0], err)
		}
		r.Re = re
	}
	vars, err := envVarSets(c, args[1:])
	if err != nil {
		return err
	}
	r.Vars = vars
	c.addEnvRule(r)
	return nil
}

// dSetEnvIfExpr is SetEnvIfExpr: the rule matches when the ap_expr
// expression is true.
func dSetEnvIfExpr(p *parser, c *call) error {
	x, err := apexpr.Parse(c.args[0])
	if err != nil {
		return c.errf("Could not parse expression %q: %v", c.args[0], err)
	}
	vars, err := envVarSets(c, c.args[1:])
	if err != nil {
		return err
	}
	c.addEnvRule(&EnvRule{Expr: x, Vars: vars, Pos: c.pos})
	return nil
}

// addEnvRule puts a rule where it runs: a server's (post_read_request) or
// a section's (header_parser).
func (c *call) addEnvRule(r *EnvRule) {
	if c.sec == nil {
		c.srv.SetEnvIf = append(c.srv.SetEnvIf, r)
	} else {
		c.conf.SetEnvIf = append(c.conf.SetEnvIf, r)
	}
}

// envVarSets parses the "[!]var[=value]" arguments of a SetEnvIf line.
func envVarSets(c *call, args []string) ([]EnvVarSet, error) {
	var out []EnvVarSet
	for _, a := range args {
		name, value, hasValue := strings.Cut(a, "=")
		v := EnvVarSet{Name: name, Value: value}
		switch {
		case hasValue && value != "":
		case strings.HasPrefix(name, "!"):
			v = EnvVarSet{Name: name[1:], Unset: true}
		default:
			v.Value = "1"
		}
		if v.Name == "" {
			return nil, c.errf("%q names no variable", a)
		}
		out = append(out, v)
	}
	return out, nil
}

// compileFold compiles a regular expression, without case if fold is set.
func compileFold(s string, fold bool) (*regexp.Regexp, error) {
	if fold {
		s = "(?i)" + s
	}
	return regexp.Compile(s)
}

// literalPattern is Apache's non_regex_pattern: a pattern with no regular
// expression syntax is plain text to find (its backslash escapes
// removed); ok is false for one that needs the regular expression engine.
func literalPattern(s string) (lit string, ok bool) {
	var b strings.Builder
	escaped := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case escaped:
			if !strings.ContainsRune(`^.$|()[]*+?{}\`, rune(ch)) {
				return "", false // \d, \w...: a class, not a literal
			}
			b.WriteByte(ch)
			escaped = false
		case ch == '\\':
			escaped = true
		case strings.IndexByte("^.$|()[]*+?{}", ch) >= 0:
			return "", false
		default:
			b.WriteByte(ch)
		}
	}
	return b.String(), true // (a trailing backslash is dropped, as in Apache)
}
