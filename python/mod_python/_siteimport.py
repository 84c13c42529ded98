"""modpy's importer for a site's own modules.

A handler module, and every module or package found in a handler's own
directory, is loaded by absolute path and registered in sys.modules under a
name made of its directory and its module name: /srv/www/a/MyModule.py is the
module "/srv/www/a/MyModule". Two directories with a MyModule.py therefore
never meet, even in one interpreter. Everything else (the stdlib,
dist-packages, PythonPath directories) keeps plain sys.modules behaviour.

How: such modules get their own __builtins__ whose __import__ looks in the
module's root directory first. builtins.__import__ itself is never replaced.
The names are ordinary importable names (a meta path finder loads them by
path), so pickle can store and load instances of classes defined in them, in
any interpreter and any worker process.

Reload: site modules (whatever lives outside the stdlib and dist-packages,
mod_python excluded) are stamped with (mtime_ns, size) when first seen. With
autoreload on, at most once a second, the stamps are checked; if any site
module changed, every site module is dropped from sys.modules so the next
import runs the new code of all of them.
"""

import builtins
import importlib
import importlib.machinery
import importlib.util
import os
import sys
import sysconfig
import time
from stat import S_ISREG as _S_ISREG

_real_import = builtins.__import__

_SEP = "/"
_CHECK_INTERVAL = 1.0


def _quote(directory):
    # '.' separates packages in module names, so it cannot appear raw.
    return directory.replace("%", "%25").replace(".", "%2E")


def _unquote(name):
    return name.replace("%2E", ".").replace("%25", "%")


def module_name_for(path):
    """The sys.modules name for a site module file or package directory."""
    path = os.path.abspath(path)
    if path.endswith(".py"):
        path = path[:-3]
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)
    directory, base = os.path.split(path)
    return _quote(directory.rstrip("/")) + _SEP + base


def is_site_name(name):
    return name.startswith("/")


def root_of(name):
    """The directory a site module name's top-level module lives in."""
    top = name.partition(".")[0]
    return _unquote(top.rpartition(_SEP)[0]) or "/"


def _find_file(directory, name):
    """(file, is_package) for module `name` in `directory`, or None. A
    module file that is there but not a regular file (a FIFO, a device) is
    an ImportError saying so, rather than a module not found."""
    base = os.path.join(directory, name)
    for path, is_pkg in ((os.path.join(base, "__init__.py"), True), (base + ".py", False)):
        try:
            mode = os.stat(path).st_mode
        except (OSError, ValueError):
            continue
        if _S_ISREG(mode):
            return path, is_pkg
        raise ImportError("%s: not a regular file" % path, name=name, path=path)
    return None


class SiteLoader(importlib.machinery.SourceFileLoader):
    """Loads a site module from source (never from a stale .pyc) and gives it
    the __builtins__ of its root directory."""

    def get_code(self, fullname):
        source = self.get_data(self.path)
        return compile(source, self.path, "exec", dont_inherit=True)

    def exec_module(self, module):
        module.__dict__["__builtins__"] = builtins_for(root_of(module.__name__))
        stamp(module.__name__, self.path)
        super().exec_module(module)


