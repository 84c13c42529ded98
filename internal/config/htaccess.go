package config

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Override is a set of AllowOverride classes: which directives a
// .htaccess file may hold (Apache's OR_* bits).
type Override uint8

// The AllowOverride classes.
const (
	OverrideAuthConfig Override = 1 << iota // AuthType, AuthName, Require, Satisfy, ...
	OverrideFileInfo                        // AddHandler, SetHandler, AddType, ErrorDocument, Redirect, SetEnv, ...
	OverrideIndexes                         // DirectoryIndex, Index*
	OverrideLimit                           // Order, Allow, Deny
	OverrideOptions                         // Options
	OverrideAll        = OverrideAuthConfig | OverrideFileInfo | OverrideIndexes | OverrideLimit | OverrideOptions
)

// sectionOverride is the AllowOverride class that lets a section into a
// .htaccess file, as directive.override for directives; a section not
// listed is not allowed there.
var sectionOverride = map[string]Override{
	"RequireAll":  OverrideAuthConfig,
	"RequireAny":  OverrideAuthConfig,
	"RequireNone": OverrideAuthConfig,
	"Files":       OverrideAll,
	"FilesMatch":  OverrideAll,
	"IfModule":    OverrideAll,
	"IfDefine":    OverrideAll,
	"IfVersion":   OverrideAll,
	"IfFile":      OverrideAll,
	"IfDirective": OverrideAll,
	"IfSection":   OverrideAll,
}

// checkOverride reports why a directive or section of class o (0: none)
// may not appear in the .htaccess file being parsed ("" when it may).
func (p *parser) checkOverride(o Override) string {
	if p.override == nil {
		return ""
	}
	switch {
	case o == 0:
		return "not allowed in .htaccess files"
	case o&*p.override == 0:
		return "not allowed here: the directory's AllowOverride does not include " + overrideName(o)
	}
	return ""
}

func overrideName(o Override) string {
	switch o {
	case OverrideAuthConfig:
		return "AuthConfig"
	case OverrideFileInfo:
		return "FileInfo"
	case OverrideIndexes:
		return "Indexes"
	case OverrideLimit:
		return "Limit"
	case OverrideOptions:
		return "Options"
	}
	return "any class"
}

// accessIDs numbers the sections read from access files, above those of
// any Config, for the merge cache.
var accessIDs atomic.Uint32

func init() { accessIDs.Store(1 << 30) }

// AccessFiles reads the access files (.htaccess) of the directories whose
// AllowOverride lets them count, keeping each parse until its file
// changes (checked with a stat on every request, as Apache opens the file
// every time). It is safe for concurrent use.
type AccessFiles struct {
	c  *Config
	mu sync.Mutex
	m  map[string]*accessFile
}

type accessFile struct {
	mtime time.Time
	size  int64
	ino   uint64
	ovr   Override
	sec   *Section
	err   error
}

// maxAccessFiles bounds the parses kept; past it the cache starts over.
const maxAccessFiles = 4096

// AccessFiles returns the access file reader for this configuration.
func (c *Config) AccessFiles() *AccessFiles {
	return &AccessFiles{c: c, m: map[string]*accessFile{}}
}

// HasOverrides reports whether any <Directory> lets access files count.
func (c *Config) HasOverrides() bool { return c.overrides }

// load returns the parsed access file in dir (nil if there is none).
func (af *AccessFiles) load(names []string, dir string, ovr Override) (*Section, error) {
	for _, name := range names {
		file := strings.TrimSuffix(dir, "/") + "/" + name
		fi, err := os.Stat(file)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
				continue
			}
			// Apache: a .htaccess it cannot read is a 403 with this log.
			return nil, &Error{Pos: Pos{File: file}, Msg: "unable to check htaccess file, ensure it is readable and that '" +
				dir + "' is executable: " + unwrapPathErr(err), Forbidden: true}
		}
		if err := accessFileOK(file, fi); err != nil {
			return nil, err
		}
		var ino uint64
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			ino = st.Ino
		}
		af.mu.Lock()
		e := af.m[file]
		af.mu.Unlock()
		if e != nil && e.mtime.Equal(fi.ModTime()) && e.size == fi.Size() && e.ino == ino && e.ovr == ovr {
			return e.sec, e.err
		}
		data, err := readConfigFile(file, MaxAccessFileSize)
		if err != nil {
			// (Not regular or too large here: swapped since the stat.)
			return nil, &Error{Pos: Pos{File: file}, Msg: readErrText(file, err), Forbidden: !errors.Is(err, errTooLarge)}
		}
		sec, perr := af.c.parseAccessFile(file, dir, ovr, string(data))
		e = &accessFile{mtime: fi.ModTime(), size: fi.Size(), ino: ino, ovr: ovr, sec: sec, err: perr}
		af.mu.Lock()
		if len(af.m) >= maxAccessFiles {
			af.m = map[string]*accessFile{}
		}
		af.m[file] = e
		af.mu.Unlock()
		return e.sec, e.err
	}
	return nil, nil
}

