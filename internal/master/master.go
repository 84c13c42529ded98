package master

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"modpy/internal/config"
	"modpy/internal/groupsock"
	"modpy/internal/scoreboard"
)

// A worker's inherited file descriptors: the listening sockets in Listen
// order from FirstFD, then the read end of the master's pipe (EOF: the
// master is gone), then the write end of its ready pipe (ReadyByte once it
// serves, DrainingByte when it begins to recycle itself), then the
// scoreboard if SlotEnv is set, then the TLS ticket secret's pipe if
// TicketKeyEnv is set (tls.go).
const FirstFD = 3

// What a worker writes on its ready pipe.
const (
	// ReadyByte: the worker serves.
	ReadyByte = 'R'
	// DrainingByte: the worker stopped accepting to recycle itself
	// (MaxConnectionsPerChild, MaxMemoryPerChild...); it still finishes
	// its connections, and the master starts its replacement now.
	DrainingByte = 'D'
)

// WorkerEnv marks a worker; its value is the number of inherited sockets.
const WorkerEnv = "MODPY_WORKER"

// SlotEnv is the worker's scoreboard slot; unset when the master has no
// scoreboard (the worker then shows only itself).
const SlotEnv = "MODPY_SLOT"

// StopTimeout is how long a worker told to stop with SIGTERM (or left
// without its master) lets its requests in flight finish.
const StopTimeout = 5 * time.Second

const (
	backoffMin   = 100 * time.Millisecond
	backoffMax   = 10 * time.Second
	healthyAfter = 10 * time.Second // a worker that lived this long resets the backoff
	retireWait   = 10 * time.Second // longest wait for a new generation before retiring the old one
)

// Options are what the master needs besides the config.
type Options struct {
	// Args are the worker's arguments (-d, -f, -D, paths absolute).
	Args []string
	// Load reads the configuration again, for a restart.
	Load func() (*config.Config, error)
	// Version is shown in the log.
	Version string
}

// Workers is the number of workers cfg asks for: StartServers (capped by
// ServerLimit), else one per CPU.
func Workers(cfg *config.Config) int {
	n := cfg.Process.StartServers
	if n <= 0 {
		n = runtime.NumCPU()
	}
	if l := cfg.Process.ServerLimit; l > 0 && n > l {
		n = l
	}
	return max(n, 1)
}

// WorkerProcs is the GOMAXPROCS a worker runs with when the environment
// does not set it: the processors the process may use (procs, Go's
// default) shared out among the Workers(cfg) workers, rounded up, at least
// one. With one worker per core each worker's Go code runs on one
// processor: Python calls leave it while they run, and fewer processors
// than threads wanting one means fewer wake-ups and hand-overs between
// threads (docs/benchmarks.md measures it).
func WorkerProcs(cfg *config.Config, procs int) int {
	n := Workers(cfg)
	return max(1, (procs+n-1)/n)
}

// PidPath is the PidFile: the directive's, else logs/modpy.pid under the
// ServerRoot (as httpd's logs/httpd.pid).
func PidPath(cfg *config.Config) string {
	if cfg.PidFile != "" {
		return cfg.PidFile
	}
	return filepath.Join(cfg.ServerRoot, "logs", "modpy.pid")
}

type socket struct {
	addr string
	ln   net.Listener
	fd   uintptr // ln's descriptor, passed to the workers
}

type worker struct {
	pid     int
	gen     int
	started time.Time
	proc    *os.Process
	slot    *scoreboard.Slot // nil without a scoreboard
	// region is a group process's own (scoreboard.CreateRegion), which
	// it maps instead of the board; nil for a worker.
	region   *scoreboard.Board
	slotless bool // a group process started without a slot (the board was full)
	ready    bool
	stopping bool
	drained  bool      // it said it recycles itself: replaced already
	grp      *groupRun // nil: a worker; else a process of that group (groups.go)
}

type event struct {
	pid      int
	state    *os.ProcessState
	gone     bool // false: the worker is ready, or draining
	draining bool
	user     string // a worker asks for this user's per-user group
}

