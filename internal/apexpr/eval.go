package apexpr

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"net/netip"
	"net/url"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Env is what an expression reads of a request.
type Env interface {
	// Var is a %{NAME} variable; NAME is one of Variables.
	Var(name string) string
	// Lookup is a function's table: "req", "req_novary" (headers_in),
	// "resp" (headers_out, then err_headers_out), "reqenv"
	// (subprocess_env), "note" (notes), "env" (notes, subprocess_env, then
	// the process environment); ok is false when key is not there.
	Lookup(table, key string) (value string, ok bool)
	// ClientAddr is the client's address, for -R.
	ClientAddr() netip.Addr
}

// Result is what an evaluation found besides true or false.
type Result struct {
	// Source and Match are the last regular expression match that had
	// groups ($0..$9: Match holds submatch indexes into Source); Match is
	// nil when there was none.
	Source string
	Match  []int
	// Vary are the request headers the expression read by req(), http()
	// and the HTTP_* variables (Host left out): Apache adds them to the
	// response's Vary.
	Vary []string
}

type evalCtx struct {
	env Env
	res Result
}

// Eval evaluates the expression.
func (e *Expr) Eval(env Env) (bool, Result) {
	c := &evalCtx{env: env}
	return c.cond(e.root), c.res
}

// Eval evaluates the string expression.
func (s *String) Eval(env Env) (string, Result) {
	c := &evalCtx{env: env}
	return c.word(s.w), c.res
}

func (c *evalCtx) cond(n *cond) bool {
	switch n.op {
	case "true":
		return true
	case "false":
		return false
	case "!":
		return !c.cond(n.l)
	case "&&":
		return c.cond(n.l) && c.cond(n.r)
	case "||":
		return c.cond(n.l) || c.cond(n.r)
	case "==":
		return c.word(n.a) == c.word(n.b)
	case "!=":
		return c.word(n.a) != c.word(n.b)
	case "<":
		return c.word(n.a) < c.word(n.b)
	case "<=":
		return c.word(n.a) <= c.word(n.b)
	case ">":
		return c.word(n.a) > c.word(n.b)
	case ">=":
		return c.word(n.a) >= c.word(n.b)
	case "-eq", "-ne", "-lt", "-le", "-gt", "-ge":
		a, b := atoi64(c.word(n.a)), atoi64(c.word(n.b))
		switch n.op {
		case "-eq":
			return a == b
		case "-ne":
			return a != b
		case "-lt":
			return a < b
		case "-le":
			return a <= b
		case "-gt":
			return a > b
		}
		return a >= b
	case "in":
		v := c.word(n.a)
		for _, w := range n.list {
			if c.word(w) == v {
				return true
			}
		}
		return false
	case "=~", "!~":
		v := c.word(n.a)
		var ok bool
		if n.re.NumSubexp() > 0 {
			m := n.re.FindStringSubmatchIndex(v)
			ok = m != nil
			if ok {
				c.res.Source, c.res.Match = v, m
			} else {
				c.res.Source, c.res.Match = "", nil
			}
		} else {
			ok = n.re.MatchString(v)
		}
		return ok == (n.op == "=~")
	case "-n":
		return c.word(n.a) != ""
	case "-z":
		return c.word(n.a) == ""
	case "-T":
		switch v := strings.ToLower(c.word(n.a)); v {
		case "", "0", "off", "no", "false":
			return false
		}
		return true
	case "-R":
		return c.inSubnet(c.env.ClientAddr(), n, n.a)
	case "-ipmatch":
		a, err := netip.ParseAddr(c.word(n.a))
		return err == nil && c.inSubnet(a.Unmap(), n, n.b)
	case "-strmatch", "-strcmatch", "-fnmatch":
		return globMatch(c.word(n.b), c.word(n.a), n.op == "-strcmatch", n.op == "-fnmatch")
	case "-d", "-e", "-f", "-s", "-x":
		fi, err := os.Stat(c.word(n.a))
		if err != nil {
			return false
		}
		switch n.op {
		case "-d":
			return fi.IsDir()
		case "-f":
			return fi.Mode().IsRegular()
		case "-s":
			return fi.Mode().IsRegular() && fi.Size() > 0
		case "-x":
			return !fi.IsDir() && fi.Mode()&0o111 != 0
		}
		return true
	case "-L", "-h":
		fi, err := os.Lstat(c.word(n.a))
		return err == nil && fi.Mode()&os.ModeSymlink != 0
	}
	return false
}

