package tests

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mod_python.util: FieldStorage, parse_qs/parse_qsl, parse_header,
// redirect (issue 4, "Library modules").

const formMod = `import hashlib, io, json, os
from mod_python import apache, util

def _info(f):
    if f.filename is None:
        return {"name": f.name, "value": f.value, "str": isinstance(f, str),
                "type": f.type}
    f.file.seek(0, 2)
    size = f.file.tell()
    f.file.seek(0)
    return {"name": f.name, "filename": f.filename, "type": f.type, "size": size,
            "value": f.value.decode("latin-1") if size < 1000 else None,
            "valuetype": type(f.value).__name__, "disposition": f.disposition,
            "path": os.readlink("/proc/self/fd/%d" % f.file.fileno())}

def _json(req, out):
    req.content_type = "application/json"
    req.write(json.dumps(out))
    return apache.OK

def dump(req):
    keep = req.get_options().get("keep") == "1"
    fs = util.FieldStorage(req, keep_blank_values=keep)
    a = fs.get("a")
    out = {
        "fields": [_info(f) for f in fs.list],
        "keys": fs.keys(), "len": len(fs),
        "keytypes": sorted(set(type(k).__name__ for k in fs.keys())),
        "getitem_a": [str(x) for x in a] if isinstance(a, list) else (None if a is None else str(a)),
        "first": fs.getfirst("a"), "list": fs.getlist("a"),
        "first_missing": fs.getfirst("zz", "dflt"), "list_missing": fs.getlist("zz"),
        "get_missing": fs.get("zz", "d"), "has_a": fs.has_key("a"), "in_a": "a" in fs,
        "items": [[k, str(v) if v.filename is None else v.filename] for k, v in fs.items()],
    }
    fs.add_field("added", "v")
    out["added"] = fs["added"]
    try:
        fs["zz"]
    except KeyError:
        out["keyerror"] = True
    return _json(req, out)

def _hwm():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024

def big(req):
    before = _hwm()
    fs = util.FieldStorage(req)
    grew = _hwm() - before
    f = fs.get("file")
    if f is None:  # a plain field "a" (tests/linear_test.go)
        return _json(req, {"size": len(fs.getfirst("a", "")), "grew": grew})
    path = os.readlink("/proc/self/fd/%d" % f.file.fileno())
    size = os.fstat(f.file.fileno()).st_size
    h = hashlib.sha256()
    f.file.seek(0)
    while True:
        b = f.file.read(1 << 20)
        if not b:
            break
        h.update(b)
    return _json(req, {"size": size, "path": path, "grew": grew, "sha": h.hexdigest(),
                       "note": fs.getfirst("note")})

def cb(req):
    d = req.get_options()["upload_dir"]
    made, plain = [], []
    def file_callback(filename):
        # The client's file name is never a path: make our own.
        p = os.path.join(d, "upload-%d" % len(made))
        made.append(p)
        return open(p, "w+b")
    def field_callback():
        f = io.BytesIO()
        plain.append(f)
        return f
    fs = util.FieldStorage(req, file_callback=file_callback, field_callback=field_callback)
    return _json(req, {"made": made, "exists": [os.path.exists(p) for p in made],
                       "sizes": [os.path.getsize(p) for p in made],
                       "filenames": [f.filename for f in fs.list if f.filename is not None],
                       "plain": len(plain), "t": fs.getfirst("t")})

def qs(req):
    def bad(*a):
        try:
            util.parse_qsl(*a)
        except ValueError:
            return "ValueError"
    return _json(req, {
        "qsl": util.parse_qsl("a=1&b=2&c=&d=%C3%A9+x;e=5&=k&novalue"),
        "qsl_blank": util.parse_qsl("a=1&b=2&c=&novalue", 1),
        "qs": util.parse_qs("a=1&a=2&b=3"),
        "bytes": repr(util.parse_qsl(b"x=%FF&y=2")),
        "strict": bad("a=1&b", 0, 1),
        "header": util.parse_header('form-data; name="a;b"; filename="C:\\\\dir\\\\f.txt"'),
        "header_ext": util.parse_header("attachment; filename=\"x\"; filename*=UTF-8''%C3%A9t%C3%A9.txt"),
    })

def redir(req):
    kind = req.args or ""
    if kind == "perm":
        util.redirect(req, "/perm-target", permanent=1)
    if kind == "text":
        util.redirect(req, "/t", text="go there")
    if kind == "late":
        req.write("already", 1)
        try:
            util.redirect(req, "/late")
        except IOError as e:
            req.write(" IOError: %s" % e)
        return apache.OK
    util.redirect(req, "/target")
`

