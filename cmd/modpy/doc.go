// Command modpy is a web server that runs Apache mod_python handlers in
// named CPython sub-interpreters, from an httpd.conf-style configuration.
//
// Usage follows httpd's, options and reports alike (docs/configuration.md):
//
//	modpy [-D name] [-d directory] [-f file] [-C "directive"] [-c "directive"]
//	      [-k start|restart|graceful|graceful-stop|stop]
//	      [-v] [-V] [-h] [-l] [-L] [-t] [-T] [-S] [-M] [-X] [-e level] [-E file]
//
// Without -X, modpy runs a master process (internal/master) that starts and
// supervises worker processes: this binary re-executed with the listening
// sockets passed down. -X runs one worker in the foreground.
//
// With no -f, modpy serves the current directory with the zero-config (see
// docs/configuration.md): .py files run their own handler(req).
//
// It owns the command line (getopt.go; -v and -V in version.go) and
// choosing master, worker or single-process mode; the reports' contents
// come from internal/config (dump.go: the module and directive tables, the
// parsed configuration). It must not hold request processing (internal/server), process
// supervision (internal/master) or a worker's process, its sockets,
// signals and recycling, with or without -X (internal/worker).
package main
