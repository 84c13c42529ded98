package request

import (
	"time"

	"modpy/internal/loglevel"
	"modpy/internal/table"
)

// Handler is one Python handler to run in a phase, as the config named it.
type Handler struct {
	Spec string // "module", "module::func", "module::obj.attr" or "/abs/path/mod.py"
	// Dir is the directory the handler module is looked up in first
	// (with a trailing "/"), "" when the directive sits in a <Location> or
	// at server level.
	Dir    string
	Silent bool // PythonHandlerModule: a missing function is skipped
}

// PyConfig is the Python configuration in effect for a phase.
type PyConfig struct {
	Debug      bool
	AutoReload bool
	// Path is the PythonPath expression; HasPath is false when none is set.
	Path    string
	HasPath bool
	// Options is req.get_options(): PythonOption pairs with empty values
	// removed. Config is req.get_config(): the Python* directives in effect.
	Options *table.Table
	Config  *table.Table

	// Interpreter lifecycle, modpy's directives (0 or false: off).
	MaxRequests    int           // PythonInterpMaxRequests
	IdleTimeout    time.Duration // PythonInterpIdleTimeout
	Reload         bool          // PythonInterpReload
	RequestTimeout time.Duration // PythonRequestTimeout
	QueueTimeout   time.Duration // PythonInterpQueueTimeout
}

// Server describes the (virtual) server a request was matched to, as
// mod_python's server object shows it.
type Server struct {
	Hostname   string
	Port       int
	Admin      string
	IsVirtual  bool
	DefnName   string
	DefnLine   int
	Timeout    time.Duration
	ErrorFname string
	LogLevel   loglevel.Level
	Names      []string
	Path       string // ServerPath (server.path)
	// Options and Config are server.get_options() / server.get_config():
	// the PythonOption values and Python* directives at this server's
	// scope (outside any section; a vhost's merged over the main
	// server's), as mod_python's per-server configuration has them. They
	// are this server's own tables, which Python may write to.
	Options *table.Table
	Config  *table.Table
	// The process-wide settings the server object shows.
	KeepAlive         bool
	KeepAliveTimeout  time.Duration
	KeepAliveMax      int
	LimitReqLine      int
	LimitReqFieldSize int
	LimitReqFields    int
	RestartTime       time.Time // when this worker started
	// Daemons is the master's number of workers; 0 with -X (one process).
	Daemons int
	Root    string // ServerRoot
	Threads int    // ThreadsPerChild
	// Software is the Server header's value (ServerTokens), the
	// SERVER_SOFTWARE of CGI variables.
	Software string
	// Defines are the names -D and Define defined (apache.exists_config_define).
	Defines []string
}

// Conn describes the client connection.
type Conn struct {
	RemoteIP   string
	RemotePort int
	LocalIP    string
	LocalPort  int
	ID         uint64
	Keepalives int
	// Base is the server the local address alone picks (Apache's
	// c->base_server: connection.base_server): the first virtual host for
	// the address, or the main server.
	Base *Server
}

// IO is what the server provides to read the request body and write the
// response. Write sends the status line and headers (from the Request) first
// if they have not gone yet.
type IO interface {
	// Read reads the request body, bounded by LimitRequestBody.
	Read(p []byte) (int, error)
	// Write appends to the response body.
	Write(p []byte) (int, error)
	// Flush sends the headers if not yet sent, then any buffered body.
	Flush() error
	// HeadersSent reports whether the status line has gone out.
	HeadersSent() bool
	// BodyBytes is how many response body bytes were written so far.
	BodyBytes() int64
	// TryWrite writes p (and flushes, or postpones the flush, if flush is
	// set) only if it can do so without blocking: no I/O and no wait for a
	// lock. It reports whether it did; if not, the caller releases what it
	// holds (the GIL) and calls Write and Flush.
	TryWrite(p []byte, flush bool) bool
	// KeepAlive is Apache's c->keepalive and c->keepalives: whether the
	// connection stays open after this response (0 unknown, 1 it
	// closes, 2 it stays open) and how many of its responses, this one
	// included if it does, kept it open.
	KeepAlive() (state, keepalives int)
}

// Logger writes to the error log.
type Logger interface {
	// Log writes msg at level (Apache's, and mod_python's APLOG_*
	// numbers: a number that is no level is logged as loglevel.Error)
	// tagged with the module ("python", "core"), the interpreter name (""
	// when none) and the request's client (when req is not nil).
	Log(level loglevel.Level, module, interp string, req *Request, msg string)
}

