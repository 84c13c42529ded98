package server

import (
	"bufio"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"modpy/internal/config"
	"modpy/internal/groupsock"
	"modpy/internal/httpd"
	"modpy/internal/relay"
	"modpy/internal/request"
	"modpy/internal/scoreboard"
)

// Process groups (mod_wsgi's daemon mode, issue 14), the worker's end: which
// group a request's Python runs in (requestGroup), and the relay of the
// whole request to that group's processes (relayTo) at the first point
// Python would run for it (rstate.call, before the body is read). The
// group's end: the process's own group (groupRole), its environ values,
// queue-timeout; httpd.Server.TrustRelay takes Modpy-Relay's facts.

// groupRole is a worker's side of the groups: the master's pid and
// generation, which name the groups' sockets, and its connections to them.
// (A group process's own group is Server.procGroup: SetProcessGroup.)
type groupRole struct {
	masterPid int
	gen       int
	pool      relay.Pool
	relays    bool     // the configuration has groups: the worker may relay
	keys      sync.Map // socket address -> its group's key (groupKey)
}

// groupKey is the key the requests relayed to the group socket addr carry
// (groupsock.GroupKey), derived once per socket rather than per request.
func (s *Server) groupKey(addr string) []byte {
	if k, ok := s.groups.keys.Load(addr); ok {
		return k.([]byte)
	}
	k := groupsock.GroupKey(s.relayKey, addr)
	s.groups.keys.Store(addr, k)
	return k
}

func (s *Server) initGroupRole() {
	g := &s.groups
	g.relays = len(s.cfg.Groups) > 0 || s.cfg.UserDirProcess != nil || s.cfg.RestrictEmbedded
	g.masterPid, _ = strconv.Atoi(os.Getenv(groupsock.MasterPidEnv))
	if g.masterPid == 0 {
		g.masterPid = os.Getppid()
	}
	g.gen, _ = strconv.Atoi(os.Getenv(groupsock.GenerationEnv))
}

// groupName is the name of the group this process serves ("": a worker).
func (s *Server) groupName() string {
	if s.procGroup == nil {
		return ""
	}
	return s.procGroup.Name
}

// requestGroup is the process group the request's Python runs in: the
// process-group= of its WSGIScriptAlias, else the section's
// WSGIProcessGroup/PythonProcessGroup expanded (%{GLOBAL}: embedded), else
// "~user" for a UserDir request under PythonUserDirProcess On; "" for
// embedded. userdir is the user of a "~user" group.
func (rs *rstate) requestGroup(dc *config.DirConfig) (name, user string) {
	script := wsgiScriptName(rs.req.URI, rs.req.PathInfo)
	if a := rs.wsgiAlias; a != nil && a.ProcessGroup != "" {
		return rs.wsgiExpand(a.ProcessGroup, script, true), ""
	}
	if dc == nil {
		dc = rs.vh.conf.Dir
	}
	if dc != nil && dc.ProcessGroup != nil {
		return rs.wsgiExpand(*dc.ProcessGroup, script, true), ""
	}
	if rs.userdirUser != "" && rs.s.cfg.UserDirProcess != nil {
		return groupsock.UserGroup(rs.userdirUser), rs.userdirUser
	}
	return "", ""
}

// groupGate decides, at a call into Python, where it runs: here (done
// false), or the request was relayed to its group, or refused (done true,
// st the result). In a group process it checks queue-timeout instead.
func (rs *rstate) groupGate(dc *config.DirConfig) (st int, done bool) {
	g := &rs.s.groups
	if c := rs.s.procGroup; c != nil {
		rs.groupQueue = false
		if c.QueueTimeout > 0 && rs.hr != nil && rs.hr.Relay != nil {
			// queue-timeout counts from the worker's receipt of the request
			// until a thread takes it: what is left of it bounds the wait
			// for one of the group's Python threads (call).
			left := c.QueueTimeout - time.Since(rs.hr.Received)
			if left <= 0 {
				return rs.groupQueueExpired(), true
			}
			if q := rs.req.Py.QueueTimeout; q <= 0 || left < q {
				rs.req.Py.QueueTimeout, rs.groupQueue = left, true
			}
		}
		return 0, false
	}
	if !g.relays || rs.relayed {
		return 0, false
	}
	name, user := rs.requestGroup(dc)
	if name == "" {
		if rs.s.cfg.RestrictEmbedded {
			rs.logError(levelError, "mod_wsgi (pid=%d): Embedded mode of mod_wsgi disabled by runtime configuration: %s", rs.s.pid, orURI(rs.req.Filename, rs.req.URI))
			rs.relayTried = true // nor its filters' (serve)
			return 500, true
		}
		return 0, false
	}
	return rs.relayTo(name, user), true
}

