package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"
)

// Check makes the checks httpd's check_config hook makes once the whole
// configuration is read, before anything starts, for -t as for a start or
// a restart: they look at the file system beyond the configuration files
// themselves, which Load does not (but for DocumentRoot, which httpd
// checks as it reads the directive). Today: that the directory of every
// ErrorLog file exists (httpd's AH02291), the error naming the ErrorLog's
// line; and the process groups' users, groups, working directories and
// Python homes (checkGroups), naming the WSGIDaemonProcess line.
func Check(cfg *Config) error {
	if err := checkGroups(cfg); err != nil {
		return err
	}
	for _, s := range append([]*Server{cfg.Main}, cfg.VHosts...) {
		if s.IsVirtual && s.ErrorLogPos == cfg.Main.ErrorLogPos {
			continue // the main server's, checked already
		}
		target := s.ErrorLog
		if target == "" || strings.HasPrefix(target, "|") || target == "syslog" || strings.HasPrefix(target, "syslog:") {
			continue
		}
		dir := filepath.Dir(target)
		st, err := os.Stat(dir)
		if err == nil && !st.IsDir() {
			err = syscall.ENOTDIR
		}
		if err == nil {
			continue
		}
		what := "main error log"
		if s.IsVirtual {
			what = fmt.Sprintf("error log of vhost defined at %s:%d", s.Pos.File, s.Pos.Line)
		}
		return &Error{Pos: s.ErrorLogPos, Directive: "ErrorLog",
			Msg: fmt.Sprintf("%s: AH02291: Cannot access directory '%s/' for %s", SysError(err), dir, what)}
	}
	return nil
}

// SysError is a system error as httpd prints one: its errno and its text,
// "(98)Address already in use"; err's own text when it holds no errno.
func SysError(err error) string {
	var no syscall.Errno
	if !errors.As(err, &no) {
		return err.Error()
	}
	text := no.Error()
	r, n := utf8.DecodeRuneInString(text)
	return fmt.Sprintf("(%d)%c%s", int(no), unicode.ToUpper(r), text[n:])
}
