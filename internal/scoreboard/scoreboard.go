package scoreboard

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The board: the master's area (headerSize: its header page, then the
// table of process groups), then nslots slots of slotSize bytes. A group
// process's region (CreateRegion): one header page, then its one slot.
// Each slot: its header page, the table of calls in flight, then the
// status and metrics snapshot areas. Pages are touched only when
// written, so unused slots and the unused tails of snapshot areas cost
// address space, not memory.
const (
	magic        = 0x32627370646f6d // "modpsb2" little-endian
	regionMagic  = 0x32677270646f6d // "modprg2": a group process's region
	pageSize     = 4096
	headerSize   = 8 * pageSize
	groupEntry   = 256
	MaxGroups    = (headerSize - pageSize) / groupEntry // process groups whose restarts it counts
	entrySize    = 256
	entryText    = entrySize - 16
	Entries      = 64 // calls in flight a slot records (more are counted, not listed)
	entriesSize  = Entries * entrySize
	areaHeader   = 64
	statusCap    = 512 << 10
	metricsCap   = 512 << 10
	slotSize     = pageSize + entriesSize + areaHeader + statusCap + areaHeader + metricsCap
	statusOffset = pageSize + entriesSize
	metricsOff   = statusOffset + areaHeader + statusCap
	exitTextCap  = 1024
)

// Reason is why the master started a worker anew (the metrics label of
// modpy_worker_restarts_total).
type Reason int

// The reasons a worker is replaced.
const (
	Died            Reason = iota // it crashed or exited with an error
	MaxConnections                // MaxConnectionsPerChild reached
	MaxMemory                     // MaxMemoryPerChild passed
	Stuck                         // a handler stuck in C code past PythonRequestTimeout
	Interpreter                   // an interpreter that had to end could not be ended
	Restart                       // a restart or graceful restart replaced its generation
	MaxRequests                   // a group process's maximum-requests reached
	Inactive                      // a group process's inactivity-timeout passed
	RestartInterval               // a group process's restart-interval passed
	NumReasons
)

var reasonNames = [NumReasons]string{"died", "max_connections", "max_memory", "stuck", "interpreter", "restart", "max_requests", "inactivity", "restart_interval"}

// String is the reason's label.
func (r Reason) String() string {
	if r < 0 || r >= NumReasons {
		return "unknown"
	}
	return reasonNames[r]
}

// State is a worker's state as its slot shows it.
type State int64

// A worker's states.
const (
	Starting State = iota // started by the master, not serving yet
	Ready                 // serving
	Stopping              // draining: accepts nothing new
)

// String is the state's name on the status page.
func (s State) String() string {
	switch s {
	case Starting:
		return "starting"
	case Ready:
		return "ready"
	case Stopping:
		return "stopping"
	}
	return "unknown"
}

type header struct {
	magic      uint64
	nslots     uint64
	slotSize   uint64
	masterPid  atomic.Int64
	started    atomic.Int64 // unix nanoseconds
	generation atomic.Int64
	restarts   [NumReasons]atomic.Uint64
	first      uint64 // a region's: the index of its slot on the board
}

type slotHeader struct {
	pid      atomic.Int64 // 0: free; -1: claimed, the process not started yet
	gen      atomic.Int64
	started  atomic.Int64
	state    atomic.Int64
	requests atomic.Uint64
	active   atomic.Int64
	rss      atomic.Int64
	exitWhy  atomic.Int64 // Reason+1 once the worker said why it exits
	exitLen  atomic.Int64
	hint     atomic.Uint64 // where the next call looks for a free entry
	threads  atomic.Int64
	exitText [exitTextCap]byte
	groupLen atomic.Int64 // length of group; 0: a worker
	group    [GroupCap]byte
}

// GroupCap is the longest process group name a slot records.
const GroupCap = 64

// groupRow is one process group's row in the master's area.
type groupRow struct {
	state    atomic.Uint32 // 0: free; 1: being claimed; 2: in use
	n        uint32
	name     [GroupCap]byte
	restarts [NumReasons]atomic.Uint64
	retired  atomic.Uint64 // requests of its processes whose slots were released
	slotless atomic.Int64  // its processes running without a slot (the board was full)
}

