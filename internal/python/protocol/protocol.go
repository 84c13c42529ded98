// Package protocol is the table of numbers and names that the three halves
// of modpy's Python runtime share: Go (internal/python), C (modpy.c) and
// Python (the embedded mod_python package). It is the one place they are
// defined. `go generate ./internal/python` writes them out, with the phase
// table of internal/request, as internal/python/protocol_gen.go,
// internal/python/modpy_protocol.h and python/mod_python/_protocol.py
// (Files); a test fails when a committed file differs from what the tables
// give, so a hand edit of one, or a table change not regenerated, is caught.
//
// It is data for the generator (./gen) and its test: the server does not
// import it, the generated files carry what the runtime needs.
package protocol

// Lang is a set of the languages a group is written out for.
type Lang uint8

// The languages.
const (
	Go Lang = 1 << iota
	C
	Py
)

// Const is one named number of a group.
type Const struct {
	// Name is CamelCase; each language's name is its group's prefix and
	// the name (Go: prefix + Name, or Name with its first letter lowered
	// when the prefix is empty; C and Python: prefix + NAME_IN_CAPS).
	Name  string
	Value int
	Doc   string
}

// Group is a set of numbers with one meaning, such as the kinds of call
// into Python.
type Group struct {
	Doc   string // what they are, above them in every file
	Langs Lang
	// GoPrefix, CPrefix and PyPrefix start the names (see Const.Name).
	GoPrefix, CPrefix, PyPrefix string
	Consts                      []Const
}

// Str is one named string (C and Go only: Python defines what they name).
type Str struct {
	Name  string // CamelCase, as Const.Name (prefixes: "" in Go, "MODPY_" in C)
	Value string
	Doc   string
}

// Field is one field of an object Python reads from Go by number: its
// number is its place in the list.
type Field struct {
	Go       string // the Go constant
	Py       string // the Python attribute ("_name": private, not on the object)
	Writable bool   // Python may set it (_apache.req_set)
}

