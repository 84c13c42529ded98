"""mod_python.apache as modpy provides it.

The request, server, connection and table objects, the handler dispatcher,
import_module and the constants of mod_python 3.5. The request lives in the
Go server; the objects here read and write it through the _apache module.
"""

import builtins
import html
import marshal
import importlib
import os
import sys
import time
import traceback

import _apache

from mod_python import _cgienv, _mutex, _siteimport

# ---- constants ----

OK = REQ_PROCEED = 0
DECLINED = REQ_NOACTION = -1
DONE = -2
SUSPENDED = -3
PROG_TRACEBACK = "PROG_TRACEBACK"

HTTP_CONTINUE = 100
HTTP_SWITCHING_PROTOCOLS = 101
HTTP_PROCESSING = 102
HTTP_OK = 200
HTTP_CREATED = 201
HTTP_ACCEPTED = 202
HTTP_NON_AUTHORITATIVE = 203
HTTP_NO_CONTENT = 204
HTTP_RESET_CONTENT = 205
HTTP_PARTIAL_CONTENT = 206
HTTP_MULTI_STATUS = 207
HTTP_MULTIPLE_CHOICES = 300
HTTP_MOVED_PERMANENTLY = 301
HTTP_MOVED_TEMPORARILY = 302
HTTP_SEE_OTHER = 303
HTTP_NOT_MODIFIED = 304
HTTP_USE_PROXY = 305
HTTP_TEMPORARY_REDIRECT = 307
HTTP_BAD_REQUEST = 400
HTTP_UNAUTHORIZED = 401
HTTP_PAYMENT_REQUIRED = 402
HTTP_FORBIDDEN = 403
HTTP_NOT_FOUND = 404
HTTP_METHOD_NOT_ALLOWED = 405
HTTP_NOT_ACCEPTABLE = 406
HTTP_PROXY_AUTHENTICATION_REQUIRED = 407
HTTP_REQUEST_TIME_OUT = 408
HTTP_CONFLICT = 409
HTTP_GONE = 410
HTTP_LENGTH_REQUIRED = 411
HTTP_PRECONDITION_FAILED = 412
HTTP_REQUEST_ENTITY_TOO_LARGE = 413
HTTP_REQUEST_URI_TOO_LARGE = 414
HTTP_UNSUPPORTED_MEDIA_TYPE = 415
HTTP_RANGE_NOT_SATISFIABLE = 416
HTTP_EXPECTATION_FAILED = 417
HTTP_IM_A_TEAPOT = 418
HTTP_UNPROCESSABLE_ENTITY = 422
HTTP_LOCKED = 423
HTTP_FAILED_DEPENDENCY = 424
HTTP_UPGRADE_REQUIRED = 426
HTTP_INTERNAL_SERVER_ERROR = 500
HTTP_NOT_IMPLEMENTED = 501
HTTP_BAD_GATEWAY = 502
HTTP_SERVICE_UNAVAILABLE = 503
HTTP_GATEWAY_TIME_OUT = 504
HTTP_VERSION_NOT_SUPPORTED = 505
HTTP_VARIANT_ALSO_VARIES = 506
HTTP_INSUFFICIENT_STORAGE = 507
HTTP_NOT_EXTENDED = 510

APLOG_EMERG = 0
APLOG_ALERT = 1
APLOG_CRIT = 2
APLOG_ERR = 3
APLOG_WARNING = 4
APLOG_NOTICE = 5
APLOG_INFO = 6
APLOG_DEBUG = 7
APLOG_NOERRNO = 0

M_GET = 0
M_PUT = 1
M_POST = 2
M_DELETE = 3
M_CONNECT = 4
M_OPTIONS = 5
M_TRACE = 6
M_PATCH = 7
M_PROPFIND = 8
M_PROPPATCH = 9
M_MKCOL = 10
M_COPY = 11
M_MOVE = 12
M_LOCK = 13
M_UNLOCK = 14
M_VERSION_CONTROL = 15
M_CHECKOUT = 16
M_UNCHECKOUT = 17
M_CHECKIN = 18
M_UPDATE = 19
M_LABEL = 20
M_REPORT = 21
M_MKWORKSPACE = 22
M_MKACTIVITY = 23
M_BASELINE_CONTROL = 24
M_MERGE = 25
M_INVALID = 26

REMOTE_HOST = 0
REMOTE_NAME = 1
REMOTE_NOLOOKUP = 2
REMOTE_DOUBLE_REV = 3

URI_SCHEME = 0
URI_HOSTINFO = 1
URI_USER = 2
URI_PASSWORD = 3
URI_HOSTNAME = 4
URI_PORT = 5
URI_PATH = 6
URI_QUERY = 7
URI_FRAGMENT = 8

AP_MPMQ_NOT_SUPPORTED = 0
AP_MPMQ_STATIC = 1
AP_MPMQ_DYNAMIC = 2
AP_MPMQ_MAX_DAEMON_USED = 1
AP_MPMQ_IS_THREADED = 2
AP_MPMQ_IS_FORKED = 3
AP_MPMQ_HARD_LIMIT_DAEMONS = 4
AP_MPMQ_HARD_LIMIT_THREADS = 5
AP_MPMQ_MAX_THREADS = 6
AP_MPMQ_MIN_SPARE_DAEMONS = 7
AP_MPMQ_MIN_SPARE_THREADS = 8
AP_MPMQ_MAX_SPARE_DAEMONS = 9
AP_MPMQ_MAX_SPARE_THREADS = 10
AP_MPMQ_MAX_REQUESTS_DAEMON = 11
AP_MPMQ_MAX_DAEMONS = 12

PROXYREQ_NONE = 0
PROXYREQ_PROXY = 1
PROXYREQ_REVERSE = 2
PROXYREQ_RESPONSE = 3

MODULE_MAGIC_NUMBER_MAJOR = 20120211
MODULE_MAGIC_NUMBER_MINOR = 0

# The name of this interpreter and the main server: set by _init.
interpreter = None
main_server = None


class RequestTimeout(BaseException):
    """Raised in a handler that runs past PythonRequestTimeout (modpy). It
    derives from BaseException so `except Exception` does not swallow it;
    the client gets 504."""


class SERVER_RETURN(Exception):
    """raise SERVER_RETURN(code[, status]): stop the handler and make `code`
    its result (setting req.status to `status` if given)."""


# ---- tables ----

