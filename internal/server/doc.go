// Package server is one modpy worker's request processing: Apache's phases
// in Go, Apache's modules as hooks in them, and what surrounds a response.
//
// The phase core: phases.go is the phase table (post-read-request,
// translate_name, map_to_storage, header parsing, access, authentication,
// authorization, type checking, fixups, the content handler; the log and
// cleanup phases run after the response), handler.go the request loop
// (rstate, process, internal redirects), python.go the Python hook, which
// runs a phase's Python*Handler directives before the modules' hooks.
//
// The modules: each of Apache's modules the server has is one file,
// mod_NAME.go for Apache's NAME_module, holding its hooks (functions for
// one hook point each: translate_name, fixups, ...) and the content
// handlers it serves by name, and is one row of the modules table
// (modules.go). core_module (DocumentRoot, the directory walk and its
// symbolic link and file type checks, TRACE, the default handler and the
// Server header, signature and self-referential URLs), alias_module,
// userdir_module, dir_module, autoindex_module (directory listings),
// mime_module, env_module, authz_core_module
// (with access.go: Require, Order/Allow/Deny, Satisfy), auth_basic_module,
// status_module (the status page and metrics handlers; status.go is the
// glue to internal/status), ssl_module (mod_ssl.go: which connections are
// TLS, the virtual host's tls.Config by SNI, 400/421 and the access
// checks, and mod_ssl_vars.go: the SSL_* variables and ssl_var_lookup),
// python_module, headers_module, remoteip_module, setenvif_module,
// expires_module and deflate_module (the DEFLATE output filter;
// mod_expires, DEFLATE and mod_headers change the response's headers as
// they go out, respond.go's outputHeaders). The phase table's hooks are
// computed from the modules once, at init: a request iterates slices, as
// Apache's hook arrays.
//
// Where a URI leads (Alias, Redirect, UserDir, the directory walk, MIME
// types) is computed by the urimap sub-package, which works on strings, the
// configuration and the file system and returns results; the modules'
// hooks apply them to the request (why a package: it needs nothing of a
// request in flight, so it has no access to one, and is tested alone).
//
// Around them: .htaccess lookups; the response's output filter chain
// ending at the connection (Python output filters included) and the input
// filters before req.read; req.internal_redirect; PythonConnectionHandler;
// static files and error documents; the error and access logs; the
// glue that answers the status page and metrics handlers with
// internal/status, which it feeds (status.Source) and which reads the
// scoreboard for the other workers.
//
// It owns policy: which interpreter a phase runs in (mod_python's naming
// rules), which handlers run, how results become responses. It must not
// parse configuration text (internal/config does), frame HTTP
// (internal/httpd does), call the C API (internal/python does) or render
// the status page and metrics (internal/status does).
package server
