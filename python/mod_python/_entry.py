"""The Go runtime's way into mod_python: private to modpy.

Every call the runtime makes into an interpreter goes through _modpy_entry
(run a phase's handlers, a filter or a connection handler, PythonImport, a
request's or the worker's cleanups); _init sets mod_python up in a new
interpreter; _end_blockers says whether it can be ended. The kinds of call
and the phase tables come from _protocol, which is generated from the Go
side's table (internal/python/protocol). apache.py keeps mod_python's public
API and the objects handlers see; this is the dispatcher between the server
and them.
"""

import builtins
import html
import importlib
import marshal
import sys
import traceback

import _apache

from mod_python import apache, _mutex, _siteimport
from mod_python._protocol import (
    CALL_CONNECTION, CALL_DISPATCH, CALL_END, CALL_EVAL, CALL_FILTER, CALL_IMPORT, CALL_INCLUDE,
    CALL_NOOP, CALL_RELOAD, CALL_SERVER_CLEANUP, CALL_WSGI, CALL_WSGI_AUTH, CALL_WSGI_IMPORT,
    DEFAULT_FUNC, GO_ON, OP_ATTRS, OP_SET_ATTRS, OP_WANT_END, PHASE_CONNECTION, PHASE_INPUT_FILTER,
    PHASE_OUTPUT_FILTER)
# RequestTimeout is also what the C side raises in a handler that runs past
# PythonRequestTimeout (MODPY_ENTRY_TIMEOUT): it finds it here.
from mod_python.apache import (
    APLOG_ERR, APLOG_INFO, APLOG_NOTICE, DECLINED, DONE, HTTP_GATEWAY_TIME_OUT,
    HTTP_INTERNAL_SERVER_ERROR, HTTP_REQUEST_ENTITY_TOO_LARGE, OK, RequestTimeout,
    SERVER_RETURN, _F, _FilterObject, _LogWriter, _NoObject, _live, _req_get, _req_op,
    _server_cleanups, connection, import_module, log_error, request, resolve_object,
    server)


# ---- loading handlers ----

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


# ---- dispatch ----

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

class _HandlerError(Exception):
    """A handler could not be found or returned nonsense: one clear line."""


def _request_for(h, attrs_ver):
    """The request object for this phase: the one an earlier phase in this
    interpreter left, else a new one; with the plain-value attributes that
    phases in other interpreters set since."""
    req = _live.get(h)
    if req is None:
        req = request(h)
    if attrs_ver != req._attrs_ver:
        ver, blob = _req_op(h, OP_ATTRS)
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
            req._attrs_ver = _req_op(req._h, OP_SET_ATTRS, blob)
            req._attrs_blob = blob
    if (attrs or req._cleanups) and req._h not in _live:
        _live[req._h] = req
        _req_op(req._h, OP_WANT_END, apache.interpreter or "")


def _run_server_cleanups():
    while _server_cleanups:
        func, data = _server_cleanups.pop(0)
        try:
            func(data)
        except Exception:
            _log_traceback(log_error, "register_cleanup %r" % (func,))
    return 0


def _filter_dispatch(h, fid):
    """Run output filter fid once (mod_python's FilterDispatch): import its
    module, call its function with the filter object, then flush unless it
    closed. On an exception the filter is disabled (its data passes on
    unchanged) and the traceback logged; the result is non-zero then."""
    req = _request_for(h, -1)
    f = _FilterObject(req, fid)
    spec = f.handler
    directive = PHASE_INPUT_FILTER if f.is_input else PHASE_OUTPUT_FILTER
    try:
        _, debug, autoreload, pythonpath = _apache.phase(h)[1:5]
        _set_path(pythonpath, f.dir)
        module_name, _, obj_str = spec.partition("::")
        module = _load_handler_module(module_name, f.dir or "", autoreload, debug)
        obj = resolve_object(module, obj_str or DEFAULT_FUNC[directive], arg=f, silent=0)
        obj(f)
        if not f.closed and not f.is_input:
            f.flush()
        return 0
    except Exception:
        _log_traceback(req.log_error, "%s %s" % (directive, spec))
        return 1
    finally:
        _save_request(req)


