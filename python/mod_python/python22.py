"""mod_python.python22: mod_python 3.5's compatibility shim for Python 2.2.

It filled in what Python 2.2 lacked; every Python modpy runs has all of it,
so the module only has to exist: `from mod_python.python22 import *`, at
the top of many old handlers (mod_python's own test handlers among them),
must keep working. Like 3.5's, it leaves `sys` behind for such an import.
"""

import sys  # noqa: F401  (3.5's module exported it to `import *`)
