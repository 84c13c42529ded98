package server

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"

	"modpy/internal/passwd"
)

// authn_file_module: the "file" provider of AuthBasicProvider (the
// default one), which mod_auth_basic.go calls. Its password file
// (AuthUserFile, as htpasswd writes it) is read again when it changes:
// Apache reads it on every request; modpy stats it on every request and
// reads it only when its inode, size, modification or change time differ
// from the copy it holds (authFiles).
var authnFileModule = &module{name: "authn_file_module"}

// authnResult is mod_auth's authn_status: what a provider says of a
// user and password.
type authnResult int

const (
	authnDenied       authnResult = iota // the user exists, the password is wrong
	authnGranted                         // the password is right
	authnUserNotFound                    // the provider does not know the user
	authnGeneralError                    // the provider failed (it logged why)
)

// userFiles are the password files read so far, by path: user → hash.
var userFiles = authFiles[map[string]string]{parse: parseUserFile}

// fileCheckPassword is mod_authn_file's check_password.
func (rs *rstate) fileCheckPassword(user, pw string) authnResult {
	f := rs.dc.AuthUserFile
	if f == nil {
		rs.logModule("authn_file", levelError, "AH01619: AuthUserFile not specified in the configuration")
		return authnGeneralError
	}
	users, err := userFiles.get(*f)
	if err != nil {
		rs.logModule("authn_file", levelError, "%sAH01620: Could not open password file: %s", errnoPrefix(err), *f)
		return authnGeneralError
	}
	hash, ok := users[user]
	switch {
	case !ok:
		return authnUserNotFound
	case passwd.Validate(pw, hash):
		return authnGranted
	}
	return authnDenied
}

// parseUserFile reads a password file as mod_authn_file does: "user:hash"
// lines (anything after a second ":" is ignored), "#" comments and blank
// lines skipped; the first line of a user counts.
func parseUserFile(b []byte) map[string]string {
	users := map[string]string{}
	for _, l := range cfgLines(b) {
		if l[0] == '#' {
			continue
		}
		user, rest, _ := strings.Cut(l, ":")
		hash, _, _ := strings.Cut(rest, ":")
		if _, dup := users[user]; !dup {
			users[user] = hash
		}
	}
	return users
}

// cfgLines are the lines of a file as Apache's ap_cfg_getline reads
// them: a backslash before the end of a line joins the next one to it,
// and leading and trailing white space goes; empty lines are left out.
func cfgLines(b []byte) []string {
	var out []string
	var cur strings.Builder
	for len(b) > 0 {
		i := strings.IndexByte(string(b), '\n')
		var l string
		if i < 0 {
			l, b = string(b), nil
		} else {
			l, b = string(b[:i]), b[i+1:]
		}
		if i >= 0 {
			l = strings.TrimSuffix(l, "\r")
			if strings.HasSuffix(l, "\\") {
				cur.WriteString(l[:len(l)-1])
				continue
			}
		}
		cur.WriteString(l)
		if t := strings.TrimSpace(cur.String()); t != "" {
			out = append(out, t)
		}
		cur.Reset()
	}
	if t := strings.TrimSpace(cur.String()); t != "" {
		out = append(out, t)
	}
	return out
}

// authFileMax bounds a password or group file modpy reads.
const authFileMax = 64 << 20

// authFiles holds the password or group files read so far, each parsed,
// with what identifies the version read; get reads a file again when it
// changed.
type authFiles[T any] struct {
	parse func([]byte) T
	mu    sync.Mutex
	m     map[string]*authFile[T]
}

type authFile[T any] struct {
	id   fileID
	data T
}

// fileID tells one version of a file from another: a file written in
// place changes its size or times, one replaced (htpasswd writes a new
// file) its inode.
type fileID struct {
	dev, ino     uint64
	size         int64
	mtime, ctime syscall.Timespec
}

func idOf(st *syscall.Stat_t) fileID {
	return fileID{dev: st.Dev, ino: st.Ino, size: st.Size, mtime: st.Mtim, ctime: st.Ctim}
}

// get is the file at path, parsed: the copy held when a stat finds it
// unchanged, else read and parsed again.
func (c *authFiles[T]) get(path string) (T, error) {
	var zero T
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return zero, err
	}
	c.mu.Lock()
	e := c.m[path]
	c.mu.Unlock()
	if e != nil && e.id == idOf(&st) {
		return e.data, nil
	}
	b, id, err := readAuthFile(path)
	if err != nil {
		return zero, err
	}
	e = &authFile[T]{id: id, data: c.parse(b)}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*authFile[T]{}
	}
	c.m[path] = e
	c.mu.Unlock()
	return e.data, nil
}

// readAuthFile reads a regular file (opened without blocking, so a FIFO
// is refused, never waited on) and says which version it read.
func readAuthFile(path string) ([]byte, fileID, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fileID{}, err
	}
	defer f.Close()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return nil, fileID{}, err
	}
	switch {
	case st.Mode&syscall.S_IFMT != syscall.S_IFREG:
		return nil, fileID{}, errors.New("not a regular file")
	case st.Size > authFileMax:
		return nil, fileID{}, fmt.Errorf("larger than %d MiB", authFileMax>>20)
	}
	b, err := io.ReadAll(io.LimitReader(f, authFileMax+1))
	if err != nil {
		return nil, fileID{}, err
	}
	return b, idOf(&st), nil
}

// errnoPrefix is Apache's "(2)No such file or directory: " before a
// message about a failed system call, or the error and ": ".
func errnoPrefix(err error) string {
	var en syscall.Errno
	if errors.As(err, &en) {
		return fmt.Sprintf("(%d)%s: ", int(en), capitalize(en.Error()))
	}
	return err.Error() + ": "
}

func capitalize(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
