package python

import (
	"strconv"
	"strings"
)

// bootstrap runs first in every interpreter, main_interpreter included. It
// makes the embedded mod_python package importable (ahead of any other
// mod_python on sys.path, such as Debian's) and initialises mod_python
// (the entry module's _init) with the interpreter's name. __interpreter__
// is set by the caller.
const bootstrap = `
import sys, _apache

class _ModpyEmbedded:
    """Finds and loads the mod_python package shipped inside modpy."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != "mod_python" and not name.startswith("mod_python."):
            return None
        found = _apache.embedded(name)
        if found is None:
            return None
        from importlib.machinery import ModuleSpec
        is_pkg = found[1]
        origin = "<modpy>/" + name.replace(".", "/") + ("/__init__.py" if is_pkg else ".py")
        spec = ModuleSpec(name, cls, origin=origin, is_package=is_pkg)
        spec.has_location = True
        return spec

    @staticmethod
    def create_module(spec):
        return None

    @classmethod
    def exec_module(cls, module):
        source = _apache.embedded(module.__name__)[0]
        exec(compile(source, module.__spec__.origin, "exec", dont_inherit=True), module.__dict__)

    @classmethod
    def get_source(cls, name):
        found = _apache.embedded(name)
        return found[0] if found else None

sys.meta_path.insert(0, _ModpyEmbedded)
import ` + entryModule + `
` + entryModule + `.` + entryInit + `(__interpreter__)
`

// bootstrapFor is the bootstrap with Options.SitePath and FirstPath: each
// directory of sitePath is given to site.addsitedir, and what that adds to
// sys.path is moved to its front, as mod_wsgi does with WSGIPythonPath;
// then first (if not "") goes in front of all, as mod_wsgi puts a daemon
// process's home=.
func bootstrapFor(sitePath []string, first string) string {
	if len(sitePath) == 0 && first == "" {
		return bootstrap
	}
	var b strings.Builder
	b.WriteString(bootstrap)
	if len(sitePath) == 0 {
		b.WriteString("sys.path.insert(0, " + strconv.Quote(first) + ")\n")
		return b.String()
	}
	b.WriteString("def _modpy_site_path(dirs):\n" +
		"    import site\n" +
		"    before = list(sys.path)\n" +
		"    for d in dirs:\n" +
		"        site.addsitedir(d)\n" +
		"    sys.path[:] = [p for p in sys.path if p not in before] + [p for p in sys.path if p in before]\n" +
		"_modpy_site_path([")
	for _, d := range sitePath {
		b.WriteString(strconv.Quote(d))
		b.WriteString(", ")
	}
	b.WriteString("])\ndel _modpy_site_path\n")
	if first != "" {
		b.WriteString("sys.path.insert(0, " + strconv.Quote(first) + ")\n")
	}
	return b.String()
}
