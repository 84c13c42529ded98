// Package urimap is where a request's URI leads, as Apache's URI-mapping
// modules decide it: Redirect and RedirectMatch, Alias and AliasMatch
// (mod_alias), /~user/ (mod_userdir), the directory walk's look at the
// file system (core's ap_directory_walk: the filename and path_info a
// path gives, the symbolic link and file type checks of each entry), and
// the media type and handler a file's extensions give (mod_mime, with
// core's SetHandler).
//
// It works on strings, the parsed configuration and the file system, and
// returns results: it never sees a request in flight, never logs and
// never answers (a refusal is an error whose text is the log line). The
// server's modules (internal/server, mod_alias.go, mod_userdir.go,
// mod_core.go, mod_dir.go, mod_mime.go) call it from their hooks and do
// the rest: set the request's fields, log, redirect, answer. So it can be
// tested without a server, and the hooks stay a few lines each.
//
// It must not import internal/server or internal/request, parse
// configuration text (internal/config does) or call Python.
package urimap
