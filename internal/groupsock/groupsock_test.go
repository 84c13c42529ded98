package groupsock

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func TestName(t *testing.T) {
	if got, want := Name(42, 3, "~alice"), "@modpy.42.3.~alice"; got != want {
		t.Fatalf("Name = %q, want %q", got, want)
	}
	if u, ok := IsUserGroup(UserGroup("bob")); !ok || u != "bob" {
		t.Fatalf("IsUserGroup(UserGroup(bob)) = %q, %v", u, ok)
	}
	if _, ok := IsUserGroup("app"); ok {
		t.Fatal("IsUserGroup(app) = true")
	}
}

// TestChecked connects twice to a checked listener: as the allowed user
// (this process's), which is served, and as another (a re-exec of the
// test binary with another uid: needs root), which is closed at once and
// reported with its uid.
func TestChecked(t *testing.T) {
	name := Name(os.Getpid(), 1, "t"+strconv.FormatInt(time.Now().UnixNano(), 36))
	ul, _, err := Listen(name, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer ul.Close()
	rejected := make(chan int, 4)
	ln := Checked(ul, os.Getuid(), nil, func(uid, pid int, err error) { rejected <- uid })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("hello"))
			c.Close()
		}
	}()
	c, err := net.Dial("unix", name)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(c)
	c.Close()
	if string(b) != "hello" {
		t.Fatalf("allowed peer read %q, want hello", b)
	}
	if os.Geteuid() != 0 {
		t.Skip("connecting as another uid needs root")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// t.TempDir and its parent are 0700: let uid 65534 run the copy
	// (only those two: never the system's temporary directory).
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyExe := dir + "/groupsock.test"
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copyExe, data, 0o755); err != nil {
		t.Fatal(err)
	}
	dialAsNobody := func(name string) int {
		pid, err := syscall.ForkExec(copyExe, []string{copyExe, "-test.run=TestDialHelper"}, &syscall.ProcAttr{
			Env:   []string{"GROUPSOCK_DIAL=" + name},
			Files: []uintptr{0, 1, 2},
			Sys:   &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}},
		})
		if err != nil {
			t.Fatal(err)
		}
		var ws syscall.WaitStatus
		if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
			t.Fatal(err)
		}
		if ws.ExitStatus() != 0 {
			t.Fatalf("the helper (uid 65534) exited with %v: it read something from the group's socket", ws)
		}
		return pid
	}
	wantRejected := func(what string) {
		t.Helper()
		select {
		case uid := <-rejected:
			if uid != 65534 {
				t.Fatalf("%s: rejected uid %d, want 65534", what, uid)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: the connection of uid 65534 was not rejected", what)
		}
	}
	dialAsNobody(name)
	wantRejected("another uid")

	// The workers' uid, but a process that is not a worker (a CGI
	// script of that user): refused too.
	name2 := Name(os.Getpid(), 1, "w"+strconv.FormatInt(time.Now().UnixNano(), 36))
	ul2, _, err := Listen(name2, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer ul2.Close()
	asked := make(chan int, 4)
	ln2 := Checked(ul2, 65534, func(pid int) bool { asked <- pid; return false }, func(uid, pid int, err error) { rejected <- uid })
	go func() {
		for {
			c, err := ln2.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("hello"))
			c.Close()
		}
	}()
	pid := dialAsNobody(name2)
	wantRejected("the workers' uid, not a worker")
	if got := <-asked; got != pid {
		t.Fatalf("isWorker asked about pid %d, want the helper's %d", got, pid)
	}
}

// TestDialHelper is the other user's side of TestChecked: it exits 0 when
// the socket named by GROUPSOCK_DIAL closes without a byte.
func TestDialHelper(t *testing.T) {
	name := os.Getenv("GROUPSOCK_DIAL")
	if name == "" {
		t.Skip("helper of TestChecked")
	}
	c, err := net.Dial("unix", name)
	if err != nil {
		os.Exit(3)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, _ := io.ReadAll(c)
	if len(b) > 0 {
		os.Exit(1)
	}
	os.Exit(0)
}

// TestGroupKey: each group socket gets a key of its own from the relay
// key (what one group learns opens no other), and none without a relay
// key.
func TestGroupKey(t *testing.T) {
	rk := []byte("0123456789abcdef0123456789abcdef")
	a, b := GroupKey(rk, Name(1, 1, "a")), GroupKey(rk, Name(1, 1, "b"))
	if len(a) != 32 || bytes.Equal(a, b) || bytes.Equal(a, GroupKey(rk, Name(1, 2, "a"))) {
		t.Fatalf("keys not distinct per socket: %x %x", a, b)
	}
	if !bytes.Equal(a, GroupKey(rk, Name(1, 1, "a"))) {
		t.Fatal("GroupKey is not a function of its inputs")
	}
	if GroupKey(nil, Name(1, 1, "a")) != nil {
		t.Fatal("a key without a relay key")
	}
}
