package server

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"modpy/internal/config"
	"modpy/internal/httpd"
	"modpy/internal/loglevel"
	"modpy/internal/python"
	"modpy/internal/redispool"
	"modpy/internal/relay"
	"modpy/internal/request"
	"modpy/internal/scoreboard"
	"modpy/internal/status"
	pysrc "modpy/python"
)

// Version is modpy's version, shown in the Server header and logs.
const Version = "0.1.0"

// Server is one worker: the config, the embedded Python runtime, the logs
// and the HTTP servers on every Listen socket.
type Server struct {
	cfg       *config.Config
	rt        *python.Runtime
	logs      logFiles
	errlog    *errorLog
	pid       int
	vhosts    map[*config.Server]*vhost
	main      *vhost
	onStuck   func()              // see OnStuck
	onRecycle func()              // see OnRecycle
	rss       func() int64        // see SetRSS
	slot      *scoreboard.Slot    // this worker's (nil with -X)
	board     *scoreboard.Board   // the master's and its children's (nil with -X)
	unpublish chan struct{}       // closed at Shutdown: publish stops
	access    *config.AccessFiles // .htaccess reader; nil when no AllowOverride allows one

	// For the status page and metrics (internal/status; status.go).
	started  time.Time
	served   *atomic.Uint64 // requests finished (in the scoreboard under the master)
	active   *atomic.Int64  // requests in progress
	counters struct {
		served atomic.Uint64
		active atomic.Int64
	}
	stopping atomic.Bool
	status   *status.Reporter
	banner   string // the Server header (ServerTokens)

	tlsBase *tls.Config // every TLS listener's: picks the vhost's by SNI (mod_ssl.go)
	// sslLoaded: the configuration has mod_ssl (LoadModule ssl_module, or
	// a server with SSLEngine on).
	sslLoaded bool
	ticketKey []byte // see SetTicketKey
	// relayKey (a worker's) is what its Modpy-Relay headers carry;
	// relayKeyHash (a group process's) is what its listener checks them
	// against (SetRelayKey).
	relayKey, relayKeyHash []byte

	procGroup     *config.ProcessGroup    // see SetProcessGroup (group.go)
	needUserGroup func(user string) error // see OnNeedUserGroup (group.go)
	groups        groupRole               // a worker's relay to the groups (relay.go)

	mu      sync.Mutex
	servers []*httpd.Server
	wg      sync.WaitGroup
}

// vhost is the runtime side of a config.Server: its logs and what
// mod_python's server object shows.
type vhost struct {
	conf    *config.Server
	h2      *httpd.H2Settings // mod_http2's settings for its connections (mod_http2.go)
	h2Offer string            // the Upgrade field of a connection's first response ("": none)
	name    string            // ServerName, inherited from the main server if unset
	errlog  *errorLog
	access  []*accessLog
	info    *request.Server
	tls     *tls.Config // its TLS handshakes' (mod_ssl.go); nil without SSLEngine on
}

// New prepares a server for cfg: it opens the logs and compiles the log
// formats. Python is not started until Start.
func New(cfg *config.Config) (*Server, error) {
	s := &Server{cfg: cfg, pid: os.Getpid(), vhosts: map[*config.Server]*vhost{}, started: time.Now(),
		unpublish: make(chan struct{})}
	s.served, s.active = &s.counters.served, &s.counters.active
	s.banner = banner(cfg.ServerTokens)
	s.initGroupRole()
	s.status = status.New(status.Facts{Version: Version, Pid: s.pid, Started: s.started,
		ThreadsPerChild: cfg.Process.ThreadsPerChild}, (*statusSource)(s))
	if cfg.HasOverrides() {
		s.access = cfg.AccessFiles()
	}
	var err error
	if s.main, err = s.newVhost(cfg.Main, nil); err != nil {
		return nil, err
	}
	s.errlog = s.main.errlog
	for _, v := range cfg.VHosts {
		if _, err := s.newVhost(v, s.main); err != nil {
			return nil, err
		}
	}
	for _, n := range cfg.Notices {
		s.errlog.logf(levelNotice, "%s: %s", n.Pos, n.Msg)
	}
	return s, nil
}

