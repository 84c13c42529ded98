"""mod_python.publisher as modpy provides it.

    PythonHandler mod_python.publisher

maps a URL to a callable in a .py file: /dir/mod.py/func calls func in
/dir/mod.py with the form's fields as keyword arguments (and req, if it
asks for it), and writes what it returns. /dir/mod.py calls index;
/dir/ calls index in /dir/index.py; /dir/func, with no /dir/func.py, calls
func in /dir/index.py. /dir/mod.py/obj/meth traverses objects.

Its security rules are mod_python 3.5's: a path component that starts with
'_' is 403; modules, classes, builtin functions and code objects can be
neither traversed nor published (403), nor can anything be traversed out of
a function, method or other builtin-typed object (403); a missing name is
404. __auth__, __access__ and __auth_realm__ on the module, on objects met
on the way, or assigned inside the published function, ask for Basic
credentials (401) and check them (403).
"""

import base64
import binascii
import dis
import os
import re
import types

from mod_python import apache, util

_METHODS = ("GET", "POST", "HEAD")


# ---- the handler ----

def handler(req):
    if req.method not in _METHODS:
        # apache.request has no allow_methods: say it in the header
        # mod_python's req.allow_methods would have set.
        req.err_headers_out["Allow"] = ", ".join(_METHODS)
        raise apache.SERVER_RETURN(apache.HTTP_METHOD_NOT_ALLOWED)

    filename = req.filename
    if not filename:
        # A <Location> with no file behind it.
        raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)
    path_info = req.path_info or ""
    # (req.filename ends in '/' for a directory URL ending in '/', as in
    # Apache: then index.py.)

    directory, module_name = os.path.split(filename)
    if not module_name:
        module_name = "index"

    # Strip the extension that brought the request here: .py, or the one a
    # `PythonHandler mod_python.publisher | .ext` line matched.
    suffixes = ["py"]
    if req.extension:
        suffixes.append(req.extension.lstrip("."))
    module_name = re.sub(r"\.(?:%s)$" % "|".join(re.escape(s) for s in suffixes), "", module_name)

    func_path = path_info[1:] if path_info.startswith("/") else path_info
    if func_path.endswith("/"):
        func_path = func_path[:-1]

    module_file = os.path.join(directory, module_name + ".py")
    if "." in module_name and os.path.isfile(module_file):
        # A module is imported by name, and a dot in a name means a package.
        req.log_error("mod_python.publisher: cannot publish %s: a '.' in a module's name "
                      "is not supported" % module_file, apache.APLOG_ERR)
        raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)
    if not os.path.isfile(module_file):
        # /dir/func: func in /dir/index.py.
        func_path = module_name + "/" + func_path if func_path else module_name
        module_name = "index"
        module_file = os.path.join(directory, "index.py")
        if not os.path.isfile(module_file):
            raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)
    if not func_path:
        func_path = "index"
    req.filename = os.path.normpath(module_file)

    module = _load(req, directory, module_name)
    realm, user, passwd = process_auth(req, module)
    obj = resolve_object(req, module, func_path.replace("/", "."), realm, user, passwd)
    published = publish_object(req, obj)
    if not published and _debug(req):
        req.log_error("mod_python.publisher: nothing to publish.", apache.APLOG_NOTICE)
    return apache.OK


def _debug(req):
    return req.get_config().get("PythonDebug", "0") == "1"


def _load(req, directory, module_name):
    """The page module, by path: /dir/mod.py is its own module, never
    confused with another directory's mod.py; reloaded when it changes
    (PythonAutoReload, on by default)."""
    config = req.get_config()
    autoreload = config.get("PythonAutoReload", "1") != "0"
    module = apache.import_module(module_name, autoreload=autoreload,
                                  log=_debug(req), path=[directory])
    if os.path.normpath(getattr(module, "__file__", "") or "") != req.filename:
        # A package directory of that name took precedence.
        req.log_error("mod_python.publisher: %s is shadowed by package %s" % (
            req.filename, getattr(module, "__file__", "?")), apache.APLOG_ERR)
        raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)
    return module


# ---- authentication ----

def _credentials(req):
    """(user, password) from the Authorization header, or (None, None).
    A header that is not valid Basic credentials is 400."""
    header = req.headers_in.get("Authorization")
    if not header:
        return None, None
    try:
        raw = base64.b64decode(header[6:].strip().encode("ascii"))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        user, passwd = text.split(":", 1)
    except (ValueError, UnicodeEncodeError, binascii.Error):
        raise apache.SERVER_RETURN(apache.HTTP_BAD_REQUEST)
    return user, passwd


# Opcodes that build a constant value out of constants on the stack
# (the literal lists, tuples, sets and dicts an __access__ or __auth__
# assignment uses).
_UNKNOWN = object()


