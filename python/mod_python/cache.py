"""mod_python.cache: thread-safe caches that build their values on demand.

The module mod_python 3.5 ships (its publisher is built on ModuleCache):

- Cache(max_size=0): `cache[name]` returns the value for `name`, building it
  with `build` the first time and again whenever `check` says it is stale.
  Each entry has its own lock, so two threads asking for one name build it
  once, while other names are served meanwhile. With max_size > 0 the least
  recently used entry is dropped when a new one would exceed it.
  Subclasses override key(name), check(key, name, entry),
  build(key, name, opened, entry) and commit().
- WeakCache: holds its values through weak references; a value nobody else
  holds leaves the cache.
- FileCache: a file's contents by file name, rebuilt when its mtime changes.
- ModuleCache: a Python file executed into a module of its own (not put in
  sys.modules), re-executed when the file changes.
- HTTPCache / HttpModuleCache: the same for URLs, honouring max-age,
  Expires, ETag and Last-Modified (3.5's fail on Python 3 for want of an
  import; these work).
- FunctionCache(function): memoises function(*args, **kw).
"""

import calendar
import collections
import re
import threading
import time
import types
import urllib.error
import urllib.request
import weakref
from email.utils import parsedate_tz
from os import stat

NOT_INITIALIZED = object()
"""The value of an entry that has not been built yet."""


class Entry(object):
    """One name's slot in a cache: its key, its value and its lock.

    check and build may keep metadata on it as attributes (FileCache keeps
    the file's mtime as _timestamp).
    """

    def __init__(self, key):
        self._key = key
        self._value = NOT_INITIALIZED
        self._lock = threading.Lock()


class Cache(object):
    """An abstract multi-threaded cache; subclasses say how values are built."""

    def __init__(self, max_size=0):
        """A cache of at most max_size entries (LRU); 0 is unbounded."""
        self._maxsize = max_size
        self._dict = collections.OrderedDict()
        self._lock = threading.Lock()

    def _get_entry(self, key):
        # The entry for key, made if missing; it becomes the most recently
        # used, and the least recently used one goes if the cache is full.
        with self._lock:
            entry = self._dict.get(key)
            if entry is None:
                entry = self._dict[key] = Entry(key)
                if self._maxsize and len(self._dict) > self._maxsize:
                    self._dict.popitem(last=False)
            elif self._maxsize:
                self._dict.move_to_end(key)
            return entry

    def _store(self, entry, value):
        self._pack(entry, value)
        self.commit()

    def _checkitem(self, name):
        """The value for name as (is_new, key, value, entry), building it if
        it is missing or stale (is_new is then True)."""
        key = self.key(name)
        entry = self._get_entry(key)
        with entry._lock:
            value = self._unpack(entry)
            if value is NOT_INITIALIZED:
                # (a weak value that went away is built again from scratch)
                entry._value = NOT_INITIALIZED
            opened = self.check(key, name, entry)
            if value is NOT_INITIALIZED or opened is not None:
                value = self.build(key, name, opened, entry)
                self._store(entry, value)
                return True, key, value, entry
            return False, key, value, entry

    def __getitem__(self, name):
        return self._checkitem(name)[2]

    def __setitem__(self, name, value):
        entry = self._get_entry(self.key(name))
        with entry._lock:
            self._store(entry, value)

    def __delitem__(self, name):
        key = self.key(name)
        with self._lock:
            del self._dict[key]

    def mru(self):
        """The most recently used key (None for an unbounded cache)."""
        return self._end(last=True)

    def lru(self):
        """The least recently used key (None for an unbounded cache)."""
        return self._end(last=False)

    def _end(self, last):
        if not self._maxsize:
            return None
        with self._lock:
            if not self._dict:
                return None
            keys = reversed(self._dict) if last else iter(self._dict)
            return next(keys)

    def key(self, name):
        """The key under which name's value is kept (name itself here)."""
        return name

    def commit(self):
        """Called after each change of a value (to make the cache persistent, say)."""

    def clear(self):
        """Empties the cache."""
        with self._lock:
            self._dict.clear()

    def check(self, key, name, entry):
        """None if the entry is fresh, else what build should read from
        (an open file, a response). Runs under the entry's lock."""
        return None

    def build(self, key, name, opened, entry):
        """The value for name, from opened. Runs under the entry's lock."""
        raise NotImplementedError("%s must define build()" % type(self).__name__)

    def _pack(self, entry, value):
        entry._value = value

    def _unpack(self, entry):
        return entry._value


class WeakCache(Cache):
    """A cache that holds its values weakly: a value nobody else refers to
    any more leaves the cache."""

    def _pack(self, entry, value):
        key = entry._key

        def gone(ref, cache=self):
            with cache._lock:
                if cache._dict.get(key) is entry:
                    del cache._dict[key]

        entry._value = weakref.ref(value, gone)

    def _unpack(self, entry):
        ref = entry._value
        if ref is NOT_INITIALIZED:
            return NOT_INITIALIZED
        value = ref()
        return NOT_INITIALIZED if value is None else value


