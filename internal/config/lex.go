package config

import (
	"errors"
	"strings"
)

// logicalLine is one directive or section line: continuation lines joined,
// surrounding white space trimmed. num is the line number of its first
// physical line.
type logicalLine struct {
	text string
	num  int
}

// splitLines cuts a file into logical lines. A line ending with a backslash
// (trailing white space ignored) continues on the next one, the backslash
// removed, as in Apache; this is done before comments are recognised, so a
// comment ending with a backslash swallows the next line, as in Apache.
// Blank lines and lines whose first non-blank character is '#' are dropped.
func splitLines(data string) []logicalLine {
	var out []logicalLine
	num := 0
	var buf strings.Builder
	for len(data) > 0 {
		num++
		start := num
		buf.Reset()
		for {
			var phys string
			if i := strings.IndexByte(data, '\n'); i >= 0 {
				phys, data = data[:i], data[i+1:]
			} else {
				phys, data = data, ""
			}
			phys = strings.TrimSuffix(phys, "\r")
			t := strings.TrimRight(phys, " \t\r\f\v")
			if strings.HasSuffix(t, "\\") && len(data) > 0 {
				buf.WriteString(t[:len(t)-1])
				num++
				continue
			}
			buf.WriteString(phys)
			break
		}
		s := strings.TrimSpace(buf.String())
		if s == "" || s[0] == '#' {
			continue
		}
		out = append(out, logicalLine{text: s, num: start})
	}
	return out
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'
}

// cutWord splits s at its first run of white space.
func cutWord(s string) (word, rest string) {
	i := 0
	for i < len(s) && !isSpace(s[i]) {
		i++
	}
	return s[:i], strings.TrimLeft(s[i:], " \t\r\n\f\v")
}

var errUnterminated = errors.New("unterminated quoted string")

// splitArgs splits a directive's argument text into words the way Apache's
// ap_getword_conf does: words are separated by white space; a word starting
// with a double or single quote runs to the matching quote, inside which a
// backslash escapes that quote or a backslash; outside quotes "\\" is a
// single backslash and any other backslash is kept.
func splitArgs(s string) ([]string, error) {
	var args []string
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return args, nil
		}
		var b strings.Builder
		if q := s[i]; q == '"' || q == '\'' {
			j := i + 1
			for j < len(s) && s[j] != q {
				if s[j] == '\\' && j+1 < len(s) && (s[j+1] == q || s[j+1] == '\\') {
					b.WriteByte(s[j+1])
					j += 2
					continue
				}
				b.WriteByte(s[j])
				j++
			}
			if j >= len(s) {
				return nil, errUnterminated
			}
			args = append(args, b.String())
			i = j + 1
			continue
		}
		j := i
		for j < len(s) && !isSpace(s[j]) {
			if s[j] == '\\' && j+1 < len(s) && s[j+1] == '\\' {
				b.WriteByte('\\')
				j += 2
				continue
			}
			b.WriteByte(s[j])
			j++
		}
		args = append(args, b.String())
		i = j
	}
}

// maxLineLen bounds a logical line after ${VAR} substitution, so that
// self-doubling Defines cannot exhaust memory.
const maxLineLen = 1 << 20

var errLineTooLong = errors.New("line longer than 1 MiB after ${VAR} substitution")

// expandVars replaces every ${NAME} in s using lookup. Names lookup does not
// know are left as written and reported to undefined. The replacement is
// not re-scanned.
func expandVars(s string, lookup func(string) (string, bool), undefined func(string)) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		j := strings.IndexByte(s[i+2:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		name := s[i+2 : i+2+j]
		b.WriteString(s[:i])
		if v, ok := lookup(name); ok {
			if b.Len()+len(v) > maxLineLen {
				return "", errLineTooLong
			}
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+3+j])
			undefined(name)
		}
		s = s[i+3+j:]
	}
}
