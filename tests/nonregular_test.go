package tests

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Only regular files are read as content or configuration: a FIFO, a
// device or a directory where a file is expected is refused at once,
// without being opened for reading (a FIFO would block the reader until a
// writer comes; /dev/zero never ends), and files read as configuration
// have a size cap.

const nonRegularConf = `PythonOption mod_python.mutex_directory {{DIR}}/data/mutex
<Directory {{DIR}}/htdocs/py>
    AddHandler mod_python .py
    PythonHandler mod_python.filehandler
</Directory>
<Directory {{DIR}}/htdocs/psp>
    AddHandler mod_python .psp
    PythonHandler mod_python.psp
</Directory>
<Directory {{DIR}}/htdocs/ht>
    AllowOverride All
</Directory>
<Directory {{DIR}}/htdocs/mod>
    SetHandler mod_python
    PythonHandler fifomod
</Directory>
<Directory {{DIR}}/htdocs/fix>
    PythonFixupHandler fix
</Directory>
`

// quick is a client whose timeout catches a request that hangs on a FIFO
// (the default client waits 20 s).
var quick = &http.Client{Timeout: 10 * time.Second}

// quickGet is GET path with the quick client: status and body, or status
// 0 and the error when there was no answer in time.
func quickGet(s *site, path string) (int, string) {
	resp, err := quick.Get(s.URL + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func mkfifo(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// rssKiB is the resident memory of process pid.
func rssKiB(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

func TestNonRegularContent(t *testing.T) {
	s := startSite(t, nonRegularConf, map[string]string{
		"htdocs/ok.txt":    "ok\n",
		"htdocs/fix/a.txt": "a\n",
		"htdocs/fix/fix.py": "from mod_python import apache\ndef fixuphandler(req):\n" +
			"    req.filename = req.document_root() + '/fifo.txt'\n    return apache.OK\n",
		"htdocs/py/real.py":       pyPage,
		"htdocs/psp/inc.psp":      `before <%@ include file="fifo.inc" %> after`,
		"htdocs/ht/zero/a.txt":    "a\n",
		"htdocs/ht/dir/a.txt":     "a\n",
		"htdocs/ht/big/a.txt":     "a\n",
		"htdocs/ht/big/.htaccess": "# " + strings.Repeat("x", 1<<20) + "\n",
	})
	htdocs := filepath.Join(s.Dir, "htdocs")
	mkfifo(t, htdocs, "fifo.txt")
	mkfifo(t, htdocs, "py/fifo.py")
	mkfifo(t, htdocs, "psp/fifo.psp")
	mkfifo(t, htdocs, "psp/fifo.inc")
	mkfifo(t, htdocs, "mod/fifomod.py")
	link(t, "/dev/null", htdocs, "psp/null.psp")
	link(t, "/dev/zero", htdocs, "zero.txt")
	link(t, "/dev/zero", htdocs, "ht/zero/.htaccess")
	mkfifo(t, htdocs, "ht/fifo/.htaccess")
	os.WriteFile(filepath.Join(htdocs, "ht/fifo/a.txt"), []byte("a\n"), 0o644)
	os.Mkdir(filepath.Join(htdocs, "ht/dir/.htaccess"), 0o755)

	// Content: a static file, a handler's own file and a PSP page that
	// is a FIFO or a device answer 403 before any handler runs, as the
	// walk of Apache refuses them (AH00038).
	for _, c := range []struct{ path, file string }{
		{"/fifo.txt", "fifo.txt"},
		{"/zero.txt", "zero.txt"},
		{"/py/fifo.py", "py/fifo.py"},
		{"/psp/fifo.psp", "psp/fifo.psp"},
		{"/psp/null.psp", "psp/null.psp"},
	} {
		st, body := quickGet(s, c.path)
		if st != 403 {
			t.Errorf("%s: %d %.200q, want 403", c.path, st, body)
			continue
		}
		want := "AH00038: Forbidden: " + filepath.Join(htdocs, c.file) + " doesn't point to a file or directory"
		if l := s.waitLog(want); !strings.Contains(l, want) {
			t.Errorf("%s: error log lacks %q", c.path, want)
		}
	}
	// A FIFO that a handler put in req.filename after the walk: refused
	// by the static file handler, not opened for reading.
	if st, body := quickGet(s, "/fix/a.txt"); st != 403 {
		t.Errorf("/fix/a.txt (req.filename set to a FIFO): %d %.200q, want 403", st, body)
	}
	// A handler module that is a FIFO: an import error saying so.
	if st, body := quickGet(s, "/mod/x"); st != 500 {
		t.Errorf("/mod/x (handler module is a FIFO): %d %.200q, want 500", st, body)
	}
	contains(t, "error log", s.waitLog("fifomod.py: not a regular file"), filepath.Join(htdocs, "mod/fifomod.py")+": not a regular file")
	// A PSP include is read by the page's handler: an error, not a hang.
	if st, body := quickGet(s, "/psp/inc.psp"); st != 500 {
		t.Errorf("/psp/inc.psp (includes a FIFO): %d %.200q, want 500", st, body)
	}
	contains(t, "error log", s.waitLog("fifo.inc: not a regular file"), filepath.Join(htdocs, "psp/fifo.inc")+": not a regular file")

	// A .htaccess that is a device, a FIFO or a directory: 403 and
	// Apache's AH00554, three times over, with the worker's memory
	// bounded (reading /dev/zero grew it by 1.5 GB in 4 s).
	for i := 0; i < 3; i++ {
		for _, d := range []string{"ht/zero", "ht/fifo", "ht/dir"} {
			st, body := quickGet(s, "/"+d+"/a.txt")
			if st != 403 {
				t.Fatalf("/%s/a.txt (.htaccess not a regular file): %d %.200q, want 403", d, st, body)
			}
			ht := filepath.Join(htdocs, d, ".htaccess")
			contains(t, "error log", s.waitLog("AH00554: Access to file "+ht), "AH00554: Access to file "+ht+" denied by server: not a regular file")
		}
	}
	if rss := rssKiB(t, s.cmd.Process.Pid); rss > 512<<10 {
		t.Errorf("worker RSS %d KiB after the /dev/zero .htaccess", rss)
	}
	// An oversize one: an error naming it and the cap.
	if st, _ := quickGet(s, "/ht/big/a.txt"); st != 500 {
		t.Errorf("/ht/big/a.txt (1 MiB .htaccess): %d, want 500", st)
	}
	contains(t, "error log", s.waitLog("is over the limit"), "too large: "+filepath.Join(htdocs, "ht/big/.htaccess")+" is over the limit of 1 MiB")
	// The worker is still serving.
	if got := s.mustGet("/ok.txt"); got != "ok\n" {
		t.Errorf("/ok.txt: %q", got)
	}
	if got := s.mustGet("/py/real.py"); got != "page ran" {
		t.Errorf("/py/real.py: %q", got)
	}
}

// Include, TypesConfig and the main file: a FIFO, a device or a directory
// where a file must be stops `modpy -t` at once with file:line and the
// directive; so does a file over the size cap. Include /dev/null stays an
// empty file and Include of a directory includes its files, as in Apache.
func TestNonRegularConfigFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, dir, "fifo.conf")
	mkfifo(t, dir, "confd/b-fifo.conf")
	os.WriteFile(filepath.Join(dir, "confd/a.conf"), []byte("# fine\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "good.d"), 0o755)
	os.WriteFile(filepath.Join(dir, "good.d/a.conf"), []byte("ServerAdmin a@example.com\n"), 0o644)
	big := filepath.Join(dir, "big.conf")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	line := "# " + strings.Repeat("x", 1021) + "\n"
	for i := 0; i < 17<<10; i++ { // 17 MiB
		f.WriteString(line)
	}
	f.Close()

	const pre = "Listen 127.0.0.1:1\nServerName x\n"
	for _, c := range []struct{ conf, want string }{
		{pre + "Include /dev/zero\n", "site.conf:3: Include: not a regular file: /dev/zero (a character device)"},
		{pre + "Include " + fifo + "\n", "site.conf:3: Include: not a regular file: " + fifo + " (a FIFO)"},
		{pre + "IncludeOptional " + dir + "/confd\n", "site.conf:3: IncludeOptional: not a regular file: " + dir + "/confd/b-fifo.conf (a FIFO)"},
		{pre + "Include " + dir + "/confd/*.conf\n", "site.conf:3: Include: not a regular file: " + dir + "/confd/b-fifo.conf (a FIFO)"},
		{pre + "TypesConfig /dev/zero\n", "site.conf:3: TypesConfig: not a regular file: /dev/zero (a character device)"},
		{pre + "TypesConfig " + fifo + "\n", "site.conf:3: TypesConfig: not a regular file: " + fifo + " (a FIFO)"},
		{pre + "TypesConfig " + dir + "\n", "site.conf:3: TypesConfig: not a regular file: " + dir + " (a directory)"},
		{pre + "Include " + big + "\n", "site.conf:3: Include: too large: " + big + " is over the limit of 16 MiB"},
	} {
		wantConfigError(t, c.conf, c.want)
	}
	for _, conf := range []string{pre + "Include /dev/null\n", pre + "Include " + dir + "/good.d\n"} {
		if out, ok := checkConfig(t, conf); !ok {
			t.Errorf("%q: %s", conf, out)
		}
	}
	// The main file itself.
	for _, c := range []struct{ file, want string }{
		{fifo, fifo + ":0: the config file is not a regular file: " + fifo + " (a FIFO)"},
		{big, big + ":0: the config file is too large: " + big + " is over the limit of 16 MiB"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, err := exec.CommandContext(ctx, modpyBin, "-t", "-f", c.file).CombinedOutput()
		cancel()
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("modpy -t -f %s: %v, output %q lacks %q", c.file, err, out, c.want)
		}
	}
}
