package config

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// autoindexModule is mod_autoindex: the directory listing of Options
// Indexes, and how it looks (IndexOptions, the icons, alternative texts
// and descriptions, HeaderName and ReadmeName), what it leaves out
// (IndexIgnore) and how it sorts (IndexOrderDefault).
var autoindexModule = &module{
	name:    "autoindex_module",
	builtin: true,
	directives: []*directive{
		{name: "IndexOptions", ctx: cAll, override: OverrideIndexes, min: 1, max: -1, usage: "[+|-]option ...", fn: dIndexOptions},
		{name: "IndexOrderDefault", ctx: cAll, override: OverrideIndexes, min: 2, max: 2,
			usage: "Ascending|Descending Name|Date|Size|Description", fn: dIndexOrderDefault},
		{name: "IndexIgnore", ctx: cAll, override: OverrideIndexes, min: 1, max: -1, usage: "wildcard ...", fn: dIndexIgnore},
		{name: "IndexIgnoreReset", ctx: cAll, override: OverrideIndexes, min: 1, max: 1, usage: "On|Off", fn: dIndexIgnoreReset},
		{name: "IndexStyleSheet", ctx: cAll, override: OverrideIndexes, min: 1, max: 1, usage: "url", fn: dIndexString},
		{name: "IndexHeadInsert", ctx: cAll, override: OverrideIndexes, min: 1, max: 1, usage: "\"markup ...\"", fn: dIndexString},
		{name: "HeaderName", ctx: cAll, override: OverrideIndexes, min: 1, max: 1, usage: "filename", fn: dIndexString},
		{name: "ReadmeName", ctx: cAll, override: OverrideIndexes, min: 1, max: 1, usage: "filename", fn: dIndexString},
		{name: "DefaultIcon", ctx: cAll, override: OverrideIndexes, min: 1, max: 1, usage: "url", fn: dIndexString},
		{name: "AddIcon", ctx: cAll, override: OverrideIndexes, min: 2, max: -1, usage: "icon name ...", fn: dAddIcon},
		{name: "AddIconByType", ctx: cAll, override: OverrideIndexes, min: 2, max: -1, usage: "icon MIME-type ...", fn: dAddIcon},
		{name: "AddIconByEncoding", ctx: cAll, override: OverrideIndexes, min: 2, max: -1, usage: "icon MIME-encoding ...", fn: dAddIcon},
		{name: "AddAlt", ctx: cAll, override: OverrideIndexes, min: 2, max: -1, usage: "string file ...", fn: dAddIcon},
		{name: "AddAltByType", ctx: cAll, override: OverrideIndexes, min: 2, max: -1, usage: "string MIME-type ...", fn: dAddIcon},
		{name: "AddAltByEncoding", ctx: cAll, override: OverrideIndexes, min: 2, max: -1, usage: "string MIME-encoding ...", fn: dAddIcon},
		{name: "AddDescription", ctx: cAll, override: OverrideIndexes, min: 2, max: -1, usage: "string file ...", fn: dAddDescription},
		{name: "FancyIndexing", ctx: cAll, override: OverrideIndexes, min: 0, max: -1, fn: func(p *parser, c *call) error {
			return c.errf("the FancyIndexing directive is no longer supported; use IndexOptions FancyIndexing")
		}},
	},
	merge: func(r, base, over *DirConfig) {
		r.Autoindex = mergeAutoindex(base.Autoindex, over.Autoindex)
	},
}

// IndexOpts are the IndexOptions keywords that are flags.
type IndexOpts uint32

// The flags of IndexOptions, named after its keywords. IndexNone is
// "IndexOptions None", which no other flag may join in one section.
const (
	IndexNone IndexOpts = 1 << iota
	IndexIconsAreLinks
	IndexScanHTMLTitles
	IndexSuppressIcon
	IndexSuppressLastModified
	IndexSuppressSize
	IndexSuppressDescription
	IndexSuppressHTMLPreamble
	IndexSuppressColumnSorting
	IndexSuppressRules
	IndexFoldersFirst
	IndexVersionSort
	IndexTrackModified
	IndexFancyIndexing
	IndexHTMLTable
	IndexIgnoreClient
	IndexIgnoreCase
	IndexXHTML
	IndexShowForbidden
	IndexAddAltClass
	// IndexUnset is Apache's OPTION_UNSET: in Options, no flag keyword
	// (nor None) has made them absolute.
	IndexUnset
)

