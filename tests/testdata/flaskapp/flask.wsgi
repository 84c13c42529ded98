# The WSGI script for WSGIScriptAlias (mod_wsgi's convention: a file that
# defines `application`).
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
if here not in sys.path:
    sys.path.insert(0, here)

from flaskdemo import app as application  # noqa: E402
