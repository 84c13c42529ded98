package config

import (
	"slices"
	"testing"
)

func TestHTTP2Settings(t *testing.T) {
	cfg := mustLoad(t, "Protocols H2C http/1.1\nH2MaxSessionStreams 7\nProtocolsHonorOrder off\n"+
		"<VirtualHost *:80>\nServerName a\nH2WindowSize 2048\nH2Direct off\n</VirtualHost>\n"+
		"<VirtualHost *:80>\nServerName b\nProtocols http/1.1 acme-tls/1\n</VirtualHost>\n")
	m, a, b := &cfg.Main.HTTP2, &cfg.VHosts[0].HTTP2, &cfg.VHosts[1].HTTP2
	if !slices.Equal(m.ProtocolList(), []string{"h2c", "http/1.1"}) || !m.DirectAllowed(false) || m.DirectAllowed(true) || m.HonorsOrder() {
		t.Errorf("main: %+v", m)
	}
	if !slices.Equal(a.ProtocolList(), m.ProtocolList()) || a.DirectAllowed(false) || a.MaxSessionStreams != 7 || a.WindowSize != 2048 || a.HonorsOrder() {
		t.Errorf("vhost a inherits all but its own: %+v", a)
	}
	if b.Allows(ProtoH2C) || !b.Allows(ProtoHTTP1) || b.DirectAllowed(false) || !b.ModernTLS() {
		t.Errorf("vhost b: %+v", b)
	}
	if def := mustLoad(t, "ServerName x\n").Main.HTTP2; !slices.Equal(def.ProtocolList(), []string{"http/1.1"}) || def.DirectAllowed(false) || !def.HonorsOrder() {
		t.Errorf("defaults: %+v", def)
	}
	up := mustLoad(t, "H2Upgrade off\n<Location /x>\nH2Upgrade on\n</Location>\n")
	if up.Main.Dir.H2UpgradeAllowed(false) || !up.LocationConfig(up.Main, "/x/y").H2UpgradeAllowed(true) {
		t.Error("H2Upgrade: server off, <Location> on")
	}
	if !mustLoad(t, "ServerName x\n").Main.Dir.H2UpgradeAllowed(false) || mustLoad(t, "ServerName x\n").Main.Dir.H2UpgradeAllowed(true) {
		t.Error("H2Upgrade's default: on for plain connections, off over TLS")
	}
	// Accepted, ignored, and the module is known to <IfModule>.
	mustLoad(t, "<IfModule http2_module>\nH2MaxWorkers 10\nH2StreamMaxMemSize 65536\nH2Push off\nH2Padding 0\n</IfModule>\n"+
		"<IfModule !mod_http2.c>\nBogus\n</IfModule>\n")
}

func TestHTTP2Errors(t *testing.T) {
	runErrCases(t, []errCase{
		{"push on", "H2Push on\n", 1, "H2Push", "does not push"},
		{"push resource", "\n<Location />\nH2PushResource /a.css\n</Location>\n", 3, "H2PushResource", "does not push"},
		{"early hints", "H2EarlyHints on\n", 1, "H2EarlyHints", "103 Early Hints"},
		{"padding", "H2Padding 4\n", 1, "H2Padding", "does not pad"},
		{"window too small", "H2WindowSize 1000\n", 1, "H2WindowSize", "from 1024"},
		{"streams zero", "H2MaxSessionStreams 0\n", 1, "H2MaxSessionStreams", "from 1"},
		{"direct word", "H2Direct maybe\n", 1, "H2Direct", ""},
		{"protocols in a directory", "<Directory />\nProtocols h2c\n</Directory>\n", 2, "Protocols", ""},
		{"direct in a location", "<Location />\nH2Direct on\n</Location>\n", 2, "H2Direct", ""},
	})
}