// indexKeywords maps IndexOptions' flag keywords (lower-case) to flags.
var indexKeywords = map[string]IndexOpts{
	"fancyindexing": IndexFancyIndexing, "foldersfirst": IndexFoldersFirst, "htmltable": IndexHTMLTable,
	"iconsarelinks": IndexIconsAreLinks, "ignorecase": IndexIgnoreCase, "ignoreclient": IndexIgnoreClient,
	"scanhtmltitles": IndexScanHTMLTitles, "suppresscolumnsorting": IndexSuppressColumnSorting,
	"suppressdescription": IndexSuppressDescription, "suppresshtmlpreamble": IndexSuppressHTMLPreamble,
	"suppressicon": IndexSuppressIcon, "suppresslastmodified": IndexSuppressLastModified,
	"suppresssize": IndexSuppressSize, "suppressrules": IndexSuppressRules, "trackmodified": IndexTrackModified,
	"versionsort": IndexVersionSort, "xhtml": IndexXHTML, "showforbidden": IndexShowForbidden,
	"addaltclass": IndexAddAltClass,
}

// IndexBy is what an icon or alternative text applies to.
type IndexBy uint8

// The AddIcon*, AddAlt* kinds.
const (
	IndexByPath     IndexBy = iota // AddIcon, AddAlt: a file name (pattern)
	IndexByType                    // AddIconByType, AddAltByType: a MIME type pattern
	IndexByEncoding                // AddIconByEncoding, AddAltByEncoding: a content encoding pattern
)

// IndexItem is one name of an AddIcon*, AddAlt* or IndexIgnore line, as
// mod_autoindex keeps it: the pattern To (a file name pattern, "*"
// prepended to a name without wildcards, for AddIcon and AddAlt), the
// pattern Path of the files it may apply to (the section's path and "*"),
// and the icon URL or text.
type IndexItem struct {
	By   IndexBy
	To   string
	Path string
	Data string
}

// IndexDescription is one name of an AddDescription line: a file name
// (FullPath: it has a "/", and is matched against the whole path) or a
// wildcard pattern, and its description (HTML, shown as written).
type IndexDescription struct {
	Pattern     string
	Description string
	FullPath    bool
	Wildcards   bool
}

// IndexWidth is NameWidth= or DescriptionWidth= of IndexOptions: unset
// (the zero value: 23 characters), a number of characters, or "*"
// (Adjust: as wide as the widest entry).
type IndexWidth struct {
	Set    bool
	Adjust bool
	N      int
}

// defaultIndexWidth is mod_autoindex's NameWidth and DescriptionWidth.
const defaultIndexWidth = 23

// Width is the width in characters w gives (its default when unset);
// for Adjust, the least width.
func (w IndexWidth) Width() int {
	if !w.Set {
		return defaultIndexWidth
	}
	return w.N
}

