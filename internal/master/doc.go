// Package master is modpy's master process: Apache's parent process, in
// pure Go. It checks the configuration, binds every Listen socket, starts
// the workers (the modpy binary re-executed, the sockets passed down as
// inherited file descriptors), replaces a worker that dies (with backoff)
// or recycles (MaxConnectionsPerChild), and handles httpd's signals and
// control verbs (-k start|stop|restart|graceful|graceful-stop), the PidFile
// and the switch to User/Group. -k start runs the master in the
// background and exits with how its start went (startup.go: a status
// pipe, the master's standard error copied until it serves); a start that
// fails says why in httpd's words. It creates the scoreboard
// (internal/scoreboard) and gives each worker a slot; from it, it learns
// what a dead worker was running and why a worker recycled itself.
//
// It must never initialise Python nor parse HTTP: it imports neither
// internal/python nor internal/server, and it never accepts a connection
// (workers accept on the shared sockets themselves, nothing is proxied).
// What a worker does with its sockets lives in internal/worker and
// internal/server.
package master
