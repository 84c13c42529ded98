"""WSGI applications as mod_wsgi's embedded mode runs them: private to modpy.

run() is the call of the server's wsgi-script handler (WSGIScriptAlias,
SetHandler or AddHandler wsgi-script): it loads the script file as a module,
named and reloaded as mod_wsgi does it, and calls its application with an
environ built from what the call brought. serve() is what mod_python.wsgi
shares with it: the environ's wsgi.* objects, start_response and write(),
the body sent as the application yields it, close() always, and the error
answers. The CGI variables, the checks of the status and header fields, and
sending a file are the server's (internal/server/mod_wsgi.go), each one call
into Go.
"""

import os
import sys
import threading
import traceback

import _apache

from mod_python import apache, _siteimport
from mod_python._protocol import (
    CALL_RELOAD, OP_HANDLER_LOCATION, OP_SEND_FILE, OP_WSGI_ABORT, OP_WSGI_ENVIRON, OP_WSGI_START,
    WSGI_CONST_KEYS)

_write = _apache.write
_read = _apache.read
_req_op = _apache.req_op
_log_error = _apache.log_error

APLOG_ERR = apache.APLOG_ERR
APLOG_NOTICE = apache.APLOG_NOTICE
APLOG_INFO = apache.APLOG_INFO
APLOG_DEBUG = apache.APLOG_DEBUG
OK = apache.OK
DONE = apache.DONE
RequestTimeout = apache.RequestTimeout

# The interpreter's name, for the error log.
_interp = apache.interpreter or ""

# The mod_wsgi release whose behaviour this follows (mod_wsgi.version).
VERSION = (4, 9, 4)


def _log(h, message, level=APLOG_ERR):
    _log_error(message, level, h, _interp)


def _log_exception(h, first):
    """first, then the exception being handled, a line at a time."""
    _log(h, first)
    for chunk in traceback.format_exception(*sys.exc_info()):
        for line in chunk.rstrip("\n").split("\n"):
            _log(h, line)


# ---- the script files ----

# Loaded scripts by file: the module, while sys.modules still holds it.
_scripts = {}
_names = {}
_load_lock = threading.RLock()


def module_name(path):
    """mod_wsgi 4.9's name for the module of a script file: "_mod_wsgi_"
    and the md5 of the path, lower-cased (WSGICaseSensitivity On)."""
    name = _names.get(path)
    if name is None:
        import hashlib
        digest = hashlib.md5(path.lower().encode("utf-8", "surrogateescape")).hexdigest()
        name = _names[path] = "_mod_wsgi_" + digest
    return name


def load_script(path, mtime, reloading, h=0):
    """The module of the script file at path: the one loaded already,
    unless reloading and the file's mtime (Unix nanoseconds) is not the one
    it was loaded at; else the file executed afresh as a new module. None
    when it could not be read or executed (logged)."""
    module = _scripts.get(path)
    if module is not None and sys.modules.get(module.__name__) is module and (
            not reloading or module.__mtime__ == mtime):
        return module
    with _load_lock:  # one thread loads; the others then find its module
        name = module_name(path)
        module = _scripts.get(path)
        if module is not None and sys.modules.get(name) is module:
            if not reloading or module.__mtime__ == mtime:
                return module
            _log(h, "Reloading WSGI script '%s'." % path, APLOG_INFO)
            del sys.modules[name]
        else:
            _log(h, "Loading Python script file '%s'." % path, APLOG_INFO)
        _scripts.pop(path, None)
        try:
            with open(path, "rb") as f:
                source = f.read()
            code = compile(source, path, "exec", dont_inherit=True)
        except Exception:
            _log_exception(h, "Could not read/compile source file '%s'." % path)
            return None
        module = type(sys)(name)
        module.__file__ = path
        module.__mtime__ = mtime
        sys.modules[name] = module
        try:
            exec(code, module.__dict__)
        except (Exception, SystemExit):
            if sys.modules.get(name) is module:
                del sys.modules[name]
            _log_exception(h, "Failed to exec Python script file '%s'." % path)
            return None
        _scripts[path] = module
        return module


