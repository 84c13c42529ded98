package config

import (
	"maps"
	"strconv"
	"strings"
)

// expiresModule is mod_expires: ExpiresActive, ExpiresDefault and
// ExpiresByType, per directory. The server adds Expires and Cache-Control
// max-age to a response that has no Expires yet and is no error.
var expiresModule = &module{
	name:    "expires_module",
	builtin: true,
	directives: []*directive{
		{name: "ExpiresActive", ctx: cAll, override: OverrideIndexes, min: 1, max: 1, usage: "On|Off", fn: dExpiresActive},
		{name: "ExpiresByType", ctx: cAll, override: OverrideIndexes, min: 2, max: 2, usage: "type/subtype code", fn: dExpiresByType},
		{name: "ExpiresDefault", ctx: cAll, override: OverrideIndexes, min: 1, max: 1, usage: "code", fn: dExpiresDefault},
	},
	merge: mergeExpires,
}

// ExpiresCode is an expiry: a number of seconds after the request came in
// ("access", "now", "A") or after the file was last modified
// ("modification", "M").
type ExpiresCode struct {
	Modification bool
	Seconds      int64
}

// mergeExpires: ExpiresActive and ExpiresDefault are over's when set;
// ExpiresByType merges by type, over's winning. Whether a "type/*" entry
// is looked at (Apache's wildcards flag) goes with the innermost section
// that has any Expires* directive: see ExpiresWildcards.
func mergeExpires(r, base, over *DirConfig) {
	r.ExpiresActive = pick(base.ExpiresActive, over.ExpiresActive)
	r.ExpiresWildcards = pick(base.ExpiresWildcards, over.ExpiresWildcards)
	r.ExpiresDefault = pick(base.ExpiresDefault, over.ExpiresDefault)
	if base.ExpiresByType != nil || over.ExpiresByType != nil {
		r.ExpiresByType = make(map[string]ExpiresCode, len(base.ExpiresByType)+len(over.ExpiresByType))
		maps.Copy(r.ExpiresByType, base.ExpiresByType)
		maps.Copy(r.ExpiresByType, over.ExpiresByType)
	}
}

// expiresSeen notes that this section has an Expires* directive (see
// ExpiresWildcards).
func (c *call) expiresSeen() {
	if c.conf.ExpiresWildcards == nil {
		c.conf.ExpiresWildcards = ptr(false)
	}
}

func dExpiresActive(p *parser, c *call) error {
	c.expiresSeen()
	on, err := c.onOff(c.args[0])
	if err != nil {
		return err
	}
	c.conf.ExpiresActive = &on
	return nil
}

func dExpiresByType(p *parser, c *call) error {
	t := strings.ToLower(c.args[0])
	if !strings.Contains(t, "/") {
		return c.errf("invalid media type %q: it should contain a slash", c.args[0])
	}
	code, err := parseExpires(c.args[1])
	if err != nil {
		return c.errf("'ExpiresByType %s %s': %v", c.args[0], c.args[1], err)
	}
	c.expiresSeen()
	if strings.HasSuffix(t, "/*") {
		c.conf.ExpiresWildcards = ptr(true)
	}
	if c.conf.ExpiresByType == nil {
		c.conf.ExpiresByType = map[string]ExpiresCode{}
	}
	c.conf.ExpiresByType[t] = code
	return nil
}

func dExpiresDefault(p *parser, c *call) error {
	code, err := parseExpires(c.args[0])
	if err != nil {
		return c.errf("'ExpiresDefault %s': %v", c.args[0], err)
	}
	c.expiresSeen()
	c.conf.ExpiresDefault = &code
	return nil
}

type expiresError string

func (e expiresError) Error() string { return string(e) }

// parseExpires reads an expiry code as mod_expires' check_code does:
// "A3600" or "M86400" (seconds), or "<base> [plus] {<num> <type>}*" with
// base access, now or modification, type years, months, weeks, days,
// hours, minutes or seconds (singular or plural; Apache compares only
// the first letter, two for months and minutes).
func parseExpires(code string) (ExpiresCode, error) {
	if code != "" && (code[0] == 'A' || code[0] == 'M') {
		// Apache takes any code that starts with a capital A or M for
		// this form, and reads "Access plus 1 day" as 0 seconds.
		n, err := strconv.ParseInt(code[1:], 10, 64)
		if err != nil || n < 0 || !isDigits(code[1:]) {
			return ExpiresCode{}, expiresError("bad expires code: a code that starts with A or M is A<seconds> or M<seconds> " +
				"(Apache would read this one as 0 seconds); write the words in lower case")
		}
		return ExpiresCode{Modification: code[0] == 'M', Seconds: n}, nil
	}
	words := strings.Fields(code)
	var r ExpiresCode
	if len(words) == 0 {
		return r, expiresError("bad expires code, unrecognised <base> ''")
	}
	switch w := strings.ToLower(words[0]); {
	case w[0] == 'n' || w[0] == 'a':
	case w[0] == 'm':
		r.Modification = true
	default:
		return r, expiresError("bad expires code, unrecognised <base> '" + words[0] + "'")
	}
	words = words[1:]
	if len(words) > 0 && strings.ToLower(words[0])[0] == 'p' {
		words = words[1:]
	}
	for len(words) > 0 {
		if words[0][0] < '0' || words[0][0] > '9' {
			return r, expiresError("bad expires code, numeric value expected <num> '" + words[0] + "'")
		}
		num, err := strconv.ParseInt(strings.TrimRight(words[0], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"), 10, 32)
		if err != nil {
			return r, expiresError("bad expires code, numeric value expected <num> '" + words[0] + "'")
		}
		if len(words) < 2 {
			return r, expiresError("bad expires code, missing <type>")
		}
		factor := expiresUnit(strings.ToLower(words[1]))
		if factor == 0 {
			return r, expiresError("bad expires code, unrecognised <type>'" + words[1] + "'")
		}
		r.Seconds += num * factor
		words = words[2:]
	}
	return r, nil
}

// expiresUnit is the seconds in a unit word, 0 for none.
func expiresUnit(w string) int64 {
	switch {
	case w[0] == 'y':
		return 365 * 24 * 3600
	case strings.HasPrefix(w, "mo"):
		return 30 * 24 * 3600
	case w[0] == 'w':
		return 7 * 24 * 3600
	case w[0] == 'd':
		return 24 * 3600
	case w[0] == 'h':
		return 3600
	case strings.HasPrefix(w, "mi"):
		return 60
	case w[0] == 's':
		return 1
	}
	return 0
}