type entry struct {
	busy  atomic.Uint32
	n     uint32
	start atomic.Int64
	text  [entryText]byte
}

type area struct {
	seq  atomic.Uint64 // odd while being written
	n    atomic.Uint64
	when atomic.Int64
}

// Board is a mapped board, or a group process's region.
type Board struct {
	f     *os.File
	mem   []byte
	hdr   *header
	n     int
	base  int // where the slots begin
	first int // the index of the first slot
}

// Create makes a board with nslots slots, for the master.
func Create(nslots int) (*Board, error) {
	if nslots < 1 {
		return nil, errors.New("scoreboard: no slots")
	}
	b, err := newMapped("modpy-scoreboard", headerSize+nslots*slotSize)
	if err != nil {
		return nil, err
	}
	b.hdr.magic = magic
	b.hdr.nslots = uint64(nslots)
	b.hdr.slotSize = slotSize
	b.n, b.base = nslots, headerSize
	return b, nil
}

// CreateRegion makes the region of a group process whose slot on the
// board is index (master): a memfd of its own holding that one slot,
// which the process maps instead of the board. A group process runs code
// the server does not trust (a per-user group's is its user's), so it
// gets no view of the board: not the other processes' requests in flight
// nor a way to forge their slots (a worker posing as stuck, a group
// looking ready). The master, which maps both, copies the region into
// the board's slot (Slot.Mirror) for the workers to read.
func CreateRegion(index int) (*Board, error) {
	b, err := newMapped("modpy-group-slot", pageSize+slotSize)
	if err != nil {
		return nil, err
	}
	b.hdr.magic = regionMagic
	b.hdr.nslots = 1
	b.hdr.slotSize = slotSize
	b.hdr.first = uint64(index)
	b.n, b.base, b.first = 1, pageSize, index
	b.Slot(index).reset()
	return b, nil
}

// newMapped is a memfd called name of size bytes, sealed at that size,
// mapped. Close-on-exec: a child gets it only as one of StartProcess's
// files. Sealed: a process holding it (a handler's code, a process group's
// running as another user) that truncated it would kill every process
// mapping it, the master first, with SIGBUS.
func newMapped(name string, size int) (*Board, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("scoreboard: memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), name)
	if err := f.Truncate(int64(size)); err != nil {
		f.Close()
		return nil, fmt.Errorf("scoreboard: %w", err)
	}
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_SEAL); err != nil {
		f.Close()
		return nil, fmt.Errorf("scoreboard: sealing: %w", err)
	}
	b, err := mapFile(f, size)
	if err != nil {
		f.Close()
		return nil, err
	}
	return b, nil
}

// Open maps the board the master passed down as f, for a worker. f is
// made close-on-exec: a handler's subprocesses do not get it.
func Open(f *os.File) (*Board, error) {
	syscall.CloseOnExec(int(f.Fd()))
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("scoreboard: %w", err)
	}
	if st.Size() < pageSize+slotSize {
		return nil, errors.New("scoreboard: too small")
	}
	b, err := mapFile(f, int(st.Size()))
	if err != nil {
		return nil, err
	}
	switch {
	case b.hdr.magic == magic && b.hdr.slotSize == slotSize &&
		int64(headerSize+b.hdr.nslots*slotSize) == st.Size():
		b.n, b.base = int(b.hdr.nslots), headerSize
	case b.hdr.magic == regionMagic && b.hdr.slotSize == slotSize &&
		b.hdr.nslots == 1 && st.Size() == pageSize+slotSize && b.hdr.first < 1<<20:
		b.n, b.base, b.first = 1, pageSize, int(b.hdr.first)
	default:
		b.Close()
		return nil, errors.New("scoreboard: not a scoreboard of this modpy version")
	}
	return b, nil
}

func mapFile(f *os.File, size int) (*Board, error) {
	mem, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("scoreboard: mmap: %w", err)
	}
	return &Board{f: f, mem: mem, hdr: (*header)(unsafe.Pointer(&mem[0]))}, nil
}

// File is the board's file, for passing it to a worker.
func (b *Board) File() *os.File { return b.f }

// Close unmaps the board and closes its file.
func (b *Board) Close() error {
	err := syscall.Munmap(b.mem)
	b.f.Close()
	return err
}

