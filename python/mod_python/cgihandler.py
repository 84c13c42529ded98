"""mod_python.cgihandler: run CGI scripts inside the interpreter.

`PythonHandler mod_python.cgihandler` runs the requested file as a CGI
script would run, without a process per request: the script is executed
in this interpreter with

- sys.stdout: what it prints is the CGI response, headers (Status,
  Content-Type, Location, any other), a blank line, then the body;
- sys.stdin: the request body (sys.stdin.buffer for bytes, as cgi.py reads);
- os.environ: the CGI/1.1 variables (req.add_cgi_vars()), so
  cgi.FieldStorage() and os.environ["QUERY_STRING"] work;
- the current directory: the script's.

Like mod_python 3.5 it runs one script at a time: the working directory is
the process's, so a lock held across the run serialises CGI requests of
every interpreter of this worker process (other worker processes run theirs
in parallel). For concurrency, port the script to a handler or the
publisher. docs/cgihandler.md says more.
"""

import io
import os
import sys
import threading
import types

from mod_python import apache, _mutex, _siteimport


# ---- the CGI streams ----

class _BodyReader(io.RawIOBase):
    """The request body as a raw stream."""

    def __init__(self, req):
        self._req = req

    def readable(self):
        return True

    def readinto(self, b):
        data = self._req.read(len(b))
        n = len(data)
        b[:n] = data
        return n


class _ScriptOutput(io.RawIOBase):
    """What the script writes: CGI headers up to the first blank line go to
    the request's status and headers, the rest is the body."""

    def __init__(self, req):
        self._req = req
        self._head = b""
        self.headers_done = False

    def writable(self):
        return True

    def write(self, b):
        b = bytes(b)
        if not b:
            return 0
        if self.headers_done:
            self._req.write(b, 0)
            return len(b)
        self._head += b
        found = None
        for sep in (b"\r\n", b"\n"):
            if self._head.startswith(sep):  # no headers at all
                head, found, body = b"", sep, self._head[len(sep):]
                break
        else:
            for sep in (b"\r\n\r\n", b"\n\n"):
                head, found, body = self._head.partition(sep)
                if found:
                    break
        if found:
            self._headers(head)
            self.headers_done = True
            self._head = b""
            if body:
                self._req.write(body, 0)
        return len(b)

    def _headers(self, head):
        req = self._req
        status = None
        location = None
        for line in head.replace(b"\r\n", b"\n").split(b"\n"):
            name, colon, value = line.decode("latin-1").partition(":")
            if not line:
                continue
            if not colon:
                raise ValueError("cgihandler: malformed header from script: %r" % line)
            name, value = name.strip(), value.strip()
            lname = name.lower()
            if lname == "status":
                status = int(value.split()[0])
            elif lname == "content-type":
                req.content_type = value
            else:
                if lname == "location":
                    location = value
                req.headers_out.add(name, value)
        if status is not None:
            req.status = status
        elif location:
            # CGI/1.1: a Location without a Status is a redirect.
            req.status = apache.HTTP_MOVED_TEMPORARILY


class _Routed(object):
    """sys.stdin or sys.stdout while a script runs: the script's thread gets
    the CGI stream, every other thread of the interpreter what it had."""

    def __init__(self, cgi, other, thread):
        object.__setattr__(self, "_cgi", cgi)
        object.__setattr__(self, "_other", other)
        object.__setattr__(self, "_thread", thread)

    def _target(self):
        if threading.get_ident() == self._thread:
            return self._cgi
        return self._other

    def __getattr__(self, name):
        return getattr(self._target(), name)

    def __setattr__(self, name, value):
        setattr(self._target(), name, value)

    def __iter__(self):
        return iter(self._target())


# ---- the environment ----

def build_cgi_env(req):
    """The CGI variables of req, as mod_python 3.5's apache.build_cgi_env."""
    req.add_cgi_vars()
    env = dict(req.subprocess_env.items())
    path_info = req.path_info or ""
    if path_info and (req.uri or "").endswith(path_info):
        env["SCRIPT_NAME"] = req.uri[:-len(path_info)]
    else:
        env["SCRIPT_NAME"] = req.uri or ""
    env["GATEWAY_INTERFACE"] = "Python-CGI/1.1"
    # As 3.5: the script sees the credentials (Apache's CGI does not).
    auth = req.headers_in.get("authorization")
    if auth:
        env["HTTP_AUTHORIZATION"] = auth
    return env


