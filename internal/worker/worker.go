package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall"
	"time"

	"modpy/internal/config"
	"modpy/internal/groupsock"
	"modpy/internal/master"
	"modpy/internal/scoreboard"
	"modpy/internal/server"
)

// Run is a worker under the master: it serves cfg on the nlisten sockets
// the master passed down (see internal/master for the file descriptor
// layout) until the master tells it to stop, the master goes away, or it
// recycles itself (MaxConnectionsPerChild, MaxMemoryPerChild, an
// interpreter that cannot end). It returns the process's exit status.
func Run(cfg *config.Config, nlisten int) int {
	return run(cfg, nlisten, nil)
}

// run is Run, or with grp RunGroup.
func run(cfg *config.Config, nlisten int, grp *groupRole) int {
	// The inherited descriptors are the worker's own: a child it starts
	// (a handler's os.system("cmd &")) must not hold them, above all the
	// ready pipe, whose EOF tells the master the worker is gone.
	// (net.FileListener dups the sockets close-on-exec, and
	// scoreboard.Open marks its file: this covers them from the start.)
	inherited := nlisten + 2
	if os.Getenv(master.SlotEnv) != "" {
		inherited++
	}
	for fd := master.FirstFD; fd < master.FirstFD+inherited; fd++ {
		syscall.CloseOnExec(fd)
	}
	ctl := os.NewFile(uintptr(master.FirstFD+nlisten), "master")
	ready := os.NewFile(uintptr(master.FirstFD+nlisten+1), "ready")
	if ctl == nil || ready == nil {
		fmt.Fprintln(os.Stderr, "modpy: worker: the master's pipes are missing")
		return 1
	}
	var listeners []net.Listener
	for i := 0; i < nlisten; i++ {
		f := os.NewFile(uintptr(master.FirstFD+i), "listener"+strconv.Itoa(i))
		ln, err := net.FileListener(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "modpy: worker: inherited socket %d: %v\n", i, err)
			return 1
		}
		listeners = append(listeners, ln)
	}
	var srv *server.Server
	if grp != nil {
		if len(listeners) != 1 {
			fmt.Fprintf(os.Stderr, "modpy: group %s: %d inherited sockets, want 1\n", grp.pg.Name, len(listeners))
			return 1
		}
		listeners[0] = grp.checked(listeners[0], func() *server.Server { return srv })
		grp.configure(cfg)
	} else if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(master.WorkerProcs(cfg, runtime.GOMAXPROCS(0)))
	}
	srv, err := server.New(cfg) // opens the logs, still as root
	if err != nil {
		fmt.Fprintf(os.Stderr, "modpy: worker: %v\n", err)
		return 1
	}
	ticketKey, err := master.ReadTicketKey()
	if err != nil {
		fmt.Fprintf(os.Stderr, "modpy: worker: %v\n", err)
		return 1
	}
	srv.SetTicketKey(ticketKey)
	if grp == nil {
		relayKey, err := master.ReadRelayKey()
		if err != nil {
			fmt.Fprintf(os.Stderr, "modpy: worker: %v\n", err)
			return 1
		}
		srv.SetRelayKey(relayKey, nil)
	} else {
		hash, err := master.RelayKeyHash()
		if err != nil {
			fmt.Fprintf(os.Stderr, "modpy: group %s: %v\n", grp.pg.Name, err)
			return 1
		}
		srv.SetRelayKey(nil, hash)
	}
	srv.SetMaster(os.Getppid(), master.Workers(cfg))
	srv.SetRSS(ProcessRSS)
	if v := os.Getenv(master.SlotEnv); v != "" {
		if err := useScoreboard(srv, v, master.FirstFD+nlisten+2); err != nil {
			srv.LogNotice(fmt.Sprintf("scoreboard: %v: the status page shows only this worker", err))
		}
	}
	// A handler stuck in C code past PythonRequestTimeout: exit, the
	// master replaces this worker (the server logged which handler).
	srv.OnStuck(func() { os.Exit(3) })
	// An interpreter that must end but cannot: recycle the worker.
	recycle := make(chan struct{})
	var recycleOnce sync.Once
	srv.OnRecycle(func() { recycleOnce.Do(func() { close(recycle) }) })
	if grp != nil {
		srv.SetProcessGroup(grp.pg)
		if err := grp.become(); err != nil {
			srv.LogError(fmt.Sprintf("group %s (pid %d): %v", grp.pg.Name, os.Getpid(), err))
			fmt.Fprintf(os.Stderr, "modpy: group %s: %v\n", grp.pg.Name, err)
			return 1
		}
	} else {
		srv.OnNeedUserGroup(func(user string) error {
			if _, err := master.GroupFor(cfg, groupsock.UserGroup(user)); err != nil {
				return err // the master's own checks, which it makes again
			}
			return master.AskUserGroup(ready, user)
		})
		if err := master.DropPrivileges(cfg); err != nil {
			fmt.Fprintf(os.Stderr, "modpy: worker: %v\n", err)
			return 1
		}
	}
	// A crash (os.abort(), a segfault in an extension) ends the worker with
	// its signal, for the master's log, rather than Go's exit status 2.
	debug.SetTraceback("crash")
	limit := make(chan struct{})
	gate := NewGate(cfg.Process.MaxConnectionsPerChild, func() { close(limit) })
	if grp == nil && master.Workers(cfg) > 1 {
		// With other workers to take them, new connections wait in the
		// kernel's queue (briefly: see Gate.PauseWhile) while this
		// worker has no free Python thread.
		gate.PauseWhile(srv.PythonSaturated)
	}
	for i, ln := range listeners {
		listeners[i] = gate.Wrap(ln)
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGWINCH)
	signal.Ignore(syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGPIPE)
	if err := srv.Start(listeners); err != nil {
		fmt.Fprintf(os.Stderr, "modpy: worker: %v\n", err)
		return 1
	}
	if grp != nil {
		grp.watchDeadlock(srv)
	}
	master.StderrToNull() // started by -k start: its pipe is going away
	ready.Write([]byte{master.ReadyByte})
	defer ready.Close()
	// Recycling itself: the master starts the replacement at once.
	recycling := func() { ready.Write([]byte{master.DrainingByte}) }
	orphan := make(chan struct{})
	go func() {
		io.Copy(io.Discard, ctl) // EOF: the master is gone
		close(orphan)
	}()

	// Graceful (SIGWINCH, recycling): every connection ends by itself
	// (httpd.Server.Shutdown), for as long as GracefulShutdownTimeout
	// allows (0: no limit). A SIGTERM or SIGINT, or the master's death,
	// makes it hurry: connections waiting for a request close at once,
	// and the others have StopTimeout.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cutOnce sync.Once
	cut := func(why string) {
		cutOnce.Do(func() {
			srv.LogNotice(fmt.Sprintf("%s: closing the connections still open (pid %d)", why, os.Getpid()))
			cancel()
		})
	}
	var hardOnce sync.Once
	hard := func() {
		hardOnce.Do(func() {
			srv.Hurry()
			time.AfterFunc(master.StopTimeout, func() { cut(fmt.Sprintf("told to stop %s ago", master.StopTimeout)) })
		})
	}
	stopping := make(chan struct{})
	stopped := make(chan struct{})
	memory := watchMemory(cfg.Process.MaxMemoryPerChild, stopped)
	var ends <-chan groupEnd
	if grp != nil {
		ends = grp.watch(srv, stopped)
	}
	go func() {
		stop := func() {
			select {
			case <-stopping:
			default:
				close(stopping)
			}
		}
		for {
			select {
			case sig := <-sigs:
				if sig != syscall.SIGWINCH {
					hard()
				} else if grp != nil {
					// The master retires an old generation's group only
					// once no worker that relays to it is left: its idle
					// connections from them need not wait out KeepAliveTimeout.
					srv.Hurry()
				}
				stop()
			case <-orphan:
				orphan = nil
				hard()
				stop()
			case <-limit:
				limit = nil
				why := fmt.Sprintf("MaxConnectionsPerChild %d reached", cfg.Process.MaxConnectionsPerChild)
				srv.SetExit(scoreboard.MaxConnections, why)
				srv.LogNotice(fmt.Sprintf("%s: recycling (pid %d)", why, os.Getpid()))
				recycling()
				stop()
			case rss := <-memory:
				memory = nil
				why := fmt.Sprintf("MaxMemoryPerChild %d KiB passed (RSS %d KiB)", cfg.Process.MaxMemoryPerChild>>10, rss>>10)
				srv.SetExit(scoreboard.MaxMemory, why)
				srv.LogNotice(fmt.Sprintf("%s: recycling (pid %d)", why, os.Getpid()))
				recycling()
				stop()
			case <-recycle:
				recycle = nil
				recycling()
				stop()
			case e := <-ends:
				ends = nil
				srv.SetExit(e.why, e.text)
				srv.LogNotice(fmt.Sprintf("group %s: %s: recycling (pid %d)", grp.pg.Name, e.text, os.Getpid()))
				if !e.quiet {
					recycling()
				} else {
					// No request for inactivity-timeout: close the workers'
					// idle connections now (their pool skips a closed one)
					// rather than after KeepAliveTimeout.
					srv.Hurry()
				}
				stop()
			case <-ctx.Done():
				return
			}
		}
	}()
	<-stopping
	close(stopped)
	if d := cfg.Process.GracefulShutdownTimeout; d > 0 {
		t := time.AfterFunc(d, func() { cut(fmt.Sprintf("GracefulShutdownTimeout %d passed", int(d.Seconds()))) })
		defer t.Stop()
	}
	gate.Stop(ctx)
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(os.Stderr, "modpy: worker shutdown: %v\n", err)
	}
	return 0
}

