package logfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Open opens a log destination. The caller closes what it returns; closing
// stderr or stdout leaves them open.
func Open(path string) (io.WriteCloser, error) {
	switch {
	case path == "" || path == "/dev/stderr":
		return nopCloser{os.Stderr}, nil
	case path == "/dev/stdout":
		return nopCloser{os.Stdout}, nil
	case strings.HasPrefix(path, "|"):
		return openPipe(path)
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// pipe is a piped logger: a child process reading log lines on its stdin.
type pipe struct {
	target string // as configured, for messages
	argv   []string

	mu    sync.Mutex
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// openPipe starts "|command" (via /bin/sh -c, as httpd's "|$" and, by
// default, "|") or "||command" (split on spaces and run directly).
func openPipe(target string) (*pipe, error) {
	p := &pipe{target: target}
	switch {
	case strings.HasPrefix(target, "||"):
		p.argv = strings.Fields(target[2:])
	case strings.HasPrefix(target, "|$"):
		p.argv = []string{"/bin/sh", "-c", strings.TrimSpace(target[2:])}
	default:
		p.argv = []string{"/bin/sh", "-c", strings.TrimSpace(target[1:])}
	}
	if len(p.argv) == 0 || p.argv[len(p.argv)-1] == "" {
		return nil, fmt.Errorf("piped log %q: no command", target)
	}
	if err := p.start(); err != nil {
		return nil, err
	}
	return p, nil
}

// start runs the logger. p.mu must be held (or p not yet shared).
func (p *pipe) start() error {
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("piped log %q: %w", p.target, err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("piped log %q: %w", p.target, err)
	}
	p.cmd, p.stdin = cmd, stdin
	return nil
}

// Write sends b to the logger; if it has died, it is started again and the
// write retried once, as httpd restarts its piped loggers.
func (p *pipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stdin != nil {
		if n, err := p.stdin.Write(b); err == nil {
			return n, nil
		}
		p.stop()
	}
	if err := p.start(); err != nil {
		return 0, err
	}
	return p.stdin.Write(b)
}

// stop closes the logger's input and waits a moment for it to finish
// writing, then kills it. p.mu must be held.
func (p *pipe) stop() {
	if p.stdin == nil {
		return
	}
	p.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
	p.cmd, p.stdin = nil, nil
}

// Close stops the logger after it has read everything written.
func (p *pipe) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stdin == nil {
		return errors.New("piped log already closed")
	}
	p.stop()
	return nil
}
