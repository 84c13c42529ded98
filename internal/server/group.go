package server

import (
	"time"

	"modpy/internal/config"
)

// A process group's process (WSGIDaemonProcess, PythonUserDirProcess) runs
// a Server too: internal/worker's group role makes it one with
// SetProcessGroup before Start. The workers' side of groups is here too:
// how a relay asks the master for a per-user group (NeedUserGroup).

// SetProcessGroup makes s a process of group g (call it before Start):
// Start imports g's WSGIImportScript scripts (process-group=g) and no
// other; without it, s is a worker and imports those of no group.
func (s *Server) SetProcessGroup(g *config.ProcessGroup) { s.procGroup = g }

// ProcessGroup is the group s is a process of; nil for a worker.
func (s *Server) ProcessGroup() *config.ProcessGroup { return s.procGroup }

// importsHere reports whether imp is imported in this process: a
// group's scripts in its processes, the others in the workers.
func (s *Server) importsHere(imp config.WSGIImport) bool {
	pg := imp.ProcessGroup
	if pg == "%{GLOBAL}" {
		pg = ""
	}
	if s.procGroup == nil {
		return pg == ""
	}
	return pg == s.procGroup.Name
}

// OnNeedUserGroup sets what NeedUserGroup calls: internal/worker's
// request to the master (master.AskUserGroup on the ready pipe).
// f returns an error, without asking, for a user the master would refuse
// (master.GroupFor's checks): the relay then answers 404.
func (s *Server) OnNeedUserGroup(f func(user string) error) { s.needUserGroup = f }

// NeedUserGroup asks the master to start user's per-user group
// (PythonUserDirProcess), whose socket a relay could not connect to; it
// returns at once, and the relay retries connecting until its
// connect-timeout. Without a master (-X) it does nothing. An error is
// a user whose group may not run (UserDirMinUid, root, UserDir disabled).
func (s *Server) NeedUserGroup(user string) error {
	if s.needUserGroup != nil {
		return s.needUserGroup(user)
	}
	return nil
}

// Requests are how many requests s finished, and how many it is running.
func (s *Server) Requests() (served uint64, active int64) {
	return s.served.Load(), s.active.Load()
}

// LogError writes msg to the main error log at level error.
func (s *Server) LogError(msg string) { s.errlog.logf(levelError, "%s", msg) }

// WatchDeadlock calls f once when no thread could take the GIL for d
// (python.Runtime.WatchGIL): a group process's deadlock-timeout. Call it
// after Start; d <= 0 does nothing.
func (s *Server) WatchDeadlock(d time.Duration, f func(waited time.Duration)) error {
	if s.rt == nil || d <= 0 {
		return nil
	}
	return s.rt.WatchGIL(d, f)
}

// SetRelayKey gives a worker the relay key its Modpy-Relay headers carry
// to the groups, and a group process the key's SHA-256 (hash) its
// listener checks them against; nil leaves each unset (no check: a
// server without a master, or a test). Call it before Start.
func (s *Server) SetRelayKey(key, hash []byte) { s.relayKey, s.relayKeyHash = key, hash }

// groupHome is what a group process puts at sys.path[0]: its home=, as
// mod_wsgi does ("" in a worker, or without home=).
func (s *Server) groupHome() string {
	if s.procGroup == nil {
		return ""
	}
	return s.procGroup.Home
}