def _include_dispatch(h, fid, tag, code):
    """A server-side include's <!--#python exec="..." --> or eval= (mod_python's
    IncludeDispatch): the code runs with req.ssi_globals as its globals,
    where "filter" is the INCLUDES filter, whose write() puts text into the
    page; eval's value, unless None, goes into the page as str. On an
    exception the traceback is logged (with PythonDebug also put into the
    page) and the result is non-zero: mod_include puts its error message
    there."""
    req = _request_for(h, -1)
    f = _FilterObject(req, fid)
    debug = False
    try:
        debug = _apache.phase(h)[2]
        g = getattr(req, "ssi_globals", None)
        if g is None:
            g = req.ssi_globals = {}
        g["filter"] = f
        g["__file__"] = req.filename
        code = code.replace("\r\n", "\n").rstrip()
        if tag == "eval":
            result = eval(code, g)
            if result is not None:
                f.write(str(result))
        else:
            exec(code, g)
        f.flush()
        g["filter"] = None
        return 0
    except Exception:
        _log_traceback(req.log_error, "SSI #python %s in %s" % (tag, req.filename))
        if debug:
            try:
                f.write("<pre>%s</pre>" % html.escape(traceback.format_exc()))
            except Exception:
                pass
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
        obj = resolve_object(module, obj_str or DEFAULT_FUNC[PHASE_CONNECTION], arg=conn, silent=0)
        result = obj(conn)
        if not isinstance(result, int) or isinstance(result, bool):
            raise _HandlerError("connection handler returned %r, not an int" % (result,))
        return result
    except Exception:
        _log_traceback(conn.log_error, "%s %s" % (PHASE_CONNECTION, spec))
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
            return CALL_RELOAD
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
    default_func = DEFAULT_FUNC.get(phase, "handler")
    go_on = GO_ON.get(phase, (OK,))
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
            if obj is None and silent:
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
        except (_HandlerError, _NoObject) as e:
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
        _set_path(apache.main_server.get_config().get("PythonPath"), None)
        module = import_module(module_name, log=0)
        if func:
            getattr(module, func)()
        return 0
    except Exception:
        _log_traceback(log_error, "PythonImport %s%s" % (module_name, "::" + func if func else ""))
        return 1


def _modpy_entry(kind, h, phase, a, b):
    """The one entry point the Go runtime calls."""
    if kind == CALL_DISPATCH:
        return _dispatch(h, a)
    if kind == CALL_WSGI:
        return _wsgi_run(h, a)
    if kind == CALL_NOOP:
        return 0
    if kind == CALL_END:
        return _end_request(h)
    if kind == CALL_SERVER_CLEANUP:
        return _run_server_cleanups()
    if kind == CALL_FILTER:
        return _filter_dispatch(h, phase)
    if kind == CALL_CONNECTION:
        return _conn_dispatch(h, a)
    if kind == CALL_INCLUDE:
        return _include_dispatch(h, phase, a, b)
    if kind == CALL_IMPORT:
        return _import_dispatch(a, b)
    if kind == CALL_EVAL:
        return int(eval(a, {"sys": sys, "__builtins__": builtins}))
    if kind == CALL_WSGI_IMPORT:
        from mod_python import _wsgi
        return _wsgi.import_script(a)
    if kind == CALL_WSGI_AUTH:
        from mod_python import _wsgi_auth
        return _wsgi_auth.run(h, a)
    raise ValueError("unknown call kind %r" % kind)


def _wsgi_run(h, info):
    """A WSGI application's call (mod_python/_wsgi.py, imported on the
    first one: sites without WSGI never load it)."""
    global _wsgi_run
    from mod_python._wsgi import run
    _wsgi_run = run
    return run(h, info)


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
    apache.interpreter = name
    apache.main_server = server(0)
    # The global locks read PythonOption mod_python.mutex_* of the main
    # server, at their first use.
    _mutex.use_options(apache.main_server.get_options)
    sys.argv = ["mod_python"]
    sys.stdout = _LogWriter(APLOG_NOTICE, "<stdout>")
    sys.stderr = _LogWriter(APLOG_ERR, "<stderr>")
    _siteimport.install()
    if "multiprocessing" not in sys.modules:
        sys.meta_path.insert(0, _MultiprocessingDefaults)


