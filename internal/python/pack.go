package python

/*
#include "modpy.h"
*/
import "C"

import (
	"encoding/binary"
	"sync"
	"unsafe"
)

// packer builds a Python value (nested tuples of str, int, bool and None)
// in one call into C: Go writes the values into a byte buffer, and
// modpy_unpack makes the objects. A callback that answers with a tuple of
// ten values would otherwise make ten calls into C, each a cgo crossing.
//
// The format, one tag byte per value: 's' then a uint32 length and the
// bytes (UTF-8, Latin-1 if not), 'i' then an int64, 't' True, 'f' False,
// 'n' None, 'T' then a uint32 count and that many values, 'D' then a
// uint32 count and that many key and value pairs (a dict, a later key
// winning), 'l' as 's' but the bytes are always Latin-1 (a WSGI environ's
// strings). Numbers are little-endian.
type packer struct {
	b []byte
}

var packers = sync.Pool{New: func() any { return &packer{b: make([]byte, 0, 512)} }}

// getPacker returns an empty packer; putPacker gives it back once its
// object is made.
func getPacker() *packer { return packers.Get().(*packer) }

func putPacker(p *packer) {
	if cap(p.b) <= 64<<10 {
		p.b = p.b[:0]
		packers.Put(p)
	}
}

func (p *packer) str(s string) {
	p.b = append(p.b, 's')
	p.b = binary.LittleEndian.AppendUint32(p.b, uint32(len(s)))
	p.b = append(p.b, s...)
}

// latin1 packs s as a str of its bytes, each a Latin-1 character: what
// PEP 3333 makes of the bytes of a request.
func (p *packer) latin1(s string) {
	p.b = append(p.b, 'l')
	p.b = binary.LittleEndian.AppendUint32(p.b, uint32(len(s)))
	p.b = append(p.b, s...)
}

// latin1Join packs parts joined by sep as one latin1 str.
func (p *packer) latin1Join(parts []string, sep byte) {
	n := max(len(parts)-1, 0)
	for _, s := range parts {
		n += len(s)
	}
	p.b = append(p.b, 'l')
	p.b = binary.LittleEndian.AppendUint32(p.b, uint32(n))
	for i, s := range parts {
		if i > 0 {
			p.b = append(p.b, sep)
		}
		p.b = append(p.b, s...)
	}
}

func (p *packer) strOrNone(s string, ok bool) {
	if !ok {
		p.b = append(p.b, 'n')
		return
	}
	p.str(s)
}

func (p *packer) int(v int64) {
	p.b = append(p.b, 'i')
	p.b = binary.LittleEndian.AppendUint64(p.b, uint64(v))
}

func (p *packer) bool(v bool) {
	if v {
		p.b = append(p.b, 't')
	} else {
		p.b = append(p.b, 'f')
	}
}

// tuple starts a tuple of n values: the next n values packed are its items.
func (p *packer) tuple(n int) {
	p.b = append(p.b, 'T')
	p.b = binary.LittleEndian.AppendUint32(p.b, uint32(n))
}

// dict starts a dict of n items: the next 2n values packed are its keys
// and values, in turn.
func (p *packer) dict(n int) {
	p.b = append(p.b, 'D')
	p.b = binary.LittleEndian.AppendUint32(p.b, uint32(n))
}

// cBytes is b for C: a pointer to its first byte (nil when empty) and its
// length. b must stay alive and unchanged until C is done with it.
func cBytes(b []byte) (*C.char, C.Py_ssize_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(&b[0])), C.Py_ssize_t(len(b))
}

// cString is s as a pointer and length for C (nil for ""); s must stay
// alive for the call.
func cString(s string) (*C.char, C.Py_ssize_t) {
	if len(s) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafeStringData(s)), C.Py_ssize_t(len(s))
}

// object makes the packed value: a new reference, or NULL with a Python
// exception set.
func (p *packer) object() *C.PyObject {
	b, n := cBytes(p.b)
	if b == nil {
		return C.modpy_none()
	}
	return C.modpy_unpack(b, n)
}
