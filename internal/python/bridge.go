package python

/*
#include "modpy.h"
*/
import "C"

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"unsafe"

	"modpy/internal/loglevel"
	"modpy/internal/request"
	"modpy/internal/table"
)

// The request registry: Python holds a request by number, never by pointer,
// so a request object kept past its request raises instead of reading freed
// memory.
var (
	regMu  sync.RWMutex
	reg    = map[uint64]*entry{}
	nextID atomic.Uint64
)

// entry is a registered request's state in the runtime: what
// request.Request.PyState holds (opaque to the request package). It is
// made once per request, at its first call into Python, and dropped at
// Release.
type entry struct {
	req  *request.Request
	h    uint64        // the request's id for Python
	body *bufio.Reader // made on first readline
	// bodyRead is how many body bytes req.read* returned (r->read_length).
	bodyRead int64
	// attrs are the attributes handlers set on req that are plain values,
	// as a marshal'd dict, for phases that run in other interpreters;
	// attrsVer counts its changes (0: none yet).
	attrs    []byte
	attrsVer int
	// endIn are the interpreters to call once the request is over: their
	// req object outlives a phase (attributes, register_cleanup).
	endIn []string
	// exec is the call running Python for this request right now (nil
	// when none): a call made meanwhile for it, or for a request it led
	// to, runs nested on that thread.
	exec *execCtx
	// direct is the execCtx of the request's direct calls (direct.go),
	// kept here so that a direct call allocates none.
	direct execCtx
}

// stateOf returns req's entry, nil when req is not registered.
func stateOf(req *request.Request) *entry {
	e, _ := req.PyState.(*entry)
	return e
}

// handleOf is req's id for Python, 0 when it is not registered.
func handleOf(req *request.Request) uint64 {
	if e := stateOf(req); e != nil {
		return e.h
	}
	return 0
}

// wantEnd adds interp to endIn once.
func (e *entry) wantEnd(interp string) {
	for _, n := range e.endIn {
		if n == interp {
			return
		}
	}
	e.endIn = append(e.endIn, interp)
}

func register(req *request.Request) uint64 {
	if e := stateOf(req); e != nil {
		return e.h
	}
	h := nextID.Add(1)
	e := &entry{req: req, h: h}
	req.PyState = e
	regMu.Lock()
	reg[h] = e
	regMu.Unlock()
	return h
}

func unregister(req *request.Request) {
	e := stateOf(req)
	if e == nil {
		return
	}
	regMu.Lock()
	delete(reg, e.h)
	regMu.Unlock()
	req.PyState = nil
}

func lookup(h C.uint64_t) *entry {
	regMu.RLock()
	e := reg[uint64(h)]
	regMu.RUnlock()
	return e
}

func unsafeStringData(s string) unsafe.Pointer { return unsafe.Pointer(unsafe.StringData(s)) }

// pyStr makes a Python str from a Go string (UTF-8, falling back to Latin-1).
func pyStr(s string) *C.PyObject {
	if len(s) == 0 {
		return C.modpy_str(nil, 0)
	}
	return C.modpy_str((*C.char)(unsafeStringData(s)), C.Py_ssize_t(len(s)))
}

func pyBytes(b []byte) *C.PyObject {
	if len(b) == 0 {
		return C.modpy_bytes(nil, 0)
	}
	return C.modpy_bytes((*C.char)(unsafe.Pointer(&b[0])), C.Py_ssize_t(len(b)))
}

func pyInt(v int64) *C.PyObject { return C.modpy_int(C.longlong(v)) }

func pyBool(b bool) *C.PyObject {
	if b {
		return C.modpy_true()
	}
	return C.modpy_false()
}

func pyStrOrNone(s string, ok bool) *C.PyObject {
	if !ok {
		return C.modpy_none()
	}
	return pyStr(s)
}

func pyError(kind C.int, msg string) *C.PyObject {
	return C.modpy_error(kind, (*C.char)(unsafeStringData(msg)), C.Py_ssize_t(len(msg)))
}

func errGone() *C.PyObject {
	return pyError(C.MODPY_ERR_RUNTIME, "request object is no longer valid: its request has ended")
}

