package config

import (
	"net/netip"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary text to the parser (with file access off, so
// Include and TypesConfig cannot wander the file system) and checks that
// it never panics and that every error is an *Error with a position.
func FuzzParse(f *testing.F) {
	f.Add(ZeroConfig)
	f.Add(vhostConf)
	f.Add(orderConf)
	f.Add(debianTree["apache2.conf"])
	f.Add(debianTree["sites-enabled/010-pyapp.conf"])
	f.Add(debianTree["conf-enabled/serve-cgi-bin.conf"])
	f.Add("<IfModule !x>\n<IfVersion >= 2.4>\nDefine A b\n</IfVersion>\n</IfModule>\nPythonOption ${A} \"q\\\"\" \\\n x\n")
	f.Add("Options +Indexes -ExecCGI\nRedirect 301 /a http://b/\nErrorDocument 404 \"x y\"\n<Files ~ \"\\.py$\">\n</Files>\n")
	f.Add("<Location />\nRequire local\nRequire all granted\n</Location>\n<</>\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := load(LoadOptions{ServerRoot: "/nonexistent-modpy-fuzz"}, false, text)
		if err != nil {
			e, ok := err.(*Error)
			if !ok || e.Pos.File == "" || e.Msg == "" {
				t.Fatalf("bad error %T %#v", err, err)
			}
			_ = e.Error()
			return
		}
		// A config that loads answers lookups without panicking.
		s := c.SelectServer(netip.AddrPort{}, "x")
		c.DirConfigFor(s, "/a/b", "/a/b/c.py")
		c.LocationConfig(nil, strings.Repeat("/x", 3))
		for _, n := range c.Notices {
			_ = n.String()
		}
	})
}
