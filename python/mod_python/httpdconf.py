"""mod_python.httpdconf: httpd configuration built from Python objects.

As in mod_python 3.5: a configuration is a tree of

- Directive(name, val): `str()` is the line `name val`;
- ContainerTag(tag, attr, args): a section, `<tag attr>` ... `</tag>`, its
  children indented by two;
- Container(*args, only_if=None): a list of the above that renders as its
  children; with only_if (a Python expression, which may use mod_python)
  it renders only when that evaluates true;
- Comment(text): `# ` lines.

`str()` of any of them is httpd.conf text; `repr()` is the Python code that
builds the same tree. Each common directive and section has a class of its
own, named as the directive: `VirtualHost("*", ServerName("a"),
Directory("/srv", SetHandler("mod_python"), PythonHandler("h")))`.
Backslashes in values become slashes unless the class says otherwise
(LogFormat, PythonPath).

write_basic_config(server_root, ...) writes the Python version of a
minimal site's configuration, as `mod_python create` does.
"""

import os
import shutil
import sys

import mod_python  # only_if expressions may refer to it


class _Flips:
    # Backslashes become slashes in what a node renders, unless flipslash
    # is off.
    flipslash = 1

    def _slashes(self, s):
        return s.replace("\\", "/") if self.flipslash else s


class Directive(_Flips):
    """One configuration line: name and its value, given as one string."""

    def __init__(self, name, val, flipslash=1):
        self.name = name
        self.val = val
        self.indent = 0
        self.flipslash = flipslash

    def __repr__(self):
        return self._slashes("%s%s(%r)" % (" " * self.indent, self.name, self.val))

    def __str__(self):
        return self._slashes("%s%s %s\n" % (" " * self.indent, self.name, self.val))


class Container:
    """A list of directives, sections, comments and containers, rendered in
    order; only_if, an expression, makes it conditional."""

    def __init__(self, *args, **kwargs):
        self.args = list(args)
        self.indent = 0
        self.only_if = kwargs.get("only_if")

    def append(self, value):
        """Adds a Directive, Container, ContainerTag or Comment."""
        if not isinstance(value, (Directive, Container, ContainerTag, Comment)):
            raise TypeError("appended value must be an instance of Directive, "
                            "Container, ContainerTag or Comment")
        self.args.append(value)

    def __repr__(self):
        pad = " " * self.indent
        parts = []
        for arg in self.args:
            arg.indent = self.indent + 4
            parts.append("\n%r," % (arg,))
        if self.only_if:
            tail = "    only_if=%r)" % (self.only_if,)
        else:
            tail = ")"
        return "%sContainer(%s\n%s%s" % (pad, "".join(parts), pad, tail)

    def __str__(self):
        if self.only_if and not eval(self.only_if, globals()):
            return ""
        out = []
        for arg in self.args:
            arg.indent = self.indent
            out.append(str(arg))
        return "".join(out)


class ContainerTag(_Flips):
    """A section: <tag attr> with its children, then </tag>."""

    def __init__(self, tag, attr, args, flipslash=1):
        self.tag = tag
        self.attr = attr
        self.args = args
        self.indent = 0
        self.flipslash = flipslash

    def __repr__(self):
        pad = " " * self.indent
        parts = [self._slashes("%s%s(%r," % (pad, self.tag, self.attr))]
        for arg in self.args:
            arg.indent = self.indent + 4
            parts.append("\n%r," % (arg,))
        parts.append("\n%s)" % pad)
        return "".join(parts)

    def __str__(self):
        pad = " " * self.indent
        parts = [self._slashes("%s<%s %s>\n" % (pad, self.tag, self.attr))]
        for arg in self.args:
            arg.indent = self.indent + 2
            parts.append(str(arg))
        parts.append("%s</%s>\n" % (pad, self.tag))
        return "".join(parts)


class Comment:
    """Comment lines, each rendered as `# line`."""

    def __init__(self, comment):
        self.comment = comment
        self.indent = 0

    def __repr__(self):
        pad = " " * self.indent
        lines = self.comment.splitlines() or [""]
        rest = "".join("\n        %s%r" % (pad, line + "\n") for line in lines[1:])
        return "%sComment(%r%s)" % (pad, lines[0] + "\n", rest)

    def __str__(self):
        pad = " " * self.indent
        return "".join("%s# %s\n" % (pad, line) for line in self.comment.splitlines())