type master struct {
	opts    Options
	cfg     *config.Config
	log     *logger
	exe     string
	sockets []*socket // in the current config's Listen order
	ctlR    *os.File
	null    *os.File
	ctlW    *os.File
	gen     int
	target  int
	workers map[int]*worker
	events  chan event

	groups     map[string]*groupRun // by socket name: every generation's (groups.go)
	groupRetry chan *groupRun

	delay    time.Duration
	backoff  *time.Timer
	backoffC <-chan time.Time

	retiring    []*worker
	retireSig   syscall.Signal
	retireC     <-chan time.Time
	retireForce bool

	pidfile   string
	board     *scoreboard.Board // nil if it could not be created
	ticketKey []byte            // the generation's TLS ticket secret (tls.go)
	relayKey  []byte            // the workers' Modpy-Relay secret (tls.go's newRelayKey)
	exiting   bool              // shutting down: stopped workers are not replaced
	exitSig   syscall.Signal    // the signal shutting down sends

	// up: every worker of the first generation has served. Until then a
	// worker of it that exits ends the start (failed).
	up     bool
	failed bool
	status *os.File // -k start's status pipe (startup.go), until up
}

// boardSlots is how many workers the scoreboard can show: enough for two
// generations side by side during a graceful restart, and for a restart
// that raises StartServers.
func boardSlots(cfg *config.Config) int {
	return max(16, 4*Workers(cfg), 2*cfg.Process.ServerLimit) + 2*groupSlots(cfg)
}

// closeOnExecInherited marks every descriptor above standard error close-
// on-exec: whatever the master's parent left open (a shell's, a test
// harness's) reaches no worker or group process, which get only the files
// spawn lists, least of all a group process running as another user.
func closeOnExecInherited() {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}

