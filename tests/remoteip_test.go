package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mod_remoteip (issue 13): behind a proxy the request's client is the
// address the trusted proxies report in X-Forwarded-For, walked from the
// right as mod_remoteip walks it; req.connection.client_ip stays the peer.
// The expectations were checked against Apache 2.4 with mod_python.

const remoteipMod = `from mod_python import apache

def handler(req):
    req.content_type = "text/plain"
    req.add_common_vars()
    env = req.subprocess_env
    req.write("ua=%s uaport=%s peer=%s REMOTE_ADDR=%s REMOTE_PORT=%s\n" % (
        req.useragent_ip, "peer" if req.useragent_addr[1] == req.connection.client_addr[1] else req.useragent_addr[1],
        req.connection.client_ip, env.get("REMOTE_ADDR"),
        env.get("REMOTE_PORT") == str(req.connection.client_addr[1])))
    req.write("xff=%s by=%s note=%s admin=%s\n" % (req.headers_in.get("X-Forwarded-For"),
        req.headers_in.get("X-Forwarded-By"), req.notes.get("remoteip-proxy-ip-list"), env.get("ADMIN")))
    req.log_error("logged by the handler", apache.APLOG_NOTICE)
    return apache.OK
`

const remoteipWSGI = `def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("wsgi REMOTE_ADDR=%s\n" % environ["REMOTE_ADDR"]).encode()]
`

func TestRemoteIP(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
LogFormat "%a %h %{c}a %U" addrs
CustomLog {{DIR}}/addrs.log addrs
RemoteIPHeader X-Forwarded-For
RemoteIPInternalProxy 127.0.0.1
RemoteIPTrustedProxy 203.0.113.0/24
RemoteIPProxiesHeader X-Forwarded-By
SetEnvIf Remote_Addr ^198\.51\.100\. ADMIN=yes
WSGIScriptAlias /wsgi {{DIR}}/ip.wsgi
LoadModule cgi_module modules/mod_cgi.so
ScriptAlias /cgi/ {{DIR}}/cgi/
<Location /r>
	SetHandler mod_python
	PythonHandler rip
</Location>
<Location /admin>
	Require ip 198.51.100.0/24
</Location>
<VirtualHost 127.0.0.1:{{PORT}}>
	ServerName localhost
</VirtualHost>
<VirtualHost 127.0.0.1:{{PORT}}>
	ServerName untrusted.example
	RemoteIPTrustedProxy 192.0.2.1
</VirtualHost>
`, map[string]string{"lib/rip.py": remoteipMod, "ip.wsgi": remoteipWSGI, "htdocs/admin/x.txt": "admin\n",
		"cgi/addr.cgi": "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\ncgi REMOTE_ADDR=%s\\n' \"$REMOTE_ADDR\"\n"})
	os.Chmod(filepath.Join(s.Dir, "cgi/addr.cgi"), 0o755)

	for _, c := range []struct {
		xff, host, want string
	}{
		// No header: the peer.
		{"", "", "ua=127.0.0.1 uaport=peer peer=127.0.0.1 REMOTE_ADDR=127.0.0.1 REMOTE_PORT=True\nxff=None by=None note=None admin=None\n"},
		// The internal proxy (the peer) reports the client.
		{"198.51.100.7", "", "ua=198.51.100.7 uaport=0 peer=127.0.0.1 REMOTE_ADDR=198.51.100.7 REMOTE_PORT=True\nxff=None by=None note=None admin=yes\n"},
		// An internal proxy may report a private address.
		{"198.51.100.7, 10.0.0.5", "", "ua=10.0.0.5 uaport=0 peer=127.0.0.1 REMOTE_ADDR=10.0.0.5 REMOTE_PORT=True\nxff=198.51.100.7 by=None note=None admin=None\n"},
		// Through a trusted proxy, which the walk passes and records.
		{"198.51.100.7,203.0.113.9", "", "ua=198.51.100.7 uaport=0 peer=127.0.0.1 REMOTE_ADDR=198.51.100.7 REMOTE_PORT=True\nxff=None by=203.0.113.9 note=203.0.113.9 admin=yes\n"},
		// A trusted proxy is not believed about a private address: the
		// walk stops, leaving the rest in the header.
		{"192.0.2.1, 10.1.1.1,203.0.113.9", "", "ua=203.0.113.9 uaport=0 peer=127.0.0.1 REMOTE_ADDR=203.0.113.9 REMOTE_PORT=True\nxff=192.0.2.1, 10.1.1.1 by=None note=None admin=None\n"},
		// Garbage stops the walk where it is.
		{"1.2.3.4,garbage", "", "ua=127.0.0.1 uaport=peer peer=127.0.0.1 REMOTE_ADDR=127.0.0.1 REMOTE_PORT=True\nxff=1.2.3.4,garbage by=None note=None admin=None\n"},
		// A vhost whose only proxy is 192.0.2.1: the peer is no proxy of
		// its, so its header is ignored.
		{"198.51.100.7", "untrusted.example", "ua=127.0.0.1 uaport=peer peer=127.0.0.1 REMOTE_ADDR=127.0.0.1 REMOTE_PORT=True\nxff=198.51.100.7 by=None note=None admin=None\n"},
	} {
		hdr := []string{}
		if c.xff != "" {
			hdr = append(hdr, "X-Forwarded-For", c.xff)
		}
		if c.host != "" {
			hdr = append(hdr, "Host", c.host)
		}
		if got := s.mustGet("/r", hdr...); got != c.want {
			t.Errorf("X-Forwarded-For %q (Host %q):\n got %q\nwant %q", c.xff, c.host, got, c.want)
		}
	}

	// Require ip judges the client behind the proxy.
	if st, _ := s.get("/admin/x.txt"); st != 403 {
		t.Errorf("/admin from the proxy itself: %d, want 403", st)
	}
	if st, _ := s.get("/admin/x.txt", "X-Forwarded-For", "198.51.100.20"); st != 200 {
		t.Errorf("/admin for 198.51.100.20: %d, want 200", st)
	}
	contains(t, "WSGI", s.mustGet("/wsgi", "X-Forwarded-For", "198.51.100.7"), "wsgi REMOTE_ADDR=198.51.100.7\n")
	contains(t, "CGI", s.mustGet("/cgi/addr.cgi", "X-Forwarded-For", "198.51.100.7"), "cgi REMOTE_ADDR=198.51.100.7\n")

	// The logs: %a and %h are the client, %{c}a the peer; the error
	// log's [client] is the client, with port 0.
	contains(t, "access log", s.readFile("addrs.log"), "198.51.100.20 198.51.100.20 127.0.0.1 /admin/x.txt\n")
	log := s.waitLog("[client 198.51.100.7:0] logged by the handler")
	contains(t, "error log", log, "[client 198.51.100.7:0] logged by the handler")
	if strings.Contains(log, "[client 127.0.0.1:0]") {
		t.Errorf("a peer logged with port 0:\n%s", log)
	}
}
