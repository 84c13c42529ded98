// Package pysrc ships modpy's mod_python package, written in Python, inside
// the binary: the internal/python runtime serves these files to every
// interpreter through its import hook.
//
// It owns the embedded files and nothing else; it must not hold Go logic.
package pysrc