// Run is the master process: it returns the exit code. It fails, with
// httpd's messages on standard error, when it cannot bind a Listen
// address, open the main ErrorLog, write a PidFile the configuration
// names (or, started by -k start, any PidFile: -k stop could not find it
// without), or when a worker of its first generation exits before it
// serves. Started by -k start, it says on its status pipe once it serves
// (startup.go).
func Run(cfg *config.Config, opts Options) int {
	// (Closed by the process's exit when it fails: -k start sees EOF.)
	status := startStatus()
	closeOnExecInherited()
	if len(cfg.Listen) == 0 {
		fmt.Fprintln(os.Stderr, "modpy: no Listen directive: nothing to serve")
		return 1
	}
	if _, err := credentials(cfg); err != nil {
		fmt.Fprintf(os.Stderr, "modpy: %v\n", err)
		return 1
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "modpy: %v\n", err)
		return 1
	}
	lg, err := openLogger(cfg.Main.ErrorLog)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: AH00091: modpy: could not open error log file %s (%s: ErrorLog)\nAH00015: Unable to open logs\n",
			config.SysError(err), cfg.Main.ErrorLog, cfg.Main.ErrorLogPos)
		return 1
	}
	if err := checkGroups(cfg); err != nil {
		fmt.Fprintf(os.Stderr, "modpy: %v\n", err)
		lg.printf("emerg", "%v", err)
		lg.close()
		return 1
	}
	m := &master{opts: opts, cfg: cfg, log: lg, exe: exe, workers: map[int]*worker{}, events: make(chan event, 16), status: status,
		groups: map[string]*groupRun{}, groupRetry: make(chan *groupRun, 4)}
	defer m.log.close()
	m.sockets, err = bind(cfg, nil)
	if err != nil {
		startFailure(err)
		m.log.printf("emerg", "%v", err)
		return 1
	}
	if m.null, err = os.Open(os.DevNull); err != nil {
		fmt.Fprintf(os.Stderr, "modpy: %v\n", err)
		return 1
	}
	if m.ctlR, m.ctlW, err = os.Pipe(); err != nil {
		fmt.Fprintf(os.Stderr, "modpy: %v\n", err)
		return 1
	}
	if err := m.writePid(); err != nil {
		fmt.Fprintln(os.Stderr, PidFailure(PidPath(cfg), err))
		m.log.printf("emerg", "PidFile %s: %v", PidPath(cfg), err)
		for _, s := range m.sockets {
			s.close()
		}
		return 1
	}
	if m.board, err = scoreboard.Create(boardSlots(cfg)); err != nil {
		m.log.printf("warn", "%v: each worker's status page shows only itself", err)
	} else {
		defer m.board.Close()
		m.board.SetMaster(os.Getpid(), time.Now())
		m.board.SetGeneration(1)
	}

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGWINCH)
	signal.Ignore(syscall.SIGPIPE)
	m.gen = 1
	m.ticketKey = newTicketKey(cfg)
	m.relayKey = newRelayKey(cfg)
	m.target = Workers(cfg)
	m.log.printf("notice", "modpy/%s master (pid %d) starting %d workers on %s", opts.Version, os.Getpid(), m.target, addrs(m.sockets))
	m.fill()
	if err := m.startGroups(); err != nil {
		startFailure(err)
		m.log.printf("emerg", "%v", err)
		return m.shutdown(syscall.SIGTERM, sigs, 1)
	}

	var mirrorC <-chan time.Time
	if m.board != nil && (len(cfg.Groups) > 0 || cfg.UserDirProcess != nil) {
		t := time.NewTicker(mirrorEvery)
		defer t.Stop()
		mirrorC = t.C
	}
	for {
		select {
		case <-mirrorC:
			m.mirrorGroups()
		case sig := <-sigs:
			switch sig {
			case syscall.SIGTERM, syscall.SIGINT:
				m.log.printf("notice", "caught %s, shutting down", sigName(sig))
				return m.shutdown(syscall.SIGTERM, sigs, 0)
			case syscall.SIGWINCH:
				m.log.printf("notice", "caught SIGWINCH, shutting down gracefully")
				return m.shutdown(syscall.SIGWINCH, sigs, 0)
			case syscall.SIGUSR1:
				m.log.printf("notice", "caught SIGUSR1: graceful restart requested")
				m.reload(syscall.SIGWINCH)
			case syscall.SIGHUP:
				m.log.printf("notice", "caught SIGHUP: restart requested")
				m.reload(syscall.SIGTERM)
			}
		case ev := <-m.events:
			m.handle(ev)
			if m.failed {
				return m.shutdown(syscall.SIGTERM, sigs, 1)
			}
		case <-m.backoffC:
			m.backoffC = nil
			m.fill()
		case g := <-m.groupRetry:
			g.retry = nil
			m.fillGroup(g)
		case <-m.retireC:
			m.retireC = nil
			m.retireForce = true
			m.maybeRetire()
		}
	}
}

func addrs(ss []*socket) string {
	var out []string
	for _, s := range ss {
		out = append(out, s.addr)
	}
	return strings.Join(out, ", ")
}

func sigName(sig os.Signal) string {
	switch sig {
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGWINCH:
		return "SIGWINCH"
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGUSR1:
		return "SIGUSR1"
	}
	return sig.String()
}

// bind returns cfg's sockets in Listen order, reusing those of old with the
// same address and binding the others.
func bind(cfg *config.Config, old []*socket) ([]*socket, error) {
	var out []*socket
	fail := func(err error) ([]*socket, error) {
		for _, s := range out {
			if !contains(old, s) {
				s.close()
			}
		}
		return nil, err
	}
	for _, l := range cfg.Listen {
		var s *socket
		for _, o := range old {
			if o.addr == l.Addr {
				s = o
			}
		}
		for _, o := range out {
			if o.addr == l.Addr {
				return fail(fmt.Errorf("%s: Listen %s: listed twice", l.Pos, l.Addr))
			}
		}
		if s == nil {
			ln, err := net.Listen("tcp", l.Addr)
			if err != nil {
				return fail(&listenError{l, err})
			}
			s = &socket{addr: l.Addr, ln: ln}
			rc, err := ln.(*net.TCPListener).SyscallConn()
			if err == nil {
				err = rc.Control(func(fd uintptr) { s.fd = fd })
			}
			if err != nil {
				ln.Close()
				return fail(fmt.Errorf("%s: Listen %s: %v", l.Pos, l.Addr, err))
			}
		}
		out = append(out, s)
	}
	return out, nil
}

