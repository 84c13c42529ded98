package tests

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Work grows linearly with input (issue 10, part 4): every reader of
// client data in mod_python (util's urlencoded and multipart parsing,
// req.readline and readlines, Cookie and Session parsing, the publisher's
// arguments, PSP's form and its template parser) gets an input of size n
// and one of 4n, and the second may cost at most linearBound times the
// first. A reader that rescans what it has already read costs about 16
// times as much for 4 times the input.
//
// What is compared is the handler's own CPU time (time.thread_time()
// around the work, on the thread that runs it, which is also the thread
// that reads the body in Go): on a shared 2-core machine the wall time of
// a 10 ms request depends on who else is running, its CPU time hardly.
// Each size is measured linearReps times, interleaved, after a warm-up,
// and the minimum of each is compared. The wall times are logged.
//
// Even a linear reader costs a little more than 4 times as much for 4
// times the input on these machines: 32 MB no longer fits the 32 MB L3
// cache, and glibc serves allocations of 32 MB and more with fresh mmaps
// (a page fault per 4 KB page) where smaller ones reuse its heap. Hence a
// bound of 2.83 per doubling rather than 2.
const (
	linearBound = 8.0
	linearReps  = 5
)

// linearMalloc has glibc serve every allocation from its heap and keep
// what is freed: without it, a block of 32 MB or more is a fresh mmap (a
// page fault per 4 KB page, about 25 ms for 32 MB on these machines) where
// one of 8 MB reuses the heap, and that policy, not the reader, would be
// what the ratio measures.
var linearMalloc = []string{"MALLOC_MMAP_THRESHOLD_=1073741824", "MALLOC_TRIM_THRESHOLD_=4294967296"}

// linearMod's handlers each do one reader's work on the request and end
// the body with "cpu=<seconds>": the CPU time that work took.
const linearMod = `import time
from mod_python import apache, util, Cookie, Session, psp

def _report(req, c0, out):
    req.content_type = "text/plain"
    req.write("%s\ncpu=%.6f" % (out, time.thread_time() - c0))
    return apache.OK

def form(req):
    c0 = time.thread_time()
    fs = util.FieldStorage(req)
    out = "fields=%d bytes=%d" % (len(fs.list), sum(len(f.value) for f in fs.list))
    return _report(req, c0, out)

def replace(req):
    fs = util.FieldStorage(req)
    c0 = time.thread_time()
    fs["a"] = "new"
    return _report(req, c0, "fields=%d a=%r" % (len(fs.list), str(fs["a"])))

def readline(req):
    c0 = time.thread_time()
    n = size = 0
    limit = int(req.args or -1)
    while True:
        line = req.readline(limit)
        if not line:
            break
        n += 1
        size += len(line)
    return _report(req, c0, "lines=%d bytes=%d" % (n, size))

def readlines(req):
    c0 = time.thread_time()
    lines = req.readlines()
    return _report(req, c0, "lines=%d bytes=%d" % (len(lines), sum(map(len, lines))))

def cookies(req):
    c0 = time.thread_time()
    for _ in range(int(req.args)):
        got = Cookie.get_cookies(req)
    return _report(req, c0, "cookies=%d last=%r" % (len(got), got["last"].value))

def session(req):
    c0 = time.thread_time()
    new = 0
    for _ in range(int(req.args)):
        s = Session.Session(req)
        new += s.is_new()
        s.unlock()
    return _report(req, c0, "new=%d" % new)

def template(req):
    c0 = time.thread_time()
    src = psp.parsestring("<p><%= i %> of <%= n %></p>\n<% if i:\n    x = i\n%>text\n" * int(req.args))
    return _report(req, c0, "lines=%d" % src.count("\n"))

def handler(req):
    return globals()[req.uri.rsplit("/", 1)[-1]](req)
`

// timedMod runs mod_python.publisher or mod_python.psp (the handler named
// in its option) and adds the CPU time the whole request took.
const timedMod = `import time
from mod_python import apache, publisher, psp

def handler(req):
    c0 = time.thread_time()
    target = {"publisher": publisher, "psp": psp}[req.get_options()["timed"]]
    rc = target.handler(req)
    req.write("\ncpu=%.6f" % (time.thread_time() - c0))
    return rc
`