class _TableBase(object):
    """mod_python's table: case-insensitive keys, repeated keys kept.
    t[key] is a str, or a list of str when the key is repeated."""

    def __getitem__(self, key):
        v = self._get(key)
        if v is None:
            raise KeyError(key)
        return v

    def get(self, key, default=None):
        v = self._get(key)
        return default if v is None else v

    def __contains__(self, key):
        return self._has(key)

    has_key = __contains__

    def __setitem__(self, key, value):
        self._set(_tstr(key), _tstr(value))

    def add(self, key, value):
        self._add(_tstr(key), _tstr(value))

    def __delitem__(self, key):
        self._del(key)

    def __len__(self):
        return self._len()

    def __iter__(self):
        return iter(self.keys())

    def keys(self):
        return [k for k, _ in self._items()]

    def values(self):
        return [v for _, v in self._items()]

    def items(self):
        return list(self._items())

    iterkeys = __iter__

    def itervalues(self):
        return iter(self.values())

    def iteritems(self):
        return iter(self.items())

    def setdefault(self, key, default=""):
        v = self._get(key)
        if v is None:
            self[key] = default
            return default
        return v

    def update(self, other=(), **kw):
        pairs = other.items() if hasattr(other, "items") else other
        for k, v in pairs:
            self[k] = v
        for k, v in kw.items():
            self[k] = v

    def copy(self):
        t = table()
        for k, v in self._items():
            t.add(k, v)
        return t

    def clear(self):
        self._clear()

    def popitem(self):
        items = self._items()
        if not items:
            raise KeyError("popitem(): table is empty")
        k, v = items[-1]
        self._del(k)
        return k, v

    def __eq__(self, other):
        if isinstance(other, _TableBase):
            return sorted((k.lower(), v) for k, v in self._items()) == \
                sorted((k.lower(), v) for k, v in other._items())
        if isinstance(other, dict):
            return dict((k.lower(), v) for k, v in self._items()) == \
                dict((k.lower(), v) for k, v in other.items())
        return NotImplemented

    def __repr__(self):
        return "{" + ", ".join("%r: %r" % kv for kv in self._items()) + "}"


def _tstr(v):
    if isinstance(v, bytes):
        return v.decode("latin-1")
    if not isinstance(v, str):
        raise TypeError("table keys and values must be str, not %s" % type(v).__name__)
    return v


class table(_TableBase):
    """A table in Python memory: apache.table([mapping])."""

    def __init__(self, init=None):
        self._e = []
        if init is not None:
            self.update(init)

    def _get(self, key):
        k = key.lower()
        vals = [v for kk, v in self._e if kk.lower() == k]
        if not vals:
            return None
        return vals[0] if len(vals) == 1 else vals

    def _has(self, key):
        k = key.lower()
        return any(kk.lower() == k for kk, _ in self._e)

    def _set(self, key, value):
        self._del(key, missing_ok=True)
        self._e.append((key, value))

    def _add(self, key, value):
        self._e.append((key, value))

    def _del(self, key, missing_ok=False):
        k = key.lower()
        n = len(self._e)
        self._e = [(kk, v) for kk, v in self._e if kk.lower() != k]
        if n == len(self._e) and not missing_ok:
            raise KeyError(key)

    def _len(self):
        return len(self._e)

    def _items(self):
        return list(self._e)

    def _clear(self):
        self._e = []


make_table = table

_TBL_GET, _TBL_SET, _TBL_ADD, _TBL_DEL, _TBL_ITEMS, _TBL_CLEAR, _TBL_LEN, _TBL_HAS = range(8)
(_T_HEADERS_IN, _T_HEADERS_OUT, _T_ERR_HEADERS_OUT, _T_SUBPROCESS_ENV, _T_NOTES,
 _T_OPTIONS, _T_CONFIG, _T_SERVER_OPTIONS, _T_SERVER_CONFIG) = range(9)

_tbl = _apache.tbl


class _RequestTable(_TableBase):
    """A live view of one of the request's tables, kept by the server."""

    __slots__ = ("_h", "_t")

    def __init__(self, h, t):
        self._h = h
        self._t = t

    def _get(self, key):
        return _tbl(self._h, self._t, _TBL_GET, key)

    def _has(self, key):
        return _tbl(self._h, self._t, _TBL_HAS, key)

    def _set(self, key, value):
        _tbl(self._h, self._t, _TBL_SET, key, value)

    def _add(self, key, value):
        _tbl(self._h, self._t, _TBL_ADD, key, value)

    def _del(self, key):
        _tbl(self._h, self._t, _TBL_DEL, key)

    def _len(self):
        return _tbl(self._h, self._t, _TBL_LEN)

    def _items(self):
        return _tbl(self._h, self._t, _TBL_ITEMS)

    def _clear(self):
        _tbl(self._h, self._t, _TBL_CLEAR)


# ---- request, connection, server ----

# Field numbers: internal/python/fields.go has the same list.
_REQ_FIELDS = [
    "uri", "unparsed_uri", "args", "path_info", "filename", "canonical_filename",
    "method", "method_number", "protocol", "proto_num", "hostname", "the_request",
    "status", "status_line", "content_type", "_content_type_set", "user",
    "ap_auth_type", "handler", "phase", "extension", "_document_root",
    "_request_time", "header_only", "_auth_name", "bytes_sent", "_remote_ip",
    "_remote_port", "_local_ip", "_local_port", "_conn_id", "_keepalives",
    "_headers_sent", "_interpreter", "_auth_type",
]
_REQ_WRITABLE = {
    "uri", "args", "path_info", "filename", "canonical_filename", "status",
    "status_line", "content_type", "user", "ap_auth_type", "handler",
}
_F = dict((n, i) for i, n in enumerate(_REQ_FIELDS))

_req_get = _apache.req_get
_req_op = _apache.req_op
# _apache.req_op operations (internal/python/reqops.go).
(_OP_ADD_HANDLER, _OP_ATTRS, _OP_SET_ATTRS, _OP_WANT_END, _OP_BASIC_AUTH,
 _OP_INTERNAL_REDIRECT, _OP_RELATED, _OP_FILTER_INFO, _OP_FILTER_READ,
 _OP_FILTER_WRITE, _OP_FILTER_CTL, _OP_ADD_OUTPUT_FILTER, _OP_REGISTER_FILTER,
 _OP_CONN_READ, _OP_REGISTER_IN_FILTER, _OP_ADD_INPUT_FILTER) = range(16)
_INPUT_FILTER_BASE = 1000  # input filters' numbers (request.InputFilterBase)
_req_set = _apache.req_set
_write = _apache.write
_read = _apache.read


def _field(i, writable):
    def get(self):
        return _req_get(self._h, i)
    if writable:
        def set(self, value):
            _req_set(self._h, i, value)
        return property(get, set)
    return property(get)


class hlist(object):
    """req.hlist: the handler being run (mod_python's hlistobject)."""

    def __init__(self, handler, directory, silent):
        self.handler = handler
        self.directory = directory or None
        self.silent = int(bool(silent))
        self.is_location = 0
        self.parent = None

    def __repr__(self):
        return "<hlist %s %s>" % (self.handler, self.directory)