def import_script(path):
    """WSGIImportScript: load path in this interpreter; 0, or 1 when it
    failed (logged)."""
    import os
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError as e:
        _log(0, "WSGIImportScript: cannot load '%s': %s" % (path, e))
        return 1
    return 0 if load_script(path, mtime, True) is not None else 1


def _interp_reload(h):
    """PythonInterpReload: whether this interpreter's files changed (then
    the runtime ends it and a fresh one takes the request)."""
    changed = _siteimport.poll_changes()
    if changed:
        _log(h, "PythonInterpReload: %s changed; this interpreter ends and a fresh one serves"
             % ", ".join(_siteimport.files_of(changed)), APLOG_NOTICE)
        return True
    return False


def run(h, info):
    """The wsgi-script handler's call (internal/python/wsgi.go, packWSGI)."""
    (script, callable_name, group, reloading, mtime, error_override,
     multithread, multiprocess, interp_reload, const, environ) = info
    if interp_reload and _interp_reload(h):
        return CALL_RELOAD
    module = _scripts.get(script)
    if module is None or sys.modules.get(module.__name__) is not module or (
            reloading and module.__mtime__ != mtime):
        module = load_script(script, mtime, reloading, h)
        if module is None:
            return 500
    app = module.__dict__.get(callable_name)
    if app is None:
        _log(h, "Target WSGI script '%s' does not contain WSGI application '%s'." % (script, callable_name))
        return 404
    part = _const_parts.get(const)
    if part is None:
        part = _const_part(const, multithread, multiprocess)
    environ.update(part)
    return serve(h, app, environ, callable_name, script, error_override)


# The environ's part that most requests for a script share, by the values
# that make it (WSGI_CONST_KEYS' joined by NUL): with wsgi.* and
# mod_wsgi.version, made once rather than for every request.
_const_parts = {}


def _const_part(const, multithread, multiprocess):
    part = dict(zip(WSGI_CONST_KEYS, const.split("\0")))
    part.update(_BASE)
    part.update(_MOD_WSGI)
    part["wsgi.multithread"] = multithread
    part["wsgi.multiprocess"] = multiprocess
    if len(_const_parts) >= 256:
        _const_parts.clear()  # (many Host names: keep it bounded)
    _const_parts[const] = part
    return part


# ---- serving a request ----

class FileWrapper(object):
    """wsgi.file_wrapper: an application that returns one of these, around
    a regular file, has the file sent from its current position by the
    server, without its bytes passing through Python."""

    def __init__(self, filelike, blksize=8192):
        self.filelike = filelike
        self.blksize = blksize
        if hasattr(filelike, "close"):
            self.close = filelike.close

    def __iter__(self):
        return self

    def __next__(self):
        data = self.filelike.read(self.blksize)
        if data:
            return data
        raise StopIteration


# What every environ has (and mod_wsgi's, for its own handler).
_BASE = {
    "wsgi.version": (1, 0),
    "wsgi.run_once": False,
    "wsgi.file_wrapper": FileWrapper,
    "wsgi.input_terminated": True,
}
_MOD_WSGI = {"mod_wsgi.version": VERSION}


class _Input(object):
    """wsgi.input: the request body, read from the client as asked."""

    __slots__ = ("_h",)

    def __init__(self, h):
        self._h = h

    def read(self, size=-1):
        return _read(self._h, -1 if size is None else int(size), False)

    def readline(self, size=-1):
        return _read(self._h, -1 if size is None else int(size), True)

    def readlines(self, hint=-1):
        lines, total = [], 0
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                return lines

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def close(self):
        pass


