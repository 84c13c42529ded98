"""mod_python.wsgi: a WSGI application as a mod_python handler.

As mod_python 3.5 documents it::

    PythonHandler mod_python.wsgi
    PythonOption mod_python.wsgi.application mysite.wsgi[::application]
    PythonOption mod_python.wsgi.base_uri /app     (or a <Location /app>)

The module is imported with apache.import_module (PythonAutoReload and
PythonDebug as configured) and its callable (``application`` unless named)
is run as mod_wsgi runs one: the same environ, start_response, streaming,
close() and error answers (mod_python/_wsgi.py). Unlike 3.5, which sent 200
whatever the application said, the status and headers the application gives
are the ones sent.

``SCRIPT_NAME`` is mod_python.wsgi.base_uri, else the path of the
``<Location>`` the handler is configured in (without a trailing slash), else
empty; ``PATH_INFO`` is the rest of the URI. A URI that does not start with
the base URI is declined.
"""

from mod_python import apache, _wsgi


def handler(req):
    options = req.get_options()
    app_str = options.get("mod_python.wsgi.application")
    app = None
    if app_str:
        mod_str, _, callable_str = app_str.partition("::")
        config = req.get_config()
        autoreload = config.get("PythonAutoReload", "1") == "1"
        log = config.get("PythonDebug", "0") == "1"
        module = apache.import_module(mod_str, autoreload=autoreload, log=log)
        app = module.__dict__.get(callable_str or "application")
    if not app:
        req.log_error("WSGI handler: mod_python.wsgi.application (%r) not found, declining." % (app_str,),
                      apache.APLOG_WARNING)
        return apache.DECLINED
    path_info = _path_info(req, options)
    if path_info is None:
        req.log_error("WSGI handler: req.uri (%r) does not start with mod_python.wsgi.base_uri (%r), declining."
                      % (req.uri, options.get("mod_python.wsgi.base_uri")), apache.APLOG_WARNING)
        return apache.DECLINED
    req.path_info = path_info
    return _wsgi.serve_request(req, app, app_str)


def _path_info(req, options):
    """The URI after the base URI (3.5's set_wsgi_path_info), or None when
    the URI does not start with it."""
    base_uri = options.get("mod_python.wsgi.base_uri")
    if base_uri is None:
        base_uri = _wsgi.handler_location(req) or ""
        if base_uri.endswith("/"):
            base_uri = base_uri[:-1]
    elif base_uri.endswith("/"):
        raise ValueError("PythonOption 'mod_python.wsgi.base_uri' ('%s') must not end with '/'" % base_uri)
    uri = req.uri
    if base_uri:
        if not uri.startswith(base_uri):
            return None
        return uri[len(base_uri):]
    return uri
