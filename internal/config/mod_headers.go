package config

import (
	"regexp"
	"strings"

	"modpy/internal/apexpr"
)

// headersModule is mod_headers: Header and RequestHeader. Each line is a
// HeaderOp in one of three lists of the DirConfig: RequestHeader (applied
// to headers_in at fixups), Header (headers_out, "onsuccess": responses
// that go through the normal output path) and HeaderAlways (err_headers_out,
// "always": those and the server's own error responses). Sections append
// to the lists of the sections outside them; "early" lines run at
// post_read_request, from the server's lists.
var headersModule = &module{
	name:    "headers_module",
	builtin: true,
	directives: []*directive{
		{name: "Header", ctx: cAll, override: OverrideFileInfo, min: 2, max: 6,
			usage: "[always|onsuccess] action header [value [replacement]] [early|env=[!]var]", fn: dHeader},
		{name: "RequestHeader", ctx: cAll, override: OverrideFileInfo, min: 2, max: 5,
			usage: "action header [value [replacement]] [early|env=[!]var]", fn: dHeader},
	},
	merge: func(r, base, over *DirConfig) {
		r.RequestHeader = appendOps(base.RequestHeader, over.RequestHeader)
		r.Header = appendOps(base.Header, over.Header)
		r.HeaderAlways = appendOps(base.HeaderAlways, over.HeaderAlways)
	},
}

// HeaderAction is what a Header or RequestHeader line does.
type HeaderAction uint8

// mod_headers' actions.
const (
	HeaderSet        HeaderAction = iota // set: replace every field of the name
	HeaderSetIfEmpty                     // setifempty: set unless the field is there
	HeaderAdd                            // add: another field of the name
	HeaderAppend                         // append: ", value" onto the field (or set it)
	HeaderMerge                          // merge: append unless the value is one of its tokens
	HeaderUnset                          // unset: remove every field of the name
	HeaderEcho                           // echo: copy request fields whose names match Regex
	HeaderEdit                           // edit: replace Regex's first match in each field's value
	HeaderEditAll                        // edit*: replace every match
	HeaderNote                           // note: copy the field's value into the note Value names
)

var headerActions = map[string]HeaderAction{
	"set": HeaderSet, "setifempty": HeaderSetIfEmpty, "add": HeaderAdd, "append": HeaderAppend,
	"merge": HeaderMerge, "unset": HeaderUnset, "echo": HeaderEcho, "edit": HeaderEdit,
	"edit*": HeaderEditAll, "note": HeaderNote,
}

// HeaderOp is one Header or RequestHeader line.
type HeaderOp struct {
	Action HeaderAction
	Name   string // the field name (echo: unused)
	// Value is the value's format (edit, edit*: the replacement's, which
	// may also hold $0..$9; note: the note's name).
	Value  []HeaderFormat
	Regex  *regexp.Regexp // edit, edit*: on values; echo: on names
	Early  bool           // "early": runs at post_read_request
	Env    string         // "env=VAR" (NotEnv: "env=!VAR"); "" for none
	NotEnv bool
	// Expr is an "expr=" condition; ValueExpr an "expr=" value (it
	// replaces Value).
	Expr      *apexpr.Expr
	ValueExpr *apexpr.String
	Pos       Pos
}

// HeaderFormatKind is one piece of a mod_headers value.
type HeaderFormatKind uint8

// The pieces of a value: text and the format specifiers.
const (
	FormatText     HeaderFormatKind = iota // Text as it is (\n, \r, \t, \\ unescaped)
	FormatTime                             // %t: "t=" and the request's time in microseconds
	FormatDuration                         // %D: "D=" and microseconds since the request came in
	FormatEnv                              // %{VAR}e: the environment variable, "(null)" when unset
	FormatSSL                              // %{VAR}s: an SSL variable (mod_ssl's), "(null)" when empty
	FormatLoad                             // %l: "l=" and the load averages
	FormatIdle                             // %i: "i=" and the idle workers (percent)
	FormatBusy                             // %b: "b=" and the busy workers (percent)
)

// HeaderFormat is one piece of a value: text, or a format specifier with
// its {argument} in Text.
type HeaderFormat struct {
	Kind HeaderFormatKind
	Text string
}

var headerFormats = map[byte]HeaderFormatKind{
	't': FormatTime, 'D': FormatDuration, 'e': FormatEnv, 's': FormatSSL,
	'l': FormatLoad, 'i': FormatIdle, 'b': FormatBusy,
}

func appendOps(base, over []*HeaderOp) []*HeaderOp {
	if len(base)+len(over) == 0 {
		return nil
	}
	return append(append(make([]*HeaderOp, 0, len(base)+len(over)), base...), over...)
}

