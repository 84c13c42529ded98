package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"modpy/internal/config"
	"modpy/internal/groupsock"
	"modpy/internal/loglevel"
	"modpy/internal/master"
	"modpy/internal/python"
	"modpy/internal/server"
	"modpy/internal/worker"
)

func main() {
	os.Exit(run(os.Args[0], os.Args[1:], os.Stdout, os.Stderr))
}

// optSpec are httpd's options (AP_SERVER_BASEARGS, and -k), in getopt's
// form.
const optSpec = "C:c:D:d:E:e:f:k:vVlLtTSMhX?"

// usage writes httpd's synopsis and option list for bin (argv[0], padded
// under as httpd pads it) and returns httpd's exit status for it, 1.
func usage(w io.Writer, bin string) int {
	pad := strings.Repeat(" ", len(bin))
	fmt.Fprintf(w, "Usage: %s [-D name] [-d directory] [-f file]\n", bin)
	fmt.Fprintf(w, "       %s [-C \"directive\"] [-c \"directive\"]\n", pad)
	fmt.Fprintf(w, "       %s [-k start|restart|graceful|graceful-stop|stop]\n", pad)
	fmt.Fprintf(w, "       %s [-v] [-V] [-h] [-l] [-L] [-t] [-T] [-S] [-X]\n", pad)
	fmt.Fprint(w, `Options:
  -D name            : define name for <IfDefine name> (name=value also sets ${name})
  -d directory       : the ServerRoot to start from (default: the current directory)
  -f file            : the configuration file (default: none, the zero-config)
  -C "directive"     : read directive before the configuration file
  -c "directive"     : read directive after the configuration file
  -e level           : the least level of startup messages to show (see LogLevel)
  -E file            : write startup messages to file rather than standard error
  -v                 : print the version
  -V                 : print the version and the build's settings and defaults
  -h                 : print this list of options
  -l                 : list the modules compiled in
  -L                 : list the directives, each with its module and where it may be
  -t -D DUMP_VHOSTS  : print the virtual hosts by address
  -t -D DUMP_RUN_CFG : print the run settings (ServerRoot, PidFile, User, ...)
  -S                 : the same as -t -D DUMP_VHOSTS -D DUMP_RUN_CFG
  -t -D DUMP_MODULES : list the modules the configuration has
  -M                 : the same as -t -D DUMP_MODULES
  -t -D DUMP_INCLUDES: list the configuration files read
  -t                 : check the configuration, then exit
  -T                 : start even if DocumentRoot is not a directory
  -X                 : run one worker in the foreground (debugging)
  -k verb            : start the master in the background, or signal the one the PidFile names
`)
	return 1
}

// options is the command line, read.
type options struct {
	file, root    string
	defines       []string
	before, after []string // -C, -c
	test, single  bool
	noDocRoot     bool // -T
	directives    bool // -L
	dump          bool // -S, -M or -D DUMP_*: print, then exit
	verb          string
	startLevel    loglevel.Level // -e
}

// The -D names that ask for a report (dump), as in httpd.
var dumpDefines = []string{"DUMP_VHOSTS", "DUMP_RUN_CFG", "DUMP_MODULES", "DUMP_INCLUDES"}

func (o *options) defined(name string) bool {
	for _, d := range o.defines {
		if d == name {
			return true
		}
	}
	return false
}

// loadOptions are what config.Load reads for o.
func (o *options) loadOptions() config.LoadOptions {
	return config.LoadOptions{File: o.file, ServerRoot: o.root, Defines: o.defines,
		Before: o.before, After: o.after, NoDocumentRootCheck: o.noDocRoot, PythonVersion: python.Version()}
}

