package config

import (
	"math"
	"strconv"
	"strings"
)

// http2Module is mod_http2, with core's Protocols and ProtocolsHonorOrder
// (rows of coreModule, acted on here): which protocols a server speaks
// (h2 over TLS, h2c on plain connections, http/1.1), HTTP/2's session
// settings, and the Upgrade to h2c. It is builtin: modpy speaks HTTP/2
// without a LoadModule, once Protocols lists it.
//
// mod_http2's other directives are accepted where ignoring them cannot
// change what is served, to whom or what it reveals (worker pools, buffer
// sizes, TLS record sizing), and refused otherwise (server push, early
// hints, padding, forward proxying, WebSockets over HTTP/2).
var http2Module = &module{
	name:    "http2_module",
	builtin: true,
	directives: []*directive{
		{name: "H2Direct", ctx: cServer, min: 1, max: 1, usage: "on|off", fn: dH2Flag},
		{name: "H2Upgrade", ctx: cAll, override: OverrideAuthConfig, min: 1, max: 1, usage: "on|off", fn: dH2Upgrade},
		{name: "H2ModernTLSOnly", ctx: cServer, min: 1, max: 1, usage: "on|off", fn: dH2Flag},
		{name: "H2MaxSessionStreams", ctx: cServer, min: 1, max: 1, usage: "n", fn: dH2Number},
		{name: "H2WindowSize", ctx: cServer, min: 1, max: 1, usage: "bytes", fn: dH2Number},

		{name: "H2Push", ctx: cAll, override: OverrideAuthConfig, min: 1, max: 1, fn: only(refuseH2Push, "off")},
		{name: "H2PushResource", ctx: cAll, override: OverrideFileInfo | OverrideAuthConfig, min: 1, max: 3, fn: refuse(refuseH2Push)},
		{name: "H2PushPriority", ctx: cServer, min: 2, max: 3, note: noteH2Push},
		{name: "H2PushDiarySize", ctx: cServer, min: 1, max: 1, note: noteH2Push},
		{name: "H2EarlyHints", ctx: cServer, min: 1, max: 1, fn: only(refuseH2Hints, "off")},
		{name: "H2EarlyHint", ctx: cAll, override: OverrideFileInfo | OverrideAuthConfig, min: 2, max: 2, fn: refuse(refuseH2Hints)},
		{name: "H2Padding", ctx: cServer, min: 1, max: 1, fn: only("modpy does not pad HTTP/2 frames, so the lengths "+
			"padding would hide are seen", "0")},
		{name: "H2ProxyRequests", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, fn: only("modpy is no forward proxy", "off")},
		{name: "H2WebSockets", ctx: cServer, min: 1, max: 1, fn: only("modpy does not speak WebSockets", "off")},

		{name: "H2MinWorkers", ctx: cServer, min: 1, max: 1, note: noteH2Workers},
		{name: "H2MaxWorkers", ctx: cServer, min: 1, max: 1, note: noteH2Workers},
		{name: "H2MaxWorkerIdleSeconds", ctx: cServer, min: 1, max: 1, note: noteH2Workers},
		{name: "H2StreamMaxMemSize", ctx: cServer, min: 1, max: 1, note: noteH2Buffers},
		{name: "H2OutputBuffering", ctx: cServer, min: 1, max: 1, note: noteH2Buffers},
		{name: "H2CopyFiles", ctx: cAll, override: OverrideFileInfo, min: 1, max: 1, note: noteH2Buffers},
		{name: "H2MaxDataFrameLen", ctx: cServer, min: 1, max: 1, note: noteH2Buffers},
		{name: "H2MaxHeaderBlockLen", ctx: cServer, min: 1, max: 1, note: noteH2Buffers},
		{name: "H2TLSWarmUpSize", ctx: cServer, min: 1, max: 1, note: noteH2Buffers},
		{name: "H2TLSCoolDownSecs", ctx: cServer, min: 1, max: 1, note: noteH2Buffers},
		{name: "H2StreamTimeout", ctx: cServer, min: 1, max: 1, note: "modpy's HTTP/2 streams wait Timeout for each read and write; ignored"},
		{name: "H2MaxStreamErrors", ctx: cServer, min: 1, max: 1, note: "modpy's HTTP/2 (Go's) decides when a client's errors end its connection; ignored"},
		{name: "H2SerializeHeaders", ctx: cServer, min: 1, max: 1, note: "obsolete in mod_http2 too; ignored"},
		{name: "H2SessionExtraFiles", ctx: cServer, min: 1, max: 1, note: "obsolete in mod_http2 too; ignored"},
	},
	merge: mergeHTTP2,
}

const (
	refuseH2Push  = "modpy does not push resources over HTTP/2 (it behaves as \"H2Push off\"); clients would not get what this pushes"
	refuseH2Hints = "modpy sends no 103 Early Hints"
	noteH2Push    = "modpy does not push resources over HTTP/2; ignored"
	noteH2Workers = "modpy runs each HTTP/2 stream in a goroutine of its own (Python calls are bounded by ThreadsPerChild); ignored"
	noteH2Buffers = "modpy's HTTP/2 (Go's) sizes its own buffers and frames; ignored"
)

// refuse returns a directive function that refuses the directive, saying
// why.
func refuse(why string) func(*parser, *call) error {
	return func(p *parser, c *call) error { return c.errf("%s", why) }
}

