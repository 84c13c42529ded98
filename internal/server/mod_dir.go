package server

import (
	"path/filepath"
	"strings"
	"syscall"
)

// dir_module: a directory asked for without its trailing slash is
// redirected to it, and one asked for with it is answered by its
// DirectoryIndex, in the content phase of a request with no handler;
// when no DirectoryIndex name is found, autoindex_module answers.
var dirModule = &module{
	name:  "dir_module",
	hooks: []hook{{at: hookHandler, fn: (*rstate).dirHandler}},
}

// dirHandler is mod_dir's handler: a request for a directory with no
// handler set.
func (rs *rstate) dirHandler() int {
	if rs.req.Handler == "" && rs.isDir {
		return rs.directory()
	}
	return resDeclined
}

// directory serves a directory URL: a redirect to add the slash, then
// DirectoryIndex; it declines when no name is found (the names it tried
// in req.notes' dir-index-names, as Apache's mod_dir leaves them).
func (rs *rstate) directory() int {
	req := rs.req
	if !strings.HasSuffix(req.URI, "/") {
		// mod_dir: the URI %-escaped as Apache's ap_escape_uri does it.
		loc := escapePath(req.URI) + "/"
		if req.HasArgs {
			loc += "?" + req.Args
		}
		req.HeadersOut.Set("Location", rs.absoluteURL(loc))
		return 301
	}
	index := rs.dc.DirectoryIndexes()
	refused := 0
	for _, name := range index {
		if strings.HasPrefix(name, "/") {
			return rs.internalRedirect(name, false)
		}
		// As mod_dir: a regular file the Options let through; a refused
		// one answers if no later name does.
		path := filepath.Join(req.Filename, name)
		if regular, st := rs.indexEntry(path); regular {
			rs.indexed = path
			return rs.internalRedirect(req.URI+name, false)
		} else if st != 0 {
			refused = st
		}
	}
	if refused != 0 {
		return refused
	}
	// What it tried, for mod_autoindex (the listing, or its refusal).
	req.Notes.Set("dir-index-names", strings.Join(index, ","))
	return resDeclined
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