class request(object):
    """The request object handlers receive (mod_python's mp_request)."""

    _attrs_ver = 0
    _attrs_blob = None
    _phase_handlers = None
    _hlist = None

    _cleanups = ()  # a list once register_cleanup is called

    def __init__(self, h):
        self._h = h

    for _n, _i in _F.items():
        if not _n.startswith("_"):
            locals()[_n] = _field(_i, _n in _REQ_WRITABLE)
    del _n, _i

    # -- tables --
    def _table(self, name, t):
        v = self.__dict__.get(name)
        if v is None:
            v = self.__dict__[name] = _RequestTable(self._h, t)
        return v

    headers_in = property(lambda self: self._table("_headers_in", _T_HEADERS_IN))
    headers_out = property(lambda self: self._table("_headers_out", _T_HEADERS_OUT))
    err_headers_out = property(lambda self: self._table("_err_headers_out", _T_ERR_HEADERS_OUT))
    subprocess_env = property(lambda self: self._table("_subprocess_env", _T_SUBPROCESS_ENV))
    notes = property(lambda self: self._table("_notes", _T_NOTES))

    @property
    def interpreter(self):
        return interpreter

    @property
    def request_time(self):
        return _req_get(self._h, _F["_request_time"]) / 1e6

    @property
    def connection(self):
        c = self.__dict__.get("_connection")
        if c is None:
            c = self.__dict__["_connection"] = connection(self._h)
        return c

    @property
    def server(self):
        s = self.__dict__.get("_server")
        if s is None:
            s = self.__dict__["_server"] = server(self._h)
        return s

    def _related(self, which):
        h = _req_op(self._h, _OP_RELATED, which)
        if h is None:
            return None
        r = _live.get(h)
        return r if r is not None else request(h)

    prev = property(lambda self: self._related("prev"))
    next = property(lambda self: self._related("next"))
    main = property(lambda self: self._related("main"))

    def internal_redirect(self, new_uri):
        """Run a new request for new_uri (a path, with an optional query)
        through every phase; its response is the one the client gets. The
        handler should return apache.OK after it."""
        _req_op(self._h, _OP_INTERNAL_REDIRECT, str(new_uri))

    @property
    def _content_type_set(self):
        return _req_get(self._h, _F["_content_type_set"])

    # -- output --
    def write(self, data, flush=1):
        _write(self._h, data, flush)

    def flush(self):
        _write(self._h, b"", 1)

    def set_content_length(self, length):
        self.headers_out["Content-Length"] = str(int(length))

    def send_http_header(self):
        pass

    # -- input --
    def read(self, length=-1):
        return _read(self._h, -1 if length is None else int(length), False)

    def readline(self, length=-1):
        return _read(self._h, -1 if length is None else int(length), True)

    def readlines(self, sizehint=-1):
        lines, total = [], 0
        while True:
            line = self.readline()
            if not line:
                break
            lines.append(line)
            total += len(line)
            if 0 < sizehint <= total:
                break
        return lines

    # -- phases --
    @property
    def hlist(self):
        h = self._hlist
        if type(h) is tuple:  # made on first use (most handlers never look)
            h = self._hlist = hlist(*h)
        return h

    def add_handler(self, phase, handler, dir=None):
        """Run handler in phase: after the handlers of the running phase if
        it is that one, else after the configured ones of that phase."""
        if not isinstance(phase, str) or not isinstance(handler, str):
            raise TypeError("add_handler(phase, handler[, dir]): strings expected")
        if phase == "PythonCleanupHandler" or phase not in _DEFAULT_FUNC:
            raise ValueError("add_handler: %r is not a request phase" % (phase,))
        if dir is not None:
            dir = os.path.normpath(str(dir)) + "/"
        if phase == self.phase and self._phase_handlers is not None:
            self._phase_handlers.append((handler, dir or "", False))
            return
        _req_op(self._h, _OP_ADD_HANDLER, phase, handler, dir)

    def register_output_filter(self, filter_name, filter, dir=None):
        """Make filter (a handler string, "module::function") an output
        filter called filter_name for this request; add_output_filter
        then activates it."""
        if dir is not None:
            dir = os.path.normpath(str(dir)) + "/"
        _req_op(self._h, _OP_REGISTER_FILTER, str(filter_name), str(filter), dir)

    def add_output_filter(self, filter_name):
        """Run the output filter called filter_name (a PythonOutputFilter
        or one from register_output_filter) on this response."""
        if not _req_op(self._h, _OP_ADD_OUTPUT_FILTER, str(filter_name)):
            raise ValueError("add_output_filter: no Python output filter called %r" % (filter_name,))

    def register_input_filter(self, filter_name, filter, dir=None):
        """Make filter (a handler string) an input filter called
        filter_name for this request; add_input_filter activates it."""
        if dir is not None:
            dir = os.path.normpath(str(dir)) + "/"
        _req_op(self._h, _OP_REGISTER_IN_FILTER, str(filter_name), str(filter), dir)

    def add_input_filter(self, filter_name):
        """Run the input filter called filter_name on the request body."""
        if not _req_op(self._h, _OP_ADD_INPUT_FILTER, str(filter_name)):
            raise ValueError("add_input_filter: no Python input filter called %r" % (filter_name,))

    def register_cleanup(self, callable, data=None):
        """Call callable(data) once the request is over."""
        if not hasattr(callable, "__call__"):
            raise TypeError("register_cleanup: the first argument must be callable")
        if not self._cleanups:
            self._cleanups = []
        self._cleanups.append((callable, data))

    def sendfile(self, path, offset=0, len=-1):
        """Send len bytes (all: -1) of the file at path from offset; the
        number of bytes sent."""
        sent = 0
        with open(path, "rb") as f:
            if offset:
                f.seek(offset)
            while len < 0 or sent < len:
                chunk = f.read(65536 if len < 0 else min(65536, len - sent))
                if not chunk:
                    break
                self.write(chunk, 0)
                sent += chunk.__len__()
        return sent

    def discard_request_body(self):
        """Read and drop the request body; OK."""
        while self.read(65536):
            pass
        return OK

    # -- conditional requests (Apache's ap_update_mtime, ap_set_etag,
    # ap_set_last_modified, ap_meets_conditions) --
    mtime = property(lambda self: self.__dict__.get("_mtime", 0))

    def update_mtime(self, dependency_mtime):
        """Make req.mtime the later of itself and dependency_mtime."""
        t = float(dependency_mtime)
        if t > self.mtime:
            self._mtime = t
        return self.mtime

    def set_last_modified(self):
        """Last-Modified from req.mtime (never later than the request)."""
        t = min(self.mtime, self.request_time)
        self.headers_out["Last-Modified"] = _httpdate(t)

    def set_etag(self):
        """ETag from req.mtime and the file's size (weak when the file
        changed within the last second, as Apache's)."""
        size = 0
        if self.filename:
            try:
                size = os.stat(self.filename).st_size
            except OSError:
                pass
        mt = int(self.mtime * 1e6)
        tag = '"%x-%x"' % (size, mt)
        if self.request_time - self.mtime < 1:
            tag = "W/" + tag
        self.headers_out["ETag"] = tag

    def meets_conditions(self):
        """OK, or HTTP_NOT_MODIFIED / HTTP_PRECONDITION_FAILED for the
        request's If-* headers against ETag and Last-Modified."""
        return _meets_conditions(self)

    # -- other --
    def allow_methods(self, methods, reset=0):
        """Add methods to the Allow header of a 405 answer."""
        if isinstance(methods, str):
            raise TypeError("allow_methods: a sequence of method names is expected")
        have = [] if reset else [m.strip() for m in (self.err_headers_out.get("Allow") or "").split(",") if m.strip()]
        for m in methods:
            m = str(m).upper()
            if m not in have:
                have.append(m)
        self.err_headers_out["Allow"] = ", ".join(have)

    @property
    def allowed_methods(self):
        return tuple(m.strip() for m in (self.err_headers_out.get("Allow") or "").split(",") if m.strip())

    def _get_no_cache(self):
        return self.__dict__.get("_no_cache", 0)

    def _set_no_cache(self, value):
        self._no_cache = int(bool(value))
        if value and "Expires" not in self.headers_out:
            self.headers_out["Expires"] = _httpdate(time.time())

    no_cache = property(_get_no_cache, _set_no_cache)

    @property
    def sent_bodyct(self):
        """1 once the response has begun: headers sent, or body written
        (modpy may hold a flushed write back for up to 2 ms; it is as good
        as sent: the status can no longer change)."""
        return 1 if _req_get(self._h, _F["_headers_sent"]) or self.bytes_sent else 0

    @property
    def useragent_ip(self):
        return _req_get(self._h, _F["_remote_ip"])

    @property
    def useragent_addr(self):
        return self.connection.remote_addr

    def is_https(self):
        return 0

    def ssl_var_lookup(self, name):
        return None

    def add_common_vars(self):
        """subprocess_env gets the CGI variables Apache's
        ap_add_common_vars sets (HTTP_*, SERVER_*, REMOTE_*, ...)."""
        env = self.subprocess_env
        for k, v in _common_vars(self).items():
            env[k] = v

    def add_cgi_vars(self):
        """add_common_vars plus the per-request CGI/1.1 variables."""
        self.add_common_vars()
        env = self.subprocess_env
        for k, v in _cgi_vars(self).items():
            env[k] = v

    def get_basic_auth_pw(self):
        """The password of Basic credentials (req.user becomes the user),
        or None: AuthType Basic not in effect, or no credentials."""
        r = _req_op(self._h, _OP_BASIC_AUTH)
        if isinstance(r, int):
            if r == HTTP_UNAUTHORIZED:
                self.err_headers_out["WWW-Authenticate"] = 'Basic realm="%s"' % (self.auth_name() or "")
            return None
        return r[1]

    # -- config --
    def get_options(self):
        return _RequestTable(self._h, _T_OPTIONS)

    def get_config(self):
        return _RequestTable(self._h, _T_CONFIG)

    def document_root(self):
        return _req_get(self._h, _F["_document_root"])

    def auth_name(self):
        return _req_get(self._h, _F["_auth_name"])

    def auth_type(self):
        return _req_get(self._h, _F["_auth_type"])

    def log_error(self, message, level=APLOG_ERR):
        _apache.log_error(str(message), level, self._h, interpreter or "")

    def get_remote_host(self, type=REMOTE_NAME, str_is_ip=None):
        """The client's host name, as Apache's ap_get_remote_host with
        HostnameLookups Off: REMOTE_HOST gives None, REMOTE_NAME and
        REMOTE_NOLOOKUP the IP address, REMOTE_DOUBLE_REV a name whose
        forward lookup gives the address back, or None."""
        ip = _req_get(self._h, _F["_remote_ip"])
        name, is_ip = None, False
        if type == REMOTE_DOUBLE_REV:
            name = _double_reverse(ip)
        elif type in (REMOTE_NAME, REMOTE_NOLOOKUP):
            name, is_ip = ip, True
        if str_is_ip is not None:
            return name, is_ip
        return name

    def construct_url(self, uri):
        host = self.hostname or self.server.server_hostname
        port = _req_get(self._h, _F["_local_port"])
        if port and port != 80:
            host = "%s:%d" % (host, port)
        return "http://%s%s" % (host, uri)

    def __repr__(self):
        return "<mp_request %s %s>" % (self.method, self.unparsed_uri)


