package loglevel

import (
	"strconv"
	"strings"
)

// Level is an error log line's severity; a lower Level is more severe.
// An error log set to a Level writes the lines at that Level and below
// (more severe).
type Level int

// The levels, with Apache's numbers.
const (
	Emerg  Level = iota // APLOG_EMERG
	Alert               // APLOG_ALERT
	Crit                // APLOG_CRIT
	Error               // APLOG_ERR
	Warn                // APLOG_WARNING, the default LogLevel
	Notice              // APLOG_NOTICE
	Info                // APLOG_INFO
	Debug               // APLOG_DEBUG; also what trace1 to trace8 mean to modpy
)

var names = [...]string{"emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"}

// String is the level's LogLevel name ("warn"), the one Apache writes in
// the error log's [module:level] field; "Level(N)" for a number that is
// none of the eight.
func (l Level) String() string {
	if !l.Valid() {
		return "Level(" + strconv.Itoa(int(l)) + ")"
	}
	return names[l]
}

// Valid reports whether l is one of the eight levels.
func (l Level) Valid() bool { return l >= Emerg && l <= Debug }

// Parse returns the level a LogLevel word names, compared without case:
// one of the eight names, or trace1 to trace8 (Apache's levels below
// debug, which modpy logs as Debug). ok is false for any other word.
func Parse(word string) (l Level, ok bool) {
	word = strings.ToLower(word)
	for i, n := range names {
		if n == word {
			return Level(i), true
		}
	}
	if t, ok := strings.CutPrefix(word, "trace"); ok && len(t) == 1 && t[0] >= '1' && t[0] <= '8' {
		return Debug, true
	}
	return 0, false
}
