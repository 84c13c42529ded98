package httpd

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"modpy/internal/relay"
)

// relayEcho answers with the request's connection facts and whether the
// handler saw a Modpy-Relay field.
func relayEcho(w *Response, r *Request) {
	_, seen := r.Header.Get(relay.Header)
	proto := ""
	if r.Relay != nil {
		proto = r.Relay.Proto
	}
	fmt.Fprintf(w, "remote=%s local=%s conn=%d ka=%d tls=%v proto=%s start=%d seen=%v",
		r.RemoteAddr, r.LocalAddr, r.ConnID, r.KeepAlives, r.TLS != nil, proto, r.Received.UnixNano(), seen)
}

func readBody(t *testing.T, c net.Conn) string {
	t.Helper()
	resp, err := readRelayResp(bufio.NewReader(c))
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// readResponse reads one response with a Content-Length body.
func readRelayResp(br *bufio.Reader) (string, error) {
	n := -1
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ": "); ok && strings.EqualFold(k, "Content-Length") {
			fmt.Sscan(v, &n)
		}
	}
	b := make([]byte, n)
	_, err := io.ReadFull(br, b)
	return string(b), err
}

// TestRelayIgnoredOnTCP: a Modpy-Relay a client sends over TCP changes
// nothing and is removed before the handler sees the request.
func TestRelayIgnoredOnTCP(t *testing.T) {
	ts := startServer(t, Config{}, relayEcho)
	c := ts.dial(t)
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n%s: remote=9.9.9.9:1&https=on&protocol=772&cipher=4865\r\nConnection: close\r\n\r\n", relay.Header)
	got := readBody(t, c)
	local := c.RemoteAddr().String()
	if strings.Contains(got, "9.9.9.9") || !strings.Contains(got, "local="+local) ||
		!strings.Contains(got, "tls=false") || !strings.Contains(got, "seen=false") {
		t.Fatalf("got %q", got)
	}
}

// TestRelayTrusted: on a server with TrustRelay (a group's UNIX
// listener) the request's connection facts are Modpy-Relay's, and the
// field is gone from the header.
func TestRelayTrusted(t *testing.T) {
	name := fmt.Sprintf("@modpy-relay-test.%d", time.Now().UnixNano())
	ln, err := net.Listen("unix", name)
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Config: Config{KeepAlive: true, ErrorLog: func(string, string) {}}, Handler: HandlerFunc(relayEcho), TrustRelay: true}
	go srv.Serve(ln)
	t.Cleanup(func() { ln.Close() })
	c, err := net.Dial("unix", name)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	in := relay.Info{Remote: netip.MustParseAddrPort("192.0.2.7:5555"), Local: netip.MustParseAddrPort("127.0.0.1:443"),
		Proto: "HTTP/2.0", Start: time.Unix(0, 99), ConnID: 77, KeepAlives: 2,
		HTTPS: true, TLSVersion: 0x0304, Cipher: 0x1301}
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n%s: %s\r\n\r\n", relay.Header, relay.Encode(&in))
	br := bufio.NewReader(c)
	got, err := readRelayResp(br)
	if err != nil {
		t.Fatal(err)
	}
	want := "remote=192.0.2.7:5555 local=127.0.0.1:443 conn=77 ka=2 tls=true proto=HTTP/2.0 start=99 seen=false"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	// A bad one is refused, and the connection closed.
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n%s: remote=nonsense\r\n\r\n", relay.Header)
	line, _ := br.ReadString('\n')
	if !strings.HasPrefix(line, "HTTP/1.1 400") {
		t.Fatalf("bad Modpy-Relay: %q", line)
	}
}

// TestRelayKey: a listener given the relay key's hash takes a
// Modpy-Relay that carries the key, and refuses (400) one without it or
// with another, and a request with no Modpy-Relay at all: only a worker,
// which holds the key, vouches for a client or sends a request.
func TestRelayKey(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	hash := sha256.Sum256(key)
	name := fmt.Sprintf("@modpy-relay-key-test.%d", time.Now().UnixNano())
	ln, err := net.Listen("unix", name)
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Config: Config{KeepAlive: true, ErrorLog: func(string, string) {}}, Handler: HandlerFunc(relayEcho), TrustRelay: true, RelayKeyHash: hash[:]}
	go srv.Serve(ln)
	t.Cleanup(func() { ln.Close() })
	for _, tc := range []struct {
		what   string
		key    []byte
		want   string
		header bool
	}{
		{"no Modpy-Relay", nil, "HTTP/1.1 400", false},
		{"the key", key, "HTTP/1.1 200", true},
		{"no key", nil, "HTTP/1.1 400", true},
		{"another key", []byte("fedcba9876543210fedcba9876543210"), "HTTP/1.1 400", true},
	} {
		c, err := net.Dial("unix", name)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		in := relay.Info{Remote: netip.MustParseAddrPort("192.0.2.7:5555"), Key: tc.key}
		field := ""
		if tc.header {
			field = relay.Header + ": " + relay.Encode(&in) + "\r\n"
		}
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n", field)
		line, _ := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if !strings.HasPrefix(line, tc.want) {
			t.Errorf("%s: %q, want %s", tc.what, line, tc.want)
		}
	}
}
