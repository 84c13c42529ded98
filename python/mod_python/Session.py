"""mod_python.Session: sessions as in mod_python 3.5, across modpy's workers.

A session is a dict kept between requests under an id the client returns
in a cookie ("pysid"). BaseSession does the cookie, the id, expiry and the
lock; MemorySession (one process), FileSession (a file per session) and
DbmSession (one dbm file) store it. Session(req) picks the class from
PythonOption mod_python.session.session_type, else MemorySession when modpy
runs as one process (-X) and FileSession when several worker processes
serve the site (a MemorySession is invisible to the other workers).

Locks hold across processes and interpreters: they are file locks (see
_mutex.py). A session is locked from its construction; modpy releases the
lock when the handler's call into Python returns (3.5: after the response),
and a later save() takes it again. docs/session.md says why.
"""

import os
import pickle
import random
import re
import secrets
import tempfile
import time
import traceback

from mod_python import apache, Cookie, _mutex

COOKIE_NAME = "pysid"
DFT_TIMEOUT = 30 * 60  # 30 min
DFT_LOCK = True
CLEANUP_CHANCE = 1000  # a cleanup is ordered once in CLEANUP_CHANCE sessions

DFT_FAST_CLEANUP = True
DFT_VERIFY_CLEANUP = True
DFT_GRACE_PERIOD = 240
DFT_CLEANUP_TIME_LIMIT = 2

tempdir = tempfile.gettempdir()

# A session id is 32 lowercase hex digits (128 random bits): nothing else
# is accepted, so an id from a cookie can never name a path.
validate_sid_re = re.compile(r"[0-9a-f]{32}\Z")


def _check_sid(sid):
    return isinstance(sid, str) and validate_sid_re.match(sid) is not None


def _new_sid(req):
    return secrets.token_hex(16)


def _opt(opts, *names, default=None):
    """The first of the PythonOptions names that is set (3.3+ name first,
    then the older aliases)."""
    for n in names:
        v = opts.get(n)
        if v is not None:
            return v
    return default


def _base_dir(opts, *names):
    """The directory the options name, else modpy's private directory."""
    d = _opt(opts, *names)
    if d:
        return d
    return _mutex.private_dir()


def _log_exc(req, what):
    for line in traceback.format_exc().rstrip("\n").split("\n"):
        req.log_error("%s: %s" % (what, line))


def _owner(req):
    """Who holds a session's lock: the request (the first of an internal
    redirect's or a subrequest's chain), so that two Session objects of one
    request on one id do not wait for each other."""
    seen = 0
    while seen < 100:
        up = getattr(req, "main", None) or getattr(req, "prev", None)
        if up is None:
            break
        req, seen = up, seen + 1
    return ("request", getattr(req, "_h", None) or id(req))


