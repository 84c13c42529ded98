// Package tests holds modpy's end-to-end tests: each starts the real modpy
// binary with a config written by the test, on a free loopback port, and
// talks HTTP to it.
package tests

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

var modpyBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "modpy-bin-")
	if err != nil {
		panic(err)
	}
	modpyBin = filepath.Join(dir, "modpy")
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(here))
	args := []string{"build", "-o", modpyBin}
	if os.Getenv("MODPY_TEST_RACE") != "" {
		args = append(args, "-race") // the race detector inside the server
	}
	build := exec.Command("go", append(args, "./cmd/modpy")...)
	build.Dir = root
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building modpy:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// site is a modpy server started for one test.
type site struct {
	t     *testing.T
	Dir   string // the site's root: config, logs and files live here
	Port  int
	URL   string
	cmd   *exec.Cmd
	out   *strings.Builder
	errCh chan error
	env   []string // added to the test's environment for modpy
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// expand replaces {{DIR}} and {{PORT}} in s.
func (s *site) expand(text string) string {
	text = strings.ReplaceAll(text, "{{DIR}}", s.Dir)
	return strings.ReplaceAll(text, "{{PORT}}", fmt.Sprint(s.Port))
}

// writeFiles writes files (path relative to the site's root → content,
// with {{DIR}}/{{PORT}} expanded).
func (s *site) writeFiles(files map[string]string) {
	s.t.Helper()
	for name, content := range files {
		p := filepath.Join(s.Dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			s.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s.expand(content)), 0o644); err != nil {
			s.t.Fatal(err)
		}
	}
}

// newSite prepares a site directory with files but does not start it.
func newSite(t *testing.T, files map[string]string) *site {
	t.Helper()
	s := &site{t: t, Dir: t.TempDir(), Port: freePort(t)}
	s.URL = fmt.Sprintf("http://127.0.0.1:%d", s.Port)
	s.writeFiles(files)
	return s
}

// startSite writes site.conf (conf is appended to a preamble with Listen,
// ServerName, DocumentRoot {{DIR}}/htdocs and the logs) and the files, then
// starts `modpy -X` and waits until it answers.
func startSite(t *testing.T, conf string, files map[string]string) *site {
	t.Helper()
	return startSiteEnv(t, nil, conf, files)
}

// startSiteEnv is startSite with env ("NAME=value" strings) added to
// modpy's environment.
func startSiteEnv(t *testing.T, env []string, conf string, files map[string]string) *site {
	t.Helper()
	s := newSite(t, files)
	s.env = env
	os.MkdirAll(filepath.Join(s.Dir, "htdocs"), 0o755)
	preamble := "Listen 127.0.0.1:{{PORT}}\nServerName localhost\nDocumentRoot {{DIR}}/htdocs\n" +
		"ErrorLog {{DIR}}/error.log\nLogLevel info\nCustomLog {{DIR}}/access.log common\n"
	s.writeFiles(map[string]string{"site.conf": preamble + conf})
	s.start("-X", "-f", filepath.Join(s.Dir, "site.conf"))
	return s
}

// start runs modpy with args and waits for the port to accept.
func (s *site) start(args ...string) {
	s.t.Helper()
	s.cmd = exec.Command(modpyBin, args...)
	s.cmd.Dir = s.Dir
	if len(s.env) > 0 {
		s.cmd.Env = append(os.Environ(), s.env...)
	}
	s.out = &strings.Builder{}
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.errCh = make(chan error, 1)
	go func() { s.errCh <- s.cmd.Wait() }()
	s.t.Cleanup(s.stop)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.errCh:
			s.errCh <- err
			s.t.Fatalf("modpy exited early (%v):\n%s\nerror log:\n%s", err, s.out, s.errorLog())
		default:
		}
		// The socket is bound before the worker is ready: wait for an
		// HTTP answer to a request that runs no handler.
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), 200*time.Millisecond)
		if err == nil {
			c.SetDeadline(time.Now().Add(2 * time.Second))
			fmt.Fprintf(c, "OPTIONS * HTTP/1.0\r\n\r\n")
			b := make([]byte, 5)
			n, _ := io.ReadFull(c, b)
			c.Close()
			if n == 5 && string(b) == "HTTP/" {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("modpy did not answer on port %d:\n%s", s.Port, s.out)
}

func (s *site) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.errCh:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.errCh
	}
	s.cmd = nil
	if strings.Contains(s.out.String(), "WARNING: DATA RACE") {
		s.t.Errorf("the race detector found a data race in modpy")
	}
	// An illegal state transition is logged by the server, not a panic
	// (internal/python/state.go): still a bug.
	if strings.Contains(s.errorLog(), "(a bug in modpy") {
		s.t.Errorf("modpy logged a bug of its own (an illegal state transition)")
	}
	if s.t.Failed() {
		s.t.Logf("modpy output:\n%s\nerror log:\n%s", s.out, s.errorLog())
	}
}