// Groups are the numbered groups, in the order the files list them.
var Groups = []Group{
	{
		Doc:   "Kinds of call into mod_python._entry._modpy_entry(kind, h, phase, a, b).",
		Langs: Go | C | Py, GoPrefix: "call", CPrefix: "MODPY_CALL_", PyPrefix: "CALL_",
		Consts: []Const{
			{"Dispatch", 1, "run the handlers of the request's phase (a: the phase data)"},
			{"Import", 2, "PythonImport module[::func] (a: module, b: func)"},
			{"Eval", 3, "evaluate an expression (a), for tests and diagnostics"},
			{"Noop", 4, "return at once (measuring the hand-off)"},
			{"End", 5, "the request is over in this interpreter: run its cleanups"},
			{"ServerCleanup", 6, "run what apache.register_cleanup and server.register_cleanup registered"},
			{"Filter", 7, "run a filter once (phase: its number)"},
			{"Connection", 8, "run a PythonConnectionHandler (a: the phase data)"},
			{"Include", 9, "run a server-side include's #python element (phase: the filter's number, a: exec or eval, b: the code)"},
			{"WSGI", 20, "run a WSGI application (a: the WSGI call data, packWSGI)"},
			{"WSGIImport", 21, "load a WSGI script (a: its file): WSGIImportScript"},
			{"WSGIAuth", 22, "run a mod_wsgi auth script (a: the call data, packWSGIAuth)"},
		},
	},
	{
		Doc:   "Results of a call into Python besides a handler's (apache.OK, DECLINED, DONE or an HTTP status).",
		Langs: Go | C | Py, CPrefix: "MODPY_",
		Consts: []Const{
			{"CallFailed", -1000, "the call raised (the traceback went to the error log)"},
			{"CallReload", -1001, "PythonInterpReload: the site's files changed; end the interpreter, run the request in a fresh one"},
			{"NotDirect", -1002, "modpy_direct_call could not run the call on this thread"},
		},
	},
	{
		Doc:   "What a mod_wsgi auth script call runs (request.WSGIAuth.Kind).",
		Langs: Go | Py, GoPrefix: "WSGIAuth", PyPrefix: "AUTH_",
		Consts: []Const{
			{"Access", 0, "WSGIAccessScript's allow_access(environ, host)"},
			{"User", 1, "WSGIAuthUserScript's check_password(environ, user, password)"},
			{"Group", 2, "WSGIAuthGroupScript's groups_for_user(environ, user)"},
		},
	},
	{
		Doc:   "What a mod_wsgi auth script call answers.",
		Langs: Go | Py, GoPrefix: "WSGIAuth", PyPrefix: "AUTH_",
		Consts: []Const{
			{"Granted", 1, "True; check_password's user name (req.user is set to it); a group wanted"},
			{"Denied", 0, "False; no group of those wanted"},
			{"NotFound", -1, "None: declined (allow_access), no such user (check_password)"},
			{"Error", -2, "the script raised, is missing the function, or answered what it may not (logged)"},
			{"NoGroups", -3, "groups_for_user gave no group at all"},
		},
	},
	{
		Doc:   "A handler's results (mod_python's apache.OK, DECLINED, DONE).",
		Langs: Py,
		Consts: []Const{
			{"OK", 0, "done, go on"},
			{"Declined", -1, "nothing done"},
			{"Done", -2, "the response is complete"},
		},
	},
	{
		Doc:   "Operations of _apache.req_op(h, op, ...): the arguments, then what it returns.",
		Langs: Go | Py, GoPrefix: "op", PyPrefix: "OP_",
		Consts: []Const{
			{"AddHandler", 0, "(phase, spec, dir or None)"},
			{"Attrs", 1, "() -> (version, marshal'd dict or None)"},
			{"SetAttrs", 2, "(bytes) -> version"},
			{"WantEnd", 3, "(interpreter): call it when the request is over"},
			{"BasicAuth", 4, "() -> (user, password), or an int: why not"},
			{"InternalRedirect", 5, "(uri): run a new request for uri"},
			{"Related", 6, `("prev", "next" or "main") -> handle or None`},
			{"FilterInfo", 7, "(id) -> (name, handler, dir)"},
			{"FilterRead", 8, "(id, n, line) -> bytes, or None at the end"},
			{"FilterWrite", 9, "(id, data)"},
			{"FilterCtl", 10, `(id, "flush"|"close"|"pass_on"|"disable")`},
			{"AddOutputFilter", 11, "(name) -> bool"},
			{"RegisterFilter", 12, "(name, handler, dir or None)"},
			{"ConnRead", 13, `(n, line) -> bytes (b"" at the end)`},
			{"RegisterInFilter", 14, "(name, handler, dir or None)"},
			{"AddInputFilter", 15, "(name) -> bool"},
			{"SSLVarLookup", 16, "(name) -> mod_ssl's ssl_var_lookup: str (\"\" if unset), or None without mod_ssl"},
			{"WSGIEnviron", 40, "(pass_authorization) -> ((name, value, name, value, ...), multithread, multiprocess)"},
			{"WSGIStart", 41, "(status, headers) -> the Content-Length set, or -1"},
			{"SendFile", 42, "(fd, offset, limit) -> bytes sent, or None: not a regular file"},
			{"WSGIAbort", 43, "() -> bool: the response was cut short (its headers went out)"},
			{"HandlerLocation", 44, "(handler) -> the <Location> path its PythonHandler sits in, or None"},
			{"RedisGet", 60, "(url, key) -> bytes, or None: no such key (Session.RedisSession; redis.go)"},
			{"RedisSet", 61, "(url, key, (value, ttl_ms)): the key expires ttl_ms from now"},
			{"RedisDel", 62, "(url, key)"},
			{"RedisLock", 63, "(url, key, (owner, ttl_ms, wait_ms)): taken (OSError: Redis failed, or still another's after wait_ms)"},
			{"RedisUnlock", 64, "(url, key, owner) -> bool: released, or it was no longer owner's"},
		},
	},
	{
		Doc:   "Operations of _apache.tbl(h, table, op, ...).",
		Langs: Go | Py, GoPrefix: "tbl", PyPrefix: "TBL_",
		Consts: []Const{
			{"Get", 0, "(key) -> None, its value, or a list of its values"},
			{"Set", 1, "(key, value)"},
			{"Add", 2, "(key, value)"},
			{"Del", 3, "(key)"},
			{"Items", 4, "() -> [(key, value), ...]"},
			{"Clear", 5, "()"},
			{"Len", 6, "() -> int"},
			{"Has", 7, "(key) -> bool"},
		},
	},
	{
		Doc:   "The tables _apache.tbl reaches, by number.",
		Langs: Go | Py, GoPrefix: "t", PyPrefix: "T_",
		Consts: []Const{
			{"HeadersIn", 0, "req.headers_in"},
			{"HeadersOut", 1, "req.headers_out"},
			{"ErrHeadersOut", 2, "req.err_headers_out"},
			{"SubprocessEnv", 3, "req.subprocess_env"},
			{"Notes", 4, "req.notes"},
			{"Options", 5, "req.get_options() (read-only)"},
			{"Config", 6, "req.get_config() (read-only)"},
			{"ServerOptions", 7, "req.server.get_options(), main_server's with h = 0 (the worker's own copy, writable)"},
			{"ServerConfig", 8, "req.server.get_config(), main_server's with h = 0 (the worker's own copy, writable)"},
			{"BaseServerOptions", 9, "req.connection.base_server.get_options() (the worker's own copy, writable)"},
			{"BaseServerConfig", 10, "req.connection.base_server.get_config() (the worker's own copy, writable)"},
		},
	},
}

