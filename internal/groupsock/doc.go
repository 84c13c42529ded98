// Package groupsock is what the processes of a process group
// (WSGIDaemonProcess, PythonUserDirProcess) and the workers that relay
// requests to them agree on: the name of a group's listening socket (an
// abstract UNIX socket the master binds), the environment variables a
// group process is started with, and the check every connection accepted
// on that socket passes (SO_PEERCRED: only the workers' user or root may
// talk to a group).
//
// It is a leaf package: internal/master, internal/worker,
// internal/server and internal/httpd (Pending) import it; it imports none of them, and it neither
// starts processes nor serves requests.
package groupsock