const linearPub = `def fields(req, a, b=None, **kw):
    n = len(a) if isinstance(a, list) else 1
    return "a=%d b=%d kw=%d" % (n, len(b or ""), len(kw))
`

const linearPSP = `<% fs = form %>fields=<%= len(fs.list) %> a=<%= len(fs.getlist("a")) %> b=<%= len(fs.getfirst("b") or "") %>`

func linearSite(t *testing.T) *site {
	t.Helper()
	conf := "PythonOption mod_python.mutex_directory {{DIR}}/data/mutex\n" +
		"LimitRequestFieldSize 70000\n" + pyDir("linear") + `
<Directory {{DIR}}/htdocs/pub>
    SetHandler mod_python
    PythonHandler timed
    PythonOption timed publisher
</Directory>
<Directory {{DIR}}/htdocs/psp>
    SetHandler mod_python
    PythonHandler timed
    PythonOption timed psp
</Directory>
`
	return startSiteEnv(t, linearMalloc, conf, map[string]string{
		"htdocs/linear.py":    linearMod,
		"htdocs/pub/timed.py": timedMod,
		"htdocs/pub/page.py":  linearPub,
		"htdocs/psp/timed.py": timedMod,
		"htdocs/psp/page.psp": linearPSP,
		"data/mutex/.keep":    "",
	})
}

// linearCall sends one request and returns the handler's CPU time, the
// wall time and the body without its cpu= line.
func (s *site) linearCall(method, path, body string, header ...string) (cpu, wall float64, out string) {
	s.t.Helper()
	start := time.Now()
	st, _, text := s.do(method, path, body, header...)
	wall = time.Since(start).Seconds()
	i := strings.LastIndex(text, "\ncpu=")
	if st != 200 || i < 0 {
		s.t.Fatalf("%s %s: %d %.300q\nerror log:\n%s", method, path, st, text, s.errorLog())
	}
	cpu, err := strconv.ParseFloat(text[i+5:], 64)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	return cpu, wall, text[:i]
}

// checkLinear runs call(n) and call(4n) and fails unless the larger costs
// at most linearBound times the smaller (the minimum of linearReps runs
// each). check, if not nil, looks at the body call returned for each size.
func checkLinear(t *testing.T, what string, n int, call func(size int) (cpu, wall float64, out string), check func(size int, out string)) {
	t.Helper()
	sizes := []int{n, 4 * n}
	cpu := []float64{math.Inf(1), math.Inf(1)}
	wall := []float64{math.Inf(1), math.Inf(1)}
	for rep := -1; rep < linearReps; rep++ {
		for i, size := range sizes {
			c, w, out := call(size)
			if rep < 0 {
				if check != nil {
					check(size, out)
				}
				continue // the warm-up: imports, caches, buffers
			}
			cpu[i], wall[i] = math.Min(cpu[i], c), math.Min(wall[i], w)
		}
	}
	ratio := cpu[1] / math.Max(cpu[0], 1e-6)
	t.Logf("%s: n=%d cpu %.4fs, 4n cpu %.4fs: x%.2f (wall %.4fs, %.4fs: x%.2f)",
		what, n, cpu[0], cpu[1], ratio, wall[0], wall[1], wall[1]/wall[0])
	if ratio > linearBound {
		t.Errorf("%s: 4 times the input (%d bytes) costs %.1f times as much CPU (%.4fs against %.4fs); linear work is about 4, at most %.0f here",
			what, 4*n, ratio, cpu[1], cpu[0], linearBound)
	}
}

func wantOut(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %q, want %q", what, got, want)
	}
}

const formType = "application/x-www-form-urlencoded"

