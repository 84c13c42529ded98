package config

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"
)

const vhostConf = `
Listen 80
Listen 8080
ServerName main.example
<VirtualHost *:80>
    ServerName a.example
    ServerAlias www.a.example *.wild.example ?.q.example
</VirtualHost>
<VirtualHost *:80>
    ServerName b.example
</VirtualHost>
<VirtualHost *:8080>
    ServerName c.example
</VirtualHost>
<VirtualHost 10.0.0.1:80>
    ServerName ip.example
</VirtualHost>
<VirtualHost 10.0.0.1:80>
    ServerName ip2.example
</VirtualHost>
<VirtualHost [::1]:80>
    ServerName v6.example
</VirtualHost>
<VirtualHost 10.0.0.2 _default_:8443>
    ServerName anyport.example
</VirtualHost>
`

func TestSelectServer(t *testing.T) {
	c := mustLoad(t, vhostConf)
	byName := map[string]*Server{"main": c.Main}
	for _, v := range c.VHosts {
		byName[v.ServerName] = v
	}
	tests := []struct {
		local, host, want string
	}{
		{"1.2.3.4:80", "b.example", "b.example"},
		{"1.2.3.4:80", "B.EXAMPLE:80", "b.example"},
		{"1.2.3.4:80", "b.example.", "b.example"},
		{"1.2.3.4:80", "a.example", "a.example"},
		{"1.2.3.4:80", "www.a.example", "a.example"},
		{"1.2.3.4:80", "deep.sub.WILD.example", "a.example"},
		{"1.2.3.4:80", "x.q.example", "a.example"},
		{"1.2.3.4:80", "xy.q.example", "a.example"}, // no match: first vhost anyway
		{"1.2.3.4:80", "unknown.example", "a.example"},
		{"1.2.3.4:80", "", "a.example"},
		{"1.2.3.4:80", "[::1]:80", "a.example"},
		{"1.2.3.4:8080", "b.example", "c.example"},
		{"1.2.3.4:9090", "b.example", "main"},
		{"1.2.3.4:8443", "", "anyport.example"},
		{"10.0.0.1:80", "b.example", "ip.example"},
		{"10.0.0.1:80", "ip2.example", "ip2.example"},
		{"10.0.0.1:8080", "", "c.example"},
		{"10.0.0.2:1234", "", "anyport.example"},
		{"[::1]:80", "", "v6.example"},
		{"[::ffff:10.0.0.1]:80", "", "ip.example"},
	}
	for _, tt := range tests {
		got := c.SelectServer(netip.MustParseAddrPort(tt.local), tt.host)
		if got != byName[tt.want] {
			t.Errorf("SelectServer(%s, %q) = %q, want %q", tt.local, tt.host, got.ServerName, tt.want)
		}
	}
	if got := c.SelectServer(netip.AddrPort{}, "c.example"); got != byName["c.example"] {
		t.Errorf("invalid local address: got %q", got.ServerName)
	}
	noVhosts := mustLoad(t, "ServerName only\n")
	if got := noVhosts.SelectServer(netip.MustParseAddrPort("1.2.3.4:80"), "x"); got != noVhosts.Main {
		t.Errorf("no vhosts: got %+v", got)
	}
	// A Config built by hand (no Load) still works.
	hand := &Config{Main: &Server{Dir: &DirConfig{}}, VHosts: []*Server{{IsVirtual: true, Addrs: []string{"*:80"}, ServerName: "h", Dir: &DirConfig{}}}}
	if got := hand.SelectServer(netip.MustParseAddrPort("1.2.3.4:80"), "zzz"); got != hand.VHosts[0] {
		t.Errorf("hand-built config: got %+v", got)
	}
}

func TestGlobFold(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"*.example.com", "a.example.com", true},
		{"*.example.com", "a.b.Example.COM", true},
		{"*.example.com", "example.com", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*", "", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
	}
	for _, tt := range tests {
		if got := globFold(tt.pat, tt.s); got != tt.want {
			t.Errorf("globFold(%q, %q) = %v", tt.pat, tt.s, got)
		}
	}
}