// HTTP2 is a server's protocol settings: core's Protocols and
// ProtocolsHonorOrder and mod_http2's server-wide directives. A virtual
// host inherits each setting it leaves unset from the main server, as
// Apache merges them. The zero value is Apache's defaults.
type HTTP2 struct {
	// Protocols are Protocols' protocols, lower-case, most preferred
	// first; nil: unset ("http/1.1" only).
	Protocols []string
	// HonorOrder is ProtocolsHonorOrder (nil: On): the server's order of
	// Protocols decides between protocols the client offers, else the
	// client's.
	HonorOrder *bool
	// Direct is H2Direct (nil: on for h2c on plain connections, off for
	// h2 over TLS without ALPN).
	Direct *bool
	// ModernTLSOnly is H2ModernTLSOnly (nil: on).
	ModernTLSOnly *bool
	// MaxSessionStreams is H2MaxSessionStreams (0: 100).
	MaxSessionStreams int
	// WindowSize is H2WindowSize (0: 65535).
	WindowSize int
}

// inherit returns h with the settings it leaves unset taken from main's.
func (h HTTP2) inherit(main HTTP2) HTTP2 {
	if h.Protocols == nil {
		h.Protocols = main.Protocols
	}
	h.HonorOrder = pick(main.HonorOrder, h.HonorOrder)
	h.Direct = pick(main.Direct, h.Direct)
	h.ModernTLSOnly = pick(main.ModernTLSOnly, h.ModernTLSOnly)
	if h.MaxSessionStreams == 0 {
		h.MaxSessionStreams = main.MaxSessionStreams
	}
	if h.WindowSize == 0 {
		h.WindowSize = main.WindowSize
	}
	return h
}

// Protocol names.
const (
	ProtoHTTP1 = "http/1.1"
	ProtoH2    = "h2"
	ProtoH2C   = "h2c"
)

var defaultProtocols = []string{ProtoHTTP1}

// ProtocolList returns Protocols' protocols, most preferred first
// (["http/1.1"] when unset).
func (h *HTTP2) ProtocolList() []string {
	if len(h.Protocols) == 0 {
		return defaultProtocols
	}
	return h.Protocols
}

// Allows reports whether Protocols lists proto.
func (h *HTTP2) Allows(proto string) bool {
	for _, p := range h.ProtocolList() {
		if p == proto {
			return true
		}
	}
	return false
}

// DirectAllowed reports whether a connection may start HTTP/2 with the
// client's preface, without ALPN or Upgrade (mod_http2's
// h2_c1_allows_direct): H2Direct, by default on for h2c on plain
// connections and off over TLS, and Protocols listing h2c (h2 over TLS).
func (h *HTTP2) DirectAllowed(tls bool) bool {
	proto := ProtoH2C
	if tls {
		proto = ProtoH2
	}
	return flag(h.Direct, !tls) && h.Allows(proto)
}

// HonorsOrder is ProtocolsHonorOrder.
func (h *HTTP2) HonorsOrder() bool { return flag(h.HonorOrder, true) }

// ModernTLS is H2ModernTLSOnly.
func (h *HTTP2) ModernTLS() bool { return flag(h.ModernTLSOnly, true) }

func flag(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

// H2UpgradeAllowed is H2Upgrade for a request: "Upgrade: h2c" is honoured
// by default on plain connections, "Upgrade: h2" over TLS only when on.
func (d *DirConfig) H2UpgradeAllowed(tls bool) bool { return flag(d.H2Upgrade, !tls) }

// mergeHTTP2: H2Upgrade as Merge's first rule says (the inner one wins).
func mergeHTTP2(r, base, over *DirConfig) {
	r.H2Upgrade = pick(base.H2Upgrade, over.H2Upgrade)
}

// dProtocols is core's Protocols: the protocols a server speaks, most
// preferred first. A name modpy does not speak is kept (it is never
// chosen), with a notice.
func dProtocols(p *parser, c *call) error {
	list := make([]string, 0, len(c.args))
	for _, a := range c.args {
		a = strings.ToLower(a)
		switch a {
		case ProtoHTTP1, ProtoH2, ProtoH2C:
		default:
			p.notice("protocol "+a, c.pos, "Protocols %s: modpy does not speak %s; ignored", a, a)
		}
		list = append(list, a)
	}
	c.srv.HTTP2.Protocols = list
	return nil
}

// dProtocolsHonorOrder is core's ProtocolsHonorOrder.
func dProtocolsHonorOrder(p *parser, c *call) error {
	on, err := c.onOff(c.args[0])
	if err != nil {
		return err
	}
	c.srv.HTTP2.HonorOrder = &on
	return nil
}

func dH2Flag(p *parser, c *call) error {
	on, err := c.onOff(c.args[0])
	if err != nil {
		return err
	}
	switch c.d.name {
	case "H2Direct":
		c.srv.HTTP2.Direct = &on
	case "H2ModernTLSOnly":
		c.srv.HTTP2.ModernTLSOnly = &on
	}
	return nil
}

func dH2Upgrade(p *parser, c *call) error {
	on, err := c.onOff(c.args[0])
	if err != nil {
		return err
	}
	c.conf.H2Upgrade = &on
	return nil
}

// dH2Number is H2MaxSessionStreams (at least 1) and H2WindowSize (at
// least 1024, as mod_http2 checks; at most 2^31-1, HTTP/2's largest
// window).
func dH2Number(p *parser, c *call) error {
	n, err := strconv.Atoi(c.args[0])
	least := 1
	if c.d.name == "H2WindowSize" {
		least = 1024
	}
	if err != nil || n < least || n > math.MaxInt32 {
		return c.errf("%q: value must be a number from %d to %d", c.args[0], least, math.MaxInt32)
	}
	switch c.d.name {
	case "H2MaxSessionStreams":
		c.srv.HTTP2.MaxSessionStreams = n
	case "H2WindowSize":
		c.srv.HTTP2.WindowSize = n
	}
	return nil
}