// workerGaveUp reports, in a group process, that the worker that relayed
// the request had stopped waiting for it (socket-timeout) before any of
// the response reached it: the worker answered the client (504) and wrote
// that request's access log line, so the group writes none. It finishes
// the response to find out.
func (rs *rstate) workerGaveUp(w *httpd.Response) bool {
	return rs.s.procGroup != nil && rs.hr.Relay != nil && !w.HeadersSent() && w.Finish() != nil
}

// groupQueueExpired logs mod_wsgi's line for a request that waited past
// the group's queue-timeout; mod_wsgi 4.9 answers it 504.
func (rs *rstate) groupQueueExpired() int {
	rs.logError(levelError, "mod_wsgi (pid=%d): Queue timeout expired for WSGI daemon process '%s'.", rs.s.pid, rs.s.procGroup.Name)
	return 504
}

// relayHopByHop are the fields that concern one connection only (RFC 9110
// 7.6.1), never relayed either way; Expect is the worker's (it answers
// 100 Continue as it reads the body), Modpy-Relay the worker's own.
var relayHopByHop = []string{"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer",
	"Transfer-Encoding", "Upgrade", "HTTP2-Settings", "Content-Length", "Expect", relay.Header}

func isHopByHop(k string, connTokens string) bool {
	for _, h := range relayHopByHop {
		if strings.EqualFold(k, h) {
			return true
		}
	}
	return connTokens != "" && tokenIn(connTokens, k)
}

// relayTo proxies the request to group name's processes and streams
// their answer to the client. The group writes the access log line.
func (rs *rstate) relayTo(name, user string) int {
	s := rs.s
	rs.relayTried = true
	where := orURI(rs.req.Filename, rs.req.URI)
	var gc *config.ProcessGroup
	if user != "" {
		gc = s.cfg.UserDirProcess
	} else if gc = s.cfg.ProcessGroup(name); gc == nil {
		rs.logError(levelError, "mod_wsgi (pid=%d): No WSGI daemon process called '%s' has been configured: %s", s.pid, name, where)
		return 500
	}
	if gc.VHost != nil && gc.VHost != rs.vh.conf {
		rs.logError(levelError, "mod_wsgi (pid=%d): Daemon process called '%s' cannot be accessed by this WSGI application: %s", s.pid, name, where)
		return 500
	}
	if rs.depth > 0 && rs.req.Phase != request.PhaseHandler {
		// A subrequest is relayed when it is run (its content handler:
		// mod_include's include virtual), the group running all its
		// phases; a lookup's Python phase cannot run in the group
		// without the rest of the request, so it fails closed.
		rs.logError(levelError, "modpy: the %s of a subrequest's lookup cannot run in WSGI daemon process '%s': %s", rs.req.Phase, name, where)
		return 500
	}
	addr := groupsock.Name(s.groups.masterPid, s.groups.gen, name)
	c, st := rs.relayConnect(gc, name, user, addr)
	if c == nil {
		return st
	}
	return rs.relayExchange(c, gc, name, user, addr)
}