// Autoindex is mod_autoindex's per-directory configuration, merged as
// Apache merges it (mergeAutoindex). Options, Add and Remove are Apache's
// opts, incremented_opts and decremented_opts: a section's flag keywords
// without + or - make Options absolute (more than IndexUnset, and the
// section's + and - keywords are dropped by the merge); otherwise Options
// is IndexUnset and Add and Remove apply to the inherited flags. Flags
// are the flags in effect.
type Autoindex struct {
	Options, Add, Remove IndexOpts
	// IconWidth and IconHeight are the icons' size attributes (0: none).
	IconWidth, IconHeight int
	NameWidth, DescWidth  IndexWidth
	// Type and Charset make the listing's Content-Type (Type=, Charset=;
	// nil: text/html and ISO-8859-1); DateFormat is the strftime format
	// of the Last modified column (UseOldDateFormat; nil: %Y-%m-%d %H:%M).
	Type, Charset, DateFormat *string
	DefaultIcon, StyleSheet   *string
	HeadInsert                *string
	Header, Readme            *string
	// Icons and Alts are AddIcon* and AddAlt* (an AddIcon's "(ALT,url)"
	// adds to both), Descriptions AddDescription, Ignore IndexIgnore:
	// the inner section's first, then those inherited.
	Icons, Alts  []IndexItem
	Descriptions []IndexDescription
	Ignore       []IndexItem
	// IgnoreReset is IndexIgnoreReset On: the section's IndexIgnore
	// replaces the inherited list (not inherited itself).
	IgnoreReset bool
	// OrderKey ('N', 'M', 'S', 'D') and OrderDir ('A', 'D') are
	// IndexOrderDefault's (0: unset, by name ascending).
	OrderKey, OrderDir byte

	// walk is the kind of section the configuration is from, as
	// Apache's walks group them (indexWalk*): the merge's fold state is
	// before (the result before this walk's sections) and chain (this
	// walk's sections merged among themselves).
	walk          uint8
	before, chain *Autoindex
}

// Apache's walks, which merge their sections among themselves before the
// result goes on top of what came before.
const (
	indexWalkServer uint8 = iota
	indexWalkDirectory
	indexWalkFiles
	indexWalkLocation
)

// noAutoindex is the configuration of a directory no mod_autoindex
// directive reaches.
var noAutoindex = &Autoindex{Options: IndexUnset}

// Flags are the IndexOptions flags in effect.
func (a *Autoindex) Flags() IndexOpts { return a.Options &^ (IndexUnset | IndexNone) }

// AutoindexConfig is mod_autoindex's configuration in effect (never nil;
// shared, read-only).
func (d *DirConfig) AutoindexConfig() *Autoindex {
	if d == nil || d.Autoindex == nil {
		return noAutoindex
	}
	return d.Autoindex
}

// mergeAutoindex is Merge's part for mod_autoindex, as Apache combines
// the configurations: a virtual host's over the main server's, then each
// walk's sections (the <Directory> sections and .htaccess files, then
// <Files>, then <Location>) merged among themselves first, and the result
// over what came before (Apache's directory walk). That order matters:
// Apache's merge of IndexOptions is not associative. over is a section's
// (or server's) own configuration; base is nil or a merge result.
func mergeAutoindex(base, over *Autoindex) *Autoindex {
	if over == nil {
		return base
	}
	var before, chain *Autoindex
	switch {
	case over.walk == indexWalkServer:
		before = over
		if base != nil {
			before = mergeAutoindexPair(base, over)
		}
	case base != nil && base.chain != nil && base.walk == over.walk:
		before, chain = base.before, mergeAutoindexPair(base.chain, over)
	default:
		before, chain = cmp.Or(base, noAutoindex), over
	}
	r := before
	if chain != nil {
		r = mergeAutoindexPair(before, chain)
	}
	r = &Autoindex{Options: r.Options, Add: r.Add, Remove: r.Remove, IconWidth: r.IconWidth, IconHeight: r.IconHeight,
		NameWidth: r.NameWidth, DescWidth: r.DescWidth, Type: r.Type, Charset: r.Charset, DateFormat: r.DateFormat,
		DefaultIcon: r.DefaultIcon, StyleSheet: r.StyleSheet, HeadInsert: r.HeadInsert, Header: r.Header, Readme: r.Readme,
		Icons: r.Icons, Alts: r.Alts, Descriptions: r.Descriptions, Ignore: r.Ignore, IgnoreReset: r.IgnoreReset,
		OrderKey: r.OrderKey, OrderDir: r.OrderDir}
	r.walk, r.before, r.chain = over.walk, before, chain
	return r
}

