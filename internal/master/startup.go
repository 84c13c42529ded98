package master

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"modpy/internal/config"
)

// Starting honestly: `modpy -k start` (start) runs the master in the
// background and exits only once the master says how its start went, with
// its status. The master it starts finds StartEnv set: the descriptor of
// the status pipe, on which it writes StartedByte once every worker of
// its first generation serves; it exits without writing it when it cannot
// start. Until then the master's standard error, and its first workers',
// is a second pipe that `-k start` copies to its own: the reasons reach
// the terminal (or systemd's journal), in httpd's words where httpd has
// some.

// StartEnv is set, for a master started by -k start, to the descriptor
// of its status pipe.
const StartEnv = "MODPY_START_FD"

// StderrEnv is set for the workers a master started by -k start starts
// before it serves: their standard error is -k start's pipe, which goes
// away when -k start exits, so they send it to /dev/null before they say
// they are ready (StderrToNull); the processes their handlers start then
// get /dev/null, as a daemon's do.
const StderrEnv = "MODPY_STDERR_PIPE"

// StderrToNull points standard error at /dev/null when StderrEnv is set
// (and unsets it).
func StderrToNull() {
	if _, ok := os.LookupEnv(StderrEnv); !ok {
		return
	}
	os.Unsetenv(StderrEnv)
	nullStderr()
}

func nullStderr() {
	if null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		unix.Dup2(int(null.Fd()), 2)
		null.Close()
	}
}

// StartedByte is what the master writes on its status pipe once it serves.
const StartedByte = 'S'

// startWait bounds how long -k start waits for the master's word: far
// more than a start takes, even on a loaded machine.
const startWait = 2 * time.Minute

// start re-executes modpy as a detached master with args and returns the
// exit status -k start ends with: 0 once the master serves, 1 when it
// exited (its messages copied to standard error first) or did not say.
func start(args []string) int {
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
	statusR, statusW, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "modpy: %v\n", err)
		return 1
	}
	msgR, msgW, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "modpy: %v\n", err)
		return 1
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, msgW
	cmd.ExtraFiles = []*os.File{statusW} // descriptor 3
	cmd.Env = append(os.Environ(), StartEnv+"=3")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	statusW.Close()
	msgW.Close()
	if err != nil {
		fmt.Fprintf(os.Stderr, "modpy: %v\n", err)
		return 1
	}
	copied := make(chan struct{})
	go func() {
		io.Copy(os.Stderr, msgR)
		close(copied)
	}()
	word := make(chan bool, 1)
	go func() {
		b := make([]byte, 1)
		n, _ := statusR.Read(b)
		word <- n == 1 && b[0] == StartedByte
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	// What the master and its first workers wrote before their word is
	// in the pipe already: copy it, but do not wait for an end the
	// workers, which keep the pipe, would not give.
	flush := func() {
		msgR.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		<-copied
	}
	select {
	case ok := <-word:
		if ok {
			flush()
			return 0
		}
		// No word: the master exits (or is gone already).
		select {
		case <-exited:
		case <-time.After(StopTimeout + 5*time.Second):
		}
	case <-exited:
	case <-time.After(startWait):
		flush()
		fmt.Fprintf(os.Stderr, "modpy: the master (pid %d) did not say it serves after %s\n", cmd.Process.Pid, startWait)
		return 1
	}
	flush()
	fmt.Fprintln(os.Stderr, "modpy: the server could not start")
	return 1
}

// startStatus is the status pipe of a master started by -k start (nil
// otherwise). StartEnv is removed from the environment: workers must not
// see it.
func startStatus() *os.File {
	v, ok := os.LookupEnv(StartEnv)
	if !ok {
		return nil
	}
	os.Unsetenv(StartEnv)
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 0 {
		return nil
	}
	syscall.CloseOnExec(fd)
	return os.NewFile(uintptr(fd), "start status")
}

// started tells whoever ran -k start that the master serves, and sends
// the master's standard error, the pipe to it until now, to /dev/null
// (workers started from now on get that too).
func (m *master) started() {
	if m.status == nil {
		return
	}
	m.status.Write([]byte{StartedByte})
	m.status.Close()
	m.status = nil
	nullStderr()
}

// listenError is a Listen address that could not be bound.
type listenError struct {
	l   config.Listen
	err error
}

func (e *listenError) Error() string {
	return fmt.Sprintf("%s: Listen %s: %v", e.l.Pos, e.l.Addr, e.err)
}

func (e *listenError) Unwrap() error { return e.err }

// BindFailure is what starting prints, in httpd's words (AH00072,
// AH00015), when it cannot listen on addr (a Listen address: ":80" is
// shown as 0.0.0.0:80).
func BindFailure(addr string, err error) string {
	if host, port, e := net.SplitHostPort(addr); e == nil && host == "" {
		addr = net.JoinHostPort("0.0.0.0", port)
	}
	return fmt.Sprintf("%s: AH00072: make_sock: could not bind to address %s\n"+
		"no listening sockets available, shutting down\n"+
		"AH00015: Unable to open logs", config.SysError(err), addr)
}

// startFailure prints err as starting does: a Listen that cannot be bound
// as httpd says it (BindFailure), anything else after "modpy: ".
func startFailure(err error) {
	var le *listenError
	if errors.As(err, &le) {
		fmt.Fprintln(os.Stderr, BindFailure(le.l.Addr, le.err))
		return
	}
	fmt.Fprintf(os.Stderr, "modpy: %v\n", err)
}

// PidFailure is what starting prints, in httpd's words (AH00099,
// AH00100), when it cannot write the PidFile path.
func PidFailure(path string, err error) string {
	return fmt.Sprintf("%s: AH00099: could not create %s\nAH00100: modpy: could not log pid to file %s", config.SysError(err), path, path)
}
