package tests

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Helpers of the Flask and Django tests (flask_test.go, django_test.go):
// their apps live in tests/testdata, and every test runs each app through
// WSGIScriptAlias and through mod_python.wsgi, each mount in its own
// application group, with the other framework loaded at the same time.

// needPyPackage skips the test when Debian's python3-<pkg> is missing
// (make test-deps installs it), or fails it under MODPY_REQUIRE_TEST_DEPS.
func needPyPackage(t *testing.T, pkg, module string) {
	t.Helper()
	needTestDep(t, "python3-"+pkg, exec.Command("/usr/bin/python3", "-c", "import "+module).Run())
}

// testdataFiles returns the files of tests/testdata/src as startSite's
// files map, placed under dst/ in the site's directory.
func testdataFiles(t *testing.T, files map[string]string, src, dst string) {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "testdata", src)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, "__pycache__") || strings.HasSuffix(p, ".sqlite3") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.Join(dst, rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// wsgiAppsConf mounts both test apps twice: Flask at /flask
// (WSGIScriptAlias, application group "flask") and /mpflask
// (mod_python.wsgi, interpreter "mpflask"); Django at /dj (WSGIScriptAlias,
// group "django") and /mpdj (mod_python.wsgi, interpreter "mpdj"). Each
// mount has its own copy of its app (a Django mount has its own database).
const wsgiAppsConf = `
WSGIScriptAlias /flask {{DIR}}/flask-alias/flask.wsgi application-group=flask
WSGIScriptAlias /dj {{DIR}}/dj-alias/django.wsgi application-group=django
<Directory {{DIR}}>
    Require all granted
</Directory>
<Location /mpflask>
    SetHandler mod_python
    PythonHandler mod_python.wsgi
    PythonPath "sys.path + ['{{DIR}}/flask-mp']"
    PythonOption mod_python.wsgi.application flaskdemo::app
    PythonInterpreter mpflask
</Location>
<Location /mpdj>
    SetHandler mod_python
    PythonHandler mod_python.wsgi
    PythonPath "sys.path + ['{{DIR}}/dj-mp']"
    PythonOption mod_python.wsgi.application djsite.wsgi::application
    PythonInterpreter mpdj
</Location>
`

// wsgiMount is one way a test app is mounted.
type wsgiMount struct {
	prefix string // the URL it is mounted at: SCRIPT_NAME
	interp string // the interpreter it runs in
	group  string // mod_wsgi.application_group in its environ ("-": none)
	dir    string // its copy of the app, under the site's directory
}

var (
	flaskMounts = []wsgiMount{
		{"/flask", "flask", "flask", "flask-alias"},
		{"/mpflask", "mpflask", "-", "flask-mp"},
	}
	djangoMounts = []wsgiMount{
		{"/dj", "django", "django", "dj-alias"},
		{"/mpdj", "mpdj", "-", "dj-mp"},
	}
)

// testMounts starts a site with both apps mounted both ways, loads the
// other app (GET of each of its mounts), then runs check on each of
// mounts as a subtest.
func testMounts(t *testing.T, mounts, others []wsgiMount, check func(t *testing.T, s *site, m wsgiMount)) {
	t.Helper()
	s := startWSGIApps(t)
	for _, m := range others {
		s.mustGet(m.prefix + "/")
	}
	for _, m := range mounts {
		t.Run(strings.TrimPrefix(m.prefix, "/"), func(t *testing.T) { check(t, s, m) })
	}
}

// startWSGIApps starts a site with both apps mounted both ways.
func startWSGIApps(t *testing.T) *site {
	t.Helper()
	needPyPackage(t, "flask", "flask")
	needPyPackage(t, "django", "django")
	files := map[string]string{}
	for _, m := range flaskMounts {
		testdataFiles(t, files, "flaskapp", m.dir)
	}
	for _, m := range djangoMounts {
		testdataFiles(t, files, "djangosite", m.dir)
	}
	return startSite(t, wsgiAppsConf, files)
}

// checkMountInfo checks app's "/" page (both apps have one): where the
// mount is, the interpreter and application group it runs in, and that
// the other framework is not loaded there.
func checkMountInfo(t *testing.T, s *site, m wsgiMount, app, other string) {
	t.Helper()
	body := s.mustGet(m.prefix + "/")
	for _, want := range []string{app + " hello\n", "script_name=" + m.prefix + "\n", "path_info=/\n",
		"interpreter=" + m.interp + "\n", "application_group=" + m.group + "\n", other + "_loaded=False\n"} {
		contains(t, "GET "+m.prefix+"/", body, want)
	}
}

// wantStatus fails unless a response has status want.
func wantStatus(t *testing.T, what string, got, want int, body string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: status %d, want %d; body:\n%s", what, got, want, body)
	}
}

