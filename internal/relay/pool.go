package relay

import (
	"bufio"
	"net"
	"sync"
	"syscall"
	"time"
)

// MinGroupIdle is the least a group keeps a worker's idle connection open
// (its KeepAliveTimeout on its own socket, whatever the site's).
const MinGroupIdle = 5 * time.Second

// maxIdleAge is how long an idle connection to a group stays in the pool:
// well under MinGroupIdle, so the group never closes one the worker is
// about to use.
const maxIdleAge = 2 * time.Second

// maxIdlePerGroup bounds the idle connections kept to one group socket.
const maxIdlePerGroup = 64

// Conn is one keep-alive connection to a group's socket, with its
// buffered reader and writer.
type Conn struct {
	net.Conn
	R    *bufio.Reader
	W    *bufio.Writer
	addr string
	idle time.Time
	// Reused says the connection came from the pool (it served a request
	// before).
	Reused bool
}

// Pool keeps idle connections to the groups' sockets, by address. Its
// zero value is ready to use; it is safe for concurrent use.
type Pool struct {
	mu   sync.Mutex
	idle map[string][]*Conn
}

// Get is an idle connection to addr (an abstract socket "@..." or a path)
// if the pool has one, else a new one; the error is the dial's. With
// probe, an idle one is first checked to be still open at the group's end
// (a system call): for a request that could not be sent again on another
// connection (one with a body). Without, a request sent on a connection
// the group had closed fails with EPIPE or ECONNRESET, and its sender
// sends it again on a new one.
func (p *Pool) Get(addr string, probe bool) (*Conn, error) {
	now := time.Now()
	for {
		p.mu.Lock()
		list := p.idle[addr]
		if len(list) == 0 {
			p.mu.Unlock()
			return Dial(addr)
		}
		c := list[len(list)-1]
		p.idle[addr] = list[:len(list)-1]
		p.mu.Unlock()
		if now.Sub(c.idle) > maxIdleAge || c.R.Buffered() > 0 || probe && !c.alive() {
			c.Close()
			continue
		}
		c.Reused = true
		return c, nil
	}
}

// alive reports whether the idle c is still open at the group's end
// (nothing to read, no EOF): a group process that ended (recycled, died)
// closed it, and the request must not be sent there.
func (c *Conn) alive() bool {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return true
	}
	// Its last deadline (Put keeps it: the next request sets its own)
	// would fail the probe unmade.
	c.SetReadDeadline(time.Time{})
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	live := false
	var b [1]byte
	rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		_ = n
		live = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
		return true
	})
	return live
}

// Address is the group socket c is connected to.
func (c *Conn) Address() string { return c.addr }

// Dial connects to addr once.
func Dial(addr string) (*Conn, error) {
	nc, err := net.DialTimeout("unix", addr, time.Second)
	if err != nil {
		return nil, err
	}
	return &Conn{Conn: nc, R: bufio.NewReaderSize(nc, 16<<10), W: bufio.NewWriterSize(nc, 16<<10), addr: addr}, nil
}

// Put gives c back for the next request to its group: only a connection
// whose last response was read to its end and that may stay open.
func (p *Pool) Put(c *Conn) {
	c.idle = time.Now()
	p.mu.Lock()
	if p.idle == nil {
		p.idle = make(map[string][]*Conn)
	}
	if len(p.idle[c.addr]) >= maxIdlePerGroup {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.idle[c.addr] = append(p.idle[c.addr], c)
	p.mu.Unlock()
}

// CloseIdle closes the pool's idle connections.
func (p *Pool) CloseIdle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for a, list := range p.idle {
		for _, c := range list {
			c.Close()
		}
		delete(p.idle, a)
	}
}