class BaseSession(dict):

    def __init__(self, req, sid=None, secret=None, lock=1, timeout=0):
        self._req, self._sid, self._secret = req, sid, secret
        self._lock = lock
        self._new = 1
        self._created = 0
        self._accessed = 0
        self._timeout = 0
        self._locked = 0
        self._invalid = 0
        self._owner = _owner(req)
        self._lock_path = None
        self._call_hook = False
        dict.__init__(self)

        opts = req.get_options()
        if self._secret is None:
            # modpy: a secret for every session of the site (docs/session.md)
            self._secret = opts.get("mod_python.session.secret") or None
        cookie_name = _opt(opts, "mod_python.session.cookie_name", "session_cookie_name",
                           default=COOKIE_NAME)

        if not self._sid:
            if self._secret:
                cookie = Cookie.get_cookie(req, cookie_name, Class=Cookie.SignedCookie,
                                           secret=self._secret, mismatch=Cookie.Cookie.IGNORE)
            else:
                cookie = Cookie.get_cookie(req, cookie_name)
            if cookie:
                self._sid = cookie.value

        if self._sid and not _check_sid(self._sid):
            if sid:
                # given by the caller: its mistake to handle
                raise ValueError("Invalid Session ID: sid=%r" % (sid,))
            # from the client: replaced by a new one
            self._sid = None

        self.init_lock()

        if self._sid:
            self.lock()
            if self.load():
                self._new = 0

        if self._new:
            if self._sid:
                self.unlock()
            self._sid = _new_sid(req)
            self.lock()
            Cookie.add_cookie(req, self.make_cookie())
            self._created = time.time()
            self._timeout = timeout or DFT_TIMEOUT

        self._accessed = time.time()

        if random.randint(1, CLEANUP_CHANCE) == 1:
            self.cleanup()

    def make_cookie(self):
        opts = self._req.get_options()
        name = _opt(opts, "mod_python.session.cookie_name", "session_cookie_name", default=COOKIE_NAME)
        if self._secret:
            c = Cookie.SignedCookie(name, self._sid, secret=self._secret)
        else:
            c = Cookie.Cookie(name, self._sid)

        domain = opts.get("mod_python.session.application_domain")
        if domain:
            c.domain = domain
        path = _opt(opts, "mod_python.session.application_path", "ApplicationPath")
        if path:
            c.path = path
        else:
            # The directory of the handler directive, relative to the
            # DocumentRoot; '/' when that is no prefix of the URI (Location,
            # Alias, UserDir).
            c.path = "/"
            dirpath = getattr(self._req.hlist, "directory", None)
            docroot = (self._req.document_root() or "").rstrip("/")
            if dirpath and docroot and dirpath.startswith(docroot + "/"):
                rel = dirpath[len(docroot):]
                if self._req.uri.startswith(rel):
                    c.path = rel
        return c

    def invalidate(self):
        c = self.make_cookie()
        c.expires = 0
        Cookie.add_cookie(self._req, c)
        self.delete()
        self._invalid = 1

    def load(self):
        if self._lock and not self._locked:
            self.lock()
        data = self.do_load()
        if not isinstance(data, dict):
            return 0
        try:
            if (time.time() - data["_accessed"]) > data["_timeout"]:
                return 0
            self._created = data["_created"]
            self._accessed = data["_accessed"]
            self._timeout = data["_timeout"]
            self.update(data["_data"])
        except (KeyError, TypeError, ValueError):
            return 0
        return 1

    def save(self):
        if not self._invalid:
            if self._lock and not self._locked:
                self.lock()
            self.do_save({"_data": self.copy(),
                          "_created": self._created,
                          "_accessed": self._accessed,
                          "_timeout": self._timeout})

    def delete(self):
        if self._lock and not self._locked:
            self.lock()
        self.do_delete()
        self.clear()

    def init_lock(self):
        pass

    def _global_path(self, index=None):
        return _mutex.index_path(_mutex.key_index(self._sid) if index is None else index)

    def lock(self):
        """Wait for and take this session's lock (other requests' Session
        objects on this id, in any process, wait until it is released)."""
        if self._lock and not self._locked:
            self._take_lock()
            self._locked = 1
            self._req.register_cleanup(unlock_session_cleanup, self)
            # modpy: also released when this call into Python is over.
            if not self._call_hook:
                hooks = self._req.__dict__.setdefault("_at_call_end", [])
                hooks.append(self._call_over)
                self._call_hook = True

    def unlock(self):
        if self._lock and self._locked:
            self._locked = 0
            self._drop_lock()

    # The lock itself: a file lock here, a Redis key in RedisSession.
    def _take_lock(self):
        path = self._global_path()
        _mutex.acquire(path, self._owner)
        self._lock_path = path

    def _drop_lock(self):
        _mutex.release(self._lock_path, self._owner)

    def _call_over(self):
        self._call_hook = False
        self.unlock()

    def is_new(self):
        return not not self._new

    def id(self):
        return self._sid

    def created(self):
        return self._created

    def last_accessed(self):
        return self._accessed

    def timeout(self):
        return self._timeout

    def set_timeout(self, secs):
        self._timeout = secs

    def cleanup(self):
        self.do_cleanup()

    def do_cleanup(self):
        pass

    def do_load(self):
        return None

    def do_save(self, dict):
        pass

    def do_delete(self):
        pass

    def __del__(self):
        try:
            self.unlock()
        except Exception:
            pass


def unlock_session_cleanup(sess):
    sess.unlock()


def true_or_false(item):
    """A PythonOption's yes/no value as a bool (ValueError if neither)."""
    if isinstance(item, str):
        item = item.strip().lower()
    if item in ("yes", "true", "on", "1", 1, True):
        return True
    if item in ("no", "false", "off", "0", 0, None, False):
        return False
    raise ValueError("not a yes/no value: %r" % (item,))