// wantRedirect fails unless GET path answers code with Location loc.
func wantRedirect(t *testing.T, s *site, path string, code int, loc string) {
	t.Helper()
	st, h, body := s.do("GET", path, "")
	wantStatus(t, "GET "+path, st, code, body)
	if got := h.Get("Location"); got != loc {
		t.Errorf("GET %s: Location %q, want %q", path, got, loc)
	}
}

// wantNotFound fails unless GET path answers 404 with a body that says so.
func wantNotFound(t *testing.T, s *site, path string) {
	t.Helper()
	st, _, body := s.do("GET", path, "")
	wantStatus(t, "GET "+path, st, 404, body)
	contains(t, "GET "+path, body, "Not Found")
}

// checkServerError checks a 500 from an exception the app raised: the
// body does not show it, the error log has its traceback.
func checkServerError(t *testing.T, s *site, what string, st int, body, marker string) {
	t.Helper()
	wantStatus(t, what, st, 500, body)
	if strings.Contains(body, marker) || strings.Contains(body, "Traceback") {
		t.Errorf("%s: the 500's body shows the exception:\n%s", what, body)
	}
	l := s.waitLog(marker)
	if !strings.Contains(l, marker) || !strings.Contains(l, "Traceback (most recent call last)") {
		t.Errorf("%s: no traceback with %q in the error log:\n%s", what, marker, l)
	}
}

// checkUpload posts a multipart form (a text field and two files, one of
// 300 KB of random bytes) to path and checks the app saw every byte:
// "title=...", then "name: filename size sha256" per file.
func checkUpload(t *testing.T, s *site, path string) {
	t.Helper()
	big := make([]byte, 300<<10)
	rand.Read(big)
	small := []byte("hello\r\n--not a boundary\r\n")
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("title", "two files")
	fw, _ := w.CreateFormFile("a", "big.bin")
	fw.Write(big)
	fw, _ = w.CreateFormFile("b", "notes.txt")
	fw.Write(small)
	w.Close()
	st, _, body := s.do("POST", path, buf.String(), "Content-Type", w.FormDataContentType())
	wantStatus(t, "POST "+path, st, 200, body)
	want := fmt.Sprintf("title=two files\na: big.bin %d %x\nb: notes.txt %d %x\n",
		len(big), sha256.Sum256(big), len(small), sha256.Sum256(small))
	if body != want {
		t.Errorf("POST %s: got\n%s\nwant\n%s", path, body, want)
	}
}

// readStream GETs a streaming response and returns its first line, read
// before release runs, and the rest, read after.
func readStream(t *testing.T, s *site, path string, release func()) (first, rest string) {
	t.Helper()
	c := &http.Client{Timeout: 60 * time.Second}
	resp, err := c.Get(s.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: status %d: %s", path, resp.StatusCode, b)
	}
	br := bufio.NewReader(resp.Body)
	first, err = br.ReadString('\n')
	if err != nil {
		t.Fatalf("GET %s: reading the first line: %v", path, err)
	}
	release()
	b, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("GET %s: reading the rest: %v", path, err)
	}
	return first, string(b)
}