class _Errors(object):
    """wsgi.errors: each line written goes to the error log (level error)
    with the interpreter's name; a partial line at flush or the end."""

    __slots__ = ("_h", "_buf")
    encoding = "utf-8"
    closed = False

    def __init__(self, h):
        self._h = h
        self._buf = ""

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("wsgi.errors.write() argument must be str, not %s" % type(s).__name__)
        buf = self._buf + s
        if "\n" in buf:
            lines = buf.split("\n")
            buf = lines.pop()
            for line in lines:
                _log(self._h, line)
        self._buf = buf
        return len(s)

    def writelines(self, lines):
        for s in lines:
            self.write(s)

    def flush(self):
        if self._buf:
            _log(self._h, self._buf)
            self._buf = ""

    def writable(self):
        return True

    def isatty(self):
        return False


class _AppError(Exception):
    """What the application did wrong by PEP 3333: logged in one line."""


class _Response(object):
    """One request's start_response, write() and body. name is the
    application's callable (None: mod_python.wsgi's, script its
    PythonOption), script the file it came from."""

    __slots__ = ("h", "name", "script", "override", "started", "sent", "status", "clen", "written", "drop",
                 "text")

    def __init__(self, h, name, script, override, text=False):
        self.h = h
        # text: str items are sent UTF-8 encoded, as mod_python 3.5's
        # mod_python.wsgi sent them through req.write (not PEP 3333).
        self.text = text
        self.name = name
        self.script = script
        self.override = override
        self.started = self.sent = self.drop = False
        self.status = None
        self.clen = -1
        self.written = 0

    def start_response(self, status, headers, exc_info=None):
        if exc_info is not None:
            try:
                if self.sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.started:
            raise _AppError("start_response() called a second time without exc_info")
        try:
            clen = _req_op(self.h, OP_WSGI_START, status, headers)
        except (TypeError, ValueError) as e:
            raise _AppError("start_response(): %s" % e) from None
        self.clen = clen
        self.started = True
        self.status = status
        # WSGIErrorOverride: the server answers a 4xx or 5xx instead.
        self.drop = self.override and status[0] in "45"
        return self.write

    def write(self, data):
        """The write() callable start_response returns."""
        if not self.started:
            raise RuntimeError("response has not been started")
        if not isinstance(data, bytes):
            raise TypeError("write() argument must be bytes, not %s" % type(data).__name__)
        if data:
            self._out(data)

    def _out(self, data):
        """Send data, cut at the Content-Length the application set; False
        once that is reached."""
        clen = self.clen
        if clen >= 0:
            room = clen - self.written
            if room <= 0:
                return False
            if len(data) > room:
                data = data[:room]
        self.written += len(data)
        self.sent = True
        if not self.drop:
            _write(self.h, data, 1)
        return clen < 0 or self.written < clen

    def _send_file(self, wrapper):
        """Have the server send wrapper's file; False when it is not a
        regular file with a descriptor (then it is iterated)."""
        f = wrapper.filelike
        try:
            fd = f.fileno()
            offset = f.tell()
        except Exception:
            return False
        if self.drop:
            return True
        limit = -1 if self.clen < 0 else max(self.clen - self.written, 0)
        sent = _req_op(self.h, OP_SEND_FILE, fd, offset, limit)
        if sent is None:
            return False
        self.written += sent
        self.sent = True
        return True

    def run(self, app, environ):
        """Call app and send its response: OK, DONE (cut short after its
        headers went out), or the status the server answers with."""
        h = self.h
        result = None
        try:
            result = app(environ, self.start_response)
            if not (type(result) is FileWrapper and self.started and not self.sent and self._send_file(result)):
                for data in result:
                    if not isinstance(data, bytes):
                        if self.text and isinstance(data, str):
                            data = data.encode("utf-8")
                        else:
                            raise _AppError("sequence of byte string values expected, value of type %s found"
                                            % type(data).__name__)
                    if not data:
                        continue
                    if not self.started:
                        raise _AppError("body data before start_response() was called")
                    try:
                        if not self._out(data):
                            break  # its Content-Length is sent
                    except OSError as e:
                        _log(h, "Client closed connection (%s)." % e, APLOG_DEBUG)
                        return OK
            if not self.started:
                raise _AppError("returned without calling start_response()")
            if self.drop:
                return int(self.status[:3])
            return OK
        except _AppError as e:
            _log(h, "WSGI application %s: %s" % (self._what(), e))
            return self._failed(500)
        except RequestTimeout:
            _log(h, "WSGI application %s: interrupted: it ran past PythonRequestTimeout" % self._what())
            return self._failed(504)
        except OSError as e:
            if "exceeds LimitRequestBody" in str(e):
                _log(h, "WSGI application %s: %s" % (self._what(), e), APLOG_INFO)
                return self._failed(413)
            _log_exception(h, "Exception occurred processing WSGI script '%s'." % self.script)
            return self._failed(500)
        except SystemExit:
            _log(h, "SystemExit exception raised by WSGI script '%s' ignored." % self.script)
            return self._failed(500)
        except Exception:
            _log_exception(h, "Exception occurred processing WSGI script '%s'." % self.script)
            return self._failed(500)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    _log_exception(h, "Exception occurred processing WSGI script '%s'." % self.script)

    def _what(self):
        """The application, as the error log names it."""
        if self.name is None:
            return "mod_python.wsgi.application %s" % self.script
        return "'%s' of WSGI script '%s'" % (self.name, self.script)

    def _failed(self, status):
        """The answer after a failure: a response whose headers went out is
        cut short (DONE), else the server answers with status."""
        if self.sent and _req_op(self.h, OP_WSGI_ABORT):
            return DONE
        return status


