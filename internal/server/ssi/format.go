package ssi

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeFormat is mod_include's default timefmt.
const DefaultTimeFormat = "%A, %d-%b-%Y %H:%M:%S %Z"

// Strftime formats t as C's strftime(3) does in the C locale, for the
// conversions in common use (%a %A %b %B %c %C %d %D %e %F %g %G %h %H %I
// %j %k %l %m %M %n %p %r %R %s %S %t %T %u %U %V %w %W %x %X %y %Y %z %Z
// %%); an unknown one stays as written. gmt: %Z is "GMT", as Apache's
// ap_ht_time gives for DATE_GMT.
func Strftime(format string, t time.Time, gmt bool) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 >= len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		switch format[i] {
		case 'a':
			b.WriteString(t.Format("Mon"))
		case 'A':
			b.WriteString(t.Format("Monday"))
		case 'b', 'h':
			b.WriteString(t.Format("Jan"))
		case 'B':
			b.WriteString(t.Format("January"))
		case 'c':
			b.WriteString(t.Format("Mon Jan _2 15:04:05 2006"))
		case 'C':
			fmt.Fprintf(&b, "%02d", t.Year()/100)
		case 'd':
			fmt.Fprintf(&b, "%02d", t.Day())
		case 'D', 'x':
			b.WriteString(t.Format("01/02/06"))
		case 'e':
			fmt.Fprintf(&b, "%2d", t.Day())
		case 'F':
			b.WriteString(t.Format("2006-01-02"))
		case 'g':
			y, _ := t.ISOWeek()
			fmt.Fprintf(&b, "%02d", y%100)
		case 'G':
			y, _ := t.ISOWeek()
			fmt.Fprintf(&b, "%d", y)
		case 'H':
			fmt.Fprintf(&b, "%02d", t.Hour())
		case 'I':
			fmt.Fprintf(&b, "%02d", (t.Hour()+11)%12+1)
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case 'k':
			fmt.Fprintf(&b, "%2d", t.Hour())
		case 'l':
			fmt.Fprintf(&b, "%2d", (t.Hour()+11)%12+1)
		case 'm':
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case 'M':
			fmt.Fprintf(&b, "%02d", t.Minute())
		case 'n':
			b.WriteByte('\n')
		case 'p':
			b.WriteString(t.Format("PM"))
		case 'r':
			b.WriteString(t.Format("03:04:05 PM"))
		case 'R':
			b.WriteString(t.Format("15:04"))
		case 's':
			b.WriteString(strconv.FormatInt(t.Unix(), 10))
		case 'S':
			fmt.Fprintf(&b, "%02d", t.Second())
		case 't':
			b.WriteByte('\t')
		case 'T', 'X':
			b.WriteString(t.Format("15:04:05"))
		case 'u':
			fmt.Fprintf(&b, "%d", (int(t.Weekday())+6)%7+1)
		case 'U':
			fmt.Fprintf(&b, "%02d", (t.YearDay()+6-int(t.Weekday()))/7)
		case 'V':
			_, w := t.ISOWeek()
			fmt.Fprintf(&b, "%02d", w)
		case 'w':
			fmt.Fprintf(&b, "%d", int(t.Weekday()))
		case 'W':
			fmt.Fprintf(&b, "%02d", (t.YearDay()+6-(int(t.Weekday())+6)%7)/7)
		case 'y':
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case 'Y':
			fmt.Fprintf(&b, "%d", t.Year())
		case 'z':
			b.WriteString(t.Format("-0700"))
		case 'Z':
			if gmt {
				b.WriteString("GMT")
			} else {
				b.WriteString(t.Format("MST"))
			}
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(format[i])
		}
	}
	return b.String()
}

// FormatSize is APR's apr_strfsize, which fsize prints with sizefmt
// abbrev: four characters, such as " 12 ", "1.2K", " 15M".
func FormatSize(n int64) string {
	if n < 0 {
		return "  - "
	}
	if n < 973 {
		return fmt.Sprintf("%3d ", n)
	}
	for _, unit := range "KMGTPE" {
		rem := n & 1023
		n >>= 10
		if n >= 973 {
			continue
		}
		if n < 9 || (n == 9 && rem < 973) {
			tenth := (rem*5 + 256) / 512
			if tenth >= 10 {
				n, tenth = n+1, 0
			}
			return fmt.Sprintf("%d.%d%c", n, tenth, unit)
		}
		if rem >= 512 {
			n++
		}
		return fmt.Sprintf("%3d%c", n, unit)
	}
	return "****"
}

