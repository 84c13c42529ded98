package python

/*
#include "modpy.h"
*/
import "C"

import (
	"io"
	"strings"

	"modpy/internal/request"
)

//export goReqOp
func goReqOp(h C.uint64_t, op C.int, a, b, c *C.PyObject) *C.PyObject {
	e := lookup(h)
	if e == nil {
		return errGone()
	}
	r := e.req
	switch int(op) {
	case opAddHandler:
		phase, ok1 := argText(a)
		spec, ok2 := argText(b)
		dir, _ := argText(c)
		if !ok1 || !ok2 {
			return pyError(C.MODPY_ERR_TYPE, "add_handler(phase, handler[, dir]): phase and handler are strings")
		}
		p, ok := request.PhaseNamed(phase)
		if !ok {
			return C.modpy_none() // no such phase: it never runs
		}
		if r.DynHandlers == nil {
			r.DynHandlers = map[request.Phase][]request.Handler{}
		}
		r.DynHandlers[p] = append(r.DynHandlers[p], request.Handler{Spec: spec, Dir: dir})
		return C.modpy_none()
	case opAttrs:
		var blob *C.PyObject
		if e.attrs != nil {
			blob = pyBytes(e.attrs)
		} else {
			blob = C.modpy_none()
		}
		return C.modpy_pair(pyInt(int64(e.attrsVer)), blob)
	case opSetAttrs:
		v, ok := argText(a)
		if !ok {
			return pyError(C.MODPY_ERR_TYPE, "attributes: bytes expected")
		}
		e.attrs = []byte(v)
		e.attrsVer++
		return pyInt(int64(e.attrsVer))
	case opWantEnd:
		name, ok := argText(a)
		if !ok {
			return pyError(C.MODPY_ERR_TYPE, "interpreter name expected")
		}
		e.wantEnd(name)
		return C.modpy_none()
	case opSSLVarLookup:
		name, ok := argText(a)
		if !ok {
			return pyError(C.MODPY_ERR_TYPE, "ssl_var_lookup: a variable name (str) expected")
		}
		if r.Hooks == nil {
			return C.modpy_none()
		}
		v, ok := r.Hooks.SSLVarLookup(name)
		if !ok {
			return C.modpy_none()
		}
		return pyStr(v)
	case opBasicAuth:
		user, pw, st := r.BasicAuth()
		if st != 0 {
			return pyInt(int64(st))
		}
		return C.modpy_pair(pyStr(user), pyStr(pw))
	case opInternalRedirect:
		uri, ok := argText(a)
		if !ok || !strings.HasPrefix(uri, "/") {
			return pyError(C.MODPY_ERR_VALUE, "internal_redirect: a URI path starting with / expected")
		}
		if r.Hooks == nil {
			return pyError(C.MODPY_ERR_RUNTIME, "internal_redirect: not available here")
		}
		var err error
		withoutGIL(r, func() { err = r.Hooks.InternalRedirect(uri) })
		if err != nil {
			return pyError(C.MODPY_ERR_OS, "internal_redirect: "+err.Error())
		}
		return C.modpy_none()
	case opRelated:
		which, _ := argText(a)
		var o *request.Request
		switch which {
		case "prev":
			o = r.Prev
		case "next":
			o = r.Next
		case "main":
			o = r.Main
		}
		var oh uint64
		if o != nil {
			oh = handleOf(o)
		}
		if oh == 0 {
			return C.modpy_none() // none, or over and forgotten
		}
		return pyInt(int64(oh))
	case opFilterInfo:
		id := argInt(a)
		list := r.FilterInfo
		if id == request.IncludeFilter {
			list, id = []request.FilterInfo{{Name: "INCLUDES"}}, 0
		}
		if id >= request.InputFilterBase {
			list, id = r.InFilterInfo, id-request.InputFilterBase
		}
		if id < 0 || id >= len(list) {
			return pyError(C.MODPY_ERR_VALUE, "no such filter")
		}
		fi := list[id]
		t := C.modpy_tuple(3)
		C.modpy_tuple_set(t, 0, pyStr(fi.Name))
		C.modpy_tuple_set(t, 1, pyStr(fi.Spec))
		C.modpy_tuple_set(t, 2, pyStr(fi.Dir))
		return t
	case opFilterRead, opFilterWrite, opFilterCtl, opAddOutputFilter, opAddInputFilter:
		if r.Hooks == nil {
			return pyError(C.MODPY_ERR_RUNTIME, "filters are not available here")
		}
		switch int(op) {
		case opFilterRead:
			id, n, line := argInt(a), argInt(b), argInt(c) > 0
			var p []byte
			var eos bool
			// An input filter's read may wait for the client.
			withoutGIL(r, func() { p, eos = r.Hooks.FilterRead(id, n, line) })
			if eos && len(p) == 0 {
				return C.modpy_none()
			}
			return pyBytes(p)
		case opFilterWrite:
			data, _ := argText(b)
			var err error
			id := argInt(a) // (arguments are read holding the GIL)
			withoutGIL(r, func() { err = r.Hooks.FilterWrite(id, []byte(data)) })
			if err != nil {
				return pyError(C.MODPY_ERR_OS, "filter write failed: "+err.Error())
			}
		case opFilterCtl:
			what, _ := argText(b)
			var err error
			id := argInt(a)
			withoutGIL(r, func() { err = r.Hooks.FilterCtl(id, what) })
			if err != nil {
				return pyError(C.MODPY_ERR_OS, "filter "+what+" failed: "+err.Error())
			}
		case opAddOutputFilter:
			name, _ := argText(a)
			return pyBool(r.Hooks.AddOutputFilter(name))
		case opAddInputFilter:
			name, _ := argText(a)
			return pyBool(r.Hooks.AddInputFilter(name))
		}
		return C.modpy_none()
	case opConnRead:
		var p []byte
		var err error
		n, line := argInt(a), argInt(b) > 0
		withoutGIL(r, func() { p, err = connRead(r.IO, n, line) })
		if err != nil && len(p) == 0 {
			return pyError(C.MODPY_ERR_OS, "connection read: "+err.Error())
		}
		return pyBytes(p)
	case opWSGIEnviron, opWSGIStart, opSendFile, opWSGIAbort, opHandlerLocation:
		return wsgiOp(r, int(op), a, b, c)
	case opRedisGet, opRedisSet, opRedisDel, opRedisLock, opRedisUnlock:
		return redisOp(r, int(op), a, b, c)
	case opRegisterFilter, opRegisterInFilter:
		name, ok1 := argText(a)
		spec, ok2 := argText(b)
		dir, _ := argText(c)
		if !ok1 || !ok2 {
			return pyError(C.MODPY_ERR_TYPE, "register_*_filter(name, handler[, dir]): strings expected")
		}
		fi := request.FilterInfo{Name: name, Spec: spec, Dir: dir}
		if int(op) == opRegisterFilter {
			r.OutputFilters = append(r.OutputFilters, fi)
		} else {
			r.InputFilters = append(r.InputFilters, fi)
		}
		return C.modpy_none()
	}
	return pyError(C.MODPY_ERR_VALUE, "unknown request operation")
}

