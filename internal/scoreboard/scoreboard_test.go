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

// TestBoardSealed: a process holding the board's file (a worker's or a
// process group's Python code) can neither shrink nor grow it: shrunk,
// every process mapping it, the master first, would die of SIGBUS.
func TestBoardSealed(t *testing.T) {
	b, err := Create(2)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	st, _ := b.File().Stat()
	for _, n := range []int64{0, st.Size() - 1, st.Size() + 4096} {
		if err := b.File().Truncate(n); err == nil {
			t.Errorf("truncating the board to %d bytes worked", n)
		}
	}
	// Its workers still map it.
	if _, err := Open(b.File()); err != nil {
		t.Fatal(err)
	}
}

// TestRegion: a group process's region holds its one slot and nothing of
// the board; what it writes reaches the board's slot only through the
// master's Mirror, bounded and without waiting on a snapshot kept "being
// written".
func TestRegion(t *testing.T) {
	b, err := Create(4)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.Claim(1).SetPid(10) // a worker's slot, which the region must not reach
	sl := b.Claim(1)
	sl.SetGroup("g")
	r, err := CreateRegion(sl.Index)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fd, err := syscall.Dup(int(r.File().Fd()))
	if err != nil {
		t.Fatal(err)
	}
	gr, err := Open(os.NewFile(uintptr(fd), "region"))
	if err != nil {
		t.Fatal(err)
	}
	defer gr.Close()
	if st, _ := gr.File().Stat(); st.Size() != pageSize+slotSize {
		t.Fatalf("region of %d bytes", st.Size())
	}
	if gr.Slot(0) != nil || gr.Slot(sl.Index+1) != nil || gr.Groups() != nil {
		t.Fatal("a region reaches slots or groups of the board")
	}
	own := gr.Slot(sl.Index)
	if own == nil {
		t.Fatal("the region lacks its slot")
	}
	own.Requests().Add(7)
	own.SetState(Ready)
	own.SetThreads(16)
	call := own.Begin("GET /a in interpreter x")
	own.WriteStatus([]byte(`{"pid":1}`))
	own.SetExit(MaxRequests, "done\nforged line\x1b")
	if sl.Requests().Load() != 0 || sl.State() != Starting {
		t.Fatal("the region's writes reached the board without Mirror")
	}
	sl.Mirror(r.Slot(sl.Index))
	if sl.Requests().Load() != 7 || sl.Threads() != 16 || sl.State() != Starting || sl.Group() != "g" {
		t.Fatalf("mirrored: requests %d threads %d state %v group %q", sl.Requests().Load(), sl.Threads(), sl.State(), sl.Group())
	}
	if got, _ := sl.ReadStatus(); string(got) != `{"pid":1}` {
		t.Fatalf("mirrored status %q", got)
	}
	if c := sl.InFlight(); len(c) != 1 || !strings.HasPrefix(c[0], "GET /a in interpreter x") {
		t.Fatalf("mirrored calls %q", c)
	}
	if _, text, _ := r.Slot(sl.Index).Exit(); text != "done?forged line?" {
		t.Fatalf("exit text %q", text)
	}
	own.End(call)

	// Lengths the process wrote are bounded; a snapshot it keeps "being
	// written" is skipped, not waited for.
	a := own.area(statusOffset)
	a.n.Store(1 << 40)
	a.when.Add(1)
	sl.Mirror(r.Slot(sl.Index))
	if got, _ := sl.ReadStatus(); len(got) != StatusCap {
		t.Fatalf("status of %d bytes mirrored", len(got))
	}
	a.seq.Add(1) // odd: being written, forever
	a.when.Add(1)
	sl.Mirror(r.Slot(sl.Index))
	if len(sl.InFlight()) != 0 {
		t.Fatal("an ended call is still shown")
	}
	if w := b.Slot(0); w.Pid() != 10 || w.Requests().Load() != 0 {
		t.Fatal("Mirror touched another slot")
	}
}

// TestSlotless: the master counts a group's processes it started without
// a slot; a group without a row cannot tell (-1).
func TestSlotless(t *testing.T) {
	b, err := Create(1)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if n := b.Slotless("g"); n != -1 {
		t.Fatalf("undeclared group: %d", n)
	}
	b.DeclareGroup("g")
	b.CountSlotless("g", 1)
	b.CountSlotless("g", 1)
	b.CountSlotless("g", -1)
	if n := b.Slotless("g"); n != 1 {
		t.Fatalf("slotless %d, want 1", n)
	}
	if r, err := CreateRegion(0); err != nil || r.Slotless("g") != -1 {
		t.Fatalf("a region answers for groups: %v", err)
	} else {
		r.Close()
	}
}
