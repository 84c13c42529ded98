package tests

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// vhostWho names the interpreter and counts its calls in the module.
const vhostWho = `from mod_python import apache
count = 0
def handler(req):
    global count
    count += 1
    req.content_type = "text/plain"
    req.write("interp=%s count=%d" % (req.interpreter, count))
    return apache.OK
`

// getAt sends a GET to another port of the site with the given Host.
func getAt(t *testing.T, port int, path, host string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d%s", port, path), nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET :%d%s (Host %q): %v", port, path, host, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestVirtualHosts(t *testing.T) {
	port2 := freePort(t)
	files := map[string]string{
		"vh/first/who.txt":     "first",
		"vh/second/who.txt":    "second",
		"vh/third/who.txt":     "third",
		"vh/shared/who.txt":    "shared",
		"htdocs/who.txt":       "main server",
		"vh/first/py/who.py":   vhostWho,
		"vh/second/py/who.py":  vhostWho,
		"vh/third/py/who.py":   vhostWho,
		"vh/shared/py/who.py":  vhostWho,
		"vh/first/only1.txt":   "only in first",
		"vh/third/only3.txt":   "only in third",
		"vh/second/second.txt": "second's own",
	}
	conf := fmt.Sprintf("Listen 127.0.0.1:%d\n", port2)
	for _, d := range []string{"first", "second", "third", "shared"} {
		conf += fmt.Sprintf("<Directory {{DIR}}/vh/%s/py>\n    SetHandler mod_python\n    PythonHandler who\n</Directory>\n", d)
	}
	conf += fmt.Sprintf(`
<VirtualHost *:{{PORT}}>
    ServerName first.test
    DocumentRoot {{DIR}}/vh/first
</VirtualHost>
<VirtualHost *:{{PORT}}>
    ServerName second.test
    ServerAlias www.second.test *.example.org
    DocumentRoot {{DIR}}/vh/second
</VirtualHost>
<VirtualHost *:{{PORT}}>
    ServerName shared.test
    DocumentRoot {{DIR}}/vh/shared
</VirtualHost>
<VirtualHost *:%[1]d>
    ServerName third.test
    DocumentRoot {{DIR}}/vh/third
</VirtualHost>
<VirtualHost *:%[1]d>
    ServerName shared.test
    DocumentRoot {{DIR}}/vh/shared
</VirtualHost>
`, port2)
	s := startSite(t, conf, files)

	t.Run("ByHost", func(t *testing.T) {
		port := fmt.Sprint(s.Port)
		for _, c := range []struct{ host, want string }{
			{"first.test", "first"},
			{"second.test", "second"},
			{"www.second.test", "second"},
			{"foo.example.org", "second"},
			{"a.b.example.org", "second"},
			{"example.org", "first"}, // *.example.org needs something before the dot
			{"shared.test", "shared"},
			{"unknown.test", "first"},
			{"localhost", "first"}, // the main ServerName is not a vhost here
			{"127.0.0.1", "first"},
			{"third.test", "first"}, // third.test lives on the other port only
			{"SECOND.Test:" + port, "second"},
			{"Foo.Example.ORG:" + port, "second"},
			{"first.test.", "first"},
		} {
			if got := s.mustGet("/who.txt", "Host", c.host); got != c.want {
				t.Errorf("Host %q: got %q, want %q", c.host, got, c.want)
			}
		}
		if got := s.mustGet("/second.txt", "Host", "second.test"); got != "second's own" {
			t.Errorf("second.test /second.txt: %q", got)
		}
		if st, _ := s.get("/second.txt", "Host", "first.test"); st != 404 {
			t.Errorf("first.test /second.txt: %d, want 404 (other DocumentRoot)", st)
		}
		// HTTP/1.0 without Host: the first vhost.
		out := s.raw("GET /who.txt HTTP/1.0\r\n\r\n", 5*time.Second)
		if rawStatus(out) != 200 || !strings.HasSuffix(out, "\r\n\r\nfirst") {
			t.Errorf("HTTP/1.0 without Host: want first's file, got:\n%s", out)
		}
	})

	t.Run("SecondPort", func(t *testing.T) {
		for _, host := range []string{"third.test", "first.test", "second.test", "nobody.test", ""} {
			st, body := getAt(t, port2, "/who.txt", host)
			if st != 200 || body != "third" {
				t.Errorf("port2 Host %q: %d %q, want third", host, st, body)
			}
		}
		if st, body := getAt(t, port2, "/only3.txt", "third.test"); st != 200 || body != "only in third" {
			t.Errorf("port2 /only3.txt: %d %q", st, body)
		}
		if st, _ := getAt(t, port2, "/only1.txt", "first.test"); st != 404 {
			t.Errorf("port2 /only1.txt with Host first.test: %d, want 404 (first.test is on the other port)", st)
		}
		if st, body := getAt(t, port2, "/who.txt", "shared.test"); st != 200 || body != "shared" {
			t.Errorf("port2 shared.test: %d %q", st, body)
		}
	})

	t.Run("InterpreterPerVhost", func(t *testing.T) {
		for _, c := range []struct{ host, want string }{
			{"first.test", "first.test"},
			{"second.test", "second.test"},
			{"www.second.test", "second.test"},
			{"x.example.org", "second.test"},
			{"unknown.test", "first.test"},
		} {
			body := s.mustGet("/py/who.py", "Host", c.host)
			if !strings.HasPrefix(body, "interp="+c.want+" ") {
				t.Errorf("Host %q: %q, want interpreter %q", c.host, body, c.want)
			}
		}
		st, body := getAt(t, port2, "/py/who.py", "third.test")
		if st != 200 || !strings.HasPrefix(body, "interp=third.test ") {
			t.Errorf("port2 third.test: %d %q, want interpreter third.test", st, body)
		}
	})

	t.Run("SameServerNameSharesInterpreter", func(t *testing.T) {
		var got []string
		b := s.mustGet("/py/who.py", "Host", "shared.test")
		got = append(got, b)
		_, b = getAt(t, port2, "/py/who.py", "shared.test")
		got = append(got, b)
		got = append(got, s.mustGet("/py/who.py", "Host", "shared.test"))
		_, b = getAt(t, port2, "/py/who.py", "shared.test")
		got = append(got, b)
		for i, b := range got {
			want := fmt.Sprintf("interp=shared.test count=%d", i+1)
			if b != want {
				t.Errorf("request %d (alternating ports): %q, want %q", i+1, b, want)
			}
		}
		log := s.waitLog(`interpreter "shared.test" created`)
		if n := strings.Count(log, `interpreter "shared.test" created`); n != 1 {
			t.Errorf("interpreter shared.test created %d times, want 1:\n%s", n, log)
		}
	})
}

// TestVHostInheritsServerPort: a virtual host without ServerName has the
// main server's name and port, so its self-referential redirects (here
// mod_dir's trailing slash, for a Host header without a port) name that
// port, as in Apache.
func TestVHostInheritsServerPort(t *testing.T) {
	s := startSite(t, `ServerName localhost:8123
<VirtualHost *:{{PORT}}>
    DocumentRoot {{DIR}}/vh
</VirtualHost>
`, map[string]string{"vh/sub/index.html": "index"})
	st, h, _ := s.do("GET", "/sub", "", "Host", "localhost")
	if want := "http://localhost:8123/sub/"; st != 301 || h.Get("Location") != want {
		t.Errorf("GET /sub = %d, Location %q; want 301, %q", st, h.Get("Location"), want)
	}
}
