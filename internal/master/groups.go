package master

import (
	"errors"
	"fmt"
	"net"
	"os"
	osuser "os/user"
	"slices"
	"strconv"
	"syscall"
	"time"

	"modpy/internal/config"
	"modpy/internal/groupsock"
	"modpy/internal/scoreboard"
)

// Process groups (WSGIDaemonProcess, PythonUserDirProcess): the master
// binds each group's socket (groupsock.Name) and starts its processes,
// the modpy binary re-executed as a worker is, with GroupEnv set and
// ONE inherited socket at FirstFD (the group's), then the master's pipe,
// the ready pipe and the scoreboard as for a worker. They are supervised
// as workers are (backoff, recycling), each group on its own: a group
// that cannot start costs only its own requests. A graceful restart
// binds the new generation's sockets and starts its processes; the old
// generation's group processes are told to stop only once every old
// worker (which relays to them) has gone.

// UserGroupByte starts a worker's request for a per-user group on its
// ready pipe: "U alice\n" asks for group "~alice" (AskUserGroup).
const UserGroupByte = 'U'

// AskUserGroup is a worker's request to the master, on its ready pipe w,
// to start user's per-user group (PythonUserDirProcess) in the worker's
// generation. The master checks the user again and starts the group
// unless it runs; the worker then connects to its socket.
func AskUserGroup(w interface{ Write([]byte) (int, error) }, user string) error {
	if user == "" || len(user) > 128 {
		return errors.New("bad user name")
	}
	for _, c := range []byte(user) {
		if c <= ' ' || c == 0x7f {
			return errors.New("bad user name")
		}
	}
	_, err := w.Write([]byte("U " + user + "\n")) // atomic: under PIPE_BUF
	return err
}

// groupRun is one process group of one generation, as the master runs it.
type groupRun struct {
	pg      *config.ProcessGroup
	gen     int
	key     string // its socket's name
	ln      *net.UnixListener
	fd      uintptr
	perUser bool
	delay   time.Duration
	retry   *time.Timer
	closed  bool // retired or ended: its socket is closed once its processes are gone
}

// GroupFor is the process group called name in cfg: a WSGIDaemonProcess,
// or for "~user" user's per-user group built from PythonUserDirProcess's
// template (User, Group and Home are the user's), once the user passed
// the checks of UserDirMinUid, root and UserDir disabled.
func GroupFor(cfg *config.Config, name string) (*config.ProcessGroup, error) {
	user, ok := groupsock.IsUserGroup(name)
	if !ok {
		if g := cfg.ProcessGroup(name); g != nil {
			return g, nil
		}
		return nil, fmt.Errorf("no WSGIDaemonProcess called %q", name)
	}
	return cfg.UserDirGroup(user)
}

// GroupAccount is whom a group's processes run as, and where.
type GroupAccount struct {
	User, Group Account
	// Groups are the supplementary groups (the user's, and Group).
	Groups []int
	// Home is the working directory: home=, else the user's home.
	Home string
	// Switch: the process runs as root and must switch to User.
	Switch bool
}

// GroupAccountOf resolves g's user and group (default: cfg's User and
// Group) and home, as RunAs does: they apply only when modpy runs as
// root. A home that does not exist is an error, as mod_wsgi's.
func GroupAccountOf(cfg *config.Config, g *config.ProcessGroup) (GroupAccount, error) {
	var a GroupAccount
	ucfg := &config.Config{User: g.User, Group: g.Group}
	if g.User == "" && g.Group == "" {
		ucfg = &config.Config{User: cfg.User, Group: cfg.Group}
	}
	var err error
	if a.User, a.Group, err = RunAs(ucfg); err != nil {
		return a, fmt.Errorf("%s: WSGIDaemonProcess %s: %v", g.Pos, g.Name, err)
	}
	a.Switch = os.Geteuid() == 0
	a.Groups = []int{a.Group.ID}
	u, uerr := osuser.LookupId(strconv.Itoa(a.User.ID))
	if uerr == nil {
		if ids, err := u.GroupIds(); err == nil {
			for _, s := range ids {
				if n, err := strconv.Atoi(s); err == nil && !slices.Contains(a.Groups, n) {
					a.Groups = append(a.Groups, n)
				}
			}
		}
	}
	a.Home = g.Home
	if a.Home == "" {
		if uerr != nil {
			return a, fmt.Errorf("%s: WSGIDaemonProcess %s: user %s has no home directory (%v): give home=", g.Pos, g.Name, a.User.Name, uerr)
		}
		a.Home = u.HomeDir
	}
	if st, err := os.Stat(a.Home); err != nil || !st.IsDir() {
		whose := "home= directory"
		if g.Home == "" {
			whose = "home directory of user " + a.User.Name
		}
		return a, fmt.Errorf("%s: WSGIDaemonProcess %s: the %s, %s, does not exist: the group cannot start (give home=)", g.Pos, g.Name, whose, a.Home)
	}
	return a, nil
}

