package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The modules of mod_python 3.5's package beyond the request API: python22,
// version, cache and httpdconf (python/mod_python/*.py), issue 12.

// TestPackageModulesImport: every module 3.5's package has imports in a
// handler (wsgi is tested in tests/wsgi_test.go), and `from
// mod_python.python22 import *` (the first line of many old handlers, 3.5's
// own test handlers among them) works.
func TestPackageModulesImport(t *testing.T) {
	s := startSite(t, pyDir("h"), map[string]string{"htdocs/h.py": `from mod_python.python22 import *
from mod_python import apache
import importlib, mod_python

def handler(req):
    req.content_type = "text/plain"
    for name in ["Cookie", "Session", "apache", "cache", "cgihandler", "httpdconf",
                 "psp", "publisher", "python22", "testhandler", "util", "version"]:
        m = importlib.import_module("mod_python." + name)
        req.write("%s %s\n" % (name, m.__name__))
    v = mod_python.version
    req.write("version %s %s %s\n" % (type(v).__name__, v.version, mod_python.mp_version))
    req.write("httpd %s %s\n" % (v.HTTPD_VERSION, os.path.basename(v.HTTPD)))
    req.write("sys %s\n" % (sys is __import__("sys")))
    req.write("apache %s\n" % (mod_python.apache is apache))
    return apache.OK

import os
`})
	body := s.mustGet("/x")
	for _, want := range []string{"cache mod_python.cache\n", "httpdconf mod_python.httpdconf\n",
		"python22 mod_python.python22\n", "version mod_python.version\n",
		"version module 3.5.0 3.5.0\n", "httpd 2.4 " + filepath.Base(modpyBin) + "\n",
		"sys True\n", "apache True\n"} {
		contains(t, "modules", body, want)
	}
}

const cacheMod = `import os, time, threading, gc
from mod_python import apache, cache

class Counting(cache.Cache):
    def __init__(self, max_size=0):
        cache.Cache.__init__(self, max_size)
        self.built = []
    def build(self, key, name, opened, entry):
        self.built.append(key)
        time.sleep(0.05)
        return key.upper()

class Thing(object):
    pass

def handler(req):
    req.content_type = "text/plain"
    out = []
    # values are built once, by one of two threads asking at the same time
    c = Counting()
    got = []
    ts = [threading.Thread(target=lambda: got.append(c["a"])) for _ in range(2)]
    for t in ts: t.start()
    for t in ts: t.join()
    out.append("once %s %s" % (got, c.built))
    c["b"] = "set"
    out.append("set %s" % c["b"])
    del c["b"]
    out.append("rebuilt %s" % c["b"])
    out.append("unbounded %s %s" % (c.mru(), c.lru()))
    # least recently used goes first
    l = Counting(2)
    l["x"]; l["y"]; l["x"]; l["z"]
    out.append("lru %s %s %s" % (l.lru(), l.mru(), sorted(l._dict)))
    l["y"]
    out.append("rebuilt %s" % l.built)
    l.clear()
    out.append("cleared %s" % l.mru())
    # FileCache and ModuleCache follow the file's mtime
    path = os.path.join(req.get_options()["dir"], "data.py")
    with open(path, "w") as f: f.write("X = 1\n")
    fc, mc = cache.FileCache(), cache.ModuleCache()
    a, ma = fc[path], mc[path]
    st = os.stat(path)
    with open(path, "w") as f: f.write("X = 22\n")
    os.utime(path, (st.st_atime, st.st_mtime + 5))
    out.append("file %r %r" % (a, fc[path]))
    out.append("module %s %s %s %s" % (ma.X, mc[path].X, ma.__file__ == path, ma.__name__ in __import__("sys").modules))
    # FunctionCache memoises, keyword arguments in any order
    calls = []
    def f(a, b=0):
        calls.append((a, b))
        return a + b
    fn = cache.FunctionCache(f)
    out.append("func %s %s %s %s %s" % (fn(1, b=2), fn(1, b=2), fn(a=1, b=2), fn(b=2, a=1), len(calls)))
    # WeakCache lets go of a value nobody holds
    class Weak(cache.WeakCache):
        def build(self, key, name, opened, entry):
            return Thing()
    w = Weak()
    t1 = w["k"]
    same = w["k"] is t1
    del t1
    gc.collect()
    out.append("weak %s %s" % (same, "k" in w._dict))
    # HTTPCache: fetched once, then revalidated with the ETag
    h = cache.HTTPCache()
    url = "http://127.0.0.1:%s/static.txt" % req.get_options()["port"]
    e1 = h[url]
    h._dict[url]._expires = 0
    e2 = h[url]
    out.append("http %s %s %s %s" % (str(e1), e1 is e2, "ETag" in e1.metadata, repr(e1)[:22]))
    out.append("rfc822 %s" % cache.parseRFC822Time("Sun, 09 Sep 2001 01:46:40 GMT"))
    req.write("\n".join(out) + "\n")
    return apache.OK
`

