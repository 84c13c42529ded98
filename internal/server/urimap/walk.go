package urimap

import (
	"fmt"
	"strings"
	"syscall"

	"modpy/internal/config"
)

// The directory walk's look at the file system (Apache's ap_directory_walk
// and resolve_symlink in server/request.c): Walk finds the file a path
// names, CheckEntry judges one entry the configuration walk
// (config.Config.DirConfigAccess) steps into by the symbolic link rule of
// the Options in effect for the directory holding it.

// Storage is what the directory walk found for a path: Apache's
// r->filename and r->path_info, and what the file system says the
// filename is.
type Storage struct {
	Filename, PathInfo string
	// Exists: Filename names something that exists; IsDir: a directory;
	// Irregular: neither a directory nor a regular file (a FIFO, a
	// device, a socket).
	Exists, IsDir, Irregular bool
	// MTime is the modification time of Filename when it Exists (Unix
	// nanoseconds).
	MTime int64
}

// Walk finds the longest existing prefix of path: that is the filename,
// the rest is path_info (Apache's directory walk). Below an existing
// directory, the first missing component is the filename.
func Walk(path string) Storage {
	var s Storage
	p, rest := path, ""
	for {
		if len(p) > 1 && strings.HasSuffix(p, "/") {
			p, rest = p[:len(p)-1], "/"+rest
		}
		if mode, mtime, ok := StatMode(p); ok {
			isDir := mode == syscall.S_IFDIR
			s.Filename, s.PathInfo, s.MTime = p, rest, mtime
			s.Exists, s.IsDir, s.Irregular = true, isDir, !isDir && mode != syscall.S_IFREG
			if s.IsDir && rest == "/" {
				// A directory asked for with its slash keeps it in
				// req.filename, as in Apache.
				s.Filename, s.PathInfo = strings.TrimSuffix(p, "/")+"/", ""
			} else if s.IsDir && rest != "" {
				first, tail := rest[1:], ""
				if i := strings.IndexByte(first, '/'); i >= 0 {
					first, tail = first[:i], first[i:]
				}
				s.Filename, s.PathInfo = strings.TrimSuffix(p, "/")+"/"+first, tail
				s.Exists, s.IsDir, s.Irregular, s.MTime = false, false, false, 0
			}
			break
		}
		i := strings.LastIndexByte(p, '/')
		if i <= 0 {
			s.Filename, s.PathInfo = path, ""
			break
		}
		rest = p[i:] + rest
		p = p[:i]
	}
	return s
}

// StatMode reports whether path exists, its file type (S_IFMT bits,
// following symbolic links, as os.Stat) and its modification time (Unix
// nanoseconds): one stat, without os.Stat's allocation of a FileInfo, as
// the directory walk runs on every request.
func StatMode(path string) (mode uint32, mtime int64, ok bool) {
	var st syscall.Stat_t
	if retryEINTR(func() error { return syscall.Stat(path, &st) }) != nil {
		return 0, 0, false
	}
	return st.Mode & syscall.S_IFMT, st.Mtim.Sec*1e9 + st.Mtim.Nsec, true
}

// CheckEntry looks at one entry of a directory whose Options give rule:
// its file type (of the target, for a symbolic link the rule lets
// through; 0 when nothing is there), or an error when the entry is refused
// (the request is answered 403), whose text is the error log's line
// saying why. A link is refused under SymlinksRefused, when its target
// cannot be reached, and under SymlinksIfOwnerMatch when the target's
// owner is not the link's; linkCode is the Apache message number given
// then. uri is the request's, for the messages.
func CheckEntry(uri, path string, rule config.SymlinkRule, linkCode string) (mode uint32, refused error) {
	var st syscall.Stat_t
	if err := retryEINTR(func() error { return syscall.Lstat(path, &st) }); err != nil {
		switch err {
		case syscall.ENOENT, syscall.ENOTDIR:
			return 0, nil
		case syscall.EACCES:
			return 0, fmt.Errorf("(13)Permission denied: AH00035: access to %s denied (filesystem path '%s') "+
				"because search permissions are missing on a component of the path", uri, path)
		default:
			return 0, fmt.Errorf("AH00036: access to %s failed (filesystem path '%s'): %v", uri, path, err)
		}
	}
	mode = st.Mode & syscall.S_IFMT
	if mode != syscall.S_IFLNK {
		return mode, nil
	}
	var target syscall.Stat_t
	ok := rule != config.SymlinksRefused &&
		retryEINTR(func() error { return syscall.Stat(path, &target) }) == nil &&
		(rule != config.SymlinksIfOwnerMatch || target.Uid == st.Uid)
	if !ok {
		return 0, fmt.Errorf("%s: Symbolic link not allowed or link target not accessible: %s", linkCode, path)
	}
	return target.Mode & syscall.S_IFMT, nil
}

// retryEINTR calls the system call f until it is not interrupted.
func retryEINTR(f func() error) error {
	for {
		if err := f(); err != syscall.EINTR {
			return err
		}
	}
}