// Slot is slot i, or nil when i is not one of the board's slots (a
// region has only the one its process was given).
func (b *Board) Slot(i int) *Slot {
	if b == nil || i < b.first || i >= b.first+b.n {
		return nil
	}
	off := b.base + (i-b.first)*slotSize
	mem := b.mem[off : off+slotSize]
	return &Slot{Index: i, b: b, mem: mem, h: (*slotHeader)(unsafe.Pointer(&mem[0]))}
}

// SetMaster records the master's pid and start.
func (b *Board) SetMaster(pid int, started time.Time) {
	b.hdr.masterPid.Store(int64(pid))
	b.hdr.started.Store(started.UnixNano())
}

// SetGeneration records the current generation of workers.
func (b *Board) SetGeneration(gen int) { b.hdr.generation.Store(int64(gen)) }

// CountRestart counts a worker replaced for reason r.
func (b *Board) CountRestart(r Reason) {
	if r >= 0 && r < NumReasons {
		b.hdr.restarts[r].Add(1)
	}
}

func (b *Board) groupRow(i int) *groupRow {
	return (*groupRow)(unsafe.Pointer(&b.mem[pageSize+i*groupEntry]))
}

// group finds the row of the process group name, claiming a free one if
// it has none; nil when the table is full.
func (b *Board) group(name string) *groupRow {
	if b.base != headerSize {
		return nil // a region has no master's area
	}
	if len(name) > GroupCap {
		name = name[:GroupCap]
	}
	for i := 0; i < MaxGroups; i++ {
		g := b.groupRow(i)
		for {
			switch g.state.Load() {
			case 2:
				if string(g.name[:g.n]) == name {
					return g
				}
			case 1:
				time.Sleep(time.Microsecond) // another writer is naming it
				continue
			case 0:
				if !g.state.CompareAndSwap(0, 1) {
					continue
				}
				g.n = uint32(copy(g.name[:], name))
				g.state.Store(2)
				return g
			}
			break
		}
	}
	return nil
}

// DeclareGroup gives the process group name a row in the master's area
// (master), so the status page and the metrics show it, with 0 restarts,
// before any of its processes started, in the order of the declarations
// (call it for each configured group at start). Declaring it again does
// nothing. CountGroupRestart and a group slot's Release declare the group
// if it was not.
// A name longer than GroupCap bytes is cut; past MaxGroups groups, a group
// is shown only while it has processes, and its restarts are not counted.
func (b *Board) DeclareGroup(name string) { b.group(name) }

// CountGroupRestart counts a process of group name replaced for reason r
// (master), declaring the group if it was not. A group's processes are
// counted here, not by CountRestart, which counts the workers.
func (b *Board) CountGroupRestart(name string, r Reason) {
	if r < 0 || r >= NumReasons {
		return
	}
	if g := b.group(name); g != nil {
		g.restarts[r].Add(1)
	}
}

// CountSlotless adds delta to the processes of group name running
// without a slot on the board (master: every slot was taken when it
// started one), declaring the group if it was not.
func (b *Board) CountSlotless(name string, delta int) {
	if g := b.group(name); g != nil {
		g.slotless.Add(int64(delta))
	}
}

// Slotless is how many processes of group name run without a slot; -1
// when the group has no row (past MaxGroups): it cannot tell.
func (b *Board) Slotless(name string) int {
	if len(name) > GroupCap {
		name = name[:GroupCap]
	}
	if b.base != headerSize {
		return -1
	}
	for i := 0; i < MaxGroups; i++ {
		g := b.groupRow(i)
		switch g.state.Load() {
		case 0:
			return -1
		case 2:
			if string(g.name[:min(int(g.n), GroupCap)]) == name {
				return int(g.slotless.Load())
			}
		}
	}
	return -1
}

// GroupInfo is a declared process group as the master's area has it.
type GroupInfo struct {
	Name     string
	Restarts [NumReasons]uint64
	// Retired is the requests served by its processes that are gone (their
	// slots released): with the live slots' counters, the group's total.
	Retired uint64
}