class connection(object):
    """The client connection (mod_python's mp_conn)."""

    def __init__(self, h):
        self._h = h

    remote_ip = client_ip = property(lambda self: _req_get(self._h, _F["_remote_ip"]))
    local_ip = property(lambda self: _req_get(self._h, _F["_local_ip"]))
    id = property(lambda self: _req_get(self._h, _F["_conn_id"]))
    keepalives = property(lambda self: _req_get(self._h, _F["_keepalives"]))

    @property
    def remote_addr(self):
        return (_req_get(self._h, _F["_remote_ip"]), _req_get(self._h, _F["_remote_port"]))

    client_addr = remote_addr

    @property
    def local_addr(self):
        return (_req_get(self._h, _F["_local_ip"]), _req_get(self._h, _F["_local_port"]))

    remote_host = None
    remote_logname = None
    aborted = 0
    double_reverse = 0
    keepalive = 1

    @property
    def base_server(self):
        return server(self._h)

    @property
    def local_host(self):
        return _req_get(self._h, _F["_local_ip"])

    @property
    def notes(self):
        n = self.__dict__.get("_notes")
        if n is None:
            n = self.__dict__["_notes"] = table()
        return n

    def log_error(self, message, level=APLOG_ERR):
        _apache.log_error(str(message), level, self._h, interpreter or "")

    # -- PythonConnectionHandler: the raw connection --
    def read(self, length=-1):
        """Up to length bytes from the client, waiting for at least one;
        -1: until the client closes. b"" at the end."""
        return _req_op(self._h, _OP_CONN_READ, int(length), 0)

    def readline(self, length=-1):
        return _req_op(self._h, _OP_CONN_READ, int(length), 1)

    def write(self, data):
        _write(self._h, data, 1)


_SRV_FIELDS = ["server_hostname", "port", "server_admin", "is_virtual",
               "defn_name", "defn_line_number", "timeout", "error_fname",
               "loglevel", "names", "keep_alive", "keep_alive_timeout",
               "keep_alive_max", "limit_req_line", "limit_req_fieldsize",
               "limit_req_fields", "restart_time", "_daemons", "_threads", "_root"]


class server(object):
    """A (virtual) server (mod_python's mp_server). h = 0 is the main server."""

    def __init__(self, h):
        self._h = h

    for _i, _n in enumerate(_SRV_FIELDS):
        locals()[_n] = (lambda i: property(lambda self: _apache.srv_get(self._h, i)))(_i)
    del _i, _n

    wild_names = property(lambda self: [])
    path = None
    pathlen = 0
    next = None
    my_generation = 0

    def register_cleanup(self, req, callable, data=None):
        """Call callable(data) when this worker process ends (in this
        interpreter, if it is still alive then)."""
        if not hasattr(callable, "__call__"):
            raise TypeError("register_cleanup: the second argument must be callable")
        register_cleanup(callable, data)

    def get_options(self):
        return _RequestTable(0, _T_SERVER_OPTIONS)

    def get_config(self):
        return _RequestTable(0, _T_SERVER_CONFIG)

    def log_error(self, message, level=APLOG_ERR):
        _apache.log_error(str(message), level, 0, interpreter or "")


# ---- logging, stdout/stderr ----

def log_error(message, level=APLOG_ERR, server=None):
    """Write message to the error log (the given server's, if any)."""
    _apache.log_error(str(message), level, getattr(server, "_h", 0), interpreter or "")


