package server

import (
	"bytes"
	"io"
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

// Write takes body for the filter (outputFilter), running it once
// filterChunk has gathered.
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

// Flush runs the filter on what it holds, then flushes the next link.
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
	name := interpreterName(rs.filterConfig(), rs.vh.name, config.Handler{Spec: f.conf.Spec, Dir: f.conf.Dir}, rs.fileDir)
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
	if rs.wantIncl {
		rs.addIncludes() // mod_include's fixup asked for it
	}
	if len(dc.PythonOutputFilters) > 0 || len(rs.req.OutputFilters) > 0 || len(dc.SetOutputFilter) > 0 || len(dc.AddOutputFilters) > 0 {
		for _, n := range rs.filterNames(dc.SetOutputFilter, dc.AddOutputFilters) {
			rs.addOutputFilter(n)
		}
	}
	if types := dc.FilterByType["DEFLATE"]; len(types) > 0 {
		rs.addDeflate(types) // mod_filter's AddOutputFilterByType
	}
}

// filtersRunPython reports whether the request's filters may run Python:
// a Python input or output filter, or mod_include with #python allowed
// (Options Includes, not IncludesNOEXEC).
func (rs *rstate) filtersRunPython() bool {
	return len(rs.filters) > 0 || len(rs.inFilters) > 0 || rs.incl != nil && rs.incl.exec
}

// filterNames are the filters one direction's directives activate:
// Set*Filter's, then Add*Filter's for the file's extension.
func (rs *rstate) filterNames(set []string, add map[string][]string) []string {
	names := append([]string(nil), set...)
	if ext := fileExt(rs.req.Filename); ext != "" {
		names = append(names, add[ext]...)
	}
	return names
}