// One long urlencoded field (issue 10: 8/16/32/50 MB took 0.95/2.5/7.1/31
// s, each block was prepended the whole field read so far and searched
// again), and many short ones.
func TestLinearURLEncoded(t *testing.T) {
	s := linearSite(t)
	checkLinear(t, "one long urlencoded field", 8<<20, func(size int) (float64, float64, string) {
		return s.linearCall("POST", "/form", "a="+strings.Repeat("x", size-2), "Content-Type", formType)
	}, func(size int, out string) {
		wantOut(t, "long field", out, fmt.Sprintf("fields=1 bytes=%d", size-2))
	})
	// An escape cut by every 64 KB block boundary decodes the same.
	checkLinear(t, "one long escaped field", 512<<10, func(size int) (float64, float64, string) {
		return s.linearCall("POST", "/form", "a="+strings.Repeat("%41+", size/4), "Content-Type", formType)
	}, func(size int, out string) {
		wantOut(t, "escaped field", out, fmt.Sprintf("fields=1 bytes=%d", size/2))
	})
	// form[name] = value replaces every field of that name.
	checkLinear(t, "replacing a repeated field", 32<<10, func(size int) (float64, float64, string) {
		return s.linearCall("POST", "/replace", strings.Repeat("a=1&b=2&", size/8), "Content-Type", formType)
	}, func(size int, out string) {
		wantOut(t, "replace", out, fmt.Sprintf("fields=%d a='new'", size/8+1))
	})
	checkLinear(t, "many urlencoded fields", 64<<10, func(size int) (float64, float64, string) {
		return s.linearCall("POST", "/form", strings.Repeat("k=v&", size/4), "Content-Type", formType)
	}, func(size int, out string) {
		wantOut(t, "many fields", out, fmt.Sprintf("fields=%d bytes=%d", size/4, size/4))
	})
}

// A 32 MB field costs about two copies of itself in memory (its str and
// the StringField), not the four or more that parsing it in rescanned
// pieces left behind.
func TestLinearURLEncodedMemory(t *testing.T) {
	s := formSite(t)
	s.do("POST", "/big", "a=1", "Content-Type", formType) // imports, buffers
	const size = 32 << 20
	st, _, body := s.do("POST", "/big", "a="+strings.Repeat("x", size), "Content-Type", formType)
	var out struct{ Size, Grew int }
	if err := json.Unmarshal([]byte(body), &out); err != nil || st != 200 || out.Size != size {
		t.Fatalf("%d %q (%v)", st, body, err)
	}
	t.Logf("peak RSS growth while parsing a %d MB field: %d MB", size>>20, out.Grew>>20)
	if out.Grew > 3*size {
		t.Errorf("peak RSS grew by %d MB for a %d MB field: want at most 3 copies of it", out.Grew>>20, size>>20)
	}
}

func multipartOf(parts ...string) (body, ctype string) {
	const b = "linear-boundary-7d3f"
	var sb strings.Builder
	for _, p := range parts {
		sb.WriteString("--" + b + "\r\n" + p + "\r\n")
	}
	sb.WriteString("--" + b + "--\r\n")
	return sb.String(), "multipart/form-data; boundary=" + b
}

// multipart/form-data: one long value, many small parts, a long value full
// of lines that almost are the delimiter.
func TestLinearMultipart(t *testing.T) {
	s := linearSite(t)
	const head = "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
	checkLinear(t, "one long multipart field", 8<<20, func(size int) (float64, float64, string) {
		body, ctype := multipartOf(head + strings.Repeat("x", size))
		return s.linearCall("POST", "/form", body, "Content-Type", ctype)
	}, func(size int, out string) {
		wantOut(t, "long part", out, fmt.Sprintf("fields=1 bytes=%d", size))
	})
	checkLinear(t, "many multipart parts", 256<<10, func(size int) (float64, float64, string) {
		parts := make([]string, size/64)
		for i := range parts {
			parts[i] = head + "v"
		}
		body, ctype := multipartOf(parts...)
		return s.linearCall("POST", "/form", body, "Content-Type", ctype)
	}, func(size int, out string) {
		wantOut(t, "many parts", out, fmt.Sprintf("fields=%d bytes=%d", size/64, size/64))
	})
	const near = "\r\n--linear-boundary-7d3fX"
	checkLinear(t, "a part of near-delimiters", 2<<20, func(size int) (float64, float64, string) {
		body, ctype := multipartOf(head + strings.Repeat(near, size/len(near)))
		return s.linearCall("POST", "/form", body, "Content-Type", ctype)
	}, func(size int, out string) {
		wantOut(t, "near-delimiters", out, fmt.Sprintf("fields=1 bytes=%d", size/len(near)*len(near)))
	})
	// Part headers with many continuation lines (up to the 64 KB limit).
	checkLinear(t, "folded part headers", 16<<10, func(size int) (float64, float64, string) {
		parts := make([]string, 32)
		for i := range parts {
			parts[i] = "Content-Disposition: form-data; name=\"a\"\r\nX-Long: x" +
				strings.Repeat("\r\n y", size/5) + "\r\n\r\nv"
		}
		body, ctype := multipartOf(parts...)
		return s.linearCall("POST", "/form", body, "Content-Type", ctype)
	}, nil)
}

