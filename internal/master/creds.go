package master

import (
	"fmt"
	"os"
	osuser "os/user"
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
	u, g, err := RunAs(cfg)
	return creds{uid: u.ID, gid: g.ID, set: true}, err
}

// Account is a user or a group: its name as configured ("www-data",
// "#33") and its number.
type Account struct {
	Name string
	ID   int
}

// RunAs is whom the workers run as: cfg's User and Group when modpy starts
// as root (Group defaulting to the User's primary group), else, and for
// what is not set, the user and group modpy itself runs as (it then does
// not switch).
func RunAs(cfg *config.Config) (user, group Account, err error) {
	user.ID, group.ID = os.Getuid(), os.Getgid()
	user.Name, group.Name = "#"+strconv.Itoa(user.ID), "#"+strconv.Itoa(group.ID)
	if u, err := osuser.LookupId(strconv.Itoa(user.ID)); err == nil {
		user.Name = u.Username
	}
	if g, err := osuser.LookupGroupId(strconv.Itoa(group.ID)); err == nil {
		group.Name = g.Name
	}
	if os.Geteuid() != 0 {
		return user, group, nil
	}
	if cfg.User != "" {
		user.Name = cfg.User
		if n, ok := strings.CutPrefix(cfg.User, "#"); ok {
			uid, err := strconv.Atoi(n)
			if err != nil {
				return user, group, fmt.Errorf("User %s: not a number", cfg.User)
			}
			user.ID = uid
		} else {
			u, err := osuser.Lookup(cfg.User)
			if err != nil {
				return user, group, fmt.Errorf("User %s: %v", cfg.User, err)
			}
			user.ID, _ = strconv.Atoi(u.Uid)
			group.ID, _ = strconv.Atoi(u.Gid)
			group.Name = "#" + u.Gid
			if g, err := osuser.LookupGroupId(u.Gid); err == nil {
				group.Name = g.Name
			}
		}
	}
	if cfg.Group != "" {
		group.Name = cfg.Group
		if n, ok := strings.CutPrefix(cfg.Group, "#"); ok {
			gid, err := strconv.Atoi(n)
			if err != nil {
				return user, group, fmt.Errorf("Group %s: not a number", cfg.Group)
			}
			group.ID = gid
		} else {
			g, err := osuser.LookupGroup(cfg.Group)
			if err != nil {
				return user, group, fmt.Errorf("Group %s: %v", cfg.Group, err)
			}
			group.ID, _ = strconv.Atoi(g.Gid)
		}
	}
	return user, group, nil
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
