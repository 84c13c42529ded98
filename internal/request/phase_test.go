package request

import (
	"slices"
	"strings"
	"testing"
)

func TestPhaseTable(t *testing.T) {
	if PhaseNone.Name() != "" || Phase(NumPhases).Name() != "" || Phase(-1).Name() != "" {
		t.Error("PhaseNone and numbers out of range have no name")
	}
	for p := Phase(1); p < NumPhases; p++ {
		n := p.Name()
		if !strings.HasPrefix(n, "Python") || p.DefaultFunc() == "" || p.String() != n {
			t.Errorf("phase %d: name %q, default function %q", p, n, p.DefaultFunc())
		}
		if q, ok := PhaseNamed(n); !ok || q != p {
			t.Errorf("PhaseNamed(%q) = %d, %v; want %d", n, q, ok, p)
		}
	}
	for _, n := range []string{"", "PythonFooHandler", "pythonhandler"} {
		if _, ok := PhaseNamed(n); ok {
			t.Errorf("PhaseNamed(%q) found a phase", n)
		}
	}
}

// TestRequestPhases pins the request phases' order (the config's
// RequestPhases) and the hook modes the server runs them with.
func TestRequestPhases(t *testing.T) {
	var names []string
	for _, p := range RequestPhases {
		names = append(names, p.Name())
	}
	want := []string{"PythonPostReadRequestHandler", "PythonTransHandler", "PythonHeaderParserHandler",
		"PythonInitHandler", "PythonAccessHandler", "PythonAuthenHandler", "PythonAuthzHandler",
		"PythonTypeHandler", "PythonFixupHandler", "PythonHandler", "PythonLogHandler", "PythonCleanupHandler"}
	if !slices.Equal(names, want) {
		t.Errorf("RequestPhases = %v, want %v", names, want)
	}
	for p, m := range map[Phase]HookMode{
		PhasePostReadRequest: RunAll, PhaseTrans: RunFirst, PhaseHeaderParser: RunAll,
		PhaseAccess: RunAll, PhaseAuthen: RunFirst, PhaseAuthz: RunFirst, PhaseType: RunFirst,
		PhaseFixup: RunAll, PhaseHandler: RunFirst, PhaseNone: HookNone,
	} {
		if p.Mode() != m {
			t.Errorf("%s: mode %d, want %d", p, p.Mode(), m)
		}
	}
	if PhaseHandler.GoOn() != GoOnOK || PhaseTrans.GoOn() != GoOnDeclined || PhaseFixup.GoOn() != GoOnDeclined|GoOnOK {
		t.Error("mod_python's stacking rules: PythonHandler goes on after OK only, PythonTransHandler after DECLINED, PythonFixupHandler after both")
	}
}
