package python

/*
#cgo pkg-config: python3-embed
#cgo CFLAGS: -O2 -Wall -Wno-unused-function
#include "modpy.h"
#include <stdlib.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"modpy/internal/loglevel"
	"modpy/internal/request"
)

// MainInterpreter is the name of the interpreter Py_Initialize creates.
const MainInterpreter = "main_interpreter"

// Options configure the runtime.
type Options struct {
	// Executable is the python3 matching the linked libpython; "" finds it.
	Executable string
	// Optimize is PythonOptimize: 0, or 2 for -OO as mod_python does.
	Optimize int
	// Home is WSGIPythonHome ("" for none): a virtual environment (a
	// directory with a pyvenv.cfg), whose bin/python becomes the
	// executable (its site-packages are on sys.path), or another
	// directory, which becomes Python's home (its prefix).
	Home string
	// SitePath are directories given, in every interpreter, to
	// site.addsitedir (their .pth files are read), what that adds going
	// in front of sys.path (WSGIPythonPath).
	SitePath []string
	// FirstPath, if not "", is put at sys.path[0] of every interpreter,
	// after SitePath's: a process group's home= (mod_wsgi does so).
	FirstPath string
	// ThreadsPerChild bounds the threads running Python at once across
	// every interpreter of this process; at least 1 (the server passes
	// the configuration's, config.DefaultThreadsPerChild by default).
	ThreadsPerChild int
	// IdleThreadTimeout is how long an interpreter's extra thread waits
	// for work before it exits (default 30s). The first thread stays.
	IdleThreadTimeout time.Duration
	// Log receives interpreter events and everything Python logs.
	Log request.Logger
	// MainServer is what apache.main_server shows.
	MainServer *request.Server
	// Sources holds the mod_python package: files "mod_python/*.py".
	Sources fs.FS
	// OnStuck, if set, is called when a call is still running well past
	// its PythonRequestTimeout, after RequestTimeout was raised: its thread
	// is stuck in C code (holding the GIL, or blocked), which nothing inside
	// the process can undo. what names the phase, handler and request.
	OnStuck func(interp, what string)
	// QueueWait, if set, is called after each call into an interpreter
	// that a thread took, with the time from the hand-off to a thread
	// taking it. It runs on the caller's goroutine, outside every lock.
	QueueWait func(time.Duration)
	// OnCannotEnd, if set, is called (once per interpreter) when an
	// interpreter that PythonInterpMaxRequests, PythonInterpIdleTimeout or
	// PythonInterpReload wants ended cannot be: it is main_interpreter, or
	// ending it would make CPython abort (why says what stands in the way).
	// A worker under the master recycles itself instead. Without it the
	// interpreter goes on serving.
	OnCannotEnd func(interp, reason, why string)
}

// Runtime is the process's embedded CPython: main_interpreter plus the
// sub-interpreters created by name. There is one per process.
type Runtime struct {
	opts    Options
	ctl     chan func()
	mainTS  *C.PyThreadState
	sources map[string]source
	busy    chan struct{} // ThreadsPerChild tokens
	pid     int

	started time.Time

	boot string // the bootstrap every interpreter runs (bootstrapFor)

	mu      sync.Mutex
	interps map[string]*Interp

	// Lifecycle counts and the last end of each name (histMu).
	creations atomic.Uint64
	endCounts [numEndKinds]atomic.Uint64
	histMu    sync.Mutex
	lastEnds  map[string]EndInfo
}

type source struct {
	text  string
	isPkg bool
}

var current *Runtime // the one runtime of this process, for the C callbacks

// Start initialises CPython on a dedicated control thread and registers the
// main interpreter as main_interpreter. It may be called once per process.
func Start(opts Options) (*Runtime, error) {
	if current != nil {
		return nil, errors.New("python: runtime already started")
	}
	if opts.ThreadsPerChild <= 0 {
		return nil, errors.New("python: Options.ThreadsPerChild must be at least 1")
	}
	if opts.IdleThreadTimeout <= 0 {
		opts.IdleThreadTimeout = 30 * time.Second
	}
	if opts.MainServer == nil {
		opts.MainServer = &request.Server{}
	}
	exe, home := opts.Executable, ""
	if opts.Home != "" {
		if _, err := os.Stat(filepath.Join(opts.Home, "pyvenv.cfg")); err == nil {
			exe = filepath.Join(opts.Home, "bin", "python")
		} else {
			home = opts.Home
		}
	}
	if exe == "" {
		var err error
		if exe, err = findExecutable(); err != nil {
			return nil, err
		}
	}
	rt := &Runtime{
		opts:    opts,
		ctl:     make(chan func()),
		busy:    make(chan struct{}, opts.ThreadsPerChild),
		interps: map[string]*Interp{},
		pid:     os.Getpid(),
		started: time.Now(),
		boot:    bootstrapFor(opts.SitePath, opts.FirstPath),
	}
	if err := rt.loadSources(); err != nil {
		return nil, err
	}
	current = rt
	errc := make(chan error)
	go rt.control(exe, home, errc)
	if err := <-errc; err != nil {
		current = nil
		return nil, err
	}
	main := newInterp(rt, MainInterpreter, rt.mainTS)
	rt.interps[MainInterpreter] = main
	rt.creations.Add(1)
	main.mu.Lock()
	main.setState(interpReady)
	main.mu.Unlock()
	close(main.ready)
	rt.logf(loglevel.Notice, MainInterpreter, "interpreter %q created (pid %d, Python %s)", MainInterpreter, rt.pid, Version())
	go rt.reap()
	return rt, nil
}

// Version is the version of the linked CPython, e.g. "3.11.2".
func Version() string {
	v := C.GoString(C.Py_GetVersion())
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' {
			return v[:i]
		}
	}
	return v
}

// findExecutable finds the python3 binary that matches the linked
// libpython, so sys.executable and the stdlib paths agree with it.
func findExecutable() (string, error) {
	ver := fmt.Sprintf("python%d.%d", int(C.PY_MAJOR_VERSION), int(C.PY_MINOR_VERSION))
	for _, p := range []string{"/usr/bin/" + ver, "/usr/local/bin/" + ver} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath(ver); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("python: cannot find %s, the interpreter matching the linked libpython", ver)
}

func (rt *Runtime) loadSources() error {
	rt.sources = map[string]source{}
	if rt.opts.Sources == nil {
		return errors.New("python: no mod_python sources")
	}
	return fs.WalkDir(rt.opts.Sources, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || len(path) < 4 || path[len(path)-3:] != ".py" {
			return err
		}
		b, err := fs.ReadFile(rt.opts.Sources, path)
		if err != nil {
			return err
		}
		name := path[:len(path)-3]
		isPkg := false
		if len(name) > 9 && name[len(name)-9:] == "/__init__" {
			name, isPkg = name[:len(name)-9], true
		}
		mod := []byte(name)
		for i, c := range mod {
			if c == '/' {
				mod[i] = '.'
			}
		}
		rt.sources[string(mod)] = source{string(b), isPkg}
		return nil
	})
}

// control is the thread that initialised Python and holds the main thread
// state. It creates and ends interpreters; it never runs user code.
func (rt *Runtime) control(exe, home string, errc chan<- error) {
	runtime.LockOSThread()
	cexe, chome := C.CString(exe), C.CString(home)
	boot := C.CString(rt.boot)
	var cerr *C.char
	ts := C.modpy_initialize(cexe, chome, C.int(rt.opts.Optimize), boot, &cerr)
	C.free(unsafe.Pointer(cexe))
	C.free(unsafe.Pointer(chome))
	C.free(unsafe.Pointer(boot))
	if ts == nil {
		errc <- fmt.Errorf("python: %s", takeCString(cerr))
		return
	}
	rt.mainTS = ts
	errc <- nil
	for f := range rt.ctl {
		f()
	}
}

// onControl runs f on the control thread and waits for it.
func (rt *Runtime) onControl(f func()) {
	done := make(chan struct{})
	rt.ctl <- func() { f(); close(done) }
	<-done
}

func takeCString(s *C.char) string {
	if s == nil {
		return "unknown error"
	}
	defer C.free(unsafe.Pointer(s))
	return C.GoString(s)
}

// Interp returns the interpreter called name, creating it if this process
// has none by that name yet. Concurrent callers asking for a new name wait
// for one creation.
func (rt *Runtime) Interp(name string) (*Interp, error) {
	for {
		rt.mu.Lock()
		in := rt.interps[name]
		if in == nil {
			in = newInterp(rt, name, nil)
			rt.interps[name] = in
			rt.mu.Unlock()
			rt.create(in)
			return in, in.err
		}
		rt.mu.Unlock()
		<-in.ready
		if in.err != nil {
			return nil, in.err
		}
		in.mu.Lock()
		st, done := in.st, in.endDone
		in.mu.Unlock()
		switch st {
		case interpReady:
			return in, nil
		case interpEnding:
			<-done // then look again: it is gone, or serving again
		default:
			rt.mu.Lock()
			if rt.interps[name] == in {
				delete(rt.interps, name)
			}
			rt.mu.Unlock()
		}
	}
}

func (rt *Runtime) create(in *Interp) {
	start := time.Now()
	var ts *C.PyThreadState
	var cerr *C.char
	rt.onControl(func() {
		boot := C.CString(rt.boot)
		cname := C.CString(in.Name)
		ts = C.modpy_new_interpreter(rt.mainTS, boot, cname, &cerr)
		C.free(unsafe.Pointer(boot))
		C.free(unsafe.Pointer(cname))
	})
	if ts == nil {
		in.err = fmt.Errorf("python: cannot create interpreter %q: %s", in.Name, takeCString(cerr))
		rt.mu.Lock()
		delete(rt.interps, in.Name)
		rt.mu.Unlock()
		rt.logf(loglevel.Error, in.Name, "%v", in.err)
		in.mu.Lock()
		in.setState(interpFailed)
		in.mu.Unlock()
		close(in.ready)
		return
	}
	in.setTS(ts)
	rt.creations.Add(1)
	rt.logf(loglevel.Notice, in.Name, "interpreter %q created (pid %d, %s)", in.Name, rt.pid, time.Since(start).Round(time.Microsecond))
	in.mu.Lock()
	in.setState(interpReady)
	in.mu.Unlock()
	close(in.ready)
}

// ErrCannotEnd is returned by End when ending the interpreter would make
// CPython abort or cannot be undone; the worker must be recycled instead.
var ErrCannotEnd = errors.New("python: interpreter cannot be ended")

// End ends the interpreter called name: it stops taking requests (new ones
// for the name wait), waits for those in flight, stops its threads (each
// deletes its own thread state) and calls Py_EndInterpreter. The next
// request for the name creates it afresh. main_interpreter is never ended.
func (rt *Runtime) End(name, reason string) error {
	rt.mu.Lock()
	in := rt.interps[name]
	rt.mu.Unlock()
	if in == nil {
		return fmt.Errorf("python: no interpreter %q", name)
	}
	return rt.EndInterp(in, EndExplicit, reason)
}

var errAlreadyEnding = errors.New("python: interpreter is already ending")

// EndInterp ends the interpreter in, this very one (not whichever has its
// name now), as End does, for kind of reason; the server calls it when its
// policy wants an interpreter ended (PythonInterpMaxRequests). Where in
// cannot be ended (main_interpreter, an interpreter with direct calls'
// thread states, or one CPython would abort ending), it returns
// ErrCannotEnd and reports it once (Options.OnCannotEnd, or the log).
func (rt *Runtime) EndInterp(in *Interp, kind EndKind, reason string) error {
	name := in.Name
	if name == MainInterpreter {
		why := MainInterpreter + " is ended only with its process"
		rt.cannotEnd(in, kind, reason, why)
		return fmt.Errorf("%w: %s", ErrCannotEnd, why)
	}
	if in.direct.used.Load() {
		why := "the server's own threads hold thread states of it (direct calls)"
		rt.cannotEnd(in, kind, reason, why)
		return fmt.Errorf("%w: %s", ErrCannotEnd, why)
	}
	<-in.ready
	if in.err != nil {
		return in.err
	}
	in.mu.Lock()
	if in.st != interpReady {
		in.mu.Unlock()
		return errAlreadyEnding
	}
	in.setState(interpEnding)
	in.mu.Unlock()

	in.drain()
	var why *C.char
	var rc C.int
	rt.onControl(func() { rc = C.modpy_can_end(in.ts, &why) })
	if rc != 0 {
		msg := takeCString(why)
		in.mu.Lock()
		in.setState(interpReady)
		in.mu.Unlock()
		rt.cannotEnd(in, kind, reason, msg)
		return fmt.Errorf("%w: %s", ErrCannotEnd, msg)
	}
	in.stopThreads()
	rt.onControl(func() { C.modpy_end_interpreter(in.ts, rt.mainTS) })
	rt.mu.Lock()
	if rt.interps[name] == in {
		delete(rt.interps, name)
	}
	rt.mu.Unlock()
	in.mu.Lock()
	in.setState(interpEnded)
	in.mu.Unlock()
	served := in.requests.Load()
	rt.recordEnd(EndInfo{Name: name, Time: time.Now(), Kind: kind, Reason: reason,
		Created: in.created, Requests: served})
	rt.logf(loglevel.Notice, name, "interpreter %q ended (%s) (pid %d, served %d requests)", name, reason, rt.pid, served)
	return nil
}

// cannotEnd reports an interpreter that must not be ended: to OnCannotEnd,
// once per interpreter, or in the log.
func (rt *Runtime) cannotEnd(in *Interp, kind EndKind, reason, why string) {
	if in.refused.Swap(true) {
		return
	}
	if f := rt.opts.OnCannotEnd; f != nil && kind != EndExplicit {
		f(in.Name, reason, why)
		return
	}
	rt.logf(loglevel.Warn, in.Name, "interpreter %q not ended (%s): %s; it goes on serving (only recycling the worker would end it)", in.Name, reason, why)
}

// reap ends interpreters unused for longer than their
// PythonInterpIdleTimeout. It runs for the runtime's life.
func (rt *Runtime) reap() {
	for range time.Tick(reapInterval) {
		now := rt.clock()
		rt.mu.Lock()
		var idle []*Interp
		for _, in := range rt.interps {
			limit := time.Duration(in.idleTimeout.Load())
			if in.Name == MainInterpreter || limit <= 0 || in.inUse() {
				continue
			}
			if now-time.Duration(in.lastUsed.Load()) >= limit {
				idle = append(idle, in)
			}
		}
		rt.mu.Unlock()
		for _, in := range idle {
			go rt.EndInterp(in, EndIdle, fmt.Sprintf("idle for PythonInterpIdleTimeout %s", time.Duration(in.idleTimeout.Load())))
		}
	}
}

// reapInterval is how often idle interpreters are looked for.
const reapInterval = 250 * time.Millisecond

// clock is the runtime's monotonic time.
func (rt *Runtime) clock() time.Duration { return time.Since(rt.started) }

// InterpInfo describes one interpreter for status pages and tests.
type InterpInfo struct {
	Name     string
	Created  time.Time
	Requests uint64
	Threads  int // live threads of its pool (Busy of them running a call)
	Busy     int
	Queued   int // calls waiting for a thread
	// Modules is len(sys.modules) as the last call into the interpreter
	// left it; -1 before the first call.
	Modules int
	// LastUsed is when its last request finished (zero: none yet).
	LastUsed time.Time
	// Ending: it stopped taking requests and is being ended.
	Ending bool
}

// Interps lists the live interpreters, main_interpreter first, then by name.
func (rt *Runtime) Interps() []InterpInfo {
	rt.mu.Lock()
	list := make([]*Interp, 0, len(rt.interps))
	for _, in := range rt.interps {
		list = append(list, in)
	}
	rt.mu.Unlock()
	out := make([]InterpInfo, 0, len(list))
	for _, in := range list {
		select {
		case <-in.ready:
		default:
			continue
		}
		if in.err != nil {
			continue
		}
		threads, busy, queued := in.stats()
		// Direct calls run on the server's own threads (direct.go):
		// those holding a state of the interpreter count too.
		threads += int(in.direct.threads.Load())
		busy += int(in.direct.busy.Load())
		info := InterpInfo{
			Name:     in.Name,
			Created:  in.created,
			Requests: in.requests.Load(),
			Threads:  threads,
			Busy:     busy,
			Queued:   queued,
			Modules:  int(in.modules.Load()),
			Ending:   in.state() != interpReady,
		}
		if lu := in.lastUsed.Load(); lu > 0 {
			info.LastUsed = rt.started.Add(time.Duration(lu))
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Name == MainInterpreter) != (out[j].Name == MainInterpreter) {
			return out[i].Name == MainInterpreter
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func (rt *Runtime) logf(level loglevel.Level, interp, format string, args ...any) {
	if rt.opts.Log != nil {
		rt.opts.Log.Log(level, "python", interp, nil, fmt.Sprintf(format, args...))
	}
}
