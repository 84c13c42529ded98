"""mod_python.version: what this mod_python is and what it was built for.

mod_python 3.5 generates this module when it is built; scripts read it
(its httpdconf, the `mod_python` command line tool, mod_python's own test
harness). modpy's names the same things for modpy: HTTPD is the modpy
binary, HTTPD_VERSION the Apache configuration language it speaks.
"""

import os
import sys

#: mod_python's version, the one modpy implements.
version = "3.5.0"

#: The server binary: modpy itself (a worker is the same binary).
HTTPD = os.path.realpath("/proc/self/exe") if os.path.exists("/proc/self/exe") else ""

#: The Apache version whose configuration modpy reads.
HTTPD_VERSION = "2.4"

#: APR is not part of modpy.
APR_VERSION = ""

#: Where Apache keeps its modules; modpy accepts LoadModule lines naming
#: Debian's directory, and loads nothing from it.
LIBEXECDIR = "/usr/lib/apache2/modules"

#: Apache's configuration directory (mime.types is looked for there, then
#: in /etc).
SYSCONFDIR = ""

#: The python3 matching the embedded Python.
PYTHON_BIN = sys.executable or "/usr/bin/python3"