func contains(ss []*socket, s *socket) bool {
	for _, o := range ss {
		if o == s {
			return true
		}
	}
	return false
}

func (s *socket) close() {
	s.ln.Close()
}

// writePid writes the PidFile. Failing is an error when the
// configuration names the file, or when -k start started the master;
// else (the default file, in a ServerRoot without logs/) a warning.
func (m *master) writePid() error {
	path := PidPath(m.cfg)
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		if m.cfg.PidFile != "" || m.status != nil {
			return err
		}
		m.log.printf("warn", "PidFile %s: %v (modpy -k cannot find this master)", path, err)
		return nil
	}
	m.pidfile = path
	return nil
}

// live counts the current generation's workers that are not stopping.
func (m *master) live() int {
	n := 0
	for _, w := range m.workers {
		if w.grp == nil && w.gen == m.gen && !w.stopping {
			n++
		}
	}
	return n
}

// draining counts the workers recycling themselves that have not exited.
func (m *master) draining() int {
	n := 0
	for _, w := range m.workers {
		if w.grp == nil && w.drained {
			n++
		}
	}
	return n
}

// fill starts workers until the current generation has its target.
func (m *master) fill() {
	for m.live() < m.target {
		if err := m.spawn(nil); err != nil {
			m.log.printf("error", "starting a worker: %v", err)
			m.schedule(false)
			return
		}
	}
}

// schedule arranges for fill to run after the backoff delay; healthy says
// the worker that went lived long enough to reset it.
func (m *master) schedule(healthy bool) {
	if healthy {
		m.delay = 0
	} else {
		m.delay = min(max(2*m.delay, backoffMin), backoffMax)
	}
	if m.delay == 0 {
		m.fill()
		return
	}
	if m.backoffC == nil {
		m.backoff = time.NewTimer(m.delay)
		m.backoffC = m.backoff.C
	}
}

