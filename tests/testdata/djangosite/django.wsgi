# The WSGI script for WSGIScriptAlias: the project's directory on sys.path,
# then Django's application.
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
if here not in sys.path:
    sys.path.insert(0, here)

from djsite.wsgi import application  # noqa: E402,F401