// Groups lists the declared process groups, in the order they were
// declared.
func (b *Board) Groups() []GroupInfo {
	var out []GroupInfo
	if b.base != headerSize {
		return nil
	}
	for i := 0; i < MaxGroups; i++ {
		g := b.groupRow(i)
		st := g.state.Load()
		if st == 0 {
			break
		}
		if st != 2 {
			continue
		}
		gi := GroupInfo{Name: string(g.name[:min(int(g.n), GroupCap)])}
		for r := range gi.Restarts {
			gi.Restarts[r] = g.restarts[r].Load()
		}
		gi.Retired = g.retired.Load()
		out = append(out, gi)
	}
	return out
}

// MasterInfo is the master's area.
type MasterInfo struct {
	Pid        int
	Started    time.Time
	Generation int
	Restarts   [NumReasons]uint64
}

// Master reads the master's area.
func (b *Board) Master() MasterInfo {
	m := MasterInfo{
		Pid:        int(b.hdr.masterPid.Load()),
		Started:    time.Unix(0, b.hdr.started.Load()),
		Generation: int(b.hdr.generation.Load()),
	}
	for i := range m.Restarts {
		m.Restarts[i] = b.hdr.restarts[i].Load()
	}
	return m
}

// Claim reserves a free slot for a worker of generation gen about to be
// started; nil when every slot is taken.
func (b *Board) Claim(gen int) *Slot {
	for i := b.first; i < b.first+b.n; i++ {
		s := b.Slot(i)
		if s.h.pid.CompareAndSwap(0, -1) {
			s.reset()
			s.h.gen.Store(int64(gen))
			s.h.started.Store(time.Now().UnixNano())
			return s
		}
	}
	return nil
}

// Live lists the slots in use (claimed or held by a worker), in order.
func (b *Board) Live() []*Slot {
	var out []*Slot
	for i := b.first; i < b.first+b.n; i++ {
		if s := b.Slot(i); s.h.pid.Load() != 0 {
			out = append(out, s)
		}
	}
	return out
}

// Slot is one worker's part of the board.
type Slot struct {
	// Index is the slot's number, shown as the worker label.
	Index int
	b     *Board
	mem   []byte
	h     *slotHeader
}

func (s *Slot) reset() {
	h := s.h
	h.state.Store(int64(Starting))
	h.requests.Store(0)
	h.active.Store(0)
	h.rss.Store(0)
	h.exitWhy.Store(0)
	h.exitLen.Store(0)
	h.groupLen.Store(0)
	h.threads.Store(0)
	for i := 0; i < Entries; i++ {
		s.entry(i).busy.Store(0)
	}
	s.area(statusOffset).n.Store(0)
	s.area(metricsOff).n.Store(0)
}

// SetGroup marks the slot as a process of group name (master), up to
// GroupCap bytes of it; "" marks a worker.
func (s *Slot) SetGroup(name string) {
	s.h.groupLen.Store(0)
	n := copy(s.h.group[:], name)
	s.h.groupLen.Store(int64(n))
}

// Group is the process group the slot's process serves; "" for a worker.
func (s *Slot) Group() string {
	n := s.h.groupLen.Load()
	if n <= 0 || n > GroupCap {
		return ""
	}
	return string(s.h.group[:n])
}

// SetPid records the started worker's pid (master).
func (s *Slot) SetPid(pid int) { s.h.pid.Store(int64(pid)) }

// Pid is the worker's pid; -1 before it started.
func (s *Slot) Pid() int { return int(s.h.pid.Load()) }

// Generation is the generation the worker belongs to.
func (s *Slot) Generation() int { return int(s.h.gen.Load()) }

// Started is when the master started the worker.
func (s *Slot) Started() time.Time { return time.Unix(0, s.h.started.Load()) }

// State is the worker's state.
func (s *Slot) State() State { return State(s.h.state.Load()) }

// SetState records the worker's state (worker).
func (s *Slot) SetState(st State) { s.h.state.Store(int64(st)) }

// Requests is the worker's counter of finished requests; the worker adds
// to it, anyone reads it.
func (s *Slot) Requests() *atomic.Uint64 { return &s.h.requests }

// Active is the worker's counter of requests in progress.
func (s *Slot) Active() *atomic.Int64 { return &s.h.active }

// RSS is the worker's resident memory as it last recorded it.
func (s *Slot) RSS() int64 { return s.h.rss.Load() }

// SetRSS records the worker's resident memory.
func (s *Slot) SetRSS(n int64) { s.h.rss.Store(n) }