// Request is one request's state. It is used by one goroutine at a time:
// the server's, or the interpreter thread it handed the request to.
type Request struct {
	Method      string
	MethodNum   int
	Protocol    string
	ProtoNum    int
	TheRequest  string
	UnparsedURI string
	URI         string
	Args        string
	HasArgs     bool
	Hostname    string
	RequestTime time.Time
	HeaderOnly  bool

	Filename          string
	CanonicalFilename string
	PathInfo          string
	Extension         string
	DocumentRoot      string
	Handler           string

	Status         int
	StatusLine     string
	ContentType    string
	ContentTypeSet bool
	User           string
	AuthType       string // ap_auth_type: the scheme that authenticated User
	AuthName       string // AuthName in effect
	AuthTypeConf   string // AuthType in effect (req.auth_type())

	HeadersIn     *table.Table
	HeadersOut    *table.Table
	ErrHeadersOut *table.Table
	SubprocessEnv *table.Table
	Notes         *table.Table

	// Phase is the phase being run; Interpreter the interpreter running it.
	Phase       Phase
	Interpreter string
	// Handlers are the handlers of the phase being run.
	Handlers []Handler
	Py       PyConfig

	Server *Server
	Conn   *Conn
	IO     IO
	Log    Logger
	// UserAgentIP and UserAgentPort are the client as the request sees
	// it when it is not the connection's peer (Apache's r->useragent_ip
	// and useragent_addr): mod_remoteip sets them to the address a
	// proxy reported, the port 0. "" means the peer (ClientIP).
	UserAgentIP   string
	UserAgentPort int

	// DynHandlers are the handlers req.add_handler registered for later
	// phases: they run after the configured ones.
	DynHandlers map[Phase][]Handler

	// Prev is the request an internal redirect came from (req.prev); Next
	// the one it went to (req.next). Main is the main request of a
	// subrequest (none yet: always nil).
	Prev, Next, Main *Request
	// Hooks are the server's side of request methods that run phases
	// (req.internal_redirect); nil outside the server.
	Hooks Hooks
	// OutputFilters are the filters req.register_output_filter registered;
	// FilterInfo describes the response's Python output filters by their
	// number (filter objects ask by it).
	OutputFilters []FilterInfo
	FilterInfo    []FilterInfo
	// InputFilters and InFilterInfo are the same for input filters
	// (numbered from InputFilterBase).
	InputFilters []FilterInfo
	InFilterInfo []FilterInfo
	// WSGI is set for a call that runs a WSGI application (the server's
	// wsgi-script handler): what it carries. Nil otherwise.
	WSGI *WSGI
	// WSGIAuth is set for a call that runs a mod_wsgi auth script
	// (wsgi_auth.go). Nil otherwise.
	WSGIAuth *WSGIAuth
	// PyState is the Python runtime's own state of the request, opaque
	// here: set while the request is registered with the runtime (from
	// its first call into Python until Release), nil otherwise. It holds
	// the request's id for Python, the plain-value attributes handlers
	// set on req (carried to phases in other interpreters), the
	// interpreters to tell when the request is over, and the call
	// running Python for it right now. Only the runtime reads or writes
	// it.
	PyState any

	// tables hold New's tables, in the one allocation of the request.
	tables [5]table.Table
}

// InputFilterBase numbers input filters, after the output filters'.
const InputFilterBase = 1000

// IncludeFilter is the number of the response's INCLUDES filter (mod_include)
// for the filter object of a #python element.
const IncludeFilter = -1

// FilterInfo is one Python filter: its name, handler and directory.
type FilterInfo struct {
	Name, Spec, Dir string
}

// Hooks are what the server does for request methods that need more than
// the request's own data.
type Hooks interface {
	// InternalRedirect runs a new request for uri through every phase,
	// answering the client with its response (req.internal_redirect).
	InternalRedirect(uri string) error
	// AddOutputFilter adds the output filter called name to the response
	// (req.add_output_filter); false if there is no such Python filter.
	AddOutputFilter(name string) bool
	// AddInputFilter is the same for the request body (req.add_input_filter).
	AddInputFilter(name string) bool
	// FilterRead, FilterWrite and FilterCtl are output filter id's
	// filter.read/readline, filter.write and flush/close/pass_on/disable.
	FilterRead(id, n int, line bool) (p []byte, eos bool)
	FilterWrite(id int, p []byte) error
	FilterCtl(id int, op string) error
	// SSLVarLookup is mod_ssl's ssl_var_lookup for the request
	// (req.ssl_var_lookup, mod_ssl.var_lookup): HTTPS, the SSL_*
	// variables and the request's own; "" for a name with no value. ok
	// is false when the configuration has no mod_ssl (neither LoadModule
	// ssl_module nor SSLEngine on): mod_python then answers None.
	SSLVarLookup(name string) (v string, ok bool)

	// Signature is the request's ServerSignature line, as Apache's
	// ap_psignature("", r) makes it for SERVER_SIGNATURE: "" when it is
	// off.
	Signature() string
}

// New returns a request with empty tables and Status 200. The tables are
// part of the request's own allocation; they grow when first written.
func New() *Request {
	r := &Request{Status: 200}
	r.HeadersIn, r.HeadersOut, r.ErrHeadersOut = &r.tables[0], &r.tables[1], &r.tables[2]
	r.SubprocessEnv, r.Notes = &r.tables[3], &r.tables[4]
	return r
}

