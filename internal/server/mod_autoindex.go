package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"modpy/internal/config"
	"modpy/internal/server/ssi"
)

// autoindex_module: the listing of a directory mod_dir found no
// DirectoryIndex in, for a request with no handler, when Options Indexes
// allows it (403 otherwise, AH01276). Each entry is looked up as a
// subrequest (subRequestEntry) and listed only if that would be served, as
// Apache's mod_autoindex does: a file access control denies, or a
// symbolic link the directory's Options do not let through, is left out.
var autoindexModule = &module{
	name:  "autoindex_module",
	hooks: []hook{{at: hookHandler, fn: (*rstate).autoindexHandler}},
}

// autoindexHandler is mod_autoindex's handler.
func (rs *rstate) autoindexHandler() int {
	req := rs.req
	if req.Handler != "" || !rs.isDir || req.MethodNum != 0 { // GET and HEAD only
		return resDeclined
	}
	if rs.dc.Options == nil || !rs.dc.Options.Indexes {
		names, ok := req.Notes.Get("dir-index-names")
		if !ok {
			names = "none"
		}
		rs.autoindexLog("AH01276: Cannot serve directory %s: No matching DirectoryIndex (%s) found, and server-generated directory index forbidden by Options directive",
			req.Filename, names)
		return 403
	}
	return rs.indexDirectory(rs.dc.AutoindexConfig())
}

// autoindexLog logs an error as mod_autoindex's.
func (rs *rstate) autoindexLog(format string, args ...any) {
	rs.vh.errlog.Log(levelError, "autoindex", "", rs.req, fmt.Sprintf(format, args...))
}

// indexEntry is one row of a listing.
type indexEntry struct {
	// name is the file's name, with a "/" for a directory; for the
	// parent directory's row, the parent's URI (it starts with "/").
	name            string
	icon, alt       string
	desc            string
	hasDesc         bool
	size            int64 // -1: none shown
	lm              int64 // modification time, Unix microseconds; -1: none shown
	dirFirst        bool  // a directory, listed first (FoldersFirst)
	parent          bool
	hasIcon, hasAlt bool
}

// indexOrder is how a listing sorts: its key ('N', 'M', 'S', 'D'),
// ascending or not, and IndexOptions' VersionSort and IgnoreCase.
type indexOrder struct {
	key       byte
	ascending bool
	version   bool
	fold      bool
}

// indexQuery is what a listing's query arguments ask for.
type indexQuery struct {
	key, dir   byte
	opts       config.IndexOpts
	colArgs    string // carried into the column headers' links
	pattern    string // P=: only the names matching it
	hasPattern bool
}

// parseIndexQuery reads the query arguments mod_autoindex knows (C=, O=,
// F=, V=, P=, separated by ";" or "&"), stopping at the first it does
// not.
func parseIndexQuery(q string, key, dir byte, opts config.IndexOpts) indexQuery {
	r := indexQuery{key: key, dir: dir, opts: opts}
	var fval, vval, ppre, epattern string
	// arg reports whether q starts with the one-letter argument name
	// whose value is one of valid, followed by a separator or the end.
	arg := func(name byte, valid string) bool {
		return len(q) >= 3 && q[0] == name && q[1] == '=' && strings.IndexByte(valid, q[2]) >= 0 &&
			(len(q) == 3 || q[3] == '&' || q[3] == ';')
	}
	skip := func() {
		if len(q) > 3 {
			q = q[4:]
		} else {
			q = ""
		}
	}
	for q != "" {
		switch {
		case arg('C', "NMSD"):
			r.key = q[2]
			skip()
		case arg('O', "AD"):
			r.dir = q[2]
			skip()
		case arg('F', "012"):
			switch q[2] {
			case '0':
				r.opts &^= config.IndexFancyIndexing | config.IndexHTMLTable
			case '1':
				r.opts = (r.opts | config.IndexFancyIndexing) &^ config.IndexHTMLTable
			default:
				r.opts |= config.IndexFancyIndexing | config.IndexHTMLTable
			}
			fval = ";F=" + q[2:3]
			skip()
		case arg('V', "01"):
			if q[2] == '0' {
				r.opts &^= config.IndexVersionSort
			} else {
				r.opts |= config.IndexVersionSort
			}
			vval = ";V=" + q[2:3]
			skip()
		case strings.HasPrefix(q, "P="):
			q = q[2:]
			end := strings.IndexAny(q, "&;")
			if end < 0 {
				end = len(q)
			}
			r.pattern, r.hasPattern = "", false
			if end > 0 {
				if p, ok := unescapeIndexPattern(q[:end]); ok {
					r.pattern, r.hasPattern = p, true
					ppre, epattern = ";P=", escapePath(p)
				}
			}
			if end+1 < len(q) {
				q = q[end+1:]
			} else {
				q = ""
			}
		default:
			q = "" // anything else: the rest is ignored
		}
	}
	r.colArgs = fval + vval + ppre + epattern
	return r
}

