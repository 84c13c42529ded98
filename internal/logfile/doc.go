// Package logfile opens the destinations of ErrorLog and CustomLog as httpd
// does: a file (appended to), /dev/stderr or /dev/stdout, or a piped logger
// ("|command" through the shell, "||command" without it) that is restarted
// if it dies.
//
// It owns opening and closing those destinations. It must not format log
// lines (the server and the master do) or know about requests.
package logfile