// goText reads a str or bytes object as a Go string (a copy).
func goText(o *C.PyObject) (string, bool) {
	var n C.Py_ssize_t
	p := C.modpy_text(o, &n)
	if p == nil {
		return "", false
	}
	return goStringN(p, n), true
}

// goStringN copies n bytes at p into a Go string, at any length (the
// C.GoStringN of cgo takes an int, 32 bits in C).
func goStringN(p *C.char, n C.Py_ssize_t) string {
	return string(unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n)))
}

func pyStrList(list []string) *C.PyObject {
	l := C.modpy_list(C.Py_ssize_t(len(list)))
	for i, s := range list {
		C.modpy_list_set(l, C.Py_ssize_t(i), pyStr(s))
	}
	return l
}

//export goEmbedded
func goEmbedded(name *C.char, n C.Py_ssize_t) *C.PyObject {
	rt := current
	src, ok := rt.sources[goStringN(name, n)]
	if !ok {
		return C.modpy_none()
	}
	return C.modpy_pair(pyStr(src.text), pyBool(src.isPkg))
}

//export goLogError
func goLogError(msg *C.char, mlen C.Py_ssize_t, level C.int, h C.uint64_t, interp *C.char, ilen C.Py_ssize_t) {
	rt := current
	if rt.opts.Log == nil {
		return
	}
	log := rt.opts.Log
	var req *request.Request
	if h != 0 {
		if e := lookup(h); e != nil {
			req = e.req
			if req.Log != nil {
				log = req.Log // the request's virtual host's ErrorLog
			}
		}
	}
	log.Log(loglevel.Level(level), "python", goStringN(interp, ilen), req, goStringN(msg, mlen))
}

//export goReqGet
func goReqGet(h C.uint64_t, field C.int) *C.PyObject {
	e := lookup(h)
	if e == nil {
		return errGone()
	}
	return reqGet(e, int(field))
}

//export goReqSet
func goReqSet(h C.uint64_t, field C.int, v *C.PyObject) *C.PyObject {
	e := lookup(h)
	if e == nil {
		return errGone()
	}
	return reqSet(e.req, int(field), v)
}

func reqTable(r *request.Request, t int) (tab *table.Table, writable bool) {
	switch t {
	case tHeadersIn:
		return r.HeadersIn, true
	case tHeadersOut:
		return r.HeadersOut, true
	case tErrHeadersOut:
		return r.ErrHeadersOut, true
	case tSubprocessEnv:
		return r.SubprocessEnv, true
	case tNotes:
		return r.Notes, true
	case tOptions:
		return r.Py.Options, false
	case tConfig:
		return r.Py.Config, false
	case tServerOptions, tServerConfig, tBaseServerOptions, tBaseServerConfig:
		return serverTable(reqServer(r, t == tBaseServerOptions || t == tBaseServerConfig), t), true
	}
	return nil, false
}

// reqServer is the request's server (req.server), or with base its
// connection's (req.connection.base_server: the server the local address
// alone picks).
func reqServer(r *request.Request, base bool) *request.Server {
	if base && r.Conn != nil && r.Conn.Base != nil {
		return r.Conn.Base
	}
	return r.Server
}

// serverTable is server s's get_options() or get_config() table (nil
// without a server). They are the worker's own copies, which Python may
// change (as 3.5's: a PythonImport that records what it did in
// main_server.get_options()), under serverTablesMu.
func serverTable(s *request.Server, t int) *table.Table {
	if s == nil {
		return nil
	}
	if t == tServerOptions || t == tBaseServerOptions {
		return s.Options
	}
	return s.Config
}

// serverTablesMu guards the servers' tables: every request and interpreter
// of the worker shares them.
var serverTablesMu sync.RWMutex

