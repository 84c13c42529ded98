package master

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"

	"modpy/internal/config"
)

// creds is the user and group workers run as.
type creds struct {
	uid, gid int
	set      bool // false: not root, or neither User nor Group given
}

// credentials resolves cfg's User and Group ("name" or "#number", as in
// httpd). They only apply when modpy runs as root; Group defaults to the
// User's primary group.
func credentials(cfg *config.Config) (creds, error) {
	if os.Geteuid() != 0 || (cfg.User == "" && cfg.Group == "") {
		return creds{}, nil
	}
	c := creds{uid: os.Getuid(), gid: os.Getgid(), set: true}
	if cfg.User != "" {
		if n, ok := strings.CutPrefix(cfg.User, "#"); ok {
			uid, err := strconv.Atoi(n)
			if err != nil {
				return c, fmt.Errorf("User %s: not a number", cfg.User)
			}
			c.uid = uid
		} else {
			u, err := user.Lookup(cfg.User)
			if err != nil {
				return c, fmt.Errorf("User %s: %v", cfg.User, err)
			}
			c.uid, _ = strconv.Atoi(u.Uid)
			c.gid, _ = strconv.Atoi(u.Gid)
		}
	}
	if cfg.Group != "" {
		if n, ok := strings.CutPrefix(cfg.Group, "#"); ok {
			gid, err := strconv.Atoi(n)
			if err != nil {
				return c, fmt.Errorf("Group %s: not a number", cfg.Group)
			}
			c.gid = gid
		} else {
			g, err := user.LookupGroup(cfg.Group)
			if err != nil {
				return c, fmt.Errorf("Group %s: %v", cfg.Group, err)
			}
			c.gid, _ = strconv.Atoi(g.Gid)
		}
	}
	return c, nil
}

// DropPrivileges switches a worker started as root to cfg's User and
// Group. The worker calls it after reading the config and opening the
// logs (as httpd's children inherit logs the root parent opened), before
// Python starts.
func DropPrivileges(cfg *config.Config) error {
	c, err := credentials(cfg)
	if err != nil || !c.set {
		return err
	}
	if err := syscall.Setgroups([]int{c.gid}); err != nil {
		return fmt.Errorf("setgroups: %v", err)
	}
	if err := syscall.Setgid(c.gid); err != nil {
		return fmt.Errorf("setgid %d: %v", c.gid, err)
	}
	if err := syscall.Setuid(c.uid); err != nil {
		return fmt.Errorf("setuid %d: %v", c.uid, err)
	}
	return nil
}