// ClientIP is the client's address as the request sees it (Apache's
// r->useragent_ip): mod_remoteip's, else the connection's peer.
func (r *Request) ClientIP() string {
	if r.UserAgentIP != "" {
		return r.UserAgentIP
	}
	if r.Conn == nil {
		return ""
	}
	return r.Conn.RemoteIP
}

// ClientPort is the port that goes with ClientIP: the peer's, or 0 when
// mod_remoteip took the address from a proxy's header.
func (r *Request) ClientPort() int {
	if r.UserAgentIP != "" {
		return r.UserAgentPort
	}
	if r.Conn == nil {
		return 0
	}
	return r.Conn.RemotePort
}

// WSGI is what a call that runs a WSGI application carries
// (python/mod_python/_wsgi.py): the server's wsgi-script handler fills it.
type WSGI struct {
	Script   string // the script file
	Callable string // the application's name in it
	// Group is the application group, as mod_wsgi.application_group
	// shows it ("" for %{GLOBAL}, the main interpreter).
	Group string
	// Reloading is WSGIScriptReloading: a loaded script whose
	// modification time is not MTime (Unix nanoseconds) is loaded again.
	Reloading bool
	MTime     int64
	// ErrorOverride is WSGIErrorOverride: a 4xx or 5xx status of the
	// application's is answered by the server's error response instead
	// of its body.
	ErrorOverride bool
	// MultiThread and MultiProcess are wsgi.multithread and
	// wsgi.multiprocess.
	MultiThread, MultiProcess bool
	// Env are the environ's strings that change from request to request:
	// name, value, name, value, ... (a later name wins over an earlier
	// one). Const are the values of WSGIConstKeys, in order, which most
	// requests for one script share (they win over Env's): _wsgi.py keeps
	// the environ part they make, rather than build it for each request.
	Env   []string
	Const []string
}

// WSGIConstKeys are the names of the environ's values that WSGI.Const
// holds: the first WSGICGIConst of them are CGI variables (and
// wsgi.url_scheme), the rest mod_wsgi's.
var WSGIConstKeys = []string{
	"SERVER_SIGNATURE", "SERVER_SOFTWARE", "SERVER_NAME", "SERVER_ADDR", "SERVER_PORT",
	"DOCUMENT_ROOT", "REQUEST_SCHEME", "CONTEXT_PREFIX", "CONTEXT_DOCUMENT_ROOT", "SERVER_ADMIN",
	"SCRIPT_FILENAME", "GATEWAY_INTERFACE", "SERVER_PROTOCOL", "SCRIPT_NAME", "wsgi.url_scheme",
	"mod_wsgi.process_group", "mod_wsgi.application_group", "mod_wsgi.callable_object",
	"mod_wsgi.request_handler", "mod_wsgi.handler_script", "mod_wsgi.script_reloading",
	"mod_wsgi.enable_sendfile", "mod_wsgi.ignore_activity", "mod_wsgi.listener_port",
	"mod_wsgi.script_name",
}

// WSGICGIConst is how many of WSGIConstKeys are CGI variables.
const WSGICGIConst = 15

// WSGIHooks are the server's side of a WSGI application's request
// operations (_wsgi.py). The server's Hooks implement them too.
type WSGIHooks interface {
	// WSGIEnviron returns the request's CGI environment as WSGI.Env
	// holds it: subprocess_env, then the CGI variables
	// (Apache's ap_add_common_vars and ap_add_cgi_vars, SCRIPT_NAME and
	// PATH_INFO from the URI and PathInfo), HTTP_AUTHORIZATION with
	// passAuth; and wsgi.multithread and wsgi.multiprocess.
	WSGIEnviron(passAuth bool) (env []string, multithread, multiprocess bool)
	// HandlerLocation is the <Location> path (as written) of the section
	// whose PythonHandler directive names spec, for a handler phase
	// configured in one (mod_python.wsgi's default base URI).
	HandlerLocation(spec string) (string, bool)
	// WSGIStart takes the status line and the header fields (name, value,
	// name, value, ...; Latin-1) an application gave start_response, to
	// go out with the first body bytes, replacing those of an earlier
	// WSGIStart. It returns the Content-Length the application set (-1:
	// none), or an error saying what is wrong with them (nothing is set
	// then).
	WSGIStart(status string, headers []string) (contentLength int64, err error)
	// SendFile sends the regular file open as fd from offset to its end,
	// at most limit bytes (limit < 0: no limit), as the response body,
	// setting Content-Length to what it sends unless the application set
	// one. ok is false, and nothing is sent, when fd is not a regular
	// file.
	SendFile(fd int, offset, limit int64) (sent int64, ok bool, err error)
	// AbortResponse ends a response whose headers went out as
	// incomplete (the client sees it cut short), for an application that
	// failed after starting it. It returns false when no byte went out:
	// the server can still answer with an error page.
	AbortResponse() bool
}
