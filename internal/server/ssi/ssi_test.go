package ssi

import (
	"strings"
	"testing"
	"time"
)

// rec records what a Scanner finds.
type rec struct{ out strings.Builder }

func (r *rec) Text(p []byte)   { r.out.Write(p) }
func (r *rec) Tag(body []byte) { r.out.WriteString("{" + string(body) + "}") }
func (r *rec) Overlong()       { r.out.WriteString("{!}") }

func scanAll(start, end string, chunks []string) string {
	r := &rec{}
	s := NewScanner(start, end, r)
	for _, c := range chunks {
		s.Write([]byte(c))
	}
	if s.Close() {
		r.out.WriteString("{unfinished}")
	}
	return r.out.String()
}

// Split at every position, the page scans as it does whole.
func TestScannerChunks(t *testing.T) {
	for _, tt := range []struct{ start, end, page, want string }{
		{"", "", `a<!--#echo var="x" -->b`, `a{echo var="x" }b`},
		{"", "", `<!--#printenv-->`, `{printenv}`},
		{"", "", `a <!-- comment --> <!-<!--#x -->`, `a <!-- comment --> <!-{x }`},
		{"", "", `x<!--#echo var="-->" -->y`, `x{echo var="-->" }y`},
		{"", "", `x<!--#set value='a\'-->' -->y`, `x{set value='a\'-->' }y`},
		{"", "", `text <!--`, `text <!--`},
		{"", "", `a<!--#echo `, `a{unfinished}`},
		{"--->", "<", `a--->x<b---->y<`, `a{x}b-{y}`},
		{"aab", "!", `aaab!aaa`, `a{}aaa`},
	} {
		if got := scanAll(tt.start, tt.end, []string{tt.page}); got != tt.want {
			t.Errorf("%q whole: %q, want %q", tt.page, got, tt.want)
		}
		for i := 1; i < len(tt.page); i++ {
			if got := scanAll(tt.start, tt.end, []string{tt.page[:i], tt.page[i:]}); got != tt.want {
				t.Errorf("%q split at %d: %q, want %q", tt.page, i, got, tt.want)
			}
		}
		var bytes []string
		for i := range len(tt.page) {
			bytes = append(bytes, tt.page[i:i+1])
		}
		if got := scanAll(tt.start, tt.end, bytes); got != tt.want {
			t.Errorf("%q byte by byte: %q, want %q", tt.page, got, tt.want)
		}
	}
}

// An element past MaxTag is dropped; the scanner holds no more than that.
func TestScannerBounded(t *testing.T) {
	r := &rec{}
	s := NewScanner("", "", r)
	s.Write([]byte("a<!--#echo var=\""))
	chunk := []byte(strings.Repeat("y", 4096))
	for range (MaxTag / len(chunk)) + 2 {
		s.Write(chunk)
		if cap(s.tag) > 2*MaxTag+len(chunk) {
			t.Fatalf("scanner holds %d bytes", cap(s.tag))
		}
	}
	s.Close()
	out := r.out.String()
	if !strings.HasPrefix(out, "a{!}") || strings.Count(out, "y") == 0 {
		t.Errorf("overlong: %q...", out[:20])
	}
}

// Scanning time is linear in the page: ten times the hostile page takes
// well under a hundred times as long.
func TestScannerLinear(t *testing.T) {
	run := func(n int) time.Duration {
		page := []byte(strings.Repeat("<!-<!--#x='", n))
		best := time.Duration(1 << 62)
		for range 3 {
			t0 := time.Now()
			s := NewScanner("", "", &rec{})
			for i := 0; i < len(page); i += 1000 {
				s.Write(page[i:min(i+1000, len(page))])
			}
			s.Close()
			best = min(best, time.Since(t0))
		}
		return best
	}
	small, large := run(20000), run(200000)
	if large > 30*small {
		t.Errorf("10x the page took %v vs %v", large, small)
	}
}

