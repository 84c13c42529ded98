package tests

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// HTTP/2 (mod_http2): h2c by prior knowledge and by Upgrade, with curl
// (Debian's, built with nghttp2) and Go's own HTTP/2 client; every kind of
// handler answering over it as over HTTP/1.1.

// http2Site serves, with Protocols h2c http/1.1: /py/* (a mod_python
// handler: info, echo, stream, slow, headers), a static file, a WSGI app,
// an ErrorDocument, a denied location and a small LimitRequestBody.
const http2Conf = `Protocols h2c http/1.1
LimitRequestFieldSize 200
ErrorDocument 404 "gone away"
<Location /py>
    SetHandler mod_python
    PythonHandler h2h
    PythonPath "['{{DIR}}']+sys.path"
</Location>
<Location /py/limit>
    LimitRequestBody 10
</Location>
<Location /denied>
    Require all denied
</Location>
<Location /py/auth>
    AuthType Basic
    AuthName "h2"
    Require valid-user
    PythonAuthenHandler h2h
</Location>
<Location /py/oops>
    ErrorDocument 500 /x.txt
</Location>
WSGIScriptAlias /wsgi {{DIR}}/app.wsgi
`

var http2Files = map[string]string{
	"htdocs/x.txt": "hello static\n",
	"h2h.py": `import os, threading, time
from mod_python import apache

lock = threading.Lock()
running = [0, 0]  # now, most at once

def authenhandler(req):
    pw = req.get_basic_auth_pw()
    if req.user == "u" and pw == "p":
        return apache.OK
    return apache.HTTP_UNAUTHORIZED

def handler(req):
    req.content_type = "text/plain"
    what = req.uri.split("/")[-1]
    if what == "auth":
        req.write("user=%s" % req.user)
        return apache.OK
    if what == "info":
        req.add_cgi_vars()
        req.write("protocol=%s proto_num=%d the_request=%s SERVER_PROTOCOL=%s host=%s\n" % (
            req.protocol, req.proto_num, req.the_request, req.subprocess_env["SERVER_PROTOCOL"], req.headers_in.get("Host")))
        return apache.OK
    if what in ("echo", "limit"):
        body = req.read()
        req.write("read %d: %s" % (len(body), body.decode()))
        return apache.OK
    if what == "stream":
        for part, wait in (("first;", "go"), ("second;", "go2")):
            req.write(part)  # flushes
            for _ in range(200):
                if os.path.exists(os.path.join(os.path.dirname(__file__), wait)):
                    break
                time.sleep(0.05)
            else:
                req.write("(the client never got %r)" % part)
        req.write("third")
        return apache.OK
    if what == "slow":
        with lock:
            running[0] += 1
            running[1] = max(running)
        time.sleep(0.4)
        with lock:
            most = running[1]
            running[0] -= 1
        req.write("most=%d" % most)
        return apache.OK
    if what == "headers":
        req.headers_out["Connection"] = "close"
        req.headers_out["Keep-Alive"] = "timeout=5"
        req.headers_out["Upgrade"] = "websocket"
        req.headers_out["X-Kept"] = "yes"
        req.write("hop")
        return apache.OK
    if what == "gone":
        return apache.HTTP_NOT_FOUND
    return apache.HTTP_INTERNAL_SERVER_ERROR
`,
	"app.wsgi": `def application(environ, start_response):
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("%s %s %s" % (environ["SERVER_PROTOCOL"], environ["REQUEST_METHOD"], body.decode())).encode()]
`,
}

