// Package worker is one worker process around its server.Server: the
// process internal/master starts (Run), or the only one with modpy -X
// (Single).
//
// It owns the process's side of serving: the listening sockets (inherited
// from the master from master.FirstFD on, or bound itself with -X), the
// accept gate (gate.go: MaxConnectionsPerChild, stopping without dropping a
// connection already accepted, leaving new connections to workers with a
// free Python thread), the signals (SIGTERM, SIGINT, SIGWINCH; SIGHUP and
// SIGUSR1 are the master's), the ready and control pipes to the master,
// mapping its scoreboard slot, dropping privileges, the process's resident
// memory (ProcessRSS), and recycling itself (MaxConnectionsPerChild,
// MaxMemoryPerChild, an interpreter that cannot end, a handler stuck in C)
// with the drain that follows (GracefulShutdownTimeout, StopTimeout).
//
// It must not process requests (internal/server does: this package
// creates, starts and stops a server.Server and hands it what it learns
// of the process), call into Python, supervise other processes
// (internal/master does) or parse the command line (cmd/modpy does).
package worker