# ---- a class per directive and per section ----

def _directive_class(name, flipslash=1, default=None):
    def __init__(self, val=default):
        if val is None:
            raise TypeError("%s() needs a value" % name)
        Directive.__init__(self, name, val, flipslash)
    return type(name, (Directive,), {
        "__init__": __init__, "__module__": __name__,
        "__doc__": "The %s directive: %s(value)." % (name, name)})


def _section_class(name):
    def __init__(self, attr, *args):
        ContainerTag.__init__(self, name, attr, args)
    return type(name, (ContainerTag,), {
        "__init__": __init__, "__module__": __name__,
        "__doc__": "The <%s> section: %s(attr, *children)." % (name, name)})


_DIRECTIVES = """
    AddHandler AddOutputFilter AddType Alias AllowOverride AuthBasicAuthoritative
    AuthBasicProvider AuthName AuthType AuthUserFile CustomLog DirectoryIndex
    DocumentRoot ErrorLog KeepAlive KeepAliveTimeout Listen LoadModule LogLevel
    MaxClients MaxConnectionsPerChild MaxRequestsPerChild MaxSpareServers
    MaxSpareThreads MaxThreadsPerChild MinSpareThreads Mutex NameVirtualHost
    NumServers Options PidFile PythonAccessHandler PythonAuthenHandler
    PythonAuthzHandler PythonAutoReload PythonCleanupHandler PythonConnectionHandler
    PythonDebug PythonFixupHandler PythonHandler PythonHandlerModule
    PythonHeaderParserHandler PythonImport PythonInitHandler PythonInputFilter
    PythonInterpreter PythonLogHandler PythonOption PythonOptimize PythonOutputFilter
    PythonPostReadRequestHandler PythonTransHandler PythonTypeHandler Require
    ServerAdmin ServerAlias ServerName ServerPath ServerRoot SetHandler StartServers
    StartThreads ThreadsPerChild Timeout TypesConfig
""".split()

_SECTIONS = """
    Directory DirectoryMatch Files FilesMatch IfDefine IfModule Location
    LocationMatch VirtualHost
""".split()

for _name in _DIRECTIVES:
    globals()[_name] = _directive_class(_name)
for _name in _SECTIONS:
    globals()[_name] = _section_class(_name)

# Values where a backslash means itself.
LogFormat = _directive_class("LogFormat", flipslash=0)
PythonPath = _directive_class("PythonPath", flipslash=0)
# Both default to Off, as in 3.5.
PythonInterpPerDirectory = _directive_class("PythonInterpPerDirectory", default="Off")
PythonInterpPerDirective = _directive_class("PythonInterpPerDirective", default="Off")


class LockFile(Directive):
    """The LockFile directive (httpd 2.2); commented out on Windows."""

    def __init__(self, val):
        name = "LockFile" if sys.platform != "win32" else "#LockFile"
        Directive.__init__(self, name, val)


del _name


# ---- a basic site ----

def quote_if_space(s):
    """s in double quotes if it has a space."""
    return '"%s"' % s if " " in s else s


# Apache modules a basic site loads (httpd's default set).
_BASIC_MODULES = [
    "authn_file", "authn_core", "authz_host", "authz_groupfile", "authz_user",
    "authz_core", "access_compat", "auth_basic", "reqtimeout", "include", "filter",
    "mime", "log_config", "env", "headers", "setenvif", "version", "unixd",
    "status", "autoindex", "dir", "alias",
]


def _warn(msg):
    print(msg, file=sys.stderr)


def _make_dirs(server_root, conf, logs, htdocs):
    for d in (server_root, os.path.join(server_root, htdocs),
              os.path.join(server_root, conf), os.path.join(server_root, logs)):
        if os.path.isdir(d):
            _warn("Warning: directory %r already exists, continuing." % d)
        else:
            _warn("Creating directory %r." % d)
            os.mkdir(d)
    dest = os.path.join(server_root, conf, "mime.types")
    if os.path.isfile(dest):
        _warn("Warning: file %r already exists, continuing." % dest)
        return
    for d in (mod_python.version.SYSCONFDIR, "/etc"):
        src = os.path.join(d, "mime.types")
        if os.path.isfile(src):
            _warn("Copying %r to %r" % (src, dest))
            shutil.copy(src, dest)
            return