func (s *site) errorLog() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "error.log"))
	return string(b)
}

func (s *site) accessLog() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "access.log"))
	return string(b)
}

var client = &http.Client{
	Timeout:       20 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// do sends a request with optional header pairs and returns status, headers and body.
func (s *site) do(method, path, body string, header ...string) (int, http.Header, string) {
	s.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if strings.EqualFold(header[i], "Host") {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v\nerror log:\n%s", method, path, err, s.errorLog())
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func (s *site) get(path string, header ...string) (int, string) {
	s.t.Helper()
	st, _, body := s.do("GET", path, "", header...)
	return st, body
}

// mustGet fails the test unless path answers 200; it returns the body.
func (s *site) mustGet(path string, header ...string) string {
	s.t.Helper()
	st, body := s.get(path, header...)
	if st != 200 {
		s.t.Fatalf("GET %s: status %d, body:\n%s\nerror log:\n%s", path, st, body, s.errorLog())
	}
	return body
}

// raw sends bytes on a new connection and returns everything read until
// the server closes it or timeout passes.
func (s *site) raw(data string, timeout time.Duration) string {
	s.t.Helper()
	c := s.dial()
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(c, data); err != nil {
		s.t.Fatal(err)
	}
	b, _ := io.ReadAll(bufio.NewReader(c))
	return string(b)
}

// waitLog waits until the error log contains want.
func (s *site) waitLog(want string) string {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l := s.errorLog()
		if strings.Contains(l, want) || time.Now().After(deadline) {
			return l
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func contains(t *testing.T, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Fatalf("%s: want %q in:\n%s", what, want, got)
	}
}

// checkConfig writes conf to a file and runs `modpy -t` (with extra
// arguments before -f) on it: the combined output and whether it passed.
func checkConfig(t *testing.T, conf string, args ...string) (string, bool) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "site.conf")
	if err := os.WriteFile(f, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	// (A check that hangs is killed: reading a FIFO as config once did.)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, modpyBin, append(append([]string{"-t"}, args...), "-f", f)...).CombinedOutput()
	return string(out), err == nil
}

// wantConfigError fails unless `modpy -t` rejects conf with want in its
// output (want names file:line: directive).
func wantConfigError(t *testing.T, conf, want string) {
	t.Helper()
	out, ok := checkConfig(t, conf)
	if ok {
		t.Errorf("%q: -t succeeded:\n%s", conf, out)
	} else if !strings.Contains(out, want) {
		t.Errorf("%q: output %q lacks %q", conf, out, want)
	}
}

// pyDir is a <Directory {{DIR}}/htdocs> section that runs module's handler
// for every request in it, with extra directives added to the section.
func pyDir(module string, extra ...string) string {
	b := "<Directory {{DIR}}/htdocs>\n    SetHandler mod_python\n    PythonHandler " + module + "\n"
	for _, e := range extra {
		b += "    " + e + "\n"
	}
	return b + "</Directory>\n"
}

// dial opens a raw TCP connection to the site.
func (s *site) dial() net.Conn {
	s.t.Helper()
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port))
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// needTestDep skips the test when what `make test-deps` installs is
// missing (err != nil), or fails it when MODPY_REQUIRE_TEST_DEPS is set
// (.ci/run sets it).
func needTestDep(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("MODPY_REQUIRE_TEST_DEPS") == "" {
		t.Skipf("%s: %v (make test-deps installs it; MODPY_REQUIRE_TEST_DEPS=1 makes this fatal)", what, err)
	}
	t.Fatalf("%s: %v (MODPY_REQUIRE_TEST_DEPS is set)", what, err)
}
