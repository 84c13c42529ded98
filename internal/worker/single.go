package worker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"modpy/internal/config"
	"modpy/internal/master"
	"modpy/internal/server"
)

// Single is modpy -X: one worker in the foreground, on sockets of its own
// (no master, no scoreboard), as User and Group when started as root, until SIGTERM or SIGINT (which also close
// idle connections at once) or SIGWINCH (graceful). It returns the
// process's exit status.
func Single(cfg *config.Config) int {
	if len(cfg.Listen) == 0 {
		fmt.Fprintln(os.Stderr, "modpy: no Listen directive: nothing to serve")
		return 1
	}
	srv, err := server.New(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "modpy: %v\n", err)
		return 1
	}
	srv.SetRSS(ProcessRSS)
	var listeners []net.Listener
	for _, l := range cfg.Listen {
		ln, err := net.Listen("tcp", l.Addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, master.BindFailure(l.Addr, err))
			return 1
		}
		listeners = append(listeners, ln)
	}
	if cfg.PidFile != "" {
		if err := os.WriteFile(cfg.PidFile, []byte(fmt.Sprintf("%d\n", os.Getpid())), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, master.PidFailure(cfg.PidFile, err))
			return 1
		}
		defer os.Remove(cfg.PidFile)
	}
	// As root with User/Group, serve as them, as httpd -X does (and as a
	// worker does): the sockets, logs and PidFile are root's, Python and
	// CGI scripts are not.
	if err := master.DropPrivileges(cfg); err != nil {
		fmt.Fprintf(os.Stderr, "modpy: %v\n", err)
		return 1
	}
	if err := srv.Start(listeners); err != nil {
		fmt.Fprintf(os.Stderr, "modpy: %v\n", err)
		return 1
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGWINCH)
	// SIGWINCH drains as a worker does (GracefulShutdownTimeout, else 30
	// s); SIGTERM and SIGINT also close idle connections at once.
	wait := 30 * time.Second
	if sig := <-sigs; sig != syscall.SIGWINCH {
		srv.Hurry()
	} else if d := cfg.Process.GracefulShutdownTimeout; d > 0 {
		wait = d
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		fmt.Fprintf(os.Stderr, "modpy: shutdown: %v\n", err)
	}
	return 0
}
