package httpd

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// selfSigned is a certificate for localhost made for the test.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestTLSServesHTTPAndHandsALPNProtocols(t *testing.T) {
	cert := selfSigned(t)
	got := make(chan string, 1)
	ts := startServer(t, Config{}, func(w *Response, r *Request) {
		if r.TLS == nil {
			w.WriteString("no tls")
			return
		}
		w.WriteString("proto=" + r.TLS.NegotiatedProtocol)
	}, func(s *Server) {
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}
		s.ProtoHandlers = map[string]ProtoHandler{"h2": func(nc net.Conn, local, remote netip.AddrPort, id uint64) {
			_, isTLS := nc.(*tls.Conn)
			if isTLS {
				got <- "h2 on tls"
			} else {
				got <- "h2 not on tls"
			}
			<-s.Draining() // a whole-connection handler returns when the server drains
		}}
	})
	dial := func(protos ...string) *tls.Conn {
		c, err := tls.Dial("tcp", ts.addr, &tls.Config{InsecureSkipVerify: true, NextProtos: protos})
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		t.Cleanup(func() { c.Close() })
		return c
	}
	c := dial("h2", "http/1.1")
	if p := c.ConnectionState().NegotiatedProtocol; p != "h2" {
		t.Fatalf("negotiated %q", p)
	}
	if g := <-got; g != "h2 on tls" {
		t.Fatal(g)
	}
	c = dial("http/1.1")
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	b, _ := io.ReadAll(c)
	if !strings.HasSuffix(string(b), "proto=http/1.1") {
		t.Fatalf("response:\n%s", b)
	}
}

func TestTLSPortPlainHTTPIsServedAsFakedRequest(t *testing.T) {
	cert := selfSigned(t)
	ts := startServer(t, Config{}, func(w *Response, r *Request) {
		if !r.PlainOnTLS || r.TLS != nil {
			w.WriteString("wrong")
			return
		}
		w.WriteString("plain " + r.TheRequest + " host=" + r.Header.Value("Host"))
	}, func(s *Server) {
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	})
	c := ts.dial(t)
	io.WriteString(c, "GET /x HTTP/1.1\r\nHost: example\r\n\r\n")
	b, _ := io.ReadAll(bufio.NewReader(c))
	if !strings.HasSuffix(string(b), "plain GET / HTTP/1.0 host=") {
		t.Fatalf("response:\n%s", b)
	}
}

func TestTLSHandshakeReadTimeout(t *testing.T) {
	cert := selfSigned(t)
	ts := startServer(t, Config{HandshakeReadTimeout: ReadTimeout{Timeout: time.Second}}, func(w *Response, r *Request) {},
		func(s *Server) { s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}} })
	c := ts.dial(t)
	c.Write([]byte{tlsRecordHandshake, 3}) // half a record header, then nothing
	start := time.Now()
	n, err := c.Read(make([]byte, 10))
	if n != 0 || err == nil || time.Since(start) > 4*time.Second {
		t.Fatalf("read %d, %v after %s", n, err, time.Since(start))
	}
	if !strings.Contains(ts.logs.String(), "Request handshake read timeout") {
		t.Fatalf("log:\n%s", ts.logs)
	}
}
