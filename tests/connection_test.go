package tests

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// PythonConnectionHandler on a Listen port of its own: the handler gets
// the raw connection (issue 4).
func TestConnectionHandler(t *testing.T) {
	echoPort := freePort(t)
	s := startSite(t, fmt.Sprintf(`PythonPath "sys.path + ['{{DIR}}/lib']"
Listen 127.0.0.1:%d
<VirtualHost 127.0.0.1:%d>
    ServerName echo.test
    PythonConnectionHandler echo
</VirtualHost>
`, echoPort, echoPort), map[string]string{"lib/echo.py": `from mod_python import apache
def connectionhandler(conn):
    conn.write(b"hello " + conn.remote_ip.encode() + b"\n")
    while True:
        line = conn.readline()
        if not line or line.strip() == b"quit":
            break
        conn.write(b"echo: " + line.upper())
    conn.write("bye\n")
    return apache.OK
`, "htdocs/index.html": "http still works\n"})
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", echoPort), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	var got []string
	readLine := func() {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading: %v (so far %q)\n%s", err, got, s.errorLog())
		}
		got = append(got, l)
	}
	readLine()
	fmt.Fprintf(c, "one\ntwo\n")
	readLine()
	readLine()
	fmt.Fprintf(c, "quit\n")
	readLine()
	want := "hello 127.0.0.1\n|echo: ONE\n|echo: TWO\n|bye\n"
	if strings.Join(got, "|") != want {
		t.Errorf("conversation: %q, want %q", strings.Join(got, "|"), want)
	}
	// The HTTP port is untouched.
	if body := s.mustGet("/"); body != "http still works\n" {
		t.Errorf("HTTP port: %q", body)
	}
}

// A connection handler that declines leaves the connection to HTTP.
func TestConnectionHandlerDeclines(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
PythonConnectionHandler passing
`, map[string]string{"lib/passing.py": `from mod_python import apache
def connectionhandler(conn):
    return apache.DECLINED
`, "htdocs/index.html": "served over HTTP\n"})
	for i := 0; i < 3; i++ {
		if body := s.mustGet("/"); body != "served over HTTP\n" {
			t.Fatalf("GET /: %q", body)
		}
	}
}