func (s *Server) newVhost(c *config.Server, main *vhost) (*vhost, error) {
	v := &vhost{conf: c, name: c.ServerName}
	if v.name == "" {
		if main != nil {
			v.name = main.name
		} else if h, err := os.Hostname(); err == nil {
			v.name = h
		} else {
			v.name = "localhost"
		}
	}
	// Error log: the vhost's own, else the main server's.
	if c.ErrorLog != "" || main == nil {
		out, err := s.logs.open(c.ErrorLog)
		if err != nil {
			pos := c.ErrorLogPos // the directive's line
			if pos == (config.Pos{}) {
				pos = c.Pos
			}
			return nil, fmt.Errorf("%s: ErrorLog: %w", pos, err)
		}
		v.errlog = &errorLog{out: out, level: c.Level, pid: s.pid}
	} else {
		v.errlog = main.errlog
		if c.LogLevel != "" {
			v.errlog = &errorLog{out: main.errlog.out, level: c.Level, pid: s.pid}
		}
	}
	// Access logs: a vhost with none of its own uses the main server's.
	if len(c.CustomLogs) == 0 && main != nil {
		v.access = main.access
	}
	for _, cl := range c.CustomLogs {
		f, err := compileFormat(cl.Format)
		if err != nil {
			return nil, fmt.Errorf("%s: CustomLog: %w", cl.Pos, err)
		}
		out, err := s.logs.open(cl.Target)
		if err != nil {
			return nil, fmt.Errorf("%s: CustomLog: %w", cl.Pos, err)
		}
		v.access = append(v.access, &accessLog{out: out, format: f})
	}
	defines := make([]string, 0, len(s.cfg.Defines))
	for name := range s.cfg.Defines {
		defines = append(defines, name)
	}
	slices.Sort(defines)
	v.info = &request.Server{
		Hostname:   v.name,
		Port:       c.Port,
		Admin:      c.ServerAdmin,
		IsVirtual:  c.IsVirtual,
		DefnName:   c.Pos.File,
		DefnLine:   c.Pos.Line,
		Timeout:    s.cfg.Process.Timeout,
		ErrorFname: c.ErrorLogArg,
		LogLevel:   v.errlog.level,
		Names:      c.ServerAliases,
		Path:       c.ServerPath,
		// The server's own copies (Python may write to them).
		Options: s.pyConfig(c.Dir).Options.Clone(),
		Config:  s.pyConfig(c.Dir).Config.Clone(),

		KeepAlive:         s.cfg.Process.KeepAlive,
		KeepAliveTimeout:  s.cfg.Process.KeepAliveTimeout,
		KeepAliveMax:      s.cfg.Process.MaxKeepAliveRequests,
		LimitReqLine:      s.cfg.Process.LimitRequestLine,
		LimitReqFieldSize: s.cfg.Process.LimitRequestFieldSize,
		LimitReqFields:    s.cfg.Process.LimitRequestFields,
		RestartTime:       s.started,
		Threads:           s.cfg.Process.ThreadsPerChild,
		Root:              s.cfg.ServerRoot,
		Software:          s.banner,
		Defines:           defines,
	}
	// mod_python's server configuration has every Python* directive of
	// the server's scope but PythonInterpPerDirectory.
	v.info.Config.Del("PythonInterpPerDirectory")
	v.h2, v.h2Offer = h2Settings(c), protocolUpgrades(&c.HTTP2)
	s.vhosts[c] = v
	return v, nil
}

// vhost is the virtual host of config server c (the main server's for
// one it does not know).
func (s *Server) vhost(c *config.Server) *vhost {
	if v := s.vhosts[c]; v != nil {
		return v
	}
	return s.main
}

