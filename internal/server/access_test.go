package server

import (
	"net/netip"
	"testing"

	"modpy/internal/config"
	"modpy/internal/httpd"
	"modpy/internal/request"
)

// testRS is a request from client to server, with subprocess_env set.
func testRS(client, server string, env ...string) *rstate {
	rs := &rstate{
		req: request.New(),
		hr:  &httpd.Request{RemoteAddr: netip.MustParseAddrPort(client), LocalAddr: netip.MustParseAddrPort(server)},
	}
	for _, e := range env {
		rs.req.SubprocessEnv.Set(e, "1")
	}
	return rs
}

func stubHosts(t *testing.T, names map[string]string) {
	old := lookupHost
	lookupHost = func(ip netip.Addr) string { return names[ip.String()] }
	hostCache.Lock()
	hostCache.m = nil
	hostCache.Unlock()
	t.Cleanup(func() {
		lookupHost = old
		hostCache.Lock()
		hostCache.m = nil
		hostCache.Unlock()
	})
}

func leaf(provider string, args ...string) *config.Require {
	r := &config.Require{Provider: provider, Args: args}
	switch provider {
	case "all":
		r.Granted = args[0] == "granted"
		r.Args = nil
	case "ip":
		r.Args = nil
		for _, a := range args {
			r.Nets = append(r.Nets, netip.MustParsePrefix(a))
		}
	}
	return r
}

func not(r *config.Require) *config.Require { r.Not = true; return r }

func node(op config.RequireOp, rules ...*config.Require) *config.Require {
	return &config.Require{Op: op, Rules: rules}
}