// mergeAutoindexPair is Apache's merge_autoindex_configs: the strings,
// sizes and widths over sets win; the lists are over's, then base's
// (IndexIgnoreReset: over's only); IndexOptions as described at
// Autoindex.
func mergeAutoindexPair(base, over *Autoindex) *Autoindex {
	r := &Autoindex{
		Type: pick(base.Type, over.Type), Charset: pick(base.Charset, over.Charset),
		DateFormat: pick(base.DateFormat, over.DateFormat), DefaultIcon: pick(base.DefaultIcon, over.DefaultIcon),
		StyleSheet: pick(base.StyleSheet, over.StyleSheet), HeadInsert: pick(base.HeadInsert, over.HeadInsert),
		Header: pick(base.Header, over.Header), Readme: pick(base.Readme, over.Readme),
		IconWidth: cmpOr(over.IconWidth, base.IconWidth), IconHeight: cmpOr(over.IconHeight, base.IconHeight),
		NameWidth: base.NameWidth, DescWidth: base.DescWidth,
		OrderKey: cmpOr(over.OrderKey, base.OrderKey), OrderDir: cmpOr(over.OrderDir, base.OrderDir),
		Icons:        slices.Concat(over.Icons, base.Icons),
		Alts:         slices.Concat(over.Alts, base.Alts),
		Descriptions: slices.Concat(over.Descriptions, base.Descriptions),
	}
	if over.IgnoreReset {
		r.Ignore = slices.Clone(over.Ignore)
	} else {
		r.Ignore = slices.Concat(over.Ignore, base.Ignore)
	}
	if over.NameWidth.Set {
		r.NameWidth = over.NameWidth
	}
	if over.DescWidth.Set {
		r.DescWidth = over.DescWidth
	}
	switch over.Options {
	case IndexNone:
		// None also stops the increments inherited so far.
		r.Options = IndexNone
		return r
	case IndexUnset:
		r.Add = (base.Add | over.Add) &^ over.Remove
		r.Remove = base.Remove | over.Remove
		r.Options = base.Options &^ IndexNone
	default:
		r.Options = over.Options
	}
	r.Options = (r.Options | r.Add) &^ r.Remove
	return r
}

func cmpOr[T comparable](a, b T) T {
	var zero T
	if a != zero {
		return a
	}
	return b
}

// autoindexOf is the section's (or server's) own mod_autoindex
// configuration, made on first use.
func autoindexOf(c *call) *Autoindex {
	if c.conf.Autoindex == nil {
		walk := indexWalkServer
		if c.sec != nil {
			switch c.sec.Kind {
			case SectionDirectory, SectionDirectoryMatch:
				walk = indexWalkDirectory
			case SectionFiles, SectionFilesMatch:
				walk = indexWalkFiles
			default:
				walk = indexWalkLocation
			}
		}
		c.conf.Autoindex = &Autoindex{Options: IndexUnset, walk: walk}
	}
	return c.conf.Autoindex
}

