package config

import "time"

// ProcessGroup is one WSGIDaemonProcess (or the template of
// PythonUserDirProcess): a set of processes, started and supervised by
// the master, that run the Python code of the requests routed to it
// (WSGIProcessGroup, PythonProcessGroup, process-group=), as its own user,
// with its own Python home and limits. mod_wsgi's daemon mode.
type ProcessGroup struct {
	// Name is the group's name, unique in the whole server; "~alice" for
	// a per-user group of PythonUserDirProcess.
	Name string
	// Pos is where WSGIDaemonProcess (or PythonUserDirProcess) was written.
	Pos Pos
	// VHost is the virtual host it was declared in (nil: the main server);
	// as in mod_wsgi, a group declared in a virtual host serves only that
	// host's requests.
	VHost *Server

	// Processes is processes= (default 1); ProcessesGiven says it was
	// written, which makes wsgi.multiprocess True, as in mod_wsgi.
	Processes      int
	ProcessesGiven bool
	// Threads is threads= (default 15).
	Threads int

	// User and Group are whom the processes run as (default: the
	// server's User and Group).
	User, Group string
	// PythonHome is python-home= (a virtual environment; "" = the
	// server's WSGIPythonHome); PythonPath are python-path='s directories,
	// added to sys.path as site directories.
	PythonHome string
	PythonPath []string
	// Home is home=: the working directory (default: the user's home).
	Home string
	// DisplayName is display-name= (the process title; "%{GROUP}" as in
	// mod_wsgi).
	DisplayName string
	// Lang and Locale are lang= and locale=.
	Lang, Locale string

	// MaximumRequests is maximum-requests= (0: no limit): a process that
	// served that many requests is replaced.
	MaximumRequests int
	// The timeouts of mod_wsgi's daemon options (0: none, unless a
	// default is said).
	InactivityTimeout time.Duration
	RequestTimeout    time.Duration
	GracefulTimeout   time.Duration
	DeadlockTimeout   time.Duration // default 300s
	QueueTimeout      time.Duration
	SocketTimeout     time.Duration // default: Timeout
	ConnectTimeout    time.Duration // default 15s
	StartupTimeout    time.Duration
	RestartInterval   time.Duration
	ShutdownTimeout   time.Duration // default 5s
	EvictionTimeout   time.Duration
	// ListenBacklog is listen-backlog= (default 100).
	ListenBacklog int
	// MemoryLimit and VirtualMemoryLimit are memory-limit= and
	// virtual-memory-limit=, in bytes (0: none).
	MemoryLimit, VirtualMemoryLimit int64
}

// ProcessGroup is the process group called name, or nil.
func (c *Config) ProcessGroup(name string) *ProcessGroup {
	for _, g := range c.Groups {
		if g.Name == name {
			return g
		}
	}
	return nil
}