// findFilter finds the Python filter called name: one a handler
// registered for this request, else one the configuration defines.
func findFilter(name string, registered []request.FilterInfo, configured []config.Filter) (config.Filter, bool) {
	for _, f := range registered {
		if f.Name == name {
			return config.Filter{Spec: f.Spec, Name: f.Name, Dir: f.Dir}, true
		}
	}
	for _, f := range configured {
		if strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	return config.Filter{}, false
}

// addOutputFilter adds the Python filter called name, as configured or
// registered with req.register_output_filter; false if there is none.
func (rs *rstate) addOutputFilter(name string) bool {
	if strings.EqualFold(name, "INCLUDES") {
		rs.addIncludes()
		return rs.incl != nil
	}
	if strings.EqualFold(name, "DEFLATE") {
		return rs.addDeflate(nil) // mod_deflate.go
	}
	conf, ok := findFilter(name, rs.req.OutputFilters, rs.filterConfig().PythonOutputFilters)
	if !ok {
		rs.logError(levelDebug, "output filter %q is not a Python filter: ignored", name)
		return false
	}
	f := &pyFilter{rs: rs, conf: conf, id: len(rs.filters)}
	rs.filters = append(rs.filters, f)
	rs.appendFilter(f, &f.next, f.end)
	rs.req.FilterInfo = append(rs.req.FilterInfo, request.FilterInfo{Name: conf.Name, Spec: conf.Spec, Dir: conf.Dir})
	return true
}

// appendFilter puts f at the end of the output filter chain, just before
// the response: the chain runs in the order filters were added. next is
// f's link to what follows it, end what gives it the end of the stream.
func (rs *rstate) appendFilter(f outputFilter, next *outputFilter, end func()) {
	if rs.chainEnd == nil {
		*next, rs.out = rs.out, f
	} else {
		*next, *rs.chainEnd = *rs.chainEnd, f
	}
	rs.chainEnd = next
	rs.ends = append(rs.ends, end)
}

// endFilters gives every filter the end of the stream, first to last,
// after the handler is done.
func (rs *rstate) endFilters() {
	if len(rs.ends) == 0 && rs.deflate == nil {
		return
	}
	rs.io.mu.Lock()
	rs.io.sync()
	rs.io.mu.Unlock()
	for _, end := range rs.ends {
		end()
	}
	if rs.deflate != nil {
		// Last, after what the filters before it pass on; under the
		// lock, which a postponed flush's timer takes.
		rs.io.mu.Lock()
		rs.deflate.end()
		rs.io.mu.Unlock()
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
	if in := rs.inFilter(id); in != nil {
		return in.read(n, line)
	}
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
		if i := bytes.IndexByte(f.in[:k], '\n'); i >= 0 {
			k = i + 1
		}
	}
	p = append([]byte(nil), f.in[:k]...)
	f.in = f.in[k:]
	return p, false
}

// FilterWrite implements request.Hooks: pass p on down the chain.
func (rs *rstate) FilterWrite(id int, p []byte) error {
	if in := rs.inFilter(id); in != nil {
		if !in.closed {
			in.out = append(in.out, p...)
			in.progress = in.progress || len(p) > 0
		}
		return nil
	}
	if id == request.IncludeFilter && rs.incl != nil {
		rs.incl.write(p) // a #python element's output, into the page
		return rs.incl.err
	}
	f := rs.filter(id)
	if f == nil || f.closed {
		return nil
	}
	_, err := f.next.Write(p)
	return err
}

// FilterCtl implements request.Hooks: flush, close, pass_on or disable.
func (rs *rstate) FilterCtl(id int, op string) error {
	if in := rs.inFilter(id); in != nil {
		switch op {
		case "close":
			in.closed, in.progress = true, true
		case "disable":
			in.disabled, in.progress = true, true
		case "pass_on":
			for !in.srcEOF {
				p, _ := in.read(-1, false)
				in.out = append(in.out, p...)
			}
		}
		return nil
	}
	if id == request.IncludeFilter && rs.incl != nil {
		if op == "flush" {
			return rs.incl.next.Flush()
		}
		return nil // (close, pass_on and disable do nothing to the page)
	}
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

// Python input filters (PythonInputFilter, activated by SetInputFilter,
// AddInputFilter or req.add_input_filter) stand between the request body
// and the handler's req.read: each time the handler needs more, the filter
// runs once, pulling from the body (or the previous filter) with
// filter.read() and handing on what it wants with filter.write();
// filter.read() gives None at the end of the body, and the filter's
// close() ends what the handler reads.

// pyInFilter is one Python input filter of a request.
type pyInFilter struct {
	rs   *rstate
	conf config.Filter
	id   int // request.InputFilterBase + its index
	src  io.Reader
	// out is what the filter wrote, not yet read by the handler.
	out                      []byte
	srcEOF, closed, disabled bool
	progress                 bool // the last run read or wrote something
}

// Read gives the handler what the filter wrote, running it for more.
func (f *pyInFilter) Read(p []byte) (int, error) {
	for len(f.out) == 0 {
		switch {
		case f.disabled:
			return f.src.Read(p)
		case f.closed:
			return 0, io.EOF
		}
		eof := f.srcEOF
		f.progress = false
		f.run()
		if !f.progress && !f.closed && !f.disabled {
			if eof {
				return 0, io.EOF // the body ended and the filter said no more
			}
			f.rs.logError(levelError, "PythonInputFilter %s neither read nor wrote: disabled", f.conf.Name)
			f.disabled = true
		}
	}
	n := copy(p, f.out)
	f.out = f.out[n:]
	return n, nil
}

func (f *pyInFilter) run() {
	rs := f.rs
	if rs.s.rt == nil {
		f.disabled = true
		return
	}
	name := interpreterName(rs.filterConfig(), rs.vh.name, config.Handler{Spec: f.conf.Spec, Dir: f.conf.Dir}, rs.fileDir)
	st, err := rs.s.rt.RunFilter(name, rs.req, f.id)
	if err != nil {
		rs.logError(levelError, "PythonInputFilter %s: %v", f.conf.Name, err)
	}
	if err != nil || st != 0 {
		f.disabled = true // what follows reaches the handler unchanged
	}
}

// setupInputFilters puts the configured input filters between the body
// and the handler, in the order the directives name them.
func (rs *rstate) setupInputFilters() {
	dc := rs.filterConfig()
	if len(dc.PythonInputFilters) > 0 || len(rs.req.InputFilters) > 0 {
		for _, n := range rs.filterNames(dc.SetInputFilter, dc.AddInputFilters) {
			rs.addInputFilter(n)
		}
	}
}

// addInputFilter adds the Python input filter called name; false if there
// is none.
func (rs *rstate) addInputFilter(name string) bool {
	conf, found := findFilter(name, rs.req.InputFilters, rs.filterConfig().PythonInputFilters)
	if !found {
		rs.logError(levelDebug, "input filter %q is not a Python filter: ignored", name)
		return false
	}
	var src io.Reader = rs.hr.Body
	if n := len(rs.inFilters); n > 0 {
		src = rs.inFilters[n-1]
	}
	f := &pyInFilter{rs: rs, conf: conf, id: request.InputFilterBase + len(rs.inFilters), src: src}
	rs.inFilters = append(rs.inFilters, f)
	rs.req.InFilterInfo = append(rs.req.InFilterInfo, request.FilterInfo{Name: conf.Name, Spec: conf.Spec, Dir: conf.Dir})
	return true
}

// AddInputFilter implements request.Hooks (req.add_input_filter).
func (rs *rstate) AddInputFilter(name string) bool { return rs.addInputFilter(name) }

// body is what the handler reads: the request body through the input
// filters.
func (rs *rstate) body() io.Reader {
	if n := len(rs.inFilters); n > 0 {
		return rs.inFilters[n-1]
	}
	return rs.hr.Body
}

func (rs *rstate) inFilter(id int) *pyInFilter {
	i := id - request.InputFilterBase
	if i < 0 || i >= len(rs.inFilters) {
		return nil
	}
	return rs.inFilters[i]
}

// inFilterRead is filter.read for an input filter: up to n bytes of what
// comes before it (n < 0: what one read gives), nil and eos at the end.
func (f *pyInFilter) read(n int, line bool) ([]byte, bool) {
	if f.srcEOF {
		return nil, true
	}
	if n < 0 || n > filterChunk {
		n = filterChunk
	}
	buf := make([]byte, n)
	if line {
		var one [1]byte
		k := 0
		for k < n {
			m, err := f.src.Read(one[:])
			if m == 1 {
				buf[k] = one[0]
				k++
				if one[0] == '\n' {
					break
				}
			}
			if err != nil {
				f.srcEOF = true
				break
			}
		}
		if k > 0 {
			f.progress = true
		}
		return buf[:k], k == 0 && f.srcEOF
	}
	k, err := f.src.Read(buf)
	if err != nil {
		f.srcEOF = true
	}
	if k > 0 {
		f.progress = true
	}
	return buf[:k], k == 0 && f.srcEOF
}
