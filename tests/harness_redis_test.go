package tests

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// redisServer is a real redis-server (Debian's redis-server package) that
// a test started on a free loopback port, in a temporary directory of its
// own, persisting nothing. It is killed when the test ends.
type redisServer struct {
	t        *testing.T
	Port     int
	Dir      string
	Password string // --requirepass, "" for none
	Socket   string // its unix socket (mode 0700)
	args     []string
	cmd      *exec.Cmd
	done     chan struct{}
}

// startRedis starts redis-server with extra arguments (for example
// "--requirepass", "secret": then Password is set). Without redis-server
// the test skips, or fails under MODPY_REQUIRE_TEST_DEPS (.ci/run).
func startRedis(t *testing.T, extra ...string) *redisServer {
	t.Helper()
	_, err := exec.LookPath("redis-server")
	needTestDep(t, "redis-server", err)
	_, err = exec.LookPath("redis-cli")
	needTestDep(t, "redis-cli", err)
	r := &redisServer{t: t, Port: freePort(t), Dir: t.TempDir()}
	r.Socket = filepath.Join(r.Dir, "redis.sock")
	r.args = []string{"--port", fmt.Sprint(r.Port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", r.Dir, "--unixsocket", r.Socket, "--unixsocketperm", "700", "--logfile", filepath.Join(r.Dir, "redis.log")}
	for i := 0; i+1 < len(extra); i++ {
		if extra[i] == "--requirepass" {
			r.Password = extra[i+1]
		}
	}
	r.args = append(r.args, extra...)
	r.Start()
	t.Cleanup(r.Stop)
	return r
}

// URL is redis://[:password@]127.0.0.1:PORT/0.
func (r *redisServer) URL() string {
	if r.Password != "" {
		return fmt.Sprintf("redis://:%s@127.0.0.1:%d/0", r.Password, r.Port)
	}
	return fmt.Sprintf("redis://127.0.0.1:%d/0", r.Port)
}

// Start starts the server (again, after Stop: on the same port, empty) and
// waits until it answers.
func (r *redisServer) Start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", r.args...)
	r.cmd.Dir = r.Dir
	out := &strings.Builder{}
	r.cmd.Stdout, r.cmd.Stderr = out, out
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("redis-server: %v", err)
	}
	r.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(r.cmd, r.done)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-r.done:
			log, _ := os.ReadFile(filepath.Join(r.Dir, "redis.log"))
			r.t.Fatalf("redis-server exited:\n%s%s", out, log)
		default:
		}
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", r.Port), 200*time.Millisecond); err == nil {
			c.Close()
			if strings.TrimSpace(r.tryCli("PING")) == "PONG" {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.t.Fatalf("redis-server did not answer on port %d", r.Port)
}

// Stop kills the server (SIGKILL: as a crash would) and waits for it.
func (r *redisServer) Stop() {
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
	r.cmd = nil
}

func (r *redisServer) tryCli(args ...string) string {
	base := []string{"-h", "127.0.0.1", "-p", fmt.Sprint(r.Port)}
	if r.Password != "" {
		base = append(base, "--no-auth-warning", "-a", r.Password)
	}
	out, _ := exec.Command("redis-cli", append(base, args...)...).CombinedOutput()
	return string(out)
}

// Cli runs one redis-cli command against the server and returns its
// output without the final newline ("" for a nil reply).
func (r *redisServer) Cli(args ...string) string {
	r.t.Helper()
	return strings.TrimSuffix(r.tryCli(args...), "\n")
}

// testCA writes, in dir, a CA certificate (ca.pem) and two certificates it
// signed, each with its key: one for the server 127.0.0.1 (server.pem,
// server.key) and one for a client (client.pem, client.key).
func testCA(t *testing.T, dir string) {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	write := func(name, typ string, der []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	caKey := newKey()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "modpy test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	write("ca.pem", "CERTIFICATE", caDER)
	for i, name := range []string{"server", "client"} {
		k := newKey()
		c := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 2)), Subject: pkix.Name{CommonName: name},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
		der, err := x509.CreateCertificate(rand.Reader, c, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kDER, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		write(name+".pem", "CERTIFICATE", der)
		write(name+".key", "PRIVATE KEY", kDER)
	}
}
