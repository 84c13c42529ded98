package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"modpy/internal/config"
)

// testGroupsEnv adds process groups to a configuration that has none,
// for the end-to-end tests of the master's groups while the
// WSGIDaemonProcess parser is being written in parallel: each ';'-separated
// entry is "NAME opt=value ..." with WSGIDaemonProcess's option names
// (processes, threads, user, group, home, maximum-requests,
// inactivity-timeout, restart-interval, python-home); the name "~" is
// PythonUserDirProcess's template (with UserDirMinUid from userdir-min-uid).
// Test-only: remove it once the parser lands.
const testGroupsEnv = "MODPY_TEST_GROUPS"

func addTestGroups(cfg *config.Config) error {
	spec := os.Getenv(testGroupsEnv)
	if spec == "" || len(cfg.Groups) > 0 || cfg.UserDirProcess != nil {
		return nil
	}
	for _, entry := range strings.Split(spec, ";") {
		f := strings.Fields(entry)
		if len(f) == 0 {
			continue
		}
		g := &config.ProcessGroup{Name: f[0], Pos: config.Pos{File: testGroupsEnv, Line: 1}, Processes: 1, Threads: 15,
			ListenBacklog: 100, ShutdownTimeout: 5 * time.Second, ConnectTimeout: 15 * time.Second, DeadlockTimeout: 300 * time.Second}
		for _, o := range f[1:] {
			k, v, _ := strings.Cut(o, "=")
			n, _ := strconv.Atoi(v)
			switch k {
			case "processes":
				g.Processes, g.ProcessesGiven = n, true
			case "threads":
				g.Threads = n
			case "user":
				g.User = v
			case "group":
				g.Group = v
			case "home":
				g.Home = v
			case "python-home":
				g.PythonHome = v
			case "maximum-requests":
				g.MaximumRequests = n
			case "inactivity-timeout":
				g.InactivityTimeout = time.Duration(n) * time.Second
			case "restart-interval":
				g.RestartInterval = time.Duration(n) * time.Second
			case "userdir-min-uid":
				cfg.UserDirMinUid = n
			default:
				return fmt.Errorf("%s: unknown option %s", testGroupsEnv, k)
			}
		}
		if g.Name == "~" {
			cfg.UserDirProcess = g
		} else {
			cfg.Groups = append(cfg.Groups, g)
		}
	}
	return nil
}