// TestCacheModule: mod_python.cache's Cache (built once per name under
// concurrency, LRU), FileCache and ModuleCache (mtime), FunctionCache,
// WeakCache and HTTPCache (revalidation with the ETag: 3.5's lacks an
// import on Python 3).
func TestCacheModule(t *testing.T) {
	s := startSite(t, `<Location /py>
    SetHandler mod_python
    PythonHandler c
    PythonPath "sys.path+['{{DIR}}/py']"
    PythonOption dir {{DIR}}/py
    PythonOption port {{PORT}}
</Location>
`, map[string]string{"py/c.py": cacheMod, "htdocs/static.txt": "static body"})
	body := s.mustGet("/py")
	for _, want := range []string{
		"once ['A', 'A'] ['a']\n", "set set\n", "rebuilt B\n", "unbounded None None\n",
		"lru x z ['x', 'z']\n", "rebuilt ['x', 'y', 'z', 'y']\n", "cleared None\n",
		"file b'X = 1\\n' b'X = 22\\n'\n", "module 1 22 True False\n",
		"func 3 3 3 3 2\n", "weak True False\n",
		"http static body True True HTTPEntity(b'static bo\n", "rfc822 1000000000\n",
	} {
		contains(t, "cache", body, want)
	}
	// the second fetch was a conditional GET answered 304
	log := s.accessLog()
	if strings.Count(log, "GET /static.txt") != 2 || !strings.Contains(log, `"GET /static.txt HTTP/1.1" 304`) {
		t.Errorf("want one 200 and one 304 for /static.txt in the access log:\n%s", log)
	}
}

const httpdconfMod = `from mod_python import apache
from mod_python.httpdconf import *

def handler(req):
    req.content_type = "text/plain"
    d = req.get_options()["dir"]
    c = Container(
        Comment("made by\nhttpdconf"),
        Listen("127.0.0.1:" + req.get_options()["port2"]),
        ServerName("localhost"),
        DocumentRoot(d + "/htdocs"),
        PythonPath("'a\\\\b'"),
        Container(Timeout("30"), only_if="mod_python.version.HTTPD_VERSION[0:3] == '2.4'"),
        Container(Timeout("99"), only_if="0"),
        VirtualHost("*",
            ServerName("v"),
            Directory(d + "/htdocs",
                SetHandler("mod_python"),
                PythonHandler("h"),
                PythonInterpPerDirectory())))
    try:
        c.append("Listen 80")
    except TypeError as e:
        req.write("typeerror %s\n" % e)
    text, code = str(c), repr(c)
    with open(d + "/gen.conf", "w") as f:
        f.write(text)
    env = {}
    exec("from mod_python.httpdconf import *\nrebuilt = " + code, env)
    req.write("roundtrip %s\n" % (str(env["rebuilt"]) == text))
    req.write("slashes %s" % DocumentRoot("C:\\x"))
    req.write(text + "----\n" + code + "\n----\n")
    path = write_basic_config(d + "/basic", listen="127.0.0.1:" + req.get_options()["port2"],
                              pythonpath=["/p"], pythonoptions=["k v"], createdirs=True)
    env = {"print": lambda x: open(d + "/basic.conf", "w").write(str(x))}
    exec(open(path).read().split("\n", 1)[1], env)
    req.write("again %s\n" % (write_basic_config(d + "/basic") is None))
    return apache.OK
`

// TestHttpdconfModule: mod_python.httpdconf renders httpd.conf text that
// modpy accepts (modpy -t), its repr() rebuilds the same tree, and
// write_basic_config writes a script whose output modpy accepts.
func TestHttpdconfModule(t *testing.T) {
	p2 := fmt.Sprint(freePort(t))
	s := startSite(t, `<Location /py>
    SetHandler mod_python
    PythonHandler hc
    PythonPath "sys.path+['{{DIR}}/py']"
    PythonOption dir {{DIR}}
    PythonOption port2 `+p2+`
</Location>
`, map[string]string{"py/hc.py": httpdconfMod})
	body := s.mustGet("/py")
	want := "# made by\n# httpdconf\nListen 127.0.0.1:" + p2 + "\nServerName localhost\n" +
		"DocumentRoot " + s.Dir + "/htdocs\nPythonPath 'a\\\\b'\nTimeout 30\n" +
		"<VirtualHost *>\n  ServerName v\n  <Directory " + s.Dir + "/htdocs>\n" +
		"    SetHandler mod_python\n    PythonHandler h\n    PythonInterpPerDirectory Off\n" +
		"  </Directory>\n</VirtualHost>\n----\n"
	contains(t, "str()", body, want)
	contains(t, "repr()", body, "Container(\n    Comment('made by\\n'\n            'httpdconf\\n'),\n"+
		"    Listen('127.0.0.1:"+p2+"'),\n")
	contains(t, "repr()", body, "    Container(\n        Timeout('30'),\n"+
		"        only_if=\"mod_python.version.HTTPD_VERSION[0:3] == '2.4'\"),\n")
	contains(t, "repr()", body, "        Directory('"+s.Dir+"/htdocs',\n            SetHandler('mod_python'),\n")
	for _, w := range []string{"typeerror appended value must be an instance of Directive, Container, ContainerTag or Comment\n",
		"roundtrip True\n", "slashes DocumentRoot C:/x\n", "again True\n"} {
		contains(t, "httpdconf", body, w)
	}
	for _, f := range []string{"gen.conf", "basic.conf"} {
		b, err := os.ReadFile(filepath.Join(s.Dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if out, ok := checkConfig(t, string(b)); !ok {
			t.Errorf("modpy -t refuses %s:\n%s\n%s", f, out, b)
		}
	}
	basic, _ := os.ReadFile(filepath.Join(s.Dir, "basic.conf"))
	for _, w := range []string{"LoadModule python_module /usr/lib/apache2/modules/mod_python.so\n",
		"SetHandler mod_python\n", "PythonHandler mod_python.publisher\n",
		"PythonPath \"sys.path+['/p',]\"\n", "PythonOption k v\n", "MaxConnectionsPerChild 65536\n"} {
		contains(t, "basic config", string(basic), w)
	}
	if strings.Contains(string(basic), "LockFile") || strings.Contains(string(basic), "MaxRequestsPerChild") {
		t.Errorf("basic config has 2.2's directives:\n%s", basic)
	}
}