def _build(op, arg, stack):
    if op == "LOAD_CONST":
        stack.append(arg)
        return True
    if op in ("BUILD_LIST", "BUILD_TUPLE", "BUILD_SET"):
        n = arg
        if n > len(stack):
            return False
        items = stack[len(stack) - n:] if n else []
        del stack[len(stack) - n:]
        kind = {"BUILD_LIST": list, "BUILD_TUPLE": tuple, "BUILD_SET": set}[op]
        stack.append(kind(items))
        return True
    if op in ("LIST_EXTEND", "SET_UPDATE", "DICT_UPDATE"):
        if len(stack) < 2:
            return False
        add = stack.pop()
        target = stack[-1]
        if op == "LIST_EXTEND":
            target.extend(add)
        else:
            target.update(add)
        return True
    if op == "BUILD_MAP":
        n = arg
        if 2 * n > len(stack):
            return False
        flat = stack[len(stack) - 2 * n:] if n else []
        del stack[len(stack) - 2 * n:]
        stack.append(dict(zip(flat[0::2], flat[1::2])))
        return True
    if op == "BUILD_CONST_KEY_MAP":
        n = arg
        if n + 1 > len(stack):
            return False
        keys = stack.pop()
        values = stack[len(stack) - n:]
        del stack[len(stack) - n:]
        stack.append(dict(zip(keys, values)))
        return True
    if op == "MAKE_FUNCTION":
        # A nested def or lambda with no defaults or closure: its code.
        if arg != 0 or not stack or not isinstance(stack[-1], types.CodeType):
            return False
        stack.append(_NestedCode(stack.pop()))
        return True
    return False


class _NestedCode(object):
    def __init__(self, code):
        self.code = code


_TRANSPARENT = frozenset(["RESUME", "NOP", "CACHE", "PRECALL", "EXTENDED_ARG", "COPY_FREE_VARS",
                          "MAKE_CELL"])
_STORES = frozenset(["STORE_FAST", "STORE_NAME", "STORE_GLOBAL", "STORE_DEREF"])
_AUTH_NAMES = ("__auth__", "__access__", "__auth_realm__")


def _nested_auth(func):
    """The __auth__, __access__ and __auth_realm__ assigned inside func's
    body, read from its code without running it: {name: value}. A value
    that is not a literal (or a nested def or lambda) is _UNKNOWN."""
    code = func.__code__
    names = set(code.co_names) | set(code.co_varnames) | set(code.co_cellvars)
    if not any(n in names for n in _AUTH_NAMES):
        return {}
    found = {}
    stack = []
    for ins in dis.get_instructions(code):
        op = ins.opname
        if op in _TRANSPARENT:
            continue
        if op in _STORES:
            if ins.argval in _AUTH_NAMES and ins.argval not in found:
                value = stack[-1] if len(stack) == 1 else _UNKNOWN
                if isinstance(value, _NestedCode):
                    value = types.FunctionType(value.code, func.__globals__)
                found[ins.argval] = value
            stack = []
            continue
        try:
            if _build(op, ins.argval if op == "LOAD_CONST" else ins.arg, stack):
                continue
        except Exception:
            pass
        stack = []
    return found


def process_auth(req, object, realm="unknown", user=None, passwd=None):
    """Check object's __auth__ and __access__ (attributes, or assignments
    inside a function's body): 401 with WWW-Authenticate without valid
    credentials, 403 when access is refused. Returns (realm, user, passwd)
    for the next object on the way."""
    found_auth = found_access = False
    auth = access = None

    func = None
    if isinstance(object, types.FunctionType):
        func = object
    elif isinstance(object, types.MethodType) and isinstance(object.__func__, types.FunctionType):
        func = object.__func__

    if hasattr(object, "__auth_realm__"):
        realm = object.__auth_realm__
    if hasattr(object, "__auth__"):
        found_auth, auth = True, object.__auth__
    if hasattr(object, "__access__"):
        found_access, access = True, object.__access__
    if func is not None:
        # Assigned inside the function's body: what mod_python documents
        # for functions (their attributes, above, 3.5 ignores).
        nested = _nested_auth(func)
        if "__auth__" in nested:
            found_auth, auth = True, nested["__auth__"]
        if "__access__" in nested:
            found_access, access = True, nested["__access__"]
        if "__auth_realm__" in nested and nested["__auth_realm__"] is not _UNKNOWN:
            realm = nested["__auth_realm__"]

    if (found_auth or found_access) and not user:
        user, passwd = _credentials(req)

    if found_auth:
        challenge = 'Basic realm="%s"' % realm
        if not user:
            req.err_headers_out["WWW-Authenticate"] = challenge
            raise apache.SERVER_RETURN(apache.HTTP_UNAUTHORIZED)
        if auth is _UNKNOWN:
            req.log_error("mod_python.publisher: __auth__ in %s is not a literal, a def or a lambda: "
                          "access refused" % _name(object), apache.APLOG_ERR)
            rc = False
        elif callable(auth):
            rc = auth(req, user, passwd)
        elif isinstance(auth, dict):
            rc = user in auth and auth[user] == passwd
        else:
            rc = auth
        if not rc:
            req.err_headers_out["WWW-Authenticate"] = challenge
            raise apache.SERVER_RETURN(apache.HTTP_UNAUTHORIZED)

    if found_access:
        if access is _UNKNOWN:
            req.log_error("mod_python.publisher: __access__ in %s is not a literal, a def or a lambda: "
                          "access refused" % _name(object), apache.APLOG_ERR)
            rc = False
        elif callable(access):
            rc = access(req, user)
        elif isinstance(access, (list, tuple, set, frozenset)):
            rc = user in access
        else:
            rc = access
        if not rc:
            raise apache.SERVER_RETURN(apache.HTTP_FORBIDDEN)

    return realm, user, passwd