// unescapeIndexPattern is Apache's ap_unescape_url for P=: %XX decoded;
// false for a bad escape, or one that makes "/" or a NUL.
func unescapeIndexPattern(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil || v == '/' || v == 0 {
			return "", false
		}
		b = append(b, byte(v))
		i += 2
	}
	return string(b), true
}

// indexDirectory answers with the listing of the directory req.filename
// names (mod_autoindex's index_directory).
func (rs *rstate) indexDirectory(a *config.Autoindex) int {
	req := rs.req
	dir := req.Filename
	if !strings.HasSuffix(dir, "/") {
		dir += "/"
	}
	f, err := os.Open(dir)
	if err != nil {
		rs.autoindexLog("%sAH01275: Can't open directory for index: %s", errnoPrefix(err), dir)
		return 403
	}
	names, err := f.Readdirnames(-1)
	fi, _ := f.Stat()
	f.Close()
	if err != nil {
		rs.autoindexLog("%sAH01275: Can't open directory for index: %s", errnoPrefix(err), dir)
		return 403
	}

	ctype, charset := "text/html", "ISO-8859-1"
	if a.Type != nil {
		ctype = *a.Type
	}
	if a.Charset != nil {
		charset = *a.Charset
	}
	if charset != "" {
		ctype += ";charset=" + charset
	}
	req.ContentType = ctype
	opts := a.Flags()
	if opts&config.IndexTrackModified != 0 && fi != nil {
		mt := fi.ModTime()
		if mt.After(req.RequestTime) {
			mt = req.RequestTime
		}
		req.HeadersOut.Set("Last-Modified", mt.UTC().Format(http.TimeFormat))
		req.HeadersOut.Set("ETag", fmt.Sprintf("\"%x-%x\"", fi.Size(), fi.ModTime().UnixMicro()))
	}
	if req.HeaderOnly {
		return resOK
	}

	key, direction := byte('N'), byte('A')
	if a.OrderKey != 0 {
		key = a.OrderKey
	}
	if a.OrderDir != 0 {
		direction = a.OrderDir
	}
	q := indexQuery{key: key, dir: direction, opts: opts}
	if opts&config.IndexIgnoreClient != 0 {
		q.opts |= config.IndexSuppressColumnSorting
	} else if req.HasArgs {
		q = parseIndexQuery(req.Args, key, direction, opts)
	}
	opts = q.opts
	order := indexOrder{key: q.key, ascending: q.dir == 'A', version: opts&config.IndexVersionSort != 0,
		fold: opts&config.IndexIgnoreCase != 0}

	title := ssi.EscapeHTML(req.URI)
	for len(title) > 1 && strings.HasSuffix(title, "/") {
		title = title[:len(title)-1]
	}
	l := &listing{rs: rs, a: a, opts: opts}
	l.head(title)

	var ents []*indexEntry
	if p := l.parentEntry(dir); p != nil {
		ents = append(ents, p)
	}
	for _, name := range names {
		if e := l.entry(dir, name, q); e != nil {
			ents = append(ents, e)
		}
	}
	sort.Slice(ents, func(i, j int) bool { return order.compare(ents[i], ents[j]) < 0 })
	l.entries(ents, q)
	l.tail()
	l.flush()
	return resOK
}

// listing is a listing being written: the body so far, sent down the
// response before a subrequest (HeaderName, ReadmeName) adds its own.
type listing struct {
	rs   *rstate
	a    *config.Autoindex
	opts config.IndexOpts
	b    bytes.Buffer
}

func (l *listing) flush() {
	if l.b.Len() > 0 {
		l.rs.io.Write(l.b.Bytes())
		l.b.Reset()
	}
}

func (l *listing) has(o config.IndexOpts) bool { return l.opts&o != 0 }

func (l *listing) put(s ...string) {
	for _, x := range s {
		l.b.WriteString(x)
	}
}