// spawn starts a worker, or with g a process of group g.
func (m *master) spawn(g *groupRun) error {
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer readyW.Close()
	// syscall.StartProcess, not os/exec: exec calls (*os.File).Fd on every
	// inherited file, which puts the descriptor in blocking mode, and a
	// listening socket's mode is shared by every process holding it: the
	// running workers' accepts would then block in the kernel, out of
	// reach of the deadlines they stop accepting with.
	files := []uintptr{m.null.Fd(), os.Stdout.Fd(), os.Stderr.Fd()}
	gen := m.gen
	env := os.Environ()
	if g == nil {
		for _, s := range m.sockets {
			files = append(files, s.fd)
		}
		env = append(env, WorkerEnv+"="+strconv.Itoa(len(m.sockets)))
	} else {
		gen = g.gen
		files = append(files, g.fd)
		env = append(env, WorkerEnv+"=1", groupsock.GroupEnv+"="+g.pg.Name)
	}
	env = append(env, groupsock.GenerationEnv+"="+strconv.Itoa(gen), groupsock.MasterPidEnv+"="+strconv.Itoa(os.Getpid()))
	files = append(files, m.ctlR.Fd(), readyW.Fd())
	argv := append([]string{m.exe}, m.opts.Args...)
	if m.status != nil && g == nil {
		env = append(env, StderrEnv+"=1") // startup.go; a group's is logged
	}
	var errR *os.File // a group process's standard error, logged (log.go)
	if g != nil {
		var errW *os.File
		if errR, errW, err = os.Pipe(); err != nil {
			readyR.Close()
			return err
		}
		defer errW.Close()
		files[2] = errW.Fd()
	}
	var slot *scoreboard.Slot
	var region *scoreboard.Board
	if m.board != nil {
		if slot = m.board.Claim(gen); slot != nil {
			board := m.board
			if g != nil {
				slot.SetGroup(g.pg.Name)
				if region, err = scoreboard.CreateRegion(slot.Index); err != nil {
					slot.Release()
					readyR.Close()
					return err
				}
				board = region
			}
			files = append(files, board.File().Fd())
			env = append(env, SlotEnv+"="+strconv.Itoa(slot.Index))
		} else {
			m.log.printf("warn", "every scoreboard slot is taken: the new worker will not show on the status page")
		}
	}
	if m.ticketKey != nil && g == nil {
		kr, err := ticketPipe(m.ticketKey)
		if err != nil {
			return err
		}
		defer kr.Close()
		files = append(files, kr.Fd())
		env = append(env, TicketKeyEnv+"="+strconv.Itoa(len(files)-1))
	}
	if m.relayKey != nil {
		if g == nil {
			kr, err := ticketPipe(m.relayKey)
			if err != nil {
				return err
			}
			defer kr.Close()
			files = append(files, kr.Fd())
			env = append(env, groupsock.RelayKeyEnv+"="+strconv.Itoa(len(files)-1))
		} else {
			h := sha256.Sum256(groupsock.GroupKey(m.relayKey, g.key))
			env = append(env, groupsock.RelayKeyHashEnv+"="+hex.EncodeToString(h[:]))
		}
	}
	pid, _, err := syscall.StartProcess(m.exe, argv, &syscall.ProcAttr{
		Env:   env,
		Files: files,
		// Its own process group: a terminal's ^C reaches the master only,
		// which stops the workers in order.
		Sys: &syscall.SysProcAttr{Setpgid: true},
	})
	if err != nil {
		readyR.Close()
		if slot != nil {
			slot.Release()
		}
		if region != nil {
			region.Close()
		}
		if errR != nil {
			errR.Close()
		}
		return err
	}
	proc, _ := os.FindProcess(pid) // never fails on Unix
	if slot != nil {
		slot.SetPid(pid)
		if region != nil {
			region.Slot(slot.Index).SetPid(pid)
		}
	}
	w := &worker{pid: pid, gen: gen, started: time.Now(), proc: proc, slot: slot, region: region, grp: g}
	if g != nil && slot == nil && m.board != nil {
		w.slotless = true
		m.board.CountSlotless(g.pg.Name, 1)
	}
	m.workers[w.pid] = w
	read := make(chan struct{})
	go func() {
		defer close(read)
		m.readReady(w.pid, readyR)
	}()
	logged := make(chan struct{})
	if errR != nil {
		go func() {
			defer close(logged)
			m.log.logLines(g.pg.Name, pid, errR)
		}()
	} else {
		close(logged)
	}
	go func() {
		st, err := proc.Wait()
		if err != nil {
			st = nil
			m.log.printf("error", "waiting for worker pid %d: %v", pid, err)
		}
		// Its ready pipe may never reach EOF: a child of the worker may
		// hold the writing end (one forked without exec). Stop reading
		// it now, and report the exit after what the worker wrote.
		readyR.SetReadDeadline(time.Now())
		<-read
		if errR != nil {
			// What it wrote last is in the pipe; only a child of it can
			// keep the pipe open past this.
			errR.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		}
		<-logged
		m.events <- event{pid: w.pid, state: st, gone: true}
	}()
	return nil
}