def _basic_config(server_root, listen, conf, logs, htdocs, pythonhandler,
                  pythonpath, pythonoptions, mp_comments):
    libexec = mod_python.version.LIBEXECDIR
    modules = Container(Comment("\nLoad the necessary modules (this is the default httpd set):\n\n"))
    for m in _BASIC_MODULES:
        so = quote_if_space(os.path.join(libexec, "mod_%s.so" % m))
        modules.append(LoadModule("%s_module %s" % (m, so)))
    main = Container(
        Comment("\nMain configuration options:\n\n"),
        ServerRoot(server_root),
        Container(MaxConnectionsPerChild("65536"),
                  only_if="mod_python.version.HTTPD_VERSION[0:3] == '2.4'"),
        Container(MaxRequestsPerChild("65536"),
                  only_if="mod_python.version.HTTPD_VERSION[0:3] < '2.4'"),
        LogFormat(r'"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\"" combined'),
        CustomLog("%s combined" % quote_if_space(os.path.join(logs, "access_log"))),
        ErrorLog(quote_if_space(os.path.join(logs, "error_log"))),
        LogLevel("warn"),
        PidFile(quote_if_space(os.path.join(logs, "httpd.pid"))),
        TypesConfig(quote_if_space(os.path.join(conf, "mime.types"))),
        ServerName("127.0.0.1"),
        Listen(listen),
        DocumentRoot(quote_if_space(os.path.join(server_root, htdocs))),
        Container(LockFile(quote_if_space(os.path.join(logs, "accept.lock"))),
                  only_if="mod_python.version.HTTPD_VERSION[0:3] == '2.2'"),
    )
    mp = Container(
        Comment("\nmod_python-specific options:\n\n"),
        LoadModule("python_module %s" % quote_if_space(os.path.join(libexec, "mod_python.so"))),
        SetHandler("mod_python"),
        Comment("PythonDebug On"),
        PythonHandler(pythonhandler),
    )
    if pythonpath:
        mp.append(PythonPath('"sys.path+[%s]"' % "".join("%r," % p for p in pythonpath)))
    for o in pythonoptions:
        mp.append(PythonOption(o))
    for c in mp_comments:
        mp.append(Comment(c))
    return Container(Comment("\nThis config was auto-generated, do not edit!\n\n"),
                     modules, main, mp)


def write_basic_config(server_root, listen="0.0.0.0:8888", conf="conf", logs="logs",
                       htdocs="public", pythonhandler="mod_python.publisher",
                       pythonpath=(), pythonoptions=(), mp_comments=(),
                       conf_name="httpd_conf.py", createdirs=True, replace_config=False):
    """Writes server_root/conf/conf_name: a Python script that prints a basic
    site's configuration (one handler for the whole DocumentRoot). Makes the
    directories (and copies mime.types) when createdirs. Returns the file's
    path, or None (with a message on stderr) if it exists and not
    replace_config."""
    path = os.path.join(server_root, conf, conf_name)
    if os.path.exists(path) and not replace_config:
        _warn("Error: %r already exists, aborting." % path)
        return None
    if createdirs:
        _make_dirs(server_root, conf, logs, htdocs)
    if not os.path.exists(os.path.join(server_root, conf, "mime.types")):
        _warn("Warning: file %r does not exist." % os.path.join(server_root, conf, "mime.types"))
    if not os.path.isdir(os.path.join(server_root, htdocs)):
        _warn("Warning: %r does not exist or not a directory." % os.path.join(server_root, htdocs))
    config = _basic_config(server_root, listen, conf, logs, htdocs, pythonhandler,
                           pythonpath, pythonoptions, mp_comments)
    script = ("#!%s\n\n"
              "#\n"
              "# This config was auto-generated, but you can edit it!\n"
              "# Running it prints the httpd configuration:\n"
              "# $ mod_python genconfig <this filename> > <new apache config>\n"
              "#\n\n"
              "from mod_python.httpdconf import *\n\n"
              "config = %r\n\n"
              "print(config)\n") % (mod_python.version.PYTHON_BIN, config)
    _warn("Writing %r." % path)
    with open(path, "w") as f:
        f.write(script)
    return path
