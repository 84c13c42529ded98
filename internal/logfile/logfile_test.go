package logfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPipedLogRestarts(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.log")
	w, err := Open("|cat >> " + out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("one\n")); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200; i++ { // let the logger write it before it dies
		if b, _ := os.ReadFile(out); string(b) == "one\n" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	p := w.(*pipe)
	p.mu.Lock()
	p.cmd.Process.Kill() // the logger dies
	p.cmd.Wait()
	p.mu.Unlock()
	for _, line := range []string{"two\n", "three\n"} {
		if _, err := w.Write([]byte(line)); err != nil {
			t.Fatalf("write after the logger died: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if got := string(b); !strings.HasPrefix(got, "one\n") || !strings.Contains(got, "three\n") {
		t.Fatalf("logged %q", got)
	}
}

func TestOpenFileAndStd(t *testing.T) {
	f := filepath.Join(t.TempDir(), "a.log")
	w, err := Open(f)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("x\n"))
	w.Close()
	if b, _ := os.ReadFile(f); string(b) != "x\n" {
		t.Fatalf("file holds %q", b)
	}
	if w, err := Open("/dev/stderr"); err != nil || w.Close() != nil {
		t.Fatalf("stderr: %v", err)
	}
	if _, err := Open("||"); err == nil {
		t.Fatal("an empty piped command was accepted")
	}
}
