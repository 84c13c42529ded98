package server

import (
	"strings"
	"syscall"

	"modpy/internal/config"
)

// The directory walk's checks of the file system (Apache's
// ap_directory_walk and resolve_symlink in server/request.c): the
// configuration walk (config.Config.DirConfigAccess) calls walkEntry for
// every entry it steps into, with the symbolic link rule of the Options in
// effect for the directory holding it.

// walkRefused is the error walkEntry returns to end the walk: the request
// is answered with status, the reason already logged.
type walkRefused struct{ status int }

func (e *walkRefused) Error() string { return "refused by the directory walk" }

// walkEntry is the config.WalkCheck of a request's directory walk.
//
// mapToStorage found the file by stat, which follows links, so every
// directory above the file exists (and was reached through any links on
// the way). Under plain FollowSymLinks that is all Apache asks of them, and
// of the file when it exists; it skips the lstat then, and so does this.
// Otherwise (another rule, or a file that did not stat: a link pointing
// nowhere is refused, not a 404) the entry is looked at itself.
func (rs *rstate) walkEntry(path string, rule config.SymlinkRule) error {
	last := path == strings.TrimSuffix(rs.req.Filename, "/")
	if rule == config.SymlinksFollowed && (!last || rs.exists) {
		return nil
	}
	mode, st := rs.checkEntry(path, rule, "AH00037")
	if st != 0 {
		return &walkRefused{st}
	}
	if mode != 0 && mode != syscall.S_IFDIR && mode != syscall.S_IFREG {
		rs.logNotFileOrDir(path)
		return &walkRefused{403}
	}
	return nil
}

// checkEntry looks at one entry of a directory whose Options give rule:
// its file type (of the target, for a symbolic link the rule lets
// through; 0 when nothing is there) and 0, or 403 after logging why. A
// link is refused under SymlinksRefused, when its target cannot be
// reached, and under SymlinksIfOwnerMatch when the target's owner is not
// the link's; linkCode is the Apache message number logged then.
func (rs *rstate) checkEntry(path string, rule config.SymlinkRule, linkCode string) (mode uint32, status int) {
	var st syscall.Stat_t
	if err := retryEINTR(func() error { return syscall.Lstat(path, &st) }); err != nil {
		switch err {
		case syscall.ENOENT, syscall.ENOTDIR:
			return 0, 0
		case syscall.EACCES:
			rs.logError(levelError, "(13)Permission denied: AH00035: access to %s denied (filesystem path '%s') "+
				"because search permissions are missing on a component of the path", rs.req.URI, path)
		default:
			rs.logError(levelError, "AH00036: access to %s failed (filesystem path '%s'): %v", rs.req.URI, path, err)
		}
		return 0, 403
	}
	mode = st.Mode & syscall.S_IFMT
	if mode != syscall.S_IFLNK {
		return mode, 0
	}
	var target syscall.Stat_t
	ok := rule != config.SymlinksRefused &&
		retryEINTR(func() error { return syscall.Stat(path, &target) }) == nil &&
		(rule != config.SymlinksIfOwnerMatch || target.Uid == st.Uid)
	if !ok {
		rs.logError(levelError, "%s: Symbolic link not allowed or link target not accessible: %s", linkCode, path)
		return 0, 403
	}
	return target.Mode & syscall.S_IFMT, 0
}

// logNotFileOrDir logs Apache's refusal of an entry that is neither a
// regular file nor a directory (a FIFO, a device, a socket).
func (rs *rstate) logNotFileOrDir(path string) {
	rs.logError(levelError, "AH00038: Forbidden: %s doesn't point to a file or directory", path)
}

// indexEntry is mod_dir's look at a DirectoryIndex candidate in the
// directory req.filename names: whether it is a regular file to redirect
// to, or the status (403) refusing it, logged. The rule is the one the
// directory's walk left (rs.entries), as Apache's subrequest finds the
// link with that walk already done (hence its AH00032): <Location> and
// <Files> Options do not count, <DirectoryMatch> ones do.
func (rs *rstate) indexEntry(path string) (regular bool, status int) {
	mode, st := rs.checkEntry(path, rs.entries, "AH00032")
	return mode == syscall.S_IFREG, st
}

// retryEINTR calls the system call f until it is not interrupted.
func retryEINTR(f func() error) error {
	for {
		if err := f(); err != syscall.EINTR {
			return err
		}
	}
}