class FileCache(Cache):
    """File contents by file name, read again when the file's mtime changes.
    Override build to cache something made from the file instead."""

    def __init__(self, max_size=0, mode="rb"):
        Cache.__init__(self, max_size)
        self.mode = mode

    def check(self, key, name, entry):
        mtime = stat(key).st_mtime
        if entry._value is not NOT_INITIALIZED and getattr(entry, "_timestamp", None) == mtime:
            return None
        entry._timestamp = mtime
        return open(key, self.mode)

    def build(self, key, name, opened, entry):
        """The file's contents."""
        with opened:
            return opened.read()


def parseRFC822Time(t):
    """An RFC 822 date (an HTTP date) as seconds since the epoch."""
    parts = parsedate_tz(t)
    if parts is None:
        raise ValueError("not an RFC 822 date: %r" % (t,))
    return calendar.timegm(parts[:9]) - (parts[9] or 0)


re_max_age = re.compile(r"max-age\s*=\s*(\d+)", re.I)


class HTTPEntity(object):
    """A response body (entity) with its headers (metadata, a dict)."""

    def __init__(self, entity, metadata):
        self.entity = entity
        self.metadata = metadata

    def __repr__(self):
        return "HTTPEntity(%r, %s)" % (self.entity, self.metadata)

    def __str__(self):
        if isinstance(self.entity, str):
            return self.entity
        return self.entity.decode("latin-1")


class HTTPCache(Cache):
    """The entity at a URL, fetched again only when it expires (Cache-Control
    max-age, or Expires against Date) and then conditionally (If-None-Match
    from an ETag, else If-Modified-Since from Last-Modified)."""

    def check(self, key, name, entry):
        if time.time() < getattr(entry, "_expires", 0):
            return None
        request = urllib.request.Request(key)
        validator = getattr(entry, "_validator", None)
        if validator is not None and entry._value is not NOT_INITIALIZED:
            request.add_header(*validator)
        try:
            opened = urllib.request.urlopen(request)
        except urllib.error.HTTPError as e:
            e.close()
            if e.code == 304 and entry._value is not NOT_INITIALIZED:
                self._note_expiry(entry, e.headers)
                return None
            raise
        self._note_expiry(entry, opened.info())
        headers = opened.info()
        if headers.get("etag"):
            entry._validator = ("If-None-Match", headers["etag"])
        elif headers.get("last-modified"):
            entry._validator = ("If-Modified-Since", headers["last-modified"])
        return opened

    def _note_expiry(self, entry, headers):
        match = re_max_age.search(headers.get("cache-control") or "")
        if match:
            entry._expires = time.time() + int(match.group(1))
            return
        try:
            lifetime = parseRFC822Time(headers["expires"]) - parseRFC822Time(headers["date"])
        except (KeyError, TypeError, ValueError):
            return
        entry._expires = time.time() + lifetime

    def build(self, key, name, opened, entry):
        """An HTTPEntity of the response."""
        with opened:
            return HTTPEntity(opened.read(), dict(opened.info()))


re_not_word = re.compile(r"\W+")


def _module_from(source, filename, module_name):
    module = types.ModuleType(re_not_word.sub("_", module_name))
    module.__file__ = module_name
    exec(compile(source, filename, "exec"), module.__dict__)
    return module


class ModuleCache(FileCache):
    """A Python file executed into a module (not put in sys.modules), by
    file name; executed again when the file changes."""

    def __init__(self, max_size=0):
        FileCache.__init__(self, max_size, "rb")

    def build(self, key, name, opened, entry):
        """The module the file's code makes."""
        with opened:
            source = opened.read()
        return _module_from(source, key, key)


class HttpModuleCache(HTTPCache):
    """A Python script at a URL executed into a module (not put in
    sys.modules); fetched and executed again when it changes."""

    def __init__(self, max_size=0):
        HTTPCache.__init__(self, max_size)

    def build(self, key, name, opened, entry):
        """The module the script makes."""
        with opened:
            source = opened.read().replace(b"\r\n", b"\n")
        return _module_from(source, name, key)


class FunctionCache(Cache):
    """Memoises a function: cache(*args, **kw) calls it once per distinct
    arguments (which must be hashable)."""

    def __init__(self, function, max_size=0):
        Cache.__init__(self, max_size)
        self.function = function

    def __call__(self, *args, **kw):
        return self[args, tuple(sorted(kw.items()))]

    def build(self, key, name, opened, entry):
        """function's result for the arguments key holds."""
        args, kw = key
        return self.function(*args, **dict(kw))
