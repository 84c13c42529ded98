package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"modpy/internal/config"
	"modpy/internal/httpd"
	"modpy/internal/request"
)

// relayTestServer is a worker's Server (no MODPY_GROUP) on a minimal
// configuration, its errors in a file the test reads.
func relayTestServer(t *testing.T) (*Server, string) {
	t.Helper()
	t.Setenv("MODPY_GROUP", "")
	root := t.TempDir()
	log := filepath.Join(root, "error.log")
	file := filepath.Join(root, "site.conf")
	conf := "Listen 127.0.0.1:8080\nServerName localhost\nDocumentRoot " + root + "\nErrorLog " + log + "\n" +
		"UserDir public_html\n<VirtualHost 127.0.0.1:8080>\nServerName other\n</VirtualHost>\n"
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.LoadOptions{File: file, ServerRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, log
}

func relayRS(s *Server, uri string, dc *config.DirConfig) *rstate {
	req := request.New()
	req.Method, req.URI, req.UnparsedURI, req.Protocol = "GET", uri, uri, "HTTP/1.1"
	req.Conn = &request.Conn{}
	req.Server = s.main.info
	hr := &httpd.Request{Body: &httpd.Body{}, Port: 8080, Header: req.HeadersIn}
	return &rstate{s: s, hr: hr, req: req, vh: s.main, dc: dc}
}

// TestRequestGroup walks the decision: process-group= beats the
// section's WSGIProcessGroup, %{GLOBAL} is embedded, %{ENV:NAME} and
// %{SERVER} expand, a UserDir request is "~user" only under
// PythonUserDirProcess.
func TestRequestGroup(t *testing.T) {
	s, _ := relayTestServer(t)
	str := func(v string) *string { return &v }
	for _, c := range []struct {
		what  string
		alias *config.WSGIAlias
		dc    *config.DirConfig
		env   string // the request's subprocess_env GROUP
		user  string // a UserDir request's user
		udp   bool   // PythonUserDirProcess On
		want  string
	}{
		{"nothing", nil, &config.DirConfig{}, "", "", false, ""},
		{"WSGIProcessGroup", nil, &config.DirConfig{ProcessGroup: str("app")}, "", "", false, "app"},
		{"%{GLOBAL}", nil, &config.DirConfig{ProcessGroup: str("%{GLOBAL}")}, "", "", false, ""},
		{"process-group= wins", &config.WSGIAlias{ProcessGroup: "alias"}, &config.DirConfig{ProcessGroup: str("app")}, "", "", false, "alias"},
		{"process-group=%{GLOBAL}", &config.WSGIAlias{ProcessGroup: "%{GLOBAL}"}, &config.DirConfig{ProcessGroup: str("app")}, "", "", false, ""},
		{"alias without process-group=", &config.WSGIAlias{}, &config.DirConfig{ProcessGroup: str("app")}, "", "", false, "app"},
		{"%{ENV:GROUP}", nil, &config.DirConfig{ProcessGroup: str("%{ENV:GROUP}")}, "fromenv", "", false, "fromenv"},
		{"%{SERVER}", nil, &config.DirConfig{ProcessGroup: str("%{SERVER}")}, "", "", false, "localhost:8080"},
		{"UserDir, off", nil, &config.DirConfig{}, "", "alice", false, ""},
		{"UserDir, on", nil, &config.DirConfig{}, "", "alice", true, "~alice"},
		{"UserDir, WSGIProcessGroup wins", nil, &config.DirConfig{ProcessGroup: str("app")}, "", "alice", true, "app"},
	} {
		s.cfg.UserDirProcess = nil
		if c.udp {
			s.cfg.UserDirProcess = &config.ProcessGroup{Name: "~"}
		}
		rs := relayRS(s, "/x", c.dc)
		rs.wsgiAlias, rs.userdirUser = c.alias, c.user
		if c.env != "" {
			rs.req.SubprocessEnv.Set("GROUP", c.env)
		}
		got, user := rs.requestGroup(c.dc)
		if got != c.want || (c.udp && c.want == "~alice") != (user == "alice") {
			t.Errorf("%s: requestGroup = %q, %q; want %q", c.what, got, user, c.want)
		}
	}
	s.cfg.UserDirProcess = nil
}

// TestGroupGateRefusals: the answers that need no group process: an
// unknown group, another virtual host's group, WSGIRestrictEmbedded On,
// each 500 with mod_wsgi's log line; embedded Python goes on here.
func TestGroupGateRefusals(t *testing.T) {
	s, log := relayTestServer(t)
	str := func(v string) *string { return &v }
	var other *config.Server
	for _, v := range s.cfg.VHosts {
		other = v
	}
	s.cfg.Groups = []*config.ProcessGroup{{Name: "theirs", VHost: other}}
	s.groups.relays = true

	rs := relayRS(s, "/x", &config.DirConfig{})
	if st, done := rs.groupGate(rs.dc); done {
		t.Fatalf("embedded: gate answered %d", st)
	}
	for _, c := range []struct{ group, log string }{
		{"nosuch", "No WSGI daemon process called 'nosuch' has been configured: /x"},
		{"theirs", "Daemon process called 'theirs' cannot be accessed by this WSGI application: /x"},
	} {
		rs := relayRS(s, "/x", &config.DirConfig{ProcessGroup: str(c.group)})
		if st, done := rs.groupGate(rs.dc); !done || st != 500 {
			t.Errorf("%s: gate = %d, %v; want 500", c.group, st, done)
		}
		if b, _ := os.ReadFile(log); !strings.Contains(string(b), c.log) {
			t.Errorf("%s: error log lacks %q:\n%s", c.group, c.log, b)
		}
	}
	s.cfg.RestrictEmbedded = true
	rs = relayRS(s, "/x", &config.DirConfig{})
	if st, done := rs.groupGate(rs.dc); !done || st != 500 {
		t.Errorf("WSGIRestrictEmbedded: gate = %d, %v; want 500", st, done)
	}
	if b, _ := os.ReadFile(log); !strings.Contains(string(b), "Embedded mode of mod_wsgi disabled by runtime configuration: /x") {
		t.Errorf("WSGIRestrictEmbedded: error log:\n%s", b)
	}
}