def _name(obj):
    return getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or type(obj).__name__


# ---- traversal and publishing rules ----

# type -> (may be traversed, may be published). The types of the types
# module (functions, methods, generators, code, ...) may be published but
# not traversed; those below neither (generators: published, not
# traversed). Anything else (instances of the site's own classes, dicts,
# ...) both.
tp_rules = {}
for _t in vars(types).values():
    if isinstance(_t, type):
        tp_rules[_t] = (False, True)
del _t
tp_rules.update({
    types.ModuleType: (False, False),
    types.BuiltinFunctionType: (False, False),
    type: (False, False),
    types.CodeType: (False, False),
    types.GeneratorType: (False, True),
})
default_tp_rule = (True, True)


def _rule(obj):
    if isinstance(obj, type):
        return (False, False)  # classes, whatever their metaclass
    return tp_rules.get(type(obj), default_tp_rule)


def resolve_object(req, obj, object_str, realm=None, user=None, passwd=None):
    """Follow object_str ("a.b.c") from obj (the module), checking the
    rules and __auth__/__access__ at every step."""
    first = True
    for part in object_str.split("."):
        if not part:
            raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)
        if part.startswith("_"):
            req.log_error("Cannot traverse %s in %s because it starts with an underscore"
                          % (part, req.unparsed_uri), apache.APLOG_WARNING)
            raise apache.SERVER_RETURN(apache.HTTP_FORBIDDEN)
        if first:
            first = False
        elif not _rule(obj)[0]:
            req.log_error("Cannot traverse %s in %s because %r is not a traversable object"
                          % (part, req.unparsed_uri, obj), apache.APLOG_WARNING)
            raise apache.SERVER_RETURN(apache.HTTP_FORBIDDEN)
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)
        realm, user, passwd = process_auth(req, obj, realm, user, passwd)
    if not _rule(obj)[1]:
        req.log_error("Cannot publish %s in %s because %r is not publishable"
                      % (object_str, req.unparsed_uri, obj), apache.APLOG_WARNING)
        raise apache.SERVER_RETURN(apache.HTTP_FORBIDDEN)
    return obj


_HTML_END = re.compile(r"</html\s*>\s*$", re.I)
_CHARSET = re.compile(r"charset\s*=\s*([^\s;]+)", re.I)


def publish_object(req, obj):
    """Call obj if it is callable (with the form's fields, via
    util.apply_fs_data) and publish what it returns; write anything else.
    Returns whether something was written."""
    calls = 0
    while callable(obj):
        calls += 1
        if calls > 100:
            raise RuntimeError("mod_python.publisher: %r keeps returning callables" % (obj,))
        # The body can be read once: one form for the whole chain.
        form = req.__dict__.get("form")
        if not isinstance(form, util.FieldStorage):
            form = req.form = util.FieldStorage(req, keep_blank_values=1)
        obj = util.apply_fs_data(obj, form, req=req)
    if obj is None:
        return False

    type_set = apache._req_get(req._h, apache._F["_content_type_set"])
    charset = None
    if isinstance(obj, (bytes, bytearray, memoryview)):
        data = bytes(obj)
        tail = data[-100:].decode("latin-1")
    else:
        text = obj if isinstance(obj, str) else str(obj)
        charset = "UTF8"
        if type_set:
            m = _CHARSET.search(req.content_type or "")
            if m:
                charset = m.group(1).strip("\"'")
            else:
                req.content_type += "; charset=UTF8"
        try:
            data = text.encode(charset)
        except LookupError:
            data = text.encode("utf-8")
        tail = text[-100:]

    if not type_set:
        # As mod_python 3.5: HTML if it ends with </html>.
        req.content_type = "text/html" if _HTML_END.search(tail) else "text/plain"
        if charset:
            req.content_type += "; charset=%s" % charset
    # HEAD too: the server drops the body, and Content-Length stays right.
    req.write(data, 0)
    return True