// SetExit says why the worker is about to exit (worker), for the master's
// log and its restart counter. The first call wins.
func (s *Slot) SetExit(r Reason, text string) {
	if s == nil || s.h.exitWhy.Load() != 0 {
		return
	}
	n := copy(s.h.exitText[:], text)
	s.h.exitLen.Store(int64(n))
	s.h.exitWhy.Store(int64(r) + 1)
}

// Exit is what SetExit recorded; ok is false when the worker said nothing.
func (s *Slot) Exit() (r Reason, text string, ok bool) {
	why := s.h.exitWhy.Load()
	if why == 0 {
		return 0, "", false
	}
	n := min(max(int(s.h.exitLen.Load()), 0), exitTextCap)
	return Reason(why - 1), printable(string(s.h.exitText[:n])), true
}

// printable is text from a slot as one line of a log: valid UTF-8 with
// no control characters (a group process's slot is written by code the
// master does not trust, and the master logs what it says).
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
}

// SetThreads records how many threads the process serves requests with
// (its ThreadsPerChild; a group's threads=), for the status page.
func (s *Slot) SetThreads(n int) { s.h.threads.Store(int64(n)) }

// Threads is what SetThreads recorded, 0 before.
func (s *Slot) Threads() int { return int(s.h.threads.Load()) }

// Release frees the slot after its worker exited (master), returning what
// the worker was running then. A group process's requests are added to its
// group's (GroupInfo.Retired).
func (s *Slot) Release() (inFlight []string) {
	inFlight = s.InFlight()
	group := s.Group()
	served := s.h.requests.Load()
	s.h.pid.Store(0)
	if group != "" && served > 0 {
		if g := s.b.group(group); g != nil {
			g.retired.Add(served)
		}
	}
	return inFlight
}

func (s *Slot) entry(i int) *entry {
	return (*entry)(unsafe.Pointer(&s.mem[pageSize+i*entrySize]))
}

// Begin records a call in flight described by the concatenation of parts
// (truncated to fit) and returns its entry for End; -1 when all entries
// are taken.
func (s *Slot) Begin(parts ...string) int {
	if s == nil {
		return -1
	}
	start := int(s.h.hint.Add(1))
	for k := 0; k < Entries; k++ {
		i := (start + k) % Entries
		e := s.entry(i)
		if e.busy.CompareAndSwap(0, 1) {
			n := 0
			for _, p := range parts {
				n += copy(e.text[n:], p)
			}
			e.n = uint32(n)
			e.start.Store(time.Now().UnixNano())
			e.busy.Store(2)
			return i
		}
	}
	return -1
}

// End frees entry i that Begin returned.
func (s *Slot) End(i int) {
	if s == nil || i < 0 {
		return
	}
	s.entry(i).busy.Store(0)
}

// InFlight lists the recorded calls in flight, each as "TEXT (for 1.2s)",
// longest running first. Meant for a worker that is gone or for a glance:
// an entry rewritten while read can show a mix of two texts.
func (s *Slot) InFlight() []string {
	type call struct {
		text  string
		start int64
	}
	var calls []call
	for i := 0; i < Entries; i++ {
		e := s.entry(i)
		if e.busy.Load() != 2 {
			continue
		}
		n := min(int(e.n), entryText)
		calls = append(calls, call{string(e.text[:n]), e.start.Load()})
	}
	for i := 1; i < len(calls); i++ {
		for j := i; j > 0 && calls[j].start < calls[j-1].start; j-- {
			calls[j], calls[j-1] = calls[j-1], calls[j]
		}
	}
	now := time.Now().UnixNano()
	out := make([]string, len(calls))
	for i, c := range calls {
		d := time.Duration(now - c.start)
		out[i] = fmt.Sprintf("%s (for %s)", printable(c.text), d.Round(time.Millisecond))
	}
	return out
}

