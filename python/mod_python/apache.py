"""mod_python.apache as modpy provides it.

The request, server, connection and table objects, import_module and the
constants of mod_python 3.5. The request lives in the Go server; the objects
here read and write it through the _apache module, by the numbers of
_protocol (generated from the Go side's table). The dispatcher the server
calls into (running a phase's handlers, filters, cleanups) is _entry.py.
"""

# builtins, html, marshal and traceback serve the dispatcher, now in
# _entry.py; they stay imported here for code that reached them as
# apache.<module>.
import builtins  # noqa: F401
import html  # noqa: F401
import importlib
import marshal  # noqa: F401
import os
import sys
import time
import traceback  # noqa: F401

import _apache

from mod_python import _cgienv, _mutex, _protocol, _siteimport
from mod_python._protocol import (
    INPUT_FILTER_BASE as _INPUT_FILTER_BASE, OP_ADD_HANDLER as _OP_ADD_HANDLER,
    OP_ADD_INPUT_FILTER as _OP_ADD_INPUT_FILTER, OP_ADD_OUTPUT_FILTER as _OP_ADD_OUTPUT_FILTER,
    OP_ATTRS as _OP_ATTRS, OP_BASIC_AUTH as _OP_BASIC_AUTH, OP_CONN_READ as _OP_CONN_READ,
    OP_FILTER_CTL as _OP_FILTER_CTL, OP_FILTER_INFO as _OP_FILTER_INFO,
    OP_FILTER_READ as _OP_FILTER_READ, OP_FILTER_WRITE as _OP_FILTER_WRITE,
    OP_INTERNAL_REDIRECT as _OP_INTERNAL_REDIRECT, OP_REGISTER_FILTER as _OP_REGISTER_FILTER,
    OP_REGISTER_IN_FILTER as _OP_REGISTER_IN_FILTER, OP_RELATED as _OP_RELATED,
    OP_SET_ATTRS as _OP_SET_ATTRS, OP_SSL_VAR_LOOKUP as _OP_SSL_VAR_LOOKUP, OP_WANT_END as _OP_WANT_END,
    PHASE_CLEANUP as _PHASE_CLEANUP, REQ_FIELDS as _REQ_FIELDS, REQ_WRITABLE as _REQ_WRITABLE,
    REQUEST_PHASES as _REQUEST_PHASES, SRV_FIELDS as _SRV_FIELDS,
    T_CONFIG as _T_CONFIG, T_ERR_HEADERS_OUT as _T_ERR_HEADERS_OUT,
    T_HEADERS_IN as _T_HEADERS_IN, T_HEADERS_OUT as _T_HEADERS_OUT, T_NOTES as _T_NOTES,
    T_OPTIONS as _T_OPTIONS, T_SERVER_CONFIG as _T_SERVER_CONFIG,
    T_SERVER_OPTIONS as _T_SERVER_OPTIONS, T_BASE_SERVER_CONFIG as _T_BASE_SERVER_CONFIG,
    T_BASE_SERVER_OPTIONS as _T_BASE_SERVER_OPTIONS, T_SUBPROCESS_ENV as _T_SUBPROCESS_ENV,
    TBL_ADD as _TBL_ADD, TBL_CLEAR as _TBL_CLEAR, TBL_DEL as _TBL_DEL, TBL_GET as _TBL_GET,
    TBL_HAS as _TBL_HAS, TBL_ITEMS as _TBL_ITEMS, TBL_LEN as _TBL_LEN, TBL_SET as _TBL_SET)

# ---- constants ----

OK = REQ_PROCEED = _protocol.OK
DECLINED = REQ_NOACTION = _protocol.DECLINED
DONE = _protocol.DONE
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

# req.finfo and apache.stat(): indexes of the finfo tuple, APR's file types
# and the bits of stat's `wanted`.
FINFO_MODE = 0
FINFO_INO = 1
FINFO_DEV = 2
FINFO_NLINK = 3
FINFO_UID = 4
FINFO_GID = 5
FINFO_SIZE = 6
FINFO_ATIME = 7
FINFO_MTIME = 8
FINFO_CTIME = 9
FINFO_FNAME = 10
FINFO_NAME = 11
FINFO_FILETYPE = 12

