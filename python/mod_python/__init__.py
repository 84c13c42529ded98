"""mod_python, as shipped inside modpy.

modpy runs mod_python 3.5 handlers unchanged; this package is modpy's own
implementation of mod_python's Python API.
"""

# What `from mod_python import *` brings, as in 3.5.
__all__ = ["apache", "cgihandler", "psp", "publisher", "util", "python22", "version"]

# mod_python.version is a module, as in 3.5 (version.version is the string);
# mp_version is 3.5's name for the string.
from mod_python import version  # noqa: E402
mp_version = version.version
modpy = True

# `import mod_python` makes mod_python.apache available, as in 3.5. Outside
# the server (no _apache) the package still imports, for httpdconf.
try:
    from mod_python import apache  # noqa: F401
except ImportError:
    pass
