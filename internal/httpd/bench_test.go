package httpd

import (
	"bufio"
	"bytes"
	"io"
	"testing"
)

// BenchmarkServeHello measures a keep-alive GET on a real loopback TCP
// connection whose handler writes "hello": client and server, one request
// in flight at a time.
func BenchmarkServeHello(b *testing.B) {
	ts := startServer(b, Config{KeepAlive: true, ServerHeader: "Apache"}, hello)
	c := ts.dial(b)
	c.SetDeadline(timeZero)
	req := []byte("GET /hello HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
	buf := make([]byte, 4096)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		n := 0
		for !bytes.HasSuffix(buf[:n], []byte("\r\n\r\nhello")) {
			m, err := c.Read(buf[n:])
			if err != nil {
				b.Fatal(err)
			}
			n += m
		}
	}
}

// BenchmarkServeHelloPipelined sends 16 requests per write.
func BenchmarkServeHelloPipelined(b *testing.B) {
	ts := startServer(b, Config{KeepAlive: true, ServerHeader: "Apache"}, hello)
	c := ts.dial(b)
	c.SetDeadline(timeZero)
	one := "GET /hello HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n"
	var reqs []byte
	for range 16 {
		reqs = append(reqs, one...)
	}
	buf := make([]byte, 64<<10)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(reqs); err != nil {
			b.Fatal(err)
		}
		n, seen := 0, 0
		for seen < 16 {
			m, err := c.Read(buf[n:])
			if err != nil {
				b.Fatal(err)
			}
			seen += bytes.Count(buf[n:n+m], []byte("hello"))
			n += m
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*16), "ns/req")
}

// BenchmarkParseRequest measures the request head parser alone.
func BenchmarkParseRequest(b *testing.B) {
	raw := []byte("GET /index.html?x=1 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n" +
		"Accept: text/html,application/xhtml+xml\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate\r\n" +
		"Connection: keep-alive\r\nCookie: a=1; b=2\r\n\r\n")
	cfg := Config{}.withDefaults()
	rd := bytes.NewReader(raw)
	h := headParser{br: bufio.NewReaderSize(rd, readBufSize), cfg: &cfg}
	var hdr, tr = newTable(), newTable()
	var r Request
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		rd.Reset(raw)
		h.br.Reset(rd)
		r = Request{Header: hdr, Trailer: tr}
		if e := h.readRequest(&r); e != nil {
			b.Fatal(e.logMsg)
		}
	}
	_ = io.Discard
}