APR_NOFILE = 0
APR_REG = 1
APR_DIR = 2
APR_CHR = 3
APR_BLK = 4
APR_PIPE = 5
APR_LNK = 6
APR_SOCK = 7
APR_UNKFILE = 127

APR_FINFO_LINK = 0x00000001
APR_FINFO_MTIME = 0x00000010
APR_FINFO_CTIME = 0x00000020
APR_FINFO_ATIME = 0x00000040
APR_FINFO_SIZE = 0x00000100
APR_FINFO_CSIZE = 0x00000200
APR_FINFO_DEV = 0x00001000
APR_FINFO_INODE = 0x00002000
APR_FINFO_NLINK = 0x00004000
APR_FINFO_TYPE = 0x00008000
APR_FINFO_USER = 0x00010000
APR_FINFO_GROUP = 0x00020000
APR_FINFO_UPROT = 0x00100000
APR_FINFO_GPROT = 0x00200000
APR_FINFO_WPROT = 0x00400000
APR_FINFO_ICASE = 0x01000000
APR_FINFO_NAME = 0x02000000
APR_FINFO_MIN = 0x00008170
APR_FINFO_IDENT = 0x00003000
APR_FINFO_OWNER = 0x00030000
APR_FINFO_PROT = 0x00700000
APR_FINFO_NORM = 0x0073b170
APR_FINFO_DIRENT = 0x02000000

# r->read_body's policies: req.read* reads chunked bodies too.
REQUEST_NO_BODY = 0
REQUEST_CHUNKED_ERROR = 1
REQUEST_CHUNKED_DECHUNK = 2

# r->used_path_info.
AP_REQ_ACCEPT_PATH_INFO = 0
AP_REQ_REJECT_PATH_INFO = 1
AP_REQ_DEFAULT_PATH_INFO = 2

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
        """The first value of key, as 3.5's table.get (apr_table_get);
        t[key] gives them all."""
        v = self._get(key)
        if v is None:
            return default
        return v[0] if isinstance(v, list) else v

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
        """Sets each key of other (a mapping: anything with keys() and
        [key], whose keys and values are made strings, as 3.5's table
        does; or an iterable of pairs) and of kw. None is an
        AttributeError, as in 3.5."""
        if other is None:
            raise AttributeError("'NoneType' object has no attribute 'keys'")
        keys = getattr(other, "keys", None)
        if keys is not None:
            for k in keys():
                self[_tstr_any(k)] = _tstr_any(other[k])
        else:
            for k, v in other:
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


def _tstr_any(v):
    # update()'s conversion: any key or value becomes its str().
    return v if isinstance(v, (str, bytes)) else str(v)


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

_tbl = _apache.tbl


class _RequestTable(table):
    """A live view of one of the request's tables, kept by the server (an
    apache.table, as every table is in 3.5)."""

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

# Field numbers: _REQ_FIELDS (_protocol.py) names them.
_F = dict((n, i) for i, n in enumerate(_REQ_FIELDS))

_req_get = _apache.req_get
_req_op = _apache.req_op
_req_set = _apache.req_set
_write = _apache.write
_read = _apache.read

_REDIS_OPS = {"get": _protocol.OP_REDIS_GET, "set": _protocol.OP_REDIS_SET,
              "del": _protocol.OP_REDIS_DEL, "lock": _protocol.OP_REDIS_LOCK,
              "unlock": _protocol.OP_REDIS_UNLOCK}


