package config

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// maxIncludeDepth bounds Include nesting, as Apache does (AP_MAX_INCLUDE_DEPTH).
const maxIncludeDepth = 128

// Context bits: where a directive or section may appear.
type ctxMask uint8

const (
	cMain  ctxMask = 1 << iota // server config, outside any section
	cVHost                     // <VirtualHost>, outside per-directory sections
	cDir                       // <Directory>, <DirectoryMatch>
	cFiles                     // <Files>, <FilesMatch>
	cLoc                       // <Location>, <LocationMatch>

	cServer   = cMain | cVHost
	cSections = cDir | cFiles | cLoc
	cAll      = cServer | cSections
)

// ctxNames lists the contexts in a mask, for error messages.
func ctxNames(m ctxMask) string {
	var s []string
	if m&cMain != 0 {
		s = append(s, "server config")
	}
	if m&cVHost != 0 {
		s = append(s, "<VirtualHost>")
	}
	if m&cDir != 0 {
		s = append(s, "<Directory>")
	}
	if m&cFiles != 0 {
		s = append(s, "<Files>")
	}
	if m&cLoc != 0 {
		s = append(s, "<Location>")
	}
	return strings.Join(s, ", ")
}

// parser holds the state of one Load.
type parser struct {
	cfg  *Config
	root string // current ServerRoot
	vars map[string]string
	fs   bool // false: no file system access (fuzzing)
	// noTLSKeys: LoadOptions.NoTLSKeys.
	noTLSKeys bool
	stack     []*frame
	incl      []string // files being read, outermost first
	// noticed dedupes notices by key.
	noticed map[string]bool

	typesFile  map[string]string // from an explicit TypesConfig
	typesSet   bool
	defaultFmt string // last LogFormat without a nickname
	logRefs    []logRef
	vhAddrs    map[*Server][]vhAddr
	// override is set while parsing an access file (.htaccess): what its
	// directory's AllowOverride lets it hold.
	override *Override
	// noDocRoot: LoadOptions.NoDocumentRootCheck (-T).
	noDocRoot bool
	// groupRefs are the literal process-group= names, checked against
	// the WSGIDaemonProcess groups once all are read (finishGroups).
	groupRefs []groupRef
	// userDirMinUidSet: UserDirMinUid was read (else its default).
	userDirMinUidSet bool
}

// logRef points at a CustomLog whose format is resolved after parsing.
type logRef struct {
	srv *Server
	i   int
}

type frameKind uint8

const (
	frameCond frameKind = iota
	frameVHost
	frameSection
	frameAuthz // <RequireAll>, <RequireAny>, <RequireNone>
)

// frame is one open section.
type frame struct {
	kind frameKind
	tag  string // canonical section name: "Directory", "IfModule", ...
	pos  Pos
	srv  *Server
	sec  *Section
	ctx  ctxMask
	node *Require // frameAuthz: the container being filled
}

// scope is where the parser is: the server, the innermost per-directory
// section and the context bit.
type scope struct {
	srv    *Server
	sec    *Section // innermost Directory/Files/Location section
	dirSec *Section // the <Directory> enclosing a nested <Files>
	ctx    ctxMask
	tag    string // innermost section tag as "<Name>"
}

func (p *parser) scope() scope {
	s := scope{srv: p.cfg.Main, ctx: cMain, tag: "server config"}
	for _, f := range p.stack {
		switch f.kind {
		case frameVHost:
			s.srv, s.ctx, s.tag = f.srv, cVHost, "<VirtualHost>"
		case frameSection:
			if s.sec != nil {
				s.dirSec = s.sec
			}
			s.sec, s.ctx, s.tag = f.sec, f.ctx, "<"+f.tag+">"
		}
	}
	return s
}

// notice records a notice once per key.
func (p *parser) notice(key string, pos Pos, format string, a ...any) {
	if key != "" {
		if p.noticed[key] {
			return
		}
		p.noticed[key] = true
	}
	p.cfg.Notices = append(p.cfg.Notices, Notice{Pos: pos, Msg: fmt.Sprintf(format, a...)})
}

// abs makes a path absolute against the current ServerRoot and cleans it.
func (p *parser) abs(s string) string {
	if s == "" {
		return p.root
	}
	if filepath.IsAbs(s) {
		return filepath.Clean(s)
	}
	return filepath.Join(p.root, s)
}

