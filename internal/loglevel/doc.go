// Package loglevel is Apache's LogLevel vocabulary: the severity of an
// error log line, by name ("warn") and by Apache's number (APLOG_WARNING
// is 4), the numbers mod_python's apache.APLOG_* constants have.
//
// It owns the eight levels, their order and their names, and nothing else:
// the configuration (internal/config) parses LogLevel into a Level once,
// at Load; the server filters and writes its error log by it; the Python
// runtime logs at it, through request.Logger. It must not format or write
// log lines (internal/server and internal/master do) nor open log files
// (internal/logfile), and it imports no other package of modpy's, so that
// every one of them may use it.
package loglevel
