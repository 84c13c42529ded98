package config

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// maxCacheEntries bounds the merge cache. When it is full the cache starts
// over; the number of distinct section combinations of a real site is far
// smaller.
const maxCacheEntries = 4096

// lookupState holds what Load precomputes for request-time lookups.
type lookupState struct {
	vhosts []vhostMatch
	mu     sync.Mutex // serialises cache writers
	cache  atomic.Pointer[map[uint64]*cacheEntry]
}

// cacheEntry is one memoised merge: the server and the sections, in
// order, that produced conf.
type cacheEntry struct {
	ix   *serverIndex
	ids  []uint32
	conf *DirConfig
}

// vhostMatch is a virtual host's addresses and names, ready for matching.
type vhostMatch struct {
	srv   *Server
	addrs []vhAddr
	names []string // ServerName and plain aliases
	globs []string // aliases with * or ?, lower-case
}

// vhAddr is one parsed <VirtualHost> address.
type vhAddr struct {
	wild bool         // "*", "_default_" or an unresolved host name
	ips  []netip.Addr // specific addresses
	port uint16       // 0 = any port
}

// parseVHostAddr parses a <VirtualHost> argument. isName reports a host
// name, which modpy does not resolve and treats as "*".
func parseVHostAddr(s string) (a vhAddr, isName bool, err error) {
	host, port := s, ""
	switch {
	case strings.HasPrefix(s, "["):
		j := strings.IndexByte(s, ']')
		if j < 0 {
			return a, false, fmt.Errorf("bad address %q: missing ]", s)
		}
		host = s[1:j]
		if rest := s[j+1:]; rest != "" {
			if rest[0] != ':' {
				return a, false, fmt.Errorf("bad address %q", s)
			}
			port = rest[1:]
		}
	case strings.Count(s, ":") == 1:
		host, port, _ = strings.Cut(s, ":")
	}
	if port != "" && port != "*" {
		n, err := parsePort(port)
		if err != nil {
			return a, false, fmt.Errorf("bad address %q: %v", s, err)
		}
		a.port = uint16(n)
	}
	switch {
	case host == "*" || strings.EqualFold(host, "_default_"):
		a.wild = true
	case strings.EqualFold(host, "localhost"):
		a.ips = []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}
	default:
		if ip, err := netip.ParseAddr(host); err == nil {
			a.ips = []netip.Addr{ip.Unmap().WithZone("")}
			return a, false, nil
		}
		if !validHostName(host) {
			return a, false, fmt.Errorf("bad address %q (want *, _default_, an IP address, each with an optional :port)", s)
		}
		a.wild = true
		return a, true, nil
	}
	return a, false, nil
}

func validHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// newVHostMatches prepares vhost selection. addrs holds the addresses the
// parser already parsed (may be nil).
func newVHostMatches(cfg *Config, addrs map[*Server][]vhAddr) []vhostMatch {
	out := make([]vhostMatch, 0, len(cfg.VHosts))
	for _, v := range cfg.VHosts {
		vm := vhostMatch{srv: v, addrs: addrs[v]}
		if vm.addrs == nil {
			for _, s := range v.Addrs {
				if a, _, err := parseVHostAddr(s); err == nil {
					vm.addrs = append(vm.addrs, a)
				}
			}
		}
		add := func(n string) {
			n = strings.TrimSuffix(n, ".")
			if n == "" {
				return
			}
			if strings.ContainsAny(n, "*?") {
				vm.globs = append(vm.globs, strings.ToLower(n))
			} else {
				vm.names = append(vm.names, n)
			}
		}
		add(v.ServerName)
		for _, a := range v.ServerAliases {
			add(a)
		}
		out = append(out, vm)
	}
	return out
}

func newLookupState(cfg *Config, addrs map[*Server][]vhAddr) *lookupState {
	st := &lookupState{vhosts: newVHostMatches(cfg, addrs)}
	var id uint32
	number := func(secs []*Section) {
		for _, s := range secs {
			id++
			s.id = id
			for _, f := range s.Files {
				id++
				f.id = id
			}
		}
	}
	number(cfg.Main.Sections)
	for _, v := range cfg.VHosts {
		number(v.Sections)
	}
	cfg.Main.idx = buildIndex(st, cfg.Main, nil, 0)
	for i, v := range cfg.VHosts {
		v.idx = buildIndex(st, v, cfg.Main, uint32(i+1))
	}
	return st
}