class _LogWriter(object):
    """sys.stdout / sys.stderr of an interpreter: each line goes to the
    error log, tagged with the interpreter's name."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, level, name):
        self._level = level
        self._buf = ""
        self.name = name

    def write(self, s):
        if isinstance(s, bytes):
            s = s.decode("utf-8", "replace")
        self._buf += s
        if "\n" in self._buf:
            *lines, self._buf = self._buf.split("\n")
            for line in lines:
                _apache.log_error(line, self._level, 0, interpreter or "")
        return len(s)

    def flush(self):
        if self._buf:
            _apache.log_error(self._buf, self._level, 0, interpreter or "")
            self._buf = ""

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def isatty(self):
        return False

    def fileno(self):
        raise OSError("the error log has no file descriptor here")

    def writable(self):
        return True

    def readable(self):
        return False


# ---- importing ----

def import_module(module_name, autoreload=1, log=0, path=None):
    """Import module_name, reloading it if it (or any of the site's own
    modules) changed since it was loaded. A module in the calling module's
    own directory wins over one on sys.path, so two directories' modules of
    the same name never meet. With `path`, only those directories are
    searched."""
    if autoreload:
        changed = _siteimport.check_reload()
        if changed and log:
            log_error("mod_python: (Re)importing modules %s" % ", ".join(changed), APLOG_NOTICE)
    module = None
    if path:
        for d in path:
            module = _siteimport.import_site(d, module_name)
            if module is not None:
                break
        if module is None:
            raise ImportError("No module named %r in %s" % (module_name, list(path)), name=module_name)
    else:
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if _siteimport.is_site_name(caller):
            module = _siteimport.import_site(_siteimport.root_of(caller), module_name)
        if module is None:
            module = importlib.import_module(module_name)
    _siteimport.after_import()
    return module


# (handler module, directory) -> the site module it found last time. Used
# while that module is still the one in sys.modules (a reload or purge
# drops it from there, and the next request imports afresh). Modules found
# on sys.path are not kept: a file of that name put in the handler's
# directory later must win, as an import would find it.
_handler_modules = {}


def _load_handler_module(spec_module, directory, autoreload, debug):
    if autoreload:
        changed = _siteimport.check_reload()
        if changed and debug:
            log_error("mod_python: (Re)importing modules %s" % ", ".join(changed), APLOG_NOTICE)
    key = (spec_module, directory)
    module = _handler_modules.get(key)
    if module is not None and sys.modules.get(module.__name__) is module:
        return module
    site = None
    if spec_module.startswith("/"):
        module = site = _siteimport.import_path(spec_module)
    else:
        if directory:
            site = _siteimport.import_site(directory, spec_module)
        module = site if site is not None else importlib.import_module(spec_module)
    _siteimport.after_import()
    if site is not None:
        _handler_modules[key] = site
    else:
        _handler_modules.pop(key, None)
    return module


def resolve_object(module, obj_str, arg=None, silent=0):
    """Find obj_str ("func" or "obj.attr...") in module; a class met on the
    way is instantiated with `arg`."""
    obj = module
    parent = None
    for part in obj_str.split("."):
        parent = obj
        if isinstance(parent, type) and arg is not None:
            parent = parent(arg)
        if not hasattr(parent, part):
            if silent:
                return None
            raise AttributeError("module %s has no %s %r" % (
                getattr(module, "__file__", module.__name__), "function" if "." not in obj_str else "object", obj_str))
        obj = getattr(parent, part)
    return obj


# ---- dispatch ----

_DEFAULT_FUNC = {
    "PythonPostReadRequestHandler": "postreadrequesthandler",
    "PythonTransHandler": "transhandler",
    "PythonHeaderParserHandler": "headerparserhandler",
    "PythonInitHandler": "inithandler",
    "PythonAccessHandler": "accesshandler",
    "PythonAuthenHandler": "authenhandler",
    "PythonAuthzHandler": "authzhandler",
    "PythonTypeHandler": "typehandler",
    "PythonFixupHandler": "fixuphandler",
    "PythonHandler": "handler",
    "PythonLogHandler": "loghandler",
    "PythonCleanupHandler": "cleanuphandler",
}

# A stack of handlers goes on while each returns one of these (mod_python 3.5).
_CONTINUE = {
    "PythonPostReadRequestHandler": (DECLINED, OK),
    "PythonTransHandler": (DECLINED,),
    "PythonHeaderParserHandler": (DECLINED, OK),
    "PythonInitHandler": (DECLINED, OK),
    "PythonAccessHandler": (DECLINED, OK),
    "PythonAuthenHandler": (DECLINED,),
    "PythonAuthzHandler": (DECLINED,),
    "PythonTypeHandler": (DECLINED,),
    "PythonFixupHandler": (DECLINED, OK),
    "PythonHandler": (OK,),
    "PythonLogHandler": (DECLINED, OK),
    "PythonCleanupHandler": (OK,),
}

_path_cache = set()


def _set_path(pythonpath, directory):
    if pythonpath is not None:
        if pythonpath not in _path_cache:
            newpath = eval(pythonpath, {"sys": sys, "__builtins__": builtins})
            sys.path[:] = newpath
            _path_cache.add(pythonpath)
    elif directory and directory.startswith("/"):
        d = directory.rstrip("/") or "/"
        if d not in sys.path:
            sys.path.insert(0, d)


_BODY_LIMIT = "exceeds LimitRequestBody"

# Returned to the Go runtime instead of a handler result: end this
# interpreter and run the request in a fresh one (PythonInterpReload).
_INTERP_RELOAD = -1001


def _httpdate(t):
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(t))


def _parse_httpdate(v):
    import email.utils
    try:
        d = email.utils.parsedate_to_datetime(v)
    except (TypeError, ValueError, IndexError):
        return None
    return d.timestamp() if d is not None else None


def _etag_list_matches(header, etag, weak_ok):
    if header.strip() == "*":
        return etag is not None
    if etag is None:
        return False
    def strip(t):
        return t[2:] if weak_ok and t.startswith("W/") else t
    if not weak_ok and etag.startswith("W/"):
        return False
    for t in header.split(","):
        t = t.strip()
        if not weak_ok and t.startswith("W/"):
            continue
        if strip(t) == strip(etag):
            return True
    return False


def _meets_conditions(req):
    """Apache's ap_meets_conditions, on headers_out's ETag and
    Last-Modified (set them first: set_etag, set_last_modified)."""
    hin, hout = req.headers_in, req.headers_out
    if not (200 <= (req.status or 200) < 300):
        return OK
    etag = hout.get("ETag")
    lm = _parse_httpdate(hout.get("Last-Modified") or "")
    mtime = lm if lm is not None else (req.mtime or req.request_time)
    im = hin.get("If-Match")
    if im is not None and not _etag_list_matches(im, etag, False):
        return HTTP_PRECONDITION_FAILED
    if im is None:
        ius = hin.get("If-Unmodified-Since")
        t = _parse_httpdate(ius) if ius else None
        if t is not None and mtime > t:
            return HTTP_PRECONDITION_FAILED
    inm = hin.get("If-None-Match")
    if inm is not None:
        if _etag_list_matches(inm, etag, True):
            if req.method in ("GET", "HEAD"):
                return HTTP_NOT_MODIFIED
            return HTTP_PRECONDITION_FAILED
        return OK
    ims = hin.get("If-Modified-Since")
    if ims and req.method in ("GET", "HEAD"):
        t = _parse_httpdate(ims)
        if t is not None and mtime <= t and t <= req.request_time:
            return HTTP_NOT_MODIFIED
    return OK


def _double_reverse(ip):
    import socket
    try:
        name = socket.gethostbyaddr(ip)[0]
        if ip in socket.gethostbyname_ex(name)[2]:
            return name
    except (OSError, UnicodeError):
        pass
    return None


def _common_vars(req):
    """Apache's ap_add_common_vars."""
    env = {}
    for k, v in req.headers_in.items():
        k = k.upper().replace("-", "_")
        if k in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            env[k] = v
        elif k not in ("AUTHORIZATION", "PROXY_AUTHORIZATION"):
            env["HTTP_" + k] = v
    srv = req.server
    local_ip, local_port = req.connection.local_addr
    remote_ip, remote_port = req.connection.remote_addr
    env.update({
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "SERVER_SIGNATURE": "",
        "SERVER_SOFTWARE": "modpy",
        "SERVER_NAME": req.hostname or srv.server_hostname,
        "SERVER_ADDR": local_ip or "",
        "SERVER_PORT": str(local_port or srv.port or 80),
        "REMOTE_ADDR": remote_ip or "",
        "DOCUMENT_ROOT": req.document_root() or "",
        "REQUEST_SCHEME": "http",
        "CONTEXT_PREFIX": "",
        "CONTEXT_DOCUMENT_ROOT": req.document_root() or "",
        "SERVER_ADMIN": srv.server_admin or "",
        "SCRIPT_FILENAME": req.filename or "",
        "REMOTE_PORT": str(remote_port or ""),
    })
    if req.user:
        env["REMOTE_USER"] = req.user
    if req.ap_auth_type:
        env["AUTH_TYPE"] = req.ap_auth_type
    return env


