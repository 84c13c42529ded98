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

import os
import sys
import threading
import types

from mod_python import apache, _mutex, _siteimport
# The CGI streams and environment live in the leaf module _cgienv (apache.py
# uses them too); their names stay here for sites that reach for them.
from mod_python._cgienv import (  # noqa: F401
    _BodyReader, _ScriptOutput, _Routed, build_cgi_env, _environ_data,
    _save_environ, _restore_environ, _add_environ, _streams)


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
