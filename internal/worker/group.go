package worker

import (
	"fmt"
	"net"
	"os"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"modpy/internal/config"
	"modpy/internal/groupsock"
	"modpy/internal/master"
	"modpy/internal/scoreboard"
	"modpy/internal/server"
)

// RunGroup is a process of process group name (WSGIDaemonProcess, or a
// per-user group "~user" of PythonUserDirProcess) under the master: the
// worker's life (Run), with these differences. Its one inherited socket
// (at master.FirstFD) is the group's; a connection on it whose peer is
// neither the workers' user nor root is closed with an error log line.
// It opens the logs as root, then becomes the group's user and group,
// moves to its home, sets LANG/LC_ALL (lang=, locale=), HOME, USER and
// the memory limits, and starts Python with the group's threads=,
// python-home= and python-path=, importing the group's WSGIImportScript
// scripts. It recycles itself on maximum-requests, restart-interval and
// inactivity-timeout (a per-user group's process then just ends: the
// master starts it again when a worker asks).
func RunGroup(cfg *config.Config, name string) int {
	pg, err := master.GroupFor(cfg, name)
	if err != nil {
		fmt.Fprintf(os.Stderr, "modpy: group %s: %v\n", name, err)
		return 1
	}
	acct, err := master.GroupAccountOf(cfg, pg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "modpy: %v\n", err)
		return 1
	}
	workers, _, err := master.RunAs(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "modpy: group %s: %v\n", name, err)
		return 1
	}
	_, perUser := groupsock.IsUserGroup(name)
	return run(cfg, 1, &groupRole{pg: pg, acct: acct, workersUID: workers.ID, perUser: perUser})
}

// groupRole is what a group process does besides a worker's.
type groupRole struct {
	pg         *config.ProcessGroup
	acct       master.GroupAccount
	workersUID int
	perUser    bool
}

// checked wraps the group's listener with the SO_PEERCRED check; srv is
// the server, for the log line (nil until it exists: then standard error).
// Which process of the workers' user it is is not asked: a group process
// sees no scoreboard (its region holds only its own slot), and what else
// runs as that user (a CGI script, another group's code) lacks the key
// every request on the socket must carry (httpd.Server.RelayKeyHash).
func (g *groupRole) checked(ln net.Listener, srv func() *server.Server) net.Listener {
	return groupsock.Checked(ln, g.workersUID, nil, func(uid, pid int, err error) {
		msg := fmt.Sprintf("group %s: refused a connection from uid %d (pid %d) on its socket: only the workers (uid %d) or root may connect", g.pg.Name, uid, pid, g.workersUID)
		if err != nil {
			msg = fmt.Sprintf("group %s: refused a connection on its socket: SO_PEERCRED: %v", g.pg.Name, err)
		}
		if s := srv(); s != nil {
			s.LogError(msg)
		} else {
			fmt.Fprintln(os.Stderr, "modpy: "+msg)
		}
	})
}

// configure makes cfg the group's: its threads and Python home and path.
func (g *groupRole) configure(cfg *config.Config) {
	cfg.Process.ThreadsPerChild = max(g.pg.Threads, 1)
	if g.pg.PythonHome != "" {
		cfg.WSGIPythonHome = g.pg.PythonHome
	}
	cfg.WSGIPythonPath = append(append([]string(nil), cfg.WSGIPythonPath...), g.pg.PythonPath...)
	cfg.Process.MaxConnectionsPerChild = 0 // the group's own limits apply
	cfg.Process.MaxMemoryPerChild = 0
}

