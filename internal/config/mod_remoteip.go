package config

import (
	"net/netip"
	"strings"
)

// remoteipModule is mod_remoteip: the client's address from a header a
// proxy adds (RemoteIPHeader), trusting only the proxies listed
// (RemoteIPInternalProxy, RemoteIPTrustedProxy and their *List forms);
// RemoteIPProxiesHeader names a header that gets the proxies passed. All
// are per server: a virtual host that sets none of one has the main
// server's.
var remoteipModule = &module{
	name:    "remoteip_module",
	builtin: true,
	directives: []*directive{
		{name: "RemoteIPHeader", ctx: cServer, min: 1, max: 1, usage: "header-name", fn: dRemoteIPHeader},
		{name: "RemoteIPProxiesHeader", ctx: cServer, min: 1, max: 1, usage: "header-name", fn: dRemoteIPHeader},
		{name: "RemoteIPInternalProxy", ctx: cServer, min: 1, max: -1, usage: "address[/mask] ...", fn: dRemoteIPProxy},
		{name: "RemoteIPTrustedProxy", ctx: cServer, min: 1, max: -1, usage: "address[/mask] ...", fn: dRemoteIPProxy},
		{name: "RemoteIPInternalProxyList", ctx: cServer, min: 1, max: 1, usage: "filename", fn: dRemoteIPProxyList},
		{name: "RemoteIPTrustedProxyList", ctx: cServer, min: 1, max: 1, usage: "filename", fn: dRemoteIPProxyList},
	},
}

// RemoteIPProxy is one proxy mod_remoteip trusts.
type RemoteIPProxy struct {
	Net netip.Prefix
	// Internal (RemoteIPInternalProxy): the proxy may present any
	// address, a private one included; a trusted proxy's (RemoteIPTrustedProxy)
	// private or otherwise non-public addresses are not believed.
	Internal bool
}

func dRemoteIPHeader(p *parser, c *call) error {
	if c.d.name == "RemoteIPHeader" {
		c.srv.RemoteIPHeader = c.args[0]
	} else {
		c.srv.RemoteIPProxiesHeader = c.args[0]
	}
	return nil
}

func dRemoteIPProxy(p *parser, c *call) error {
	for _, a := range c.args {
		if err := c.addRemoteIPProxy(a, c.d.name == "RemoteIPInternalProxy"); err != nil {
			return err
		}
	}
	return nil
}

// addRemoteIPProxy adds one address or network to the server's proxies.
func (c *call) addRemoteIPProxy(a string, internal bool) error {
	addr, mask, hasMask := strings.Cut(a, "/")
	n, looksIP, err := parseIPSubnet(addr, mask, hasMask)
	switch {
	case err != nil:
		return c.errf("RemoteIP: error parsing IP %s: %v", a, err)
	case !looksIP:
		return c.errf("RemoteIP: %s is a host name: modpy does not resolve names in its configuration; give the proxy's address", a)
	}
	c.srv.RemoteIPProxies = append(c.srv.RemoteIPProxies, RemoteIPProxy{Net: n, Internal: internal})
	return nil
}

// dRemoteIPProxyList reads a file of proxy addresses, whitespace
// separated, '#' starting a comment to the end of its line.
func dRemoteIPProxyList(p *parser, c *call) error {
	name := p.abs(c.args[0])
	if !p.fs {
		return nil
	}
	data, err := readConfigFile(name, MaxConfigFileSize)
	if err != nil {
		return c.errf("could not open file %s: %v", name, err)
	}
	internal := c.d.name == "RemoteIPInternalProxyList"
	for i, line := range strings.Split(string(data), "\n") {
		for _, w := range strings.Fields(line) {
			if strings.HasPrefix(w, "#") {
				break
			}
			if err := c.addRemoteIPProxy(w, internal); err != nil {
				return c.errf("%v at line %d of %s", err.(*Error).Msg, i+1, name)
			}
		}
	}
	return nil
}