def _cgi_vars(req):
    """Apache's ap_add_cgi_vars."""
    path_info = req.path_info or ""
    uri = req.uri or ""
    script = uri[:len(uri) - len(path_info)] if path_info and uri.endswith(path_info) else uri
    env = {
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_PROTOCOL": req.protocol,
        "REQUEST_METHOD": req.method,
        "QUERY_STRING": req.args or "",
        "REQUEST_URI": req.unparsed_uri,
        "SCRIPT_NAME": script,
    }
    if path_info:
        env["PATH_INFO"] = path_info
        root = req.document_root() or ""
        env["PATH_TRANSLATED"] = root.rstrip("/") + path_info
    return env


class _HandlerError(Exception):
    """A handler could not be found or returned nonsense: one clear line."""


# The request objects that outlive a phase in this interpreter, by handle:
# those that carry attributes or cleanups. The server ends them (kind
# _CALL_END) when the request is over.
_live = {}


def _request_for(h, attrs_ver):
    """The request object for this phase: the one an earlier phase in this
    interpreter left, else a new one; with the plain-value attributes that
    phases in other interpreters set since."""
    req = _live.get(h)
    if req is None:
        req = request(h)
    if attrs_ver != req._attrs_ver:
        ver, blob = _req_op(h, _OP_ATTRS)
        if blob is not None:
            for k, v in marshal.loads(blob).items():
                setattr(req, k, v)
        req._attrs_ver, req._attrs_blob = ver, blob
    return req


def _is_plain(v, depth=0):
    """str, bytes, numbers, bools, None, and lists/tuples/dicts of them."""
    if v is None or type(v) in (str, bytes, int, float, bool, complex):
        return True
    if depth > 20:
        return False
    if type(v) in (list, tuple):
        return all(_is_plain(x, depth + 1) for x in v)
    if type(v) is dict:
        return all(_is_plain(k, depth + 1) and _is_plain(x, depth + 1) for k, x in v.items())
    return False


def _save_request(req):
    """After a phase: publish the plain-value attributes handlers set, for
    phases in other interpreters, and keep the object for later phases in
    this one if it carries anything."""
    attrs = None
    for k in req.__dict__:
        if k[:1] != "_":  # a handler set one: gather them
            attrs = dict((k, v) for k, v in req.__dict__.items() if not k.startswith("_"))
            break
    if attrs or req._attrs_blob is not None:
        blob = marshal.dumps(dict((k, v) for k, v in (attrs or {}).items() if _is_plain(v)))
        if blob != req._attrs_blob:
            req._attrs_ver = _req_op(req._h, _OP_SET_ATTRS, blob)
            req._attrs_blob = blob
    if (attrs or req._cleanups) and req._h not in _live:
        _live[req._h] = req
        _req_op(req._h, _OP_WANT_END, interpreter or "")


# apache.register_cleanup / server.register_cleanup: run when the worker
# process stops (kind _CALL_SERVER_CLEANUP), in this interpreter.
_server_cleanups = []


def register_cleanup(callable, data=None):
    """Call callable(data) when this worker process stops."""
    if not hasattr(callable, "__call__"):
        raise TypeError("register_cleanup: the first argument must be callable")
    _server_cleanups.append((callable, data))


def _run_server_cleanups():
    while _server_cleanups:
        func, data = _server_cleanups.pop(0)
        try:
            func(data)
        except Exception:
            _log_traceback(log_error, "register_cleanup %r" % (func,))
    return 0


class _FilterObject(object):
    """A filter's view of the body (mod_python's mp_filter): an output
    filter reads what the handler wrote and writes what goes to the client;
    an input filter reads the request body and writes what the handler's
    req.read gets."""

    softspace = 0

    def __init__(self, req, fid):
        self._h = req._h
        self._id = fid
        self.req = req
        self.is_input = 1 if fid >= _INPUT_FILTER_BASE else 0
        self.name, self.handler, d = _req_op(req._h, _OP_FILTER_INFO, fid)
        self.dir = d or None
        self.closed = 0

    def read(self, length=-1):
        """Up to length bytes of the body (all it holds: -1); b"" when
        nothing more came yet, None at the end of the response."""
        return _req_op(self._h, _OP_FILTER_READ, self._id, -1 if length is None else int(length), 0)

    def readline(self, length=-1):
        return _req_op(self._h, _OP_FILTER_READ, self._id, -1 if length is None else int(length), 1)

    def write(self, data):
        if self.closed:
            raise ValueError("write to a closed filter")
        if isinstance(data, str):
            data = data.encode("utf-8")
        _req_op(self._h, _OP_FILTER_WRITE, self._id, bytes(data))

    def flush(self):
        _req_op(self._h, _OP_FILTER_CTL, self._id, "flush")

    def close(self):
        """End this filter's output: later body is dropped."""
        if not self.closed:
            _req_op(self._h, _OP_FILTER_CTL, self._id, "flush")
            _req_op(self._h, _OP_FILTER_CTL, self._id, "close")
            self.closed = 1

    def pass_on(self):
        """Pass what the filter holds on unchanged."""
        _req_op(self._h, _OP_FILTER_CTL, self._id, "pass_on")

    def disable(self):
        """Pass everything from now on unchanged."""
        _req_op(self._h, _OP_FILTER_CTL, self._id, "disable")

    def log_error(self, message, level=APLOG_ERR):
        self.req.log_error(message, level)


def _filter_dispatch(h, fid):
    """Run output filter fid once (mod_python's FilterDispatch): import its
    module, call its function with the filter object, then flush unless it
    closed. On an exception the filter is disabled (its data passes on
    unchanged) and the traceback logged; the result is non-zero then."""
    req = _request_for(h, -1)
    f = _FilterObject(req, fid)
    spec = f.handler
    try:
        _, debug, autoreload, pythonpath = _apache.phase(h)[1:5]
        _set_path(pythonpath, f.dir)
        module_name, _, obj_str = spec.partition("::")
        module = _load_handler_module(module_name, f.dir or "", autoreload, debug)
        obj = resolve_object(module, obj_str or ("inputfilter" if f.is_input else "outputfilter"), arg=f, silent=0)
        obj(f)
        if not f.closed and not f.is_input:
            f.flush()
        return 0
    except Exception:
        _log_traceback(req.log_error, "%s %s" % ("PythonInputFilter" if f.is_input else "PythonOutputFilter", spec))
        return 1
    finally:
        _save_request(req)