// relayConnRequests is how many requests a worker's connection to a group
// process serves before the process closes it. Whichever of the group's
// processes accepts a connection serves all its requests: one that kept
// its connections for ever would serve a worker's whole load alone (as it
// did: bench/wsgi.sh's 32 connections all went to one of two processes),
// while a connection made again is taken by any of them. 100, as Apache's
// MaxKeepAliveRequests, the group's limit before it was its own.
const relayConnRequests = 100

// relayLimits is c for a group's own listener: the worker applied the
// request line and header limits to the client's request already; the
// relayed one has more (Modpy-Relay, whose client certificates alone may
// pass LimitRequestFieldSize, and a Host the worker may add) and a
// longer line (an HTTP/2 request's :path is limited by LimitRequestLine,
// the relayed line adds the method and protocol to it). KeepAlive,
// MaxKeepAliveRequests and KeepAliveTimeout are the clients': a worker's
// pooled connection stays open while the pool may still hand it out
// (relay.MinGroupIdle), for relayConnRequests requests. A process takes
// as many connections as it has threads (MaxConns), as a mod_wsgi daemon
// process accepts one only with a thread free: one more waits for
// another process of the group.
func relayLimits(c httpd.Config, threads int) httpd.Config {
	c.KeepAlive, c.MaxKeepAliveRequests = true, relayConnRequests
	c.MaxConns = max(threads, 1)
	c.KeepAliveTimeout = max(c.KeepAliveTimeout, relay.MinGroupIdle)
	c.LimitRequestLine = max(c.LimitRequestLine, httpd.DefaultLimitRequestLine) + 64<<10
	c.LimitRequestFieldSize = max(c.LimitRequestFieldSize, httpd.DefaultLimitRequestFieldSize) + 256<<10
	if c.LimitRequestFields >= 0 {
		c.LimitRequestFields = cmp.Or(c.LimitRequestFields, httpd.DefaultLimitRequestFields) + 2
	}
	return c
}