// relayConnect is a connection to the group's socket: pooled, or new,
// retried with short sleeps until connect-timeout (asking the master once
// for a per-user group), else nil and 503; 404 for a per-user group's
// user the master would refuse.
func (rs *rstate) relayConnect(gc *config.ProcessGroup, name, user, addr string) (*relay.Conn, int) {
	s := rs.s
	// Probed before reuse only for a request with a body: one without is
	// sent again on a new connection if the pooled one was stale.
	c, err := s.groups.pool.Get(addr, rs.hr.ContentLength != 0 || rs.hr.Chunked)
	if err == nil && (c.Reused || s.groupReady(name)) {
		return c, 0
	}
	if c != nil {
		c.Close() // the master's socket took it, but no process serves it
		err = errGroupNotReady
	}
	timeout := gc.ConnectTimeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	deadline := time.Now().Add(timeout)
	if user != "" {
		// The master starts it; connect retries meanwhile. A user it
		// would refuse is not one UserDir serves Python for: 404.
		if err := s.NeedUserGroup(user); err != nil {
			rs.logError(levelError, "modpy: %v: refused", err)
			return nil, 404
		}
	}
	for delay := 5 * time.Millisecond; time.Now().Before(deadline); delay = min(2*delay, 100*time.Millisecond) {
		time.Sleep(min(delay, time.Until(deadline)))
		if !s.groupReady(name) {
			err = errGroupNotReady
			continue
		}
		if c, err = relay.Dial(addr); err == nil {
			return c, 0
		}
	}
	rs.logError(levelError, "mod_wsgi (pid=%d): Unable to connect to WSGI daemon process '%s' on '%s' after multiple attempts as listener backlog limit was exceeded or the socket does not exist: %v", s.pid, name, addr, err)
	return nil, 503
}

// relayExchange sends the request on c and relays the response. A
// connection the group closed before taking the request (staleConn: a
// pooled one it had closed, or a new one left in the socket of a group
// whose last process was ending) is replaced once, when the request has
// no body: through relayConnect, which starts a per-user group again.
func (rs *rstate) relayExchange(c *relay.Conn, gc *config.ProcessGroup, name, user, addr string) int {
	s, hr := rs.s, rs.hr
	noBody := hr.ContentLength == 0 && !hr.Chunked
	retried := false
	for {
		resp, err := rs.relaySend(c, gc)
		if err != nil && noBody && staleConn(err) {
			c.Close()
			if c.Reused {
				if nc, derr := relay.Dial(addr); derr == nil {
					c = nc
					continue
				}
			}
			if !retried {
				retried = true
				var st int
				if c, st = rs.relayConnect(gc, name, user, addr); c == nil {
					return st
				}
				continue
			}
		}
		if err != nil {
			c.Close()
			if isTimeoutErr(err) {
				rs.logError(levelError, "mod_wsgi (pid=%d): Timeout when reading response headers from daemon process '%s': %s", s.pid, name, orURI(rs.req.Filename, rs.req.URI))
				return 504
			}
			rs.logError(levelError, "mod_wsgi (pid=%d): Truncated or oversized response headers received from daemon process '%s': %s: %v", s.pid, name, orURI(rs.req.Filename, rs.req.URI), err)
			return 500
		}
		return rs.relayResponse(c, resp, gc, name)
	}
}

// errGroupNotReady: the master holds the group's socket, but the
// scoreboard shows no process of the group serving (starting, or failing
// to start): connecting would queue the request with nobody to take it.
var errGroupNotReady = errors.New("no process of the group is ready")

// peerIsRoot reports whether nc's peer runs as root (SO_PEERCRED): the
// one process besides a worker that may send a group a request, without
// a Modpy-Relay (httpd.Server.TrustPeer), as a root shell may.
func peerIsRoot(nc net.Conn) bool {
	uid, _, err := groupsock.PeerCred(nc)
	return err == nil && uid == 0
}

// groupReady reports whether the scoreboard shows a process of group name
// of this worker's generation (whose socket it relays to) serving: its
// state as the master recorded it. True without a scoreboard, and when
// the group has processes the board had no slot for: nothing to tell
// (connect-timeout then bounds the wait).
func (s *Server) groupReady(name string) bool {
	if s.board == nil {
		return true
	}
	for _, sl := range s.board.Live() {
		if sl.State() == scoreboard.Ready && sl.Generation() == s.groups.gen && sl.Group() == name {
			return true
		}
	}
	return s.board.Slotless(name) != 0
}

// relayBufs are the buffers a relay copies bodies through (32 KiB each):
// one per body in flight, not one made per request.
var relayBufs = sync.Pool{New: func() any { return new([32 << 10]byte) }}