// FormatBytes is fsize with sizefmt bytes: the number with a comma every
// three digits.
func FormatBytes(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// EscapeHTML is Apache's ap_escape_html: &, <, > and " as entities.
func EscapeHTML(s string) string {
	if !strings.ContainsAny(s, "&<>\"") {
		return s
	}
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;").Replace(s)
}

// EscapePath is Apache's ap_escape_uri: a URL path with the characters
// that need it %-escaped.
func EscapePath(s string) string {
	var b strings.Builder
	for i := range len(s) {
		c := s[i]
		if isAlnum(c) || strings.IndexByte("$-_.+!*'(),:@&=~/", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}

// Encode applies echo's and set's encoding= (none, url, urlencoded,
// entity, base64, comma-separated in order); false for an unknown one,
// which it returns.
func Encode(s, encodings string) (string, string, bool) {
	for _, e := range splitList(encodings) {
		switch strings.ToLower(e) {
		case "none":
		case "url":
			s = EscapePath(s)
		case "urlencoded":
			s = url.QueryEscape(s)
		case "entity":
			s = EscapeHTML(s)
		case "base64":
			s = base64.StdEncoding.EncodeToString([]byte(s))
		default:
			return "", e, false
		}
	}
	return s, "", true
}

// Decode applies decoding= (none, url, urlencoded, entity, base64).
func Decode(s, decodings string) (string, string, bool) {
	for _, d := range splitList(decodings) {
		switch strings.ToLower(d) {
		case "none":
		case "url":
			s = UnescapeURL(s)
		case "urlencoded":
			s = UnescapeURL(strings.ReplaceAll(s, "+", " "))
		case "entity":
			s = DecodeEntities(s)
		case "base64":
			if v, err := base64.StdEncoding.DecodeString(s); err == nil {
				s = string(v)
			} else if v, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err == nil {
				s = string(v)
			}
		default:
			return "", d, false
		}
	}
	return s, "", true
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
}

// UnescapeURL decodes %XX escapes; a malformed one stays as it is.
func UnescapeURL(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(v))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// EscapeShell is Apache's ap_escape_shell_cmd, which QUERY_STRING_UNESCAPED
// goes through: a backslash before each character a shell treats
// specially.
func EscapeShell(s string) string {
	var b strings.Builder
	for i := range len(s) {
		if strings.IndexByte("&;`'\"|*?~<>^()[]{}$\\\n", s[i]) >= 0 || s[i] == 0xff {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// latin1Entities are the named entities mod_include decodes in attribute
// values (HTML's ISO Latin-1 set and lt, gt, amp, quot).
var latin1Entities = map[string]byte{
	"lt": '<', "gt": '>', "amp": '&', "quot": '"',
	"ETH": 0xd0, "eth": 0xf0, "Auml": 0xc4, "Euml": 0xcb, "Iuml": 0xcf, "Ouml": 0xd6, "Uuml": 0xdc,
	"auml": 0xe4, "euml": 0xeb, "iuml": 0xef, "ouml": 0xf6, "uuml": 0xfc, "yuml": 0xff,
	"Acirc": 0xc2, "Aring": 0xc5, "AElig": 0xc6, "Ecirc": 0xca, "Icirc": 0xce, "Ocirc": 0xd4, "Ucirc": 0xdb,
	"THORN": 0xde, "szlig": 0xdf, "acirc": 0xe2, "aring": 0xe5, "aelig": 0xe6, "ecirc": 0xea, "icirc": 0xee,
	"ocirc": 0xf4, "ucirc": 0xfb, "thorn": 0xfe,
	"Agrave": 0xc0, "Aacute": 0xc1, "Atilde": 0xc3, "Ccedil": 0xc7, "Egrave": 0xc8, "Eacute": 0xc9,
	"Igrave": 0xcc, "Iacute": 0xcd, "Ntilde": 0xd1, "Ograve": 0xd2, "Oacute": 0xd3, "Otilde": 0xd5,
	"Oslash": 0xd8, "Ugrave": 0xd9, "Uacute": 0xda, "Yacute": 0xdd, "agrave": 0xe0, "aacute": 0xe1,
	"atilde": 0xe3, "ccedil": 0xe7, "egrave": 0xe8, "eacute": 0xe9, "igrave": 0xec, "iacute": 0xed,
	"ntilde": 0xf1, "ograve": 0xf2, "oacute": 0xf3, "otilde": 0xf5, "oslash": 0xf8, "ugrave": 0xf9,
	"uacute": 0xfa, "yacute": 0xfd,
}

// DecodeEntities decodes HTML entities in an attribute value as
// mod_include does: the Latin-1 names and decimal &#N; (N from 9 to 255,
// the control and unused ranges dropped); an unknown entity stays. A
// decoded Latin-1 character is one byte, as in Apache.
func DecodeEntities(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '&' {
			b.WriteByte(s[i])
			continue
		}
		end := strings.IndexByte(s[i+1:], ';')
		if end < 0 {
			b.WriteString(s[i:])
			break
		}
		name := s[i+1 : i+1+end]
		if strings.HasPrefix(name, "#") {
			v, err := strconv.Atoi(name[1:])
			i += end + 1
			if err == nil && !(v <= 8 || (v >= 11 && v <= 31) || (v >= 127 && v <= 160) || v >= 256) {
				b.WriteByte(byte(v))
			}
			continue
		}
		if c, ok := latin1Entities[name]; ok {
			b.WriteByte(c)
			i += end + 1
			continue
		}
		b.WriteByte('&')
	}
	return b.String()
}
