package tests

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// makeInstall runs `make install` in the repository with vars, installing
// the binary the tests built (MODPY_BIN) rather than building one.
func makeInstall(t *testing.T, vars ...string) {
	t.Helper()
	args := append([]string{"-s", "-C", repoRoot(), "install", "MODPY_BIN=" + modpyBin}, vars...)
	if out, err := exec.Command("make", args...).CombinedOutput(); err != nil {
		t.Fatalf("make %v: %v\n%s", args, err, out)
	}
}

// unitValue is the value of key= in a systemd unit's text.
func unitValue(t *testing.T, unit, key string) string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(unit))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+"="); ok {
			return v
		}
	}
	t.Fatalf("the unit has no %s=:\n%s", key, unit)
	return ""
}

// make install with DESTDIR lays the files out under it, with the paths
// inside them the final ones; the installed binary runs; a second install
// keeps an edited configuration.
func TestMakeInstallDestdir(t *testing.T) {
	d := t.TempDir()
	makeInstall(t, "DESTDIR="+d)
	for _, f := range []string{"usr/local/bin/modpy", "usr/local/lib/systemd/system/modpy.service", "etc/logrotate.d/modpy",
		"usr/local/etc/modpy/modpy.conf", "usr/local/share/modpy/htdocs/index.html",
		"usr/local/share/doc/modpy/README.md", "usr/local/share/doc/modpy/configuration.md", "var/log/modpy"} {
		if _, err := os.Stat(filepath.Join(d, f)); err != nil {
			t.Errorf("make install DESTDIR=%s: %v", d, err)
		}
	}
	if st, err := os.Stat(filepath.Join(d, "usr/local/bin/modpy")); err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("the binary: %v %v", st, err)
	}
	out, err := exec.Command(filepath.Join(d, "usr/local/bin/modpy"), "-v").Output()
	if err != nil || !strings.HasPrefix(string(out), "Server version: modpy/") {
		t.Fatalf("the installed modpy -v: %q %v", out, err)
	}
	unit, _ := os.ReadFile(filepath.Join(d, "usr/local/lib/systemd/system/modpy.service"))
	if v := unitValue(t, string(unit), "ExecStart"); v != "/usr/local/bin/modpy -f /usr/local/etc/modpy/modpy.conf -k start" {
		t.Errorf("ExecStart=%s", v)
	}
	conf := filepath.Join(d, "usr/local/etc/modpy/modpy.conf")
	os.WriteFile(conf, []byte("# mine\n"), 0o644)
	makeInstall(t, "DESTDIR="+d)
	if b, _ := os.ReadFile(conf); string(b) != "# mine\n" {
		t.Errorf("a second make install replaced the configuration: %q", b)
	}
}

