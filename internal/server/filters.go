package server

import (
	"strings"

	"modpy/internal/config"
	"modpy/internal/request"
)

// Python output filters (PythonOutputFilter, activated by SetOutputFilter,
// AddOutputFilter or req.add_output_filter): links of the output filter
// chain that hand the response body to a Python function, which reads it
// with filter.read() and passes on what it wants with filter.write().
//
// A filter runs (one call into Python) when the data it holds passes
// filterChunk, when the handler flushes, and once at the end of the
// response, when filter.read() then returns None (end of stream). The
// calls happen on the handler's own thread while it writes (nested, see
// internal/python) or, after it returned, on the connection's goroutine;
// never from the postponed-flush timer: a response with Python filters
// flushes when the handler asks.

// filterChunk is how much body a filter holds before it runs.
const filterChunk = 64 << 10

// pyFilter is one Python output filter of a response.
type pyFilter struct {
	rs   *rstate
	conf config.Filter
	id   int
	next outputFilter
	// in is the body passed to the filter that it has not read yet.
	in  []byte
	eos bool // the response ended: after in, read() gives None
	// closed: the filter called close(); what comes later is dropped.
	// disabled: an exception or disable(); what comes later passes on.
	closed, disabled bool
	running          bool // a call is in progress (no re-entry)
}

func (f *pyFilter) Write(p []byte) (int, error) {
	switch {
	case f.disabled:
		return f.next.Write(p)
	case f.closed:
		return len(p), nil
	}
	f.in = append(f.in, p...)
	if len(f.in) >= filterChunk && !f.running {
		f.run()
	}
	return len(p), nil
}

func (f *pyFilter) Flush() error {
	if !f.disabled && !f.closed && len(f.in) > 0 && !f.running {
		f.run()
	}
	return f.next.Flush()
}

// end gives the filter the end of the stream.
func (f *pyFilter) end() {
	if f.disabled || f.closed {
		return
	}
	f.eos = true
	f.run()
}

// run calls the filter's Python function once.
func (f *pyFilter) run() {
	rs := f.rs
	if rs.s.rt == nil {
		f.disabled = true
		return
	}
	f.running = true
	defer func() { f.running = false }()
	name := rs.interpreterName(rs.filterConfig(), config.Handler{Spec: f.conf.Spec, Dir: f.conf.Dir})
	st, err := rs.s.rt.RunFilter(name, rs.req, f.id)
	if err != nil {
		rs.logError(levelError, "PythonOutputFilter %s: %v", f.conf.Name, err)
	}
	if err != nil || st != 0 { // (Python logged why)
		// A failed filter is disabled: what it holds, and all that
		// follows, passes on unchanged.
		f.disabled = true
		if len(f.in) > 0 {
			f.next.Write(f.in)
			f.in = nil
		}
	}
}

// filterConfig is the configuration filters run under.
func (rs *rstate) filterConfig() *config.DirConfig {
	if rs.dc != nil {
		return rs.dc
	}
	return rs.vh.conf.Dir
}

// setupFilters puts the Python output filters that the configuration
// activates for this response at the head of the chain, in the order the
// directives name them (SetOutputFilter's, then AddOutputFilter's for the
// file's extension).
func (rs *rstate) setupFilters() {
	dc := rs.filterConfig()
	if len(dc.PythonOutputFilters) == 0 && len(rs.req.OutputFilters) == 0 {
		return
	}
	names := append([]string(nil), dc.SetOutputFilter...)
	if ext := strings.ToLower(fileExt(rs.req.Filename)); ext != "" {
		names = append(names, dc.AddOutputFilters[ext]...)
	}
	for _, n := range names {
		rs.addOutputFilter(n)
	}
}

// addOutputFilter adds the Python filter called name, as configured or
// registered with req.register_output_filter; false if there is none.
func (rs *rstate) addOutputFilter(name string) bool {
	conf, ok := rs.findFilter(name)
	if !ok {
		rs.logError(levelDebug, "output filter %q is not a Python filter: ignored", name)
		return false
	}
	f := &pyFilter{rs: rs, conf: conf, id: len(rs.filters)}
	rs.filters = append(rs.filters, f)
	// The chain runs in the order filters were added: append at the
	// tail, just before the response.
	if len(rs.filters) == 1 {
		f.next = rs.out
		rs.out = f
	} else {
		last := rs.filters[len(rs.filters)-2]
		f.next = last.next
		last.next = f
	}
	rs.req.FilterInfo = append(rs.req.FilterInfo, request.FilterInfo{Name: conf.Name, Spec: conf.Spec, Dir: conf.Dir})
	return true
}

func (rs *rstate) findFilter(name string) (config.Filter, bool) {
	for _, f := range rs.req.OutputFilters {
		if f.Name == name {
			return config.Filter{Spec: f.Spec, Name: f.Name, Dir: f.Dir}, true
		}
	}
	for _, f := range rs.filterConfig().PythonOutputFilters {
		if strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	return config.Filter{}, false
}

// endFilters gives every filter the end of the stream, first to last,
// after the handler is done.
func (rs *rstate) endFilters() {
	if len(rs.filters) == 0 {
		return
	}
	rs.io.mu.Lock()
	rs.io.sync()
	rs.io.mu.Unlock()
	for _, f := range rs.filters {
		f.end()
	}
}

// filter is output filter id of the response.
func (rs *rstate) filter(id int) *pyFilter {
	if id < 0 || id >= len(rs.filters) {
		return nil
	}
	return rs.filters[id]
}

// FilterRead implements request.Hooks: up to n bytes of what the filter
// holds (n < 0: all); eos when the stream ended and nothing is left.
func (rs *rstate) FilterRead(id, n int, line bool) (p []byte, eos bool) {
	f := rs.filter(id)
	if f == nil {
		return nil, true
	}
	if len(f.in) == 0 {
		return nil, f.eos
	}
	k := len(f.in)
	if n >= 0 && n < k {
		k = n
	}
	if line {
		if i := strings.IndexByte(string(f.in[:k]), '\n'); i >= 0 {
			k = i + 1
		}
	}
	p = append([]byte(nil), f.in[:k]...)
	f.in = f.in[k:]
	return p, false
}

// FilterWrite implements request.Hooks: pass p on down the chain.
func (rs *rstate) FilterWrite(id int, p []byte) error {
	f := rs.filter(id)
	if f == nil || f.closed {
		return nil
	}
	_, err := f.next.Write(p)
	return err
}

// FilterCtl implements request.Hooks: flush, close, pass_on or disable.
func (rs *rstate) FilterCtl(id int, op string) error {
	f := rs.filter(id)
	if f == nil {
		return nil
	}
	switch op {
	case "flush":
		return f.next.Flush()
	case "close":
		f.closed = true
	case "pass_on":
		if len(f.in) > 0 {
			_, err := f.next.Write(f.in)
			f.in = nil
			return err
		}
	case "disable":
		f.disabled = true
	}
	return nil
}

// AddOutputFilter implements request.Hooks (req.add_output_filter).
func (rs *rstate) AddOutputFilter(name string) bool { return rs.addOutputFilter(name) }

func fileExt(name string) string {
	base := name[strings.LastIndexByte(name, '/')+1:]
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		return base[i:]
	}
	return ""
}