// Start initialises Python (main_interpreter), runs the PythonImports and
// serves on the listeners until Shutdown.
func (s *Server) Start(listeners []net.Listener) error {
	optimize := 0
	if s.cfg.PythonOptimize {
		optimize = 2
	}
	rt, err := python.Start(python.Options{
		Optimize:        optimize,
		Home:            s.cfg.WSGIPythonHome,
		SitePath:        s.cfg.WSGIPythonPath,
		FirstPath:       s.groupHome(),
		ThreadsPerChild: s.cfg.Process.ThreadsPerChild,
		Log:             s.errlog,
		MainServer:      s.main.info,
		Sources:         pysrc.FS,
		OnStuck:         s.stuck,
		OnCannotEnd:     s.cannotEnd,
		QueueWait:       s.status.ObserveQueueWait,
	})
	if err != nil {
		return err
	}
	s.rt = rt
	for _, imp := range s.cfg.PythonImports {
		if err := rt.Import(imp.Interpreter, imp.Module, imp.Func); err != nil {
			s.errlog.logf(levelError, "%s: %v", imp.Pos, err)
		}
	}
	for _, imp := range s.cfg.WSGIImports {
		if !s.importsHere(imp) {
			continue
		}
		if err := rt.ImportScript(wsgiInterpreterName(imp.Group), imp.Script); err != nil {
			s.errlog.logf(levelError, "%s: %v", imp.Pos, err)
		}
	}
	p := s.cfg.Process
	hcfg := httpd.Config{
		Timeout:               p.Timeout,
		KeepAlive:             p.KeepAlive,
		KeepAliveTimeout:      p.KeepAliveTimeout,
		MaxKeepAliveRequests:  p.MaxKeepAliveRequests,
		LimitRequestLine:      p.LimitRequestLine,
		LimitRequestFieldSize: p.LimitRequestFieldSize,
		LimitRequestFields:    p.LimitRequestFields,
		ServerHeader:          s.banner,
		// Pages for requests no virtual host took: the main server's
		// footer, with its name and port.
		Signature:            signature(s.cfg.Main.Dir.ServerSignature, s.banner, s.main.name, cmp.Or(s.cfg.Main.Port, 80), s.cfg.Main.AdminLink),
		HeaderReadTimeout:    readTimeout(p.RequestReadTimeout, stageHeader),
		BodyReadTimeout:      readTimeout(p.RequestReadTimeout, stageBody),
		HandshakeReadTimeout: readTimeout(p.RequestReadTimeout, stageHandshake),
		ErrorLog: func(level, msg string) {
			lv, ok := loglevel.Parse(level)
			if !ok {
				lv = levelWarn
			}
			s.errlog.Log(lv, "core", "", nil, msg)
		},
	}
	if s.anyH2Direct() {
		hcfg.H2Direct = s.h2Direct
	}
	s.sslSetup()
	tlsFor := s.listenTLS()
	for _, l := range listeners {
		hs := &httpd.Server{Config: hcfg, Handler: s, TLSFor: tlsFor, OnProtocolError: s.protocolError}
		if s.procGroup != nil && l.Addr().Network() == "unix" {
			// A group process's own listener: the workers relay to it
			// (relay.go), and only they can connect (SO_PEERCRED).
			hs.TLSFor, hs.TrustRelay, hs.RelayKeyHash = nil, true, s.relayKeyHash
			hs.TrustPeer = peerIsRoot
			hs.Config = relayLimits(hcfg, s.cfg.Process.ThreadsPerChild)
		}
		hs.ProtoHandlers = s.protoHandlers(hs) // mod_http2.go
		if s.hasConnHandler() {
			hs.ConnHandler = s.connHandler
		}
		s.mu.Lock()
		s.servers = append(s.servers, hs)
		s.mu.Unlock()
		s.wg.Add(1)
		go func(l net.Listener) {
			defer s.wg.Done()
			if err := hs.Serve(l); err != nil && !errors.Is(err, httpd.ErrServerClosed) {
				s.errlog.logf(levelError, "serving %s: %v", l.Addr(), err)
			}
		}(l)
	}
	s.errlog.logf(levelNotice, "modpy/%s (Python %s, %s) configured -- resuming normal operations",
		Version, python.Version(), runtime.Version())
	if s.slot != nil {
		s.slot.SetState(scoreboard.Ready)
		go s.status.Publish(s.unpublish)
	}
	return nil
}

// hasConnHandler reports whether any server has a PythonConnectionHandler.
func (s *Server) hasConnHandler() bool {
	if s.cfg.Main.PythonConnectionHandler != nil {
		return true
	}
	for _, v := range s.cfg.VHosts {
		if v.PythonConnectionHandler != nil {
			return true
		}
	}
	return false
}

// Hurry makes Shutdown close the connections waiting for a request now
// rather than when their keep-alive wait runs out (see httpd.Server.Hurry):
// for a stop that need not be graceful.
func (s *Server) Hurry() {
	s.mu.Lock()
	servers := append([]*httpd.Server(nil), s.servers...)
	s.mu.Unlock()
	for _, hs := range servers {
		hs.Hurry()
	}
}