###########################################################################
## DbmSession

def dbm_cleanup(data):
    """Delete the expired sessions of a DbmSession file (a request cleanup)."""
    filename, server, dbmtype = data
    path = _mutex.index_path(0)
    owner = object()
    _mutex.acquire(path, owner)
    try:
        db = dbmtype.open(filename, "c", 0o600)
        try:
            now = time.time()
            old = []
            for key in list(db.keys()):
                try:
                    d = pickle.loads(db[key])
                    if (now - d["_accessed"]) > d["_timeout"]:
                        old.append(key)
                except Exception:
                    old.append(key)
            for key in old:
                try:
                    del db[key]
                except KeyError:
                    pass
        finally:
            db.close()
    finally:
        _mutex.release(path, owner)


class DbmSession(BaseSession):
    """Sessions in one dbm file (default mp_sess.dbm), each pickled under
    its id. Every access locks the whole file (global lock 0)."""

    def __init__(self, req, dbm=None, sid=0, secret=None, dbmtype=None,
                 timeout=0, lock=1):
        if dbmtype is None:
            import dbm as dbmtype
        if not dbm:
            opts = req.get_options()
            dbm = _opt(opts, "mod_python.dbm_session.database_filename", "session_dbm")
            if not dbm:
                d = _base_dir(opts, "mod_python.dbm_session.database_directory",
                              "mod_python.session.database_directory", "session_directory")
                dbm = os.path.join(d, "mp_sess.dbm")
        self._dbmfile = dbm
        self._dbmtype = dbmtype
        BaseSession.__init__(self, req, sid=sid, secret=secret, timeout=timeout, lock=lock)

    def _with_db(self, func):
        path = _mutex.index_path(0)
        _mutex.acquire(path, self._owner)
        try:
            db = self._dbmtype.open(self._dbmfile, "c", 0o600)
            try:
                return func(db, self._sid.encode("ascii"))
            finally:
                db.close()
        finally:
            _mutex.release(path, self._owner)

    def do_cleanup(self):
        self._req.register_cleanup(dbm_cleanup, (self._dbmfile, self._req.server, self._dbmtype))
        self._req.log_error("DbmSession: registered database cleanup.", apache.APLOG_NOTICE)

    def do_load(self):
        def load(db, key):
            if key in db:
                return pickle.loads(db[key])
            return None
        try:
            return self._with_db(load)
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            _log_exc(self._req, "DbmSession: cannot load session %s" % self._sid)
            return None

    def do_save(self, dict):
        def save(db, key):
            db[key] = pickle.dumps(dict)
        self._with_db(save)

    def do_delete(self):
        def delete(db, key):
            try:
                del db[key]
            except KeyError:
                pass
        self._with_db(delete)


###########################################################################
## FileSession

FS_STAT_VERSION = "MPFS_3.2"


