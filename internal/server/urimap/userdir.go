package urimap

import (
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"modpy/internal/config"
)

// UserDir is mod_userdir's translate_name: /~user/rest to the user's
// directory. Of several UserDir directories the first that exists wins
// (the last is used even if it does not, as Apache does).
func UserDir(u *config.UserDir, uri string) (string, bool) {
	if u == nil || !strings.HasPrefix(uri, "/~") {
		return "", false
	}
	name, rest, _ := strings.Cut(uri[2:], "/")
	if name == "" || name == "." || name == ".." || !u.Allows(name) {
		return "", false
	}
	if rest != "" || strings.HasSuffix(uri, "/") {
		rest = "/" + rest
	}
	var home string
	for i, d := range u.Dirs {
		var dir string
		switch {
		case strings.Contains(d, "*"):
			dir = strings.ReplaceAll(d, "*", name)
		case filepath.IsAbs(d):
			dir = filepath.Join(d, name)
		default:
			if home == "" {
				pw, err := user.Lookup(name)
				if err != nil || pw.HomeDir == "" {
					return "", false
				}
				home = pw.HomeDir
			}
			dir = filepath.Join(home, d)
		}
		if i == len(u.Dirs)-1 {
			return dir + rest, true
		}
		if _, err := os.Stat(dir); err == nil {
			return dir + rest, true
		}
	}
	return "", false
}