// curl runs curl with args and returns its output (headers with -i).
func curl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("curl", append([]string{"-sS", "--max-time", "20"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("curl %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestHTTP2PriorKnowledgeCurl(t *testing.T) {
	s := startSite(t, http2Conf, http2Files)
	out := curl(t, "-i", "--http2-prior-knowledge", s.URL+"/py/info")
	contains(t, "status", out, "HTTP/2 200")
	contains(t, "body", out, "protocol=HTTP/2.0 proto_num=2000 the_request=GET /py/info HTTP/2.0 SERVER_PROTOCOL=HTTP/2.0 host=127.0.0.1:")
	if strings.Contains(strings.ToLower(out), "connection:") {
		t.Errorf("a Connection field over HTTP/2:\n%s", out)
	}
	contains(t, "access log", s.accessLog(), `"GET /py/info HTTP/2.0" 200 `)

	// Static files, with their validators; HEAD; the ErrorDocument; access
	// control; a request body and LimitRequestBody; WSGI.
	out = curl(t, "-i", "--http2-prior-knowledge", s.URL+"/x.txt")
	contains(t, "static", out, "HTTP/2 200")
	contains(t, "static", out, "content-length: 13")
	contains(t, "static", out, "etag: ")
	contains(t, "static", out, "hello static")
	out = curl(t, "-I", "--http2-prior-knowledge", s.URL+"/x.txt")
	contains(t, "HEAD", out, "content-length: 13")
	if strings.Contains(out, "hello") {
		t.Errorf("HEAD with a body:\n%s", out)
	}
	out = curl(t, "-i", "--http2-prior-knowledge", s.URL+"/py/gone")
	contains(t, "ErrorDocument", out, "HTTP/2 404")
	contains(t, "ErrorDocument", out, "gone away")
	contains(t, "denied", curl(t, "-i", "--http2-prior-knowledge", s.URL+"/denied/x"), "HTTP/2 403")
	out = curl(t, "-i", "--http2-prior-knowledge", s.URL+"/py/auth")
	contains(t, "no credentials", out, "HTTP/2 401")
	contains(t, "no credentials", out, `www-authenticate: Basic realm="h2"`)
	contains(t, "authenticated", curl(t, "--http2-prior-knowledge", "-u", "u:p", s.URL+"/py/auth"), "user=u")
	// An internal redirect (ErrorDocument to a local URL) answers from
	// the static file.
	out = curl(t, "-i", "--http2-prior-knowledge", s.URL+"/py/oops")
	contains(t, "internal redirect", out, "HTTP/2 500")
	contains(t, "internal redirect", out, "hello static")
	contains(t, "echo", curl(t, "--http2-prior-knowledge", "--data-binary", "abc=1", s.URL+"/py/echo"), "read 5: abc=1")
	contains(t, "limit", curl(t, "-i", "--http2-prior-knowledge", "--data-binary", "0123456789abc", s.URL+"/py/limit"), "HTTP/2 413")
	contains(t, "wsgi", curl(t, "--http2-prior-knowledge", "--data-binary", "w", s.URL+"/wsgi"), "HTTP/2.0 POST w")
	// A header field over LimitRequestFieldSize: 431, as mod_http2 answers.
	out = curl(t, "-i", "--http2-prior-knowledge", "-H", "X-Big: "+strings.Repeat("b", 300), s.URL+"/py/info")
	contains(t, "LimitRequestFieldSize", out, "HTTP/2 431")
	log := s.accessLog()
	for _, want := range []string{`"GET /x.txt HTTP/2.0" 200 13`, `"HEAD /x.txt HTTP/2.0" 200 -`, `"GET /py/gone HTTP/2.0" 404`,
		`"GET /denied/x HTTP/2.0" 403`, `"GET /py/auth HTTP/2.0" 401`, `"GET /py/auth HTTP/2.0" 200`, `"GET /py/oops HTTP/2.0" 500`, `"POST /py/limit HTTP/2.0" 413`, `"POST /wsgi HTTP/2.0" 200`, `"GET /py/info HTTP/2.0" 431`} {
		contains(t, "access log", log, want)
	}
}

func TestHTTP2UpgradeCurl(t *testing.T) {
	s := startSite(t, http2Conf, http2Files)
	out := curl(t, "-i", "--http2", s.URL+"/py/info")
	contains(t, "101", out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n")
	contains(t, "stream 1", out, "HTTP/2 200")
	contains(t, "stream 1", out, "protocol=HTTP/2.0 proto_num=2000 the_request=GET /py/info HTTP/2.0")
	log := s.accessLog()
	contains(t, "access log", log, `"GET /py/info HTTP/1.1" 101 -`)
	contains(t, "access log", log, `"GET /py/info HTTP/2.0" 200 `)

	// A request with a body is not upgraded (mod_http2 declines it).
	out = curl(t, "-i", "--http2", "--data-binary", "abc", s.URL+"/py/echo")
	contains(t, "no upgrade with a body", out, "HTTP/1.1 200 OK")
	contains(t, "no upgrade with a body", out, "read 3: abc")
	// An HTTP/1.1 connection's first response offers h2c, as Apache's does.
	st, h, _ := s.do("GET", "/x.txt", "")
	if st != 200 || h.Get("Upgrade") != "h2c" || h.Get("Connection") != "Upgrade" {
		t.Errorf("first HTTP/1.1 response: %d, Upgrade %q, Connection %q", st, h.Get("Upgrade"), h.Get("Connection"))
	}
}

// TestHTTP2NotListed: without h2c in Protocols the preface is HTTP/1 junk
// and Upgrade is ignored.
func TestHTTP2NotListed(t *testing.T) {
	s := startSite(t, strings.Replace(http2Conf, "Protocols h2c http/1.1", "Protocols http/1.1", 1), http2Files)
	out := curl(t, "-i", "--http2", s.URL+"/py/info")
	contains(t, "no upgrade", out, "HTTP/1.1 200 OK")
	contains(t, "no upgrade", out, "protocol=HTTP/1.1")
	if raw := s.raw("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 5*time.Second); !strings.HasPrefix(raw, "HTTP/1.1 ") {
		t.Errorf("preface without h2c: %q", raw)
	}
}

// h2cClient is Go's HTTP/2 client speaking h2c by prior knowledge; dials
// counts the connections it opened.
func h2cClient(dials *atomic.Int32) *http.Client {
	return &http.Client{Timeout: 20 * time.Second, Transport: &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			dials.Add(1)
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
}

func TestHTTP2Multiplexing(t *testing.T) {
	s := startSite(t, http2Conf+"ThreadsPerChild 8\n", http2Files)
	var dials atomic.Int32
	c := h2cClient(&dials)
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := c.Get(s.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v\n%s", path, err, s.errorLog())
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	get("/py/info") // the connection, open before the streams

	// Six slow Python requests at once on that connection run side by side.
	var wg sync.WaitGroup
	bodies := make([]string, 6)
	for i := range bodies {
		wg.Go(func() { _, bodies[i] = get("/py/slow") })
	}
	wg.Wait()
	most := ""
	for _, b := range bodies {
		if !strings.HasPrefix(b, "most=") {
			t.Fatalf("slow: %q", b)
		}
		most = max(most, b)
	}
	if most == "most=1" {
		t.Errorf("the streams ran one after another: %v", bodies)
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}

	// Connection-specific fields never go out over HTTP/2, and the one
	// Connection: close a handler set does not end the connection.
	resp, body := get("/py/headers")
	if body != "hop" || resp.Header.Get("X-Kept") != "yes" {
		t.Errorf("headers: %v %q", resp.Header, body)
	}
	for _, k := range []string{"Connection", "Keep-Alive", "Upgrade", "Transfer-Encoding"} {
		if v := resp.Header.Values(k); len(v) > 0 {
			t.Errorf("%s: %q sent over HTTP/2", k, v)
		}
	}
	get("/py/info")
	if n := dials.Load(); n != 1 {
		t.Errorf("%d connections after Connection: close, want 1", n)
	}

	// Each flushed write reaches the client while the handler goes on.
	resp, err := c.Get(s.URL + "/py/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	for _, part := range [][2]string{{"first;", "go"}, {"second;", "go2"}} {
		got := make([]byte, len(part[0]))
		if _, err := io.ReadFull(br, got); err != nil || string(got) != part[0] {
			t.Fatalf("flushed %q, read %q %v", part[0], got, err)
		}
		if err := os.WriteFile(filepath.Join(s.Dir, part[1]), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rest, _ := io.ReadAll(br)
	if string(rest) != "third" {
		t.Errorf("after the flushes: %q", rest)
	}
	if n := strings.Count(s.accessLog(), `"GET /py/slow HTTP/2.0" 200`); n != 6 {
		t.Errorf("%d access log lines for /py/slow, want 6:\n%s", n, s.accessLog())
	}
}

func TestHTTP2ConfigErrors(t *testing.T) {
	wantConfigError(t, "ServerName x\nH2Push on\n", "site.conf:2: H2Push")
	wantConfigError(t, "ServerName x\n<Location />\nH2PushResource /a.css\n</Location>\n", "site.conf:3: H2PushResource")
	wantConfigError(t, "ServerName x\nH2WindowSize 12\n", "site.conf:2: H2WindowSize")
	out, ok := checkConfig(t, "ServerName x\nLoadModule http2_module modules/mod_http2.so\n<IfModule http2_module>\nProtocols h2 h2c http/1.1\nH2MaxWorkers 5\n</IfModule>\n")
	if !ok {
		t.Errorf("Debian's http2.conf refused:\n%s", out)
	}
}

// TestHTTP2GracefulGoAway: a graceful stop sends GOAWAY on an HTTP/2
// connection and lets its stream in flight finish.
func TestHTTP2GracefulGoAway(t *testing.T) {
	s := startSite(t, http2Conf, http2Files)
	c := s.dial()
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	io.WriteString(c, http2.ClientPreface)
	fr := http2.NewFramer(c, c)
	fr.WriteSettings()
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for _, f := range [][2]string{{":method", "GET"}, {":scheme", "http"}, {":authority", "localhost"}, {":path", "/py/stream"}} {
		enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hb.Bytes(), EndStream: true, EndHeaders: true})
	var body []byte
	goAway, ended := false, false
	for !ended {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("reading frames (body so far %q, GOAWAY %v): %v", body, goAway, err)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				fr.WriteSettingsAck()
			}
		case *http2.GoAwayFrame:
			goAway = true
			for _, f := range []string{"go", "go2"} {
				if err := os.WriteFile(filepath.Join(s.Dir, f), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		case *http2.DataFrame:
			body = append(body, f.Data()...)
			if string(body) == "first;" && !goAway {
				s.cmd.Process.Signal(syscall.SIGWINCH) // graceful
			}
			ended = f.StreamEnded()
		}
	}
	if !goAway || string(body) != "first;second;third" {
		t.Errorf("GOAWAY %v, body %q", goAway, body)
	}
	select {
	case <-s.errCh:
		s.cmd = nil
	case <-time.After(20 * time.Second):
		t.Error("modpy did not stop after its last stream")
	}
}

// http2TLSConf is ssl_test.go's two TLS vhosts, a.test speaking h2 and
// http/1.1 (ALPN, in Protocols' order), b.test on the same port http/1.1
// only.
var http2TLSConf = strings.Replace(sslVhosts, "    ServerName a.test\n", "    ServerName a.test\n    Protocols h2 http/1.1\n", 1)

func TestHTTP2OverTLS(t *testing.T) {
	s, p, port := sslSite(t, http2TLSConf, nil)
	url := func(host string) []string {
		return []string{"--cacert", filepath.Join(p.dir, "ca.pem"), "--resolve", fmt.Sprintf("%s:%d:127.0.0.1", host, port),
			fmt.Sprintf("https://%s:%d/env", host, port)}
	}
	out := curl(t, append([]string{"-i", "--http2"}, url("a.test")...)...)
	contains(t, "ALPN h2", out, "HTTP/2 200")
	contains(t, "ALPN h2", out, "is_https=1")
	contains(t, "ALPN h2", out, "HTTPS=on")
	contains(t, "access log", readSiteFile(t, s, "ssl_access.log"), `127.0.0.1 "GET /env HTTP/2.0" 200 TLSv1.3`)
	// b.test's Protocols are http/1.1's alone.
	contains(t, "no h2 for b.test", curl(t, append([]string{"-i", "--http2"}, url("b.test")...)...), "HTTP/1.1 200 OK")

	// Go's client: ALPN h2, streams at once on one TLS connection.
	var dials atomic.Int32
	tr := &http2.Transport{TLSClientConfig: &tls.Config{RootCAs: p.pool, ServerName: "a.test"},
		DialTLSContext: func(ctx context.Context, network, addr string, cfg *tls.Config) (net.Conn, error) {
			dials.Add(1)
			return (&tls.Dialer{Config: cfg}).DialContext(ctx, network, addr)
		}}
	c := &http.Client{Timeout: 20 * time.Second, Transport: tr}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			resp, err := c.Get(fmt.Sprintf("https://127.0.0.1:%d/env?n=%d", port, i))
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.ProtoMajor != 2 || !strings.Contains(string(b), "is_https=1") {
				t.Errorf("stream %d: %s %q", i, resp.Proto, b)
			}
		})
	}
	wg.Wait()
	if n := dials.Load(); n != 1 {
		t.Errorf("%d TLS connections, want 1", n)
	}
}

func readSiteFile(t *testing.T, s *site, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.Dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestHTTP2NPHScript checks that an nph- CGI script, whose output goes
// to the connection as it is on HTTP/1, is refused on an HTTP/2 stream
// (500) rather than written into the connection's frames, and that the
// connection's other streams are unharmed.
func TestHTTP2NPHScript(t *testing.T) {
	s := startSite(t, "Protocols h2c http/1.1\nLoadModule cgi_module mod_cgi.so\nScriptAlias /cgi-bin/ {{DIR}}/cgi/\n", map[string]string{
		"cgi/nph-x.cgi": cgiScripts["cgi/nph-x.cgi"],
		"cgi/env.cgi":   "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\nplain cgi\\n'\n",
	})
	for _, f := range []string{"nph-x.cgi", "env.cgi"} {
		os.Chmod(filepath.Join(s.Dir, "cgi", f), 0o755)
	}
	var dials atomic.Int32
	c := h2cClient(&dials)
	get := func(path string) (int, string) {
		resp, err := c.Get(s.URL + path)
		if err != nil {
			t.Fatalf("GET %s over h2c: %v\n%s", path, err, s.errorLog())
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("GET %s over h2c: %v", path, err)
		}
		return resp.StatusCode, resp.Header.Get("X-Nph") + string(b)
	}
	if st, body := get("/cgi-bin/nph-x.cgi"); st != 500 || strings.Contains(body, "nph body") {
		t.Errorf("nph- script over HTTP/2: %d %q, want 500", st, body)
	}
	if st, body := get("/cgi-bin/env.cgi"); st != 200 || body != "plain cgi\n" {
		t.Errorf("the connection's next stream: %d %q", st, body)
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
	contains(t, "error log", s.errorLog(), "nph- scripts need an HTTP/1 connection")
}

// TestHTTP2StreamsAuthorityAgainstSNI checks that each stream of one
// HTTP/2 TLS connection is held to the handshake as an HTTP/1 request
// is: an :authority naming a virtual host with other TLS settings than
// the SNI's gets 421, and without SNI one naming a virtual host that
// requires a client certificate the handshake did not ask for gets 403.
func TestHTTP2StreamsAuthorityAgainstSNI(t *testing.T) {
	s, p, port := sslSite(t, "Protocols h2 http/1.1\nListen 127.0.0.1:{{TLS}} https\n"+
		sslEnvVhost("a.test", "a", "")+sslEnvVhost("c.test", "a", "")+
		sslEnvVhost("b.test", "b", "    SSLCACertificateFile {{PKI}}/ca.pem\n    SSLVerifyClient require\n"), nil)
	for _, c := range []struct {
		sni   string
		hosts map[string]int
	}{
		{"a.test", map[string]int{"a.test": 200, "c.test": 200, "b.test": 421}},
		{"", map[string]int{"a.test": 200, "b.test": 403}},
	} {
		var dials atomic.Int32
		tr := &http2.Transport{TLSClientConfig: &tls.Config{RootCAs: p.pool, ServerName: c.sni, InsecureSkipVerify: c.sni == ""},
			DialTLSContext: func(ctx context.Context, network, addr string, cfg *tls.Config) (net.Conn, error) {
				dials.Add(1)
				return (&tls.Dialer{Config: cfg}).DialContext(ctx, network, addr)
			}}
		client := &http.Client{Timeout: 20 * time.Second, Transport: tr}
		for host, want := range c.hosts {
			req, _ := http.NewRequest("GET", fmt.Sprintf("https://127.0.0.1:%d/env", port), nil)
			req.Host = host
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("SNI %q, :authority %s: %v\n%s", c.sni, host, err, s.errorLog())
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.ProtoMajor != 2 || resp.StatusCode != want {
				t.Errorf("SNI %q, :authority %s: %s %d, want HTTP/2 %d\n%s", c.sni, host, resp.Proto, resp.StatusCode, want, b)
			}
		}
		if n := dials.Load(); n != 1 {
			t.Errorf("SNI %q: %d TLS connections, want 1", c.sni, n)
		}
		tr.CloseIdleConnections()
	}
}

// h2Raw sends one request on a new h2c connection by prior knowledge,
// its header fields as they are (Go's client would refuse to send some),
// and returns what came back: "status=N data=..." or the stream's reset.
func h2Raw(t *testing.T, addr string, fields [][2]string, body string) string {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte(http2.ClientPreface))
	fr := http2.NewFramer(c, c)
	fr.WriteSettings()
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for _, f := range fields {
		enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hb.Bytes(), EndHeaders: true, EndStream: body == ""})
	if body != "" {
		fr.WriteData(1, true, []byte(body))
	}
	out := ""
	dec := hpack.NewDecoder(4096, nil)
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return out + " err:" + err.Error()
		}
		switch f := f.(type) {
		case *http2.HeadersFrame:
			hs, _ := dec.DecodeFull(f.HeaderBlockFragment())
			for _, h := range hs {
				if h.Name == ":status" {
					out += "status=" + h.Value + " "
				}
			}
			if f.StreamEnded() {
				return out
			}
		case *http2.DataFrame:
			out += fmt.Sprintf("data=%q ", f.Data())
			if f.StreamEnded() {
				return out
			}
		case *http2.RSTStreamFrame:
			return out + "rst=" + f.ErrCode.String()
		case *http2.GoAwayFrame:
			return out + "goaway=" + f.ErrCode.String()
		case *http2.SettingsFrame:
			if !f.IsAck() {
				fr.WriteSettingsAck()
			}
		}
	}
}

// TestHTTP2MalformedRequests checks the HTTP/2 requests that an HTTP/1
// head with the same fields would not pass: each is refused (400, in the
// access log, or a reset stream) before any handler runs.
func TestHTTP2MalformedRequests(t *testing.T) {
	s := startSite(t, http2Conf, http2Files)
	addr := strings.TrimPrefix(s.URL, "http://")
	req := func(method string, more ...[2]string) [][2]string {
		return append([][2]string{{":method", method}, {":scheme", "http"}, {":path", "/py/echo"}, {":authority", "localhost"}}, more...)
	}
	for _, c := range []struct {
		name   string
		fields [][2]string
		want   string
	}{
		{"method not a token", req("G(T"), "status=400"},
		{"two Content-Lengths", req("POST", [2]string{"content-length", "5"}, [2]string{"content-length", "6"}), "status=400"},
		{"Content-Length twice", req("POST", [2]string{"content-length", "5"}, [2]string{"content-length", "5"}), "status=400"},
		{"Content-Length not a number", req("POST", [2]string{"content-length", "abc"}), "rst=PROTOCOL_ERROR"},
		{"Transfer-Encoding", req("POST", [2]string{"transfer-encoding", "chunked"}), "status=400"},
		{"Host other than :authority", req("POST", [2]string{"host", "other"}), "rst=PROTOCOL_ERROR"},
	} {
		if got := h2Raw(t, addr, c.fields, "hello"); !strings.HasPrefix(got, c.want) || strings.Contains(got, "read ") {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	if got := h2Raw(t, addr, req("POST", [2]string{"content-length", "5"}), "hello"); !strings.Contains(got, `read 5: hello`) {
		t.Errorf("a good request on the same terms: %s", got)
	}
	log := s.accessLog()
	for _, want := range []string{`"G(T /py/echo HTTP/2.0" 400`, `"POST /py/echo HTTP/2.0" 400`} {
		contains(t, "access log", log, want)
	}
}

// TestHTTP2TLSGracefulRestartLosesNoRequest runs HTTP/2 streams over TLS
// (ALPN h2, a few connections) through two graceful restarts: every
// request is answered 200, the new generation's workers answer too.
func TestHTTP2TLSGracefulRestartLosesNoRequest(t *testing.T) {
	pkiDir := t.TempDir()
	p := newPKI(t, pkiDir)
	p.issue("a", "a.test", false)
	tlsPort := freePort(t)
	s := startMaster(t, fmt.Sprintf("StartServers 2\nListen 127.0.0.1:%d\n<VirtualHost 127.0.0.1:%d>\nServerName a.test\nProtocols h2 http/1.1\n"+
		"SSLEngine on\nSSLCertificateFile %s/a.crt\nSSLCertificateKeyFile %s/a.key\n</VirtualHost>\n", tlsPort, tlsPort, pkiDir, pkiDir))
	c := &http.Client{Timeout: 20 * time.Second, Transport: &http2.Transport{TLSClientConfig: &tls.Config{RootCAs: p.pool, ServerName: "a.test"}}}
	var mu sync.Mutex
	pids, failures, served := map[string]bool{}, []string{}, 0
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := c.Get(fmt.Sprintf("https://127.0.0.1:%d/pid?0.02", tlsPort))
				mu.Lock()
				if err != nil {
					failures = append(failures, err.Error())
				} else {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 || resp.ProtoMajor != 2 {
						failures = append(failures, fmt.Sprintf("%s %d %q", resp.Proto, resp.StatusCode, b))
					} else {
						pids[string(b)] = true
						served++
					}
				}
				mu.Unlock()
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	for range 2 {
		s.cmd.Process.Signal(syscall.SIGUSR1)
		time.Sleep(1500 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if len(failures) > 0 {
		t.Errorf("%d of %d requests failed across the graceful restarts, first: %s\n%s", len(failures), served+len(failures), failures[0], s.errorLog())
	}
	if len(pids) < 3 {
		t.Errorf("answered by workers %v: the restarts' new workers did not serve", pids)
	}
}
