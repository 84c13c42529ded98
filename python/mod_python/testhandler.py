"""mod_python.testhandler: a diagnostic page, as in mod_python 3.5.

    <Location /mpinfo>
        SetHandler mod_python
        PythonHandler mod_python.testhandler
    </Location>

shows the server, Python and interpreter, the request's headers, CGI
environment, configuration, options and notes, the connection, and the
server's configuration; ?view_log=1 shows the last 100 lines of the error
log. It tells a visitor a lot about the server: keep it off public sites.
"""

import os
import sys
from html import escape

from mod_python import apache, util


class bounded_buffer(object):
    """The last `size` items appended."""

    def __init__(self, size):
        self.max_size = size
        self.list = []
        self.pos = 0

    def append(self, value):
        if len(self.list) < self.max_size:
            self.list.append(value)
        else:
            self.list[self.pos] = value
        self.pos = (self.pos + 1) % self.max_size

    def items(self):
        return self.list[self.pos:] + self.list[:self.pos]

    def __iter__(self):
        return iter(self.items())


def _row(req, key, value, pre=False):
    tag = "pre" if pre else "code"
    req.write("<tr><td><code>%s</code></td><td><%s>%s</%s></td></tr>\n" % (
        escape(str(key)), tag, escape(str(value)), tag))


def write_table(req, table):
    req.write('<table border="1">\n')
    req.write("<tr><th>Key</th><th>Value</th></tr>\n")
    items = table.items() if hasattr(table, "items") else table
    for key, value in items:
        _row(req, key, value)
    req.write("</table>\n")


def write_tree(req, tree, level):
    for entry in tree:
        if isinstance(entry, list):
            write_tree(req, entry, level + 1)
        else:
            req.write(escape("    " * level + " ".join(map(str, entry)) + "\n"))


def _error_log(req):
    name = req.server.error_fname or ""
    if name and not os.path.isabs(name):
        name = os.path.join(apache.server_root(), name)
    return name


def _available(module):
    try:
        __import__("mod_python." + module)
        return "Yes"
    except Exception:
        return "No"


def handler(req):
    req.form = util.FieldStorage(req)

    if req.form.getfirst("view_log"):
        req.content_type = "text/plain"
        name = _error_log(req)
        if not name or not os.path.isfile(name):
            req.write("The error log (%s) is not a file this page can read.\n" % (name or "none"))
            return apache.OK
        lines = bounded_buffer(100)
        with open(name, "rb") as log:
            for line in log:
                lines.append(line)
        for line in lines:
            req.write(line)
        return apache.OK

    req.add_common_vars()
    req.content_type = "text/html"
    req.write("<html><head><title>mod_python test page</title></head><body>\n")

    req.write("<h3>General information</h3>\n")
    req.write('<table border="1">\n')
    _row(req, "Apache version", req.subprocess_env.get("SERVER_SOFTWARE"))
    _row(req, "Apache threaded MPM",
         apache.mpm_query(apache.AP_MPMQ_IS_THREADED) and
         "Yes, maximum %i threads / process" % apache.mpm_query(apache.AP_MPMQ_MAX_THREADS)
         or "No (single thread MPM)")
    _row(req, "Apache forked MPM",
         apache.mpm_query(apache.AP_MPMQ_IS_FORKED) and
         "Yes, maximum %i processes" % apache.mpm_query(apache.AP_MPMQ_MAX_DAEMONS)
         or "No (single process MPM)")
    _row(req, "Apache server root", apache.server_root())
    _row(req, "Apache document root", req.document_root())
    req.write('<tr><td><code>Apache error log</code></td><td><code>%s</code> '
              '(<a href="?view_log=1" target="_new">view last 100 lines</a>)</td></tr>\n'
              % escape(_error_log(req)))
    _row(req, "Python sys.version", sys.version)
    _row(req, "Python sys.path", "\n".join(sys.path), pre=True)
    _row(req, "Python interpreter name", req.interpreter)
    _row(req, "mod_python version", getattr(sys.modules.get("mod_python"), "version", ""))
    _row(req, "mod_python.publisher available", _available("publisher"))
    _row(req, "mod_python.psp available", _available("psp"))
    req.write("</table>\n")

    req.write("<h3>Request</h3>\n")
    write_table(req, [(k, getattr(req, k)) for k in (
        "the_request", "method", "uri", "unparsed_uri", "args", "filename", "path_info",
        "protocol", "hostname", "handler", "phase", "user", "ap_auth_type", "interpreter")])

    req.write("<h3>Request input headers</h3>\n")
    write_table(req, req.headers_in)

    req.write("<h3>Request environment</h3>\n")
    write_table(req, req.subprocess_env)

    req.write("<h3>Request configuration</h3>\n")
    write_table(req, req.get_config())

    req.write("<h3>Request options</h3>\n")
    write_table(req, req.get_options())

    req.write("<h3>Request notes</h3>\n")
    write_table(req, req.notes)

    c = req.connection
    req.write("<h3>Connection</h3>\n")
    write_table(req, [(k, getattr(c, k, "")) for k in (
        "remote_ip", "remote_addr", "local_ip", "local_addr", "id", "keepalive", "keepalives")])

    s = req.server
    req.write("<h3>Server</h3>\n")
    write_table(req, [(k, getattr(s, k, "")) for k in (
        "server_hostname", "port", "server_admin", "is_virtual", "defn_name",
        "defn_line_number", "timeout", "keep_alive", "keep_alive_timeout", "names")])

    req.write("<h3>Server configuration</h3>\n")
    write_table(req, s.get_config())

    tree = getattr(apache, "config_tree", None)
    if tree is not None:
        req.write("<h3>Server configuration tree</h3>\n<pre>")
        write_tree(req, tree(), 0)
        req.write("</pre>\n")

    req.write("</body></html>\n")
    return apache.OK