// readReady sends an event for each byte worker pid writes on its ready
// pipe r (ReadyByte, DrainingByte), and for each "U user\n" it writes
// (AskUserGroup), until EOF or r's read deadline (set when the worker
// exited); then it closes r.
func (m *master) readReady(pid int, r *os.File) {
	defer r.Close()
	b := make([]byte, 64)
	var user []byte
	inUser := false
	send := func(b []byte) {
		for _, c := range b {
			switch {
			case inUser && c == '\n':
				inUser = false
				if u := strings.TrimPrefix(string(user), " "); u != "" {
					m.events <- event{pid: pid, user: u}
				}
				user = user[:0]
			case inUser:
				if len(user) < 256 {
					user = append(user, c)
				}
			case c == UserGroupByte:
				inUser = true
			default:
				m.events <- event{pid: pid, draining: c == DrainingByte}
			}
		}
	}
	for {
		n, err := r.Read(b)
		send(b[:n])
		if err == nil {
			continue
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// The deadline can win over bytes already waiting: read
			// them (without waiting: r is non-blocking).
			r.SetReadDeadline(time.Time{})
			if rc, err := r.SyscallConn(); err == nil {
				rc.Read(func(fd uintptr) bool {
					n, _ := syscall.Read(int(fd), b)
					send(b[:max(n, 0)])
					return true
				})
			}
		}
		return
	}
}

func describe(st *os.ProcessState) string {
	ws, ok := st.Sys().(syscall.WaitStatus)
	if !ok {
		return st.String()
	}
	if ws.Signaled() {
		s := fmt.Sprintf("killed by signal %d (%s)", int(ws.Signal()), ws.Signal())
		if ws.CoreDump() {
			s += ", core dumped"
		}
		return s
	}
	return fmt.Sprintf("exit status %d", ws.ExitStatus())
}

func (m *master) handle(ev event) {
	w := m.workers[ev.pid]
	if w == nil {
		return
	}
	if ev.user != "" {
		if w.grp == nil && !m.exiting {
			m.userGroup(ev.user, w.gen)
		}
		return
	}
	if w.grp != nil {
		m.handleGroup(w, ev)
		return
	}
	if ev.draining {
		// Recycling itself: it serves no new connection, but may take a
		// while to finish the ones it has (up to KeepAliveTimeout for
		// idle ones). Start the replacement now, unless as many workers
		// as the target are draining already (then when one exits):
		// workers that recycle fast must not pile up.
		if !w.stopping && !m.exiting {
			w.stopping, w.drained = true, true
			if m.draining() <= m.target {
				m.fill()
			}
		}
		return
	}
	if !ev.gone {
		w.ready = true
		m.maybeRetire()
		m.maybeUp()
		return
	}
	delete(m.workers, ev.pid)
	if !m.up && !w.ready && !w.stopping && !m.exiting {
		// The first generation does not come up: the start fails,
		// as httpd's does when a child cannot initialise.
		why := fmt.Sprintf("worker pid %d exited before it served (%s): the server could not start", w.pid, describe(ev.state))
		fmt.Fprintln(os.Stderr, "modpy: "+why)
		m.log.printf("emerg", "%s", why)
		m.exited(w)
		m.failed = true
		return
	}
	lived := time.Since(w.started).Round(time.Millisecond)
	why, said, told, serving := m.exited(w)
	switch {
	case w.drained && ev.state.Success():
		if !told {
			why, said = scoreboard.MaxConnections, "it stopped by itself"
		}
		m.log.printf("notice", "worker pid %d recycled (%s; lived %s)", w.pid, said, lived)
		m.countRestart(why)
		if !m.exiting {
			m.fill() // if it was not replaced when it began to drain
		}
	case w.stopping && (!w.drained || m.exiting):
		// Told to stop. One that recycled itself and then died or got
		// stuck is not: it goes below, counted as any other, and
		// replaced if it was not when it began to drain.
		if ev.state.Success() {
			m.log.printf("notice", "worker pid %d (generation %d) stopped", w.pid, w.gen)
		} else {
			m.log.printf("notice", "worker pid %d (generation %d) stopped: %s%s", w.pid, w.gen, describe(ev.state), servingText(serving))
		}
		if !m.exiting && m.board != nil {
			m.board.CountRestart(scoreboard.Restart)
		}
	case ev.state.Success():
		if !told {
			why, said = scoreboard.MaxConnections, "it stopped by itself"
		}
		m.log.printf("notice", "worker pid %d recycled (%s; lived %s); starting a replacement", w.pid, said, lived)
		m.countRestart(why)
		m.fill()
	case told && why == scoreboard.Stuck:
		m.log.printf("error", "worker pid %d stopped (%s): %s, after %s; replacing it", w.pid, describe(ev.state), said, lived)
		m.countRestart(why)
		m.schedule(true)
	default:
		healthy := lived >= healthyAfter
		next := "replacing it"
		if !healthy {
			d := min(max(2*m.delay, backoffMin), backoffMax)
			next = fmt.Sprintf("replacing it in %s", d)
		}
		m.log.printf("error", "worker pid %d died: %s, after %s%s; %s", w.pid, describe(ev.state), lived, servingText(serving), next)
		m.countRestart(scoreboard.Died)
		m.schedule(healthy)
	}
	m.maybeRetire()
	m.retireGroups()
}