// Mirror copies into s (a slot of the board, master) what a group
// process wrote into src, its region's slot: its counters, threads,
// resident memory, calls in flight and snapshots. Not its pid, group,
// generation or state, which the master keeps on the board itself, and
// not its exit, which the master reads from src. src is written by code
// the server does not trust: every length read from it is bounded, and
// a snapshot being written (or kept "being written") is skipped until the
// next call, never waited for.
func (s *Slot) Mirror(src *Slot) {
	if s == nil || src == nil {
		return
	}
	s.h.requests.Store(src.h.requests.Load())
	s.h.active.Store(src.h.active.Load())
	s.h.rss.Store(src.h.rss.Load())
	s.h.threads.Store(src.h.threads.Load())
	for i := 0; i < Entries; i++ {
		e, d := src.entry(i), s.entry(i)
		if e.busy.Load() != 2 {
			d.busy.Store(0)
			continue
		}
		d.busy.Store(1)
		d.n = uint32(copy(d.text[:], e.text[:min(int(e.n), entryText)]))
		d.start.Store(e.start.Load())
		d.busy.Store(2)
	}
	for _, a := range [...]struct{ off, capacity int }{{statusOffset, statusCap}, {metricsOff, metricsCap}} {
		sa, da := src.area(a.off), s.area(a.off)
		when := sa.when.Load()
		if when == da.when.Load() {
			continue
		}
		seq := sa.seq.Load()
		if seq&1 == 1 {
			continue
		}
		n := min(int(sa.n.Load()), a.capacity)
		da.seq.Add(1)
		copy(s.areaData(a.off, a.capacity)[:n], src.areaData(a.off, a.capacity)[:n])
		da.n.Store(uint64(n))
		if sa.seq.Load() != seq {
			when = 0 // torn: shown as no snapshot, copied again next time
			da.n.Store(0)
		}
		da.when.Store(when)
		da.seq.Add(1)
	}
}

func (s *Slot) area(off int) *area {
	return (*area)(unsafe.Pointer(&s.mem[off]))
}

func (s *Slot) areaData(off, capacity int) []byte {
	return s.mem[off+areaHeader : off+areaHeader+capacity]
}

// StatusCap and MetricsCap are the largest snapshots a slot holds.
const (
	StatusCap  = statusCap
	MetricsCap = metricsCap
)

// WriteStatus stores the worker's status snapshot; false if it does not fit.
func (s *Slot) WriteStatus(p []byte) bool { return s.write(statusOffset, statusCap, p) }

// WriteMetrics stores the worker's metrics snapshot; false if it does not fit.
func (s *Slot) WriteMetrics(p []byte) bool { return s.write(metricsOff, metricsCap, p) }

// ReadStatus is the last status snapshot and when it was written (nil
// before the first).
func (s *Slot) ReadStatus() ([]byte, time.Time) { return s.read(statusOffset, statusCap) }

// ReadMetrics is the last metrics snapshot and when it was written.
func (s *Slot) ReadMetrics() ([]byte, time.Time) { return s.read(metricsOff, metricsCap) }

func (s *Slot) write(off, capacity int, p []byte) bool {
	if len(p) > capacity {
		return false
	}
	a := s.area(off)
	a.seq.Add(1)
	copy(s.areaData(off, capacity), p)
	a.n.Store(uint64(len(p)))
	a.when.Store(time.Now().UnixNano())
	a.seq.Add(1)
	return true
}

func (s *Slot) read(off, capacity int) ([]byte, time.Time) {
	a := s.area(off)
	data := s.areaData(off, capacity)
	for try := 0; try < 100; try++ {
		seq := a.seq.Load()
		if seq&1 == 1 {
			time.Sleep(time.Millisecond)
			continue
		}
		n := min(int(a.n.Load()), capacity)
		when := a.when.Load()
		out := make([]byte, n)
		copy(out, data[:n])
		if a.seq.Load() == seq {
			if n == 0 {
				return nil, time.Time{}
			}
			return out, time.Unix(0, when)
		}
	}
	return nil, time.Time{}
}

// The layout's sizes, checked when compiling: a header and a slot header
// each fit in a page, an entry is exactly entrySize bytes, snapshot area
// headers fit in areaHeader.
var (
	_ [pageSize - unsafe.Sizeof(header{})]byte
	_ [groupEntry - unsafe.Sizeof(groupRow{})]byte
	_ [pageSize - unsafe.Sizeof(slotHeader{})]byte
	_ [entrySize - unsafe.Sizeof(entry{})]byte
	_ [unsafe.Sizeof(entry{}) - entrySize]byte
	_ [areaHeader - unsafe.Sizeof(area{})]byte
)
