package server

import (
	"bufio"
	"net"
	"net/netip"
	"time"

	"modpy/internal/request"
)

// PythonConnectionHandler: a handler that takes a whole connection before
// any HTTP is read (Apache's process_connection hook), for protocols of
// one's own on a Listen port of their own. The virtual server is picked by
// the local address alone (no Host header yet). The handler gets the
// connection object: conn.read, conn.readline, conn.write.

// connHandler is httpd.Server.ConnHandler.
func (s *Server) connHandler(nc net.Conn, local, remote netip.AddrPort, id uint64) bool {
	srv := s.cfg.SelectServer(local, "")
	h := srv.PythonConnectionHandler
	if h == nil || s.rt == nil {
		return false
	}
	vh := s.vhost(srv)
	req := request.New()
	req.Conn = &request.Conn{RemoteIP: addrIP(remote), RemotePort: int(remote.Port()),
		LocalIP: addrIP(local), LocalPort: int(local.Port()), ID: id, Base: vh.info}
	req.Server, req.Log, req.DocumentRoot = vh.info, vh.errlog, vh.conf.DocumentRoot
	req.Phase = phaseConnection
	req.Handlers = []request.Handler{{Spec: h.Spec}}
	req.Py = *s.pyConfig(srv.Dir)
	req.IO = &connIO{nc: nc, br: bufio.NewReader(nc), timeout: s.cfg.Process.Timeout}
	name := interpreterName(srv.Dir, vh.name, *h, nil)
	st, served, err := s.rt.RunConnection(name, req)
	s.interpPolicy(served, req.Py.MaxRequests)
	s.rt.Finish(req)
	if err != nil {
		vh.errlog.Log(levelError, "python", name, nil, "PythonConnectionHandler "+h.Spec+": "+err.Error())
	}
	return st != resDeclined
}

// phaseConnection is PythonConnectionHandler's phase name.
const phaseConnection = request.PhaseConnection

// connIO is request.IO over the raw connection: reads and writes go
// straight to the client, each bounded by Timeout.
type connIO struct {
	nc      net.Conn
	br      *bufio.Reader
	timeout time.Duration
	written int64
}

// Read reads from the client (conn.read), waiting at most Timeout.
func (c *connIO) Read(p []byte) (int, error) {
	if c.timeout > 0 {
		c.nc.SetReadDeadline(time.Now().Add(c.timeout))
	}
	return c.br.Read(p)
}

// Write writes to the client (conn.write), waiting at most Timeout.
func (c *connIO) Write(p []byte) (int, error) {
	if c.timeout > 0 {
		c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
	}
	n, err := c.nc.Write(p)
	c.written += int64(n)
	return n, err
}

// The rest of request.IO: nothing is buffered, there are no headers, and
// every write takes the slow path (it may block).
func (c *connIO) Flush() error                       { return nil }
func (c *connIO) HeadersSent() bool                  { return false }
func (c *connIO) BodyBytes() int64                   { return c.written }
func (c *connIO) TryWrite(p []byte, flush bool) bool { return false }

// KeepAlive is Apache's for a connection handler's connection: unknown.
func (c *connIO) KeepAlive() (state, keepalives int) { return 0, 0 }