// exited frees the slot of w, which is gone, and returns what it said of
// why it exits (SetExit) and the calls it had in flight, from its slot or,
// for a group process, its region (copied to its slot once more first).
func (m *master) exited(w *worker) (why scoreboard.Reason, said string, told bool, serving []string) {
	if w.slot != nil {
		own := w.slot
		if w.region != nil {
			own = w.region.Slot(w.slot.Index)
			w.slot.Mirror(own)
		}
		why, said, told = own.Exit()
		serving = w.slot.Release()
		w.slot = nil
	}
	if w.region != nil {
		w.region.Close()
		w.region = nil
	}
	if w.slotless {
		m.board.CountSlotless(w.grp.pg.Name, -1)
		w.slotless = false
	}
	return why, said, told, serving
}

func (m *master) countRestart(r scoreboard.Reason) {
	if m.board != nil {
		m.board.CountRestart(r)
	}
}

// servingText is what a worker that died was running, for its log line:
// the Python calls its scoreboard slot recorded.
func servingText(calls []string) string {
	switch len(calls) {
	case 0:
		return ""
	case 1:
		return ", while running " + calls[0]
	}
	n := len(calls)
	if n > 5 {
		calls = append(calls[:5:5], fmt.Sprintf("and %d more", n-5))
	}
	return fmt.Sprintf(", while running %d calls: %s", n, strings.Join(calls, "; "))
}

// reload is a graceful restart (old workers get SIGWINCH) or a restart
// (SIGTERM): a new generation on the re-read config, then the old one
// retires once the new one serves.
func (m *master) reload(sig syscall.Signal) {
	cfg, err := m.opts.Load()
	if err == nil && len(cfg.Listen) == 0 {
		err = errors.New("no Listen directive")
	}
	if err == nil {
		_, err = credentials(cfg)
	}
	if err == nil {
		err = checkGroups(cfg)
	}
	if err != nil {
		m.log.printf("error", "restart failed, the current workers keep serving: %v", err)
		return
	}
	socks, err := bind(cfg, m.sockets)
	if err != nil {
		m.log.printf("error", "restart failed, the current workers keep serving: %v", err)
		return
	}
	if err := m.log.reopen(cfg.Main.ErrorLog); err != nil {
		m.log.printf("error", "reopening ErrorLog %s: %v", cfg.Main.ErrorLog, err)
	}
	for _, s := range m.sockets {
		if !contains(socks, s) {
			s.close()
		}
	}
	m.retireNow() // a previous restart's old generation, if still waiting
	m.sockets = socks
	m.cfg = cfg
	m.gen++
	m.ticketKey = newTicketKey(cfg)
	if m.relayKey == nil {
		m.relayKey = newRelayKey(cfg) // groups configured since the start
	}
	if m.board != nil {
		m.board.SetGeneration(m.gen)
	}
	m.target = Workers(cfg)
	m.delay = 0
	if m.backoffC != nil {
		m.backoff.Stop()
		m.backoffC = nil
	}
	for _, w := range m.workers {
		if !w.stopping && w.grp == nil {
			w.stopping = true
			m.retiring = append(m.retiring, w)
		}
	}
	m.retireSig = sig
	m.retireForce = false
	m.retireC = time.After(retireWait)
	m.log.printf("notice", "starting generation %d: %d workers on %s", m.gen, m.target, addrs(m.sockets))
	// The new generation's groups first: its workers relay to them.
	for _, pg := range cfg.Groups {
		g, err := m.newGroup(pg, m.gen)
		if err != nil {
			m.log.printf("error", "%v", err)
			continue
		}
		m.fillGroup(g)
	}
	m.fill()
	m.maybeRetire()
}

