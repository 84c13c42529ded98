#!/usr/bin/env python3
"""Time util.FieldStorage on one long urlencoded field, and Cookie parsing
of a header full of spaces: modpy against Apache + mod_python (if
installed), the same handlers on both.

    python3 bench/linear.py                      # builds modpy, 8/16/32/50 MB
    MODPY_BIN=/tmp/modpy-old python3 bench/linear.py 8 32
    ONLY=modpy REPS=5 python3 bench/linear.py

Each size is posted REPS times (default 3) to each server, in turn; the
table shows the fastest client wall time (request sent to response read)
and the handler's own time for FieldStorage (perf_counter), and, for each
size, its ratio to the first size's. Then the same for a request whose
Cookie header is 'a=1;', 2000, 4000 or 8000 spaces and '=x' (the default
LimitRequestFieldSize allows 8190 bytes, also for repeated Cookie headers
once merged), parsed by Cookie.get_cookies. Run as root, Apache's
children run as www-data. Nothing is installed; servers listen on free
loopback ports and are stopped at the end.
"""

import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HANDLER = """from mod_python import apache, util
import time
def handler(req):
    t = time.perf_counter()
    fs = util.FieldStorage(req)
    took = time.perf_counter() - t
    req.content_type = "text/plain"
    req.write("%d %.6f" % (sum(len(f.value) for f in fs.list), took))
    return apache.OK
"""

COOKIE_HANDLER = """from mod_python import apache, Cookie
import time
def handler(req):
    t = time.perf_counter()
    n = len(Cookie.get_cookies(req))
    req.write("%d %.6f" % (n, time.perf_counter() - t))
    return apache.OK
"""

# Both servers: form.py for everything, cookie.py for itself.
SECTION = """<Directory "{dir}">
    Require all granted
    SetHandler mod_python
    PythonHandler form
    <Files cookie.py>
        PythonHandler cookie
    </Files>
</Directory>
"""

MODPY_CONF = """Listen 127.0.0.1:{port}
ServerName localhost
DocumentRoot {dir}
ErrorLog {dir}/modpy_error.log
LogLevel info
"""

APACHE_CONF = """ServerRoot "{dir}"
DefaultRuntimeDir "{dir}"
PidFile "{dir}/apache.pid"
ErrorLog "{dir}/apache_error.log"
ServerName localhost
Listen 127.0.0.1:{port}
User {user}
Group {group}
LoadModule mpm_event_module {mods}/mod_mpm_event.so
LoadModule authz_core_module {mods}/mod_authz_core.so
LoadModule python_module {mods}/mod_python.so
StartServers 1
ServerLimit 1
ThreadsPerChild 25
MaxRequestWorkers 25
DocumentRoot "{dir}"
"""

MODS = "/usr/lib/apache2/modules"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port, proc, name):
    for _ in range(300):
        if proc.poll() is not None:
            sys.exit("%s exited early (%s)" % (name, proc.returncode))
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("POST", "/form.py", b"a=1")
            if c.getresponse().read().startswith(b"1 "):
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit("%s did not answer on port %d" % (name, port))


def post(port, body, path="/form.py", spaces=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    t = time.perf_counter()
    c.putrequest("POST", path)
    c.putheader("Content-Type", "application/x-www-form-urlencoded")
    c.putheader("Content-Length", str(len(body)))
    if spaces is not None:
        c.putheader("Cookie", "a=1;" + " " * spaces + "=x")
    c.endheaders(body)
    out = c.getresponse().read()
    wall = time.perf_counter() - t
    c.close()
    try:
        size, took = out.split()
    except ValueError:
        sys.exit("%s: %.200r" % (path, out))
    return wall, float(took), int(size)


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [8, 16, 32, 50]
    reps = int(os.environ.get("REPS", "3"))
    only = os.environ.get("ONLY", "")
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tmp = tempfile.mkdtemp(prefix="modpy-linear-")
    os.chmod(tmp, 0o755)
    for name, text in (("form.py", HANDLER), ("cookie.py", COOKIE_HANDLER)):
        with open(os.path.join(tmp, name), "w") as f:
            f.write(text)
    servers, procs = [], []
    try:
        if only in ("", "modpy"):
            binary = os.environ.get("MODPY_BIN")
            if not binary:
                binary = os.path.join(tmp, "modpy")
                subprocess.run(["go", "build", "-o", binary, "./cmd/modpy"], cwd=here, check=True)
            port = free_port()
            with open(os.path.join(tmp, "modpy.conf"), "w") as f:
                f.write(MODPY_CONF.format(port=port, dir=tmp) + SECTION.format(dir=tmp))
            p = subprocess.Popen([binary, "-X", "-f", os.path.join(tmp, "modpy.conf")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(p)
            wait_up(port, p, "modpy")
            servers.append(("modpy", port))
        if only in ("", "apache") and os.path.exists(MODS + "/mod_python.so") and shutil.which("apache2"):
            port = free_port()
            user, group = ("www-data", "www-data") if os.getuid() == 0 else (os.getlogin(), os.getlogin())
            with open(os.path.join(tmp, "apache.conf"), "w") as f:
                f.write(APACHE_CONF.format(port=port, dir=tmp, user=user, group=group, mods=MODS) +
                        SECTION.format(dir=tmp))
            # mod_python embeds the system Python: keep pyenv's and the
            # like (PATH, PYTHON*) away from it.
            env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYENV"))}
            env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
            p = subprocess.Popen(["/usr/sbin/apache2", "-f", os.path.join(tmp, "apache.conf"), "-DFOREGROUND"], env=env)
            procs.append(p)
            wait_up(port, p, "apache")
            servers.append(("apache", port))

        best = {}
        for rep in range(reps):
            for mb in sizes:
                body = b"a=" + b"x" * (mb << 20)
                for name, port in servers:
                    wall, took, size = post(port, body)
                    if size != mb << 20:
                        sys.exit("%s: got %d bytes back for %d MB" % (name, size, mb))
                    w, h = best.get((name, mb), (1e9, 1e9))
                    best[name, mb] = (min(w, wall), min(h, took))
        print("| server | " + " | ".join("%d MB" % mb for mb in sizes) + " |")
        print("|---|" + "---:|" * len(sizes))
        for name, _ in servers:
            w0, h0 = best[name, sizes[0]]
            cells = ["%.3f s (x%.1f), handler %.3f s" % (w, w / w0, h) for w, h in (best[name, mb] for mb in sizes)]
            print("| %s | %s |" % (name, " | ".join(cells)))

        counts = (2000, 4000, 8000)
        print("\n| server | " + " | ".join("Cookie: %d spaces" % n for n in counts) + " |")
        print("|---|" + "---:|" * len(counts))
        for name, port in servers:
            cells = []
            for n in counts:
                wall, took, found = min(post(port, b"", "/cookie.py", n) for _ in range(reps))
                cells.append("%.4f s, handler %.4f s" % (wall, took))
            print("| %s | %s |" % (name, " | ".join(cells)))
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        if os.environ.get("KEEP"):
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
