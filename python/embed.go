package pysrc

import "embed"

// FS holds mod_python/*.py.
//
//go:embed mod_python/*.py
var FS embed.FS