// matches reports whether one of the vhost's addresses matches ip:port,
// counting only specific-IP addresses (exact) or only wildcard ones.
func (vm *vhostMatch) matches(ip netip.Addr, port uint16, exact bool) bool {
	for i := range vm.addrs {
		a := &vm.addrs[i]
		if a.port != 0 && a.port != port {
			continue
		}
		if !exact {
			if a.wild {
				return true
			}
			continue
		}
		for _, x := range a.ips {
			if x == ip {
				return true
			}
		}
	}
	return false
}

func (vm *vhostMatch) nameMatches(host string) bool {
	for _, n := range vm.names {
		if strings.EqualFold(n, host) {
			return true
		}
	}
	for _, g := range vm.globs {
		if globFold(g, host) {
			return true
		}
	}
	return false
}

// SelectServer returns the server that handles a request that arrived on
// localAddr with the given Host header, following Apache's name-based
// virtual hosting: the candidate vhosts are those with an address equal
// to the local IP (and port, when the vhost gives one); if there are
// none, those with a wildcard address ("*", "*:port", "_default_") for the
// port. Among the candidates, the first whose ServerName or a ServerAlias
// (wildcards * and ? allowed) equals the Host header's host (case
// insensitive, port and trailing dot stripped, "[v6]" understood) wins;
// if none does, the first candidate. With no candidate, the main server.
// An invalid localAddr matches every vhost. The result is never nil.
func (c *Config) SelectServer(localAddr netip.AddrPort, host string) *Server {
	return c.SelectServerFor(localAddr, host, "")
}

// SelectServerFor is SelectServer for a request for uri: when there is no
// Host (an HTTP/1.0 client), the first candidate whose ServerPath is a
// prefix of uri, ending at a "/" or at the end of uri, wins (Apache's
// check_serverpath).
func (c *Config) SelectServerFor(localAddr netip.AddrPort, host, uri string) *Server {
	if len(c.VHosts) == 0 {
		return c.Main
	}
	var vhosts []vhostMatch
	if c.lk != nil {
		vhosts = c.lk.vhosts
	} else {
		vhosts = newVHostMatches(c, nil)
	}
	name := hostOnly(host)
	ip, port := localAddr.Addr().Unmap().WithZone(""), localAddr.Port()
	any := !localAddr.IsValid()
	exact := false
	if !any {
		for i := range vhosts {
			if vhosts[i].matches(ip, port, true) {
				exact = true
				break
			}
		}
	}
	var first *Server
	for i := range vhosts {
		vm := &vhosts[i]
		if !any && !vm.matches(ip, port, exact) {
			continue
		}
		if first == nil {
			first = vm.srv
		}
		if name != "" && vm.nameMatches(name) {
			return vm.srv
		}
		if name == "" && underServerPath(uri, vm.srv.ServerPath) {
			return vm.srv
		}
	}
	if first != nil {
		return first
	}
	return c.Main
}

// underServerPath: uri is at or under the ServerPath p.
func underServerPath(uri, p string) bool {
	if p == "" || !strings.HasPrefix(uri, p) {
		return false
	}
	return p[len(p)-1] == '/' || len(uri) == len(p) || uri[len(p)] == '/'
}

