package server

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"modpy/internal/logfile"
	"modpy/internal/loglevel"
	"modpy/internal/request"
)

// Log levels, as the server's files name them.
const (
	levelEmerg  = loglevel.Emerg
	levelAlert  = loglevel.Alert
	levelCrit   = loglevel.Crit
	levelError  = loglevel.Error
	levelWarn   = loglevel.Warn
	levelNotice = loglevel.Notice
	levelInfo   = loglevel.Info
	levelDebug  = loglevel.Debug
)

// logFile is an open log destination shared by every server using it.
type logFile struct {
	mu sync.Mutex
	w  *bufio.Writer
	f  io.WriteCloser
}

func (l *logFile) write(b []byte) {
	l.mu.Lock()
	l.w.Write(b)
	l.w.Flush()
	l.mu.Unlock()
}

func (l *logFile) close() {
	l.mu.Lock()
	l.w.Flush()
	l.f.Close()
	l.mu.Unlock()
}

// logFiles opens each path once.
type logFiles struct {
	mu    sync.Mutex
	files map[string]*logFile
}

func (lf *logFiles) open(path string) (*logFile, error) {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	if lf.files == nil {
		lf.files = map[string]*logFile{}
	}
	if l := lf.files[path]; l != nil {
		return l, nil
	}
	f, err := logfile.Open(path)
	if err != nil {
		return nil, err
	}
	l := &logFile{w: bufio.NewWriterSize(f, 4096), f: f}
	lf.files[path] = l
	return l, nil
}

func (lf *logFiles) closeAll() {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	for _, l := range lf.files {
		l.close()
	}
}

// errorLog writes Apache 2.4 style error log lines:
// [Tue Nov 24 04:23:02.123456 2026] [python:error] [pid 42] [interpreter localhost] [client 127.0.0.1:5000] message
type errorLog struct {
	out   *logFile
	level loglevel.Level
	pid   int
}

func (e *errorLog) enabled(level loglevel.Level) bool {
	// notice is always logged, as in Apache.
	return level <= e.level || level == levelNotice
}

// Log implements request.Logger.
func (e *errorLog) Log(level loglevel.Level, module, interp string, req *request.Request, msg string) {
	if e == nil || !e.enabled(level) {
		return
	}
	if !level.Valid() {
		level = levelError
	}
	b := make([]byte, 0, 128+len(msg))
	b = append(b, '[')
	b = time.Now().AppendFormat(b, "Mon Jan 02 15:04:05.000000 2006")
	b = append(b, "] ["...)
	b = append(b, module...)
	b = append(b, ':')
	b = append(b, level.String()...)
	b = append(b, "] [pid "...)
	b = strconv.AppendInt(b, int64(e.pid), 10)
	b = append(b, ']')
	if interp != "" {
		b = append(b, " [interpreter "...)
		b = append(b, interp...)
		b = append(b, ']')
	}
	if req != nil && req.Conn != nil {
		b = append(b, " [client "...)
		b = append(b, req.ClientIP()...)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(req.ClientPort()), 10)
		b = append(b, ']')
	}
	b = append(b, ' ')
	b = appendEscaped(b, msg)
	b = append(b, '\n')
	e.out.write(b)
}

func (e *errorLog) logf(level loglevel.Level, format string, args ...any) {
	e.Log(level, "core", "", nil, fmt.Sprintf(format, args...))
}

// appendEscaped appends s with control characters escaped, as Apache does,
// so one message is one line.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\t':
			b = append(b, '\t')
		case c < 0x20 || c == 0x7f:
			b = append(b, fmt.Sprintf(`\x%02x`, c)...)
		default:
			b = append(b, c)
		}
	}
	return b
}