func TestParseTag(t *testing.T) {
	dir, attrs, err := ParseTag(`ECHO Var="a \"b\"" encoding=none  x  y = 'z' q=` + "`w`")
	if err != nil || dir != "echo" {
		t.Fatalf("%q %v", dir, err)
	}
	want := []Attr{{"var", `a "b"`, true}, {"encoding", "none", true}, {"x", "", false}, {"y", "z", true}, {"q", "w", true}}
	if len(attrs) != len(want) {
		t.Fatalf("attrs %+v", attrs)
	}
	for i := range want {
		if attrs[i] != want[i] {
			t.Errorf("attr %d: %+v, want %+v", i, attrs[i], want[i])
		}
	}
	if _, _, err := ParseTag(` `); err != ErrNoDirective {
		t.Errorf("empty: %v", err)
	}
	if _, _, err := ParseTag(`echo "x"`); err != ErrNoAttrName {
		t.Errorf("no name: %v", err)
	}
}

func TestExpand(t *testing.T) {
	vars := map[string]string{"a": "1", "bc": "2"}
	look := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
	for in, want := range map[string]string{
		"$a-${bc}x$bcd": "1-2x", `\$a`: "$a", "$": "$", "${}": "${}", "a${bc": "a", "$nosuch.": ".",
	} {
		if got := Expand(in, look, nil); got != want {
			t.Errorf("Expand(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEval(t *testing.T) {
	vars := map[string]string{"x": "abc", "e": ""}
	env := Env{
		Expand: func(s string) string {
			return Expand(s, func(n string) (string, bool) { v, ok := vars[n]; return v, ok }, nil)
		},
		Match: func(s, re string) (bool, error) {
			x, err := Regexp(re)
			if err != nil {
				return false, err
			}
			return x.MatchString(s), nil
		},
		Access: func(uri string) bool { return uri == "/ok" },
	}
	for expr, want := range map[string]bool{
		"$x": true, "$e": false, "$x = abc": true, "$x == abc": true, "$x != abc": false,
		"$x = /^a.c$/": true, "$x != /z/": true, "$x < abd": true, "$x >= abd": false,
		"!$e": true, "($x = q) || ($x = abc)": true, "$x && $e": false, "$e || $x && $e": false,
		"-A /ok": true, "-A /no": false, "'a b' = 'a b'": true, "a b = 'a b'": true, "$x = 'abc'": true,
	} {
		got, err := Eval(expr, env)
		if err != nil || got != want {
			t.Errorf("Eval(%q) = %v, %v; want %v", expr, got, err, want)
		}
	}
	for _, bad := range []string{"= a", "(a", "a)", "/re/", "a = b = c", "-A"} {
		if _, err := Eval(bad, env); err == nil {
			t.Errorf("Eval(%q): no error", bad)
		}
	}
	if !LooksAPExpr("%{REQUEST_URI} =~ /x/") || !LooksAPExpr("-z v('x')") || LooksAPExpr("$x = /y/ && !$z") {
		t.Error("LooksAPExpr")
	}
}

func TestFormats(t *testing.T) {
	tm := time.Date(2024, 3, 5, 14, 7, 9, 0, time.UTC)
	if got := Strftime(DefaultTimeFormat, tm, true); got != "Tuesday, 05-Mar-2024 14:07:09 GMT" {
		t.Errorf("Strftime: %q", got)
	}
	if got := Strftime("%e|%j|%I%p|%y|%%|%q", tm, false); got != " 5|065|02PM|24|%|%q" {
		t.Errorf("Strftime: %q", got)
	}
	for n, want := range map[int64]string{0: "  0 ", 972: "972 ", 1024: "1.0K", 10240: " 10K", 5 << 20: "5.0M", -1: "  - "} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
	if got := FormatBytes(1234567); got != "1,234,567" {
		t.Errorf("FormatBytes: %q", got)
	}
	if got := DecodeEntities("&lt;&amp;&#65;&#7;&bogus;&eacute;"); got != "<&A&bogus;\xe9" {
		t.Errorf("DecodeEntities: %q", got)
	}
	if got, _, _ := Encode("a b<", "url,entity"); got != "a%20b%3c" {
		t.Errorf("Encode: %q", got)
	}
	if got := EscapeShell("a&b;c"); got != `a\&b\;c` {
		t.Errorf("EscapeShell: %q", got)
	}
}
