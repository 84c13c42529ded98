package httpd

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// h2cClient is an HTTP/2 client speaking h2c by prior knowledge.
func h2cClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
}

var testH2 = &H2Settings{}

func h2Config() Config {
	return Config{KeepAlive: true, ServerHeader: "Apache", H2Direct: func(netip.AddrPort, *tls.ConnectionState) *H2Settings { return testH2 }}
}

func TestH2PriorKnowledge(t *testing.T) {
	ts := startServer(t, h2Config(), func(w *Response, r *Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Connection", "close")
		w.Header().Set("X-Proto", fmt.Sprint(r.Proto, " ", r.ProtoNum, " ", r.TheRequest, " ", r.Host, " ", r.Path, " ", r.RawQuery))
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "got %q trailer %q", body, r.Trailer.Value("X-T"))
	})
	c := h2cClient()
	req, _ := http.NewRequest("POST", "http://"+ts.addr+"/a%20b?q=1", io.MultiReader(strings.NewReader("abc")))
	req.Trailer = http.Header{"X-T": {"v"}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != 200 || string(b) != `got "abc" trailer "v"` {
		t.Fatalf("%s %d %q", resp.Proto, resp.StatusCode, b)
	}
	if got, want := resp.Header.Get("X-Proto"), "HTTP/2.0 2000 POST /a%20b?q=1 HTTP/2.0 127.0.0.1 /a b q=1"; got != want {
		t.Errorf("X-Proto %q, want %q", got, want)
	}
	if resp.Header.Get("Connection") != "" || resp.Header.Get("Server") != "Apache" || resp.Header.Get("Date") == "" ||
		resp.ContentLength != int64(len(b)) {
		t.Errorf("headers %v, length %d", resp.Header, resp.ContentLength)
	}

	// Many streams at once on one connection.
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			resp, err := c.Get(fmt.Sprintf("http://%s/n%d", ts.addr, i))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if !strings.Contains(resp.Header.Get("X-Proto"), fmt.Sprintf("/n%d", i)) || string(b) != `got "" trailer ""` {
				errs <- fmt.Errorf("stream %d: %v %q", i, resp.Header, b)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestH2Upgrade(t *testing.T) {
	ts := startServer(t, Config{KeepAlive: true}, func(w *Response, r *Request) {
		if r.ProtoNum == 1001 && w.SwitchToH2(testH2) {
			return
		}
		fmt.Fprintf(w, "%s %s %v", r.Proto, r.Path, r.Header.Entries())
	})
	c := ts.dial(t)
	fmt.Fprintf(c, "GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nX-A: 1\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 101 || resp.Header.Get("Upgrade") != "h2c" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	// The client's preface, then stream 1's response.
	io.WriteString(c, h2Preface)
	fr := http2.NewFramer(c, br)
	fr.WriteSettings()
	var body []byte
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		if d, ok := f.(*http2.DataFrame); ok && d.StreamID == 1 {
			body = append(body, d.Data()...)
			if d.StreamEnded() {
				break
			}
		}
	}
	if want := "HTTP/2.0 /up [{Host x} {X-A 1}]"; string(body) != want {
		t.Errorf("stream 1: %q, want %q", body, want)
	}
}

func TestH2OverTLS(t *testing.T) {
	cert := selfSigned(t)
	ts := startServer(t, Config{}, func(w *Response, r *Request) {
		fmt.Fprintf(w, "%s tls=%v alpn=%s", r.Proto, r.TLS != nil, r.TLS.NegotiatedProtocol)
	}, func(s *Server) {
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}
		s.ProtoHandlers = map[string]ProtoHandler{"h2": func(nc net.Conn, local, remote netip.AddrPort, id uint64) {
			s.ServeH2(nc, local, remote, id, testH2)
		}}
	})
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http2.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := c.Get("https://" + ts.addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.ProtoMajor != 2 || string(b) != "HTTP/2.0 tls=true alpn=h2" {
		t.Errorf("%s %q", resp.Proto, b)
	}
}