func formSite(t *testing.T) *site {
	loc := func(path, handler string, extra ...string) string {
		b := "<Location " + path + ">\n    SetHandler mod_python\n    PythonHandler formh::" + handler + "\n"
		for _, e := range extra {
			b += "    " + e + "\n"
		}
		return b + "</Location>\n"
	}
	conf := "PythonPath \"sys.path + ['{{DIR}}/lib']\"\n" +
		loc("/dump", "dump") + loc("/keep", "dump", "PythonOption keep 1") +
		loc("/big", "big") + loc("/cb", "cb", "PythonOption upload_dir {{DIR}}/uploads") +
		loc("/qs", "qs") + loc("/redir", "redir") +
		loc("/small", "dump", "LimitRequestBody 1000")
	s := startSite(t, conf, map[string]string{"lib/formh.py": formMod, "uploads/.keep": ""})
	return s
}

type formField struct {
	Name        string `json:"name"`
	Value       string `json:"value"`
	Str         bool   `json:"str"`
	Type        string `json:"type"`
	Filename    string `json:"filename"`
	Size        int    `json:"size"`
	ValueType   string `json:"valuetype"`
	Disposition string `json:"disposition"`
	Path        string `json:"path"`
}

type formDump struct {
	Fields    []formField `json:"fields"`
	Keys      []string    `json:"keys"`
	Len       int         `json:"len"`
	KeyTypes  []string    `json:"keytypes"`
	GetItemA  any         `json:"getitem_a"`
	First     *string     `json:"first"`
	List      []string    `json:"list"`
	FirstMiss string      `json:"first_missing"`
	ListMiss  []string    `json:"list_missing"`
	GetMiss   string      `json:"get_missing"`
	HasA      bool        `json:"has_a"`
	InA       bool        `json:"in_a"`
	Items     [][2]string `json:"items"`
	Added     string      `json:"added"`
	KeyError  bool        `json:"keyerror"`
}

