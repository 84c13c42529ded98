"""Run the requested file's own handler: the zero-config handler.

With `PythonHandler mod_python.filehandler`, a request for /dir/page.py
imports /dir/page.py by its absolute path (so every file is its own module,
and two directories never share one) and calls its handler(req).
"""

import os

from mod_python import apache, _siteimport


def handler(req):
    filename = req.filename
    if not filename or not filename.endswith(".py") or not os.path.isfile(filename):
        return apache.HTTP_NOT_FOUND
    module = _siteimport.import_path(filename)
    _siteimport.after_import()
    func = getattr(module, "handler", None)
    if func is None:
        req.log_error("mod_python.filehandler: %s has no handler(req) function" % filename)
        return apache.HTTP_INTERNAL_SERVER_ERROR
    return func(req)
