// Command modpy is a web server that runs Apache mod_python handlers in
// named CPython sub-interpreters, from an httpd.conf-style configuration.
//
// Usage follows httpd:
//
//	modpy [-d SERVERROOT] [-f FILE] [-D NAME]... [-t] [-X] [-k start|stop|restart|graceful|graceful-stop]
//
// Without -X, modpy runs a master process (internal/master) that starts and
// supervises worker processes: this binary re-executed with the listening
// sockets passed down. -X runs one worker in the foreground.
//
// With no -f, modpy serves the current directory with the zero-config (see
// docs/configuration.md): .py files run their own handler(req).
//
// It owns the command line and choosing master, worker or single-process
// mode; it must not hold request processing (internal/server), process
// supervision (internal/master) or a worker's process, its sockets,
// signals and recycling, with or without -X (internal/worker).
package main
