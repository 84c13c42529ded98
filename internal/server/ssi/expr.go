package ssi

import (
	"fmt"
	"regexp"
	"strings"
)

// The legacy expression language of #if and #elif (mod_include's parser
// before Apache 2.4's ap_expr, which SSILegacyExprParser On selects):
//
//	string            true when not empty after variable substitution
//	s1 = s2, s1 != s2 string (in)equality; "==" is "="
//	s = /regex/       a regular expression match (RE2 syntax); $0..$9
//	s != /regex/      are its groups afterwards
//	s1 < s2 ...       byte-wise comparison (<, <=, >, >=)
//	(expr), !expr, e1 && e2, e1 || e2
//	-A /uri           whether a subrequest for uri would be allowed
//
// Strings are words, 'quoted', with \ escaping the next character;
// adjacent words join with a space. && and || have the same precedence
// and group to the right, as in mod_include.

type tokType uint8

const (
	tString tokType = iota
	tRE
	tEQ
	tNE
	tAnd
	tOr
	tNot
	tLBrace
	tRBrace
	tGroup
	tGE
	tGT
	tLE
	tLT
	tAccess
)

type node struct {
	typ                 tokType
	val                 string
	parent, left, right *node
}

// Env is what an expression reads from the server.
type Env struct {
	// Expand substitutes variables in a string (see Expand).
	Expand func(s string) string
	// Match matches s against the regular expression re, recording its
	// groups for $0..$9; an error when re does not compile.
	Match func(s, re string) (bool, error)
	// Access reports whether a subrequest for uri would be allowed (-A).
	Access func(uri string) bool
}

// Eval parses and evaluates expr. An error says why it is invalid, in
// mod_include's words (the caller adds the file).
func Eval(expr string, env Env) (bool, error) {
	root, regex, err := parseExpr(expr)
	if err != nil || root == nil {
		return false, err
	}
	return eval(root, env, regex > 0, expr)
}

// nextToken reads one token from s at *pos; ok false at the end.
func nextToken(s string, pos *int, prev *node) (n *node, ok bool) {
	i := *pos
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	if i >= len(s) {
		*pos = i
		return nil, false
	}
	n = &node{typ: tString}
	c := s[i]
	i++
	two := func(next byte, t1, t2 tokType) *node {
		if i < len(s) && s[i] == next {
			i++
			n.typ = t2
		} else {
			n.typ = t1
		}
		*pos = i
		return n
	}
	var quote byte
	switch c {
	case '(':
		n.typ = tLBrace
		*pos = i
		return n, true
	case ')':
		n.typ = tRBrace
		*pos = i
		return n, true
	case '=':
		return two('=', tEQ, tEQ), true
	case '!':
		return two('=', tNot, tNE), true
	case '>':
		return two('=', tGT, tGE), true
	case '<':
		return two('=', tLT, tLE), true
	case '\'':
		quote = '\''
	case '/':
		if prev == nil || prev.typ != tAccess {
			n.typ, quote = tRE, '/'
		}
	case '|', '&':
		if i < len(s) && s[i] == c {
			i++
			n.typ = tOr
			if c == '&' {
				n.typ = tAnd
			}
			*pos = i
			return n, true
		}
	case '-':
		if i < len(s) && s[i] == 'A' {
			i++
			n.typ = tAccess
			*pos = i
			return n, true
		}
	}
	if quote == 0 {
		i-- // the first character is part of the string
	}
	var b strings.Builder
	closed := quote == 0
	for i < len(s) {
		c := s[i]
		if c == '\\' {
			if i+1 >= len(s) {
				i++
				break
			}
			b.WriteByte(s[i+1])
			i += 2
			continue
		}
		if quote != 0 {
			if c == quote {
				i++
				closed = true
				break
			}
		} else if isSpace(c) || c == '(' || c == ')' || c == '=' || c == '!' || c == '<' || c == '>' ||
			((c == '|' || c == '&') && i+1 < len(s) && s[i+1] == c) {
			break
		}
		b.WriteByte(c)
		i++
	}
	*pos = i
	if !closed {
		n.val = "" // an unmatched quote gives an empty string
	} else {
		n.val = b.String()
	}
	return n, true
}