// preamble is mod_autoindex's emit_preamble: the document up to <body>.
func (l *listing) preamble(title string) {
	if l.has(config.IndexXHTML) {
		l.put("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n",
			"\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n",
			"<html xmlns=\"http://www.w3.org/1999/xhtml\">\n <head>\n  <title>Index of ", title, "</title>\n")
	} else {
		l.put("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \"http://www.w3.org/TR/html4/strict.dtd\">\n",
			"<html>\n <head>\n  <title>Index of ", title, "</title>\n")
	}
	if l.a.StyleSheet != nil {
		end := ">\n"
		if l.has(config.IndexXHTML) {
			end = " />\n"
		}
		l.put("  <link rel=\"stylesheet\" href=\"", *l.a.StyleSheet, "\" type=\"text/css\"", end)
	}
	if l.a.HeadInsert != nil {
		l.put(*l.a.HeadInsert)
	}
	l.put(" </head>\n <body>\n")
}

// isHTML is mod_autoindex's response_is_html for a media type.
func isHTML(ctype string) bool {
	t := fieldNoParam(ctype)
	return strings.EqualFold(t, "text/html") || strings.EqualFold(t, "application/xhtml+xml")
}

// fieldNoParam is Apache's ap_field_noparam: a header value up to its
// first ";", trailing blanks removed.
func fieldNoParam(s string) string {
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimRight(s, " \t")
}

// lookupText looks up name (HeaderName, ReadmeName) as a subrequest of
// the listing: the subrequest, if it names a regular file it may serve,
// and that file's media type.
func (l *listing) lookupText(name string) (*rstate, string, bool) {
	req := l.rs.req
	uri := name
	if !strings.HasPrefix(uri, "/") {
		uri = req.URI[:strings.LastIndexByte(req.URI, '/')+1] + uri
	}
	nrs, st := l.rs.subRequest(uri, "", ioFilter{l.rs.io})
	if st != 200 || nrs.req.Filename == "" || !nrs.exists || nrs.isDir || nrs.irregular || nrs.req.ContentType == "" {
		nrs.endSub()
		return nil, "", false
	}
	return nrs, nrs.req.ContentType, true
}

// plainText is mod_autoindex's do_emit_plain: a text file in <pre>,
// HTML-escaped; false if it cannot be read.
func plainText(file string) (string, bool) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", false
	}
	return "<pre>\n" + ssi.EscapeHTML(string(data)) + "</pre>\n", true
}

// head is mod_autoindex's emit_head: the preamble, then the HeaderName
// file (an HTML one run as a subrequest, a text one in <pre>) or the
// "Index of" heading.
func (l *listing) head(title string) {
	req := l.rs.req
	suppress := l.has(config.IndexSuppressHTMLPreamble)
	amble, h1 := true, true
	if l.a.Header != nil {
		name := *l.a.Header
		if req.HasArgs {
			name += "?" + req.Args
		}
		// As Apache: the header is looked up as HTML or plain text.
		accept, hasAccept := req.HeadersIn.Get("Accept")
		enc, hasEnc := req.HeadersIn.Get("Accept-Encoding")
		req.HeadersIn.Set("Accept", "text/html, text/plain")
		req.HeadersIn.Del("Accept-Encoding")
		nrs, ctype, ok := l.lookupText(name)
		if hasAccept {
			req.HeadersIn.Set("Accept", accept)
		} else {
			req.HeadersIn.Del("Accept")
		}
		if hasEnc {
			req.HeadersIn.Set("Accept-Encoding", enc)
		}
		switch {
		case !ok:
		case isHTML(ctype):
			amble, h1 = false, false
			if !suppress {
				l.preamble(title)
			}
			l.flush()
			if nrs.runSub() != 0 {
				amble, h1 = suppress, true
			}
			nrs = nil
		case strings.HasPrefix(strings.ToLower(ctype), "text/"):
			if pre, ok := plainText(nrs.req.Filename); ok {
				l.preamble(title)
				amble, h1 = false, false
				l.put(pre)
			}
		}
		if nrs != nil {
			nrs.endSub()
		}
	}
	if amble {
		l.preamble(title)
	}
	if h1 {
		if l.a.StyleSheet != nil {
			l.put("  <h1 id=\"indextitle\">Index of ", title, "</h1>\n")
		} else {
			l.put("<h1>Index of ", title, "</h1>\n")
		}
	}
}