class SiteFinder:
    """Meta path finder for site module names ("/dir/name[.sub...]")."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if not is_site_name(name):
            return None
        parent, _, last = name.rpartition(".")
        if not parent:
            directory, _, base = name.rpartition(_SEP)
            found = _find_file(_unquote(directory) or "/", base)
        else:
            found = None
            for d in path or ():
                found = _find_file(d, last)
                if found:
                    break
        if not found:
            return None
        filename, is_pkg = found
        return importlib.util.spec_from_file_location(
            name, filename, loader=SiteLoader(name, filename),
            submodule_search_locations=[os.path.dirname(filename)] if is_pkg else None)

    @classmethod
    def invalidate_caches(cls):
        _negative.clear()


# ---- per-root __builtins__ with a directory-aware __import__ ----

_builtins_by_root = {}
_negative = {}  # (root, name) -> time of the failed lookup
_NEGATIVE_TTL = 1.0


def _local(root, top):
    """The site module name for `top` found in `root`, or None."""
    key = (root, top)
    t = _negative.get(key)
    if t is not None and time.monotonic() - t < _NEGATIVE_TTL:
        return None
    qname = _quote(root.rstrip("/")) + _SEP + top
    if qname in sys.modules:
        return qname
    if _find_file(root, top):
        return qname
    _negative[key] = time.monotonic()
    return None


def _make_import(root):
    def __import__(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and name and not is_site_name(name):
            top, dot, rest = name.partition(".")
            qname = _local(root, top)
            if qname is not None:
                return _real_import(qname + dot + rest, globals, locals, fromlist, 0)
        return _real_import(name, globals, locals, fromlist, level)
    __import__.__doc__ = _real_import.__doc__
    return __import__


_last_refresh = 0.0


_monotonic = time.monotonic


def refresh_builtins():
    """Copy names added to builtins since into every site root's builtins
    (at most once a second)."""
    global _last_refresh
    now = _monotonic()
    if now - _last_refresh < _CHECK_INTERVAL:
        return
    _last_refresh = now
    real = builtins.__dict__
    for b in _builtins_by_root.values():
        imp = b["__import__"]
        if len(b) != len(real) or any(b.get(k) is not v for k, v in real.items() if k != "__import__"):
            b.update(real)
            b["__import__"] = imp


def builtins_for(root):
    b = _builtins_by_root.get(root)
    if b is None:
        b = dict(builtins.__dict__)
        b["__import__"] = _make_import(root)
        _builtins_by_root[root] = b
    return b


def import_site(directory, name):
    """Import dotted `name` looking first in `directory` (a handler's own).
    Returns the module, or None if its top-level name is not there."""
    top, dot, rest = name.partition(".")
    qname = _local(directory, top)
    if qname is None:
        return None
    return importlib.import_module(qname + dot + rest)


def import_path(filename):
    """Import the module file `filename` by absolute path."""
    return importlib.import_module(module_name_for(filename))


# ---- change detection ----

_stamps = {}  # module name -> (file, mtime_ns, size)
_system_prefixes = None
_last_check = 0.0
_seen_count = 0


def _system_dirs():
    global _system_prefixes
    if _system_prefixes is None:
        dirs = set()
        paths = sysconfig.get_paths()
        for key in ("stdlib", "platstdlib", "purelib", "platlib"):
            if paths.get(key):
                dirs.add(os.path.realpath(paths[key]))
        try:
            import site
            for d in site.getsitepackages():
                dirs.add(os.path.realpath(d))
        except Exception:
            pass
        for d in list(sys.path):
            if "dist-packages" in d or "site-packages" in d:
                dirs.add(os.path.realpath(d))
        _system_prefixes = tuple(d.rstrip("/") + "/" for d in dirs)
    return _system_prefixes


def _file_stamp(filename):
    try:
        st = os.stat(filename)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def stamp(name, filename):
    _stamps[name] = (filename, _file_stamp(filename))


def _is_site_module(name, module):
    if name == "mod_python" or name.startswith("mod_python."):
        return None
    f = getattr(module, "__file__", None)
    if not f or not f.endswith(".py") or f.startswith("<"):
        return None
    if is_site_name(name):
        return f
    real = os.path.realpath(f)
    if real.startswith(_system_dirs()):
        return None
    return f


def _stamp_new_modules():
    global _seen_count
    if len(sys.modules) == _seen_count:
        return
    for name, module in list(sys.modules.items()):
        if name not in _stamps:
            f = _is_site_module(name, module)
            if f:
                stamp(name, f)
    _seen_count = len(sys.modules)


def changed_modules():
    """Site modules whose file changed since they were loaded."""
    out = []
    for name, (filename, st) in list(_stamps.items()):
        if name in sys.modules and _file_stamp(filename) != st:
            out.append(name)
    return out


def poll_changes():
    """The site modules changed since loaded, checked at most once a second
    (empty between checks)."""
    global _last_check
    if len(sys.modules) != _seen_count:
        _stamp_new_modules()
    now = _monotonic()
    if now - _last_check < _CHECK_INTERVAL:
        return ()
    _last_check = now
    return changed_modules()


def files_of(names):
    return [_stamps[n][0] for n in names if n in _stamps]


def check_reload():
    """If a site module changed (checked at most once a second), drop every
    site module so the next import loads the new code. Returns the names of
    the changed modules (empty if none or not checked)."""
    changed = poll_changes()
    if changed:
        purge()
    return changed


def purge():
    """Drop every site module from sys.modules."""
    global _seen_count
    for name in list(_stamps):
        sys.modules.pop(name, None)
    _stamps.clear()
    _negative.clear()
    importlib.invalidate_caches()
    _seen_count = 0


def after_import():
    """Record stamps for modules an import just brought in."""
    _stamp_new_modules()


def install():
    if SiteFinder not in sys.meta_path:
        sys.meta_path.insert(1, SiteFinder)