// dHeader parses Header and RequestHeader as Apache's header_cmd does:
// [condition] action header [value [replacement]] [envclause], where
// only edit takes a replacement, and unset and echo take no value.
func dHeader(p *parser, c *call) error {
	args := c.args
	list := &c.conf.RequestHeader
	if c.d.name == "Header" {
		list = &c.conf.Header
		switch strings.ToLower(args[0]) {
		case "always":
			list, args = &c.conf.HeaderAlways, args[1:]
		case "onsuccess":
			args = args[1:]
		}
	}
	if len(args) < 2 {
		return c.errf("takes an action and a header name")
	}
	action, ok := headerActions[strings.ToLower(args[0])]
	if !ok {
		return c.errf("first argument must be 'add', 'set', 'setifempty', 'append', 'merge', 'unset', 'echo', 'note', 'edit', or 'edit*', not %q", args[0])
	}
	op := &HeaderOp{Action: action, Pos: c.pos}
	name, rest := args[1], args[2:]
	var value, clause string
	switch action {
	case HeaderEdit, HeaderEditAll:
		if len(rest) < 2 {
			return c.errf("edit requires a match and a substitution")
		}
		re, err := regexp.Compile(rest[0])
		if err != nil {
			return c.errf("edit regular expression %q: %v", rest[0], err)
		}
		op.Regex, value, rest = re, rest[1], rest[2:]
	case HeaderUnset, HeaderEcho:
		if action == HeaderEcho {
			if c.d.name != "Header" {
				return c.errf("echo is valid only for Header")
			}
			re, err := regexp.Compile(name)
			if err != nil {
				return c.errf("echo regular expression %q: %v", name, err)
			}
			op.Regex = re
		}
	default:
		if len(rest) == 0 {
			return c.errf("%s requires a value", strings.ToLower(args[0]))
		}
		value, rest = rest[0], rest[1:]
	}
	switch len(rest) {
	case 0:
	case 1:
		clause = rest[0]
	default:
		return c.errf("too many arguments")
	}
	if err := op.condition(c, clause); err != nil {
		return err
	}
	if op.Early && c.sec != nil {
		return c.errf("early is valid only at server or virtual host level (it runs before the URI is mapped to a section); here it would never run")
	}
	name, _, _ = strings.Cut(name, ":")
	op.Name = name
	if v, ok := strings.CutPrefix(value, "expr="); ok {
		x, err := apexpr.ParseString(v)
		if err != nil {
			return c.errf("Can't parse value expression : %v", err)
		}
		op.ValueExpr = x
	} else {
		parts, err := parseHeaderFormat(value)
		if err != nil {
			return c.errf("%v", err)
		}
		op.Value = parts
	}
	*list = append(*list, op)
	return nil
}

// condition parses the line's last argument: early, env=[!]VAR or expr=.
func (op *HeaderOp) condition(c *call, clause string) error {
	lc := strings.ToLower(clause)
	switch {
	case clause == "":
	case lc == "early":
		op.Early = true
	case strings.HasPrefix(lc, "env="):
		v := clause[4:]
		if strings.HasPrefix(v, "!") {
			op.NotEnv, v = true, v[1:]
		}
		if v == "" {
			return c.errf("missing environment variable name: the condition is env=VAR or env=!VAR")
		}
		op.Env = v
	case strings.HasPrefix(lc, "expr="):
		x, err := apexpr.Parse(clause[5:])
		if err != nil {
			return c.errf("Can't parse envclause/expression: %v", err)
		}
		op.Expr = x
	default:
		return c.errf("unknown parameter %q (early, env=VAR or env=!VAR)", clause)
	}
	return nil
}

// parseHeaderFormat splits a value into text and format specifiers, as
// mod_headers' parse_format_string does: \n, \r, \t and \\ in text are
// unescaped; %% and a % at the end are a %; %{ARG}X passes ARG to X.
func parseHeaderFormat(s string) ([]HeaderFormat, error) {
	var out []HeaderFormat
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			out = append(out, HeaderFormat{Kind: FormatText, Text: text.String()})
			text.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\\' && i+1 < len(s) && strings.IndexByte(`\rnt`, s[i+1]) >= 0:
			i++
			text.WriteByte(unescapeHeader(s[i]))
		case ch != '%':
			text.WriteByte(ch)
		case i+1 == len(s) || s[i+1] == '%':
			text.WriteByte('%')
			i++
		default:
			i++
			arg := ""
			if s[i] == '{' {
				end := strings.IndexByte(s[i:], '}')
				if end < 0 {
					arg, i = s[i+1:], len(s)
				} else {
					arg, i = s[i+1:i+end], i+end+1
				}
			}
			if i >= len(s) {
				return nil, errFormat("")
			}
			kind, ok := headerFormats[s[i]]
			if !ok {
				return nil, errFormat(s[i : i+1])
			}
			flush()
			out = append(out, HeaderFormat{Kind: kind, Text: arg})
		}
	}
	flush()
	return out, nil
}

func unescapeHeader(c byte) byte {
	switch c {
	case 'r':
		return '\r'
	case 'n':
		return '\n'
	case 't':
		return '\t'
	}
	return c
}

type errFormat string

func (e errFormat) Error() string { return "Unrecognized header format %" + string(e) }
