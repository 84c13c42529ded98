"""mod_python.psp: Python Server Pages, as in mod_python 3.5.

A PSP page is text with Python in it:

    <% code %>          statements
    <%= expression %>   str(expression) goes into the page
    <%@ include file="other.psp" %>   the other file's text, in place
    <%-- comment --%>   dropped

The page is translated into Python source, compiled, cached per interpreter
and run with the globals req, psp (a PSPInterface), form (a FieldStorage,
made only if the page names `form`) and session (a Session, made, locked and
saved only if the page names `session`). `PythonHandler mod_python.psp`
serves .psp files; PSP(req, filename=...) makes a template of any file.

The translation is mod_python 3.5's flex lexer (src/psp_parser.l) rule for
rule, written here in Python: text becomes req.write(\"\"\"...\"\"\",0), code
is copied with its line breaks, so a line of the page is the same line of
the generated Python (tracebacks point at the page). The indentation of the
last line of a code block carries over to the text after it; a block whose
last line ends in `:` indents the text after it one tab deeper. docs/psp.md
describes the rules and where modpy differs from 3.5.
"""

import marshal
import os
import re
import sys
import tempfile
import threading
import weakref
from html import escape
from stat import S_ISREG as _S_ISREG

from mod_python import apache, Session, util

# 3.5's module-level names that pages may use without importing them (a
# page runs with a copy of this module's globals): apache, Session, util,
# sys, os, marshal, tempfile, escape.

tempdir = tempfile.gettempdir()

# Included files nest at most this deep (3.5 recursed until it crashed).
MAX_INCLUDE_DEPTH = 32


def path_split(filename):
    """(directory with a trailing "/", file name)."""
    d, fname = os.path.split(filename)
    return d + "/", fname


