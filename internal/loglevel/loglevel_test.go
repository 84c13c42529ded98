package loglevel

import "testing"

func TestParse(t *testing.T) {
	for _, c := range []struct {
		word string
		want Level
		ok   bool
	}{
		{"emerg", Emerg, true}, {"alert", Alert, true}, {"crit", Crit, true}, {"error", Error, true},
		{"warn", Warn, true}, {"notice", Notice, true}, {"info", Info, true}, {"debug", Debug, true},
		{"WARN", Warn, true}, {"trace1", Debug, true}, {"Trace8", Debug, true},
		{"trace0", 0, false}, {"trace9", 0, false}, {"trace", 0, false}, {"warning", 0, false}, {"", 0, false},
	} {
		if l, ok := Parse(c.word); l != c.want || ok != c.ok {
			t.Errorf("Parse(%q) = %v, %v; want %v, %v", c.word, l, ok, c.want, c.ok)
		}
	}
}

// TestNumbers pins Apache's (and mod_python's apache.APLOG_*) numbering.
func TestNumbers(t *testing.T) {
	for l, n := range map[Level]int{Emerg: 0, Alert: 1, Crit: 2, Error: 3, Warn: 4, Notice: 5, Info: 6, Debug: 7} {
		if int(l) != n {
			t.Errorf("%v = %d, want %d", l, int(l), n)
		}
		if back, ok := Parse(l.String()); !ok || back != l {
			t.Errorf("Parse(%v.String()) = %v, %v", l, back, ok)
		}
	}
	if s := Level(8).String(); s != "Level(8)" || Level(8).Valid() || Level(-1).Valid() {
		t.Errorf("Level(8) = %q", s)
	}
}