// argInt reads an optional int argument (NULL or None: -1).
func argInt(o *C.PyObject) int {
	if o == nil || C.modpy_is_none(o) != 0 {
		return -1
	}
	return int(C.modpy_as_long(o))
}

// argText reads an optional str/bytes argument (NULL or None: not given).
func argText(o *C.PyObject) (string, bool) {
	if o == nil || C.modpy_is_none(o) != 0 {
		return "", false
	}
	return goText(o)
}

// Finish ends req in every interpreter that asked to hear of it (req
// objects that outlived a phase, register_cleanup): the cleanups run there
// and the interpreter forgets the request. Then the request is released.
func (rt *Runtime) Finish(req *request.Request) {
	if e := stateOf(req); e != nil {
		for _, name := range e.endIn {
			rt.mu.Lock()
			in := rt.interps[name]
			rt.mu.Unlock()
			if in == nil || stateOf(req) == nil {
				continue // ended meanwhile: its objects went with it
			}
			routeFor(req, callEnd).run(rt, pyCall{name: name, in: in, req: req, kind: callEnd, h: e.h})
		}
		e.endIn = nil
	}
	rt.Release(req)
}

// RunServerCleanups runs, in every live interpreter, the callables that
// apache.register_cleanup and server.register_cleanup registered. A worker
// calls it once, when it stops, after its last request.
func (rt *Runtime) RunServerCleanups() {
	rt.mu.Lock()
	list := make([]*Interp, 0, len(rt.interps))
	for _, in := range rt.interps {
		list = append(list, in)
	}
	rt.mu.Unlock()
	for _, in := range list {
		select {
		case <-in.ready:
			if in.err == nil {
				routeFor(nil, callServerCleanup).run(rt, pyCall{name: in.Name, in: in, kind: callServerCleanup})
			}
		default:
		}
	}
}

// RunFilter runs the Python output filter number id of req
// (req.FilterInfo[id]) in the interpreter called name: once, on what the
// filter holds. It returns 0, or non-zero when the filter failed (Python
// logged why) and is to be disabled.
func (rt *Runtime) RunFilter(name string, req *request.Request, id int) (int, error) {
	rv, _, err := routeFor(req, callFilter).run(rt, pyCall{name: name, req: req, kind: callFilter, h: register(req), phase: id})
	return rv, err
}

// RunInclude runs a server-side include's #python element of req in the
// interpreter called name: tag is "exec" or "eval", code the Python, id
// the number of the INCLUDES filter whose write() puts text into the page
// (request.IncludeFilter). It returns 0, or non-zero when the code raised
// (Python logged why).
func (rt *Runtime) RunInclude(name string, req *request.Request, id int, tag, code string) (int, error) {
	rv, _, err := routeFor(req, callInclude).run(rt, pyCall{name: name, req: req, kind: callInclude, h: register(req), phase: id, a: tag, b: code})
	return rv, err
}

// connRead is conn.read and conn.readline: up to n bytes (n < 0: until the
// client closes), waiting for at least one; with line, up to a newline.
// At the end of the stream it returns what it has (maybe nothing) and no
// error.
func connRead(rd interface{ Read([]byte) (int, error) }, n int, line bool) ([]byte, error) {
	var out []byte
	var one [1]byte
	buf := make([]byte, 8192)
	for n < 0 || len(out) < n {
		if line {
			k, err := rd.Read(one[:])
			if k == 1 {
				out = append(out, one[0])
				if one[0] == '\n' {
					return out, nil
				}
			}
			if err != nil {
				return out, eofOK(err)
			}
			continue
		}
		want := len(buf)
		if n >= 0 && n-len(out) < want {
			want = n - len(out)
		}
		k, err := rd.Read(buf[:want])
		out = append(out, buf[:k]...)
		if err != nil {
			return out, eofOK(err)
		}
		if n >= 0 && len(out) > 0 {
			return out, nil // at least one byte: enough
		}
	}
	return out, nil
}

func eofOK(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}
