// Command handover measures the two ways a worker can hand a request to a
// process group (issue 14): proxying it over a pooled connection to the
// group's abstract UNIX socket, or passing the accepted client socket to
// the group with SCM_RIGHTS. Each is measured on new client connections
// (one request each: the only way passing works without the group
// handing the socket back) and, for the proxy, on keep-alive ones too;
// "direct" is the worker answering itself, the floor.
//
// Usage: go run ./bench/handover [-n requests] [-c clients]
//
// The group is this program re-executed (HANDOVER_GROUP=1): a separate
// process, as a group is. The answer is a fixed 13-byte body; what is
// measured is the hand-over, not an application.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"
)

const answer = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nhello, world\n"

func main() {
	if os.Getenv("HANDOVER_GROUP") != "" {
		group(os.Getenv("HANDOVER_SOCK"))
		return
	}
	n := flag.Int("n", 20000, "requests per mode")
	clients := flag.Int("c", 8, "concurrent clients")
	flag.Parse()
	sock := fmt.Sprintf("@modpy-handover.%d", os.Getpid())
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "HANDOVER_GROUP=1", "HANDOVER_SOCK="+sock)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	defer cmd.Process.Kill()
	for i := 0; ; i++ {
		if c, err := net.Dial("unix", sock+".proxy"); err == nil {
			c.Close()
			break
		}
		if i > 200 {
			panic("group did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("| mode | client connections | requests | req/s | mean latency (µs) | p50 (µs) | p99 (µs) |\n|---|---|---:|---:|---:|---:|---:|\n")
	for _, m := range []struct {
		name      string
		keepalive bool
		serve     func(net.Conn, *worker)
	}{
		{"direct", true, serveDirect},
		{"proxy", true, serveProxy},
		{"direct", false, serveDirect},
		{"proxy", false, serveProxy},
		{"pass fd (SCM_RIGHTS)", false, servePass},
	} {
		run(m.name, m.keepalive, m.serve, sock, *n, *clients)
	}
}

// worker is the accepting side's state: its pooled proxy connections and
// its connection for passing descriptors.
type worker struct {
	sock string
	mu   sync.Mutex
	idle []*pconn
	pass *net.UnixConn
}

type pconn struct {
	c  net.Conn
	br *bufio.Reader
}

func run(name string, keepalive bool, serve func(net.Conn, *worker), sock string, n, clients int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	w := &worker{sock: sock}
	pc, err := net.Dial("unix", sock+".pass")
	if err != nil {
		panic(err)
	}
	w.pass = pc.(*net.UnixConn)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c, w)
		}
	}()
	addr := ln.Addr().String()
	lat := make([]time.Duration, n)
	var next sync.Mutex
	i := 0
	start := time.Now()
	var wg sync.WaitGroup
	for k := 0; k < clients; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c net.Conn
			var br *bufio.Reader
			for {
				next.Lock()
				j := i
				i++
				next.Unlock()
				if j >= n {
					break
				}
				t0 := time.Now()
				if c == nil {
					if c, err = net.Dial("tcp", addr); err != nil {
						panic(err)
					}
					br = bufio.NewReader(c)
				}
				hdr := "Connection: keep-alive"
				if !keepalive {
					hdr = "Connection: close"
				}
				fmt.Fprintf(c, "GET /hello HTTP/1.1\r\nHost: x\r\n%s\r\n\r\n", hdr)
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					panic(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if !keepalive {
					c.Close()
					c = nil
				}
				lat[j] = time.Since(t0)
			}
			if c != nil {
				c.Close()
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	ln.Close()
	w.pass.Close()
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	conns := "keep-alive"
	if !keepalive {
		conns = "one per request"
	}
	fmt.Printf("| %s | %s | %d | %.0f | %.0f | %.0f | %.0f |\n", name, conns, n, float64(n)/el.Seconds(),
		float64(sum.Microseconds())/float64(n), us(lat[n/2]), us(lat[n*99/100]))
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

// readHead reads one request head (the worker must, to pick the group).
func readHead(br *bufio.Reader) (*http.Request, error) { return http.ReadRequest(br) }

func serveDirect(c net.Conn, _ *worker) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		r, err := readHead(br)
		if err != nil {
			return
		}
		io.WriteString(c, answer)
		if r.Close {
			return
		}
	}
}