def _read_regular(path):
    """The bytes of the regular file at path. Anything else (a FIFO, a
    device, a directory) is an OSError naming it, raised before it is read:
    a FIFO would block the thread until a writer came, /dev/zero never
    ends. (The stat comes first so that a device is not even opened; the
    open does not block, and its fstat catches a swap since the stat.)"""
    if not _S_ISREG(os.stat(path).st_mode):
        raise OSError("%s: not a regular file" % path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    with open(fd, "rb") as f:
        if not _S_ISREG(os.fstat(fd).st_mode):
            raise OSError("%s: not a regular file" % path)
        return f.read()


# ---- the parser ----

_TEXT, _PYCODE, _INDENT, _DIR, _COMMENT = range(5)

_INCLUDE = re.compile(r'include +file ?= ?"([^ "]+)"')


class _Parser(object):
    """One translation: the state of 3.5's lexer (psp_parser.l)."""

    def __init__(self, dir):
        self.dir = dir
        self.out = []
        self.whitespace = ""
        self.seen_newline = False
        self.after_colon = False
        self.is_echo = False
        self.includes = []  # the files included, for the cache's checks

    def _read(self, path):
        return _read_regular(path).decode("utf-8")

    def parse(self, text):
        """Translate text (the page); the Python source."""
        out = self.out
        if not text:
            return ""
        # INITIAL: whatever comes first, open a text write.
        out.append('req.write("""')
        state = _TEXT
        stack = []  # (text, pos) of the files an include interrupted
        pos, n = 0, len(text)
        while True:
            if pos >= n:
                # End of this buffer. Only TEXT pops an include; in any
                # other state the scan ends there, as flex's default
                # <<EOF>> does.
                if state != _TEXT:
                    break
                if not stack:
                    out.append('""",0)\n')
                    break
                text, pos = stack.pop()
                n = len(text)
                state = _DIR
                continue
            c = text[pos]
            if state == _TEXT:
                if c == "<" and text.startswith("<%", pos):
                    if text.startswith("<%--", pos):
                        state = _COMMENT
                        pos += 4
                    elif text.startswith("<%=", pos):
                        out.append('""",0); req.write(str(')
                        self.is_echo = True
                        state = _PYCODE
                        pos += 3
                    elif text.startswith("<%@", pos):
                        state = _DIR
                        pos += 3
                    else:
                        out.append('""",0);')
                        self.whitespace = ""
                        self.seen_newline = False
                        state = _PYCODE
                        pos += 2
                    continue
                if c == "\r" and text.startswith("\r\n", pos):
                    out.append("\n")
                    pos += 2
                    continue
                out.append(_TEXT_ESCAPES.get(c, c))
                pos += 1
            elif state == _PYCODE:
                if c == "\n" or c == "\r":
                    out.append("\n")
                    pos += 2 if text.startswith("\r\n", pos) else 1
                    self.seen_newline = True
                    state = _INDENT
                elif c == "%" and text.startswith("%>", pos):
                    pos += 2
                    if self.is_echo:
                        out.append('),0); req.write("""')
                        self.is_echo = False
                    else:
                        if not self.seen_newline:
                            out.append(";")  # <% x = 1 %> on one line
                        if self.after_colon:
                            # The block opened on the last line has no
                            # body yet: the text after %> is it.
                            self.whitespace += "\t"
                            self.after_colon = False
                        out.append(self.whitespace)
                        out.append('req.write("""')
                    state = _TEXT
                else:
                    out.append(c)
                    self.after_colon = c == ":"
                    pos += 1
            elif state == _INDENT:
                # Just after a line break inside <% %>.
                if c == " " or c == "\t":
                    end = pos
                    while end < n and text[end] in " \t":
                        end += 1
                    self.whitespace = text[pos:end]
                    out.append(self.whitespace)
                    pos = end
                elif not text.startswith("%>", pos):
                    # A code line at column 0, or an empty line: the
                    # indentation is reset. (A %> at the start of a line
                    # keeps the previous line's.)
                    self.whitespace = ""
                state = _PYCODE
            elif state == _DIR:
                if c == "%" and text.startswith("%>", pos):
                    state = _TEXT
                    pos += 2
                    continue
                m = _INCLUDE.match(text, pos)
                if m is None:
                    pos += 1  # anything else in a directive is ignored
                    continue
                pos = m.end()
                name = m.group(1)
                path = name if (not self.dir or name.startswith("/")) else self.dir + name
                if len(stack) >= MAX_INCLUDE_DEPTH:
                    raise ValueError("PSP: includes nest deeper than %d at %s" % (MAX_INCLUDE_DEPTH, path))
                included = self._read(path)
                self.includes.append(path)
                stack.append((text, pos))
                text, pos, n = included, 0, len(included)
                state = _TEXT
            else:  # _COMMENT
                if c == "-" and text.startswith("--%>", pos):
                    state = _TEXT
                    pos += 4
                else:
                    pos += 1
        return "".join(out)


# Text goes between triple quotes verbatim: every backslash and quote is
# escaped (3.5 escaped quotes and kept \n, \r, \t; other backslash sequences
# were interpreted); a lone CR and NUL are written as escapes (compile()
# would take CR for a line break and refuses NUL).
_TEXT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\r": "\\r", "\0": "\\x00"}


def _parse_file(filename, dir=None):
    """(Python source, included paths) of the page at dir + filename (or
    filename, without dir)."""
    path = dir + filename if dir else filename
    p = _Parser(dir)
    return p.parse(p._read(path)), p.includes


def parse(filename, dir=None):
    """The Python source of the page `filename`. With dir, the page is
    dir + filename (plain concatenation) and includes may be relative to
    dir; without, includes must be absolute paths."""
    return _parse_file(filename, dir)[0]


def parsestring(str):
    """The Python source of the page text `str` (includes: absolute paths)."""
    return _Parser(None).parse(str)


# ---- caches ----

class HitsCache(object):
    """A cache of at most `size` entries; when full, the least used quarter
    goes."""

    def __init__(self, size=512):
        self.cache = {}
        self.size = size
        self.lock = threading.Lock()

    def store(self, key, val):
        with self.lock:
            self.cache[key] = [1, val]
            if len(self.cache) > self.size:
                self._clean()

    def get(self, key):
        with self.lock:
            entry = self.cache.get(key)
            if entry is None:
                return None
            entry[0] += 1
            return entry[1]

    def drop(self, key):
        with self.lock:
            self.cache.pop(key, None)

    def _clean(self):
        byhits = sorted(self.cache.items(), key=lambda kv: kv[1][0])
        for key, _ in byhits[:len(self.cache) - int(self.size * .75)]:
            del self.cache[key]


def _stamp(path):
    """What tells an edited file from the one compiled: mtime, size, inode."""
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _stamps(paths):
    try:
        return tuple(_stamp(p) for p in paths)
    except OSError:
        return None


mem_scache = HitsCache()  # page text -> code
mem_fcache = HitsCache()  # page path -> (stamps of the page and its includes, includes, code)


# The dbm cache (PythonOption mod_python.psp.cache_database_filename, or
# 3.3's PSPDbmCache): the same entries, marshalled, in a dbm file shared by
# every interpreter and worker, under global lock 0 as in 3.5.

def _dbm_open(dbmfile):
    import dbm
    return dbm.open(dbmfile, "c", 0o600)


def _dbm_key(filename):
    # marshal's code format is the running Python's own.
    return ("%s\0%s" % (sys.version, filename)).encode("utf-8", "surrogateescape")


def dbm_cache_get(srv, dbmfile, filename):
    apache._global_lock(srv, None, 0)
    try:
        with _dbm_open(dbmfile) as db:
            raw = db.get(_dbm_key(filename))
    finally:
        apache._global_unlock(srv, None, 0)
    if raw is None:
        return None
    try:
        stamps, includes, code = marshal.loads(raw)
        return tuple(tuple(s) for s in stamps), tuple(includes), code
    except (ValueError, EOFError, TypeError):
        return None


def dbm_cache_store(srv, dbmfile, filename, entry):
    stamps, includes, code = entry
    raw = marshal.dumps((stamps, includes, code))
    apache._global_lock(srv, None, 0)
    try:
        with _dbm_open(dbmfile) as db:
            db[_dbm_key(filename)] = raw
    finally:
        apache._global_unlock(srv, None, 0)


# ---- pages ----

_names_cache = weakref.WeakKeyDictionary()


def _global_names(code):
    """The names code and the functions, classes and comprehensions in it
    look up: 3.5 looked at the page's top level only, so on Python 3 a
    `session` used only inside a comprehension or a function of the page
    was None."""
    names = _names_cache.get(code)
    if names is None:
        names, todo = set(), [code]
        while todo:
            c = todo.pop()
            names.update(c.co_names)
            todo.extend(k for k in c.co_consts if isinstance(k, type(code)))
        names = frozenset(names)
        _names_cache[code] = names
    return names


class PSPInterface(object):
    """The `psp` variable of a page."""

    def __init__(self, req, filename, form):
        self.req = req
        self.filename = filename
        self.error_page = None
        self.form = form

    def set_error_page(self, page):
        """Run `page` instead if this page raises; it gets the variable
        `exception` (sys.exc_info()). A path starting with "/" is under the
        document root, any other is next to this page."""
        if page and page[0] == "/":
            self.error_page = PSP(self.req, self.req.document_root() + page)
        else:
            base = path_split(self.filename)[0] if self.filename else path_split(self.req.filename or "/")[0]
            self.error_page = PSP(self.req, base + page)

    def apply_data(self, object):
        """Call object with the form's fields as keyword arguments."""
        if not self.form:
            if not hasattr(self.req, "form"):
                self.form = util.FieldStorage(self.req, keep_blank_values=1)
                self.req.form = self.form
            else:
                self.form = self.req.form
        return util.apply_fs_data(object, self.form, req=self.req)

    def redirect(self, location, permanent=0):
        """Redirect the client (before anything of the page was sent)."""
        util.redirect(self.req, location, permanent)


class PSP(object):
    """A page: from a file (filename, relative to the requested file's
    directory; req.filename when neither is given) or a string. vars are
    globals for run(); run's own vars win over them."""

    code = None
    dbmcache = None

    def __init__(self, req, filename=None, string=None, vars={}):
        if string and filename:
            raise ValueError("Must specify either filename or string")
        self.req, self.vars = req, vars
        if not filename and not string:
            filename = req.filename
        self.filename, self.string = filename, string
        if filename:
            if not os.path.isabs(filename):
                base = os.path.split(req.filename)[0]
                self.filename = os.path.join(base, filename)
            self.load_from_file()
        else:
            code = mem_scache.get(string)
            if code is None:
                code = compile(_Parser(None).parse(string), "__psp__", "exec")
                mem_scache.store(string, code)
            self.code = code

    def _dbm_file(self):
        opts = self.req.get_options()
        return opts.get("mod_python.psp.cache_database_filename") or opts.get("PSPDbmCache") or None

    def load_from_file(self):
        filename = self.filename
        if not os.path.isfile(filename):
            raise ValueError("%s is not a file" % filename)
        self.dbmcache = self._dbm_file()
        entry = mem_fcache.get(filename)
        if entry is None and self.dbmcache:
            entry = dbm_cache_get(self.req.server, self.dbmcache, filename)
        if entry is not None:
            stamps, includes, code = entry
            if _stamps((filename,) + includes) == stamps:
                self.code = code
                return
            mem_fcache.drop(filename)
        # Stamp before reading: an edit during the parse is seen next time.
        d, fname = path_split(filename)
        stamp = _stamp(filename)
        source, includes = _parse_file(fname, d)
        code = compile(source, filename, "exec")
        includes = tuple(includes)
        inc_stamps = _stamps(includes)
        entry = ((stamp,) + (inc_stamps or ()), includes, code)
        if inc_stamps is not None:
            mem_fcache.store(filename, entry)
            if self.dbmcache:
                dbm_cache_store(self.req.server, self.dbmcache, filename, entry)
        self.code = code

    def run(self, vars={}, flush=0):
        """Run the page: its output goes to req. On an exception, the error
        page (psp.set_error_page) runs instead, else it propagates."""
        code, req = self.code, self.req

        # A session only if the page names `session`: creating one sets a
        # cookie and locks it. One made here is the request's (req.session)
        # while the page runs, so an error page or a nested PSP shares it.
        names = _global_names(code)
        session = None
        own_session = False
        if "session" in names:
            session = getattr(req, "session", None)
            if session is None:
                session = Session.Session(req)
                req.session = session
                own_session = True

        form = None
        if "form" in names:
            form = getattr(req, "form", None)
            if form is None:
                form = util.FieldStorage(req, keep_blank_values=1)
                req.form = form

        psp = PSPInterface(req, self.filename, form)

        try:
            global_scope = globals().copy()
            global_scope.update({"req": req, "form": form, "psp": psp,
                                 "session": session if session is not None else getattr(req, "session", None)})
            global_scope.update(self.vars)  # given to __init__
            global_scope.update(vars)       # given to run
            try:
                exec(code, global_scope)
                if flush:
                    req.flush()
                # Even a session only read changed (its access time).
                if session is not None:
                    session.save()
            except apache.SERVER_RETURN:
                # psp.redirect and apache.SERVER_RETURN are not errors.
                raise
            except Exception:
                if psp.error_page is None:
                    raise
                psp.error_page.run({"exception": sys.exc_info()}, flush)
        finally:
            if own_session:
                session.unlock()
                if getattr(req, "session", None) is session:
                    del req.session

    def __str__(self):
        self.req.content_type = "text/html"
        self.run()
        return ""

    def display_code(self):
        """Write an HTML table: the generated Python beside the page."""
        req, filename = self.req, self.filename
        d, fname = path_split(filename)
        source = _read_regular(filename).decode("utf-8").splitlines()
        pycode = parse(fname, d).splitlines()
        source = [s.rstrip() for s in source]
        pycode = [s.rstrip() for s in pycode]

        def cell(s):
            return escape(s).replace("\t", " " * 4).replace(" ", "&nbsp;")

        req.write("<table>\n<tr>")
        for s in ("", "&nbsp;PSP-produced Python Code:", "&nbsp;%s:" % escape(filename)):
            req.write("<td><tt>%s</tt></td>" % s)
        req.write("</tr>\n")
        for n, line in enumerate(pycode, 1):
            right = cell(source[n - 1]) if n <= len(source) else ""
            req.write("<tr>")
            for s in ("%d.&nbsp;" % n,
                      "<font color=blue>%s</font>" % cell(line),
                      "&nbsp;<font color=green>%s</font>" % right):
                req.write("<td><tt>%s</tt></td>" % s)
            req.write("</tr>\n")
        req.write("</table>\n")


def handler(req):
    """PythonHandler mod_python.psp: run the requested page. With
    PythonDebug On, a request for page.psp_ shows page.psp's generated code
    instead (a source disclosure: never on a public site)."""
    req.content_type = "text/html"
    debug = int(req.get_config().get("PythonDebug", 0))
    filename = req.filename or ""
    if debug and filename.endswith("_"):
        if not os.path.isfile(filename[:-1]):
            return apache.HTTP_NOT_FOUND
        PSP(req, filename[:-1]).display_code()
    else:
        if not os.path.isfile(filename):
            return apache.HTTP_NOT_FOUND
        PSP(req).run()
    return apache.OK