// maybeUp notes, the first time every worker of the first generation
// (or of a restart's before that) serves, that the master is up, and says
// so to -k start.
func (m *master) maybeUp() {
	if m.up {
		return
	}
	ready := 0
	for _, w := range m.workers {
		if w.grp == nil && w.gen == m.gen && w.ready && !w.stopping {
			ready++
		}
	}
	if ready >= m.target {
		m.up = true
		m.started()
	}
}

// maybeRetire signals the old generation once every new worker serves, or
// after retireWait if at least one does.
func (m *master) maybeRetire() {
	if len(m.retiring) == 0 {
		return
	}
	ready := 0
	for _, w := range m.workers {
		if w.grp == nil && w.gen == m.gen && w.ready && !w.stopping {
			ready++
		}
	}
	if ready >= m.target || (m.retireForce && ready > 0) {
		m.retireNow()
	}
}

func (m *master) retireNow() {
	if len(m.retiring) == 0 {
		return
	}
	var pids []string
	for _, w := range m.retiring {
		if m.workers[w.pid] == w {
			w.proc.Signal(m.retireSig)
			pids = append(pids, strconv.Itoa(w.pid))
		}
	}
	if len(pids) > 0 {
		m.log.printf("notice", "old workers told to stop (%s): %s", sigName(m.retireSig), strings.Join(pids, " "))
	}
	m.retiring = nil
	m.retireC = nil
}

// shutdown stops every worker with sig (SIGTERM: with a deadline,
// SIGWINCH: gracefully), waits for them and returns code, the exit status.
func (m *master) shutdown(sig syscall.Signal, sigs <-chan os.Signal, code int) int {
	if m.backoffC != nil {
		m.backoff.Stop()
	}
	m.retiring = nil
	m.exiting = true
	m.exitSig = sig
	// The groups stop once the workers that relay to them are gone
	// (retireGroups), unless a second signal hurries everyone.
	signalAll := func(sig syscall.Signal, groups bool) {
		for _, w := range m.workers {
			if w.grp == nil || groups {
				w.stopping = true
				w.proc.Signal(sig)
			}
		}
	}
	signalAll(sig, false)
	m.retireGroups()
	var kill <-chan time.Time
	if sig == syscall.SIGTERM {
		kill = time.After(StopTimeout + 3*time.Second)
	} else if d := m.cfg.Process.GracefulShutdownTimeout; d > 0 {
		kill = time.After(d + 3*time.Second) // the workers cut their connections at d
	}
	for _, g := range m.groups {
		if g.retry != nil {
			g.retry.Stop()
		}
	}
	for len(m.workers) > 0 {
		select {
		case s := <-sigs:
			if s == syscall.SIGTERM || s == syscall.SIGINT {
				if kill == nil {
					m.log.printf("notice", "caught %s, stopping now", sigName(s))
					signalAll(syscall.SIGTERM, true)
					kill = time.After(StopTimeout + 3*time.Second)
				}
			}
		case ev := <-m.events:
			if ev.gone {
				m.handle(ev)
			}
		case <-kill:
			for _, w := range m.workers {
				m.log.printf("warn", "worker pid %d did not stop in time: killing it", w.pid)
				w.proc.Kill()
			}
			kill = nil
		}
	}
	for _, s := range m.sockets {
		s.close()
	}
	for _, g := range m.groups {
		if g.ln != nil {
			g.ln.Close()
		}
	}
	m.ctlW.Close()
	if m.pidfile != "" {
		os.Remove(m.pidfile)
	}
	m.log.printf("notice", "master (pid %d) exiting", os.Getpid())
	return code
}
