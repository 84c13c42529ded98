package python

import (
	"encoding/binary"
	"reflect"
	"testing"
	"unsafe"
)

// unpackForTest decodes one packed value (the format of packer) into Go
// values: string, int64, bool, nil, []any; it fails t on malformed input.
func unpackForTest(t *testing.T, b []byte) (any, []byte) {
	t.Helper()
	if len(b) == 0 {
		t.Fatal("unpack: no tag")
	}
	tag, b := b[0], b[1:]
	switch tag {
	case 's':
		n := binary.LittleEndian.Uint32(b)
		return string(b[4 : 4+n]), b[4+n:]
	case 'i':
		return int64(binary.LittleEndian.Uint64(b)), b[8:]
	case 't':
		return true, b
	case 'f':
		return false, b
	case 'n':
		return nil, b
	case 'T':
		n := binary.LittleEndian.Uint32(b)
		b = b[4:]
		items := []any{}
		for i := uint32(0); i < n; i++ {
			var v any
			v, b = unpackForTest(t, b)
			items = append(items, v)
		}
		return items, b
	}
	t.Fatalf("unpack: bad tag %q", tag)
	return nil, nil
}

func TestPackRoundTrip(t *testing.T) {
	p := getPacker()
	defer putPacker(p)
	p.tuple(9)
	p.str("")
	p.str("héllo\x00\xff")
	p.strOrNone("x", false)
	p.strOrNone("y", true)
	p.int(-1)
	p.int(-1 << 63)
	p.bool(true)
	p.bool(false)
	p.tuple(2)
	p.tuple(0)
	p.int(1<<63 - 1)
	got, rest := unpackForTest(t, p.b)
	if len(rest) != 0 {
		t.Fatalf("%d bytes left over", len(rest))
	}
	want := []any{"", "héllo\x00\xff", nil, "y", int64(-1), int64(-1 << 63), true, false,
		[]any{[]any{}, int64(1<<63 - 1)}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
}

// TestPackLayout pins the byte layout modpy_unpack reads: little-endian
// lengths and numbers.
func TestPackLayout(t *testing.T) {
	var p packer
	p.str("ab")
	p.int(0x0102030405060708)
	p.tuple(0x01020304)
	want := []byte{'s', 2, 0, 0, 0, 'a', 'b',
		'i', 8, 7, 6, 5, 4, 3, 2, 1,
		'T', 4, 3, 2, 1}
	if !reflect.DeepEqual(p.b, want) {
		t.Fatalf("got %v, want %v", p.b, want)
	}
}

func TestPutPackerResets(t *testing.T) {
	p := &packer{}
	p.str("abc")
	putPacker(p)
	if len(p.b) != 0 {
		t.Fatalf("a kept packer is not empty: %v", p.b)
	}
	big := &packer{b: make([]byte, 1, 64<<10+1)}
	putPacker(big)
	if len(big.b) != 1 {
		t.Fatal("an oversized packer was reset for reuse; it should be dropped")
	}
}

func TestCBytes(t *testing.T) {
	if ptr, n := cBytes(nil); ptr != nil || n != 0 {
		t.Fatalf("cBytes(nil) = %v, %d", ptr, n)
	}
	if ptr, n := cBytes([]byte{}); ptr != nil || n != 0 {
		t.Fatalf("cBytes(empty) = %v, %d", ptr, n)
	}
	b := []byte("xyz")
	ptr, n := cBytes(b)
	if unsafe.Pointer(ptr) != unsafe.Pointer(&b[0]) || int(n) != 3 {
		t.Fatalf("cBytes(xyz) = %v, %d", ptr, n)
	}
}