// parseExpr builds mod_include's parse tree; regex counts the regular
// expressions (they turn short-circuit evaluation off: $0..$9).
func parseExpr(expr string) (root *node, regex int, err error) {
	invalid := fmt.Errorf("Invalid expression \"%s\"", expr)
	var cur *node
	pos := 0
	for {
		n, ok := nextToken(expr, &pos, cur)
		if !ok {
			break
		}
		if cur == nil {
			switch n.typ {
			case tString, tNot, tAccess, tLBrace:
				root, cur = n, n
				continue
			}
			return nil, 0, invalid
		}
		switch n.typ {
		case tString:
			switch cur.typ {
			case tString:
				if cur.val != "" {
					cur.val += " "
				}
				cur.val += n.val
				continue
			case tRE, tRBrace, tGroup:
			default:
				n.parent, cur.right = cur, n
				cur = n
				continue
			}
		case tRE:
			if cur.typ == tEQ || cur.typ == tNE {
				n.parent, cur.right = cur, n
				cur = n
				regex++
				continue
			}
		case tAnd, tOr:
			switch cur.typ {
			case tString, tRE, tGroup:
				cur = cur.parent
				for cur != nil && cur.typ != tAnd && cur.typ != tOr && cur.typ != tLBrace {
					cur = cur.parent
				}
				if cur == nil {
					n.left, root.parent = root, n
					root, cur = n, n
					continue
				}
				n.left = cur.right
				n.left.parent = n
				n.parent, cur.right = cur, n
				cur = n
				continue
			}
		case tEQ, tNE, tGE, tGT, tLE, tLT:
			if cur.typ == tString {
				cur = cur.parent
				if cur == nil {
					n.left, root.parent = root, n
					root, cur = n, n
					continue
				}
				switch cur.typ {
				case tLBrace, tAnd, tOr:
					n.left = cur.right
					n.left.parent = n
					n.parent, cur.right = cur, n
					cur = n
					continue
				}
			}
		case tRBrace:
			for cur != nil && cur.typ != tLBrace {
				cur = cur.parent
			}
			if cur != nil {
				cur.typ = tGroup
				continue
			}
			return nil, 0, fmt.Errorf("Unmatched ')' in \"%s\"", expr)
		case tNot, tAccess, tLBrace:
			switch cur.typ {
			case tString, tRE, tRBrace, tGroup:
			default:
				cur.right, n.parent = n, cur
				cur = n
				continue
			}
		}
		return nil, 0, invalid
	}
	return root, regex, nil
}

// eval evaluates n; noShort: a regular expression is in the expression,
// so both sides of && and || are evaluated (for $0..$9).
func eval(n *node, env Env, noShort bool, expr string) (bool, error) {
	invalid := fmt.Errorf("Invalid expression \"%s\"", expr)
	switch n.typ {
	case tString:
		return env.Expand(n.val) != "", nil
	case tAnd, tOr:
		if n.left == nil || n.right == nil {
			return false, invalid
		}
		l, err := eval(n.left, env, noShort, expr)
		if err != nil {
			return false, err
		}
		if !noShort && (n.typ == tAnd && !l || n.typ == tOr && l) {
			return l, nil
		}
		r, err := eval(n.right, env, noShort, expr)
		if err != nil {
			return false, err
		}
		if n.typ == tAnd {
			return l && r, nil
		}
		return l || r, nil
	case tEQ, tNE:
		if n.left == nil || n.right == nil || n.left.typ != tString || (n.right.typ != tString && n.right.typ != tRE) {
			return false, invalid
		}
		l, r := env.Expand(n.left.val), env.Expand(n.right.val)
		var v bool
		if n.right.typ == tRE {
			m, err := env.Match(l, r)
			if err != nil {
				return false, err
			}
			v = m
		} else {
			v = l == r
		}
		return v != (n.typ == tNE), nil
	case tGE, tGT, tLE, tLT:
		if n.left == nil || n.right == nil || n.left.typ != tString || n.right.typ != tString {
			return false, invalid
		}
		c := strings.Compare(env.Expand(n.left.val), env.Expand(n.right.val))
		switch n.typ {
		case tGE:
			return c >= 0, nil
		case tGT:
			return c > 0, nil
		case tLE:
			return c <= 0, nil
		}
		return c < 0, nil
	case tNot, tGroup:
		v := true
		if n.right != nil {
			var err error
			if v, err = eval(n.right, env, noShort, expr); err != nil {
				return false, err
			}
		}
		if n.typ == tNot {
			v = !v
		}
		return v, nil
	case tAccess:
		if n.left != nil || n.right == nil || (n.right.typ != tString && n.right.typ != tRE) {
			return false, fmt.Errorf("Invalid expression \"%s\": Token '-A' must be followed by a URI string.", expr)
		}
		return env.Access(env.Expand(n.right.val)), nil
	case tRE:
		return false, fmt.Errorf("No operator before regex in expr \"%s\"", expr)
	case tLBrace:
		return false, fmt.Errorf("Unmatched '(' in \"%s\"", expr)
	}
	return false, fmt.Errorf("internal parser error in \"%s\"", expr)
}

// Regexp compiles a #if regular expression (RE2 syntax, where Apache
// has POSIX extended expressions).
func Regexp(re string) (*regexp.Regexp, error) { return regexp.Compile(re) }

// apExprMarks are pieces of Apache 2.4's ap_expr syntax that the legacy
// language does not have.
var apExprMarks = []string{"%{", "=~", "!~", "v(", "v (", "reqenv(", "env(", "note(", "resp(", "req(", "http("}

var apExprOps = []string{"-z", "-n", "-R", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-in",
	"-ipmatch", "-strmatch", "-strcmatch", "-fnmatch", "-d", "-e", "-f", "-s", "-L", "-h", "-F", "-U", "-x"}

// LooksAPExpr reports whether expr uses syntax of Apache 2.4's ap_expr
// that the legacy language lacks (%{VAR}, =~, v('x'), -z ...): Apache,
// with SSILegacyExprParser off (its default), would read such an
// expression differently than the legacy parser does.
func LooksAPExpr(expr string) bool {
	for _, m := range apExprMarks {
		if strings.Contains(expr, m) {
			return true
		}
	}
	for _, w := range strings.Fields(expr) {
		w = strings.TrimLeft(w, "(!")
		for _, op := range apExprOps {
			if w == op {
				return true
			}
		}
	}
	return false
}