// tail is mod_autoindex's emit_tail: the ReadmeName file (as HeaderName),
// else the signature; then the end of the document.
func (l *listing) tail() {
	suppress := l.has(config.IndexSuppressHTMLPreamble)
	sig, post := true, true
	if l.a.Readme != nil {
		nrs, ctype, ok := l.lookupText(*l.a.Readme)
		switch {
		case !ok:
		case isHTML(ctype):
			l.flush()
			if nrs.runSub() == 0 {
				sig, post = false, !suppress
			}
			nrs = nil
		case strings.HasPrefix(strings.ToLower(ctype), "text/"):
			if pre, ok := plainText(nrs.req.Filename); ok {
				l.put(pre)
				sig = false
			}
		}
		if nrs != nil {
			nrs.endSub()
		}
	}
	if sig {
		l.put(l.rs.signatureLine())
	}
	if post {
		l.put("</body></html>\n")
	}
}

// parentEntry is the "Parent Directory" row (none at the root, or when
// IndexIgnore hides "..").
func (l *listing) parentEntry(dir string) *indexEntry {
	uri := l.rs.req.URI
	if uri == "/" || !strings.HasPrefix(uri, "/") {
		return nil
	}
	parent := path.Dir(strings.TrimSuffix(uri, "/"))
	if parent != "/" {
		parent += "/"
	}
	test := dir + ".."
	if l.a.Ignored(test) {
		return nil
	}
	p := &indexEntry{name: parent, parent: true, size: -1, lm: -1}
	if l.has(config.IndexFancyIndexing) {
		// (A distinct alternative text, so that a style sheet can
		// tell the parent from other directories: AddAltClass.)
		l.dirIcon(p, test, "PARENTDIR")
		p.desc, p.hasDesc = l.a.Description(test)
	}
	return p
}

// dirIcon sets a directory's icon and alternative text: AddIcon and
// AddAlt for its path, else for ^^DIRECTORY^^; alt if there is no
// alternative text.
func (l *listing) dirIcon(e *indexEntry, path, alt string) {
	e.icon, e.hasIcon = l.a.Icon(path, "", "", true)
	if !e.hasIcon {
		e.icon, e.hasIcon = l.a.Icon("^^DIRECTORY^^", "", "", true)
	}
	e.alt, e.hasAlt = l.a.Alt(path, "", "", true)
	if !e.hasAlt {
		e.alt, e.hasAlt = l.a.Alt("^^DIRECTORY^^", "", "", true)
	}
	if !e.hasAlt {
		e.alt, e.hasAlt = alt, true
	}
}

// entry is mod_autoindex's make_autoindex_entry: the row of the entry
// name of dir, or nil when it is not listed.
func (l *listing) entry(dir, name string, q indexQuery) *indexEntry {
	rs := l.rs
	if q.hasPattern && !config.MatchIndexPattern(q.pattern, name) {
		return nil
	}
	file := dir + name
	if l.a.Ignored(file) {
		return nil
	}
	fi, err := os.Stat(file) // a link is listed as what it points to
	if err != nil {
		return nil
	}
	isDir := fi.IsDir()
	if !isDir && !fi.Mode().IsRegular() {
		return nil
	}
	st := 200
	checked := false
	if !isDir {
		// As Apache's subrequest, which finds the file in a directory
		// already walked: its link judged by the directory's Options.
		if _, s := rs.checkEntry(file, rs.entries, "AH00032"); s != 0 {
			st = s
		}
		checked = true
	}
	var ctype string
	if st == 200 {
		nrs, s := rs.subRequestEntry(name, isDir, checked)
		st, ctype = s, nrs.req.ContentType
		nrs.endSub()
	}
	forbidden := l.has(config.IndexShowForbidden) && (st == 401 || st == 403)
	if !(st >= 200 && st < 400) && !forbidden {
		return nil
	}
	e := &indexEntry{name: name, size: -1, lm: -1}
	if isDir {
		e.name += "/"
	}
	if l.opts&(config.IndexFancyIndexing|config.IndexHTMLTable) != 0 {
		e.lm = fi.ModTime().UnixMicro()
		if isDir {
			e.dirFirst = l.has(config.IndexFoldersFirst)
			l.dirIcon(e, file, "DIR")
		} else {
			t := fieldNoParam(ctype)
			e.icon, e.hasIcon = l.a.Icon(file, t, "", false)
			e.alt, e.hasAlt = l.a.Alt(file, t, "", false)
			e.size = fi.Size()
		}
		e.desc, e.hasDesc = l.a.Description(file)
		if !e.hasDesc && l.has(config.IndexScanHTMLTitles) && !isDir && st == 200 {
			e.desc, e.hasDesc = htmlTitle(file, ctype)
		}
	}
	if q.key == 'M' && e.lm < 0 {
		e.lm = 0
	}
	return e
}