def _redis(req, what, url, key, arg=None):
    """Session.RedisSession's Redis commands, run by the worker's pool for
    url with the GIL released ("get", "set", "del", "lock", "unlock": see
    OP_REDIS_* in _protocol.py). Raises OSError when Redis fails."""
    return _req_op(req._h, _REDIS_OPS[what], url, key, arg)


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

    def __iter__(self):
        # The body's lines, so that the request is a file-like wsgi.input
        # for mod_python.wsgi (PEP 3333 asks for __iter__; 3.5 had none).
        while True:
            line = self.readline()
            if not line:
                return
            yield line

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
        if phase == _PHASE_CLEANUP or phase not in _REQUEST_PHASES:
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
        """The client as the request sees it (mod_remoteip's, behind a
        proxy); connection.client_ip stays the peer."""
        return _req_get(self._h, _F["_useragent_ip"])

    @property
    def useragent_addr(self):
        return (_req_get(self._h, _F["_useragent_ip"]), _req_get(self._h, _F["_useragent_port"]))

    # -- request_rec members a handler reads (3.5's getset table) --
    assbackwards = property(lambda self: 1 if self.proto_num == 9 else 0)
    proxyreq = PROXYREQ_NONE
    allowed = 0
    allowed_xmethods = ()
    range = None
    content_encoding = None
    content_languages = ()
    vlist_validator = None
    no_local_copy = 0
    eos_sent = 0
    used_path_info = AP_REQ_DEFAULT_PATH_INFO

    @property
    def chunked(self):
        """1 once the response has begun (see sent_bodyct) if it goes, or
        would go if flushed now, chunked: HTTP/1.1 with no Content-Length,
        and a body."""
        if not self.sent_bodyct or self.proto_num < 1001 or self.header_only:
            return 0
        if self.status < 200 or self.status in (204, 304):
            return 0
        return 0 if "Content-Length" in self.headers_out else 1

    @property
    def clength(self):
        """The Content-Length set for the response (set_content_length), 0 if none."""
        try:
            return int(self.headers_out.get("Content-Length") or 0)
        except ValueError:
            return 0

    @property
    def read_length(self):
        """How many body bytes req.read* returned."""
        return max(_req_get(self._h, _F["_body_read"]), 0)

    @property
    def read_body(self):
        """REQUEST_NO_BODY until the body is first read, then
        REQUEST_CHUNKED_DECHUNK (chunked bodies are read)."""
        return REQUEST_NO_BODY if _req_get(self._h, _F["_body_read"]) < 0 else REQUEST_CHUNKED_DECHUNK

    @property
    def read_chunked(self):
        """1 once a chunked body is being read."""
        te = self.headers_in.get("Transfer-Encoding") or ""
        return 1 if self.read_body and "chunked" in str(te).lower() else 0

    @property
    def remaining(self):
        """The Content-Length body bytes not yet read (0 before the first
        read, as Apache's r->remaining)."""
        done = _req_get(self._h, _F["_body_read"])
        if done < 0 or self.read_chunked:
            return 0
        try:
            return max(int(self.headers_in.get("Content-Length") or 0) - done, 0)
        except ValueError:
            return 0

    @property
    def expecting_100(self):
        expect = self.headers_in.get("Expect") or ""
        return 1 if self.proto_num >= 1001 and str(expect).lower() == "100-continue" else 0

    def _get_finfo(self):
        f = self.__dict__.get("_finfo")
        if f is not None:
            return f
        return stat(self.filename, APR_FINFO_MIN) if self.filename else _finfo_none()

    def _set_finfo(self, f):
        if not isinstance(f, _Finfo):
            raise TypeError("req.finfo must be an mp_finfo, from apache.stat()")
        self.__dict__["_finfo"] = f

    finfo = property(_get_finfo, _set_finfo, doc="""The file req.filename names,
        as apache.stat gives it (an assigned one is kept: modpy itself
        looks at the file again when it serves it).""")

    @property
    def parsed_uri(self):
        """The request line's URI in pieces: (scheme, hostinfo, user,
        password, hostname, port, path, query, fragment), apache.URI_*."""
        return _parse_uri(self.unparsed_uri or "")

    def is_https(self):
        """1 on a TLS (HTTPS) connection, else 0."""
        return 1 if _req_op(self._h, _OP_SSL_VAR_LOOKUP, "HTTPS") == "on" else 0

    def ssl_var_lookup(self, name):
        """mod_ssl's ssl_var_lookup: the value of HTTPS, an SSL_* variable
        (SSL_PROTOCOL, SSL_CLIENT_S_DN...) or one of the request's it
        knows (HTTP_HOST, REQUEST_URI...), "" when it has none; None when
        the server has no mod_ssl."""
        if not isinstance(name, str):
            raise TypeError("ssl_var_lookup() argument must be str, not %s" % type(name).__name__)
        return _req_op(self._h, _OP_SSL_VAR_LOOKUP, name)

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
        scheme, default = ("https", 443) if self.is_https() else ("http", 80)
        host = self.hostname or self.server.server_hostname
        port = _req_get(self._h, _F["_local_port"])
        if port and port != default:
            host = "%s:%d" % (host, port)
        return "%s://%s%s" % (scheme, host, uri)

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
    # Apache's AP_CONN_* numbers: 0 unknown, 1 closes after this response,
    # 2 kept open for another request.
    keepalive = property(lambda self: _req_get(self._h, _F["_keepalive"]))

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

    @property
    def base_server(self):
        return server(self._h, base=True)

    # The server's name from a reverse lookup of the local address: none
    # (HostnameLookups is off), as in Apache then.
    local_host = None

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


