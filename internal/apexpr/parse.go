package apexpr

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// Expr is a parsed boolean expression.
type Expr struct {
	root *cond
	src  string
}

// String is a parsed string expression (a Header expr= value): text with
// %{...} variables and functions in it.
type String struct {
	w   *word
	src string
}

// Source returns the expression as written.
func (e *Expr) Source() string { return e.src }

// Source returns the expression as written.
func (s *String) Source() string { return s.src }

// wordKind is what a word is.
type wordKind uint8

const (
	wText    wordKind = iota // text: a literal
	wVar                     // text: the variable's name, upper-case
	wFunc                    // text: the function's name, lower-case; arg its argument
	wBackref                 // n: $0..$9
	wConcat                  // parts
)

// word is a string-valued piece of an expression.
type word struct {
	kind  wordKind
	text  string
	n     int
	arg   *word
	parts []*word
}

// cond is a boolean node: op is "true", "false", "!", "&&", "||", a
// comparison ("==", "-eq", "=~", "in", ...), "-"+a unary operator or
// "-"+a binary one.
type cond struct {
	op     string
	l, r   *cond
	a, b   *word
	list   []*word
	re     *regexp.Regexp
	subnet netip.Prefix // -R and -ipmatch with a constant network
}

// Parse parses a boolean expression.
func Parse(s string) (*Expr, error) {
	p := &parser{lx: &lexer{s: s}}
	if err := p.next(); err != nil {
		return nil, err
	}
	c, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.errorf("syntax error near '%s'", p.tok.text)
	}
	return &Expr{root: c, src: s}, nil
}

// ParseString parses a string expression.
func ParseString(s string) (*String, error) {
	lx := &lexer{s: s}
	w, err := lx.str(0)
	if err != nil {
		return nil, err
	}
	return &String{w: w, src: s}, nil
}

type parser struct {
	lx  *lexer
	tok token
}

func (p *parser) next() error {
	t, err := p.lx.next()
	p.tok = t
	return err
}

func (p *parser) errorf(format string, a ...any) error {
	return fmt.Errorf("Parse error: "+format, a...)
}