// useScoreboard maps the scoreboard the master passed as fd (a group
// process's: its region, scoreboard.CreateRegion) and gives the server
// slot (the value of SlotEnv).
func useScoreboard(srv *server.Server, slot string, fd int) error {
	idx, err := strconv.Atoi(slot)
	if err != nil {
		return fmt.Errorf("%s=%q", master.SlotEnv, slot)
	}
	f := os.NewFile(uintptr(fd), "scoreboard")
	if f == nil {
		return fmt.Errorf("no descriptor %d", fd)
	}
	board, err := scoreboard.Open(f)
	if err != nil {
		f.Close()
		return err
	}
	sl := board.Slot(idx)
	if sl == nil {
		board.Close()
		return fmt.Errorf("no slot %d", idx)
	}
	srv.SetScoreboard(board, sl)
	return nil
}

// watchMemory checks the worker's resident memory every second and sends it
// once it passes limit (MaxMemoryPerChild); nil when there is no limit.
func watchMemory(limit int64, stopped <-chan struct{}) <-chan int64 {
	if limit <= 0 {
		return nil
	}
	over := make(chan int64, 1)
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if rss := ProcessRSS(); rss > limit {
					over <- rss
					return
				}
			case <-stopped:
				return
			}
		}
	}()
	return over
}