// Strings are the names C and Go use to reach mod_python.
var Strings = []Str{
	{"EntryModule", "mod_python._entry", "the module of the runtime's entry points (mod_python/_entry.py)"},
	{"EntryFunc", "_modpy_entry", "in EntryModule: the function every call into Python goes through"},
	{"EntryInit", "_init", "in EntryModule: initialises mod_python in a new interpreter, given its name"},
	{"EntryEndBlockers", "_end_blockers", `in EntryModule: why the interpreter cannot be ended now ("" if it can)`},
	{"EntryTimeout", "RequestTimeout", "in EntryModule: the exception PythonRequestTimeout raises (apache.RequestTimeout)"},
}

// ReqFields are the request's fields, by number: _apache.req_get(h, n) and
// req_set(h, n, v).
var ReqFields = []Field{
	{"fURI", "uri", true},
	{"fUnparsedURI", "unparsed_uri", false},
	{"fArgs", "args", true},
	{"fPathInfo", "path_info", true},
	{"fFilename", "filename", true},
	{"fCanonicalFilename", "canonical_filename", true},
	{"fMethod", "method", false},
	{"fMethodNumber", "method_number", false},
	{"fProtocol", "protocol", false},
	{"fProtoNum", "proto_num", false},
	{"fHostname", "hostname", false},
	{"fTheRequest", "the_request", false},
	{"fStatus", "status", true},
	{"fStatusLine", "status_line", true},
	{"fContentType", "content_type", true},
	{"fContentTypeSet", "_content_type_set", false},
	{"fUser", "user", true},
	{"fAPAuthType", "ap_auth_type", true},
	{"fHandler", "handler", true},
	{"fPhase", "phase", false},
	{"fExtension", "extension", false},
	{"fDocumentRoot", "_document_root", false},
	{"fRequestTime", "_request_time", false},
	{"fHeaderOnly", "header_only", false},
	{"fAuthName", "_auth_name", false},
	{"fBytesSent", "bytes_sent", false},
	{"fRemoteIP", "_remote_ip", false},
	{"fRemotePort", "_remote_port", false},
	{"fLocalIP", "_local_ip", false},
	{"fLocalPort", "_local_port", false},
	{"fConnID", "_conn_id", false},
	{"fKeepalives", "_keepalives", false},
	{"fHeadersSent", "_headers_sent", false},
	{"fInterpreter", "_interpreter", false},
	{"fAuthTypeConf", "_auth_type", false},
	{"fKeepalive", "_keepalive", false},
	{"fBodyRead", "_body_read", false},
	{"fUserAgentIP", "_useragent_ip", false},
	{"fUserAgentPort", "_useragent_port", false},
	{"fSignature", "_signature", false},
}

// SrvFields are the server's fields, by number: _apache.srv_get(h, n, base).
var SrvFields = []Field{
	{"sHostname", "server_hostname", false},
	{"sPort", "port", false},
	{"sAdmin", "server_admin", false},
	{"sIsVirtual", "is_virtual", false},
	{"sDefnName", "defn_name", false},
	{"sDefnLine", "defn_line_number", false},
	{"sTimeout", "timeout", false},
	{"sErrorFname", "error_fname", false},
	{"sLogLevel", "loglevel", false},
	{"sNames", "names", false},
	{"sKeepAlive", "keep_alive", false},
	{"sKeepAliveTimeout", "keep_alive_timeout", false},
	{"sKeepAliveMax", "keep_alive_max", false},
	{"sLimitReqLine", "limit_req_line", false},
	{"sLimitReqFieldSize", "limit_req_fieldsize", false},
	{"sLimitReqFields", "limit_req_fields", false},
	{"sRestartTime", "restart_time", false},
	{"sDaemons", "_daemons", false},
	{"sThreads", "_threads", false},
	{"sRoot", "_root", false},
	{"sPath", "_path", false},
	{"sSoftware", "_software", false},
	{"sDefines", "_defines", false},
}
