package apexpr

import (
	"fmt"
	"strings"
)

// The tokens of ap_expr (util_expr_scan.l). Strings, %{...} and $N come
// out whole, as tWord.
type tokKind uint8

const (
	tEOF tokKind = iota
	tTrue
	tFalse
	tNot
	tAnd
	tOr
	tLParen
	tRParen
	tLBrace
	tRBrace
	tComma
	tDot
	tCmp    // text: ==, !=, <, <=, >, >=, -eq, -ne, -lt, -le, -gt, -ge
	tMatch  // =~, !~
	tIn     // in, -in
	tRegex  // text: the pattern (with (?i) for the i flag)
	tUnary  // text: the letter
	tBinary // text: the name
	tDigit
	tID
	tWord
)

type token struct {
	kind tokKind
	text string
	w    *word
}

type lexer struct {
	s   string
	pos int
}

// keywords are the words the lexer takes before identifiers.
var keywords = map[string]token{
	"true": {kind: tTrue, text: "true"}, "false": {kind: tFalse, text: "false"},
	"and": {kind: tAnd, text: "&&"}, "or": {kind: tOr, text: "||"}, "not": {kind: tNot, text: "!"},
	"in": {kind: tIn, text: "in"},
	"eq": {kind: tCmp, text: "-eq"}, "ne": {kind: tCmp, text: "-ne"}, "lt": {kind: tCmp, text: "-lt"},
	"le": {kind: tCmp, text: "-le"}, "gt": {kind: tCmp, text: "-gt"}, "ge": {kind: tCmp, text: "-ge"},
}

// regexDelims may follow m to start m#...#.
const regexDelims = "/#$%^,;:_?|-!.'\""

func isIDStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIDChar(c byte) bool  { return isIDStart(c) || c >= '0' && c <= '9' || c == '_' }
func isDigit(c byte) bool   { return c >= '0' && c <= '9' }

func (lx *lexer) errorf(format string, a ...any) error {
	return fmt.Errorf("Parse error: "+format, a...)
}

func (lx *lexer) next() (token, error) {
	s := lx.s
	for lx.pos < len(s) && (s[lx.pos] == ' ' || s[lx.pos] == '\t' || s[lx.pos] == '\n') {
		lx.pos++
	}
	if lx.pos >= len(s) {
		return token{kind: tEOF}, nil
	}
	c, rest := s[lx.pos], s[lx.pos:]
	switch {
	case c == '"' || c == '\'':
		lx.pos++
		w, err := lx.str(c)
		return token{kind: tWord, w: w, text: "string"}, err
	case strings.HasPrefix(rest, "%{"):
		lx.pos += 2
		w, err := lx.variable()
		return token{kind: tWord, w: w, text: "%{"}, err
	case c == '$' && len(rest) > 1 && isDigit(rest[1]):
		lx.pos += 2
		return token{kind: tWord, w: &word{kind: wBackref, n: int(rest[1] - '0')}, text: rest[:2]}, nil
	case c == '/' || (c == 'm' && len(rest) > 1 && strings.IndexByte(regexDelims, rest[1]) >= 0):
		return lx.regex()
	}
	for _, op := range []struct {
		s string
		t token
	}{
		{"&&", token{kind: tAnd, text: "&&"}}, {"||", token{kind: tOr, text: "||"}},
		{"==", token{kind: tCmp, text: "=="}}, {"!=", token{kind: tCmp, text: "!="}},
		{"=~", token{kind: tMatch, text: "=~"}}, {"!~", token{kind: tMatch, text: "!~"}},
		{"<=", token{kind: tCmp, text: "<="}}, {">=", token{kind: tCmp, text: ">="}},
		{"<", token{kind: tCmp, text: "<"}}, {">", token{kind: tCmp, text: ">"}},
		{"=", token{kind: tCmp, text: "=="}}, {"!", token{kind: tNot, text: "!"}},
		{".", token{kind: tDot, text: "."}}, {"(", token{kind: tLParen, text: "("}},
		{")", token{kind: tRParen, text: ")"}}, {"{", token{kind: tLBrace, text: "{"}},
		{"}", token{kind: tRBrace, text: "}"}}, {",", token{kind: tComma, text: ","}},
	} {
		if strings.HasPrefix(rest, op.s) {
			lx.pos += len(op.s)
			return op.t, nil
		}
	}
	switch {
	case c == '-' && len(rest) > 1 && isDigit(rest[1]), isDigit(c):
		end := 1
		for end < len(rest) && isDigit(rest[end]) {
			end++
		}
		lx.pos += end
		return token{kind: tDigit, text: rest[:end]}, nil
	case c == '-' && len(rest) > 1 && (isIDStart(rest[1]) || rest[1] == '_'):
		end := 2
		for end < len(rest) && isIDChar(rest[end]) {
			end++
		}
		lx.pos += end
		name := rest[1:end]
		switch name {
		case "in":
			return token{kind: tIn, text: "in"}, nil
		case "eq", "ne", "lt", "le", "gt", "ge":
			return token{kind: tCmp, text: "-" + name}, nil
		}
		if end == 2 {
			return token{kind: tUnary, text: name}, nil
		}
		return token{kind: tBinary, text: name}, nil
	case isIDStart(c):
		end := 1
		for end < len(rest) && isIDChar(rest[end]) {
			end++
		}
		lx.pos += end
		if k, ok := keywords[rest[:end]]; ok {
			return k, nil
		}
		return token{kind: tID, text: rest[:end]}, nil
	}
	return token{}, lx.errorf("near '%c'", c)
}