def _conn_dispatch(h, info):
    """PythonConnectionHandler: call the handler with the connection. info
    is the phase data the call came with (_apache.phase(h))."""
    handlers, debug, autoreload, pythonpath = info[1:5]
    spec = handlers[0][0]
    conn = connection(h)
    try:
        _set_path(pythonpath, None)
        module_name, _, obj_str = spec.partition("::")
        module = _load_handler_module(module_name, "", autoreload, debug)
        obj = resolve_object(module, obj_str or "connectionhandler", arg=conn, silent=0)
        result = obj(conn)
        if not isinstance(result, int) or isinstance(result, bool):
            raise _HandlerError("connection handler returned %r, not an int" % (result,))
        return result
    except Exception:
        _log_traceback(conn.log_error, "PythonConnectionHandler %s" % (spec,))
        return HTTP_INTERNAL_SERVER_ERROR


def _end_request(h):
    """The request is over: run its cleanups and forget it."""
    req = _live.pop(h, None)
    if req is None:
        return 0
    for func, data in req._cleanups:
        try:
            func(data)
        except Exception:
            _log_traceback(req.log_error, "register_cleanup %r" % (func,))
    req._cleanups = ()
    return 0


def _dispatch(h, info):
    """Run a phase's handlers for request h. info is the phase data the
    call came with: what _apache.phase(h) answers."""
    phase, handlers, debug, autoreload, pythonpath, interp_reload, attrs_ver = info
    if interp_reload:
        changed = _siteimport.poll_changes()
        if changed:
            log_error("PythonInterpReload: %s changed; this interpreter ends and a fresh one serves"
                      % ", ".join(_siteimport.files_of(changed)), APLOG_NOTICE)
            return _INTERP_RELOAD
    _siteimport.refresh_builtins()
    req = _request_for(h, attrs_ver)
    try:
        return _run_handlers(req, phase, list(handlers), debug, autoreload, pythonpath)
    finally:
        if "_at_call_end" in req.__dict__:
            _call_over(req)
        _save_request(req)


def _call_over(req):
    """This call into Python for req is over: run what asked to hear of it
    (req._at_call_end: Session releases its lock here, see Session.py)."""
    hooks = req.__dict__.pop("_at_call_end", None)
    for func in hooks or ():
        try:
            func()
        except Exception:
            _log_traceback(req.log_error, "end of call %r" % (func,))


def _run_handlers(req, phase, handlers, debug, autoreload, pythonpath):
    default_func = _DEFAULT_FUNC.get(phase, "handler")
    go_on = _CONTINUE.get(phase, (OK,))
    result = DECLINED
    req._phase_handlers = handlers  # req.add_handler appends to it
    for spec, directory, silent in handlers:
        req._hlist = (spec, directory, silent)  # req.hlist makes the object
        try:
            _set_path(pythonpath, directory)
            module_name, _, obj_str = spec.partition("::")
            if not module_name:
                raise _HandlerError("empty handler name")
            try:
                module = _load_handler_module(module_name, directory, autoreload, debug)
            except ModuleNotFoundError as e:
                if e.name and (e.name == module_name or module_name.startswith(e.name + ".")):
                    raise _HandlerError("cannot import %r: no module named %r %s" % (
                        module_name, e.name,
                        "in %s or on sys.path" % directory if directory else "on sys.path"))
                raise
            obj_str = obj_str or default_func
            if "." in obj_str:
                obj = resolve_object(module, obj_str, arg=req, silent=silent)
            else:  # a plain name: what resolve_object would find, without its loop
                obj = getattr(module, obj_str, None)
                if obj is None:
                    obj = resolve_object(module, obj_str, arg=req, silent=silent)
            if obj is None:
                continue
            if not callable(obj):
                raise _HandlerError("%s in %s is not callable" % (obj_str or default_func, module.__name__))
            result = obj(req)
            if not isinstance(result, int) or isinstance(result, bool):
                raise _HandlerError(
                    "handler returned %r, not an int (apache.OK, apache.DECLINED, apache.DONE or an HTTP status)"
                    % (result,))
        except SERVER_RETURN as e:
            result, status = (tuple(e.args) + (None, None))[:2]
            if status:
                req.status = status
            if result is None:
                result = OK
            if not isinstance(result, int):
                result = _report(req, phase, spec, debug, "SERVER_RETURN with a non-int code %r" % (result,))
        except _HandlerError as e:
            result = _report(req, phase, spec, debug, str(e))
        except RequestTimeout:
            req.log_error("%s %s: interrupted: it ran past PythonRequestTimeout (%s)" % (
                phase, spec, _traceback_tail()), APLOG_ERR)
            result = HTTP_GATEWAY_TIME_OUT
        except Exception:
            result = _report(req, phase, spec, debug, None)
        if result not in go_on:
            break
    req._phase_handlers = None
    return result


def _log_traceback(log, prefix):
    """Log the exception being handled, a line at a time, each as
    "prefix: line" at APLOG_ERR, with log (log_error, req.log_error...)."""
    etype, evalue, etb = sys.exc_info()
    for chunk in traceback.format_exception(etype, evalue, etb):
        for line in chunk.rstrip("\n").split("\n"):
            log("%s: %s" % (prefix, line), APLOG_ERR)


def _traceback_tail():
    """Where the interrupted handler was: 'file:line in function'."""
    tb = sys.exc_info()[2]
    frames = traceback.extract_tb(tb)
    if not frames:
        return "unknown place"
    f = frames[-1]
    return "at %s:%d in %s" % (f.filename, f.lineno, f.name)


def _report(req, phase, spec, debug, message):
    """Log a handler failure; with PythonDebug also show it to the client."""
    if message is not None:
        lines = [message]
    elif isinstance(sys.exc_info()[1], OSError) and _BODY_LIMIT in str(sys.exc_info()[1]):
        # An oversized body is the client's doing: the server answers 413.
        req.log_error("%s %s: %s" % (phase, spec, sys.exc_info()[1]), APLOG_INFO)
        return HTTP_REQUEST_ENTITY_TOO_LARGE
    else:
        etype, evalue, etb = sys.exc_info()
        lines = []
        for chunk in traceback.format_exception(etype, evalue, etb):
            lines.extend(chunk.rstrip("\n").split("\n"))
    for line in lines:
        req.log_error("%s %s: %s" % (phase, spec, line), APLOG_ERR)
    if not debug or _req_get(req._h, _F["_headers_sent"]):
        return HTTP_INTERNAL_SERVER_ERROR
    try:
        req.status = HTTP_INTERNAL_SERVER_ERROR
        req.content_type = "text/html"
        body = '\n<pre>\nMod_python error: "%s %s"\n\n%s\n</pre>\n' % (
            phase, html.escape(spec), html.escape("\n".join(lines)))
        req.write(body, 0)
    except Exception:
        return HTTP_INTERNAL_SERVER_ERROR
    return DONE


def _import_dispatch(module_name, func):
    try:
        # As in mod_python, PythonPath comes from the main server's config.
        _set_path(main_server.get_config().get("PythonPath"), None)
        module = import_module(module_name, log=0)
        if func:
            getattr(module, func)()
        return 0
    except Exception:
        _log_traceback(log_error, "PythonImport %s%s" % (module_name, "::" + func if func else ""))
        return 1