func (p *parser) lookupVar(name string) (string, bool) {
	if v, ok := p.vars[name]; ok {
		return v, true
	}
	return os.LookupEnv(name)
}

// parseText parses one file's contents. name is how positions show it.
func (p *parser) parseText(name, data string) error {
	lines := splitLines(data)
	base := len(p.stack)
	for i := 0; i < len(lines); i++ {
		ln := lines[i]
		pos := Pos{File: name, Line: ln.num}
		text, err := expandVars(ln.text, p.lookupVar, func(v string) {
			p.notice("var "+v, pos, "config variable ${%s} is not defined; left as written", v)
		})
		if err != nil {
			name, _ := cutWord(ln.text)
			return &Error{Pos: pos, Directive: name, Msg: err.Error()}
		}
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		switch {
		case strings.HasPrefix(text, "</"):
			err = p.closeSection(text, pos, base)
		case text[0] == '<':
			var sk *skipBlock
			sk, err = p.openSection(text, pos)
			if err == nil && sk != nil {
				i, err = p.skip(lines, i, name, sk)
			}
		default:
			err = p.runDirective(text, pos)
		}
		if err != nil {
			return err
		}
	}
	if len(p.stack) > base {
		f := p.stack[base]
		p.stack = p.stack[:base]
		return &Error{Pos: f.pos, Directive: "<" + f.tag + ">",
			Msg: fmt.Sprintf("section is not closed: </%s> missing before the end of the file", f.tag)}
	}
	return nil
}

// parseFile reads and parses one file, checking for include loops.
func (p *parser) parseFile(file string, from Pos, dname string) error {
	if slices.Contains(p.incl, file) {
		chain := append(slices.Clone(p.incl), file)
		return &Error{Pos: from, Directive: dname, Msg: "include loop: " + strings.Join(chain, " -> ")}
	}
	if len(p.incl) >= maxIncludeDepth {
		return &Error{Pos: from, Directive: dname, Msg: fmt.Sprintf("includes nested deeper than %d", maxIncludeDepth)}
	}
	data, err := readConfigFile(file, MaxConfigFileSize)
	if err != nil {
		return &Error{Pos: from, Directive: dname, Msg: readErrText(file, err)}
	}
	p.cfg.Includes = append(p.cfg.Includes, Included{File: file, Line: from.Line, Depth: len(p.incl)})
	p.incl = append(p.incl, file)
	defer func() { p.incl = p.incl[:len(p.incl)-1] }()
	return p.parseText(file, string(data))
}