// Installed with real paths (all under a temporary directory), the unit
// passes systemd-analyze verify and works: its ExecStart, ExecReload and
// ExecStop, and the logrotate snippet's postrotate, run as systemd and
// logrotate would run them, against the installed configuration.
func TestMakeInstallUnit(t *testing.T) {
	p := t.TempDir()
	makeInstall(t, "PREFIX="+p+"/usr", "SYSCONFDIR="+p+"/etc", "LOGROTATEDIR="+p+"/etc/logrotate.d", "RUNDIR="+p+"/run", "LOGDIR="+p+"/log")
	os.MkdirAll(filepath.Join(p, "run"), 0o755)
	bin := filepath.Join(p, "usr/bin/modpy")
	conf := filepath.Join(p, "etc/modpy/modpy.conf")
	unitFile := filepath.Join(p, "usr/lib/systemd/system/modpy.service")
	b, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	if out, err := exec.Command(bin, "-t", "-f", conf).CombinedOutput(); err != nil || !strings.HasSuffix(string(out), "Syntax OK\n") {
		t.Fatalf("the installed configuration: %v\n%s", err, out)
	}

	// systemd-analyze verify checks the unit's syntax and that its
	// commands exist. It is part of systemd (Debian's /usr/bin); where it
	// is missing this test checks what it can itself: the type, the
	// PIDFile and that every command is the installed binary.
	if tool, err := exec.LookPath("systemd-analyze"); err == nil {
		if out, err := exec.Command(tool, "verify", unitFile).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("systemd-analyze verify %s: %v\n%s", unitFile, err, out)
		}
	} else {
		t.Logf("no systemd-analyze (%v): checking the unit's fields only", err)
	}
	if v := unitValue(t, unit, "Type"); v != "forking" {
		t.Errorf("Type=%s", v)
	}
	pidFile := unitValue(t, unit, "PIDFile")
	if pidFile != filepath.Join(p, "run/modpy.pid") {
		t.Errorf("PIDFile=%s", pidFile)
	}
	cmds := map[string][]string{}
	for _, k := range []string{"ExecStart", "ExecReload", "ExecStop"} {
		cmds[k] = strings.Fields(unitValue(t, unit, k))
		if len(cmds[k]) == 0 || cmds[k][0] != bin {
			t.Fatalf("%s=%v: not the installed %s", k, cmds[k], bin)
		}
	}
	run := func(what string, argv []string) {
		t.Helper()
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s (%v): %v\n%s", what, argv, err, out)
		}
	}

	// The installed configuration, on a free port, without User and
	// Group (the test's directories are not the www-data user's).
	port := freePort(t)
	b, _ = os.ReadFile(conf)
	text := regexp.MustCompile(`(?m)^(User|Group) .*\n`).ReplaceAllString(string(b), "")
	text = strings.Replace(text, "Listen 80\n", fmt.Sprintf("Listen 127.0.0.1:%d\n", port), 1)
	if !strings.Contains(text, fmt.Sprintf("Listen 127.0.0.1:%d\n", port)) || !strings.Contains(text, "PidFile "+pidFile+"\n") {
		t.Fatalf("the installed configuration:\n%s", b)
	}
	os.WriteFile(conf, []byte(text), 0o644)
	// (Its Dir is the LOGDIR: s.errorLog reads the installed ErrorLog.)
	s := &site{t: t, Dir: filepath.Join(p, "log"), Port: port, URL: fmt.Sprintf("http://127.0.0.1:%d", port)}
	t.Cleanup(func() { exec.Command(cmds["ExecStop"][0], cmds["ExecStop"][1:]...).Run() })

	run("ExecStart", cmds["ExecStart"])
	if b, err := os.ReadFile(pidFile); err != nil || processGone(atoi(strings.TrimSpace(string(b)))) {
		t.Fatalf("PIDFile %s after ExecStart: %q %v", pidFile, b, err)
	}
	if st, body, err := s.doFresh("/"); err != nil || st != 200 || !strings.Contains(body, "modpy serves this page") {
		t.Fatalf("GET / after ExecStart: %d %v\n%s", st, err, body)
	}
	errorLog := filepath.Join(p, "log/error.log")
	waitFor := func(what, want string) {
		t.Helper()
		if l := s.waitLog(want); !strings.Contains(l, want) {
			t.Fatalf("%s: %q not in %s:\n%s", what, want, errorLog, l)
		}
	}

	// logrotate: the log moved away, then the snippet's postrotate.
	lr, _ := os.ReadFile(filepath.Join(p, "etc/logrotate.d/modpy"))
	if !strings.HasPrefix(strings.TrimLeft(regexp.MustCompile(`(?m)^#.*\n`).ReplaceAllString(string(lr), ""), "\n"), filepath.Join(p, "log")+"/*.log {") {
		t.Errorf("the logrotate snippet does not rotate %s/*.log:\n%s", filepath.Join(p, "log"), lr)
	}
	post := regexp.MustCompile(`(?s)postrotate\n(.*?)\n\s*endscript`).FindStringSubmatch(string(lr))
	if post == nil {
		t.Fatalf("no postrotate in the logrotate snippet:\n%s", lr)
	}
	os.Rename(errorLog, errorLog+".1")
	run("postrotate", []string{"/bin/sh", "-c", post[1]})
	waitFor("after postrotate", "starting generation 2")
	if st, _, err := s.doFresh("/"); err != nil || st != 200 {
		t.Fatalf("GET / after postrotate: %d %v", st, err)
	}

	run("ExecReload", cmds["ExecReload"])
	waitFor("after ExecReload", "starting generation 3")

	run("ExecStop", cmds["ExecStop"])
	if _, err := os.Stat(pidFile); err == nil {
		t.Errorf("PIDFile %s still there after ExecStop", pidFile)
	}
	if _, _, err := s.doFresh("/"); err == nil {
		t.Errorf("still answering after ExecStop")
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