// Become switches the calling process (a group process started as root)
// to a: supplementary groups, group, then user.
func (a GroupAccount) Become() error {
	if !a.Switch {
		return nil
	}
	if err := syscall.Setgroups(a.Groups); err != nil {
		return fmt.Errorf("setgroups: %v", err)
	}
	if err := syscall.Setgid(a.Group.ID); err != nil {
		return fmt.Errorf("setgid %d: %v", a.Group.ID, err)
	}
	if err := syscall.Setuid(a.User.ID); err != nil {
		return fmt.Errorf("setuid %d: %v", a.User.ID, err)
	}
	return nil
}

// checkGroups resolves every named group of cfg: a group whose account
// or home is wrong stops the start (or the restart), as in mod_wsgi.
func checkGroups(cfg *config.Config) error {
	for _, g := range cfg.Groups {
		if _, err := GroupAccountOf(cfg, g); err != nil {
			return err
		}
	}
	return nil
}

// groupSlots is how many scoreboard slots cfg's groups may need.
func groupSlots(cfg *config.Config) int {
	n := 0
	for _, g := range cfg.Groups {
		n += max(g.Processes, 1)
	}
	if t := cfg.UserDirProcess; t != nil {
		n += 8 * max(t.Processes, 1)
	}
	return n
}

// startGroups binds and starts the current generation's named groups.
func (m *master) startGroups() error {
	for _, pg := range m.cfg.Groups {
		if _, err := m.newGroup(pg, m.gen); err != nil {
			return err
		}
	}
	for _, g := range m.groups {
		if g.gen == m.gen {
			m.fillGroup(g)
		}
	}
	return nil
}

func (m *master) newGroup(pg *config.ProcessGroup, gen int) (*groupRun, error) {
	g := &groupRun{pg: pg, gen: gen, key: groupsock.Name(os.Getpid(), gen, pg.Name)}
	_, g.perUser = groupsock.IsUserGroup(pg.Name)
	var err error
	if g.ln, g.fd, err = groupsock.Listen(g.key, pg.ListenBacklog); err != nil {
		return nil, fmt.Errorf("%s: WSGIDaemonProcess %s: %v", pg.Pos, pg.Name, err)
	}
	m.groups[g.key] = g
	if m.board != nil {
		m.board.DeclareGroup(pg.Name)
	}
	return g, nil
}

// countGroupRestart counts a process of group name replaced (or ended)
// for reason r, in the group's row of the scoreboard: the status page's
// restarts of the group. The workers' own counters are not touched.
func (m *master) countGroupRestart(name string, r scoreboard.Reason) {
	if m.board != nil {
		m.board.CountGroupRestart(name, r)
	}
}

// groupProcs counts g's processes that are not stopping.
func (m *master) groupProcs(g *groupRun) int {
	n := 0
	for _, w := range m.workers {
		if w.grp == g && !w.stopping {
			n++
		}
	}
	return n
}

// groupDraining counts g's processes that said they recycle themselves and
// have not exited yet.
func (m *master) groupDraining(g *groupRun) int {
	n := 0
	for _, w := range m.workers {
		if w.grp == g && w.drained {
			n++
		}
	}
	return n
}

