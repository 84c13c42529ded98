package httpd

import (
	"sync/atomic"
	"time"
)

// dateEntry is a formatted "Date: ...\r\n" line for one second.
type dateEntry struct {
	sec   int64
	line  []byte
	value string // the line's value alone
}

var curDate atomic.Pointer[dateEntry]

// dateLine returns the Date header line for t, formatted at most once a
// second. Apache dates a response by the time its request was received.
func dateLine(t time.Time) []byte {
	sec := t.Unix()
	if d := curDate.Load(); d != nil && d.sec == sec {
		return d.line
	}
	line := t.UTC().AppendFormat([]byte("Date: "), "Mon, 02 Jan 2006 15:04:05 GMT")
	line = append(line, '\r', '\n')
	curDate.Store(&dateEntry{sec: sec, line: line, value: string(line[6 : len(line)-2])})
	return line
}

// dateValue is dateLine's value alone: "Mon, 02 Jan 2006 15:04:05 GMT".
func dateValue(t time.Time) string {
	d := curDate.Load()
	if d == nil || d.sec != t.Unix() {
		dateLine(t)
		if d = curDate.Load(); d.sec != t.Unix() {
			return t.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
		}
	}
	return d.value
}
