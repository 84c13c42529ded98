"""mod_wsgi's access and auth scripts, as its embedded mode runs them:
private to modpy.

run() is the server's call (internal/server/mod_wsgi_auth.go) for
WSGIAccessScript's allow_access(environ, host), WSGIAuthUserScript's
check_password(environ, user, password) (AuthBasicProvider wsgi) and
WSGIAuthGroupScript's groups_for_user(environ, user) (Require wsgi-group).
The script is loaded, named and reloaded as a WSGI script is (_wsgi.py);
the environ is mod_wsgi's reduced one for these scripts, which the server
builds. Each call answers one of the AUTH_ results (_protocol.py), which the server
acts on.
"""

import os

import _apache

from mod_python import _wsgi
from mod_python._protocol import (
    AUTH_ACCESS as ACCESS, AUTH_USER as USER, AUTH_GROUP as GROUP, AUTH_GRANTED as GRANTED, AUTH_DENIED as DENIED,
    AUTH_NOT_FOUND as NOT_FOUND, AUTH_ERROR as ERROR, AUTH_NO_GROUPS as NO_GROUPS, OP_SSL_VAR_LOOKUP, REQ_FIELDS)

_req_set = _apache.req_set
_F_USER = REQ_FIELDS.index("user")


def _ssl_functions(h):
    """mod_ssl.is_https() and mod_ssl.var_lookup(name) for the request h."""
    def is_https():
        return 1 if _apache.req_op(h, OP_SSL_VAR_LOOKUP, "HTTPS") == "on" else 0

    def var_lookup(name):
        if not isinstance(name, (str, bytes)):
            raise TypeError("byte string value expected, value of type %s found" % type(name).__name__)
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        return _apache.req_op(h, OP_SSL_VAR_LOOKUP, name)

    return is_https, var_lookup


def run(h, info):
    """One call: info is (kind, script, mtime, reloading, group, environ
    (a dict of the CGI variables), user or host, password, groups)."""
    kind, script, mtime, reloading, group, environ, who, password, wanted = info
    module = _wsgi.load_script(script, mtime, reloading, h)
    if module is None:
        return ERROR if kind != ACCESS else DENIED
    name, what = {
        ACCESS: ("allow_access", "host access script '%s' does not provide host validator"),
        USER: ("check_password", "user authentication script '%s' does not provide 'Basic' auth provider"),
        GROUP: ("groups_for_user", "group authorization script '%s' does not provide group provider"),
    }[kind]
    fn = module.__dict__.get(name)
    if fn is None:
        _wsgi._log(h, "Target WSGI %s." % (what % script))
        return ERROR if kind != ACCESS else DENIED
    environ["mod_wsgi.version"] = _wsgi.VERSION
    environ["mod_wsgi.process_group"] = os.environ.get("MODPY_GROUP", "")
    environ["mod_wsgi.application_group"] = group
    environ["mod_wsgi.script_reloading"] = 1 if reloading else 0
    errors = environ["wsgi.errors"] = _wsgi._Errors(h)
    environ["mod_ssl.is_https"], environ["mod_ssl.var_lookup"] = _ssl_functions(h)
    try:
        if kind == ACCESS:
            return _access(h, script, fn(environ, who))
        if kind == USER:
            return _user(h, fn(environ, who, password))
        return _groups(h, script, who, fn(environ, who), wanted)
    except Exception:
        _wsgi._log_exception(h, "Exception occurred processing WSGI script '%s'." % script)
        return ERROR if kind != ACCESS else DENIED
    finally:
        errors.flush()


def _access(h, script, result):
    if result is None:
        return NOT_FOUND  # declined: the other access rules decide
    if result is True:
        return GRANTED
    if result is not False:
        _wsgi._log(h, "Indicator of host accessibility returned from '%s' must a boolean or None." % script)
    return DENIED


def _user(h, result):
    if result is None:
        return NOT_FOUND
    if result is True:
        return GRANTED
    if result is False:
        return DENIED
    if isinstance(result, str):
        # A name: granted, and that is the user from now on.
        _req_set(h, _F_USER, result)
        return GRANTED
    raise TypeError("Basic auth provider must return True, False None or user name as string")


def _groups(h, script, user, result, wanted):
    try:
        names = set()
        for g in result:
            if isinstance(g, bytes):
                g = g.decode("latin-1")
            elif not isinstance(g, str):
                raise TypeError
            g.encode("latin-1")
            names.add(g)
    except (TypeError, UnicodeError):
        _wsgi._log(h, "Groups for user returned from '%s' must be an iterable sequence of byte strings." % script)
        return ERROR
    if not names:
        return NO_GROUPS
    for g in wanted:
        if g in names:
            return GRANTED
    return DENIED