// setState records a group process's state in its slot on the board: the
// master's, not the process's, to write (the workers relay by it).
func (m *master) setState(w *worker, st scoreboard.State) {
	if w.slot != nil && w.region != nil {
		w.slot.SetState(st)
	}
}

// mirrorEvery is how often the master copies the group processes'
// regions into their slots (mirrorGroups): how old the status page's view
// of a group process may be, besides its own snapshots' age.
const mirrorEvery = 250 * time.Millisecond

// mirrorGroups copies each group process's region into its slot on the
// board, where the workers' status pages and metrics read it. A process
// that marked itself stopping (it stopped accepting) is shown so; only
// the master's events make one ready.
func (m *master) mirrorGroups() {
	for _, w := range m.workers {
		if w.region == nil || w.slot == nil {
			continue
		}
		own := w.region.Slot(w.slot.Index)
		w.slot.Mirror(own)
		if own.State() == scoreboard.Stopping {
			w.slot.SetState(scoreboard.Stopping)
		}
	}
}

// fillGroup starts g's processes until it has its processes=.
func (m *master) fillGroup(g *groupRun) {
	if g.closed || m.exiting {
		return
	}
	for m.groupProcs(g) < max(g.pg.Processes, 1) {
		err := error(nil)
		if _, err = GroupAccountOf(m.cfg, g.pg); err == nil && g.ln == nil {
			g.ln, g.fd, err = groupsock.Listen(g.key, g.pg.ListenBacklog)
		}
		if err == nil {
			err = m.spawn(g)
		}
		if err != nil {
			m.log.printf("error", "starting a process of group %s: %v", g.pg.Name, err)
			if g.perUser {
				m.endGroup(g)
				return
			}
			if m.groupProcs(g) == 0 && g.ln != nil {
				// No process to take its connections: the workers'
				// connects fail (503 after connect-timeout) rather than
				// wait in its backlog for one. Bound again on success.
				g.ln.Close()
				g.ln = nil
			}
			m.scheduleGroup(g, false)
			return
		}
	}
}

// scheduleGroup arranges for fillGroup(g) after g's backoff delay.
func (m *master) scheduleGroup(g *groupRun, healthy bool) {
	if healthy {
		g.delay = 0
		m.fillGroup(g)
		return
	}
	g.delay = min(max(2*g.delay, backoffMin), backoffMax)
	if g.retry == nil {
		g.retry = time.AfterFunc(g.delay, func() { m.groupRetry <- g })
	}
}

// endGroup closes g: no more processes; its socket goes with the last.
func (m *master) endGroup(g *groupRun) {
	g.closed = true
	if g.retry != nil {
		g.retry.Stop()
		g.retry = nil
	}
	for _, w := range m.workers {
		if w.grp == g {
			return
		}
	}
	if m.groups[g.key] == g {
		delete(m.groups, g.key)
		if g.ln != nil {
			g.ln.Close()
		}
	}
}

// userGroup starts user's per-user group for generation gen (a worker's
// request), unless it runs.
func (m *master) userGroup(user string, gen int) {
	name := groupsock.UserGroup(user)
	key := groupsock.Name(os.Getpid(), gen, name)
	if g := m.groups[key]; g != nil && !g.closed {
		m.fillGroup(g)
		return
	}
	pg, err := GroupFor(m.cfg, name)
	if err == nil && os.Geteuid() != 0 {
		// Not root: its processes would run as the master's user, which
		// is no boundary between users (named groups' user= is ignored
		// then, as mod_wsgi's; a per-user group's promise is the user).
		err = fmt.Errorf("per-user group %s: modpy does not run as root, so it cannot run %s's code as %s", name, user, user)
	}
	if err != nil {
		m.log.printf("error", "%v: refused", err)
		return
	}
	g, err := m.newGroup(pg, gen)
	if err != nil {
		m.log.printf("error", "starting per-user group %s: %v", name, err)
		return
	}
	m.log.printf("info", "starting per-user group %s", name)
	m.fillGroup(g)
}

