package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"modpy/internal/config"
	"modpy/internal/master"
	"modpy/internal/python"
	"modpy/internal/server"
)

// buildTime is when the binary was built, as the Makefile stamps it
// (-ldflags "-X main.buildTime=2026-12-02T05:00:00", UTC); a plain go
// build leaves it empty.
var buildTime string

// built is -v's "Server built:": buildTime, else the time the binary's
// file was written (the link, unless it was copied since), in UTC.
func built() string {
	if buildTime != "" {
		return buildTime
	}
	if exe, err := os.Executable(); err == nil {
		if st, err := os.Stat(exe); err == nil {
			return st.ModTime().UTC().Format("2006-01-02T15:04:05")
		}
	}
	return "unknown"
}

// description is the server's version as -v shows it: the version from
// server.Version, the one place it is written, and the linked Python's.
func description() string {
	return fmt.Sprintf("modpy/%s (Python %s)", server.Version, python.Version())
}

// showVersion is -v.
func showVersion(w io.Writer) {
	fmt.Fprintf(w, "Server version: %s\n", description())
	fmt.Fprintf(w, "Server built:   %s\n", built())
}

// showSettings is -V: -v, what modpy was built with and runs on, and its
// built-in defaults as httpd's -D lines (what modpy uses when the
// configuration and the command line say nothing).
func showSettings(w io.Writer) {
	showVersion(w)
	fmt.Fprintf(w, "Server loaded:  Python %s, Go %s\n", python.Version(), runtime.Version())
	fmt.Fprintf(w, "Compiled using: Python %s, Go %s\n", python.HeaderVersion, runtime.Version())
	fmt.Fprintf(w, "Architecture:   %d-bit (%s/%s)\n", strconv.IntSize, runtime.GOOS, runtime.GOARCH)
	fmt.Fprintln(w, "Server MPM:     modpy (a master and re-executed worker processes)")
	fmt.Fprintln(w, "  threaded:     yes (variable thread count)")
	fmt.Fprintln(w, "    forked:     yes (fixed process count)")
	fmt.Fprintln(w, "Server compiled with....")
	def := func(name, value, note string) {
		if note != "" {
			note = " (" + note + ")"
		}
		fmt.Fprintf(w, " -D %s=%q%s\n", name, value, note)
	}
	def("HTTPD_ROOT", ".", "the ServerRoot: the current directory unless -d")
	def("SERVER_CONFIG_FILE", "", "none: without -f, the zero-config serves the current directory")
	def("DEFAULT_PIDLOG", filepath.Join("logs", "modpy.pid"), "under the ServerRoot")
	def("DEFAULT_ERRORLOG", "/dev/stderr", "")
	def("AP_TYPES_CONFIG_FILE", config.DefaultTypesConfig, "when it exists")
	fmt.Fprintf(w, " -D DEFAULT_THREADS_PER_CHILD=%d\n", config.DefaultThreadsPerChild)
	fmt.Fprintf(w, " -D DEFAULT_START_SERVERS=%d (one per CPU)\n", master.Workers(&config.Config{}))
}
