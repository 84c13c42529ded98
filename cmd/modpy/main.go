package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"modpy/internal/config"
	"modpy/internal/master"
	"modpy/internal/server"
	"modpy/internal/worker"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	os.Exit(run(os.Args[1:]))
}

// splitJoined turns httpd's joined forms ("-DFOO", "-fsite.conf") into
// separate arguments.
func splitJoined(args []string) []string {
	out := make([]string, 0, len(args))
	for _, a := range args {
		if len(a) > 2 && a[0] == '-' && a[1] != '-' && strings.ContainsRune("Dfdk", rune(a[1])) && a[2] != '=' {
			out = append(out, a[:2], a[2:])
			continue
		}
		out = append(out, a)
	}
	return out
}

func run(args []string) int {
	fs := flag.NewFlagSet("modpy", flag.ContinueOnError)
	file := fs.String("f", "", "configuration `file` (default: the zero-config, serving the current directory)")
	root := fs.String("d", "", "ServerRoot `directory` (default: the current directory)")
	var defines multiFlag
	fs.Var(&defines, "D", "define a `name` for <IfDefine> (repeatable)")
	test := fs.Bool("t", false, "check the configuration and exit: prints its notices and \"Syntax OK\", or the error")
	single := fs.Bool("X", false, "run one worker in the foreground (debug mode)")
	verb := fs.String("k", "", "control verb: start|stop|restart|graceful|graceful-stop")
	version := fs.Bool("v", false, "print the version and exit")
	if err := fs.Parse(splitJoined(args)); err != nil {
		return 2
	}
	if *version {
		fmt.Printf("modpy/%s\n", server.Version)
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "modpy: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	// As in httpd, a relative -f is relative to the ServerRoot given by -d.
	if *file != "" && *root != "" && !filepath.IsAbs(*file) {
		*file = filepath.Join(*root, *file)
	}
	// A worker: started by the master, which passed the sockets down.
	if v, ok := os.LookupEnv(master.WorkerEnv); ok {
		os.Unsetenv(master.WorkerEnv) // not for the processes handlers start
		n, err := strconv.Atoi(v)
		if err != nil {
			fmt.Fprintf(os.Stderr, "modpy: %s=%q\n", master.WorkerEnv, v)
			return 2
		}
		cfg, err := config.Load(config.LoadOptions{File: *file, ServerRoot: *root, Defines: defines})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return worker.Run(cfg, n)
	}
	load := func() (*config.Config, error) {
		return config.Load(config.LoadOptions{File: *file, ServerRoot: *root, Defines: defines})
	}
	cfg, err := load()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if *test {
		// What starting would log at notice level (directives accepted
		// but not acted on...), as httpd -t prints its warnings.
		for _, n := range cfg.Notices {
			fmt.Fprintf(os.Stderr, "%s: %s\n", n.Pos, n.Msg)
		}
		fmt.Fprintln(os.Stderr, "Syntax OK")
		return 0
	}
	if *single {
		if *verb != "" {
			fmt.Fprintln(os.Stderr, "modpy: -k and -X do not go together")
			return 2
		}
		return worker.Single(cfg)
	}
	// The master's and the workers' arguments: absolute paths, since a
	// relative -f was already joined to -d.
	var margs []string
	if *root != "" {
		abs, _ := filepath.Abs(*root)
		margs = append(margs, "-d", abs)
	}
	if *file != "" {
		abs, _ := filepath.Abs(*file)
		margs = append(margs, "-f", abs)
	}
	for _, d := range defines {
		margs = append(margs, "-D", d)
	}
	if *verb != "" {
		return master.Control(*verb, cfg, margs)
	}
	return master.Run(cfg, master.Options{Args: margs, Load: load, Version: server.Version})
}