// req.readline on one long line, on many short ones, with a length limit;
// req.readlines.
func TestLinearReadline(t *testing.T) {
	s := linearSite(t)
	// 4 and 16 MB, not 8 and 32: glibc serves a block of 32 MB or more
	// (its largest mmap threshold) from a fresh mmap whatever the test
	// tunes, and its page faults made 32 MB cost 9 times 8 MB's 2 ms;
	// a quadratic reader (a 64 KB block appended to all read so far)
	// still costs 16 times as much at these sizes.
	checkLinear(t, "readline, one long line", 4<<20, func(size int) (float64, float64, string) {
		return s.linearCall("POST", "/readline", strings.Repeat("x", size-1)+"\n")
	}, func(size int, out string) {
		wantOut(t, "long line", out, fmt.Sprintf("lines=1 bytes=%d", size))
	})
	checkLinear(t, "readline(1000), one long line", 2<<20, func(size int) (float64, float64, string) {
		return s.linearCall("POST", "/readline?1000", strings.Repeat("x", size))
	}, func(size int, out string) {
		wantOut(t, "limited", out, fmt.Sprintf("lines=%d bytes=%d", (size+999)/1000, size))
	})
	checkLinear(t, "readline, many lines", 1<<20, func(size int) (float64, float64, string) {
		return s.linearCall("POST", "/readline", strings.Repeat("0123456789abcde\n", size/16))
	}, func(size int, out string) {
		wantOut(t, "short lines", out, fmt.Sprintf("lines=%d bytes=%d", size/16, size))
	})
	checkLinear(t, "readlines", 1<<20, func(size int) (float64, float64, string) {
		return s.linearCall("POST", "/readlines", strings.Repeat("0123456789abcde\n", size/16-1)+strings.Repeat("y", 16))
	}, func(size int, out string) {
		wantOut(t, "readlines", out, fmt.Sprintf("lines=%d bytes=%d", size/16, size))
	})
}

// cookieHeader is a Cookie header of about size bytes: cookies, then a run
// of spaces before an '=' (which mod_python 3.5's pattern, and ours until
// now, searched again from every space: quadratic), then "last".
func cookieHeader(size int) string {
	var b strings.Builder
	for i := 0; b.Len() < size/2; i++ {
		fmt.Fprintf(&b, "c%d=v%d; q%d=\"a;b\"; ", i, i, i)
	}
	b.WriteString(strings.Repeat(" ", size/2) + "=x; last=1")
	return b.String()
}

// Cookie and Session parse the Cookie header (LimitRequestFieldSize is
// raised to 70000 for a long one).
func TestLinearCookies(t *testing.T) {
	s := linearSite(t)
	checkLinear(t, "Cookie.get_cookies", 16<<10, func(size int) (float64, float64, string) {
		return s.linearCall("GET", "/cookies?5", "", "Cookie", cookieHeader(size))
	}, func(size int, out string) {
		if !strings.HasSuffix(out, " last='1'") {
			t.Errorf("cookies: %q", out)
		}
	})
	checkLinear(t, "Session.Session", 16<<10, func(size int) (float64, float64, string) {
		return s.linearCall("GET", "/session?5", "", "Cookie", cookieHeader(size))
	}, func(size int, out string) {
		wantOut(t, "session", out, "new=5")
	})
}