func (s *site) form(method, path, body string, header ...string) formDump {
	s.t.Helper()
	st, _, b := s.do(method, path, body, header...)
	if st != 200 {
		s.t.Fatalf("%s %s: %d\n%s\nerror log:\n%s", method, path, st, b, s.errorLog())
	}
	var d formDump
	if err := json.Unmarshal([]byte(b), &d); err != nil {
		s.t.Fatalf("%s %s: %v in %s", method, path, err, b)
	}
	return d
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestFieldStorageQueryString(t *testing.T) {
	s := formSite(t)
	d := s.form("GET", "/dump?a=1&b=x+y&a=2;c=%C3%A9&empty=&a=3", "")
	if got := jsonOf(d.Keys); got != `["a","b","c"]` {
		t.Errorf("keys %s (blank values dropped by default)", got)
	}
	if jsonOf(d.KeyTypes) != `["str"]` || d.Len != 3 || !d.HasA || !d.InA || !d.KeyError {
		t.Errorf("mapping: %+v", d)
	}
	if jsonOf(d.List) != `["1","2","3"]` || d.First == nil || *d.First != "1" || jsonOf(d.GetItemA) != `["1","2","3"]` {
		t.Errorf("repeated key a: list %v first %v getitem %v", d.List, d.First, d.GetItemA)
	}
	if d.FirstMiss != "dflt" || len(d.ListMiss) != 0 || d.GetMiss != "d" || d.Added != "v" {
		t.Errorf("defaults and add_field: %+v", d)
	}
	want := `[["a","1"],["b","x y"],["a","2"],["c","é"],["a","3"]]`
	if got := jsonOf(d.Items); got != want {
		t.Errorf("items in order: %s, want %s", got, want)
	}
	for _, f := range d.Fields {
		if !f.Str || f.Type != "text/plain" {
			t.Errorf("field %+v: want a str value (StringField) of type text/plain", f)
		}
	}
	// keep_blank_values=1 keeps empty ones.
	d = s.form("GET", "/keep?a=&b=1", "")
	if got := jsonOf(d.Items); got != `[["a",""],["b","1"]]` {
		t.Errorf("keep_blank_values: %s", got)
	}
}

func TestFieldStorageURLEncodedPost(t *testing.T) {
	s := formSite(t)
	// The query string's fields come first, then the body's; keys are str.
	body := "a=p1&b=%E2%82%AC&a=p2&" + strings.Repeat("x", 70000) + "=long&z=" + strings.Repeat("y", 150000)
	d := s.form("POST", "/dump?a=q", body, "Content-Type", "application/x-www-form-urlencoded")
	if jsonOf(d.List) != `["q","p1","p2"]` || jsonOf(d.KeyTypes) != `["str"]` {
		t.Errorf("list %v keytypes %v", d.List, d.KeyTypes)
	}
	if len(d.Fields) != 6 || d.Fields[2].Value != "€" || d.Fields[4].Name != strings.Repeat("x", 70000) ||
		len(d.Fields[5].Value) != 150000 {
		t.Errorf("fields across read blocks wrong: %d fields", len(d.Fields))
	}
	// No Content-Type: urlencoded, as in mod_python.
	d = s.form("POST", "/dump", "a=1")
	if jsonOf(d.List) != `["1"]` {
		t.Errorf("no content type: %v", d.List)
	}
	// A chunked body (no Content-Length) is read too.
	req, _ := http.NewRequest("POST", s.URL+"/dump", io.MultiReader(strings.NewReader("a=c"), strings.NewReader("1&a=c2")))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"list": ["c1", "c2"]`) {
		t.Errorf("chunked: %d %s", resp.StatusCode, b)
	}
	// Another content type: 501; no length at all: 411.
	if st, _, _ := s.do("POST", "/dump", "<x/>", "Content-Type", "text/xml"); st != 501 {
		t.Errorf("text/xml POST: %d, want 501", st)
	}
	out := s.raw("POST /dump HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n", 5e9)
	if !strings.HasPrefix(out, "HTTP/1.1 411") {
		t.Errorf("POST without a length: %.40q, want 411", out)
	}
}

func multipartBody(t *testing.T, parts func(w *multipart.Writer)) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	parts(w)
	w.Close()
	return buf.String(), w.FormDataContentType()
}

func TestFieldStorageMultipart(t *testing.T) {
	s := formSite(t)
	body, ctype := multipartBody(t, func(w *multipart.Writer) {
		w.WriteField("a", "one")
		fw, _ := w.CreateFormFile("upload", "../../etc/x")
		fw.Write([]byte("file\r\ncontent\r\n--not-the-boundary\r\n"))
		w.WriteField("a", "two\r\nlines")
		w.WriteField("b", "ünïcode")
		w.WriteField("a", "")
	})
	d := s.form("POST", "/dump?a=zero", body, "Content-Type", ctype)
	if got := jsonOf(d.List); got != `["zero","one","two\r\nlines",""]` {
		t.Errorf("repeated a in order: %s", got)
	}
	if got := jsonOf(d.Keys); got != `["a","upload","b"]` {
		t.Errorf("keys: %s", got)
	}
	var up formField
	for _, f := range d.Fields {
		if f.Name == "upload" {
			up = f
		}
		if f.Name == "b" && (f.Value != "ünïcode" || !f.Str) {
			t.Errorf("b: %+v", f)
		}
	}
	if up.Filename != "../../etc/x" || up.Value != "file\r\ncontent\r\n--not-the-boundary\r\n" ||
		up.ValueType != "bytes" || up.Type != "application/octet-stream" || up.Disposition != "form-data" {
		t.Errorf("upload: %+v", up)
	}
	// The client's file name is only a name: the data went to an
	// anonymous temporary file in the temp dir, nowhere else.
	if !strings.HasPrefix(up.Path, os.TempDir()+"/") {
		t.Errorf("upload spooled to %q, want a file in %s", up.Path, os.TempDir())
	}
	for _, p := range []string{filepath.Join(s.Dir, "../../etc/x"), filepath.Join(s.Dir, "../etc/x"), "/etc/x"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s exists", p)
		}
	}

	// Hand-written bodies: a quoted ';' in a name, a UTF-8 file name, a
	// part with its own Content-Type, LF-only line ends, a preamble.
	raw := "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"semi;colon\"\r\n\r\nv1\r\n" +
		"--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"été.txt\"\r\nContent-Type: text/csv\r\n\r\n1,2\r\n" +
		"--XyZ\nContent-Disposition: form-data; name=\"lf\"\n\nlf-only\n--XyZ--\r\nepilogue"
	d = s.form("POST", "/dump", raw, "Content-Type", `multipart/form-data; boundary="XyZ"`)
	if len(d.Fields) != 3 || d.Fields[0].Name != "semi;colon" || d.Fields[0].Value != "v1" ||
		d.Fields[1].Filename != "été.txt" || d.Fields[1].Type != "text/csv" || d.Fields[1].Value != "1,2" ||
		d.Fields[2].Value != "lf-only" {
		t.Errorf("hand-written body: %s", jsonOf(d.Fields))
	}
}

// A malformed multipart body answers 400 and leaves nothing behind.
func TestFieldStorageMalformedMultipart(t *testing.T) {
	s := formSite(t)
	// A file name no other process on the machine has made: the test
	// looks for it outside the site's directory afterwards.
	leak := fmt.Sprintf("modpy-leak-%d-%d", os.Getpid(), time.Now().UnixNano())
	part := "Content-Disposition: form-data; name=\"f\"; filename=\"../../" + leak + "\"\r\n\r\ndata"
	cases := []struct{ name, ctype, body string }{
		{"no closing delimiter", "multipart/form-data; boundary=B", "--B\r\n" + part},
		{"no boundary parameter", "multipart/form-data", "--B\r\n" + part + "\r\n--B--\r\n"},
		{"no delimiter at all", "multipart/form-data; boundary=B", "just some text"},
		{"header line without a colon", "multipart/form-data; boundary=B", "--B\r\nnot a header\r\n\r\nx\r\n--B--\r\n"},
		{"part without a name", "multipart/form-data; boundary=B", "--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--\r\n"},
		{"junk after a delimiter", "multipart/form-data; boundary=B", "--B junk\r\n" + part + "\r\n--B--\r\n"},
		{"ends inside headers", "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n"},
		{"endless header", "multipart/form-data; boundary=B", "--B\r\nX-A: " + strings.Repeat("a", 100000)},
	}
	for _, c := range cases {
		st, _, body := s.do("POST", "/dump", c.body, "Content-Type", c.ctype)
		if st != 400 {
			t.Errorf("%s: %d, want 400\n%s", c.name, st, body)
		}
	}
	log := s.errorLog()
	contains(t, "error log", log, "malformed multipart body")
	if strings.Contains(log, "Traceback") {
		t.Errorf("a malformed body made a traceback:\n%s", log)
	}
	for _, p := range []string{filepath.Join(s.Dir, "../..", leak), filepath.Join(s.Dir, "..", leak), filepath.Join(s.Dir, leak)} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s exists", p)
		}
	}
}

// zeros is n zero bytes, produced as they are read.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

// A 50 MB upload is streamed to a temporary file: the server's peak
// memory does not grow by anything like the upload's size.
func TestFieldStorageLargeUploadStreamsToDisk(t *testing.T) {
	s := formSite(t)
	upload := func(size int64) map[string]any {
		t.Helper()
		var head bytes.Buffer
		w := multipart.NewWriter(&head)
		w.WriteField("note", "big one")
		w.CreateFormFile("file", "big.bin")
		tail := "\r\n--" + w.Boundary() + "--\r\n"
		body := io.MultiReader(bytes.NewReader(head.Bytes()), &zeros{size}, strings.NewReader(tail))
		req, _ := http.NewRequest("POST", s.URL+"/big", body)
		req.ContentLength = int64(head.Len()) + size + int64(len(tail))
		req.Header.Set("Content-Type", w.FormDataContentType())
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("upload of %d bytes: %d %s\n%s", size, resp.StatusCode, b, s.errorLog())
		}
		var out map[string]any
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		return out
	}
	upload(100 << 10) // warm up: imports, buffers
	const size = 50 << 20
	out := upload(size)
	sum := sha256.Sum256(make([]byte, size))
	if out["size"] != float64(size) || out["sha"] != hex.EncodeToString(sum[:]) || out["note"] != "big one" {
		t.Errorf("upload: %v", out)
	}
	if p, _ := out["path"].(string); !strings.HasPrefix(p, os.TempDir()+"/") {
		t.Errorf("the upload was not in a temporary file during the request: %v", out["path"])
	}
	t.Logf("peak RSS growth during a 50 MB upload: %.1f MB", out["grew"].(float64)/(1<<20))
	if grew := out["grew"].(float64); grew > 20<<20 {
		t.Errorf("peak RSS grew by %.0f MB while parsing a 50 MB upload", grew/(1<<20))
	}
}

// file_callback and field_callback choose where parts go.
func TestFieldStorageCallbacks(t *testing.T) {
	s := formSite(t)
	body, ctype := multipartBody(t, func(w *multipart.Writer) {
		w.WriteField("t", "text")
		fw, _ := w.CreateFormFile("f1", "/etc/passwd")
		fw.Write(bytes.Repeat([]byte("A"), 200000))
		fw, _ = w.CreateFormFile("f2", "..\\..\\win.ini")
		fw.Write([]byte("B"))
	})
	st, _, b := s.do("POST", "/cb", body, "Content-Type", ctype)
	var out struct {
		Made      []string `json:"made"`
		Exists    []bool   `json:"exists"`
		Sizes     []int    `json:"sizes"`
		Filenames []string `json:"filenames"`
		Plain     int      `json:"plain"`
		T         string   `json:"t"`
	}
	if st != 200 || json.Unmarshal([]byte(b), &out) != nil {
		t.Fatalf("%d %s\n%s", st, b, s.errorLog())
	}
	want := []string{filepath.Join(s.Dir, "uploads/upload-0"), filepath.Join(s.Dir, "uploads/upload-1")}
	if jsonOf(out.Made) != jsonOf(want) || jsonOf(out.Exists) != "[true,true]" || jsonOf(out.Sizes) != "[200000,1]" {
		t.Errorf("file_callback files: %+v", out)
	}
	if jsonOf(out.Filenames) != `["/etc/passwd","..\\..\\win.ini"]` || out.Plain != 1 || out.T != "text" {
		t.Errorf("callbacks: %+v", out)
	}
	if data, _ := os.ReadFile(want[1]); string(data) != "B" {
		t.Errorf("upload-1 holds %q", data)
	}
}

// A body past LimitRequestBody: the server answers 413.
func TestFieldStorageLimitRequestBody(t *testing.T) {
	s := formSite(t)
	body, ctype := multipartBody(t, func(w *multipart.Writer) {
		fw, _ := w.CreateFormFile("f", "x")
		fw.Write(bytes.Repeat([]byte("x"), 5000))
	})
	// Chunked, so only reading the body can find it too large.
	pr, pw := io.Pipe()
	go func() { io.WriteString(pw, body); pw.Close() }()
	req, _ := http.NewRequest("POST", s.URL+"/small", pr)
	req.Header.Set("Content-Type", ctype)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("chunked body past LimitRequestBody: %d, want 413", resp.StatusCode)
	}
	if st, _, _ := s.do("POST", "/small", body, "Content-Type", ctype); st != 413 {
		t.Errorf("Content-Length past LimitRequestBody: %d, want 413", st)
	}
	if st, _, _ := s.do("POST", "/small", "a=1", "Content-Type", "application/x-www-form-urlencoded"); st != 200 {
		t.Errorf("small body: %d", st)
	}
}

func TestParseQS(t *testing.T) {
	s := formSite(t)
	var out map[string]any
	if err := json.Unmarshal([]byte(s.mustGet("/qs")), &out); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		// Short values keep their own names (3.5's C version swapped them).
		"qsl":        `[["a","1"],["b","2"],["d","é x"],["e","5"],["","k"]]`,
		"qsl_blank":  `[["a","1"],["b","2"],["c",""],["novalue",""]]`,
		"qs":         `{"a":["1","2"],"b":["3"]}`,
		"bytes":      `"[(b'x', b'\\xff'), (b'y', b'2')]"`,
		"strict":     `"ValueError"`,
		"header":     `["form-data",{"filename":"C:\\dir\\f.txt","name":"a;b"}]`,
		"header_ext": `["attachment",{"filename":"été.txt"}]`,
	}
	for k, w := range want {
		if got := jsonOf(out[k]); got != w {
			t.Errorf("%s: %s, want %s", k, got, w)
		}
	}
}

func TestRedirect(t *testing.T) {
	s := formSite(t)
	cases := []struct {
		query, loc, body string
		status           int
	}{
		{"", "/target", `The document has moved <a href="/target">here</a>`, 302},
		{"perm", "/perm-target", "here</a>", 301},
		{"text", "/t", "go there", 302},
	}
	for _, c := range cases {
		st, h, body := s.do("GET", "/redir?"+c.query, "")
		if st != c.status || h.Get("Location") != c.loc || !strings.Contains(body, c.body) {
			t.Errorf("redirect %q: %d Location %q body %q", c.query, st, h.Get("Location"), body)
		}
	}
	// Once output went out, redirect raises IOError.
	st, h, body := s.do("GET", "/redir?late", "")
	if st != 200 || h.Get("Location") != "" || body != "already IOError: Cannot redirect after headers have already been sent." {
		t.Errorf("late redirect: %d %q %q", st, h.Get("Location"), body)
	}
}
