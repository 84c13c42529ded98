package master

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"modpy/internal/config"
)

// TestReadReadyUserRequests: the ready pipe carries ReadyByte,
// DrainingByte and AskUserGroup's "U user\n", split anywhere by reads.
func TestReadReadyUserRequests(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	m := &master{events: make(chan event, 16)}
	done := make(chan struct{})
	go func() { m.readReady(7, r); close(done) }()
	w.Write([]byte{ReadyByte})
	if err := AskUserGroup(w, "alice"); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("U bo"))
	time.Sleep(20 * time.Millisecond)
	w.Write([]byte("b\nD"))
	w.Close()
	<-done
	var got []event
	for len(m.events) > 0 {
		got = append(got, <-m.events)
	}
	want := []event{{pid: 7}, {pid: 7, user: "alice"}, {pid: 7, user: "bob"}, {pid: 7, draining: true}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events %+v, want %+v", got, want)
	}
	for _, bad := range []string{"", "a b", "a\nR", strings.Repeat("x", 200)} {
		if AskUserGroup(w, bad) == nil {
			t.Errorf("AskUserGroup(%q) accepted", bad)
		}
	}
}

func TestGroupForRefuses(t *testing.T) {
	cfg := &config.Config{Main: &config.Server{}}
	if _, err := GroupFor(cfg, "nope"); err == nil || !strings.Contains(err.Error(), `no WSGIDaemonProcess called "nope"`) {
		t.Fatalf("unknown group: %v", err)
	}
	if _, err := GroupFor(cfg, "~root"); err == nil || !strings.Contains(err.Error(), "PythonUserDirProcess is Off") {
		t.Fatalf("per-user group without PythonUserDirProcess: %v", err)
	}
	cfg.UserDirProcess = &config.ProcessGroup{Processes: 1, Threads: 2}
	cfg.Main.UserDir = &config.UserDir{Dirs: []string{"public_html"}}
	if _, err := GroupFor(cfg, "~root"); err == nil || !strings.Contains(err.Error(), "uid 0 is below UserDirMinUid 1000") {
		t.Fatalf("root: %v", err)
	}
	if _, err := GroupFor(cfg, "~no-such-user-modpy"); err == nil {
		t.Fatal("a user that does not exist was accepted")
	}
	cfg.UserDirMinUid = 1
	cfg.Main.UserDir.DisabledUsers = []string{"daemon"}
	if _, err := GroupFor(cfg, "~daemon"); err == nil || !strings.Contains(err.Error(), "UserDir disabled for daemon") {
		t.Fatalf("UserDir disabled daemon: %v", err)
	}
	cfg.Main.UserDir.DisabledUsers = nil
	g, err := GroupFor(cfg, "~daemon")
	if err != nil {
		t.Skipf("user daemon: %v", err)
	}
	if g.Name != "~daemon" || g.User != "daemon" || g.Threads != 2 || cfg.UserDirProcess.Name != "" {
		t.Fatalf("daemon's group %+v (the template must stay as it was)", g)
	}
}