// accessFileOK checks an access file's stat before it is read: anything
// but a regular file (a directory, a FIFO, a device, whatever a symbolic
// link points to) is refused as Apache refuses it, with a 403 and its
// AH00554 message; one over MaxAccessFileSize is an error (500).
func accessFileOK(file string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return &Error{Pos: Pos{File: file}, Msg: "AH00554: Access to file " + file + " denied by server: not a regular file (" +
			fileKind(fi.Mode()) + ")", Forbidden: true}
	}
	if fi.Size() > MaxAccessFileSize {
		return &Error{Pos: Pos{File: file}, Msg: tooLarge(file, fi.Size(), MaxAccessFileSize).Error()}
	}
	return nil
}

// parseAccessFile parses one access file as a <Directory dir> section
// holding only what ovr allows. It never touches the configuration: the
// parser writes to scratch copies.
func (c *Config) parseAccessFile(file, dir string, ovr Override, data string) (*Section, error) {
	scratch := &Config{ServerRoot: c.ServerRoot, Defines: c.Defines, Modules: c.Modules,
		LogFormats: c.LogFormats, Mime: c.Mime}
	p := &parser{cfg: scratch, root: c.ServerRoot, vars: map[string]string{}, fs: false,
		noticed: map[string]bool{}, vhAddrs: map[*Server][]vhAddr{}, override: &ovr}
	path := strings.TrimSuffix(dir, "/")
	if path == "" {
		path = "/"
	}
	sec := &Section{Kind: SectionDirectory, Path: path, Pos: Pos{File: file, Line: 1}, Conf: &DirConfig{}}
	srv := &Server{Dir: &DirConfig{}}
	p.stack = []*frame{{kind: frameSection, tag: "Directory", pos: sec.Pos, srv: srv, sec: sec, ctx: cDir}}
	if err := p.parseText(file, data); err != nil {
		return nil, err
	}
	sec.id = accessIDs.Add(1)
	for _, f := range sec.Files {
		f.id = accessIDs.Add(1)
	}
	return sec, nil
}

// SymlinkRule is what the Options in effect for a directory let the
// directory walk do with a symbolic link in it (Apache's resolve_symlink).
type SymlinkRule uint8

const (
	// SymlinksFollowed (FollowSymLinks without SymLinksIfOwnerMatch):
	// a link is followed when its target exists.
	SymlinksFollowed SymlinkRule = iota
	// SymlinksIfOwnerMatch (SymLinksIfOwnerMatch, with or without
	// FollowSymLinks): only when the link and its target have the same
	// owner.
	SymlinksIfOwnerMatch
	// SymlinksRefused (neither): never.
	SymlinksRefused
)

func symlinkRule(opts uint8) SymlinkRule {
	switch {
	case opts&optSymLinksIfOwnerMatch != 0:
		return SymlinksIfOwnerMatch
	case opts&optFollowSymLinks != 0:
		return SymlinksFollowed
	}
	return SymlinksRefused
}

// applyOptions is opts with d's Options applied, as Merge applies them.
func applyOptions(opts uint8, d *DirConfig) uint8 {
	switch {
	case d.Options != nil:
		return d.Options.bits()
	case d.OptionsAdd != nil || d.OptionsRemove != nil:
		return opts&^d.OptionsRemove.bits() | d.OptionsAdd.bits()
	}
	return opts
}

// WalkCheck is called by DirConfigAccess for each entry the directory
// walk steps into: path (absolute, no trailing slash) and the SymlinkRule
// of the Options in effect for the directory holding it. An error ends
// the walk, and DirConfigAccess returns it.
type WalkCheck func(path string, rule SymlinkRule) error

