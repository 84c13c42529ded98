package master

import (
	"bufio"
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

// escapeControls makes msg one line: a newline becomes \n and any other
// control character \xNN (as Apache escapes what it logs), for text a
// process the master does not trust wrote (a group's standard error, its
// scoreboard region) cannot start a forged line.
func escapeControls(msg string) string {
	clean := true
	for i := 0; i < len(msg); i++ {
		if msg[i] < ' ' || msg[i] == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return msg
	}
	var b strings.Builder
	for i := 0; i < len(msg); i++ {
		switch c := msg[i]; {
		case c == '\n':
			b.WriteString(`\n`)
		case c < ' ' || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// logLines logs each line process pid of group name writes on its
// standard error r (which is closed at EOF or at r's read deadline, set
// when the process exited): why a group fails to start (Python's
// fatal errors, the group's own reasons) is in the error log, as Apache
// sends its children's standard error there, and not on a terminal
// the master may not have. A line longer than 4 KiB is logged in pieces.
func (l *logger) logLines(name string, pid int, r *os.File) {
	defer r.Close()
	br := bufio.NewReaderSize(r, 4096)
	for {
		line, err := br.ReadSlice('\n')
		if text := strings.TrimRight(string(line), "\r\n"); text != "" {
			l.printf("error", "group %s pid %d: %s", name, pid, text)
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

func (l *logger) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.f.Close()
}

func (l *logger) printf(level, format string, args ...any) {
	msg := escapeControls(fmt.Sprintf(format, args...))
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
