package python

import (
	"sort"
	"time"
)

// EndKind is why an interpreter was ended, as a small fixed set (metrics
// labels); EndInfo.Reason has the details.
type EndKind int

const (
	EndExplicit    EndKind = iota // Runtime.End
	EndMaxRequests                // PythonInterpMaxRequests reached
	EndIdle                       // PythonInterpIdleTimeout
	EndReload                     // PythonInterpReload: the site's files changed
	numEndKinds
)

var endKindNames = [numEndKinds]string{"explicit", "max_requests", "idle", "reload"}

// String is the kind's label: explicit, max_requests, idle or reload.
func (k EndKind) String() string {
	if k < 0 || k >= numEndKinds {
		return "unknown"
	}
	return endKindNames[k]
}

// EndKinds lists every EndKind, for registering metrics at zero.
func EndKinds() []EndKind {
	out := make([]EndKind, numEndKinds)
	for i := range out {
		out[i] = EndKind(i)
	}
	return out
}

// EndInfo is the last end of an interpreter name.
type EndInfo struct {
	Name     string
	Time     time.Time
	Kind     EndKind
	Reason   string    // as logged: "PythonInterpMaxRequests 1 reached"
	Created  time.Time // when the ended interpreter had been created
	Requests uint64    // requests it served
}

// maxEndHistory bounds the names whose last end is remembered (per-directory
// names can be many); the oldest entries go first.
const maxEndHistory = 1024

func (rt *Runtime) recordEnd(e EndInfo) {
	rt.endCounts[e.Kind].Add(1)
	rt.histMu.Lock()
	defer rt.histMu.Unlock()
	if rt.lastEnds == nil {
		rt.lastEnds = map[string]EndInfo{}
	}
	if _, ok := rt.lastEnds[e.Name]; !ok && len(rt.lastEnds) >= maxEndHistory {
		oldest := ""
		var t time.Time
		for n, x := range rt.lastEnds {
			if oldest == "" || x.Time.Before(t) {
				oldest, t = n, x.Time
			}
		}
		delete(rt.lastEnds, oldest)
	}
	rt.lastEnds[e.Name] = e
}

// LastEnds returns the last end of every name ended so far (alive again or
// not), most recent first.
func (rt *Runtime) LastEnds() []EndInfo {
	rt.histMu.Lock()
	out := make([]EndInfo, 0, len(rt.lastEnds))
	for _, e := range rt.lastEnds {
		out = append(out, e)
	}
	rt.histMu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.After(out[j].Time)
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Counts are the runtime's lifecycle counters since it started.
type Counts struct {
	Creations uint64              // interpreters created (main_interpreter included)
	Ends      [numEndKinds]uint64 // interpreters ended, by EndKind
}

// Counts returns the lifecycle counters.
func (rt *Runtime) Counts() Counts {
	c := Counts{Creations: rt.creations.Load()}
	for i := range c.Ends {
		c.Ends[i] = rt.endCounts[i].Load()
	}
	return c
}