// load reads and checks the configuration (config.Load, config.Check).
func (o *options) load() (*config.Config, error) {
	cfg, err := config.Load(o.loadOptions())
	if err == nil {
		err = config.Check(cfg)
	}
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// run is modpy's command line: it returns the exit status.
func run(bin string, args []string, stdout, stderr io.Writer) int {
	o := options{startLevel: loglevel.Notice}
	name := filepath.Base(bin)
	g := &getopt{spec: optSpec, args: args}
	for {
		opt, arg, ok, bad := g.next()
		if bad != "" {
			fmt.Fprintf(stderr, "%s: %s -- %c\n", name, bad, opt)
			return usage(stderr, bin)
		}
		if !ok {
			break
		}
		switch opt {
		case 'C':
			o.before = append(o.before, arg)
		case 'c':
			o.after = append(o.after, arg)
		case 'D':
			o.defines = append(o.defines, arg)
			for _, d := range dumpDefines {
				if arg == d {
					o.dump = true
				}
			}
		case 'd':
			o.root = arg
		case 'e':
			l, ok := loglevel.Parse(strings.ToLower(arg))
			if !ok {
				return usage(stderr, bin)
			}
			o.startLevel = l
		case 'E':
			f, err := os.OpenFile(arg, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
			if err != nil {
				fmt.Fprintf(stderr, "%s: %s: could not open the startup log %s\n", name, config.SysError(err), arg)
				return 1
			}
			// As httpd's -E: standard error itself, for this process
			// and those it starts.
			unix.Dup2(int(f.Fd()), 2)
			f.Close()
		case 'f':
			o.file = arg
		case 'k':
			switch arg {
			case "start", "stop", "restart", "graceful", "graceful-stop":
				o.verb = arg
			default:
				fmt.Fprintf(stderr, "%s: -k %s: not a verb (start, stop, restart, graceful, graceful-stop)\n", name, arg)
				return usage(stderr, bin)
			}
		case 'v':
			showVersion(stdout)
			return 0
		case 'V':
			showSettings(stdout)
			return 0
		case 'l':
			config.ListModules(stdout)
			return 0
		case 'L':
			o.directives = true
		case 't':
			o.test = true
		case 'T':
			o.noDocRoot = true
		case 'S':
			o.dump = true
			o.defines = append(o.defines, "DUMP_VHOSTS", "DUMP_RUN_CFG")
		case 'M':
			o.dump = true
			o.defines = append(o.defines, "DUMP_MODULES")
		case 'X':
			o.single = true
			o.defines = append(o.defines, "DEBUG")
		case 'h', '?':
			return usage(stderr, bin)
		}
	}
	if len(g.rest()) > 0 {
		return usage(stderr, bin)
	}

	// A worker: started by the master, which passed the sockets down.
	if v, ok := os.LookupEnv(master.WorkerEnv); ok {
		os.Unsetenv(master.WorkerEnv) // not for the processes handlers start
		n, err := strconv.Atoi(v)
		if err != nil {
			fmt.Fprintf(stderr, "modpy: %s=%q\n", master.WorkerEnv, v)
			return 2
		}
		lo := o.loadOptions()
		// A process group's process: no TLS, and its code (another
		// user's) must not find the server's private keys in its memory.
		lo.NoTLSKeys = os.Getenv(groupsock.GroupEnv) != ""
		cfg, err := config.Load(lo)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		if name := os.Getenv(groupsock.GroupEnv); name != "" {
			return worker.RunGroup(cfg, name)
		}
		return worker.Run(cfg, n)
	}
	cfg, err := o.load()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if o.test || o.dump || o.directives {
		return report(&o, cfg, stdout, stderr)
	}
	if o.single {
		if o.verb != "" {
			fmt.Fprintln(stderr, "modpy: -k and -X do not go together")
			return 2
		}
		if err := singleRefusesGroups(cfg); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return worker.Single(cfg)
	}
	margs := masterArgs(&o, cfg)
	if o.verb != "" {
		return master.Control(o.verb, cfg, margs)
	}
	return master.Run(cfg, master.Options{Args: margs, Load: o.load, Version: server.Version})
}

// singleRefusesGroups: process groups are started and supervised by the
// master, which -X (one process, no master) does not run; the first
// WSGIDaemonProcess (or PythonUserDirProcess On) is named.
func singleRefusesGroups(cfg *config.Config) error {
	const msg = "process groups are started by modpy's master, and -X (single process mode) runs none: start modpy without -X"
	if len(cfg.Groups) > 0 {
		return &config.Error{Pos: cfg.Groups[0].Pos, Directive: "WSGIDaemonProcess", Msg: msg}
	}
	if g := cfg.UserDirProcess; g != nil {
		return &config.Error{Pos: g.Pos, Directive: "PythonUserDirProcess", Msg: msg}
	}
	return nil
}

// report is -t, -L, -S, -M and -t -D DUMP_*: the notices starting would
// log (at -e's level or above), then what was asked for on standard
// output, or "Syntax OK".
func report(o *options, cfg *config.Config, stdout, stderr io.Writer) int {
	if o.startLevel >= loglevel.Notice {
		for _, n := range cfg.Notices {
			fmt.Fprintf(stderr, "%s: %s\n", n.Pos, n.Msg)
		}
	}
	switch {
	case o.directives:
		config.ListDirectives(stdout)
	case o.dump:
		if o.defined("DUMP_INCLUDES") {
			cfg.DumpIncludes(stdout)
		}
		if o.defined("DUMP_VHOSTS") {
			cfg.DumpVHosts(stdout)
		}
		if o.defined("DUMP_RUN_CFG") {
			user, group, err := master.RunAs(cfg)
			if err != nil {
				fmt.Fprintf(stderr, "modpy: %v\n", err)
				return 1
			}
			cfg.DumpRunConfig(stdout, config.RunFacts{PidFile: master.PidPath(cfg),
				User: user.Name, UID: user.ID, Group: group.Name, GID: group.ID})
		}
		if o.defined("DUMP_MODULES") {
			config.DumpModules(stdout, cfg)
		}
	default:
		fmt.Fprintln(stderr, "Syntax OK")
	}
	return 0
}

// masterArgs are the arguments the master and its workers are started
// with: o's, paths absolute.
func masterArgs(o *options, cfg *config.Config) []string {
	var args []string
	if o.root != "" {
		abs, _ := filepath.Abs(o.root)
		args = append(args, "-d", abs)
	}
	if cfg.File != "" {
		args = append(args, "-f", cfg.File)
	}
	for _, d := range o.defines {
		args = append(args, "-D", d)
	}
	for _, c := range o.before {
		args = append(args, "-C", c)
	}
	for _, c := range o.after {
		args = append(args, "-c", c)
	}
	if o.noDocRoot {
		args = append(args, "-T")
	}
	return args
}
