package python

// The numbers and names Go, C and Python share come from one table
// (internal/python/protocol): this writes protocol_gen.go, modpy_protocol.h
// and python/mod_python/_protocol.py from it.
//go:generate go run ./protocol/gen