class FileSession(BaseSession):
    """One pickle file per session: <dir>/mp_sess/<first 2 hex digits>/<sid>,
    where <dir> is PythonOption mod_python.file_session.database_directory
    (default: modpy's private directory under the system's temp dir)."""

    def __init__(self, req, sid=0, secret=None, timeout=0, lock=1,
                 fast_cleanup=-1, verify_cleanup=-1):
        opts = req.get_options()
        if fast_cleanup == -1:
            fast_cleanup = true_or_false(_opt(opts, "mod_python.file_session.enable_fast_cleanup",
                                              "session_fast_cleanup", default=DFT_FAST_CLEANUP))
        if verify_cleanup == -1:
            verify_cleanup = true_or_false(_opt(opts, "mod_python.file_session.verify_session_timeout",
                                                "session_verify_cleanup", default=DFT_VERIFY_CLEANUP))
        self._fast_cleanup = fast_cleanup
        self._verify_cleanup = verify_cleanup
        self._grace_period = int(_opt(opts, "mod_python.file_session.cleanup_grace_period",
                                      "session_grace_period", default=DFT_GRACE_PERIOD))
        self._cleanup_time_limit = int(_opt(opts, "mod_python.file_session.cleanup_time_limit",
                                            "session_cleanup_time_limit", default=DFT_CLEANUP_TIME_LIMIT))
        d = _base_dir(opts, "mod_python.file_session.database_directory",
                      "mod_python.session.database_directory", "session_directory")
        # Session files are pickles: the directory must be ours alone.
        self._sessdir = _mutex.ensure_dir(os.path.join(d, "mp_sess"), private=True)
        self._cleanup_timeout = timeout or DFT_TIMEOUT
        BaseSession.__init__(self, req, sid=sid, secret=secret, timeout=timeout, lock=lock)

    def _filename(self):
        return os.path.join(self._sessdir, self._sid[0:2], self._sid)

    def do_cleanup(self):
        data = {"req": self._req,
                "sessdir": self._sessdir,
                "fast_cleanup": self._fast_cleanup,
                "verify_cleanup": self._verify_cleanup,
                "timeout": self._cleanup_timeout,
                "grace_period": self._grace_period,
                "cleanup_time_limit": self._cleanup_time_limit}
        self._req.register_cleanup(filesession_cleanup, data)
        self._req.log_error("FileSession: registered filesession cleanup.", apache.APLOG_NOTICE)

    # With lock=0 the session is not locked for the request, but each file
    # operation still is (3.5's lock_file/unlock_file).
    def lock_file(self):
        if not self._locked:
            path = self._global_path()
            _mutex.acquire(path, self._owner)
            self._lock_path = path
            self._locked = 1

    def unlock_file(self):
        if self._locked and not self._lock:
            self._locked = 0
            _mutex.release(self._lock_path, self._owner)

    def do_load(self):
        self.lock_file()
        try:
            filename = self._filename()
            try:
                with open(filename, "rb") as fp:
                    data = pickle.load(fp)
            except FileNotFoundError:
                return None
            except Exception:
                _log_exc(self._req, "FileSession: cannot load session %s" % self._sid)
                return None
            try:
                if (time.time() - data["_accessed"]) <= data["_timeout"]:
                    # so that a cleanup does not take it before it is saved
                    os.utime(filename, None)
            except Exception:
                pass
            return data
        finally:
            self.unlock_file()

    def do_save(self, dict):
        self.lock_file()
        try:
            filename = self._filename()
            d = os.path.dirname(filename)
            os.makedirs(d, 0o700, exist_ok=True)
            tmp = "%s.%d.tmp" % (filename, os.getpid())
            try:
                with open(tmp, "wb") as fp:
                    pickle.dump(dict, fp, 2)
                os.replace(tmp, filename)  # readers never see half a file
            except Exception:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                _log_exc(self._req, "FileSession: cannot save session %s" % self._sid)
        finally:
            self.unlock_file()

    def do_delete(self):
        self.lock_file()
        try:
            try:
                os.unlink(self._filename())
            except OSError:
                pass
        finally:
            self.unlock_file()


