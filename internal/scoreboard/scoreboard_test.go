package scoreboard

import (
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestSlotsAndSnapshots(t *testing.T) {
	b, err := Create(2)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a := b.Claim(1)
	c := b.Claim(1)
	if a == nil || c == nil || a.Index == c.Index {
		t.Fatalf("claims: %v %v", a, c)
	}
	if b.Claim(1) != nil {
		t.Fatal("a third claim on a board of 2 slots")
	}
	a.SetPid(100)

	// A worker maps the same memory through its inherited descriptor.
	fd, err := syscall.Dup(int(b.File().Fd()))
	if err != nil {
		t.Fatal(err)
	}
	wb, err := Open(os.NewFile(uintptr(fd), "copy"))
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	w := wb.Slot(a.Index)
	w.Requests().Add(3)
	w.SetState(Ready)
	call := w.Begin("GET ", "/x", " in interpreter ", "localhost")
	w.Begin(strings.Repeat("y", 1000)) // truncated, not refused
	if !w.WriteStatus([]byte(`{"pid":100}`)) || w.WriteStatus(make([]byte, StatusCap+1)) {
		t.Fatal("WriteStatus: what fits must be stored, what does not must be refused")
	}
	if a.Requests().Load() != 3 || a.State() != Ready || a.Pid() != 100 {
		t.Fatalf("master sees requests %d state %v pid %d", a.Requests().Load(), a.State(), a.Pid())
	}
	if got, when := a.ReadStatus(); string(got) != `{"pid":100}` || when.IsZero() {
		t.Fatalf("status snapshot %q at %v", got, when)
	}
	if got, _ := c.ReadStatus(); got != nil {
		t.Fatalf("an unwritten snapshot reads %q", got)
	}
	calls := a.InFlight()
	if len(calls) != 2 || !strings.HasPrefix(calls[0], "GET /x in interpreter localhost (for ") {
		t.Fatalf("in flight: %q", calls)
	}
	w.End(call)
	if calls := a.InFlight(); len(calls) != 1 || len(calls[0]) > entryText+20 {
		t.Fatalf("after End: %q", calls)
	}

	w.SetExit(MaxMemory, "MaxMemoryPerChild passed")
	w.SetExit(Died, "ignored: the first reason stands")
	if r, text, ok := a.Exit(); !ok || r != MaxMemory || text != "MaxMemoryPerChild passed" {
		t.Fatalf("exit: %v %q %v", r, text, ok)
	}
	if left := a.Release(); len(left) != 1 {
		t.Fatalf("Release returned %q", left)
	}
	if len(b.Live()) != 1 {
		t.Fatalf("live after release: %d", len(b.Live()))
	}
	// A claimed slot starts clean.
	again := b.Claim(2)
	if again == nil || again.Index != a.Index || again.Requests().Load() != 0 || len(again.InFlight()) != 0 {
		t.Fatal("a reclaimed slot kept its old worker's data")
	}
	if _, _, ok := again.Exit(); ok {
		t.Fatal("a reclaimed slot kept its old worker's exit reason")
	}

	b.CountRestart(Died)
	b.CountRestart(Died)
	b.SetGeneration(2)
	if m := wb.Master(); m.Restarts[Died] != 2 || m.Generation != 2 {
		t.Fatalf("master area: %+v", m)
	}
}

func TestOpenRejectsOtherFiles(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	f.Write(make([]byte, 8192))
	if _, err := Open(f); err == nil {
		t.Fatal("Open accepted a file of zeros")
	}
}

func TestSlotGroup(t *testing.T) {
	b, err := Create(2)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s := b.Claim(1)
	if s.Group() != "" {
		t.Fatalf("a new slot's group = %q", s.Group())
	}
	s.SetGroup("~alice")
	f, err := Open(b.File())
	if err != nil {
		t.Fatal(err)
	}
	if g := f.Slot(s.Index).Group(); g != "~alice" {
		t.Fatalf("Group() through another mapping = %q, want ~alice", g)
	}
	long := strings.Repeat("x", GroupCap+10)
	s.SetGroup(long)
	if g := s.Group(); g != long[:GroupCap] {
		t.Fatalf("a long name is kept as %d bytes, want %d", len(g), GroupCap)
	}
	s.Release()
	if s2 := b.Claim(1); s2.Group() != "" {
		t.Fatalf("a claimed slot kept the group %q", s2.Group())
	}
}

func TestGroups(t *testing.T) {
	b, err := Create(3)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	w := b.Claim(1)
	g := b.Claim(1)
	g.SetGroup("hello")
	long := b.Claim(1)
	long.SetGroup(strings.Repeat("x", 100))

	fd, err := syscall.Dup(int(b.File().Fd()))
	if err != nil {
		t.Fatal(err)
	}
	rb, err := Open(os.NewFile(uintptr(fd), "copy"))
	if err != nil {
		t.Fatal(err)
	}
	defer rb.Close()
	if got := rb.Slot(w.Index).Group(); got != "" {
		t.Errorf("a worker's slot reads group %q", got)
	}
	if got := rb.Slot(g.Index).Group(); got != "hello" {
		t.Errorf("group slot reads %q", got)
	}
	if got := rb.Slot(long.Index).Group(); got != strings.Repeat("x", GroupCap) {
		t.Errorf("a long name reads %q", got)
	}
	g.SetThreads(16)
	if rb.Slot(g.Index).Threads() != 16 {
		t.Errorf("threads read %d", rb.Slot(g.Index).Threads())
	}
	g.Requests().Add(7)
	w.Requests().Add(5)
	if gs := rb.Groups(); len(gs) != 0 {
		t.Fatalf("groups before any was declared: %+v", gs)
	}
	// A reclaimed slot is a worker's again until the master marks it. A
	// released group slot's requests stay its group's (which that
	// declares).
	g.Release()
	if gs := rb.Groups(); len(gs) != 1 || gs[0].Name != "hello" || gs[0].Retired != 7 {
		t.Fatalf("a released group slot's requests: %+v", gs)
	}
	if again := b.Claim(2); again.Index != g.Index || again.Group() != "" || again.Threads() != 0 {
		t.Fatalf("reclaimed slot %d: group %q", again.Index, again.Group())
	}

	b.DeclareGroup("hello")
	b.DeclareGroup("other")
	b.DeclareGroup("hello") // again: no second row
	b.CountGroupRestart("hello", Died)
	b.CountGroupRestart("hello", Died)
	b.CountGroupRestart("hello", MaxMemory)
	b.CountGroupRestart("~alice", Died) // declared by its first restart
	b.CountGroupRestart("hello", NumReasons)
	got := rb.Groups()
	if len(got) != 3 || got[0].Name != "hello" || got[1].Name != "other" || got[2].Name != "~alice" {
		t.Fatalf("groups: %+v", got)
	}
	if got[0].Restarts[Died] != 2 || got[0].Restarts[MaxMemory] != 1 || got[1].Restarts != [NumReasons]uint64{} || got[2].Restarts[Died] != 1 {
		t.Fatalf("group restarts: %+v", got)
	}
	if m := rb.Master(); m.Restarts != [NumReasons]uint64{} {
		t.Fatalf("group restarts counted as the workers': %+v", m.Restarts)
	}
	// A full table: the groups past it are not counted, the others still are.
	for i := len(got); i < MaxGroups+5; i++ {
		b.CountGroupRestart("g"+strings.Repeat("y", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26)), Died)
	}
	b.CountGroupRestart("hello", Died)
	if all := rb.Groups(); len(all) != MaxGroups || all[0].Restarts[Died] != 3 {
		t.Fatalf("full table: %d groups, hello %+v", len(all), all[0])
	}
}