// retireGroups tells the old generations' group processes to stop once
// no worker that relays to them (of their generation or older) is left.
func (m *master) retireGroups() {
	for _, g := range m.groups {
		if g.gen >= m.gen && !m.exiting {
			continue
		}
		busy := false
		for _, w := range m.workers {
			if w.grp == nil && w.gen <= g.gen {
				busy = true
			}
		}
		if busy {
			continue
		}
		sig := syscall.SIGWINCH
		if m.exiting {
			sig = m.exitSig
		}
		for _, w := range m.workers {
			if w.grp == g && !w.stopping {
				w.stopping = true
				m.setState(w, scoreboard.Stopping)
				w.proc.Signal(sig)
			}
		}
		m.endGroup(g)
	}
}

// handleGroup is handle for a group process.
func (m *master) handleGroup(w *worker, ev event) {
	g := w.grp
	if ev.draining {
		// Recycling itself. Its code could say so without doing it (a
		// group's code is not trusted): its replacement is started only
		// while the group has no more draining processes than
		// processes=, so saying it again and again cannot multiply them.
		if !w.stopping && !m.exiting {
			w.stopping, w.drained = true, true
			m.setState(w, scoreboard.Stopping)
			if m.groupDraining(g) <= max(g.pg.Processes, 1) {
				m.fillGroup(g)
			}
		}
		return
	}
	if !ev.gone {
		if !w.stopping {
			w.ready = true
			m.setState(w, scoreboard.Ready)
		}
		return
	}
	delete(m.workers, ev.pid)
	lived := time.Since(w.started).Round(time.Millisecond)
	why, said, told, serving := m.exited(w)
	name := g.pg.Name
	switch {
	case w.stopping && (!w.drained || m.exiting):
		m.log.printf("notice", "group %s pid %d (generation %d) stopped", name, w.pid, w.gen)
		if !m.exiting {
			m.countGroupRestart(name, scoreboard.Restart)
		}
	case ev.state.Success() && told && why == scoreboard.Inactive && g.perUser:
		m.log.printf("info", "group %s pid %d ended (%s; lived %s)", name, w.pid, said, lived)
		m.countGroupRestart(name, why)
		switch {
		case m.groupProcs(g) > 0:
		case g.ln != nil && groupsock.Pending(g.fd):
			// A request came while it ended: it waits in the socket,
			// which closing would reset; a process takes it instead.
			m.log.printf("info", "group %s: a request came as it ended: starting it again", name)
			m.fillGroup(g)
		default:
			m.endGroup(g) // started again on the next request for it
		}
	case told && why == scoreboard.Stuck:
		m.log.printf("error", "group %s pid %d stopped (%s): %s, after %s; replacing it", name, w.pid, describe(ev.state), said, lived)
		m.countGroupRestart(name, why)
		m.fillGroup(g)
	case ev.state.Success():
		if !told {
			why, said = scoreboard.Restart, "it stopped by itself"
		}
		m.log.printf("notice", "group %s pid %d recycled (%s; lived %s)", name, w.pid, said, lived)
		m.countGroupRestart(name, why)
		m.fillGroup(g)
	case g.perUser && !w.ready:
		m.log.printf("error", "group %s pid %d exited before it served: %s; started again on its next request", name, w.pid, describe(ev.state))
		m.countGroupRestart(name, scoreboard.Died)
		if m.groupProcs(g) == 0 {
			m.endGroup(g)
		}
	default:
		healthy := lived >= healthyAfter
		next := "replacing it"
		if !healthy {
			next = fmt.Sprintf("replacing it in %s", min(max(2*g.delay, backoffMin), backoffMax))
		}
		m.log.printf("error", "group %s pid %d died: %s, after %s%s; %s", name, w.pid, describe(ev.state), lived, servingText(serving), next)
		m.countGroupRestart(name, scoreboard.Died)
		m.scheduleGroup(g, healthy)
	}
	if g.closed {
		m.endGroup(g)
	}
}
