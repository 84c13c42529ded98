package server

import (
	"errors"
	"fmt"

	"modpy/internal/config"
	"modpy/internal/python"
	"modpy/internal/request"
)

// Python in the request phases: which handlers a phase runs, in which
// interpreter, and what their result means to the server.

// phaseConfig is the configuration in effect for a phase: the virtual
// server's own for post-read-request and translate-name (no URI mapping
// yet), else the merged per-directory configuration.
func (rs *rstate) phaseConfig(phase request.Phase) *config.DirConfig {
	if phase == request.PhasePostReadRequest || phase == request.PhaseTrans || rs.dc == nil {
		return rs.vh.conf.Dir
	}
	return rs.dc
}

// runPhase runs a phase's Python handlers: PythonInitHandler first where it
// applies (post-read-request for one at server or virtual host level,
// header-parser for one in a section), then the phase's own.
func (rs *rstate) runPhase(phase request.Phase) int {
	dc := rs.phaseConfig(phase)
	if dc == nil {
		return resDeclined
	}
	if phase == request.PhasePostReadRequest || phase == request.PhaseHeaderParser {
		serverLevel := phase == request.PhasePostReadRequest
		var init []config.Handler
		for _, h := range dc.Handlers[config.PhaseInit] {
			if (h.Dir == "" && !h.InLocation) == serverLevel {
				init = append(init, h)
			}
		}
		if len(init) > 0 {
			if st := rs.runPython(phaseInit, dc, init); st != resOK && st != resDeclined {
				return st
			}
		}
	}
	if phase == request.PhaseHandler && !rs.filtersSet {
		rs.filtersSet = true
		rs.setupFilters()
		rs.setupInputFilters()
		if rs.filtersRunPython() {
			// The filters' Python directives (PythonPath...) when no
			// Python phase has set them: a static file's, an SSI page's.
			rs.req.Py = *rs.s.pyConfig(dc)
			if rs.s.procGroup == nil {
				// Their Python is the request's too: with content that
				// is not Python, the request goes to its process group
				// here, before the body is read or the content made.
				rs.req.Phase = request.PhaseHandler
				if st, done := rs.groupGate(dc); done {
					return st
				}
			}
		}
	}
	if phase == request.PhaseHandler && !isPythonHandler(rs.req.Handler) {
		return resDeclined
	}
	hs := dc.Handlers[phase.Name()]
	if phase == request.PhaseHandler && len(hs) == 0 && len(rs.req.DynHandlers[phase]) == 0 {
		// As mod_python: no handler declines, and the default handler
		// serves the file (a PythonTransHandler may have picked it).
		rs.logError(levelInfo, "SetHandler/AddHandler mod_python without a PythonHandler for %s: declined", rs.req.URI)
		return resDeclined
	}
	return rs.runPython(phase, dc, hs)
}

// phaseInit is PythonInitHandler's phase name as req.phase shows it.
const phaseInit = request.PhaseInit

// runPython runs handlers (those configured for phase, then those
// req.add_handler registered for it) in the interpreter mod_python's naming
// rules pick for the first one. It returns DECLINED when none applies.
func (rs *rstate) runPython(phase request.Phase, dc *config.DirConfig, hs []config.Handler) int {
	req := rs.req
	req.Phase = phase
	req.Handlers = req.Handlers[:0]
	// As mod_python: the handlers registered for this file's extension
	// ("| .py") if there are any, else the plain ones.
	// req.extension is the extension a "| .ext" handler matched, as in
	// mod_python, and empty otherwise.
	ext := fileExt(req.Filename)
	req.Extension = ""
	byExt := false
	if ext != "" {
		for _, h := range hs {
			if contains(h.Exts, ext) {
				byExt = true
				break
			}
		}
	}
	if byExt {
		req.Extension = ext
	}
	var first *config.Handler
	for i, h := range hs {
		if byExt != (len(h.Exts) > 0) || (byExt && !contains(h.Exts, ext)) {
			continue
		}
		if first == nil {
			first = &hs[i]
		}
		req.Handlers = append(req.Handlers, request.Handler{
			Spec:   h.Spec,
			Dir:    rs.handlerDir(h),
			Silent: h.Silent,
		})
	}
	dyn := req.DynHandlers[phase]
	if len(dyn) > 0 {
		req.Handlers = append(req.Handlers, dyn...)
		delete(req.DynHandlers, phase)
		if first == nil {
			first = &config.Handler{Spec: dyn[0].Spec, Dir: dyn[0].Dir}
		}
	}
	if first == nil {
		return resDeclined
	}
	req.Py = *rs.s.pyConfig(dc)
	return rs.call(interpreterName(dc, rs.vh.name, *first, rs.fileDir), rs.s.rt.Run)
}

// call makes one call into Python for the request (run: the runtime's Run
// or RunWSGI) in the interpreter called name: with its scoreboard entry,
// PythonInterpMaxRequests after it, and the answers to a call that failed
// (503 when no thread was free in time, 500, 413 for a body past
// LimitRequestBody).
func (rs *rstate) call(name string, run func(string, *request.Request) (int, python.Served, error)) int {
	req := rs.req
	if st, done := rs.groupGate(rs.phaseConfig(req.Phase)); done {
		return st
	}
	call := rs.s.beginCall(req.Method, req.UnparsedURI, name)
	st, served, err := run(name, req)
	rs.s.interpPolicy(served, req.Py.MaxRequests)
	rs.s.endCall(call)
	if errors.Is(err, python.ErrQueueTimeout) && rs.groupQueue {
		return rs.groupQueueExpired()
	}
	if errors.Is(err, python.ErrQueueTimeout) {
		rs.logError(levelError, "no thread of interpreter %q was free within PythonInterpQueueTimeout %s", name, req.Py.QueueTimeout)
		return 503
	}
	if err != nil {
		rs.logError(levelError, "%v", err)
		if !rs.io.HeadersSent() {
			return 500
		}
		return resDone
	}
	if rs.bodyTooLarge() {
		return 413
	}
	return st
}

// interpPolicy is the server's decision, after each call into Python,
// whether to end the interpreter that ran it (maxRequestsReached). The end
// runs in the background, as the interpreter drains.
func (s *Server) interpPolicy(served python.Served, maxRequests int) {
	if maxRequestsReached(served, maxRequests) {
		go s.rt.EndInterp(served.Interp, python.EndMaxRequests, fmt.Sprintf("PythonInterpMaxRequests %d reached", maxRequests))
	}
}

// maxRequestsReached is PythonInterpMaxRequests (max; 0 is off): the
// interpreter that ran a call is ended once it has served max requests.
// A call made from inside another (an internal redirect's phase) never
// ends it: the outer call still runs there, and the check comes with the
// outermost request.
func maxRequestsReached(served python.Served, max int) bool {
	return max > 0 && !served.Nested && served.Interp != nil && served.Requests >= uint64(max)
}

// afterResponse runs the log phase's Python handlers, then
// PythonCleanupHandler, then what register_cleanup asked for, and lets
// the interpreters forget the request. Results are ignored: the response
// is gone.
func (rs *rstate) afterResponse() {
	if rs.s.rt == nil {
		return
	}
	for _, phase := range []request.Phase{request.PhaseLog, request.PhaseCleanup} {
		dc := rs.phaseConfig(phase)
		if dc == nil {
			continue
		}
		if len(dc.Handlers[phase.Name()]) > 0 || len(rs.req.DynHandlers[phase]) > 0 {
			rs.runPython(phase, dc, dc.Handlers[phase.Name()])
		}
	}
	rs.s.rt.Finish(rs.req)
}