func dIndexOptions(p *parser, c *call) error {
	a := autoindexOf(c)
	opts, add, remove := a.Options, a.Add, a.Remove
	for _, arg := range c.args {
		w, action := arg, byte(0)
		if w != "" && (w[0] == '+' || w[0] == '-') {
			action, w = w[0], w[1:]
		}
		key, val, hasVal := strings.Cut(w, "=")
		key = strings.ToLower(key)
		flag, isFlag := indexKeywords[key]
		switch {
		case isFlag && !hasVal:
		case key == "none" && !hasVal:
			if action != 0 {
				return c.errf("cannot combine '+' or '-' with 'None' keyword")
			}
			opts, add, remove = IndexNone, 0, 0
			continue
		case (key == "iconwidth" || key == "iconheight") && !hasVal:
			n := 20
			if key == "iconheight" {
				n = 22
			}
			if action == '-' {
				n = 0
			}
			if key == "iconwidth" {
				a.IconWidth = n
			} else {
				a.IconHeight = n
			}
		case key == "iconwidth" || key == "iconheight":
			if action == '-' {
				return c.errf("cannot combine '-' with %s=n", w[:len(key)])
			}
			n, err := c.number(val, 0, 1<<16)
			if err != nil {
				return err
			}
			if key == "iconwidth" {
				a.IconWidth = int(n)
			} else {
				a.IconHeight = int(n)
			}
		case key == "namewidth" || key == "descriptionwidth":
			min, width := 5, &a.NameWidth
			if key == "descriptionwidth" {
				min, width = 12, &a.DescWidth
			}
			name := w[:len(key)]
			switch {
			case !hasVal && action != '-':
				return c.errf("%s with no value may only appear as '-%s'", name, name)
			case !hasVal:
				*width = IndexWidth{Set: true, N: defaultIndexWidth}
			case action == '-':
				return c.errf("cannot combine '-' with %s=n", name)
			case strings.HasPrefix(val, "*"):
				*width = IndexWidth{Set: true, Adjust: true, N: width.Width()}
			default:
				n, err := strconv.Atoi(val)
				if err != nil || n < min {
					return c.errf("%s value must be a number of at least %d, not %q", name, min, val)
				}
				*width = IndexWidth{Set: true, N: n}
			}
		case key == "type" && hasVal:
			a.Type = ptr(val)
		case key == "charset" && hasVal:
			a.Charset = ptr(val)
		case key == "useolddateformat" && !hasVal:
			a.DateFormat = ptr("%d-%b-%Y %H:%M")
		default:
			return c.errf("invalid directory indexing option %q", arg)
		}
		switch action {
		case 0:
			// Any keyword without + or - drops the increments before
			// it; a flag makes the section's flags absolute (Options is
			// no longer just IndexUnset, which Apache keeps with them).
			opts |= flag
			add, remove = 0, 0
		case '+':
			add |= flag
			remove &^= flag
		default:
			remove |= flag
			add &^= flag
		}
	}
	if opts&IndexNone != 0 && opts&^IndexNone != 0 {
		return c.errf("cannot combine other IndexOptions keywords with 'None'")
	}
	a.Options, a.Add, a.Remove = opts, add, remove
	return nil
}

func dIndexOrderDefault(p *parser, c *call) error {
	a := autoindexOf(c)
	dir, ok := map[string]byte{"ascending": 'A', "descending": 'D'}[strings.ToLower(c.args[0])]
	if !ok {
		return c.errf("first keyword must be 'Ascending' or 'Descending', not %q", c.args[0])
	}
	key, ok := map[string]byte{"name": 'N', "date": 'M', "size": 'S', "description": 'D'}[strings.ToLower(c.args[1])]
	if !ok {
		return c.errf("second keyword must be 'Name', 'Date', 'Size', or 'Description', not %q", c.args[1])
	}
	a.OrderDir, a.OrderKey = dir, key
	return nil
}

