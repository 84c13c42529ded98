package master

import (
	"errors"
	"fmt"
	"os"
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
		return start(args)
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
			return start(args)
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
