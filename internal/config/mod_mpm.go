package config

import (
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"
)

// mpmModule is Apache's MPM (mpm_event, mpm_worker and mpm_prefork, with
// mpm_common's Listen and PidFile): modpy's process model takes all their
// names. MaxMemoryPerChild is modpy's own.
var mpmModule = &module{
	name:    "mpm_event_module",
	also:    []string{"mpm_worker_module", "mpm_prefork_module", "event.c", "worker.c", "prefork.c"},
	builtin: true,
	directives: []*directive{
		{name: "Listen", ctx: cMain, min: 1, max: 2, usage: "[IP:]port [protocol]", fn: dListen},
		{name: "PidFile", ctx: cMain, min: 1, max: 1, usage: "file", fn: func(p *parser, c *call) error {
			p.cfg.PidFile = p.abs(c.args[0])
			return nil
		}},
		{name: "StartServers", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
		{name: "ServerLimit", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
		{name: "ThreadsPerChild", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
		{name: "MaxRequestWorkers", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
		{name: "MaxClients", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
		{name: "MaxConnectionsPerChild", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
		{name: "MaxMemoryPerChild", ctx: cMain, min: 1, max: 1, usage: "size (bytes, or with K, M or G; 0 = never)", fn: dMaxMemory},
		{name: "MaxRequestsPerChild", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
		{name: "MinSpareThreads", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
		{name: "MaxSpareThreads", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
		{name: "MinSpareServers", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
		{name: "MaxSpareServers", ctx: cMain, min: 1, max: 1, usage: "number", fn: dProcessInt},
		{name: "GracefulShutdownTimeout", ctx: cMain, min: 1, max: 1, usage: "seconds (0 = no limit)", fn: func(p *parser, c *call) error {
			n, err := c.number(c.args[0], 0, math.MaxInt32)
			if err != nil {
				return err
			}
			p.cfg.Process.GracefulShutdownTimeout = time.Duration(n) * time.Second
			return nil
		}},

		// Accepted, not acted on.
		{name: "ThreadLimit", ctx: cMain, min: 1, max: 1, note: noteMPM},
		{name: "ThreadStackSize", ctx: cMain, min: 1, max: 1, note: noteMPM},
		{name: "MaxMemFree", ctx: cMain, min: 1, max: 1, note: noteMPM},
		{name: "AsyncRequestWorkerFactor", ctx: cMain, min: 1, max: 1, note: noteMPM},
		{name: "ListenBacklog", ctx: cMain, min: 1, max: 1, note: noteIgnored},
		{name: "ListenCoresBucketsRatio", ctx: cMain, min: 1, max: 1, note: noteIgnored},
		{name: "ScoreBoardFile", ctx: cMain, min: 1, max: 1, note: noteMPM},
		{name: "CoreDumpDirectory", ctx: cMain, min: 1, max: 1, note: noteIgnored},
		{name: "EnableExceptionHook", ctx: cMain, min: 1, max: 1, note: noteIgnored},
	},
}

// DefaultThreadsPerChild is ThreadsPerChild when the configuration does
// not set it (or sets 0): Load fills it in, so Process.ThreadsPerChild is
// never 0 in a Config from Load. It is mpm_event's default too.
const DefaultThreadsPerChild = 25

func dListen(p *parser, c *call) error {
	addr, err := parseListen(c.args[0])
	if err != nil {
		return c.errf("%v", err)
	}
	for _, l := range p.cfg.Listen {
		if l.Addr == addr {
			return c.errf("%s is already listened on (%s)", c.args[0], l.Pos)
		}
	}
	l := Listen{Addr: addr, Pos: c.pos}
	if len(c.args) == 2 {
		l.Proto = strings.ToLower(c.args[1])
	}
	p.cfg.Listen = append(p.cfg.Listen, l)
	return nil
}

// parseListen turns "8080", "1.2.3.4:8080" or "[::1]:8080" into a
// net.Listen address.
func parseListen(s string) (string, error) {
	port := s
	host := ""
	if !isDigits(s) {
		var err error
		host, port, err = net.SplitHostPort(s)
		if err != nil {
			return "", fmt.Errorf("bad address %q (want port, IP:port or [IPv6]:port)", s)
		}
	}
	if _, err := parsePort(port); err != nil {
		return "", fmt.Errorf("bad port in %q: %v", s, err)
	}
	return net.JoinHostPort(host, port), nil
}

func dProcessInt(p *parser, c *call) error {
	n64, err := c.number(c.args[0], 0, math.MaxInt32)
	if err != nil {
		return err
	}
	n := int(n64)
	pr := &p.cfg.Process
	switch c.d.name {
	case "StartServers":
		pr.StartServers = n
	case "ServerLimit":
		pr.ServerLimit = n
	case "ThreadsPerChild":
		pr.ThreadsPerChild = n
	case "MaxRequestWorkers", "MaxClients":
		pr.MaxRequestWorkers = n
	case "MaxConnectionsPerChild", "MaxRequestsPerChild":
		pr.MaxConnectionsPerChild = n
	case "MinSpareThreads":
		pr.MinSpareThreads = n
	case "MaxSpareThreads":
		pr.MaxSpareThreads = n
	case "MinSpareServers":
		pr.MinSpareServers = n
	case "MaxSpareServers":
		pr.MaxSpareServers = n
	}
	return nil
}

// dMaxMemory reads MaxMemoryPerChild: bytes, or a number with K, M or G
// (powers of 1024).
func dMaxMemory(p *parser, c *call) error {
	arg := strings.TrimSpace(c.args[0])
	mult := int64(1)
	if n := len(arg); n > 0 {
		switch arg[n-1] {
		case 'k', 'K':
			mult, arg = 1<<10, arg[:n-1]
		case 'm', 'M':
			mult, arg = 1<<20, arg[:n-1]
		case 'g', 'G':
			mult, arg = 1<<30, arg[:n-1]
		}
	}
	v, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || v < 0 || v > math.MaxInt64/mult {
		return c.errf("%q is not a size (bytes, or a number with K, M or G)", c.args[0])
	}
	p.cfg.Process.MaxMemoryPerChild = v * mult
	return nil
}
