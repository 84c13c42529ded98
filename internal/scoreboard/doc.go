// Package scoreboard is the memory the master and its workers share, as
// Apache's scoreboard: one region, created by the master (a memfd) and
// mapped by every worker it starts.
//
// It owns the layout of that region and the rules for reading and writing
// it: the master's area (pid, generation, worker restarts by reason, the
// process groups and their restarts) and one slot per worker or group
// process (pid, group, state, live request counters, the Python calls in
// flight, why it is about to exit, and snapshots of its status and metrics
// that other workers read to answer for the whole server).
//
// Who writes what: the master claims and releases slots and writes its own
// area; a worker writes only its own slot. The processes of a process group
// (WSGIDaemonProcess) have slots too, marked with the group's name
// (Slot.SetGroup, by the master), but never map the board: each writes a
// region of its own holding only its slot (CreateRegion), which the master
// copies into the board (Slot.Mirror), keeping the state, pid and group
// its own to write; the master's area has a row per group with its
// restarts by reason (DeclareGroup, CountGroupRestart) and its processes
// running without a slot (CountSlotless). Counters
// are atomics; snapshots are copied under a sequence counter (a seqlock),
// so a reader sees a whole snapshot or retries. Nothing here knows HTTP, Python or the config:
// internal/status decides what goes into the snapshots, the master what
// the exits mean.
package scoreboard