// The publisher's arguments: many fields, a repeated name, a long value;
// PSP's form; PSP's template parser (a template is not client data, but it
// may be long).
func TestLinearPublisherAndPSP(t *testing.T) {
	s := linearSite(t)
	body := func(size int) string {
		return strings.Repeat("a=1&k=2&", size>>10) + "b=" + strings.Repeat("y", size-size>>7-2)
	}
	checkLinear(t, "publisher arguments", 8<<20, func(size int) (float64, float64, string) {
		return s.linearCall("POST", "/pub/page.py/fields", body(size), "Content-Type", formType)
	}, func(size int, out string) {
		wantOut(t, "publisher", out, fmt.Sprintf("a=%d b=%d kw=1", size>>10, size-size>>7-2))
	})
	checkLinear(t, "PSP form", 8<<20, func(size int) (float64, float64, string) {
		return s.linearCall("POST", "/psp/page.psp", body(size), "Content-Type", formType)
	}, func(size int, out string) {
		wantOut(t, "psp", out, fmt.Sprintf("fields=%d a=%d b=%d", size>>9+1, size>>10, size-size>>7-2))
	})
	checkLinear(t, "PSP template parser", 4<<10, func(size int) (float64, float64, string) {
		return s.linearCall("GET", "/template?"+strconv.Itoa(size), "")
	}, func(size int, out string) {
		wantOut(t, "template", out, fmt.Sprintf("lines=%d", 4*size+1))
	})
}

// req.read(n) allocates as the bytes arrive, not n up front: a handler
// that reads int(Content-Length) must not let a client make the worker
// allocate a terabyte (the Go runtime's out-of-memory is fatal: the worker
// died with every request it had).
func TestReadLargeLength(t *testing.T) {
	s := startSite(t, "LimitRequestBody 0\n"+pyDir("rd"), map[string]string{"htdocs/rd.py": `from mod_python import apache
def handler(req):
    n = int(req.headers_in["X-Read"])
    first = req.read(n)
    req.write("%d %r %d" % (len(first), first[:12], len(req.read(n))))
    return apache.OK
`})
	for _, n := range []string{"1000000000000", "100000", "-1"} {
		st, _, body := s.do("POST", "/rd.py", strings.Repeat("0123456789", 10000), "X-Read", n)
		if want := "100000 b'012345678901' 0"; st != 200 || body != want {
			t.Errorf("req.read(%s) of a 100000-byte body: %d %q, want %q", n, st, body, want)
		}
	}
	if st, _, body := s.do("POST", "/rd.py", "abc", "X-Read", "1000000000000"); st != 200 || body != "3 b'abc' 0" {
		t.Errorf("req.read(10**12) of 3 bytes: %d %q", st, body)
	}
}

// Without LimitRequestBody, a body may have at most 1 GiB, as in Apache
// 2.4.54 and later: a larger Content-Length is 413 when the handler starts
// reading, without waiting for the body.
func TestLimitRequestBodyDefault(t *testing.T) {
	s := startSite(t, "Timeout 5\n"+pyDir("rd")+"<Location /unlimited>\n    LimitRequestBody 0\n</Location>\n",
		map[string]string{"htdocs/rd.py": `from mod_python import apache
def handler(req):
    req.write("%r" % req.read(5))
    return apache.OK
`, "htdocs/unlimited/rd.py": `from mod_python import apache
def handler(req):
    req.write("%r" % req.read(5))
    return apache.OK
`})
	raw := func(path string, length int64) string {
		return s.raw(fmt.Sprintf("POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\nhello", path, length), 10*time.Second)
	}
	if got := raw("/rd.py", 1<<30+1); !strings.HasPrefix(got, "HTTP/1.1 413 ") {
		t.Errorf("Content-Length 1 GiB + 1 with no LimitRequestBody: %.200q, want 413", got)
	}
	if got := raw("/rd.py", 1<<30); !strings.HasPrefix(got, "HTTP/1.1 200 ") || !strings.Contains(got, "b'hello'") {
		t.Errorf("Content-Length 1 GiB: %.300q, want 200", got)
	}
	if got := raw("/unlimited/rd.py", 1<<30+1); !strings.HasPrefix(got, "HTTP/1.1 200 ") || !strings.Contains(got, "b'hello'") {
		t.Errorf("LimitRequestBody 0 (unlimited): %.300q, want 200", got)
	}
}