def _modpy_entry(kind, h, phase, a, b):
    """The one entry point the Go runtime calls."""
    if kind == 1:
        return _dispatch(h, a)
    if kind == 4:
        return 0
    if kind == 5:
        return _end_request(h)
    if kind == 6:
        return _run_server_cleanups()
    if kind == 7:
        return _filter_dispatch(h, phase)
    if kind == 8:
        return _conn_dispatch(h, a)
    if kind == 2:
        return _import_dispatch(a, b)
    if kind == 3:
        return int(eval(a, {"sys": sys, "__builtins__": builtins}))
    raise ValueError("unknown call kind %r" % kind)


def _end_blockers():
    """Why this interpreter cannot be ended now ("" if it can)."""
    import threading
    others = [t for t in threading.enumerate() if t is not threading.main_thread()
              and not isinstance(t, threading._DummyThread)]
    if others:
        return "live threads: " + ", ".join(
            "%s%s" % (t.name, " (daemon)" if t.daemon else "") for t in others)
    one = _one_interpreter_extensions()
    if one:
        return ("extension modules that work in one interpreter per process "
                "(a new interpreter could not import them again): " + ", ".join(one))
    return ""


# Extension modules known to refuse (or crash in) a second interpreter of
# the process: Rust (PyO3) modules and numpy. Cython modules are recognised
# by what Cython puts in their namespace.
_ONE_INTERPRETER_EXTENSIONS = frozenset([
    "numpy.core._multiarray_umath", "numpy._core._multiarray_umath",
    "cryptography.hazmat.bindings._rust", "pydantic_core._pydantic_core",
    "orjson", "rpds.rpds", "jiter", "bcrypt._bcrypt", "nh3", "tokenizers",
    "polars", "tiktoken._tiktoken",
])


def _one_interpreter_extensions():
    """The loaded extension modules that allow one interpreter per process."""
    import importlib.machinery
    found = []
    for name, mod in list(sys.modules.items()):
        if name in _ONE_INTERPRETER_EXTENSIONS:
            found.append(name)
            continue
        if not isinstance(getattr(mod, "__loader__", None), importlib.machinery.ExtensionFileLoader):
            continue
        ns = getattr(mod, "__dict__", None) or {}
        if (isinstance(ns.get("__test__"), dict) or any(k.startswith("__pyx_") for k in ns)
                or any(type(v).__name__ in ("cython_function_or_method", "fused_cython_function")
                       for v in list(ns.values()))):
            found.append(name + " (Cython)")
    return sorted(found)


# ---- global locks (mod_python's _apache._global_lock) ----
# They hold across worker processes and interpreters: flock(2) on files in
# PythonOption mod_python.mutex_directory (see _mutex.py).

_server_class = server


def _global_lock_path(server, key, index):
    if not isinstance(server, _server_class):
        raise TypeError("First argument must be a server object")
    if index == -1:
        index = _mutex.key_index(key)
    return _mutex, _mutex.index_path(index)


def _global_lock(server, key, index=-1):
    """Wait for and take global lock `index`, or (index -1) the one `key`
    hashes to (never 0, which DbmSession uses)."""
    m, path = _global_lock_path(server, key, index)
    m.acquire(path, object())


def _global_trylock(server, key, index=-1):
    """Take the global lock if it is free: True, else False at once."""
    m, path = _global_lock_path(server, key, index)
    return m.acquire(path, object(), blocking=False)


def _global_unlock(server, key, index=-1):
    """Release the global lock (from any thread, as APR allows)."""
    m, path = _global_lock_path(server, key, index)
    m.release(path)


def build_cgi_env(req):
    """The CGI variables of req (mod_python 3.5's apache.build_cgi_env)."""
    return _cgienv.build_cgi_env(req)


def setup_cgi(req):
    """Make this thread's sys.stdin read the request body, its sys.stdout
    write a CGI response (headers, a blank line, the body), and os.environ
    hold the CGI variables; returns what restore_nocgi needs to undo it.
    Other threads keep their own stdin and stdout."""
    import threading
    saved_env = _cgienv._save_environ()
    si, so = sys.stdin, sys.stdout
    _cgienv._add_environ(build_cgi_env(req))
    stdin, stdout, _ = _cgienv._streams(req)
    me = threading.get_ident()
    sys.stdin = _cgienv._Routed(stdin, si, me)
    sys.stdout = _cgienv._Routed(stdout, so, me)
    sys.argv = []  # as 3.5: keeps cgi.py happy
    return saved_env, si, so


def restore_nocgi(sav_env, si, so):
    """Undo setup_cgi (3.5 swapped stdin and stdout back; this does not)."""
    try:
        sys.stdout.flush()
    except Exception:
        pass
    _cgienv._restore_environ(sav_env)
    sys.stdin, sys.stdout = si, so


def exists_config_define(name):
    return False


def server_root():
    """The ServerRoot (not the working directory, which handlers may
    change)."""
    return _apache.srv_get(0, _SRV_FIELDS.index("_root"))


def mpm_query(code):
    """Apache's ap_mpm_query for modpy's process model: threaded workers,
    several of them (forked, in Apache's terms) under the master, one with
    -X."""
    daemons = _apache.srv_get(0, _SRV_FIELDS.index("_daemons"))
    threads = _apache.srv_get(0, _SRV_FIELDS.index("_threads"))
    if code == AP_MPMQ_IS_THREADED:
        return AP_MPMQ_STATIC
    if code == AP_MPMQ_IS_FORKED:
        return AP_MPMQ_DYNAMIC if daemons > 0 else AP_MPMQ_NOT_SUPPORTED
    if code in (AP_MPMQ_MAX_DAEMONS, AP_MPMQ_HARD_LIMIT_DAEMONS, AP_MPMQ_MAX_DAEMON_USED):
        return max(daemons, 1)
    if code in (AP_MPMQ_MAX_THREADS, AP_MPMQ_HARD_LIMIT_THREADS):
        return threads
    return 0


class _MultiprocessingDefaults(object):
    """Makes "spawn" multiprocessing's default start method when a handler
    first imports it: fork() in a multithreaded server can deadlock the
    child. Nothing is imported until a handler asks for multiprocessing."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != "multiprocessing":
            return None
        sys.meta_path.remove(cls)
        import importlib.util
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        loader_exec = spec.loader.exec_module

        def exec_module(module):
            loader_exec(module)
            module.set_start_method("spawn")
        spec.loader.exec_module = exec_module
        return spec


def _init(name):
    """Called once per interpreter by modpy's bootstrap."""
    global interpreter, main_server
    interpreter = name
    main_server = server(0)
    # The global locks read PythonOption mod_python.mutex_* of the main
    # server, at their first use.
    _mutex.use_options(main_server.get_options)
    sys.argv = ["mod_python"]
    sys.stdout = _LogWriter(APLOG_NOTICE, "<stdout>")
    sys.stderr = _LogWriter(APLOG_ERR, "<stderr>")
    _siteimport.install()
    if "multiprocessing" not in sys.modules:
        sys.meta_path.insert(0, _MultiprocessingDefaults)


def init(name=None, server=None):
    """mod_python's init(): returns the dispatcher (this module)."""
    return sys.modules[__name__]