func unwrapPathErr(err error) string {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// include runs Include (optional=false) or IncludeOptional.
func (p *parser) include(arg string, optional bool, pos Pos, dname string) error {
	if !p.fs {
		return &Error{Pos: pos, Directive: dname, Msg: "file inclusion is disabled"}
	}
	target := p.abs(arg)
	if hasGlob(target) {
		matches, err := filepath.Glob(target)
		if err != nil {
			return &Error{Pos: pos, Directive: dname, Msg: fmt.Sprintf("bad wildcard pattern %q: %v", arg, err)}
		}
		if len(matches) == 0 {
			if optional {
				return nil
			}
			return &Error{Pos: pos, Directive: dname,
				Msg: fmt.Sprintf("no files match the wildcard pattern %s (use IncludeOptional to allow that)", target)}
		}
		for _, m := range matches {
			if err := p.includePath(m, pos, dname); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := os.Stat(target); err != nil {
		if optional && os.IsNotExist(err) {
			return nil
		}
		return &Error{Pos: pos, Directive: dname, Msg: "cannot read " + target + ": " + unwrapPathErr(err)}
	}
	return p.includePath(target, pos, dname)
}

// includePath includes a file, or every file under a directory in
// lexical order.
func (p *parser) includePath(target string, pos Pos, dname string) error {
	st, err := os.Stat(target)
	if err != nil {
		return &Error{Pos: pos, Directive: dname, Msg: "cannot read " + target + ": " + unwrapPathErr(err)}
	}
	if !st.IsDir() {
		return p.parseFile(target, pos, dname)
	}
	if slices.Contains(p.incl, target) {
		return &Error{Pos: pos, Directive: dname, Msg: "include loop through directory " + target}
	}
	ents, err := os.ReadDir(target)
	if err != nil {
		return &Error{Pos: pos, Directive: dname, Msg: "cannot read directory " + target + ": " + unwrapPathErr(err)}
	}
	p.incl = append(p.incl, target)
	defer func() { p.incl = p.incl[:len(p.incl)-1] }()
	for _, e := range ents {
		if err := p.includePath(filepath.Join(target, e.Name()), pos, dname); err != nil {
			return err
		}
	}
	return nil
}

func hasGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

// sectionNames maps lower-case section names to their canonical spelling.
var sectionNames = map[string]string{
	"virtualhost":    "VirtualHost",
	"directory":      "Directory",
	"directorymatch": "DirectoryMatch",
	"location":       "Location",
	"locationmatch":  "LocationMatch",
	"files":          "Files",
	"filesmatch":     "FilesMatch",
	"ifmodule":       "IfModule",
	"ifdefine":       "IfDefine",
	"ifversion":      "IfVersion",
	"iffile":         "IfFile",
	"ifdirective":    "IfDirective",
	"ifsection":      "IfSection",
	"requireall":     "RequireAll",
	"requireany":     "RequireAny",
	"requirenone":    "RequireNone",
}

// unsupportedSections are sections Apache has and modpy does not (yet).
var unsupportedSections = map[string]string{
	"if":            "expression sections (<If>, <ElseIf>, <Else>) are not supported by modpy",
	"elseif":        "expression sections (<If>, <ElseIf>, <Else>) are not supported by modpy",
	"else":          "expression sections (<If>, <ElseIf>, <Else>) are not supported by modpy",
	"limit":         "<Limit> is not supported by modpy yet",
	"limitexcept":   "<LimitExcept> is not supported by modpy yet",
	"proxy":         "mod_proxy is not supported by modpy",
	"proxymatch":    "mod_proxy is not supported by modpy",
	"macro":         "mod_macro is not supported by modpy",
	"authnprovider": "<AuthnProviderAlias> is not supported by modpy",
}

// skipBlock describes a false conditional section being skipped.
type skipBlock struct {
	tag   string // "IfModule"
	label string // "<IfModule mod_ssl.c>" as written
	pos   Pos
	// report: collect dropped Listen, <VirtualHost> and Require lines into
	// a notice (false <IfModule> only).
	report bool
}

// sectionHeader splits "<Name args>" into name and arguments.
func sectionHeader(text string, pos Pos) (name string, args []string, err error) {
	inner := text[1:]
	if !strings.HasSuffix(inner, ">") {
		n, _ := cutWord(inner)
		return n, nil, &Error{Pos: pos, Directive: "<" + n + ">", Msg: "directive missing closing '>'"}
	}
	inner = inner[:len(inner)-1]
	name, rest := cutWord(inner)
	args, err = splitArgs(rest)
	if err != nil {
		return name, nil, &Error{Pos: pos, Directive: "<" + name + ">", Msg: err.Error()}
	}
	return name, args, nil
}

// openSection handles a "<Name args>" line. It returns a skipBlock when the
// section is a false conditional whose body must be skipped.
func (p *parser) openSection(text string, pos Pos) (*skipBlock, error) {
	name, args, err := sectionHeader(text, pos)
	if err != nil {
		return nil, err
	}
	key := strings.ToLower(name)
	tag, known := sectionNames[key]
	if !known {
		if msg, ok := unsupportedSections[key]; ok {
			return nil, &Error{Pos: pos, Directive: "<" + name + ">", Msg: msg}
		}
		return nil, &Error{Pos: pos, Directive: "<" + name + ">", Msg: "unknown section"}
	}
	if why := p.checkOverride(sectionOverride[tag]); why != "" {
		return nil, &Error{Pos: pos, Directive: "<" + tag + ">", Msg: why}
	}
	sc := p.scope()
	if af := p.authzFrame(); af != nil && key != "requireall" && key != "requireany" && key != "requirenone" && !isCondSection(key) {
		return nil, &Error{Pos: pos, Directive: "<" + tag + ">", Msg: "not allowed inside <" + af.tag + "> (only Require and <RequireAll>, <RequireAny>, <RequireNone>)"}
	}
	switch key {
	case "requireall", "requireany", "requirenone":
		return nil, p.openAuthz(key, tag, args, pos, sc)
	case "ifmodule", "ifdefine", "ifversion", "iffile", "ifdirective", "ifsection":
		ok, err := p.evalCond(key, tag, args, pos)
		if err != nil {
			return nil, err
		}
		if !ok {
			return &skipBlock{tag: tag, label: text, pos: pos, report: key == "ifmodule"}, nil
		}
		p.stack = append(p.stack, &frame{kind: frameCond, tag: tag, pos: pos})
		return nil, nil
	case "virtualhost":
		if sc.ctx != cMain {
			return nil, &Error{Pos: pos, Directive: "<VirtualHost>", Msg: "not allowed inside " + sc.tag}
		}
		if len(args) == 0 {
			return nil, &Error{Pos: pos, Directive: "<VirtualHost>", Msg: "takes at least one address (*:80, 1.2.3.4:80, _default_)"}
		}
		var addrs []vhAddr
		for _, a := range args {
			va, isName, err := parseVHostAddr(a)
			if err != nil {
				return nil, &Error{Pos: pos, Directive: "<VirtualHost>", Msg: err.Error()}
			}
			if isName {
				p.notice("", pos, "<VirtualHost %s>: %q is a host name; modpy does not resolve names and treats it as *", a, a)
			}
			addrs = append(addrs, va)
		}
		srv := &Server{Pos: pos, IsVirtual: true, Addrs: args, Dir: &DirConfig{}}
		p.vhAddrs[srv] = addrs
		p.cfg.VHosts = append(p.cfg.VHosts, srv)
		p.stack = append(p.stack, &frame{kind: frameVHost, tag: tag, pos: pos, srv: srv, ctx: cVHost})
		return nil, nil
	}
	sec, bit, err := p.newSection(tag, key, args, pos, sc)
	if err != nil {
		return nil, err
	}
	p.stack = append(p.stack, &frame{kind: frameSection, tag: tag, pos: pos, srv: sc.srv, sec: sec, ctx: bit})
	return nil, nil
}

// newSection builds a Directory/Files/Location section and attaches it.
func (p *parser) newSection(tag, key string, args []string, pos Pos, sc scope) (*Section, ctxMask, error) {
	e := func(format string, a ...any) error {
		return &Error{Pos: pos, Directive: "<" + tag + ">", Msg: fmt.Sprintf(format, a...)}
	}
	var kind SectionKind
	var bit ctxMask
	switch key {
	case "directory":
		kind, bit = SectionDirectory, cDir
	case "directorymatch":
		kind, bit = SectionDirectoryMatch, cDir
	case "files":
		kind, bit = SectionFiles, cFiles
	case "filesmatch":
		kind, bit = SectionFilesMatch, cFiles
	case "location":
		kind, bit = SectionLocation, cLoc
	default:
		kind, bit = SectionLocationMatch, cLoc
	}
	allowed := cServer
	if bit == cFiles {
		allowed |= cDir
	}
	if sc.ctx&allowed == 0 {
		return nil, 0, e("not allowed inside %s", sc.tag)
	}
	isMatch := strings.HasSuffix(key, "match")
	var pat string
	regex := isMatch
	switch {
	case isMatch && len(args) == 1:
		pat = args[0]
	case isMatch:
		return nil, 0, e("takes one argument, a regular expression")
	case len(args) == 2 && args[0] == "~":
		regex = true
		kind++ // the Match kind follows the plain one
		pat = args[1]
	case len(args) == 1:
		pat = args[0]
	default:
		return nil, 0, e("takes one argument (or ~ and a regular expression)")
	}
	if pat == "" {
		return nil, 0, e("empty path")
	}
	sec := &Section{Kind: kind, Pos: pos, Conf: &DirConfig{}}
	switch {
	case regex:
		re, err := regexp.Compile(pat)
		if err != nil {
			return nil, 0, e("bad regular expression %q: %v", pat, err)
		}
		sec.Regex, sec.Path = re, pat
	case kind == SectionDirectory:
		sec.Path = p.abs(pat)
	default:
		sec.Path = pat
	}
	if !regex && hasGlob(sec.Path) {
		if _, err := path.Match(sec.Path, ""); err != nil {
			return nil, 0, e("bad wildcard pattern %q", pat)
		}
	}
	if bit == cFiles && sc.ctx == cDir {
		sc.sec.Files = append(sc.sec.Files, sec)
	} else {
		sc.srv.Sections = append(sc.srv.Sections, sec)
	}
	return sec, bit, nil
}

// closeSection handles a "</Name>" line.
func (p *parser) closeSection(text string, pos Pos, base int) error {
	if !strings.HasSuffix(text, ">") {
		return &Error{Pos: pos, Directive: text, Msg: "closing tag missing '>'"}
	}
	name := strings.TrimSpace(text[2 : len(text)-1])
	if strings.ContainsAny(name, " \t") {
		return &Error{Pos: pos, Directive: text, Msg: "closing tag takes no arguments"}
	}
	if len(p.stack) == base {
		return &Error{Pos: pos, Directive: "</" + name + ">", Msg: fmt.Sprintf("without matching <%s> section", name)}
	}
	top := p.stack[len(p.stack)-1]
	if !strings.EqualFold(name, top.tag) {
		return &Error{Pos: pos, Directive: "</" + name + ">",
			Msg: fmt.Sprintf("expected </%s> to close <%s> opened at %s", top.tag, top.tag, top.pos)}
	}
	p.stack = p.stack[:len(p.stack)-1]
	if top.kind == frameAuthz {
		return p.closeAuthz(top)
	}
	return nil
}

// skip consumes the body of a false conditional starting after lines[i],
// tracking nesting only, and returns the index of its closing line.
func (p *parser) skip(lines []logicalLine, i int, file string, sk *skipBlock) (int, error) {
	var depth []string
	var dropped []string
	for j := i + 1; j < len(lines); j++ {
		t := lines[j].text
		pos := Pos{File: file, Line: lines[j].num}
		switch {
		case strings.HasPrefix(t, "</"):
			name := strings.TrimSpace(strings.TrimSuffix(t[2:], ">"))
			if len(depth) == 0 {
				if !strings.EqualFold(name, sk.tag) {
					return j, &Error{Pos: pos, Directive: "</" + name + ">",
						Msg: fmt.Sprintf("expected </%s> to close <%s> opened at %s", sk.tag, sk.tag, sk.pos)}
				}
				if sk.report && len(dropped) > 0 {
					p.notice("", sk.pos, "%s is false: dropped %s", sk.label, strings.Join(dropped, ", "))
				}
				return j, nil
			}
			if top := depth[len(depth)-1]; !strings.EqualFold(name, top) {
				return j, &Error{Pos: pos, Directive: "</" + name + ">", Msg: fmt.Sprintf("expected </%s>", top)}
			}
			depth = depth[:len(depth)-1]
		case t[0] == '<':
			name, _ := cutWord(strings.TrimSuffix(t[1:], ">"))
			depth = append(depth, name)
			if strings.EqualFold(name, "VirtualHost") {
				dropped = append(dropped, strings.Join(strings.Fields(t), " "))
			}
		default:
			name, _ := cutWord(t)
			if strings.EqualFold(name, "Listen") || strings.EqualFold(name, "Require") {
				dropped = append(dropped, strings.Join(strings.Fields(t), " "))
			}
		}
	}
	return len(lines), &Error{Pos: sk.pos, Directive: "<" + sk.tag + ">",
		Msg: fmt.Sprintf("section is not closed: </%s> missing before the end of the file", sk.tag)}
}

// evalCond evaluates a conditional section's test.
func (p *parser) evalCond(key, tag string, args []string, pos Pos) (bool, error) {
	e := func(msg string) error { return &Error{Pos: pos, Directive: "<" + tag + ">", Msg: msg} }
	if key == "ifversion" {
		ok, err := ifVersion(args)
		if err != nil {
			return false, e(err.Error())
		}
		return ok, nil
	}
	if len(args) != 1 {
		return false, e("takes one argument")
	}
	arg := args[0]
	neg := strings.HasPrefix(arg, "!")
	if neg {
		arg = arg[1:]
	}
	if arg == "" {
		return false, e("missing name")
	}
	var ok bool
	switch key {
	case "ifmodule":
		ok = p.cfg.Modules[arg] || p.cfg.Modules[strings.ToLower(arg)]
	case "ifdefine":
		ok = p.cfg.Defines[arg]
	case "iffile":
		if p.fs {
			_, err := os.Stat(p.abs(arg))
			ok = err == nil
		}
	case "ifdirective":
		_, ok = directiveTable[strings.ToLower(arg)]
	case "ifsection":
		_, ok = sectionNames[strings.ToLower(arg)]
	}
	return ok != neg, nil
}

// runDirective checks and runs one directive line.
func (p *parser) runDirective(text string, pos Pos) error {
	name, rest := cutWord(text)
	key := strings.ToLower(name)
	d := directiveTable[key]
	if d == nil {
		return unknownDirective(name, key, pos)
	}
	args, err := splitArgs(rest)
	if err != nil {
		return &Error{Pos: pos, Directive: d.name, Msg: err.Error()}
	}
	if why := p.checkOverride(d.override); why != "" {
		return &Error{Pos: pos, Directive: d.name, Msg: why}
	}
	sc := p.scope()
	if d.ctx&sc.ctx == 0 {
		return &Error{Pos: pos, Directive: d.name, Msg: fmt.Sprintf("not allowed in %s (allowed in: %s)", sc.tag, ctxNames(d.ctx))}
	}
	if len(args) < d.min || (d.max >= 0 && len(args) > d.max) {
		return &Error{Pos: pos, Directive: d.name, Msg: argCountMsg(d, len(args))}
	}
	if af := p.authzFrame(); af != nil && d.name != "Require" {
		return &Error{Pos: pos, Directive: d.name, Msg: "not allowed inside <" + af.tag + "> (only Require and <RequireAll>, <RequireAny>, <RequireNone>)"}
	}
	if d.fn == nil {
		p.notice("dir "+d.name, pos, "%s: %s", d.name, d.note)
		return nil
	}
	c := &call{d: d, args: args, pos: pos, srv: sc.srv, sec: sc.sec, ctx: sc.ctx}
	if sc.sec != nil {
		c.conf = sc.sec.Conf
	} else {
		c.conf = sc.srv.Dir
	}
	c.hdir, c.hdirPattern, c.inLoc = handlerDir(sc)
	return d.fn(p, c)
}

// handlerDir is Handler.Dir and Handler.InLocation for a directive in sc.
func handlerDir(sc scope) (dir string, pattern, inLoc bool) {
	sec := sc.sec
	if sec == nil {
		return "", false, false
	}
	if sec.Kind == SectionFiles || sec.Kind == SectionFilesMatch {
		if sc.dirSec == nil {
			return "", false, false
		}
		sec = sc.dirSec
	}
	switch sec.Kind {
	case SectionDirectory:
		dir = sec.Path
		if !strings.HasSuffix(dir, "/") {
			dir += "/"
		}
		return dir, sec.Regex != nil || hasGlob(sec.Path), false
	case SectionDirectoryMatch:
		return sec.Path, true, false
	default:
		return sec.Path, false, true
	}
}

func argCountMsg(d *directive, got int) string {
	var want string
	switch {
	case d.min == 0 && d.max == 0:
		want = "takes no arguments"
	case d.min == d.max:
		want = "takes " + countWord(d.min, true) + " argument"
		if d.min > 1 {
			want += "s"
		}
	case d.max < 0:
		want = "takes at least " + countWord(d.min, false) + " argument"
		if d.min > 1 {
			want += "s"
		}
	case d.min+1 == d.max:
		want = fmt.Sprintf("takes %s or %s arguments", countWord(d.min, false), countWord(d.max, false))
	default:
		want = fmt.Sprintf("takes %d to %d arguments", d.min, d.max)
	}
	msg := fmt.Sprintf("%s, got %d", want, got)
	if d.usage != "" {
		msg += " (usage: " + d.name + " " + d.usage + ")"
	}
	return msg
}

func countWord(n int, exactly bool) string {
	words := []string{"no", "one", "two", "three", "four"}
	w := fmt.Sprint(n)
	if n < len(words) {
		w = words[n]
	}
	if exactly && n > 1 {
		return "exactly " + w
	}
	return w
}

// rewriteDirectives are mod_rewrite's, refused with a pointer to what to
// use instead.
var rewriteDirectives = map[string]bool{
	"rewriteengine": true, "rewriterule": true, "rewritecond": true,
	"rewritebase": true, "rewritemap": true, "rewriteoptions": true,
}

func unknownDirective(name, key string, pos Pos) error {
	e := &Error{Pos: pos, Directive: name}
	switch {
	case refused[key] != "":
		e.Msg = refused[key]
	case rewriteDirectives[key]:
		e.Msg = "mod_rewrite is not supported by modpy; use Redirect/RedirectMatch or a PythonTransHandler"
	case strings.HasPrefix(key, "ssl"):
		e.Msg = "unknown directive: this mod_ssl directive is not supported by modpy (docs/configuration.md, \"mod_ssl\", lists those that are)"
	case strings.HasPrefix(key, "proxy"):
		e.Msg = "unknown directive: mod_proxy is not supported by modpy"
	case strings.HasPrefix(key, "wsgi"):
		e.Msg = "unknown directive: this mod_wsgi directive is not supported by modpy (docs/wsgi.md lists those that are)"
		if s := suggest(key); s != "" {
			e.Msg = "unknown directive (did you mean " + s + "?)"
		}
	default:
		e.Msg = "unknown directive"
		if s := suggest(key); s != "" {
			e.Msg += " (did you mean " + s + "?)"
		}
	}
	return e
}

// suggest returns the known directive closest to key, if close enough.
func suggest(key string) string {
	best, bestD := "", 3 // at most two edits away
	if len(key) <= 5 {
		bestD = 2
	}
	for k, d := range directiveTable {
		dist := editDistance(key, k)
		if dist < bestD || (dist == bestD && best != "" && d.name < best) {
			best, bestD = d.name, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			c = min(c, prev[j]+1, cur[j-1]+1)
			cur[j] = c
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// apacheVersion is the httpd version <IfVersion> compares against: modpy
// follows Apache 2.4's configuration language.
var apacheVersion = [3]int{2, 4, 62}

// ifVersion evaluates <IfVersion [[!]operator] version>.
func ifVersion(args []string) (bool, error) {
	op, ver := "=", ""
	switch len(args) {
	case 1:
		ver = args[0]
	case 2:
		op, ver = args[0], args[1]
	default:
		return false, fmt.Errorf("takes [[!]operator] version")
	}
	neg := strings.HasPrefix(op, "!")
	if neg {
		op = op[1:]
	}
	cur := fmt.Sprintf("%d.%d.%d", apacheVersion[0], apacheVersion[1], apacheVersion[2])
	var ok bool
	switch op {
	case "~", "=", "==":
		if op == "~" || (len(ver) > 1 && strings.HasPrefix(ver, "/") && strings.HasSuffix(ver, "/")) {
			pat := ver
			if op != "~" {
				pat = ver[1 : len(ver)-1]
			}
			re, err := regexp.Compile(pat)
			if err != nil {
				return false, fmt.Errorf("bad regular expression %q: %v", pat, err)
			}
			ok = re.MatchString(cur)
			break
		}
		v, n, err := parseVersion(ver)
		if err != nil {
			return false, err
		}
		ok = slices.Equal(v[:n], apacheVersion[:n])
	case "<", "<=", ">", ">=":
		v, _, err := parseVersion(ver)
		if err != nil {
			return false, err
		}
		c := slices.Compare(apacheVersion[:], v[:])
		ok = op == "<" && c < 0 || op == "<=" && c <= 0 || op == ">" && c > 0 || op == ">=" && c >= 0
	default:
		return false, fmt.Errorf("unknown operator %q (=, ==, ~, <, <=, >, >=)", op)
	}
	return ok != neg, nil
}

// parseVersion parses major[.minor[.patch]]; n is how many parts were given.
func parseVersion(s string) (v [3]int, n int, err error) {
	parts := strings.Split(s, ".")
	if len(parts) > 3 {
		return v, 0, fmt.Errorf("bad version %q", s)
	}
	for i, p := range parts {
		if !isDigits(p) || len(p) > 6 {
			return v, 0, fmt.Errorf("bad version %q", s)
		}
		fmt.Sscan(p, &v[i])
	}
	return v, len(parts), nil
}
