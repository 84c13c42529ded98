package tests

import (
	"strings"
	"testing"
)

// Python output filters (issue 4): PythonOutputFilter with
// SetOutputFilter / AddOutputFilter, req.register_output_filter and
// req.add_output_filter, the filter object.

const filterMod = `from mod_python import apache

def upper(filter):
    s = filter.read()
    while s:
        filter.write(s.upper())
        s = filter.read()
    if s is None:
        filter.close()

def bracket(filter):
    # Sees the whole body over several calls: marks the start and the end.
    if not hasattr(filter.req, "bracket_started"):
        filter.req.bracket_started = True
        filter.write(b"[")
    s = filter.read()
    while s:
        filter.write(s)
        s = filter.read()
    if s is None:
        filter.write(b"]")
        filter.close()

def broken(filter):
    raise RuntimeError("filter bug")

def lines(filter):
    out = []
    line = filter.readline()
    while line:
        out.append(b"> " + line)
        line = filter.readline()
    filter.write(b"".join(out))
    if line is None:
        filter.close()

def handler(req):
    req.content_type = "text/plain"
    for i in range(3):
        req.write("chunk %d\n" % i)   # each write flushes: the filters run each time
    return apache.OK

def big(req):
    req.content_type = "text/plain"
    req.write("x" * 200000, 0)
    return apache.OK

def dynamic(req):
    req.register_output_filter("UPDYN", "flt::upper")
    req.add_output_filter("UPDYN")
    req.content_type = "text/plain"
    req.write("made upper by a filter added at run time")
    return apache.OK
`

func TestOutputFilters(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
PythonOutputFilter flt::upper UPPER
PythonOutputFilter flt::bracket BRACKET
PythonOutputFilter flt::broken BROKEN
PythonOutputFilter flt::lines LINES
<Location /chain>
    SetHandler mod_python
    PythonHandler flt
    SetOutputFilter UPPER;BRACKET
</Location>
<Location /big>
    SetHandler mod_python
    PythonHandler flt::big
    SetOutputFilter UPPER
</Location>
<Location /broken>
    SetHandler mod_python
    PythonHandler flt
    SetOutputFilter BROKEN
</Location>
<Location /dyn>
    SetHandler mod_python
    PythonHandler flt::dynamic
</Location>
<Directory {{DIR}}/htdocs>
    AddOutputFilter LINES .txt
</Directory>
<Directory {{DIR}}/htdocs/plain>
    RemoveOutputFilter .txt
</Directory>
`, map[string]string{"lib/flt.py": filterMod, "htdocs/static.txt": "one\ntwo\n", "htdocs/other.html": "<p>untouched</p>\n",
		"htdocs/plain/static.txt": "one\n"})
	if got := s.mustGet("/chain"); got != "[CHUNK 0\nCHUNK 1\nCHUNK 2\n]" {
		t.Errorf("/chain: %q", got)
	}
	if got := s.mustGet("/big"); got != strings.Repeat("X", 200000) {
		t.Errorf("/big: %d bytes, upper %v", len(got), strings.Count(got, "X"))
	}
	// A filter that raises is disabled: the body passes unchanged.
	if got := s.mustGet("/broken"); got != "chunk 0\nchunk 1\nchunk 2\n" {
		t.Errorf("/broken: %q", got)
	}
	contains(t, "error log", s.waitLog("filter bug"), "PythonOutputFilter flt::broken: RuntimeError: filter bug")
	if got := s.mustGet("/dyn"); got != "MADE UPPER BY A FILTER ADDED AT RUN TIME" {
		t.Errorf("/dyn: %q", got)
	}
	// AddOutputFilter by extension, on a static file.
	if got := s.mustGet("/static.txt"); got != "> one\n> two\n" {
		t.Errorf("/static.txt: %q", got)
	}
	if got := s.mustGet("/other.html"); got != "<p>untouched</p>\n" {
		t.Errorf("/other.html: %q", got)
	}
	// RemoveOutputFilter drops the inherited AddOutputFilter.
	if got := s.mustGet("/plain/static.txt"); got != "one\n" {
		t.Errorf("/plain/static.txt: %q, want it unfiltered (RemoveOutputFilter)", got)
	}
}

// Python input filters: the handler's req.read sees the body as the filter
// hands it on.
const inFilterMod = `from mod_python import apache

def rot13(filter):
    import codecs
    s = filter.read()
    if s is None:
        filter.close()
        return
    filter.write(codecs.encode(s.decode(), "rot13").encode())

def numbered(filter):
    line = filter.readline()
    if line is None:
        filter.close()
        return
    n = getattr(filter.req, "lines_seen", 0) + 1
    filter.req.lines_seen = n
    filter.write(b"%d:" % n + line)

def echo(req):
    req.content_type = "text/plain"
    req.write(req.read())
    return apache.OK

def dynamic(req):
    req.register_input_filter("UPIN", "inflt::upper_in")
    req.add_input_filter("UPIN")
    req.content_type = "text/plain"
    req.write(req.read())
    return apache.OK

def upper_in(filter):
    s = filter.read()
    if s is None:
        filter.close()
    else:
        filter.write(s.upper())
`

func TestInputFilters(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
PythonInputFilter inflt::rot13 ROT13
PythonInputFilter inflt::numbered NUMBERED
<Location /rot>
    SetHandler mod_python
    PythonHandler inflt::echo
    SetInputFilter ROT13
</Location>
<Location /both>
    SetHandler mod_python
    PythonHandler inflt::echo
    SetInputFilter NUMBERED;ROT13
</Location>
<Location /dyn>
    SetHandler mod_python
    PythonHandler inflt::dynamic
</Location>
`, map[string]string{"lib/inflt.py": inFilterMod})
	for _, c := range []struct{ path, body, want string }{
		{"/rot", "Hello", "Uryyb"},
		{"/both", "ab\ncd\n", "1:no\n2:pq\n"},
		{"/dyn", "quiet please", "QUIET PLEASE"},
		{"/rot", strings.Repeat("n", 300000), strings.Repeat("a", 300000)},
	} {
		st, _, got := s.do("POST", c.path, c.body)
		if st != 200 || got != c.want {
			if len(got) > 60 {
				got = got[:60] + "..."
			}
			t.Errorf("POST %s: %d %q", c.path, st, got)
		}
	}
}

// An output filter that runs in another interpreter than the handler's is
// handed off there, nested, under the handler's ThreadsPerChild token;
// after each run the handler's next write runs it nested again (with
// ThreadsPerChild 1 a second token would never come).
func TestOutputFilterInOtherInterpreter(t *testing.T) {
	s := startSite(t, `ThreadsPerChild 1
PythonPath "sys.path + ['{{DIR}}/lib']"
PythonInterpPerDirective On
PythonOutputFilter tagflt TAG
<Directory {{DIR}}/htdocs>
    SetHandler mod_python
    PythonHandler flt
    SetOutputFilter TAG
</Directory>
`, map[string]string{"lib/flt.py": filterMod, "lib/tagflt.py": `from mod_python import apache
def outputfilter(filter):
    s = filter.read()
    while s:
        filter.write(b"(" + s.strip() + b" in " + apache.interpreter.encode() + b")")
        s = filter.read()
    if s is None:
        filter.close()
`})
	if got := s.mustGet("/x"); got != "(chunk 0 in main_interpreter)(chunk 1 in main_interpreter)(chunk 2 in main_interpreter)" {
		t.Fatalf("got %q", got)
	}
	contains(t, "error log", s.errorLog(), `interpreter "`+s.Dir+`/htdocs/" created`)
}
