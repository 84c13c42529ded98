package config

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{in: "", want: nil},
		{in: "a b\tc", want: []string{"a", "b", "c"}},
		{in: `"a b" c`, want: []string{"a b", "c"}},
		{in: `"say \"hi\"" x`, want: []string{`say "hi"`, "x"}},
		{in: `'it\'s' "back\\slash"`, want: []string{"it's", `back\slash`}},
		{in: `^\.ht \\x`, want: []string{`^\.ht`, `\x`}},
		{in: `"%h \"%r\" %>s" common`, want: []string{`%h "%r" %>s`, "common"}},
		{in: `""`, want: []string{""}},
		{in: `"unterminated`, err: true},
	}
	for _, tt := range tests {
		got, err := splitArgs(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("splitArgs(%q) error = %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("splitArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitLines(t *testing.T) {
	in := "# comment\n\n  Listen 80  \r\nPythonOption \\\n   a \\\n   b\n# comment \\\nswallowed\nLast"
	got := splitLines(in)
	want := []logicalLine{
		{"Listen 80", 3},
		{"PythonOption    a    b", 4},
		{"Last", 9},
	}
	if !slices.Equal(got, want) {
		t.Errorf("splitLines = %+v, want %+v", got, want)
	}
}

func TestExpandVars(t *testing.T) {
	vars := map[string]string{"A": "x", "EMPTY": ""}
	lookup := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
	var undef []string
	got, err := expandVars("${A}/${EMPTY}y/${NOPE}/${A", lookup, func(n string) { undef = append(undef, n) })
	if err != nil {
		t.Fatal(err)
	}
	if want := "x/y/${NOPE}/${A"; got != want {
		t.Errorf("expandVars = %q, want %q", got, want)
	}
	if !slices.Equal(undef, []string{"NOPE"}) {
		t.Errorf("undefined = %q", undef)
	}
}

func TestVariableBomb(t *testing.T) {
	text := "Define A xxxxxxxxxxxxxxxx\n" + strings.Repeat("Define A ${A}${A}\n", 40)
	_, _, err := loadText(t, text)
	if err == nil || !strings.Contains(err.Error(), "longer than 1 MiB") {
		t.Errorf("error = %v", err)
	}
}
