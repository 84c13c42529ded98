package master

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"modpy/internal/config"
)

// Control runs `modpy -k verb`: it signals the master whose pid is in the
// PidFile, or (start, and restart/graceful when none runs) starts one in
// the background with args. It returns the exit code.
func Control(verb string, cfg *config.Config, args []string) int {
	pid, running := runningPid(cfg)
	var sig syscall.Signal
	switch verb {
	case "start":
		if running {
			fmt.Fprintf(os.Stderr, "modpy (pid %d) already running\n", pid)
			return 0
		}
		return start(cfg, args)
	case "stop":
		sig = syscall.SIGTERM
	case "graceful-stop":
		sig = syscall.SIGWINCH
	case "restart":
		sig = syscall.SIGHUP
	case "graceful":
		sig = syscall.SIGUSR1
	default:
		fmt.Fprintf(os.Stderr, "modpy: -k %s: unknown verb (start, stop, restart, graceful, graceful-stop)\n", verb)
		return 2
	}
	if !running {
		if verb == "restart" || verb == "graceful" {
			return start(cfg, args)
		}
		fmt.Fprintf(os.Stderr, "modpy: not running (no live pid in %s)\n", PidPath(cfg))
		return 1
	}
	if err := syscall.Kill(pid, sig); err != nil {
		fmt.Fprintf(os.Stderr, "modpy: signalling pid %d: %v\n", pid, err)
		return 1
	}
	if verb == "stop" || verb == "graceful-stop" {
		// Return once it is gone, so that a start may follow.
		wait := StopTimeout + 10*time.Second
		if verb == "graceful-stop" {
			wait = time.Minute
		}
		for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if gone(cfg, pid) {
				return 0
			}
		}
		fmt.Fprintf(os.Stderr, "modpy: pid %d is still running\n", pid)
		return 1
	}
	return 0
}

// runningPid reads the PidFile and tells whether that process is alive.
func runningPid(cfg *config.Config) (int, bool) {
	b, err := os.ReadFile(PidPath(cfg))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	err = syscall.Kill(pid, 0)
	return pid, err == nil || errors.Is(err, syscall.EPERM)
}

// start re-executes modpy as a detached master and waits until it answers
// on its first Listen address.
func start(cfg *config.Config, args []string) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "modpy: %v\n", err)
		return 1
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintf(os.Stderr, "modpy: %v\n", err)
		return 1
	}
	defer null.Close()
	cmd := exec.Command(exe, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "modpy: %v\n", err)
		return 1
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	addr := cfg.Listen[0].Addr
	if host, port, err := net.SplitHostPort(addr); err == nil && (host == "" || host == "0.0.0.0" || host == "::") {
		addr = net.JoinHostPort("127.0.0.1", port)
		if host == "::" {
			addr = net.JoinHostPort("::1", port)
		}
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-exited:
			fmt.Fprintf(os.Stderr, "modpy: the server could not start (%v)\n", err)
			printLogTail(cfg)
			return 1
		default:
		}
		if answers(addr) {
			return 0
		}
	}
	fmt.Fprintf(os.Stderr, "modpy: the server (pid %d) does not answer on %s after 30s\n", cmd.Process.Pid, addr)
	printLogTail(cfg)
	return 1
}

// answers reports whether an HTTP server answers `OPTIONS *` on addr.
func answers(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	io.WriteString(c, "OPTIONS * HTTP/1.0\r\n\r\n")
	b := make([]byte, 5)
	n, _ := io.ReadFull(c, b)
	return n == 5 && string(b) == "HTTP/"
}

func printLogTail(cfg *config.Config) {
	path := cfg.Main.ErrorLog
	if path == "" || strings.HasPrefix(path, "/dev/") || strings.HasPrefix(path, "|") {
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 10 {
		lines = lines[len(lines)-10:]
	}
	fmt.Fprintf(os.Stderr, "last lines of %s:\n%s\n", path, strings.Join(lines, "\n"))
}

// gone reports whether the master pid has exited: it removes the PidFile
// last, and may stay a zombie until whoever adopted it reaps it.
func gone(cfg *config.Config, pid int) bool {
	if p, running := runningPid(cfg); !running || p != pid {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return syscall.Kill(pid, 0) != nil
	}
	// pid (comm) S ...: the state follows the last parenthesis.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}