// DirConfigAccess is DirConfigFor with the access files and Apache's
// directory walk: walking from "/" down to the file's directory (the file
// itself when isDir), the access file of each directory whose
// AllowOverride (from the <Directory> sections applied so far) is not None
// is merged right after that directory's sections, and the <Files>
// sections it holds after the other <Files>. With check, the walk calls it
// for each entry it steps into (each directory below "/", then the file
// unless isDir), after the enclosing directory's sections and access file
// and before anything below the entry is read: so the rule it gets is that
// of the server's Options, the <Directory> sections matched so far and the
// access files read so far (as in Apache, <DirectoryMatch>, <Files> and
// <Location> sections do not count for it), and an access file in a
// directory check refused is never read. An access file that cannot be
// read or parsed is an *Error (the server answers 500, or 403 when
// Forbidden is set).
//
// When isDir, entries is the rule for the entries of that directory as
// mod_dir's DirectoryIndex lookups see it: that of the Options of the
// walk's result (Apache's per_dir_result), the server's, the <Directory>
// sections, the access files and, unlike the walk's own checks, the
// <DirectoryMatch> sections; never <Files> or <Location>. Without a walk
// (filename empty or relative) it is the server's rule.
func (c *Config) DirConfigAccess(s *Server, uri, filename string, isDir bool, af *AccessFiles, check WalkCheck) (dc *DirConfig, entries SymlinkRule, err error) {
	if s == nil {
		s = c.Main
	}
	useAF := af != nil && c.overrides
	if filename == "" || !strings.HasPrefix(filename, "/") {
		return c.DirConfigFor(s, uri, filename), symlinkRule(effectiveOptions(s.Dir)), nil
	}
	ix := c.indexFor(s)
	var buf [32]*Section
	m := ix.match(buf[:0], uri, filename)
	nd := 0
	for nd < len(m) && m[nd].Kind == SectionDirectory {
		nd++
	}
	walk := filename
	if !isDir {
		walk, _ = parentDir(filename)
	}
	walk = strings.TrimSuffix(walk, "/")
	var out, files []*Section
	if useAF {
		out = make([]*Section, 0, len(m)+4)
	}
	base := filename[strings.LastIndexByte(filename, '/')+1:]
	opts := effectiveOptions(s.Dir)
	var ovr Override
	j := 0
	// The level's directory is "/", then walk[:end] for each of walk's
	// components.
	for level, end := 0, 0; ; level++ {
		dir := "/"
		if level > 0 {
			dir = walk[:end]
		}
		for j < nd && components(m[j].Path) <= level {
			if a := m[j].Conf.AllowOverride; a != nil {
				ovr = *a
			}
			opts = applyOptions(opts, m[j].Conf)
			if useAF {
				out = append(out, m[j])
			}
			j++
		}
		if ovr != 0 && useAF {
			sec, err := af.load(s.AccessFileNames, dir, ovr)
			if err != nil {
				return nil, 0, err
			}
			if sec != nil {
				opts = applyOptions(opts, sec.Conf)
				out = append(out, sec)
				for _, f := range sec.Files {
					if base != "" && filesMatches(f, base) {
						files = append(files, f)
					}
				}
			}
		}
		if end == len(walk) {
			break
		}
		if next := strings.IndexByte(walk[end+1:], '/'); next < 0 {
			end = len(walk)
		} else {
			end += 1 + next
		}
		if check != nil {
			if err := check(walk[:end], symlinkRule(opts)); err != nil {
				return nil, 0, err
			}
		}
	}
	if check != nil && !isDir {
		if err := check(strings.TrimSuffix(filename, "/"), symlinkRule(opts)); err != nil {
			return nil, 0, err
		}
	}
	for _, sec := range m[j:] {
		if sec.Kind == SectionDirectory || sec.Kind == SectionDirectoryMatch {
			opts = applyOptions(opts, sec.Conf)
		}
	}
	entries = symlinkRule(opts)
	if !useAF {
		return c.mergeCached(ix, s, m), entries, nil
	}
	out = append(out, m[j:nd]...)
	rest := m[nd:]
	k := 0
	for k < len(rest) && rest[k].Kind != SectionLocation && rest[k].Kind != SectionLocationMatch {
		k++
	}
	out = append(out, rest[:k]...)
	out = append(out, files...)
	out = append(out, rest[k:]...)
	return c.mergeCached(ix, s, out), entries, nil
}