class _Finfo(object):
    """A file's facts (mod_python's mp_finfo): attributes, or a tuple by
    apache.FINFO_*. Every field is None for a file that does not exist."""

    __slots__ = ("fname", "filetype", "valid", "protection", "user", "group", "inode",
                 "device", "nlink", "size", "atime", "mtime", "ctime", "name")
    _ORDER = ("protection", "inode", "device", "nlink", "user", "group", "size",
              "atime", "mtime", "ctime", "fname", "name", "filetype")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))
        if self.filetype is None:
            self.filetype = APR_NOFILE

    def __getitem__(self, i):
        return getattr(self, self._ORDER[i])

    def __len__(self):
        return len(self._ORDER)

    def __repr__(self):
        return "<mp_finfo %r %s>" % (self.fname, self.filetype)


def _finfo_none():
    return _Finfo()


def _apr_type(mode):
    import stat as st
    for test, t in ((st.S_ISREG, APR_REG), (st.S_ISDIR, APR_DIR), (st.S_ISCHR, APR_CHR),
                    (st.S_ISBLK, APR_BLK), (st.S_ISFIFO, APR_PIPE), (st.S_ISLNK, APR_LNK),
                    (st.S_ISSOCK, APR_SOCK)):
        if test(mode):
            return t
    return APR_UNKFILE


def _apr_prot(mode):
    # APR's permission bits: a nibble per class (user 0x0F00, group 0x00F0,
    # world 0x000F), set-id and sticky bits on top.
    p = ((mode & 0o700) << 2) | ((mode & 0o070) << 1) | (mode & 0o007)
    if mode & 0o4000:
        p |= 0x8000
    if mode & 0o2000:
        p |= 0x4000
    if mode & 0o1000:
        p |= 0x2000
    return p


def stat(fname, wanted):
    """An mp_finfo for the file fname (not following a final symbolic link
    if wanted has APR_FINFO_LINK). A file that does not exist gives one
    whose filetype is APR_NOFILE; other failures raise OSError."""
    try:
        s = os.lstat(fname) if wanted & APR_FINFO_LINK else os.stat(fname)
    except (FileNotFoundError, NotADirectoryError):
        return _Finfo()
    return _Finfo(fname=fname, filetype=_apr_type(s.st_mode), valid=APR_FINFO_NORM | (wanted & APR_FINFO_LINK),
                  protection=_apr_prot(s.st_mode), user=s.st_uid, group=s.st_gid, inode=s.st_ino,
                  device=s.st_dev, nlink=s.st_nlink, size=s.st_size, atime=int(s.st_atime),
                  mtime=int(s.st_mtime), ctime=int(s.st_ctime),
                  name=os.path.basename(fname) if wanted & APR_FINFO_NAME else None)


