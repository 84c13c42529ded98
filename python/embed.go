// Package pysrc ships modpy's mod_python package (written in Python) inside
// the binary. It owns nothing else.
package pysrc

import "embed"

// FS holds mod_python/*.py.
//
//go:embed mod_python/*.py
var FS embed.FS
