"""mod_python, as shipped inside modpy.

modpy runs mod_python 3.5 handlers unchanged; this package is modpy's own
implementation of mod_python's Python API.
"""

version = "3.5.0"
modpy = True