// regex reads /re/ or m#re#, and the i flag.
func (lx *lexer) regex() (token, error) {
	s := lx.s
	if s[lx.pos] == 'm' {
		lx.pos++
	}
	delim := s[lx.pos]
	lx.pos++
	end := strings.IndexByte(s[lx.pos:], delim)
	if end < 0 {
		return token{}, lx.errorf("unterminated regular expression")
	}
	pat := s[lx.pos : lx.pos+end]
	lx.pos += end + 1
	if lx.pos < len(s) && s[lx.pos] == 'i' {
		lx.pos++
		pat = "(?i)" + pat
	}
	return token{kind: tRegex, text: pat}, nil
}

// str reads a string up to delim (0: to the end of the input, for a
// string expression): text with escapes, %{...} and $N.
func (lx *lexer) str(delim byte) (*word, error) {
	return lx.pieces(func(c byte) bool { return delim != 0 && c == delim }, delim == 0)
}

// variable reads what follows "%{": NAME} or func:arg}.
func (lx *lexer) variable() (*word, error) {
	s := lx.s
	start := lx.pos
	if lx.pos >= len(s) || !isIDStart(s[lx.pos]) {
		return nil, lx.errorVarChar()
	}
	for lx.pos < len(s) && isIDChar(s[lx.pos]) {
		lx.pos++
	}
	name := s[start:lx.pos]
	if lx.pos >= len(s) {
		return nil, lx.errorf("unterminated string or variable")
	}
	switch s[lx.pos] {
	case '}':
		lx.pos++
		return varWord(name)
	case ':':
		lx.pos++
		arg, err := lx.pieces(func(c byte) bool { return c == '}' }, false)
		if err != nil {
			return nil, err
		}
		return funcWord(name, arg)
	}
	return nil, lx.errorVarChar()
}

func (lx *lexer) errorVarChar() error {
	if lx.pos >= len(lx.s) {
		return lx.errorf("unterminated string or variable")
	}
	return lx.errorf("invalid character in variable name '%c'", lx.s[lx.pos])
}

// pieces reads text up to a byte end says ends it (consumed), or to the
// end of the input when toEOF.
func (lx *lexer) pieces(end func(byte) bool, toEOF bool) (*word, error) {
	s := lx.s
	var parts []*word
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			parts = append(parts, &word{kind: wText, text: b.String()})
			b.Reset()
		}
	}
	for {
		if lx.pos >= len(s) {
			if !toEOF {
				return nil, lx.errorf("unterminated string or variable")
			}
			break
		}
		c := s[lx.pos]
		switch {
		case end(c):
			lx.pos++
			flush()
			return joinWords(parts), nil
		case c == '\n' && !toEOF:
			return nil, lx.errorf("unterminated string or variable")
		case c == '\\' && lx.pos+1 < len(s):
			r, n, err := unescape(s[lx.pos+1:])
			if err != nil {
				return nil, lx.errorf("%v", err)
			}
			b.WriteByte(r)
			lx.pos += 1 + n
		case c == '$' && lx.pos+1 < len(s) && isDigit(s[lx.pos+1]):
			flush()
			parts = append(parts, &word{kind: wBackref, n: int(s[lx.pos+1] - '0')})
			lx.pos += 2
		case c == '%' && lx.pos+1 < len(s) && s[lx.pos+1] == '{':
			flush()
			lx.pos += 2
			w, err := lx.variable()
			if err != nil {
				return nil, err
			}
			parts = append(parts, w)
		default:
			b.WriteByte(c)
			lx.pos++
		}
	}
	flush()
	return joinWords(parts), nil
}

// unescape reads the escape after a backslash: \n \r \t \b \f, octal
// \NNN, any other character as itself.
func unescape(s string) (byte, int, error) {
	switch c := s[0]; c {
	case 'n':
		return '\n', 1, nil
	case 'r':
		return '\r', 1, nil
	case 't':
		return '\t', 1, nil
	case 'b':
		return '\b', 1, nil
	case 'f':
		return '\f', 1, nil
	case '8', '9':
		return 0, 0, fmt.Errorf("bad escape sequence")
	}
	if s[0] >= '0' && s[0] <= '7' {
		n, v := 0, 0
		for n < 3 && n < len(s) && s[n] >= '0' && s[n] <= '7' {
			v = v*8 + int(s[n]-'0')
			n++
		}
		if n < len(s) && (s[n] == '8' || s[n] == '9') {
			return 0, 0, fmt.Errorf("bad escape sequence")
		}
		if v > 0xff {
			return 0, 0, fmt.Errorf("escape sequence out of bound")
		}
		return byte(v), n, nil
	}
	return s[0], 1, nil
}

func joinWords(parts []*word) *word {
	switch len(parts) {
	case 0:
		return &word{kind: wText}
	case 1:
		return parts[0]
	}
	return &word{kind: wConcat, parts: parts}
}
