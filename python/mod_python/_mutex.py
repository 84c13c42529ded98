"""Cross-process locks for modpy: what mod_python's APR global mutexes were.

mod_python 3.5 created N global mutexes in Apache's parent process and let
the forked children share them. modpy's workers are exec'd, not forked, so
nothing is shared but the file system: a lock here is an flock(2) on a file
in the mutex directory (PythonOption mod_python.mutex_directory, else a
private directory under tempfile.gettempdir()).

flock locks belong to an open file description, not to a process, so a lock
taken through one descriptor excludes every other descriptor: other worker
processes, and other interpreters of the same process (each has its own
copy of this module and its own descriptors). Within one interpreter, the
threads take turns at a descriptor through a condition variable first, so
only one of them at a time waits in the kernel.

A lock has an owner. Acquiring a lock the owner already holds only counts
(a request that builds two Session objects on one sid does not deadlock
itself); it is free again when released as many times. release() may be
called from another thread than acquire() (mod_python unlocks sessions in a
request cleanup, which runs after the response).
"""

import fcntl
import os
import stat
import tempfile
import threading
import zlib

# mod_python's default number of global mutexes (configure --with-max-locks).
DEFAULT_LOCKS = 8


class _Slot(object):
    """One lock file, as this interpreter sees it."""

    __slots__ = ("path", "file", "cond", "owner", "depth")

    def __init__(self, path):
        self.path = path
        # A file object, not a bare descriptor: when an interpreter ends
        # (modpy recycles them), its slots go and the descriptors close.
        self.file = None
        self.cond = threading.Condition(threading.Lock())
        self.owner = None
        self.depth = 0


_slots = {}
_slots_lock = threading.Lock()
_config = None  # (directory, nlocks), read once from the main server's options
_options = None  # a callable returning them, from use_options


def use_options(options):
    """Take the PythonOption values (mod_python.mutex_directory,
    mod_python.mutex_locks) from options(), a callable returning a mapping;
    it is called once, when a lock is first needed. _entry._init passes the
    main server's get_options, so this module need not import apache."""
    global _options
    _options = options


def private_dir():
    """<tempdir>/modpy-<euid>: made mode 0700 if missing; refused unless it
    is a real directory of this user that nobody else can write (/tmp is
    shared: another user could otherwise plant files where we look)."""
    path = os.path.join(tempfile.gettempdir(), "modpy-%d" % os.geteuid())
    ensure_dir(path, private=True)
    return path


def ensure_dir(path, private=False):
    """Make path (mode 0700) if missing. With private, also check that it is
    a directory owned by this user and not writable by group or others."""
    try:
        os.makedirs(path, 0o700)
    except FileExistsError:
        pass
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode):
        raise OSError("%s is not a directory" % path)
    if private and (st.st_uid != os.geteuid() or st.st_mode & 0o022):
        raise OSError("%s must be a directory of uid %d that group and others cannot write"
                      % (path, os.geteuid()))
    return path


def _configure():
    global _config
    if _config is None:
        opts = _options() if _options is not None else {}
        d = opts.get("mod_python.mutex_directory")
        if d:
            ensure_dir(d)
        else:
            d = ensure_dir(os.path.join(private_dir(), "mutex"), private=True)
        n = DEFAULT_LOCKS
        try:
            n = max(2, int(opts.get("mod_python.mutex_locks", DEFAULT_LOCKS)))
        except ValueError:
            pass
        _config = (d, n)
    return _config


def nlocks():
    """The number of global locks (PythonOption mod_python.mutex_locks, 8)."""
    return _configure()[1]


def key_index(key):
    """mod_python's mutex index for key: 1..nlocks-1 (0 is reserved for
    DbmSession). The hash must be the same in every process, and Python's
    str hash is salted per process, so it is a CRC-32 of the key's text."""
    if isinstance(key, bytes):
        data = key
    elif isinstance(key, str):
        data = key.encode("utf-8", "surrogatepass")
    elif isinstance(key, int):
        data = str(key).encode()
    else:
        data = repr(key).encode("utf-8", "surrogatepass")
    return zlib.crc32(data) % (nlocks() - 1) + 1


def index_path(index):
    """The lock file of global lock number index."""
    d, n = _configure()
    if not isinstance(index, int) or index < 0 or index >= n:
        raise ValueError("Lock index %r is out of range for number of global mutex locks (%d)" % (index, n))
    return os.path.join(d, "mp_mutex.%d" % index)


def _slot(path):
    with _slots_lock:
        s = _slots.get(path)
        if s is None:
            s = _slots[path] = _Slot(path)
        return s


def _opener(path, flags):
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)


def _open(s):
    if s.file is None:
        s.file = open(s.path, "rb+", buffering=0, opener=_opener)


def acquire(path, owner, blocking=True):
    """Lock the file at path for owner (any hashable value). Waits unless
    blocking is false; reports whether the lock is now owner's."""
    s = _slot(path)
    with s.cond:
        while s.owner is not None and s.owner != owner:
            if not blocking:
                return False
            # In slices, so that PythonRequestTimeout can interrupt a wait
            # for a thread of this interpreter (not one in flock below).
            s.cond.wait(0.5)
        if s.owner is not None:  # owner's already: count
            s.depth += 1
            return True
        s.owner, s.depth = owner, 1
    # This thread holds the interpreter's claim; now the other processes'.
    try:
        _open(s)
        fcntl.flock(s.file.fileno(), fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BaseException as e:
        with s.cond:
            s.owner, s.depth = None, 0
            s.cond.notify()
        if isinstance(e, BlockingIOError):
            return False
        raise
    return True


def release(path, owner=None):
    """Release one hold of the lock at path. With owner, only that owner's
    hold (reporting False if it has none); without, whoever holds it, as an
    APR mutex allows."""
    s = _slots.get(path)
    if s is None:
        if owner is not None:
            return False
        raise ValueError("global lock %s is not locked" % path)
    with s.cond:
        if s.owner is None or (owner is not None and s.owner != owner):
            if owner is not None:
                return False
            raise ValueError("global lock %s is not locked" % path)
        s.depth -= 1
        if s.depth > 0:
            return True
        try:
            fcntl.flock(s.file.fileno(), fcntl.LOCK_UN)
        finally:
            s.owner, s.depth = None, 0
            s.cond.notify()
    return True


def held(path, owner):
    """Whether owner holds the lock at path."""
    s = _slots.get(path)
    return s is not None and s.owner is not None and s.owner == owner