// serveProxy relays each request over a pooled keep-alive connection to
// the group and copies the answer back.
func serveProxy(c net.Conn, w *worker) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		r, err := readHead(br)
		if err != nil {
			return
		}
		w.mu.Lock()
		var p *pconn
		if len(w.idle) > 0 {
			p = w.idle[len(w.idle)-1]
			w.idle = w.idle[:len(w.idle)-1]
		}
		w.mu.Unlock()
		if p == nil {
			gc, err := net.Dial("unix", w.sock+".proxy")
			if err != nil {
				panic(err)
			}
			p = &pconn{c: gc, br: bufio.NewReader(gc)}
		}
		fmt.Fprintf(p.c, "%s %s HTTP/1.1\r\nHost: %s\r\nModpy-Relay: remote=%s&local=%s&proto=HTTP%%2F1.1&start=%d&conn=1&keepalive=0\r\n\r\n",
			r.Method, r.RequestURI, r.Host, c.RemoteAddr(), c.LocalAddr(), time.Now().UnixNano())
		resp, err := http.ReadResponse(p.br, r)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		w.mu.Lock()
		w.idle = append(w.idle, p)
		w.mu.Unlock()
		out := bufio.NewWriter(c)
		fmt.Fprintf(out, "HTTP/1.1 %s\r\nContent-Length: %d\r\nContent-Type: %s\r\n\r\n", resp.Status, len(body), resp.Header.Get("Content-Type"))
		out.Write(body)
		out.Flush()
		if r.Close {
			return
		}
	}
}

// servePass reads the request head, then passes the client socket and
// the bytes read so far to the group, which answers the client itself.
func servePass(c net.Conn, w *worker) {
	br := bufio.NewReader(c)
	if _, err := br.Peek(1); err != nil {
		c.Close()
		return
	}
	// The head must be read to choose the group: the group gets it again.
	n := br.Buffered()
	head, _ := br.Peek(n)
	f, err := c.(*net.TCPConn).File()
	if err != nil {
		panic(err)
	}
	rights := syscall.UnixRights(int(f.Fd()))
	msg := append(strconv.AppendInt(nil, int64(len(head)), 10), '\n')
	msg = append(msg, head...)
	w.mu.Lock()
	_, _, err = w.pass.WriteMsgUnix(msg, rights, nil)
	w.mu.Unlock()
	if err != nil {
		panic(err)
	}
	f.Close()
	c.Close()
}

// group is the group process: it answers proxied requests on
// sock+".proxy" and passed client sockets on sock+".pass".
func group(sock string) {
	pl, err := net.Listen("unix", sock+".proxy")
	if err != nil {
		panic(err)
	}
	fl, err := net.Listen("unix", sock+".pass")
	if err != nil {
		panic(err)
	}
	go func() {
		for {
			c, err := fl.Accept()
			if err != nil {
				return
			}
			go receive(c.(*net.UnixConn))
		}
	}()
	for {
		c, err := pl.Accept()
		if err != nil {
			return
		}
		go serveDirect(c, nil)
	}
}

func receive(uc *net.UnixConn) {
	buf := make([]byte, 64<<10)
	oob := make([]byte, syscall.CmsgSpace(4))
	for {
		n, oobn, _, _, err := uc.ReadMsgUnix(buf, oob)
		if err != nil {
			return
		}
		msgs, err := syscall.ParseSocketControlMessage(oob[:oobn])
		if err != nil || len(msgs) != 1 {
			panic("no descriptor")
		}
		fds, err := syscall.ParseUnixRights(&msgs[0])
		if err != nil {
			panic(err)
		}
		nl := 0
		for buf[nl] != '\n' {
			nl++
		}
		hl, _ := strconv.Atoi(string(buf[:nl]))
		head := append([]byte(nil), buf[nl+1:nl+1+hl]...)
		_ = n
		f := os.NewFile(uintptr(fds[0]), "client")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			panic(err)
		}
		go func() {
			defer c.Close()
			// The passed head is the request (one per connection here);
			// a real group would parse it and go on reading from c.
			if _, err := http.ReadRequest(bufio.NewReader(io.MultiReader(bytesReader(head), c))); err != nil {
				return
			}
			io.WriteString(c, answer)
		}()
	}
}

type byteReader struct{ b []byte }

func (r *byteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func bytesReader(b []byte) io.Reader { return &byteReader{b} }
