package python

/*
#include "modpy.h"
*/
import "C"

import (
	"sync"
	"sync/atomic"
	"time"
)

// WatchGIL is mod_wsgi's deadlock-timeout: a thread of the main
// interpreter takes the GIL and lets it go again every so often; when it
// has waited d for it (C code holding the GIL, a deadlock in an
// extension), deadlock is called, once, with how long it waited, from
// another goroutine: the process can then end, so that the master
// replaces it. The GIL being busy with Python code does not count:
// CPython's switch interval hands it over to a thread that asks within
// milliseconds. It runs until the main interpreter's threads stop.
func (rt *Runtime) WatchGIL(d time.Duration, deadlock func(waited time.Duration)) error {
	if d <= 0 {
		return nil
	}
	in, err := rt.Interp(MainInterpreter)
	if err != nil {
		return err
	}
	// waiting: since when (nanoseconds after base, on the monotonic
	// clock, so that a step of the wall clock is no deadlock) the watcher
	// asks for the GIL; 0: not asking.
	var waiting atomic.Int64
	base := time.Now()
	tick := min(max(d/10, 10*time.Millisecond), time.Second)
	in.threads.Add(1)
	go in.gilWatcher(tick, base, &waiting)
	var once sync.Once
	go func() {
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-in.stop:
				return
			case now := <-t.C:
				if since := waiting.Load(); since != 0 {
					if waited := now.Sub(base) - time.Duration(since); waited >= d {
						once.Do(func() { deadlock(waited) })
					}
				}
			}
		}
	}()
	return nil
}

// gilWatcher is WatchGIL's thread: a locked OS thread with a thread state
// of its own in the interpreter, as the interrupter's.
func (in *Interp) gilWatcher(tick time.Duration, base time.Time, waiting *atomic.Int64) {
	fresh := in.onOwnThreadState("deadlock-timeout's thread", func(ts *C.PyThreadState) {
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-in.stop:
				return
			case <-t.C:
				waiting.Store(max(int64(time.Since(base)), 1))
				C.modpy_attach(ts)
				C.modpy_detach()
				waiting.Store(0)
			}
		}
	})
	if !fresh {
		go in.gilWatcher(tick, base, waiting)
	}
}