// inSubnet tests a against the cond's network, constant or from w.
func (c *evalCtx) inSubnet(a netip.Addr, n *cond, w *word) bool {
	p := n.subnet
	if !p.IsValid() {
		var err error
		if p, err = parseSubnet(c.word(w)); err != nil {
			return false
		}
	}
	return a.IsValid() && p.Contains(a.Unmap())
}

func (c *evalCtx) word(w *word) string {
	switch w.kind {
	case wText:
		return w.text
	case wVar:
		if h, ok := HeaderVariables[w.text]; ok {
			c.vary(h)
		}
		return c.env.Var(w.text)
	case wBackref:
		m := c.res.Match
		if 2*w.n+1 < len(m) && m[2*w.n] >= 0 {
			return c.res.Source[m[2*w.n]:m[2*w.n+1]]
		}
		return ""
	case wConcat:
		var b strings.Builder
		for _, p := range w.parts {
			b.WriteString(c.word(p))
		}
		return b.String()
	}
	return c.call(w.text, c.word(w.arg))
}

func (c *evalCtx) vary(h string) {
	if strings.EqualFold(h, "Host") {
		return
	}
	for _, v := range c.res.Vary {
		if strings.EqualFold(v, h) {
			return
		}
	}
	c.res.Vary = append(c.res.Vary, h)
}

func (c *evalCtx) call(fn, arg string) string {
	switch fn {
	case "req", "http":
		c.vary(arg)
		v, _ := c.env.Lookup("req", arg)
		return v
	case "req_novary", "resp", "reqenv", "note", "env":
		table := fn
		if fn == "req_novary" {
			table = "req"
		}
		v, _ := c.env.Lookup(table, arg)
		return v
	case "osenv":
		return os.Getenv(arg)
	case "tolower":
		return strings.ToLower(arg)
	case "toupper":
		return strings.ToUpper(arg)
	case "escape":
		return (&url.URL{Path: arg}).EscapedPath()
	case "unescape":
		if v, err := url.PathUnescape(arg); err == nil {
			return v
		}
		return ""
	case "base64":
		return base64.StdEncoding.EncodeToString([]byte(arg))
	case "unbase64":
		b, _ := base64.StdEncoding.DecodeString(arg)
		return string(b)
	case "md5":
		h := md5.Sum([]byte(arg))
		return hex.EncodeToString(h[:])
	case "sha1":
		h := sha1.Sum([]byte(arg))
		return hex.EncodeToString(h[:])
	}
	return ""
}

// atoi64 is apr_atoi64: leading spaces, a sign and the digits that
// follow; 0 when there are none.
func atoi64(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\r\f\v")
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	for end < len(s) && isDigit(s[end]) {
		end++
	}
	n, _ := strconv.ParseInt(s[:end], 10, 64)
	return n
}

// globMatch is apr_fnmatch: *, ? and [...] (with ! or ^ negating);
// pathname: * and ? do not match /.
func globMatch(pattern, s string, fold, pathname bool) bool {
	if pathname {
		ok, err := path.Match(pattern, s)
		return err == nil && ok
	}
	var b strings.Builder
	if fold {
		b.WriteString("(?i)")
	}
	b.WriteByte('^')
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*':
			b.WriteString("(?s:.*)")
		case '?':
			b.WriteString("(?s:.)")
		case '[':
			j := strings.IndexByte(pattern[i+1:], ']')
			if j < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := pattern[i+1 : i+1+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j + 1
		case '\\':
			if i+1 < len(pattern) {
				i++
				b.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteByte('$')
	re, err := regexp.Compile(b.String())
	return err == nil && re.MatchString(s)
}
