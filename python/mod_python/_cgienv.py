"""The CGI environment of a request: the streams a CGI-style script reads and
writes, and its os.environ. A leaf module (it imports neither
mod_python.apache nor mod_python.cgihandler, both of which use it), so that
apache.setup_cgi and the cgihandler share it without an import cycle.
"""

import io
import os
import threading


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
            req.status = 302  # apache.HTTP_MOVED_TEMPORARILY


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


def _streams(req):
    """A CGI script's stdin (the request body) and stdout (headers, a blank
    line, then the body), and the raw output that knows whether the
    headers were done."""
    out_raw = _ScriptOutput(req)
    out_bin = io.BufferedWriter(out_raw)
    stdout = io.TextIOWrapper(out_bin, encoding="utf-8", errors="strict", write_through=True)
    stdin = io.TextIOWrapper(io.BufferedReader(_BodyReader(req)), encoding="utf-8", errors="surrogateescape")
    return stdin, stdout, out_raw
