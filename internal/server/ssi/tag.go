package ssi

import (
	"errors"
	"strings"
)

// Attr is one attribute of an element: name="value". HasValue is false
// for a bare name.
type Attr struct {
	Name, Value string
	HasValue    bool
}

// Errors of ParseTag, as mod_include words them.
var (
	ErrNoDirective = errors.New("missing directive name")
	ErrNoAttrName  = errors.New("missing argument name for value")
)

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// ParseTag splits an element's body ("echo var=\"X\" ") into its
// directive, lower-cased, and its attributes (names lower-cased), as
// mod_include does: a value is quoted with ", ' or ` (a backslash before
// the quote character keeps it) or runs to the next white space.
func ParseTag(body string) (directive string, attrs []Attr, err error) {
	i := 0
	for i < len(body) && !isSpace(body[i]) {
		i++
	}
	directive = strings.ToLower(body[:i])
	if directive == "" {
		return "", nil, ErrNoDirective
	}
	for {
		for i < len(body) && isSpace(body[i]) {
			i++
		}
		if i >= len(body) {
			return directive, attrs, nil
		}
		if c := body[i]; c == '"' || c == '\'' || c == '`' || c == '=' {
			return directive, attrs, ErrNoAttrName
		}
		j := i
		for j < len(body) && !isSpace(body[j]) && body[j] != '=' {
			j++
		}
		a := Attr{Name: strings.ToLower(body[i:j])}
		for j < len(body) && isSpace(body[j]) {
			j++
		}
		if j >= len(body) || body[j] != '=' {
			attrs = append(attrs, a)
			i = j
			continue
		}
		j++
		for j < len(body) && isSpace(body[j]) {
			j++
		}
		a.HasValue = true
		if j < len(body) && (body[j] == '"' || body[j] == '\'' || body[j] == '`') {
			q := body[j]
			var b strings.Builder
			j++
			for j < len(body) && body[j] != q {
				if body[j] == '\\' && j+1 < len(body) && body[j+1] == q {
					j++
				}
				b.WriteByte(body[j])
				j++
			}
			a.Value = b.String()
			if j < len(body) {
				j++ // the closing quote
			}
		} else {
			k := j
			for k < len(body) && !isSpace(body[k]) {
				k++
			}
			a.Value, j = body[j:k], k
		}
		attrs = append(attrs, a)
		i = j
	}
}

// Expand substitutes variables in s as mod_include does in attribute
// values: $NAME (letters, digits, _) and ${NAME} take the value lookup
// gives, "" when unset; \$ is a literal $; a $ with no name stays. A ${
// without its } ends the result there (missing reports it).
func Expand(s string, lookup func(name string) (string, bool), missing func(rest string)) string {
	if !strings.ContainsAny(s, "\\$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] == '$':
			b.WriteByte('$')
			i += 2
		case c == '$' && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				if missing != nil {
					missing(s[i+2:])
				}
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if name == "" {
				b.WriteByte('$')
				i++
				continue
			}
			if v, ok := lookup(name); ok {
				b.WriteString(v)
			}
			i += end + 3
		case c == '$':
			j := i + 1
			for j < len(s) && (s[j] == '_' || isAlnum(s[j])) {
				j++
			}
			if j == i+1 {
				b.WriteByte('$')
				i++
				continue
			}
			if v, ok := lookup(s[i+1 : j]); ok {
				b.WriteString(v)
			}
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
