// Package config reads an Apache httpd.conf-style configuration into a typed
// model and answers the questions a request asks of it.
//
// It owns three things:
//
//   - Parsing: httpd.conf syntax (directives, <VirtualHost>, <Directory>,
//     <DirectoryMatch>, <Location>, <LocationMatch>, <Files>, <FilesMatch>,
//     <IfModule>, <IfDefine>, <IfVersion>, Define and ${VAR}, Include and
//     IncludeOptional, quoting, line continuation) into Config, with every
//     directive checked (arguments, context) and every error reported as an
//     *Error naming file, line and directive. Load is the entry point.
//   - Merging: Merge combines per-directory configurations the way Apache
//     and mod_python merge them (inner sections win; handler lists replace
//     per phase).
//   - Selecting: Config.SelectServer picks the virtual host for a
//     connection and Host header; Config.LocationConfig and
//     Config.DirConfigFor return the merged DirConfig for a URI and a
//     file, in Apache's section order. These run per request: they do no
//     string re-parsing and cache merged results, finished once
//     (resolved.go): what a request reads of them (typed ErrorDocuments,
//     SetHandler and AuthType None resolved, the phase's request.PyConfig)
//     is worked out with the merge, not per request. Config.DirConfigAccess
//     adds the .htaccess files that AllowOverride lets count, parsed at
//     request time (into scratch copies, never into the Config) and kept
//     until they change: the one place this package reads files after
//     Load. It is also Apache's directory walk for the server: it hands
//     each path entry, with the symbolic link rule its directory's Options
//     give, to the server's check (the server does the lstat), and returns
//     the rule for a walked directory's own entries (DirectoryIndex).
//
// Load also reads the certificates and keys of the servers with SSLEngine
// on (mod_ssl.go), so that each process holds them from the time it
// loads its configuration, as root, before privileges drop.
//
// Every file it reads as configuration (the main file, Include,
// TypesConfig, .htaccess) must be a regular file under a size cap
// (readfile.go); it is stat'ed first and opened without blocking, so a
// FIFO or a device is refused, never read.
//
// It must not touch Python, the network or request state: it never loads a
// module, never opens a socket, never resolves a host name. It imports
// internal/request for the phase table (its Python*Handler directives,
// PhaseHandler, RequestPhases..., are that table's names, so that phases
// are described in one place the server and the Python runtime share;
// internal/request is a leaf that may not import config) and for the type
// of a phase's Python settings (request.PyConfig), and internal/loglevel
// for LogLevel's, and internal/apexpr, which parses the ap_expr
// expressions of Header expr= and SetEnvIfExpr. The model it returns is immutable and safe for
// concurrent reads; DirConfigs returned by the lookups are shared between
// requests and must not be modified.
//
// Directory paths in handlers: a Handler found in <Directory /x/y> has Dir
// "/x/y/"; in <Location /loc> it has Dir "/loc" and InLocation set; at server
// or vhost level Dir is "". For a regular-expression directory section
// (<DirectoryMatch> or <Directory ~>) Dir is the regular expression as
// written: the server resolves it at request time to the directory of the
// matched file (mod_python uses the matched directory). A wildcard
// <Directory /srv/*/app> likewise keeps its pattern ("/srv/*/app/").
//
// Modules: the directives are grouped as Apache's modules are, one file
// per module (mod_core.go, mod_alias.go, mod_mime.go, mod_python.go, ...;
// lifecycle.go for modpy's own interpreter lifecycle directives,
// unsupported.go for those of modules modpy lacks), each holding its
// directive rows, their functions, its part of Merge and what it resolves
// for requests. modules.go registers them in one table under Apache's
// module names, which <IfModule>, LoadModule and the server's request-time
// modules share (ModuleNames).
//
// Reports and checks: dump.go writes what httpd's command line prints
// from the module table and a loaded Config (-l, -L, -M, -S, -t -D
// DUMP_*), so a module added to the table shows in them; check.go holds
// Check, httpd's post-read checks that look at the file system (an
// ErrorLog's directory; the process groups' users, groups, working
// directories and Python homes, which it looks up in the user database),
// which the command line and a restart run after Load.
//
// Process groups (mod_wsgi_daemon.go): WSGIDaemonProcess and
// PythonUserDirProcess become ProcessGroups (Config.Groups,
// Config.UserDirProcess) with mod_wsgi's defaults and checks;
// WSGIProcessGroup/PythonProcessGroup and process-group= only name them.
// The package describes groups; the master starts them and the server
// routes requests to them.
//
// Adding a directive: add a row to its module's directives (name, allowed
// contexts, argument counts, AllowOverride class, and either a handler
// function or a notice text for directives accepted but not acted on); a
// new DirConfig field gets its merge in the same module (the tests fail,
// naming the field, until exactly one module merges it), and whatever a
// request must not work out again goes in the module's resolve. A new
// module is a new file and one entry in modules. A directive may be
// accepted and not acted on only where ignoring it cannot change what is
// served, to whom, or what it reveals; otherwise it is implemented, or
// refused (unsupported.go), and docs/compatibility.md lists it.
package config