func TestLocationMatching(t *testing.T) {
	c := mustLoad(t, `
<Location /foo>
    PythonOption foo yes
</Location>
<Location /bar/>
    PythonOption bar yes
</Location>
<Location />
    PythonOption root yes
</Location>
<Location /w/*/x>
    PythonOption wild yes
</Location>
<LocationMatch \.py$>
    PythonOption py yes
</LocationMatch>
`)
	tests := []struct {
		uri  string
		want []string
	}{
		{"/foo", []string{"foo", "root"}},
		{"/foo/", []string{"foo", "root"}},
		{"/foo/anything", []string{"foo", "root"}},
		{"/foobar", []string{"root"}},
		{"/bar", []string{"root"}},
		{"/bar/x", []string{"bar", "root"}},
		{"/w/a/x", []string{"root", "wild"}},
		{"/w/a/b/x", []string{"root"}},
		{"/app/x.py", []string{"root", "py"}},
		{"/x.py/more", []string{"root"}},
	}
	for _, tt := range tests {
		d := c.LocationConfig(nil, tt.uri)
		var got []string
		for _, kv := range d.PythonOptions {
			got = append(got, kv.Key)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("LocationConfig(%q) options = %v, want %v", tt.uri, got, tt.want)
		}
	}
}

const orderConf = `
PythonOption k server
<VirtualHost *:80>
    ServerName v.example
    PythonOption k vhost
    <Directory /a>
        PythonOption k vhost-dir-a
    </Directory>
    <Location /u>
        PythonOption k vhost-location
    </Location>
</VirtualHost>
<Location /u>
    PythonOption k location
</Location>
<Files f.py>
    PythonOption k files
</Files>
<DirectoryMatch ^/a/b$>
    PythonOption k directorymatch
</DirectoryMatch>
<Directory /a/b>
    PythonOption k dir-a-b
    <Files *.py>
        PythonOption k nested-files
    </Files>
</Directory>
<Directory /a>
    PythonOption k dir-a
</Directory>
<Directory /a/*/c>
    PythonOption k wild-a-x-c
</Directory>
<Directory /z>
    PythonOption k dir-z
</Directory>
`

// sectionNames lists the k option each matched section sets, in merge order.
func matchOrder(c *Config, s *Server, uri, filename string) []string {
	var names []string
	for _, sec := range c.indexFor(s).match(nil, uri, filename) {
		v, _ := option(sec.Conf, "k")
		names = append(names, v)
	}
	return names
}

func TestMergeOrder(t *testing.T) {
	c := mustLoad(t, orderConf)
	vh := c.VHosts[0]
	tests := []struct {
		srv           *Server
		uri, filename string
		order         []string
		winner        string
	}{
		{c.Main, "/u/x", "/a/b/f.py", []string{"dir-a", "dir-a-b", "directorymatch", "files", "nested-files", "location"}, "location"},
		{c.Main, "/nomatch", "/a/b/f.py", []string{"dir-a", "dir-a-b", "directorymatch", "files", "nested-files"}, "nested-files"},
		{c.Main, "/nomatch", "/a/b/g.txt", []string{"dir-a", "dir-a-b", "directorymatch"}, "directorymatch"},
		{c.Main, "/nomatch", "/a/x/c/g.txt", []string{"dir-a", "wild-a-x-c"}, "wild-a-x-c"},
		{c.Main, "/nomatch", "/a", []string{"dir-a"}, "dir-a"},
		{c.Main, "/nomatch", "/ab/f.py", []string{"files"}, "files"},
		{c.Main, "/nomatch", "", nil, "server"},
		{c.Main, "/u", "", []string{"location"}, "location"},
		// vhost: main's sections first, then the vhost's (ties by component count: main first).
		{vh, "/u", "/a/b/f.py", []string{"dir-a", "vhost-dir-a", "dir-a-b", "directorymatch", "files", "nested-files", "location", "vhost-location"}, "vhost-location"},
		{vh, "/nomatch", "/a/q", []string{"dir-a", "vhost-dir-a"}, "vhost-dir-a"},
		{vh, "/nomatch", "/elsewhere", nil, "vhost"},
	}
	for _, tt := range tests {
		got := matchOrder(c, tt.srv, tt.uri, tt.filename)
		if fmt.Sprint(got) != fmt.Sprint(tt.order) {
			t.Errorf("%s %q %q: order %v, want %v", tt.srv.ServerName, tt.uri, tt.filename, got, tt.order)
		}
		d := c.DirConfigFor(tt.srv, tt.uri, tt.filename)
		if v, _ := option(d, "k"); v != tt.winner {
			t.Errorf("%s %q %q: k = %q, want %q", tt.srv.ServerName, tt.uri, tt.filename, v, tt.winner)
		}
		// Cached: the same pointer the second time.
		if d2 := c.DirConfigFor(tt.srv, tt.uri, tt.filename); d2 != d {
			t.Errorf("%s %q %q: result not cached", tt.srv.ServerName, tt.uri, tt.filename)
		}
	}
	// Same sections, other URI and file: same cached result.
	if c.DirConfigFor(c.Main, "/u/1", "/a/b/f.py") != c.DirConfigFor(c.Main, "/u/2/deeper", "/a/b/f.py") {
		t.Errorf("results for the same sections differ")
	}
}