// become switches to the group's account, home, locale and limits.
func (g *groupRole) become() error {
	if err := g.acct.Become(); err != nil {
		return err
	}
	if err := os.Chdir(g.acct.Home); err != nil {
		return fmt.Errorf("%s: WSGIDaemonProcess %s: home %v", g.pg.Pos, g.pg.Name, err)
	}
	os.Setenv("HOME", g.acct.Home)
	os.Setenv("USER", g.acct.User.Name)
	os.Setenv("LOGNAME", g.acct.User.Name)
	if g.pg.Lang != "" {
		os.Setenv("LANG", g.pg.Lang)
	}
	if g.pg.Locale != "" {
		os.Setenv("LC_ALL", g.pg.Locale)
	}
	if n := g.pg.MemoryLimit; n > 0 {
		if err := unix.Setrlimit(unix.RLIMIT_DATA, &unix.Rlimit{Cur: uint64(n), Max: uint64(n)}); err != nil {
			return fmt.Errorf("memory-limit: %v", err)
		}
	}
	if n := g.pg.VirtualMemoryLimit; n > 0 {
		if err := unix.Setrlimit(unix.RLIMIT_AS, &unix.Rlimit{Cur: uint64(n), Max: uint64(n)}); err != nil {
			return fmt.Errorf("virtual-memory-limit: %v", err)
		}
	}
	if d := g.pg.DisplayName; d != "" {
		// The process's comm (what ps and top show), at most 15 bytes.
		d = strings.ReplaceAll(d, "%{GROUP}", "(wsgi:"+g.pg.Name+")")
		b := append([]byte(d), 0)
		if len(b) > 16 {
			b = append(b[:15], 0)
		}
		unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&b[0])), 0, 0, 0)
	}
	return nil
}

// groupEnd is why a group process recycles itself; quiet: it just ends,
// the master does not replace it (a per-user group's inactivity).
type groupEnd struct {
	why   scoreboard.Reason
	text  string
	quiet bool
}

// watch sends, once, why the process must end: maximum-requests,
// restart-interval or inactivity-timeout; nil when the group has none.
func (g *groupRole) watch(srv *server.Server, stopped <-chan struct{}) <-chan groupEnd {
	pg := g.pg
	if pg.MaximumRequests <= 0 && pg.RestartInterval <= 0 && pg.InactivityTimeout <= 0 {
		return nil
	}
	out := make(chan groupEnd, 1)
	start := time.Now()
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		last, lastServed := time.Now(), uint64(0)
		for {
			select {
			case <-stopped:
				return
			case now := <-t.C:
				served, active := srv.Requests()
				if served != lastServed || active > 0 {
					last, lastServed = now, served
				}
				switch {
				case pg.MaximumRequests > 0 && served >= uint64(pg.MaximumRequests):
					out <- groupEnd{why: scoreboard.MaxRequests, text: fmt.Sprintf("maximum-requests %d reached", pg.MaximumRequests)}
				case pg.RestartInterval > 0 && now.Sub(start) >= pg.RestartInterval:
					out <- groupEnd{why: scoreboard.RestartInterval, text: fmt.Sprintf("restart-interval %s passed", pg.RestartInterval)}
				case pg.InactivityTimeout > 0 && now.Sub(last) >= pg.InactivityTimeout:
					out <- groupEnd{why: scoreboard.Inactive, text: fmt.Sprintf("inactivity-timeout %s passed", pg.InactivityTimeout), quiet: g.perUser}
				default:
					continue
				}
				return
			}
		}
	}()
	return out
}

// watchDeadlock is deadlock-timeout (default 300 s): a process whose GIL
// no thread could take for that long (C code holding it, a deadlock in an
// extension) exits, and the master replaces it, as mod_wsgi's.
func (g *groupRole) watchDeadlock(srv *server.Server) {
	d := g.pg.DeadlockTimeout
	err := srv.WatchDeadlock(d, func(waited time.Duration) {
		why := fmt.Sprintf("deadlock-timeout %s passed: the GIL was not free for %s", d, waited.Round(time.Millisecond))
		srv.LogError(fmt.Sprintf("group %s pid %d: %s: exiting, the master replaces it", g.pg.Name, os.Getpid(), why))
		srv.SetExit(scoreboard.Stuck, why)
		os.Exit(3)
	})
	if err != nil {
		srv.LogError(fmt.Sprintf("group %s: deadlock-timeout: %v", g.pg.Name, err))
	}
}