def serve(h, app, environ, name, script, error_override, req=None):
    """Run app for request h with environ (all but wsgi.input and
    wsgi.errors); name and script say what it is (_Response). req is set
    for mod_python.wsgi: as in mod_python 3.5, wsgi.input is the request
    object itself, wsgi.errors is sys.stderr (the error log) and str items
    of the body are accepted."""
    if req is not None:
        environ["wsgi.input"] = req
        errors = environ["wsgi.errors"] = sys.stderr
    else:
        environ["wsgi.input"] = _Input(h)
        errors = environ["wsgi.errors"] = _Errors(h)
    try:
        return _Response(h, name, script, error_override, req is not None).run(app, environ)
    finally:
        errors.flush()


# ---- mod_python.wsgi ----

def serve_request(req, app, app_str):
    """mod_python.wsgi's handler, after it found app (named app_str) and
    set req.path_info: run it as mod_wsgi would, the environ built as
    mod_python 3.5 builds it (HTTP_AUTHORIZATION passed)."""
    h = req._h
    environ, multithread, multiprocess = _req_op(h, OP_WSGI_ENVIRON, True)
    environ.update(_BASE)
    environ["wsgi.multithread"] = multithread
    environ["wsgi.multiprocess"] = multiprocess
    return serve(h, app, environ, None, app_str, False, req)


def handler_location(req):
    """The <Location> path the running handler's directive sits in, or
    None."""
    return _req_op(req._h, OP_HANDLER_LOCATION, req.hlist.handler)


# ---- the mod_wsgi module ----

def _mod_wsgi_module():
    """import mod_wsgi, as applications that look for it do: its version,
    process_group and application_group."""
    if "mod_wsgi" in sys.modules:
        return
    m = type(sys)("mod_wsgi")
    m.__doc__ = "mod_wsgi's embedded-mode module, as modpy provides it."
    m.version = VERSION
    m.process_group = os.environ.get("MODPY_GROUP", "")
    m.application_group = "" if _interp == "main_interpreter" else _interp
    m.FileWrapper = FileWrapper
    sys.modules["mod_wsgi"] = m


_mod_wsgi_module()