def _parse_uri(u):
    # apr_uri_parse's pieces of a request line's URI (path and query kept
    # as sent).
    scheme = hostinfo = user = password = hostname = port = query = fragment = None
    rest = u
    if not u.startswith("/") and "://" in u:
        scheme, rest = u.split("://", 1)
        slash = rest.find("/")
        hostinfo, rest = (rest, "") if slash < 0 else (rest[:slash], rest[slash:])
        host = hostinfo
        if "@" in host:
            cred, host = host.rsplit("@", 1)
            user, _, pw = cred.partition(":")
            password = pw if ":" in cred else None
        if host.startswith("["):
            end = host.find("]")
            hostname, tail = host[1:end], host[end + 1:]
        else:
            hostname, _, tail = host.partition(":")
            tail = ":" + tail if tail else ""
        if tail.startswith(":") and tail[1:].isdigit():
            port = int(tail[1:])
    if "#" in rest:
        rest, fragment = rest.split("#", 1)
    if "?" in rest:
        rest, query = rest.split("?", 1)
    return (scheme, hostinfo, user, password, hostname, port, rest or None, query, fragment)


def _wild(name):
    return "*" in name or "?" in name


class server(object):
    """A (virtual) server (mod_python's mp_server). h = 0 is the main server;
    otherwise the server of request h, or with base its connection's base
    server."""

    def __init__(self, h, base=False):
        self._h = h
        self._base = base

    for _i, _n in enumerate(_SRV_FIELDS):
        locals()[_n] = (lambda i: property(lambda self: _apache.srv_get(self._h, i, self._base)))(_i)
    del _i, _n

    # ServerAlias names, as Apache splits them: plain ones, and those with
    # a wildcard; tuples, as in 3.5.
    names = property(lambda self: tuple(n for n in self._aliases() if not _wild(n)))
    wild_names = property(lambda self: tuple(n for n in self._aliases() if _wild(n)))

    def _aliases(self):
        return _apache.srv_get(self._h, _SRV_FIELDS.index("names"), self._base)
    # ServerPath: None when unset, as mod_python's T_STRING member.
    path = property(lambda self: self._path or None)
    pathlen = property(lambda self: len(self._path))
    next = None
    my_generation = 0

    def register_cleanup(self, req, callable, data=None):
        """Call callable(data) when this worker process ends (in this
        interpreter, if it is still alive then)."""
        if not hasattr(callable, "__call__"):
            raise TypeError("register_cleanup: the second argument must be callable")
        register_cleanup(callable, data)

    def get_options(self):
        """The PythonOption values of this server's scope (outside any
        section), a table Python may change (this worker's copy)."""
        return _RequestTable(self._h, _T_BASE_SERVER_OPTIONS if self._base else _T_SERVER_OPTIONS)

    def get_config(self):
        """The Python* directives of this server's scope, as get_options."""
        return _RequestTable(self._h, _T_BASE_SERVER_CONFIG if self._base else _T_SERVER_CONFIG)

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


class _NoObject(AttributeError):
    """resolve_object found no such object: 3.5's message, logged as one line."""


