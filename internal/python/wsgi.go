package python

/*
#cgo noescape modpy_wsgi_fields
#cgo nocallback modpy_wsgi_fields
#include "modpy.h"
*/
import "C"

import (
	"fmt"
	"unsafe"

	"modpy/internal/request"
)

// WSGI applications (python/mod_python/_wsgi.py, mod_wsgi's embedded
// mode): the call that runs one, the call that loads a script, and their
// request operations. What the environ holds and what a response may say
// are the server's (request.WSGIHooks); this side turns Python objects into
// Go strings and back.

// RunWSGI runs the WSGI application req.WSGI describes in the interpreter
// called name, creating it if needed, as Run runs a phase: apache.OK (the
// response is done), an HTTP status to answer with, or DONE; and where it
// ran.
func (rt *Runtime) RunWSGI(name string, req *request.Request) (int, Served, error) {
	return rt.dispatch(callWSGI, name, req)
}

// ImportScript loads the WSGI script file (WSGIImportScript) into the
// interpreter called name, creating it. Errors are logged by Python and
// returned.
func (rt *Runtime) ImportScript(name, file string) error {
	rv, _, err := routeFor(nil, callWSGIImport).run(rt, pyCall{name: name, kind: callWSGIImport, a: file})
	if err != nil {
		return err
	}
	if rv != 0 {
		return fmt.Errorf("python: WSGIImportScript %s failed in %q (see the error log)", file, name)
	}
	return nil
}

// packCall packs the data a call of kind carries for r: the WSGI call's
// for a WSGI application, else the phase's.
func packCall(p *packer, kind int, r *request.Request) {
	if kind == callWSGI {
		packWSGI(p, r)
		return
	}
	if kind == callWSGIAuth {
		packWSGIAuth(p, r)
		return
	}
	packPhase(p, r)
}

// packWSGI packs what _wsgi.py's run gets as its info argument.
func packWSGI(p *packer, r *request.Request) {
	w := r.WSGI
	p.tuple(11)
	p.str(w.Script)
	p.str(w.Callable)
	p.str(w.Group)
	p.bool(w.Reloading)
	p.int(w.MTime)
	p.bool(w.ErrorOverride)
	p.bool(w.MultiThread)
	p.bool(w.MultiProcess)
	p.bool(r.Py.Reload)
	p.latin1Join(w.Const, 0)
	packEnv(p, w.Env)
}

// packEnv packs an environ's strings (name, value, ...) as a dict of
// Latin-1 str.
func packEnv(p *packer, env []string) {
	p.dict(len(env) / 2)
	for _, s := range env[:len(env)&^1] {
		p.latin1(s)
	}
}

// wsgiOp is the request operations of _wsgi.py (see the protocol table).
func wsgiOp(r *request.Request, op int, a, b, c *C.PyObject) *C.PyObject {
	hk, ok := r.Hooks.(request.WSGIHooks)
	if !ok {
		return pyError(C.MODPY_ERR_RUNTIME, "WSGI is not available here")
	}
	switch op {
	case opWSGIEnviron:
		env, mt, mp := hk.WSGIEnviron(argInt(a) > 0)
		p := getPacker()
		defer putPacker(p)
		p.tuple(3)
		packEnv(p, env)
		p.bool(mt)
		p.bool(mp)
		return p.object()
	case opHandlerLocation:
		spec, _ := argText(a)
		loc, ok := hk.HandlerLocation(spec)
		return pyStrOrNone(loc, ok)
	case opWSGIStart:
		fields, ok := wsgiFields(a, b)
		if !ok {
			return nil
		}
		cl, err := hk.WSGIStart(fields[0], fields[1:])
		if err != nil {
			return pyError(C.MODPY_ERR_VALUE, err.Error())
		}
		return pyInt(cl)
	case opSendFile:
		fd, off, limit := argInt(a), argInt(b), argInt(c)
		var sent int64
		var err error
		var regular bool
		withoutGIL(r, func() { sent, regular, err = hk.SendFile(fd, int64(off), int64(limit)) })
		if err != nil {
			return pyError(C.MODPY_ERR_OS, "sending the file: "+err.Error())
		}
		if !regular {
			return C.modpy_none()
		}
		return pyInt(sent)
	case opWSGIAbort:
		return pyBool(hk.AbortResponse())
	}
	return pyError(C.MODPY_ERR_VALUE, "unknown request operation")
}

// wsgiFields reads start_response's status line and header list (name,
// value, ...), Latin-1 str all, as their bytes: one call into C and one
// copy; false, with a Python exception set, for anything else.
func wsgiFields(status, headers *C.PyObject) ([]string, bool) {
	var small [1024]byte
	var lens [33]C.Py_ssize_t
	buf, lp := small[:], lens[:]
	for {
		var need C.Py_ssize_t
		n := C.modpy_wsgi_fields(status, headers, (*C.char)(unsafe.Pointer(&buf[0])), C.Py_ssize_t(len(buf)),
			&lp[0], C.Py_ssize_t(len(lp)), &need)
		if n < 0 {
			return nil, false
		}
		if int(need) > len(buf) || int(n) > len(lp) {
			buf, lp = make([]byte, max(int(need), 1)), make([]C.Py_ssize_t, n)
			continue // (the list cannot change meanwhile: the GIL is held)
		}
		all := string(buf[:need])
		out := make([]string, n)
		off := 0
		for i := range out {
			out[i] = all[off : off+int(lp[i])]
			off += int(lp[i])
		}
		return out, true
	}
}