// htmlTitle is mod_autoindex's find_title (ScanHTMLTitles): the text of
// the <title> in the first 8 KiB of an HTML file.
func htmlTitle(file, ctype string) (string, bool) {
	if !isHTML(ctype) && fieldNoParam(ctype) != "text/x-server-parsed-html" {
		return "", false
	}
	f, err := os.Open(file)
	if err != nil {
		return "", false
	}
	defer f.Close()
	buf := make([]byte, 8191)
	n, _ := io.ReadFull(f, buf)
	buf = buf[:n]
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		buf = buf[:i]
	}
	const find = "<title>"
	p := 0
	for x := 0; x < len(buf); x++ {
		if lowerByte(buf[x]) != find[p] {
			p = 0
			continue
		}
		if p++; p < len(find) {
			continue
		}
		t := buf[x+1:]
		if i := bytes.IndexByte(t, '<'); i >= 0 {
			t = t[:i]
		}
		// Line breaks become blanks, and leading ones go.
		out := make([]byte, 0, len(t))
		for _, c := range t {
			if c == '\r' || c == '\n' {
				if len(out) == 0 {
					continue
				}
				c = ' '
			}
			out = append(out, c)
		}
		return string(out), true
	}
	return "", false
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// compare is mod_autoindex's dsortf: the parent first, then folders
// (FoldersFirst), then by the key, then by name.
func (o indexOrder) compare(e1, e2 *indexEntry) int {
	if e1.parent {
		return -1
	}
	if e2.parent {
		return 1
	}
	if e1.dirFirst != e2.dirFirst {
		if e1.dirFirst {
			return -1
		}
		return 1
	}
	c1, c2 := e1, e2
	if !o.ascending {
		c1, c2 = e2, e1
	}
	switch o.key {
	case 'M':
		if c1.lm != c2.lm {
			return cmpInt(c1.lm, c2.lm)
		}
	case 'S':
		if c1.size != c2.size {
			return cmpInt(c1.size, c2.size)
		}
	case 'D':
		var r int
		if o.version {
			r = strnatcmp(c1.desc, c2.desc, false)
		} else {
			r = strings.Compare(c1.desc, c2.desc)
		}
		if r != 0 {
			return r
		}
	}
	r := 0
	if o.version {
		if o.fold {
			r = strnatcmp(c1.name, c2.name, true)
		}
		if r == 0 {
			r = strnatcmp(c1.name, c2.name, false)
		}
	}
	if r == 0 && o.fold {
		r = strings.Compare(strings.ToLower(c1.name), strings.ToLower(c2.name))
	}
	if r == 0 {
		r = strings.Compare(c1.name, c2.name)
	}
	return r
}

func cmpInt(a, b int64) int {
	if a < b {
		return -1
	}
	return 1
}