// or: and { "||" or } (right-associative, as Apache's grammar).
func (p *parser) or() (*cond, error) {
	l, err := p.and()
	if err != nil || p.tok.kind != tOr {
		return l, err
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	r, err := p.or()
	if err != nil {
		return nil, err
	}
	return &cond{op: "||", l: l, r: r}, nil
}

func (p *parser) and() (*cond, error) {
	l, err := p.not()
	if err != nil || p.tok.kind != tAnd {
		return l, err
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	r, err := p.and()
	if err != nil {
		return nil, err
	}
	return &cond{op: "&&", l: l, r: r}, nil
}

func (p *parser) not() (*cond, error) {
	if p.tok.kind != tNot {
		return p.primary()
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	c, err := p.not()
	if err != nil {
		return nil, err
	}
	return &cond{op: "!", l: c}, nil
}

func (p *parser) primary() (*cond, error) {
	switch p.tok.kind {
	case tTrue, tFalse:
		c := &cond{op: p.tok.text}
		return c, p.next()
	case tLParen:
		if err := p.next(); err != nil {
			return nil, err
		}
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.errorf("missing ')'")
		}
		return c, p.next()
	case tUnary:
		op := p.tok.text
		if !strings.Contains("nzTRdefsLhx", op) {
			return nil, unknownOp("Unary operator", op)
		}
		if err := p.next(); err != nil {
			return nil, err
		}
		w, err := p.word()
		if err != nil {
			return nil, err
		}
		c := &cond{op: "-" + op, a: w}
		if op == "R" {
			return c, c.constSubnet(w)
		}
		return c, nil
	}
	a, err := p.word()
	if err != nil {
		return nil, err
	}
	op := p.tok
	switch op.kind {
	case tCmp:
		if err := p.next(); err != nil {
			return nil, err
		}
		b, err := p.word()
		return &cond{op: op.text, a: a, b: b}, err
	case tBinary:
		if !contains([]string{"ipmatch", "strmatch", "strcmatch", "fnmatch"}, strings.ToLower(op.text)) {
			return nil, unknownOp("Binary operator", op.text)
		}
		if err := p.next(); err != nil {
			return nil, err
		}
		b, err := p.word()
		if err != nil {
			return nil, err
		}
		c := &cond{op: "-" + strings.ToLower(op.text), a: a, b: b}
		if c.op == "-ipmatch" {
			return c, c.constSubnet(b)
		}
		return c, nil
	case tRegex:
		return nil, p.errorf("a regular expression needs =~ or !~ before it")
	case tIn:
		if err := p.next(); err != nil {
			return nil, err
		}
		if p.tok.kind != tLBrace {
			return nil, p.errorf("list functions are not supported by modpy: write the list as {'a', 'b'}")
		}
		c := &cond{op: "in", a: a}
		for {
			if err := p.next(); err != nil {
				return nil, err
			}
			w, err := p.word()
			if err != nil {
				return nil, err
			}
			c.list = append(c.list, w)
			if p.tok.kind == tRBrace {
				return c, p.next()
			}
			if p.tok.kind != tComma {
				return nil, p.errorf("expected ',' or '}' in a list")
			}
		}
	case tMatch:
		if err := p.next(); err != nil {
			return nil, err
		}
		if p.tok.kind != tRegex {
			return nil, p.errorf("%s needs a regular expression (/.../ or m#...#)", op.text)
		}
		re, err := regexp.Compile(p.tok.text)
		if err != nil {
			return nil, fmt.Errorf("Regex could not be compiled: %v", err)
		}
		return &cond{op: op.text, a: a, re: re}, p.next()
	}
	return nil, p.errorf("syntax error near '%s'", op.text)
}

// constSubnet parses the network of -R and -ipmatch when it is text.
func (c *cond) constSubnet(w *word) error {
	if w.kind != wText {
		return nil
	}
	n, err := parseSubnet(w.text)
	if err != nil {
		return err
	}
	c.subnet = n
	return nil
}

// word: atom { "." atom }.
func (p *parser) word() (*word, error) {
	w, err := p.atom()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tDot {
		return w, nil
	}
	c := &word{kind: wConcat, parts: []*word{w}}
	for p.tok.kind == tDot {
		if err := p.next(); err != nil {
			return nil, err
		}
		w, err := p.atom()
		if err != nil {
			return nil, err
		}
		c.parts = append(c.parts, w)
	}
	return c, nil
}

func (p *parser) atom() (*word, error) {
	t := p.tok
	switch t.kind {
	case tDigit:
		return &word{kind: wText, text: t.text}, p.next()
	case tWord: // a string, a %{...} or a $N, made by the lexer
		return t.w, p.next()
	case tID:
		if err := p.next(); err != nil {
			return nil, err
		}
		if p.tok.kind != tLParen {
			return nil, p.errorf("syntax error near '%s'", t.text)
		}
		if err := p.next(); err != nil {
			return nil, err
		}
		arg, err := p.word()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.errorf("missing ')' after the argument of %s", t.text)
		}
		f, err := funcWord(t.text, arg)
		if err != nil {
			return nil, err
		}
		return f, p.next()
	}
	return nil, p.errorf("syntax error near '%s'", t.text)
}

func unknownOp(kind, name string) error {
	switch name {
	case "F", "U", "A":
		return fmt.Errorf("%s '-%s' is not supported by modpy (it needs a subrequest)", kind, name)
	}
	return fmt.Errorf("%s '-%s' does not exist", kind, name)
}

// functions are the string functions modpy has.
var functions = []string{"req", "http", "req_novary", "resp", "reqenv", "note", "env", "osenv",
	"tolower", "toupper", "escape", "unescape", "base64", "unbase64", "md5", "sha1"}

func funcWord(name string, arg *word) (*word, error) {
	n := strings.ToLower(name)
	switch {
	case contains(functions, n):
		return &word{kind: wFunc, text: n, arg: arg}, nil
	case n == "file" || n == "filesize" || n == "ldap":
		return nil, fmt.Errorf("Function '%s' is not supported by modpy", name)
	}
	return nil, fmt.Errorf("Function '%s' does not exist", name)
}

// Variables are the %{NAME} variables, Apache's: the request's, the
// request headers', the connection's and the others; and mod_ssl's, any
// name starting with SSL_.
var Variables = []string{
	"REQUEST_METHOD", "REQUEST_SCHEME", "REQUEST_URI", "REQUEST_FILENAME", "REMOTE_HOST", "REMOTE_IDENT",
	"REMOTE_USER", "SERVER_ADMIN", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "SCRIPT_FILENAME",
	"PATH_INFO", "QUERY_STRING", "IS_SUBREQ", "DOCUMENT_ROOT", "AUTH_TYPE", "THE_REQUEST", "CONTENT_TYPE",
	"HANDLER", "REQUEST_LOG_ID", "SCRIPT_USER", "SCRIPT_GROUP", "DOCUMENT_URI", "LAST_MODIFIED",
	"CONTEXT_PREFIX", "CONTEXT_DOCUMENT_ROOT", "REQUEST_STATUS", "REMOTE_ADDR", "REMOTE_PORT",
	"HTTP_USER_AGENT", "HTTP_PROXY_CONNECTION", "HTTP_REFERER", "HTTP_COOKIE", "HTTP_FORWARDED", "HTTP_HOST",
	"HTTP_ACCEPT",
	"HTTPS", "IPV6", "CONN_LOG_ID", "CONN_REMOTE_ADDR", "HTTP2",
	"TIME_YEAR", "TIME_MON", "TIME_DAY", "TIME_HOUR", "TIME_MIN", "TIME_SEC", "TIME_WDAY", "TIME",
	"SERVER_SOFTWARE", "API_VERSION",
}

// HeaderVariables maps the HTTP_* variables to their request headers.
var HeaderVariables = map[string]string{
	"HTTP_USER_AGENT": "User-Agent", "HTTP_PROXY_CONNECTION": "Proxy-Connection", "HTTP_REFERER": "Referer",
	"HTTP_COOKIE": "Cookie", "HTTP_FORWARDED": "Forwarded", "HTTP_HOST": "Host", "HTTP_ACCEPT": "Accept",
}

func varWord(name string) (*word, error) {
	n := strings.ToUpper(name)
	if contains(Variables, n) {
		return &word{kind: wVar, text: n}, nil
	}
	if strings.HasPrefix(n, "SSL_") && len(n) > 4 { // mod_ssl's (Env.Var answers them)
		return &word{kind: wVar, text: n}, nil
	}
	return nil, fmt.Errorf("Variable '%s' does not exist", name)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseSubnet is apr_ipsubnet_create for -R and -ipmatch: an address,
// address/bits, or a partial IPv4 address ("10.1" is 10.1.0.0/16).
func parseSubnet(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return p, fmt.Errorf("bad IP network %q", s)
		}
		return p.Masked(), nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	parts := strings.Split(strings.TrimSuffix(s, "."), ".")
	var b [4]byte
	if len(parts) < 1 || len(parts) > 3 {
		return netip.Prefix{}, fmt.Errorf("bad IP address %q", s)
	}
	for i, x := range parts {
		v, err := strconv.Atoi(x)
		if err != nil || v < 0 || v > 255 || len(x) > 3 {
			return netip.Prefix{}, fmt.Errorf("bad IP address %q", s)
		}
		b[i] = byte(v)
	}
	return netip.PrefixFrom(netip.AddrFrom4(b), 8*len(parts)), nil
}
