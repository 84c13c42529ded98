package master

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"modpy/internal/logfile"
)

// logger writes the master's lines to the main ErrorLog in the workers'
// format: [time] [mpm:level] [pid N] message.
type logger struct {
	mu   sync.Mutex
	path string
	f    io.WriteCloser
}

func openLogger(path string) (*logger, error) {
	f, err := logfile.Open(path)
	if err != nil {
		return nil, err
	}
	return &logger{path: path, f: f}, nil
}

// reopen switches to path (the same or a new one), as after a log rotation.
func (l *logger) reopen(path string) error {
	f, err := logfile.Open(path)
	if err != nil {
		return err
	}
	l.mu.Lock()
	old := l.f
	l.f, l.path = f, path
	l.mu.Unlock()
	old.Close()
	return nil
}

func (l *logger) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.f.Close()
}

func (l *logger) printf(level, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	msg = strings.ReplaceAll(msg, "\n", `\n`)
	b := make([]byte, 0, 96+len(msg))
	b = append(b, '[')
	b = time.Now().AppendFormat(b, "Mon Jan 02 15:04:05.000000 2006")
	b = append(b, "] [mpm:"...)
	b = append(b, level...)
	b = append(b, "] [pid "...)
	b = strconv.AppendInt(b, int64(os.Getpid()), 10)
	b = append(b, "] "...)
	b = append(b, msg...)
	b = append(b, '\n')
	l.mu.Lock()
	l.f.Write(b)
	l.mu.Unlock()
}