// strnatcmp is APR's apr_strnatcmp (fold: apr_strnatcasecmp), the
// "natural order" of VersionSort: runs of digits compare as numbers
// (those with a leading zero as fractions, digit by digit), blanks are
// skipped, other bytes compare as signed chars.
func strnatcmp(a, b string, fold bool) int {
	at := func(s string, i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	isSpace := func(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	ai, bi := 0, 0
	for {
		ca, cb := at(a, ai), at(b, bi)
		for isSpace(ca) {
			ai++
			ca = at(a, ai)
		}
		for isSpace(cb) {
			bi++
			cb = at(b, bi)
		}
		if isDigit(ca) && isDigit(cb) {
			var r int
			if ca == '0' || cb == '0' {
				r = natLeft(a[ai:], b[bi:])
			} else {
				r = natRight(a[ai:], b[bi:])
			}
			if r != 0 {
				return r
			}
		}
		if ca == 0 && cb == 0 {
			return 0
		}
		if fold {
			ca, cb = upperByte(ca), upperByte(cb)
		}
		// (APR compares chars, signed here: bytes from 0x80 sort first.)
		if ca != cb {
			if int8(ca) < int8(cb) {
				return -1
			}
			return 1
		}
		ai++
		bi++
	}
}

func upperByte(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// natRight compares two runs of digits as integers: the longer is larger,
// else the first difference decides.
func natRight(a, b string) int {
	bias := 0
	for i := 0; ; i++ {
		da, db := i < len(a) && isDigitByte(a[i]), i < len(b) && isDigitByte(b[i])
		switch {
		case !da && !db:
			return bias
		case !da:
			return -1
		case !db:
			return 1
		case bias == 0 && a[i] < b[i]:
			bias = -1
		case bias == 0 && a[i] > b[i]:
			bias = 1
		}
	}
}

// natLeft compares two runs of digits as fractions: the first difference
// decides.
func natLeft(a, b string) int {
	for i := 0; ; i++ {
		da, db := i < len(a) && isDigitByte(a[i]), i < len(b) && isDigitByte(b[i])
		switch {
		case !da && !db:
			return 0
		case !da:
			return -1
		case !db:
			return 1
		case a[i] < b[i]:
			return -1
		case a[i] > b[i]:
			return 1
		}
	}
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

// link is mod_autoindex's emit_link: a column heading, linked to the
// listing sorted by it (the other way round if it is the sort now).
func (l *listing) link(anchor string, column byte, q indexQuery) {
	if l.has(config.IndexSuppressColumnSorting) {
		l.put(anchor)
		return
	}
	dir := "A"
	if q.key == column && q.dir == 'A' {
		dir = "D"
	}
	l.put("<a href=\"?C=", string(column), ";O=", dir, q.colArgs, "\">", anchor, "</a>")
}

// iconSize is the icons' width and height attributes.
func (l *listing) iconSize() {
	if l.a.IconWidth != 0 {
		l.put(" width=\"", strconv.Itoa(l.a.IconWidth), "\"")
	}
	if l.a.IconHeight != 0 {
		l.put(" height=\"", strconv.Itoa(l.a.IconHeight), "\"")
	}
}

// endTag closes an empty element: " />" in XHTML.
func (l *listing) endTag() string {
	if l.has(config.IndexXHTML) {
		return " />"
	}
	return ">"
}

// styled is attr with a style sheet (IndexStyleSheet), else plain.
func (l *listing) styled(class, plain string) string {
	if l.a.StyleSheet != nil {
		return " class=\"" + class + "\">"
	}
	return plain
}

// columns is how a listing's rows are laid out.
type columns struct {
	table, fancy                bool // HTMLTable, FancyIndexing
	icon, lm, size, desc, rules bool // the columns shown, and the rules
	nameWidth, descWidth        int
	pad, dateFormat, breakRow   string
}

// columns works out the layout of ents: with FancyIndexing (and no
// HTMLTable), NameWidth=* and DescriptionWidth=* widen to the longest.
func (l *listing) columns(ents []*indexEntry) *columns {
	a := l.a
	c := &columns{table: l.has(config.IndexHTMLTable), fancy: l.has(config.IndexFancyIndexing),
		icon: !l.has(config.IndexSuppressIcon), lm: !l.has(config.IndexSuppressLastModified),
		size: !l.has(config.IndexSuppressSize), desc: !l.has(config.IndexSuppressDescription),
		rules: !l.has(config.IndexSuppressRules), nameWidth: a.NameWidth.Width(), descWidth: a.DescWidth.Width(),
		dateFormat: "%Y-%m-%d %H:%M"}
	if c.fancy && !c.table {
		for _, e := range ents {
			if a.NameWidth.Adjust {
				c.nameWidth = max(c.nameWidth, len(e.name))
			}
			if a.DescWidth.Adjust && e.hasDesc {
				c.descWidth = max(c.descWidth, len(e.desc))
			}
		}
	}
	c.pad = strings.Repeat(" ", c.nameWidth)
	if a.DateFormat != nil {
		c.dateFormat = *a.DateFormat
	}
	return c
}

// entries is mod_autoindex's output_directories: the rows, as a table
// (HTMLTable), preformatted columns (FancyIndexing) or a list.
func (l *listing) entries(ents []*indexEntry, q indexQuery) {
	c := l.columns(ents)
	l.headings(c, q)
	for x, e := range ents {
		anchor := ssi.EscapeHTML(escapeEntryPath(e.name))
		shown := e.name
		if x == 0 && e.parent {
			shown = "Parent Directory"
		}
		switch {
		case c.table:
			l.tableRow(c, x, e, anchor, shown)
		case c.fancy:
			l.fancyRow(c, e, anchor, shown)
		default:
			l.put("<li><a href=\"", anchor, "\"> ", ssi.EscapeHTML(shown), "</a></li>\n")
		}
	}
	switch {
	case c.table:
		l.put(c.breakRow, "</table>\n")
	case c.fancy && c.rules:
		l.put("<hr", l.endTag(), "</pre>\n")
	case c.fancy:
		l.put("</pre>\n")
	default:
		l.put("</ul>\n")
	}
}

// headings starts the rows: the table's heading row and rule, the
// preformatted headings, or the list.
func (l *listing) headings(c *columns, q indexQuery) {
	a := l.a
	blank, hasBlank := a.Icon("^^BLANKICON^^", "", "", true)
	switch {
	case c.table:
		cols := 1
		if a.StyleSheet != nil {
			l.put("  <table id=\"indexlist\">\n   <tr class=\"indexhead\">")
		} else {
			l.put("  <table>\n   <tr>")
		}
		if c.icon {
			l.put("<th", l.styled("indexcolicon", " valign=\"top\">"))
			if hasBlank {
				l.put("<img src=\"", ssi.EscapeHTML(blank), "\" alt=\"[ICO]\"")
				l.iconSize()
				l.put(l.endTag(), "</th>")
			} else {
				l.put("&nbsp;</th>")
			}
			cols++
		}
		l.put("<th", l.styled("indexcolname", ">"))
		l.link("Name", 'N', q)
		for _, col := range []struct {
			show         bool
			class, title string
			key          byte
		}{{c.lm, "indexcollastmod", "Last modified", 'M'}, {c.size, "indexcolsize", "Size", 'S'},
			{c.desc, "indexcoldesc", "Description", 'D'}} {
			if col.show {
				l.put("</th><th", l.styled(col.class, ">"))
				l.link(col.title, col.key, q)
				cols++
			}
		}
		if c.rules {
			class := ""
			if a.StyleSheet != nil {
				class = " class=\"indexbreakrow\""
			}
			c.breakRow = "   <tr" + class + "><th colspan=\"" + strconv.Itoa(cols) + "\"><hr" + l.endTag() + "</th></tr>\n"
		}
		l.put("</th></tr>\n", c.breakRow)
	case c.fancy:
		l.put("<pre>")
		if c.icon {
			if hasBlank {
				l.put("<img src=\"", ssi.EscapeHTML(blank), "\" alt=\"Icon \"")
				l.iconSize()
				l.put(l.endTag(), " ")
			} else {
				l.put("      ")
			}
		}
		l.link("Name", 'N', q)
		l.put(c.pad[min(4, c.nameWidth):], " ")
		if c.lm {
			l.link("Last modified", 'M', q)
			l.put("      ")
		}
		if c.size {
			l.link("Size", 'S', q)
			l.put("  ")
		}
		if c.desc {
			l.link("Description", 'D', q)
		}
		if c.rules {
			l.put("<hr", l.endTag())
		} else {
			l.put("\n")
		}
	default:
		l.put("<ul>")
	}
}

// tableRow is the row of entry e, the x-th, in a table.
func (l *listing) tableRow(c *columns, x int, e *indexEntry, anchor, shown string) {
	a := l.a
	switch {
	case a.StyleSheet != nil && e.hasAlt && l.has(config.IndexAddAltClass):
		l.put("   <tr class=\"", evenOdd(x), "-", strings.ToLower(e.alt), "\">")
	case a.StyleSheet != nil:
		l.put("   <tr class=\"", evenOdd(x), "\">")
	default:
		l.put("<tr>")
	}
	if c.icon {
		l.put("<td", l.styled("indexcolicon", " valign=\"top\">"))
		l.icon(e, anchor, "&nbsp;")
		l.put("</td>")
	}
	l.put("<td", l.styled("indexcolname", ">"), "<a href=\"", anchor, "\">")
	if a.NameWidth.Adjust {
		l.put(ssi.EscapeHTML(shown), "</a>")
	} else {
		t, n := truncateName(shown, c.nameWidth)
		l.put(ssi.EscapeHTML(t), "</a>", c.pad[n:])
	}
	if c.lm {
		switch {
		case e.lm != -1:
			l.put("</td><td", l.styled("indexcollastmod", " align=\"right\">"), l.date(e.lm, c.dateFormat), "  ")
		case a.StyleSheet != nil:
			l.put("</td><td class=\"indexcollastmod\">&nbsp;")
		default:
			l.put("</td><td>&nbsp;")
		}
	}
	if c.size {
		l.put("</td><td", l.styled("indexcolsize", " align=\"right\">"), ssi.FormatSize(e.size))
	}
	if c.desc {
		l.put("</td><td", l.styled("indexcoldesc", ">"))
		switch {
		case !e.hasDesc:
			l.put("&nbsp;")
		case a.DescWidth.Adjust:
			l.put(e.desc)
		default:
			l.put(l.terminateDescription(e.desc, c.descWidth))
		}
	}
	l.put("</td></tr>\n")
}

// fancyRow is the row of entry e in preformatted columns.
func (l *listing) fancyRow(c *columns, e *indexEntry, anchor, shown string) {
	if c.icon {
		l.icon(e, anchor, "     ")
		l.put(" ")
	}
	t, n := truncateName(shown, c.nameWidth)
	l.put("<a href=\"", anchor, "\">", ssi.EscapeHTML(t), "</a>", c.pad[n:], " ")
	if c.lm {
		if e.lm != -1 {
			l.put(l.date(e.lm, c.dateFormat), "  ")
		} else {
			l.put("                   ")
		}
	}
	if c.size {
		l.put(ssi.FormatSize(e.size), "  ")
	}
	if c.desc && e.hasDesc {
		l.put(l.terminateDescription(e.desc, c.descWidth))
	}
	l.put("\n")
}

// icon is a row's icon (IconsAreLinks: linked to the entry); none is
// what stands in its place when there is neither an icon nor a
// DefaultIcon.
func (l *listing) icon(e *indexEntry, anchor, none string) {
	links := l.has(config.IndexIconsAreLinks)
	if links {
		l.put("<a href=\"", anchor, "\">")
	}
	src, ok := e.icon, e.hasIcon
	if !ok && l.a.DefaultIcon != nil {
		src, ok = *l.a.DefaultIcon, true
	}
	if ok {
		alt := "   "
		if e.hasAlt {
			alt = e.alt
		}
		l.put("<img src=\"", ssi.EscapeHTML(src), "\" alt=\"[", alt, "]\"")
		l.iconSize()
		l.put(l.endTag())
	} else {
		l.put(none)
	}
	if links {
		l.put("</a>")
	}
}

func evenOdd(x int) string {
	if x&1 != 0 {
		return "odd"
	}
	return "even"
}

// date formats a listing's modification time (local time).
func (l *listing) date(us int64, format string) string {
	return ssi.Strftime(format, time.UnixMicro(us).Local(), false)
}

// truncateName cuts a name longer than width to width bytes ending in
// "..>", as mod_autoindex does: the name shown and its length.
func truncateName(s string, width int) (string, int) {
	if len(s) <= width {
		return s, len(s)
	}
	if width < 3 {
		return s[:width], width
	}
	return s[:width-3] + "..>", width
}

// terminateDescription is mod_autoindex's terminate_description: a
// description cut to width visible characters (tags count for none, an
// entity for one), its last character then replaced by ">".
func (l *listing) terminateDescription(desc string, width int) string {
	maxsize := width
	if !l.a.DescWidth.Set {
		if l.has(config.IndexSuppressIcon) {
			maxsize += 6
		}
		if l.has(config.IndexSuppressLastModified) {
			maxsize += 19
		}
		if l.has(config.IndexSuppressSize) {
			maxsize += 7
		}
	}
	x := 0
	for x < len(desc) && (maxsize > 0 || desc[x] == '<') {
		switch desc[x] {
		case '<':
			for x < len(desc) && desc[x] != '>' {
				x++
			}
			if x == len(desc) {
				maxsize = 0
			}
		case '&':
			maxsize--
			for x < len(desc) && desc[x] != ';' {
				x++
			}
			if x == len(desc) {
				maxsize = 0
			}
		default:
			maxsize--
		}
		if x < len(desc) {
			x++
		}
	}
	if maxsize == 0 && x < len(desc) && x > 0 {
		return desc[:x-1] + ">"
	}
	return desc
}

// escapeEntryPath is Apache's ap_os_escape_path(p, 0) for a listing's
// link: escaped as a URL path, with "./" before a name whose first
// segment holds a ":" (which would read as a scheme).
func escapeEntryPath(name string) string {
	colon, slash := strings.IndexByte(name, ':'), strings.IndexByte(name, '/')
	if colon >= 0 && (slash < 0 || colon < slash) {
		return "./" + escapePath(name)
	}
	return escapePath(name)
}

// ioFilter ends a subrequest's chain at the listing's response: what it
// sends goes after what the listing wrote.
type ioFilter struct{ o *responseIO }

func (f ioFilter) Write(p []byte) (int, error) { return f.o.Write(p) }

// Flush: the listing flushes when it is done.
func (f ioFilter) Flush() error { return nil }