//export goTable
func goTable(h C.uint64_t, t, op C.int, k *C.char, kl C.Py_ssize_t, hasK C.int, v *C.char, vl C.Py_ssize_t, hasV C.int) *C.PyObject {
	var tab *table.Table
	writable := false
	if h == 0 {
		// The main server's tables.
		if t == tServerOptions || t == tServerConfig {
			tab, writable = serverTable(current.opts.MainServer, int(t)), true
		}
	} else {
		e := lookup(h)
		if e == nil {
			return errGone()
		}
		tab, writable = reqTable(e.req, int(t))
	}
	if tab == nil {
		tab, writable = &table.Table{}, false
	}
	if t >= tServerOptions && t <= tBaseServerConfig {
		if op == tblGet || op == tblHas || op == tblLen || op == tblItems {
			serverTablesMu.RLock()
			defer serverTablesMu.RUnlock()
		} else {
			serverTablesMu.Lock()
			defer serverTablesMu.Unlock()
		}
	}
	key := ""
	if hasK != 0 {
		key = goStringN(k, kl)
	}
	switch int(op) {
	case tblGet:
		vals := tab.Values(key)
		switch len(vals) {
		case 0:
			return C.modpy_none()
		case 1:
			return pyStr(vals[0])
		}
		return pyStrList(vals)
	case tblHas:
		return pyBool(tab.Has(key))
	case tblLen:
		return pyInt(int64(tab.Len()))
	case tblItems:
		ents := tab.Entries()
		l := C.modpy_list(C.Py_ssize_t(len(ents)))
		for i, en := range ents {
			C.modpy_list_set(l, C.Py_ssize_t(i), C.modpy_pair(pyStr(en.Key), pyStr(en.Value)))
		}
		return l
	}
	if !writable {
		return pyError(C.MODPY_ERR_TYPE, "table is read-only")
	}
	val := ""
	if hasV != 0 {
		val = goStringN(v, vl)
	}
	switch int(op) {
	case tblSet:
		tab.Set(key, val)
	case tblAdd:
		tab.Add(key, val)
	case tblDel:
		if !tab.Has(key) {
			return pyError(C.MODPY_ERR_KEY, key)
		}
		tab.Del(key)
	case tblClear:
		tab.Clear()
	default:
		return pyError(C.MODPY_ERR_VALUE, "bad table operation")
	}
	return C.modpy_none()
}

//export goWrite
func goWrite(h C.uint64_t, data *C.char, n C.Py_ssize_t, flush C.int) *C.PyObject {
	e := lookup(h)
	if e == nil {
		return errGone()
	}
	var p []byte
	if n > 0 {
		p = unsafe.Slice((*byte)(unsafe.Pointer(data)), int(n))
	}
	// Most writes only fill the response buffer: do those holding the GIL.
	if e.req.IO.TryWrite(p, flush != 0) {
		return C.modpy_none()
	}
	// This one needs I/O (or runs output filters): let other Python
	// threads run meanwhile.
	var err error
	withoutGIL(e.req, func() {
		if len(p) > 0 {
			_, err = e.req.IO.Write(p)
		}
		if err == nil && flush != 0 {
			err = e.req.IO.Flush()
		}
	})
	if err != nil {
		return pyError(C.MODPY_ERR_OS, "write failed: "+err.Error())
	}
	return C.modpy_none()
}

// ErrBodyTooLarge is what the server's IO.Read returns past
// LimitRequestBody; Python sees it as an OSError and the server answers 413.
var ErrBodyTooLarge = errors.New("request body exceeds LimitRequestBody")

//export goRead
func goRead(h C.uint64_t, want C.longlong, line C.int) *C.PyObject {
	e := lookup(h)
	if e == nil {
		return errGone()
	}
	if e.body == nil {
		e.body = bufio.NewReaderSize(e.req.IO, 16<<10)
	}
	var got chunks
	var err error
	// Reading may wait for the client, or run input filters.
	withoutGIL(e.req, func() {
		if line != 0 {
			err = got.readLine(e.body, int64(want))
		} else {
			err = got.readFrom(e.body, int64(want))
		}
	})
	if err != nil && err != io.EOF {
		return pyError(C.MODPY_ERR_OS, "reading the request body: "+err.Error())
	}
	e.bodyRead += int64(got.n)
	return got.bytes()
}

// readChunk is the size of a chunks block, and the most a read allocates
// before the bytes arrive.
const readChunk = 64 << 10

// chunks collects what req.read and req.readline return in blocks of
// readChunk bytes: a long read costs one copy into them and one into the
// Python bytes object, not the repeated copies of a slice that grows
// (nor, for req.read(n), n bytes up front: n is often the client's
// Content-Length, and allocating a terabyte kills the worker).
type chunks struct {
	list [][]byte
	n    int
}

