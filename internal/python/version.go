package python

/*
#include <Python.h>
*/
import "C"

// HeaderVersion is the version of the CPython headers modpy was compiled
// against (PY_VERSION), e.g. "3.11.2": what -V shows beside the linked
// library's Version.
const HeaderVersion = C.PY_VERSION