// Shutdown stops accepting, lets the requests in flight finish and every
// connection end by itself (see httpd.Server.Shutdown; or ctx expire: then
// the connections left are closed) and closes the logs.
func (s *Server) Shutdown(ctx context.Context) error {
	if !s.stopping.Swap(true) && s.slot != nil {
		s.slot.SetState(scoreboard.Stopping)
		close(s.unpublish)
	}
	s.mu.Lock()
	servers := append([]*httpd.Server(nil), s.servers...)
	s.mu.Unlock()
	// Every listener's server drains at once: one after another, each
	// waiting out its keep-alive connections, the later ones would go on
	// accepting and keeping connections alive meanwhile.
	errs := make([]error, len(servers))
	var drains sync.WaitGroup
	for i, hs := range servers {
		drains.Go(func() { errs[i] = hs.Shutdown(ctx) })
	}
	drains.Wait()
	first := cmp.Or(errs...)
	s.wg.Wait()
	if s.rt != nil && first == nil {
		// Every request is over (not so after a deadline: then a
		// handler may still hold a thread, and the cleanups would wait).
		s.rt.RunServerCleanups()
	}
	redispool.CloseAll() // RedisSession's connections
	s.errlog.logf(levelNotice, "shutting down (pid %d)", s.pid)
	s.logs.closeAll()
	return first
}

// OnStuck sets what a worker does when a handler's thread is stuck in C code
// past PythonRequestTimeout (see python.Options.OnStuck): a worker under the
// master exits, so the master replaces it. Call it before Start.
func (s *Server) OnStuck(f func()) { s.onStuck = f }

// stuck logs a thread stuck in C code and hands over to onStuck.
func (s *Server) stuck(interp, what string) {
	if s.onStuck == nil {
		s.errlog.Log(levelError, "python", interp, nil, what+": still running well past PythonRequestTimeout, "+
			"its thread is stuck in C code (holding the GIL, or blocked) and cannot be interrupted; "+
			"restart modpy, or run it under the master, which replaces such a worker")
		return
	}
	s.errlog.Log(levelError, "python", interp, nil, fmt.Sprintf("%s: still running well past PythonRequestTimeout, "+
		"its thread is stuck in C code (holding the GIL, or blocked): this worker (pid %d) exits and the master replaces it", what, s.pid))
	s.slot.SetExit(scoreboard.Stuck, fmt.Sprintf("%s in interpreter %q stuck in C code past PythonRequestTimeout", what, interp))
	s.onStuck()
}

// RequestReadTimeout's stages.
const (
	stageHandshake = iota
	stageHeader
	stageBody
)

// readTimeout is RequestReadTimeout's stage (stageHeader...) for httpd;
// without mod_reqtimeout, none.
func readTimeout(rt *config.ReadTimeouts, stage int) httpd.ReadTimeout {
	if rt == nil {
		return httpd.ReadTimeout{}
	}
	st := [...]config.ReadTimeout{rt.Handshake, rt.Header, rt.Body}[stage]
	return httpd.ReadTimeout{Timeout: st.Timeout, MaxTimeout: st.MaxTimeout, MinRate: st.MinRate}
}

// PythonSaturated reports whether all ThreadsPerChild Python threads are
// taken by requests running in Python or queued for one of its threads, so
// that a new request would wait (false before Start). Connections between
// requests, or still sending theirs, take none.
func (s *Server) PythonSaturated() bool { return s.rt != nil && s.rt.Saturated() }

// pyConfig returns the Python configuration of dc, which the config
// package works out once per merged DirConfig.
// In a process group with request-timeout=, that is the
// PythonRequestTimeout of a section that sets none: a handler past it is
// interrupted, and one stuck in C code makes the process exit, so the
// master replaces it (mod_wsgi restarts a daemon process whose requests
// run past request-timeout).
func (s *Server) pyConfig(dc *config.DirConfig) *request.PyConfig {
	pc := s.cfg.PyConfig(dc)
	if g := s.procGroup; g != nil && g.RequestTimeout > 0 && pc.RequestTimeout == 0 {
		// A copy, not a cache keyed by pc: the config package's merge
		// cache is dropped and rebuilt when full, with new pointers, so
		// such a cache would only grow.
		c := *pc
		c.RequestTimeout = g.RequestTimeout
		return &c
	}
	return pc
}

// LogNotice writes msg to the main error log at notice level.
func (s *Server) LogNotice(msg string) { s.errlog.logf(levelNotice, "%s", msg) }