func TestAuthzProviders(t *testing.T) {
	stubHosts(t, map[string]string{"10.1.2.3": "www.good.example", "192.0.2.1": "nogood.example"})
	a := testRS("10.1.2.3:4000", "10.9.9.9:80", "GOOD")
	b := testRS("192.0.2.1:4000", "192.0.2.1:80")
	v6 := testRS("[::ffff:10.1.2.3]:4000", "[::1]:80")
	tests := []struct {
		name string
		rs   *rstate
		r    *config.Require
		want authzResult
	}{
		{"all granted", a, leaf("all", "granted"), authzGranted},
		{"all denied", a, leaf("all", "denied"), authzDenied},
		{"local remote", a, leaf("local"), authzDenied},
		{"local own address", b, leaf("local"), authzGranted},
		{"ip in", a, leaf("ip", "10.1.0.0/16"), authzGranted},
		{"ip out", a, leaf("ip", "10.2.0.0/16", "::1/128"), authzDenied},
		{"ip mapped v4", v6, leaf("ip", "10.0.0.0/8"), authzGranted},
		{"env set", a, leaf("env", "NOPE", "good"), authzGranted},
		{"env unset", b, leaf("env", "GOOD"), authzDenied},
		{"host exact", a, leaf("host", "www.good.example"), authzGranted},
		{"host domain", a, leaf("host", "good.example"), authzGranted},
		{"host dot domain", a, leaf("host", ".good.example"), authzGranted},
		{"host not a label", b, leaf("host", "good.example"), authzDenied},
		{"valid-user", a, leaf("valid-user"), authzDeniedNoUser},
		{"not granted", a, not(leaf("ip", "10.0.0.0/8")), authzDenied},
		{"not denied", a, not(leaf("ip", "192.0.2.0/24")), authzNeutral},
		{"not no user", a, not(leaf("user", "x")), authzNeutral},
		{"all of neutral", a, node(config.RequireAll, not(leaf("env", "X"))), authzNeutral},
		{"all with a denial", a, node(config.RequireAll, leaf("local"), leaf("all", "granted"), not(leaf("env", "X"))), authzDenied},
		{"all ok", a, node(config.RequireAll, leaf("ip", "10.0.0.0/8"), not(leaf("env", "X"))), authzGranted},
		{"all denied beats no-user", a, node(config.RequireAll, leaf("valid-user"), leaf("local")), authzDenied},
		{"all no-user", a, node(config.RequireAll, leaf("ip", "10.0.0.0/8"), leaf("valid-user")), authzDeniedNoUser},
		{"any granted", a, node(config.RequireAny, leaf("valid-user"), leaf("env", "GOOD")), authzGranted},
		{"any no-user beats denied", a, node(config.RequireAny, leaf("local"), leaf("valid-user")), authzDeniedNoUser},
		{"any denied", a, node(config.RequireAny, leaf("local"), leaf("all", "denied")), authzDenied},
		{"none hit", a, node(config.RequireNone, leaf("local"), leaf("env", "GOOD")), authzDenied},
		{"none miss", a, node(config.RequireNone, leaf("local")), authzNeutral},
	}
	for _, tt := range tests {
		if got := tt.rs.authz(tt.r); got != tt.want {
			t.Errorf("%s: authz = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestAccessCompatRules(t *testing.T) {
	stubHosts(t, map[string]string{"10.1.2.3": "www.good.example"})
	rs := testRS("10.1.2.3:4000", "10.9.9.9:80", "GOOD")
	all := []config.AccessRule{{All: true}}
	me := []config.AccessRule{{Net: netip.MustParsePrefix("10.1.0.0/16")}}
	other := []config.AccessRule{{Net: netip.MustParsePrefix("192.0.2.0/24")}, {Host: "bad.example"}, {Env: "NOPE"}}
	tests := []struct {
		name        string
		order       config.AccessOrder
		allow, deny []config.AccessRule
		want        bool
	}{
		{"deny,allow empty", config.OrderDenyAllow, nil, nil, true},
		{"allow,deny empty", config.OrderAllowDeny, nil, nil, false},
		{"mutual empty", config.OrderMutualFailure, nil, nil, false},
		{"deny,allow deny all", config.OrderDenyAllow, nil, all, false},
		{"deny,allow deny all allow me", config.OrderDenyAllow, me, all, true},
		{"deny,allow deny other", config.OrderDenyAllow, nil, other, true},
		{"allow,deny allow all", config.OrderAllowDeny, all, nil, true},
		{"allow,deny allow all deny me", config.OrderAllowDeny, all, me, false},
		{"allow,deny allow other", config.OrderAllowDeny, other, nil, false},
		{"mutual allow me", config.OrderMutualFailure, me, other, true},
		{"mutual both", config.OrderMutualFailure, all, me, false},
		{"host", config.OrderAllowDeny, []config.AccessRule{{Host: "good.example"}}, nil, true},
		{"env", config.OrderAllowDeny, []config.AccessRule{{Env: "good"}}, nil, true},
		{"env not", config.OrderAllowDeny, []config.AccessRule{{Env: "GOOD", NotEnv: true}}, nil, false},
		{"env not unset", config.OrderAllowDeny, []config.AccessRule{{Env: "NOPE", NotEnv: true}}, nil, true},
	}
	for _, tt := range tests {
		a := &config.Access{Order: tt.order, Allow: tt.allow, Deny: tt.deny}
		if got := rs.accessCompat(a); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestInDomain(t *testing.T) {
	tests := []struct {
		domain, host string
		want         bool
	}{
		{"example.org", "example.org", true},
		{"example.org", "www.Example.org", true},
		{".example.org", "www.example.org", true},
		{".example.org", "example.org", false},
		{"example.org", "badexample.org", false},
		{"localhost", "localhost", true},
		{"calhost", "localhost", false},
		{"www.example.org", "example.org", false},
	}
	for _, tt := range tests {
		if got := inDomain(tt.domain, tt.host); got != tt.want {
			t.Errorf("inDomain(%q, %q) = %v", tt.domain, tt.host, got)
		}
	}
}

func TestRemoteHostCache(t *testing.T) {
	calls := 0
	stubHosts(t, nil)
	lookupHost = func(ip netip.Addr) string { calls++; return "" }
	ip := netip.MustParseAddr("192.0.2.7")
	remoteHost(ip)
	remoteHost(ip)
	if calls != 1 {
		t.Errorf("%d lookups, want 1 (failed lookups are cached too)", calls)
	}
}