// room returns the free end of the last block, after adding a block if
// the last one is full. A new block holds want bytes, or as many as c
// holds already if that is more (so a read of unknown length takes
// O(log n) blocks to reach readChunk), and at most readChunk.
func (c *chunks) room(want int) []byte {
	if k := len(c.list); k > 0 {
		if last := c.list[k-1]; len(last) < cap(last) {
			return last[len(last):cap(last)]
		}
	}
	size := max(want, c.n, 1)
	size = min(size, readChunk)
	c.list = append(c.list, make([]byte, 0, size))
	return c.list[len(c.list)-1][:0:size]
}

// grew records k bytes written into room().
func (c *chunks) grew(k int) {
	last := &c.list[len(c.list)-1]
	*last = (*last)[:len(*last)+k]
	c.n += k
}

// readFrom reads n bytes (n < 0: all), fewer at the end of the body.
func (c *chunks) readFrom(r io.Reader, n int64) error {
	for n < 0 || int64(c.n) < n {
		want := int64(readChunk)
		if n >= 0 {
			want = min(want, n-int64(c.n))
		}
		p := c.room(int(want))
		if int64(len(p)) > want {
			p = p[:want]
		}
		k, err := r.Read(p)
		c.grew(k)
		if err != nil {
			return err
		}
	}
	return nil
}

// readLine reads up to and including '\n', at most max bytes (max < 0: no
// limit beyond the body's). It takes what the reader has buffered a block
// at a time (searched with bytes.IndexByte), so a long line costs one
// pass over its bytes.
func (c *chunks) readLine(r *bufio.Reader, max int64) error {
	for max < 0 || int64(c.n) < max {
		if r.Buffered() == 0 {
			if _, err := r.Peek(1); err != nil {
				return err
			}
		}
		b, _ := r.Peek(r.Buffered())
		if max >= 0 && int64(len(b)) > max-int64(c.n) {
			b = b[:max-int64(c.n)]
		}
		end := false
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b, end = b[:i+1], true
		}
		r.Discard(len(b))
		for len(b) > 0 {
			k := copy(c.room(len(b)), b)
			c.grew(k)
			b = b[k:]
		}
		if end {
			break
		}
	}
	return nil
}

// bytes returns what c holds as a new Python bytes object (holding the
// GIL).
func (c *chunks) bytes() *C.PyObject {
	if len(c.list) <= 1 {
		if c.n == 0 {
			return pyBytes(nil)
		}
		return pyBytes(c.list[0])
	}
	var buf *C.char
	o := C.modpy_bytes_new(C.Py_ssize_t(c.n), &buf)
	if o == nil {
		return nil // MemoryError
	}
	dst := unsafe.Slice((*byte)(unsafe.Pointer(buf)), c.n)
	for _, b := range c.list {
		dst = dst[copy(dst, b):]
	}
	return o
}

// goPhase is _apache.phase(h): the phase data of request h, for the calls
// that do not bring it (output and input filters); dispatch and connection
// calls carry it (packPhase in dispatch and dispatchNested).
//
//export goPhase
func goPhase(h C.uint64_t) *C.PyObject {
	e := lookup(h)
	if e == nil {
		return errGone()
	}
	p := getPacker()
	defer putPacker(p)
	packPhase(p, e.req)
	return p.object()
}

// packPhase packs what a dispatch call needs of r (_entry.py's _dispatch
// gets it as its info argument): the phase, its handlers, the Python directives in effect
// and the version of the request's plain-value attributes.
func packPhase(p *packer, r *request.Request) {
	p.tuple(7)
	p.str(r.Phase.Name())
	p.tuple(len(r.Handlers))
	for _, hd := range r.Handlers {
		p.tuple(3)
		p.str(hd.Spec)
		p.str(hd.Dir)
		p.bool(hd.Silent)
	}
	p.bool(r.Py.Debug)
	p.bool(r.Py.AutoReload)
	p.strOrNone(r.Py.Path, r.Py.HasPath)
	p.bool(r.Py.Reload)
	var attrsVer int
	if e := stateOf(r); e != nil {
		attrsVer = e.attrsVer
	}
	p.int(int64(attrsVer))
}