def filesession_cleanup(data):
    """Delete expired FileSession files (a request cleanup). One cleanup at
    a time (a lock file); at most cleanup_time_limit seconds, resuming where
    the last one stopped (fs_status.txt). A file is a candidate when not
    touched for timeout + grace_period (fast_cleanup), and with
    verify_cleanup its own stored timeout decides."""
    import fcntl
    req = data["req"]
    sessdir = data["sessdir"]
    fast_cleanup = data["fast_cleanup"]
    verify_cleanup = data["verify_cleanup"]
    timeout = data["timeout"]
    grace_period = data["grace_period"]
    cleanup_time_limit = data["cleanup_time_limit"]

    req.log_error("FileSession cleanup: (fast=%s, verify=%s) ..." % (fast_cleanup, verify_cleanup),
                  apache.APLOG_NOTICE)
    lockfd = os.open(os.path.join(sessdir, ".mp_sess.lck"),
                     os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        try:
            fcntl.flock(lockfd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            req.log_error("FileSession cleanup: another process is already running", apache.APLOG_NOTICE)
            return
        status_name = os.path.join(sessdir, "fs_status.txt")
        try:
            with open(status_name) as f:
                parts = f.readline().split()
            if parts[0] != FS_STAT_VERSION:
                raise ValueError("wrong status file version")
            next_i, expired, total, total_time = int(parts[1]), int(parts[2]), int(parts[3]), float(parts[4])
        except (OSError, ValueError, IndexError):
            next_i, expired, total, total_time = 0, 0, 0, 0.0

        start = time.time()
        for i in range(next_i, 256):
            path = os.path.join(sessdir, "%02x" % i)
            try:
                names = os.listdir(path)
            except OSError:
                names = []
            total += len(names)
            for f in names:
                filename = os.path.join(path, f)
                try:
                    if f.endswith(".tmp") or not _check_sid(f):
                        # a save that died half way, or nothing of ours
                        if f.endswith(".tmp") and time.time() - os.stat(filename).st_mtime > grace_period:
                            os.unlink(filename)
                        continue
                    if fast_cleanup:
                        if time.time() - os.stat(filename).st_mtime < timeout + grace_period:
                            continue
                    if fast_cleanup and not verify_cleanup:
                        delete = True
                    else:
                        with open(filename, "rb") as fp:
                            d = pickle.load(fp)
                        delete = (time.time() - d["_accessed"]) > (d["_timeout"] + grace_period)
                    if delete:
                        os.unlink(filename)
                        expired += 1
                except FileNotFoundError:
                    pass
                except Exception:
                    _log_exc(req, "FileSession cleanup error (%s)" % filename)
            next_i = (i + 1) % 256
            if cleanup_time_limit > 0 and time.time() - start > cleanup_time_limit:
                break

        total_time += time.time() - start
        if next_i == 0:
            req.log_error("FileSession cleanup: deleted %d of %d in %.4f seconds"
                          % (expired, total, total_time), apache.APLOG_NOTICE)
            expired, total, total_time = 0, 0, 0.0
        else:
            req.log_error("FileSession cleanup incomplete: next cleanup will start at index %d (%02x)"
                          % (next_i, next_i), apache.APLOG_NOTICE)
        with open(status_name, "w") as f:
            f.write("%s %d %d %d %f\n" % (FS_STAT_VERSION, next_i, expired, total, total_time))
    finally:
        os.close(lockfd)


###########################################################################
## MemorySession

def mem_cleanup(sdict):
    now = time.time()
    for sid in list(sdict.keys()):
        try:
            s = sdict[sid]
            if (now - s["_accessed"]) > s["_timeout"]:
                del sdict[sid]
        except (KeyError, TypeError):
            pass


class MemorySession(BaseSession):
    """Sessions in a dict of this interpreter, in this process only: under
    modpy's master each worker process would have its own."""

    sdict = {}

    def __init__(self, req, sid=0, secret=None, timeout=0, lock=1):
        BaseSession.__init__(self, req, sid=sid, secret=secret, timeout=timeout, lock=lock)

    def do_cleanup(self):
        self._req.register_cleanup(mem_cleanup, MemorySession.sdict)
        self._req.log_error("MemorySession: registered session cleanup.", apache.APLOG_NOTICE)

    def do_load(self):
        return MemorySession.sdict.get(self._sid)

    def do_save(self, dict):
        MemorySession.sdict[self._sid] = dict

    def do_delete(self):
        MemorySession.sdict.pop(self._sid, None)


###########################################################################
## RedisSession (modpy's own: mod_python 3.5 has no such class)

DFT_REDIS_PREFIX = "modpy:session:"
DFT_REDIS_LOCK_TIMEOUT = 60  # seconds


def _seconds(opts, name, default):
    v = opts.get(name)
    if v is None or v == "":
        return default
    try:
        v = float(v)
    except ValueError:
        raise ValueError("PythonOption %s: a number of seconds expected, not %r" % (name, v))
    if v < 0:
        raise ValueError("PythonOption %s: a number of seconds expected, not %r" % (name, v))
    return v


def _ms(secs):
    return max(0, int(secs * 1000))


class RedisSession(BaseSession):
    """Sessions in Redis, shared by every server that uses the same Redis
    (PythonOption mod_python.session.redis_url): each session is the pickle
    of its dict under <prefix><sid>, expiring (in Redis) timeout seconds
    after it was last saved. Its lock is the key <prefix><sid>:lock, set to
    a token of the request holding it, so it holds across machines; it
    expires after mod_python.session.redis_lock_timeout seconds (default
    60), so a holder that died loses it then. The connections are the
    worker's (one pool per URL, shared by its interpreters). docs/session.md
    tells more.

    When Redis fails (down, unreachable, a wrong password) the request gets
    503 Service Unavailable and one line in the error log."""

    def __init__(self, req, sid=0, secret=None, timeout=0, lock=1):
        opts = req.get_options()
        self._url = opts.get("mod_python.session.redis_url")
        if not self._url:
            raise ValueError("RedisSession needs PythonOption mod_python.session.redis_url "
                             "(redis://[[user]:password@]host:port/db, rediss://... or unix:///path)")
        self._prefix = opts.get("mod_python.session.redis_prefix") or DFT_REDIS_PREFIX
        self._lock_timeout = _seconds(opts, "mod_python.session.redis_lock_timeout", DFT_REDIS_LOCK_TIMEOUT)
        self._lock_wait = _seconds(opts, "mod_python.session.redis_lock_wait", self._lock_timeout)
        BaseSession.__init__(self, req, sid=sid, secret=secret, timeout=timeout, lock=lock)

    def _key(self):
        return self._prefix + self._sid

    def _owner_id(self):
        return str(self._owner[1])

    def _redis(self, what, key, arg=None):
        try:
            return apache._redis(self._req, what, self._url, key, arg)
        except OSError as e:
            self._unavailable(str(e))

    def _unavailable(self, why):
        # One line, and 503: the server is fine, what it needs is not
        # (for now): clients and balancers may try again.
        self._req.log_error("RedisSession: %s; answering 503" % why, apache.APLOG_ERR)
        raise apache.SERVER_RETURN(apache.HTTP_SERVICE_UNAVAILABLE)

    def _take_lock(self):
        key = self._key() + ":lock"
        self._redis("lock", key, (self._owner_id(), _ms(self._lock_timeout), _ms(self._lock_wait)))
        self._lock_path = key

    def _drop_lock(self):
        try:
            released = apache._redis(self._req, "unlock", self._url, self._lock_path, self._owner_id())
        except OSError as e:
            self._req.log_error("RedisSession: %s; the lock expires by itself" % e, apache.APLOG_WARNING)
            return
        if not released:
            self._req.log_error("RedisSession: the lock of session %s had expired before it was released "
                                "(held over mod_python.session.redis_lock_timeout, %gs): another request "
                                "may have used the session meanwhile" % (self._sid, self._lock_timeout),
                                apache.APLOG_WARNING)

    def do_load(self):
        data = self._redis("get", self._key())
        if data is None:
            return None
        try:
            return pickle.loads(data)
        except Exception:
            _log_exc(self._req, "RedisSession: cannot load session %s" % self._sid)
            return None

    def do_save(self, dict):
        # The key expires (in Redis) timeout seconds after this save.
        self._redis("set", self._key(), (pickle.dumps(dict), _ms(dict["_timeout"])))

    def do_delete(self):
        self._redis("del", self._key())

    def do_cleanup(self):
        # Nothing to do: Redis deletes each session when its time is up.
        pass


###########################################################################
## Session

_several = None


def several_processes():
    """Whether worker processes of modpy's master serve this site (then a
    session must live outside the process: other workers serve the same
    clients, and a worker is replaced when it recycles), as opposed to one
    process (`modpy -X`)."""
    return apache.mpm_query(apache.AP_MPMQ_IS_FORKED) != apache.AP_MPMQ_NOT_SUPPORTED


def Session(req, sid=0, secret=None, timeout=0, lock=1):
    """A session of the class PythonOption mod_python.session.session_type
    names (FileSession, DbmSession, MemorySession or RedisSession), else the default:
    MemorySession in one process, FileSession under the master."""
    opts = req.get_options()
    sess_type = _opt(opts, "mod_python.session.session_type", "session")
    if not sess_type:
        sess_type = "FileSession" if several_processes() else "MemorySession"
    classes = {"FileSession": FileSession, "DbmSession": DbmSession, "MemorySession": MemorySession,
               "RedisSession": RedisSession}
    if sess_type not in classes:
        raise Exception("Unknown session type %s" % sess_type)
    return classes[sess_type](req, sid=sid, secret=secret, timeout=timeout, lock=lock)