def resolve_object(module, obj_str, arg=None, silent=0):
    """Find obj_str ("func" or "obj.attr...") in module; a class met on the
    way is instantiated with `arg`."""
    obj = module
    parent = None
    parts = obj_str.split(".")
    for i, part in enumerate(parts):
        parent = obj
        if isinstance(parent, type) and arg is not None:
            parent = parent(arg)
        if not hasattr(parent, part):
            if silent:
                return None
            raise _NoObject("module '%s' contains no '%s'" % (
                getattr(module, "__file__", module.__name__), ".".join(parts[:i + 1])))
        obj = getattr(parent, part)
    return obj


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
        elif k not in ("AUTHORIZATION", "PROXY_AUTHORIZATION", "PROXY"):
            # PROXY: HTTP_PROXY would pose as an outgoing proxy setting
            # (httpoxy); Apache 2.4.25 and later drop it.
            env["HTTP_" + k] = v
    srv = req.server
    local_ip, local_port = req.connection.local_addr
    remote_ip = req.useragent_ip  # (mod_remoteip's client; the port stays the peer's)
    remote_port = req.connection.remote_addr[1]
    env.update({
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "SERVER_SIGNATURE": _req_get(req._h, _F["_signature"]),
        "SERVER_SOFTWARE": srv._software,
        "SERVER_NAME": req.hostname or srv.server_hostname,
        "SERVER_ADDR": local_ip or "",
        "SERVER_PORT": str(local_port or srv.port or 80),
        "REMOTE_ADDR": remote_ip or "",
        "DOCUMENT_ROOT": req.document_root() or "",
        "REQUEST_SCHEME": "https" if req.is_https() else "http",
        "CONTEXT_PREFIX": "",
        "CONTEXT_DOCUMENT_ROOT": req.document_root() or "",
        "SERVER_ADMIN": srv.server_admin or "",
        "SCRIPT_FILENAME": req.filename or "",
        "REMOTE_PORT": "" if remote_port is None else str(remote_port),
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


# The request objects that outlive a phase in this interpreter, by handle:
# those that carry attributes or cleanups. The server ends them (CALL_END:
# _entry._end_request) when the request is over.
_live = {}


# apache.register_cleanup / server.register_cleanup: run when the worker
# process stops (CALL_SERVER_CLEANUP: _entry._run_server_cleanups), in this
# interpreter.
_server_cleanups = []


def register_cleanup(callable, data=None):
    """Call callable(data) when this worker process stops."""
    if not hasattr(callable, "__call__"):
        raise TypeError("register_cleanup: the first argument must be callable")
    _server_cleanups.append((callable, data))


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


# ---- global locks (mod_python's _apache._global_lock) ----
# They hold across worker processes and interpreters: flock(2) on files in
# PythonOption mod_python.mutex_directory (see _mutex.py).

_server_class = server

# The objects show the names of mod_python's C types, which code and
# mod_python's own tests look at (str(type(req.connection)) is
# "<class 'mp_conn'>"); apache.request, apache.connection, ... stay their
# names here.
for _cls, _name in ((request, "mp_request"), (connection, "mp_conn"), (server, "mp_server"),
                    (table, "mp_table"), (_RequestTable, "mp_table"), (hlist, "mp_hlist"),
                    (_FilterObject, "mp_filter")):
    _cls.__name__ = _cls.__qualname__ = _name
    _cls.__module__ = "builtins"
del _cls, _name


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


# 3.5's _apache module had these; code that imports _apache calls them
# there (mod_python's own test_global_lock does). modpy's _apache functions
# of the same name (log_error) are its own and stay.
for _n, _f in (("_global_lock", _global_lock), ("_global_trylock", _global_trylock),
               ("_global_unlock", _global_unlock)):
    if not hasattr(_apache, _n):
        setattr(_apache, _n, _f)
del _n, _f


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
    """Whether name was defined at start-up: -D name on the command line
    (also with -k start) or a Define directive."""
    return name in _apache.srv_get(0, _SRV_FIELDS.index("_defines"))


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


def init(name=None, server=None):
    """mod_python's init(), which returns its dispatcher: here this module
    (modpy's dispatcher, _entry, is private)."""
    return sys.modules[__name__]


# The dispatcher moved to _entry.py; what it defines stays reachable here
# under its old names, for code that reached into this module for them.
_MOVED_TO_ENTRY = frozenset([
    "_handler_modules", "_load_handler_module", "_path_cache", "_set_path",
    "_BODY_LIMIT", "_HandlerError", "_request_for", "_is_plain", "_save_request",
    "_run_server_cleanups", "_filter_dispatch", "_conn_dispatch", "_end_request",
    "_dispatch", "_call_over", "_run_handlers", "_log_traceback", "_traceback_tail",
    "_report", "_import_dispatch", "_modpy_entry", "_end_blockers",
    "_ONE_INTERPRETER_EXTENSIONS", "_one_interpreter_extensions",
    "_MultiprocessingDefaults", "_init",
])


def __getattr__(name):
    if name in _MOVED_TO_ENTRY:
        from mod_python import _entry
        return getattr(_entry, name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