func TestLookupConcurrent(t *testing.T) {
	c := mustLoad(t, orderConf)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				f := fmt.Sprintf("/a/b/%d.py", i%7)
				if i%3 == 0 {
					f = "/a/x/c/g"
				}
				d := c.DirConfigFor(c.VHosts[0], "/u", f)
				if v, _ := option(d, "k"); v != "vhost-location" {
					t.Errorf("k = %q", v)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestCacheBound(t *testing.T) {
	c := mustLoad(t, orderConf)
	st := c.lk
	for i := 0; i < maxCacheEntries+10; i++ {
		st.store(uint64(i), &cacheEntry{})
	}
	if n := len(*st.cache.Load()); n > maxCacheEntries {
		t.Errorf("cache grew to %d entries", n)
	}
	// Colliding keys are checked, not trusted.
	d := c.DirConfigFor(c.Main, "/u", "/a/b/f.py")
	m := c.Main.idx.match(nil, "/nomatch", "/a/b/g.txt")
	key := signature(c.Main.idx.id, m)
	st.store(key, &cacheEntry{ix: c.Main.idx, ids: []uint32{999}, conf: d})
	if got := c.DirConfigFor(c.Main, "/nomatch", "/a/b/g.txt"); got == d {
		t.Errorf("a colliding cache entry was returned")
	}
}

func TestHandBuiltConfigLookup(t *testing.T) {
	sec := &Section{Kind: SectionLocation, Path: "/x", Conf: &DirConfig{PythonOptions: []KV{{"k", "x"}}}}
	c := &Config{Main: &Server{Dir: &DirConfig{}, Sections: []*Section{sec}}}
	if v, _ := option(c.LocationConfig(nil, "/x/y"), "k"); v != "x" {
		t.Errorf("hand-built config: k = %q", v)
	}
}

func TestLookupAllocs(t *testing.T) {
	c := mustLoad(t, vhostConf+orderConf)
	local := netip.MustParseAddrPort("1.2.3.4:80")
	s := c.SelectServer(local, "b.example")
	c.DirConfigFor(s, "/u/x", "/a/b/f.py") // warm the cache
	allocs := testing.AllocsPerRun(100, func() {
		s := c.SelectServer(local, "B.example:80")
		c.DirConfigFor(s, "/u/x", "/a/b/f.py")
	})
	if allocs != 0 {
		t.Errorf("SelectServer+DirConfigFor allocate %v times per call on a cache hit", allocs)
	}
}

func BenchmarkSelectServer(b *testing.B) {
	c := mustLoad(b, vhostConf)
	local := netip.MustParseAddrPort("1.2.3.4:80")
	for b.Loop() {
		c.SelectServer(local, "www.a.example")
	}
}

func BenchmarkDirConfigFor(b *testing.B) {
	c := mustLoad(b, orderConf)
	for b.Loop() {
		c.DirConfigFor(c.VHosts[0], "/u/x", "/a/b/f.py")
	}
}