def _environ_data():
    """os.environ's own dict (encoded keys and values), or None. Changing
    it changes what os.environ, os.getenv and cgi.py see in this
    interpreter, without putenv(): the C environment is the whole
    process's, shared with every interpreter and thread."""
    data = getattr(os.environ, "_data", None)
    if isinstance(data, dict) and hasattr(os.environ, "encodekey") and hasattr(os.environ, "encodevalue"):
        return data
    return None


def _save_environ():
    data = _environ_data()
    return dict(data) if data is not None else dict(os.environ)


def _restore_environ(saved):
    data = _environ_data()
    if data is None:
        os.environ.clear()
        os.environ.update(saved)
    else:
        data.clear()
        data.update(saved)


def _add_environ(env):
    data = _environ_data()
    if data is None:
        os.environ.update(env)
        return
    enc_k, enc_v = os.environ.encodekey, os.environ.encodevalue
    for k, v in env.items():
        try:
            data[enc_k(str(k))] = enc_v(str(v))
        except (TypeError, ValueError, UnicodeError):
            pass  # a name or value the environment cannot hold (NUL)


# ---- the handler ----

# The working directory is the process's: one script at a time in this
# process, whatever its interpreter. An flock on a file of this process's
# own (other processes have theirs), taken through _mutex, which first
# queues this interpreter's threads.
def _lock_path():
    d = os.path.dirname(_mutex.index_path(0))
    return os.path.join(d, "mp_cgihandler.%d" % os.getpid())


_compiled = {}  # script path -> (stamp, code)
_compiled_lock = threading.Lock()


def _code_of(path):
    st = os.stat(path)
    stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    with _compiled_lock:
        hit = _compiled.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    with open(path, "rb") as f:
        source = f.read()
    code = compile(source, path, "exec", dont_inherit=True)
    with _compiled_lock:
        _compiled[path] = (stamp, code)
    return code


def _streams(req):
    """A CGI script's stdin (the request body) and stdout (headers, a blank
    line, then the body), and the raw output that knows whether the
    headers were done."""
    out_raw = _ScriptOutput(req)
    out_bin = io.BufferedWriter(out_raw)
    stdout = io.TextIOWrapper(out_bin, encoding="utf-8", errors="strict", write_through=True)
    stdin = io.TextIOWrapper(io.BufferedReader(_BodyReader(req)), encoding="utf-8", errors="surrogateescape")
    return stdin, stdout, out_raw


def handler(req):
    script = req.subprocess_env.get("script_filename") or req.filename
    if not script or not os.path.isfile(script):
        return apache.HTTP_NOT_FOUND
    directory, fname = os.path.split(script)
    module_name = os.path.splitext(fname)[0]
    code = _code_of(script)

    # As 3.5, the script runs as a module named after its file (so
    # `if __name__ == "__main__":` blocks do not run), but it is not put
    # in sys.modules: a script called cgi.py or string.py must not replace
    # the standard module for the whole interpreter. Its imports look in
    # its own directory first, as a handler's do.
    module = types.ModuleType(module_name)
    module.__file__ = script
    module.__builtins__ = _siteimport.builtins_for(directory)

    env = build_cgi_env(req)
    stdin, stdout, out_raw = _streams(req)
    me = threading.get_ident()

    lock, owner = _lock_path(), ("cgihandler", me)
    _mutex.acquire(lock, owner)
    try:
        saved_env = _save_environ()
        saved_in, saved_out, saved_argv = sys.stdin, sys.stdout, sys.argv
        cwd = os.getcwd()
        try:
            os.chdir(directory)
            _add_environ(env)
            sys.stdin = _Routed(stdin, saved_in, me)
            sys.stdout = _Routed(stdout, saved_out, me)
            sys.argv = [script]
            try:
                exec(code, module.__dict__)
            except SystemExit as e:
                # sys.exit() ends a CGI script, not the server.
                if e.code not in (None, 0):
                    req.log_error("cgihandler: %s exited with status %r" % (script, e.code), apache.APLOG_ERR)
            stdout.flush()
        finally:
            sys.stdin, sys.stdout, sys.argv = saved_in, saved_out, saved_argv
            _restore_environ(saved_env)
            os.chdir(cwd)
    finally:
        _mutex.release(lock, owner)
        _siteimport.after_import()

    if not out_raw.headers_done:
        # What Apache's mod_cgi answers too.
        req.log_error("cgihandler: %s: premature end of script headers (%s)" % (
            script, "no blank line after them" if out_raw._head.strip() else "it wrote nothing"), apache.APLOG_ERR)
        return apache.HTTP_INTERNAL_SERVER_ERROR
    return apache.OK