// hostOnly returns the host part of a Host header, without port, brackets
// or trailing dot.
func hostOnly(h string) string {
	h = strings.TrimSpace(h)
	if strings.HasPrefix(h, "[") {
		j := strings.IndexByte(h, ']')
		if j < 0 {
			return ""
		}
		h = h[1:j]
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.IndexByte(h, ':') == i {
		h = h[:i]
	}
	return strings.TrimSuffix(h, ".")
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// globFold matches s against a lower-case pattern where * matches any run
// of characters (dots included) and ? any one character, ignoring ASCII
// case, as Apache's ap_strcasecmp_match.
func globFold(p, s string) bool { return wildMatch(s, p, true) }

// serverIndex is one server's sections sorted for Apache's merge order:
// the main server's followed by the vhost's own.
type serverIndex struct {
	st    *lookupState // nil: not cached
	id    uint32
	dirs  []*Section // <Directory> without regex, fewest components first
	dirRe []*Section // <DirectoryMatch>, <Directory ~>
	files []*Section // top-level <Files>, <FilesMatch>
	locs  []*Section // <Location>, <LocationMatch>
}

func buildIndex(st *lookupState, srv, main *Server, id uint32) *serverIndex {
	ix := &serverIndex{st: st, id: id}
	var all []*Section
	if main != nil && main != srv {
		all = append(all, main.Sections...)
	}
	all = append(all, srv.Sections...)
	for _, s := range all {
		switch s.Kind {
		case SectionDirectory:
			ix.dirs = append(ix.dirs, s)
		case SectionDirectoryMatch:
			ix.dirRe = append(ix.dirRe, s)
		case SectionFiles, SectionFilesMatch:
			ix.files = append(ix.files, s)
		default:
			ix.locs = append(ix.locs, s)
		}
	}
	slices.SortStableFunc(ix.dirs, func(a, b *Section) int {
		return cmp.Compare(components(a.Path), components(b.Path))
	})
	return ix
}

// components counts a directory path's components: "/" 0, "/a" 1, "/a/b" 2.
func components(p string) int {
	return strings.Count(strings.TrimSuffix(p, "/"), "/")
}

func (c *Config) indexFor(s *Server) *serverIndex {
	if s.idx != nil {
		return s.idx
	}
	main := c.Main
	if main == nil {
		main = s
	}
	return buildIndex(nil, s, main, 0)
}

// LocationConfig returns the per-directory configuration for a request
// URI that maps to no file (or before it is mapped): s.Dir merged with the
// <Location> and <LocationMatch> sections matching uri (the decoded path),
// the main server's first, then the vhost's, each in config order.
// "<Location /foo>" matches /foo, /foo/ and /foo/x but not /foobar;
// wildcards match the whole path with * and ? not crossing "/";
// LocationMatch regexes are unanchored. A nil s means the main server.
// The result is shared and must not be modified.
func (c *Config) LocationConfig(s *Server, uri string) *DirConfig {
	return c.DirConfigFor(s, uri, "")
}

// DirConfigFor returns the per-directory configuration for a request for
// uri mapped to filename, merged in Apache's order: s.Dir; the
// <Directory> sections whose path is filename or one of its parent
// directories, fewest path components first (ties: main server before
// vhost, then config order; wildcards match component by component); the
// regex <DirectoryMatch>/<Directory ~> sections matching filename's
// directory (tried with and without a trailing "/"), in config order; the
// <Files>/<FilesMatch> sections matching filename's base name, top-level
// ones first, then those nested in the matched directory sections; and
// the Location sections as in LocationConfig. filename "" skips the
// directory and files stages. Results are cached per combination of
// matched sections. The result is shared and must not be modified.
func (c *Config) DirConfigFor(s *Server, uri, filename string) *DirConfig {
	if s == nil {
		s = c.Main
	}
	ix := c.indexFor(s)
	var buf [32]*Section
	return c.mergeCached(ix, s, ix.match(buf[:0], uri, filename))
}

// mergeCached merges the sections m over s.Dir, memoised per combination
// of sections, and finishes the result (resolved.go) before any request
// sees it: the memo holds the finished values too.
func (c *Config) mergeCached(ix *serverIndex, s *Server, m []*Section) *DirConfig {
	if len(m) == 0 {
		return s.Dir
	}
	if ix.st == nil {
		conf := mergeSections(s.Dir, m)
		c.finishDir(conf)
		return conf
	}
	key := signature(ix.id, m)
	if cm := ix.st.cache.Load(); cm != nil {
		if e := (*cm)[key]; e != nil && e.ix == ix && sameIDs(e.ids, m) {
			return e.conf
		}
	}
	conf := mergeSections(s.Dir, m)
	c.finishDir(conf)
	ids := make([]uint32, len(m))
	for i, sec := range m {
		ids[i] = sec.id
	}
	ix.st.store(key, &cacheEntry{ix: ix, ids: ids, conf: conf})
	return conf
}

func mergeSections(base *DirConfig, m []*Section) *DirConfig {
	conf := base
	for _, sec := range m {
		conf = Merge(conf, sec.Conf)
	}
	return conf
}

// signature hashes a server id and section ids (FNV-1a).
func signature(server uint32, m []*Section) uint64 {
	h := uint64(14695981039346656037)
	mix := func(v uint32) {
		for i := 0; i < 4; i++ {
			h ^= uint64(byte(v >> (8 * i)))
			h *= 1099511628211
		}
	}
	mix(server)
	for _, s := range m {
		mix(s.id)
	}
	return h
}

func sameIDs(ids []uint32, m []*Section) bool {
	if len(ids) != len(m) {
		return false
	}
	for i, s := range m {
		if ids[i] != s.id {
			return false
		}
	}
	return true
}

func (st *lookupState) store(key uint64, e *cacheEntry) {
	st.mu.Lock()
	defer st.mu.Unlock()
	old := st.cache.Load()
	var m map[uint64]*cacheEntry
	if old == nil || len(*old) >= maxCacheEntries {
		m = make(map[uint64]*cacheEntry, 16)
	} else {
		m = make(map[uint64]*cacheEntry, len(*old)+1)
		maps.Copy(m, *old)
	}
	m[key] = e
	st.cache.Store(&m)
}

// match appends the sections matching uri and filename, in merge order.
func (ix *serverIndex) match(m []*Section, uri, filename string) []*Section {
	if filename != "" {
		start := len(m)
		for _, s := range ix.dirs {
			if dirMatches(s.Path, filename) {
				m = append(m, s)
			}
		}
		if len(ix.dirRe) > 0 {
			dir, dirSlash := parentDir(filename)
			for _, s := range ix.dirRe {
				if s.Regex.MatchString(dir) || s.Regex.MatchString(dirSlash) {
					m = append(m, s)
				}
			}
		}
		end := len(m)
		if base := filename[strings.LastIndexByte(filename, '/')+1:]; base != "" {
			for _, s := range ix.files {
				if filesMatches(s, base) {
					m = append(m, s)
				}
			}
			for i := start; i < end; i++ {
				d := m[i]
				for _, f := range d.Files {
					if filesMatches(f, base) {
						m = append(m, f)
					}
				}
			}
		}
	}
	for _, s := range ix.locs {
		if locMatches(s, uri) {
			m = append(m, s)
		}
	}
	return m
}

// parentDir returns filename's directory without and with a trailing "/".
func parentDir(f string) (string, string) {
	i := strings.LastIndexByte(f, '/')
	switch {
	case i < 0:
		return "", ""
	case i == 0:
		return "/", "/"
	}
	return f[:i], f[:i+1]
}

// dirMatches reports whether the non-regex <Directory> pat is filename or
// one of its parents.
func dirMatches(pat, f string) bool {
	if hasGlob(pat) {
		return dirGlobMatch(pat, f)
	}
	if pat == "/" {
		return strings.HasPrefix(f, "/")
	}
	return strings.HasPrefix(f, pat) && (len(f) == len(pat) || f[len(pat)] == '/')
}

// dirGlobMatch matches a wildcard directory pattern component by component
// against the leading components of f.
func dirGlobMatch(pat, f string) bool {
	for {
		pat = strings.TrimLeft(pat, "/")
		if pat == "" {
			return true
		}
		f = strings.TrimLeft(f, "/")
		if f == "" {
			return false
		}
		pc, prest, _ := strings.Cut(pat, "/")
		fc, frest, _ := strings.Cut(f, "/")
		if ok, _ := path.Match(pc, fc); !ok {
			return false
		}
		pat, f = prest, frest
	}
}

func filesMatches(s *Section, base string) bool {
	if s.Regex != nil {
		return s.Regex.MatchString(base)
	}
	if hasGlob(s.Path) {
		ok, _ := path.Match(s.Path, base)
		return ok
	}
	return s.Path == base
}

func locMatches(s *Section, uri string) bool {
	if s.Regex != nil {
		return s.Regex.MatchString(uri)
	}
	p := s.Path
	if hasGlob(p) {
		ok, _ := path.Match(p, uri)
		return ok
	}
	if !strings.HasPrefix(uri, p) {
		return false
	}
	return len(uri) == len(p) || p[len(p)-1] == '/' || uri[len(p)] == '/'
}
