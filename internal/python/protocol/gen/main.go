// Command gen writes the files generated from internal/python/protocol's
// tables (protocol.Files): run it with `go generate ./internal/python`.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"modpy/internal/python/protocol"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := protocol.Root()
	if err != nil {
		return err
	}
	files, err := protocol.Files()
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(root, f.Path), f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