// indexSectionPath is the path mod_autoindex ties a section's items to
// (Apache's cmd->path): a <Directory>'s with a trailing slash, another
// section's argument as written, "" at server level.
func indexSectionPath(c *call) string {
	if c.sec == nil {
		return ""
	}
	p := c.sec.Path
	if c.sec.Kind == SectionDirectory && c.sec.Regex == nil && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

func dIndexIgnore(p *parser, c *call) error {
	a := autoindexOf(c)
	path := indexSectionPath(c) + "*"
	for _, n := range c.args {
		a.Ignore = append(a.Ignore, IndexItem{To: n, Path: path})
	}
	return nil
}

func dIndexIgnoreReset(p *parser, c *call) error {
	on, err := c.onOff(c.args[0])
	autoindexOf(c).IgnoreReset = on
	return err
}

// dIndexString is the directives that set one string: IndexStyleSheet,
// IndexHeadInsert, HeaderName, ReadmeName, DefaultIcon.
func dIndexString(p *parser, c *call) error {
	a := autoindexOf(c)
	field := map[string]**string{"IndexStyleSheet": &a.StyleSheet, "IndexHeadInsert": &a.HeadInsert,
		"HeaderName": &a.Header, "ReadmeName": &a.Readme, "DefaultIcon": &a.DefaultIcon}[c.d.name]
	*field = ptr(c.args[0])
	return nil
}

// dAddIcon is AddIcon, AddAlt and their ByType and ByEncoding forms.
func dAddIcon(p *parser, c *call) error {
	a := autoindexOf(c)
	by := IndexByPath
	switch {
	case strings.HasSuffix(c.d.name, "ByType"):
		by = IndexByType
	case strings.HasSuffix(c.d.name, "ByEncoding"):
		by = IndexByEncoding
	}
	data, alt, hasAlt := c.args[0], "", false
	isIcon := strings.HasPrefix(c.d.name, "AddIcon")
	if isIcon && strings.HasPrefix(data, "(") {
		end := strings.IndexByte(data, ')')
		if end < 0 {
			return c.errf("%q: missing closing paren", data)
		}
		alt, data, _ = strings.Cut(data[1:end], ",")
		hasAlt = true
	}
	path := indexSectionPath(c) + "*"
	for _, to := range c.args[1:] {
		switch by {
		case IndexByPath:
			if to == "**DIRECTORY**" {
				to = "^^DIRECTORY^^"
			}
			if !strings.ContainsAny(to, "*?") {
				to = "*" + to
			}
		case IndexByEncoding:
			to = strings.ToLower(to)
		}
		if hasAlt || !isIcon {
			text := data
			if isIcon {
				text = alt
			}
			a.Alts = append(a.Alts, IndexItem{By: by, To: to, Path: path, Data: text})
		}
		if isIcon {
			a.Icons = append(a.Icons, IndexItem{By: by, To: to, Path: path, Data: data})
		}
	}
	return nil
}

func dAddDescription(p *parser, c *call) error {
	a := autoindexOf(c)
	for _, to := range c.args[1:] {
		d := IndexDescription{Description: c.args[0], FullPath: strings.Contains(to, "/")}
		d.Wildcards = d.FullPath || strings.ContainsAny(to, "*?[")
		switch {
		case d.FullPath:
			d.Pattern = "*/" + to + "*"
		case d.Wildcards:
			d.Pattern = "*" + to + "*"
		default:
			d.Pattern = to
		}
		a.Descriptions = append(a.Descriptions, d)
	}
	return nil
}

// The questions the listing asks of the configuration, as mod_autoindex's
// find_item, find_desc and ignore_entry answer them.

// Icon is the icon for a file: path is its full path (a directory's
// without the trailing slash; "^^DIRECTORY^^" and "^^BLANKICON^^" ask for
// those icons), ctype its media type without parameters, encoding its
// content encoding ("" for none); pathOnly looks at the AddIcon names only.
func (a *Autoindex) Icon(path, ctype, encoding string, pathOnly bool) (string, bool) {
	return findIndexItem(a.Icons, path, ctype, encoding, pathOnly)
}

// Alt is Icon for the alternative text (AddAlt*).
func (a *Autoindex) Alt(path, ctype, encoding string, pathOnly bool) (string, bool) {
	return findIndexItem(a.Alts, path, ctype, encoding, pathOnly)
}

func findIndexItem(items []IndexItem, path, ctype, encoding string, pathOnly bool) (string, bool) {
	special := strings.HasPrefix(path, "^")
	for _, it := range items {
		if !special && !wildMatch(path, it.Path, false) {
			continue
		}
		switch {
		case it.To == "":
			return it.Data, true
		case it.By == IndexByPath || special:
			if wildMatch(path, it.To, false) {
				return it.Data, true
			}
		case pathOnly:
		case encoding == "":
			if it.By == IndexByType && ctype != "" && wildMatch(ctype, it.To, true) {
				return it.Data, true
			}
		case it.By == IndexByEncoding && wildMatch(encoding, it.To, true):
			return it.Data, true
		}
	}
	return "", false
}

// Description is the AddDescription text for the file at path (a
// directory's without its trailing slash): the first that matches.
func (a *Autoindex) Description(path string) (string, bool) {
	base := path[strings.LastIndexByte(path, '/')+1:]
	for _, d := range a.Descriptions {
		name := base
		if d.FullPath {
			name = path
		}
		var found bool
		if d.Wildcards {
			found = fnMatch(d.Pattern, name, false, false)
		} else {
			found = strings.Contains(name, d.Pattern)
		}
		if found {
			return d.Description, true
		}
	}
	return "", false
}

// Ignored says whether IndexIgnore leaves the file at path out of the
// listing.
func (a *Autoindex) Ignored(path string) bool {
	base := path[strings.LastIndexByte(path, '/')+1:]
	for _, it := range a.Ignore {
		pat := it.To[strings.LastIndexByte(it.To, '/')+1:]
		if wildMatch(path, it.Path, false) && wildMatch(base, pat, false) {
			return true
		}
	}
	return false
}

// MatchIndexPattern is the listing's P= query argument as mod_autoindex
// applies it to a file name (apr_fnmatch without escapes, a leading dot
// matched only by a dot).
func MatchIndexPattern(pattern, name string) bool {
	return fnMatch(pattern, name, true, true)
}

// wildMatch is Apache's ap_strcmp_match (fold: ap_strcasecmp_match):
// s against pattern, where "*" is any run of bytes and "?" any one byte.
func wildMatch(s, pattern string, fold bool) bool {
	eq := func(a, b byte) bool {
		if fold {
			return lowerASCII(a) == lowerASCII(b)
		}
		return a == b
	}
	// The classic backtracking loop: remember the last "*" and retry it
	// one byte further on a mismatch.
	si, pi, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(pattern) && pattern[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(pattern) && (pattern[pi] == '?' || eq(pattern[pi], s[si])):
			si++
			pi++
		case star >= 0:
			mark++
			si, pi = mark, star+1
		default:
			return false
		}
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}

// fnMatch is apr_fnmatch without APR_FNM_PATHNAME ("*" and "?" match "/"
// too): "*", "?", bracket expressions ("[a-z]", "[!x]" or "[^x]"), and a
// backslash escaping the next byte unless noEscape; with period, a leading
// "." in name is matched only by a "." in pattern.
func fnMatch(pattern, name string, noEscape, period bool) bool {
	if period && strings.HasPrefix(name, ".") && !strings.HasPrefix(pattern, ".") {
		return false
	}
	pi, ni, star, mark := 0, 0, -1, 0
	for ni < len(name) {
		if pi < len(pattern) {
			switch c := pattern[pi]; {
			case c == '*':
				star, mark = pi, ni
				pi++
				continue
			case c == '?':
				pi++
				ni++
				continue
			case c == '[':
				if ok, next, valid := matchBracket(pattern, pi, name[ni], noEscape); valid {
					if ok {
						pi, ni = next, ni+1
						continue
					}
				} else if name[ni] == '[' {
					pi++
					ni++
					continue
				}
			case c == '\\' && !noEscape && pi+1 < len(pattern):
				if pattern[pi+1] == name[ni] {
					pi += 2
					ni++
					continue
				}
			case c == name[ni]:
				pi++
				ni++
				continue
			}
		}
		if star < 0 {
			return false
		}
		mark++
		pi, ni = star+1, mark
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}

// matchBracket matches b against the bracket expression at pattern[i]
// ("["): whether it matched, the index after the expression, and whether
// the expression is complete (an unclosed "[" is a plain byte).
func matchBracket(pattern string, i int, b byte, noEscape bool) (matched bool, next int, valid bool) {
	i++
	negate := i < len(pattern) && (pattern[i] == '!' || pattern[i] == '^')
	if negate {
		i++
	}
	first := true
	for i < len(pattern) {
		c := pattern[i]
		if c == ']' && !first {
			return matched != negate, i + 1, true
		}
		first = false
		if c == '\\' && !noEscape && i+1 < len(pattern) {
			i++
			c = pattern[i]
		}
		lo, hi := c, c
		if i+2 < len(pattern) && pattern[i+1] == '-' && pattern[i+2] != ']' {
			hi = pattern[i+2]
			if hi == '\\' && !noEscape && i+3 < len(pattern) {
				i++
				hi = pattern[i+2]
			}
			i += 2
		}
		if lo <= b && b <= hi {
			matched = true
		}
		i++
	}
	return false, 0, false
}
