package groupsock

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The environment of a group process, besides a worker's.
const (
	// GroupEnv is the group's name ("~alice" for alice's per-user group).
	GroupEnv = "MODPY_GROUP"
	// GenerationEnv is the master's generation the process belongs to
	// (the one in its socket's name).
	GenerationEnv = "MODPY_GENERATION"
	// MasterPidEnv is the master's pid (the one in its socket's name).
	MasterPidEnv = "MODPY_MASTER_PID"
	// RelayKeyEnv (a worker's) names the descriptor on which it reads the
	// relay key, the master's secret its Modpy-Relay headers carry a key
	// derived from (GroupKey, one per group); RelayKeyHashEnv (a group
	// process's) is the SHA-256 of its own group's key, in hex, which is
	// all a group is given: a group's code cannot pose as a worker.
	RelayKeyEnv     = "MODPY_RELAY_KEY_FD"
	RelayKeyHashEnv = "MODPY_RELAY_KEY_SHA256"
)

// Name is the abstract UNIX socket name of group in the master's
// generation gen: "@modpy.<masterPid>.<gen>.<group>" (Go's net package
// takes the leading "@" for the abstract namespace's NUL byte).
func Name(masterPid, gen int, group string) string {
	return "@modpy." + strconv.Itoa(masterPid) + "." + strconv.Itoa(gen) + "." + group
}

// UserGroup is the name of user's per-user group (PythonUserDirProcess):
// "~user".
func UserGroup(user string) string { return "~" + user }

// IsUserGroup reports whether name is a per-user group's, and whose.
func IsUserGroup(name string) (user string, ok bool) {
	return strings.CutPrefix(name, "~")
}

// Listen binds the abstract socket name with backlog (<= 0: 100).
func Listen(name string, backlog int) (*net.UnixListener, uintptr, error) {
	if backlog <= 0 {
		backlog = 100
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("socket: %w", err)
	}
	sa := &unix.SockaddrUnix{Name: name}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return nil, 0, fmt.Errorf("bind %s: %w", name, err)
	}
	if err := unix.Listen(fd, backlog); err != nil {
		unix.Close(fd)
		return nil, 0, fmt.Errorf("listen %s: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	ln, err := net.FileListener(f)
	f.Close() // FileListener dup'ed it
	if err != nil {
		return nil, 0, err
	}
	ul := ln.(*net.UnixListener)
	rc, err := ul.SyscallConn()
	var lfd uintptr
	if err == nil {
		err = rc.Control(func(fd uintptr) { lfd = fd })
	}
	if err != nil {
		ul.Close()
		return nil, 0, err
	}
	return ul, lfd, nil
}

// Pending reports whether a connection waits, not yet accepted, on the
// listening socket fd (Listen's, or any stream socket's): a process must
// take it before the socket is closed, or the connection is reset with
// its request; a group process full of connections makes room for it
// (httpd Config.MaxConns).
func Pending(fd uintptr) bool {
	p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(p, 0)
	return err == nil && n > 0 && p[0].Revents&unix.POLLIN != 0
}

// PeerCred is the uid and pid of the process at the other end of c (a
// UNIX socket), as the kernel recorded them at connect.
func PeerCred(c net.Conn) (uid, pid int, err error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return 0, 0, errors.New("not a socket")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, 0, err
	}
	var cred *unix.Ucred
	var cerr error
	if err := rc.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return 0, 0, err
	}
	if cerr != nil {
		return 0, 0, cerr
	}
	return int(cred.Uid), int(cred.Pid), nil
}

// Checked wraps a group's listener: a connection is taken if its peer
// is root, or runs as uid allowed and isWorker (nil: any process) says
// its pid is one of the server's workers; anything else is closed at once
// and reject (if not nil) told, once per connection; Accept goes on with
// the next one. The uid check keeps out every other user; a process group
// (internal/worker) passes no isWorker and keeps out what else runs as
// the workers' user (a CGI script, another group's code) by the key each
// request must carry (GroupKey).
func Checked(ln net.Listener, allowed int, isWorker func(pid int) bool, reject func(uid, pid int, err error)) net.Listener {
	return &checked{Listener: ln, allowed: allowed, isWorker: isWorker, reject: reject}
}

type checked struct {
	net.Listener
	allowed  int
	isWorker func(pid int) bool
	reject   func(uid, pid int, err error)
}

// SetDeadline sets the inner listener's accept deadline (a gate that
// stops accepting wakes a blocked Accept with it).
func (l *checked) SetDeadline(t time.Time) error {
	if d, ok := l.Listener.(interface{ SetDeadline(time.Time) error }); ok {
		return d.SetDeadline(t)
	}
	return errors.New("groupsock: the listener has no deadline")
}

func (l *checked) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uid, pid, err := PeerCred(c)
		if err == nil && (uid == 0 || uid == l.allowed && (l.isWorker == nil || l.isWorker(pid))) {
			return c, nil
		}
		c.Close()
		if l.reject != nil {
			l.reject(uid, pid, err)
		}
	}
}

// GroupKey is the key a worker's Modpy-Relay carries to the group
// listening on socket (its Name), derived from the master's relay key:
// HMAC-SHA256(relayKey, socket). A group is given only the SHA-256 of its
// own key, and each request it gets carries only its own: what a group's
// code can find in its memory opens no other group. Nil without a relay
// key.
func GroupKey(relayKey []byte, socket string) []byte {
	if len(relayKey) == 0 {
		return nil
	}
	m := hmac.New(sha256.New, relayKey)
	m.Write([]byte(socket))
	return m.Sum(nil)
}
