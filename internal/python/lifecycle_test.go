package python

import (
	"testing"
	"time"
)

func TestLifecycleRecords(t *testing.T) {
	rt := runtimeForTest(t)
	c0 := rt.Counts()
	if _, err := rt.Eval("lifecycle", "len(__import__('sys').modules)"); err != nil {
		t.Fatal(err)
	}
	info := func() *InterpInfo {
		for _, in := range rt.Interps() {
			if in.Name == "lifecycle" {
				return &in
			}
		}
		return nil
	}
	in := info()
	if in == nil || in.Modules < 10 || in.Threads != 1 || in.Busy != 0 || in.Queued != 0 {
		t.Fatalf("interp info: %+v", in)
	}
	before := time.Now()
	if err := rt.End("lifecycle", "by the test"); err != nil {
		t.Fatal(err)
	}
	if info() != nil {
		t.Fatal("ended interpreter still listed")
	}
	var found *EndInfo
	for _, e := range rt.LastEnds() {
		if e.Name == "lifecycle" {
			found = &e
			break
		}
	}
	if found == nil || found.Kind != EndExplicit || found.Kind.String() != "explicit" ||
		found.Reason != "by the test" || found.Time.Before(before) {
		t.Fatalf("last end: %+v", found)
	}
	c1 := rt.Counts()
	if c1.Creations != c0.Creations+1 || c1.Ends[EndExplicit] != c0.Ends[EndExplicit]+1 {
		t.Fatalf("counts %+v → %+v", c0, c1)
	}
}