// staleConn reports whether a request failed on a pooled connection the
// group had closed before taking the request: on a UNIX socket, a write
// to a closed peer fails with EPIPE, and a peer that closes with the
// request unread in its queue resets the connection. A clean end of the
// stream instead means the process read the request and died (or closed)
// while on it: that request is not sent again (mod_wsgi's 500), so a
// request that crashes its process cannot take a second one with it.

func staleConn(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func isTimeoutErr(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// socketTimeout is the group's socket-timeout (default: Timeout).
func (rs *rstate) socketTimeout(gc *config.ProcessGroup) time.Duration {
	if gc.SocketTimeout > 0 {
		return gc.SocketTimeout
	}
	if t := rs.s.cfg.Process.Timeout; t > 0 {
		return t
	}
	return 60 * time.Second
}

// relaySend writes the request (head, Modpy-Relay, body streamed) and reads
// the response head.
func (rs *rstate) relaySend(c *relay.Conn, gc *config.ProcessGroup) (*relay.Response, error) {
	hr := rs.hr
	st := rs.socketTimeout(gc)
	c.SetDeadline(time.Now().Add(st))
	w := c.W
	w.Reset(c.Conn)
	method, target := hr.Method, hr.RequestURI
	if rs.depth > 0 {
		// A subrequest: its own GET of its own URI, without a body.
		method, target = rs.req.Method, rs.req.UnparsedURI
	}
	w.WriteString(method)
	w.WriteByte(' ')
	w.WriteString(target)
	hdr := rs.relayHeader
	if hdr == nil {
		hdr = hr.Header
	}
	if _, ok := hdr.Get("Host"); !ok && hr.Host == "" {
		// An HTTP/1.0 request without Host: relayed as HTTP/1.1, the
		// group would refuse it (400).
		w.WriteString(" HTTP/1.0\r\n")
	} else {
		w.WriteString(" HTTP/1.1\r\n")
	}
	connTokens := hdr.Value("Connection")
	hasHost := false
	for _, e := range hdr.Entries() {
		if isHopByHop(e.Key, connTokens) {
			continue
		}
		if !hasHost && strings.EqualFold(e.Key, "Host") {
			hasHost = true
		}
		writeField(w, e.Key, e.Value)
	}
	if !hasHost && hr.Host != "" {
		h := hr.Host
		if strings.IndexByte(h, ':') >= 0 {
			h = "[" + h + "]"
		}
		if hr.Port != 0 {
			h += ":" + strconv.Itoa(hr.Port)
		}
		writeField(w, "Host", h)
	}
	in := relay.Info{Key: rs.s.groupKey(c.Address()), Remote: hr.RemoteAddr, Local: hr.LocalAddr, Proto: hr.Proto, Start: hr.Received,
		ConnID: hr.ConnID, KeepAlives: hr.KeepAlives, Sub: rs.depth > 0}
	if ka, _ := rs.w.KeepAlive(); ka == httpd.ConnKeepAlive {
		in.KeepOpen = true
	}
	if cs := hr.TLS; cs != nil {
		sid := ""
		if b, err := cs.ExportKeyingMaterial("modpy session id", nil, 32); err == nil {
			sid = hex.EncodeToString(b)
		}
		in.FromTLS(cs, sid)
	}
	var buf [256]byte
	w.WriteString(relay.Header)
	w.WriteString(": ")
	w.Write(relay.AppendEncode(buf[:0], &in))
	w.WriteString("\r\n")
	chunked := hr.Chunked || hr.ContentLength < 0
	switch {
	case chunked:
		w.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	case hr.ContentLength > 0:
		writeField(w, "Content-Length", strconv.FormatInt(hr.ContentLength, 10))
		w.WriteString("\r\n")
	default:
		w.WriteString("\r\n")
	}
	if err := rs.relayBody(c, chunked, st); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	if chunked || hr.ContentLength > 0 {
		// socket-timeout for the answer counts from the body's end.
		c.SetDeadline(time.Now().Add(st))
	}
	resp := relayResps.Get().(*relay.Response)
	if err := relay.ReadResponse(c.R, method == "HEAD", resp); err != nil {
		relayResps.Put(resp)
		return nil, err
	}
	return resp, nil
}

// relayResps are the response heads relayResponse reads (their field
// lists reused).
var relayResps = sync.Pool{New: func() any { return new(relay.Response) }}

func writeField(w *bufio.Writer, k, v string) {
	w.WriteString(k)
	w.WriteString(": ")
	w.WriteString(v)
	w.WriteString("\r\n")
}

// errClientBody marks a failure reading the client's body (not the group's).
var errClientBody = errors.New("reading the request body from the client")

// relayBody streams the client's body to the group, as it arrives.
func (rs *rstate) relayBody(c *relay.Conn, chunked bool, st time.Duration) error {
	hr := rs.hr
	if hr.ContentLength == 0 && !chunked {
		return nil
	}
	bp := relayBufs.Get().(*[32 << 10]byte)
	defer relayBufs.Put(bp)
	buf := bp[:]
	w := c.W
	for {
		n, err := hr.Body.Read(buf)
		if n > 0 {
			c.SetDeadline(time.Now().Add(st))
			if chunked {
				w.WriteString(strconv.FormatInt(int64(n), 16))
				w.WriteString("\r\n")
				w.Write(buf[:n])
				w.WriteString("\r\n")
			} else {
				w.Write(buf[:n])
			}
			if werr := w.Flush(); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return errors.Join(errClientBody, err)
		}
	}
	if chunked {
		w.WriteString("0\r\n\r\n")
	}
	return nil
}

// relayResponse copies the group's response to the client as it comes:
// status line, the fields but those of the connection, the body flushed
// whenever nothing more is waiting.
func (rs *rstate) relayResponse(c *relay.Conn, resp *relay.Response, gc *config.ProcessGroup, name string) int {
	defer relayResps.Put(resp)
	rs.relayed = true
	out := rs.w
	h := out.Header()
	h.Clear()
	// The fields in the order and case the group (the application)
	// gave them.
	closes := false
	for _, f := range resp.Fields {
		if !strings.EqualFold(f.Key, "Content-Length") && isHopByHop(f.Key, resp.Connection) || strings.EqualFold(f.Key, "Date") {
			// Modpy-Relay: close: the group's handler closes its
			// connection, the client's (its Connection field concerns
			// the group's).
			closes = closes || strings.EqualFold(f.Key, relay.Header) && f.Value == "close"
			continue
		}
		h.Add(f.Key, f.Value)
	}
	if closes {
		h.Set("Connection", "close")
	}
	out.SetStatus(resp.Status)
	out.SetStatusLine(resp.StatusLine)
	rs.req.Status = resp.Status
	body := resp.Body(c.R)
	st := rs.socketTimeout(gc)
	bp := relayBufs.Get().(*[32 << 10]byte)
	defer relayBufs.Put(bp)
	buf := bp[:]
	var err error
	for {
		if c.R.Buffered() == 0 {
			// A read that waits for the group: socket-timeout from now.
			// (What the head's read brought is read without waiting.)
			c.SetReadDeadline(time.Now().Add(st))
		}
		var n int
		n, err = body.Read(buf)
		if err == io.EOF {
			// The answer is read to its end: the connection goes back
			// before its last bytes reach the client, who may send its
			// next request (on another connection too) as soon as they
			// do. c is not used after this.
			if !resp.Close {
				rs.s.groups.pool.Put(c)
			} else {
				c.Close()
			}
			if n > 0 {
				out.Write(buf[:n]) // (a client gone: nothing more to do)
			}
			return resDone
		}
		if n > 0 {
			if _, werr := out.Write(buf[:n]); werr != nil {
				err = werr
				break
			}
			if c.R.Buffered() == 0 {
				out.Flush()
			}
		}
		if err != nil {
			break
		}
	}
	c.Close()
	rs.logError(levelError, "mod_wsgi (pid=%d): Truncated response received from daemon process '%s': %s: %v", rs.s.pid, name, orURI(rs.req.Filename, rs.req.URI), err)
	if out.HeadersSent() {
		out.Abort()
		return resDone
	}
	out.DiscardBody()
	return 500
}
