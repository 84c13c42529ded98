package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Size caps on the files read as configuration. Apache has none; without
// one, a config file or .htaccess that is (or links to) something endless
// grows the process until it dies. The caps are far above real files
// (Debian's whole apache2.conf tree is under 100 KiB and /etc/mime.types
// about 72 KiB; a generated file with ten thousand virtual hosts is around
// 5 MiB) and still bound what one file can cost. An access file gets less:
// it is read by every worker at request time, and one that large is a
// mistake, not a configuration.
const (
	// MaxConfigFileSize bounds the main config file, each Include'd file
	// and TypesConfig.
	MaxConfigFileSize = 16 << 20
	// MaxAccessFileSize bounds each .htaccess file.
	MaxAccessFileSize = 1 << 20
)

// errNotRegular marks a file refused because it is not a regular file.
var errNotRegular = errors.New("not a regular file")

// errTooLarge marks a file refused because it is over its size cap.
var errTooLarge = errors.New("too large")

// readConfigFile reads a file that holds configuration: only a regular
// file (or the name /dev/null, which Apache also accepts, as empty) of at
// most limit bytes. It stats the name before opening it and opens it
// without blocking, so a FIFO or a device is refused without being
// opened for reading, and a file swapped for one between the stat and the
// open is caught by the second check. The errors name the file: "not a
// regular file: NAME (a FIFO)" and "too large: NAME is over the limit of
// 16 MiB (N bytes)" (errors.Is errNotRegular and errTooLarge), or the
// *fs.PathError of the stat, open or read.
func readConfigFile(name string, limit int64) ([]byte, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if err := regularSized(name, fi, limit); err != nil || !fi.Mode().IsRegular() {
		return nil, err // (nil for /dev/null: empty)
	}
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := regularSized(name, fi, limit); err != nil || !fi.Mode().IsRegular() {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(name, int64(len(data)), limit)
	}
	return data, nil
}

// regularSized checks fi (of name) for readConfigFile: nil for a regular
// file within limit, and for /dev/null (the caller then reads nothing).
func regularSized(name string, fi fs.FileInfo, limit int64) error {
	if !fi.Mode().IsRegular() {
		if name == os.DevNull && fi.Mode()&fs.ModeCharDevice != 0 {
			return nil
		}
		return fmt.Errorf("%w: %s (%s)", errNotRegular, name, fileKind(fi.Mode()))
	}
	if fi.Size() > limit {
		return tooLarge(name, fi.Size(), limit)
	}
	return nil
}

func tooLarge(name string, size, limit int64) error {
	return fmt.Errorf("%w: %s is over the limit of %d MiB (%d bytes)", errTooLarge, name, limit>>20, size)
}

// fileKind names a file's type for error messages.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file"
}

// readErrText is the text for a readConfigFile error: its own message,
// which names the file, or "cannot read NAME: reason" for a system error.
func readErrText(name string, err error) string {
	if errors.Is(err, errNotRegular) || errors.Is(err, errTooLarge) {
		return err.Error()
	}
	return "cannot read " + name + ": " + unwrapPathErr(err)
}
