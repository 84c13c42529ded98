package server

import (
	"errors"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"modpy/internal/config"
	"modpy/internal/request"
	"modpy/internal/server/ssi"
	"modpy/internal/table"
)

// include_module: server-side includes. The INCLUDES output filter parses
// the response as it streams (internal/server/ssi finds the elements) and
// runs the elements: echo, set, if/elif/else/endif, include (virtual and
// file, through subrequests: subreq.go), fsize, flastmod, printenv,
// config, comment, and mod_python's #python. #exec is refused: modpy has
// no CGI. The filter is activated by SetOutputFilter or AddOutputFilter
// INCLUDES, by the server-parsed handler or by XBitHack (this module's
// fixup), and runs only where Options allow Includes.
var includeModule = &module{
	name:  "include_module",
	hooks: []hook{{at: hookFixups, order: orderLast, fn: (*rstate).includeFixup}},
}

// includeFixup is mod_include's fixup: the server-parsed handler becomes
// the default handler with the INCLUDES filter; with XBitHack On or Full,
// so does a text/html file with its owner's execute bit set.
func (rs *rstate) includeFixup() int {
	req := rs.req
	if strings.EqualFold(req.Handler, "server-parsed") {
		if req.ContentType == "" {
			req.ContentType = "text/html"
		}
		req.Handler = "default-handler"
		rs.wantIncl = true
		return resDeclined
	}
	if rs.dc == nil || rs.dc.XBitHack == "" || rs.dc.XBitHack == "off" || !rs.exists || rs.isDir ||
		!strings.HasPrefix(req.ContentType, "text/html") {
		return resDeclined
	}
	if fi, err := os.Stat(req.Filename); err == nil && fi.Mode()&0o100 != 0 {
		rs.wantIncl = true
	}
	return resDeclined
}

// defaultErrMsg and defaultUndefinedEcho are mod_include's defaults.
const (
	defaultErrMsg        = "[an error occurred while processing this directive]"
	defaultUndefinedEcho = "(none)"
)

// includeFilter is the INCLUDES filter of one response.
type includeFilter struct {
	rs   *rstate
	next outputFilter
	sc   *ssi.Scanner
	// printing: text and elements take effect (outside a false #if);
	// condTrue: a branch of the current #if was taken; nesting counts
	// the #ifs inside a skipped branch.
	printing, condTrue bool
	nesting            int
	exec               bool // Options Includes, not IncludesNOEXEC: #python may run
	errMsg, timeFmt    string
	undefinedEcho      string
	sizeBytes          bool
	mtime              time.Time // the page's file's
	// groups are $0..$9 of the last regular expression an #if matched
	// (matched: it matched).
	groups  []string
	matched bool
	err     error // from the next link
}

// addIncludes puts the INCLUDES filter into the response's chain (once),
// if Options allow Includes; otherwise, as Apache, it logs and lets the
// response through unparsed.
func (rs *rstate) addIncludes() {
	if rs.incl != nil {
		return
	}
	dc := rs.filterConfig()
	on, exec := dc.Includes()
	if !on {
		rs.logError(levelWarn, "AH01374: mod_include: Options +Includes (or IncludesNoExec) wasn't set, INCLUDES filter removed: %s", rs.req.URI)
		return
	}
	f := &includeFilter{rs: rs, printing: true, condTrue: true, exec: exec,
		errMsg: deref(dc.SSIErrorMsg, defaultErrMsg), timeFmt: deref(dc.SSITimeFormat, ssi.DefaultTimeFormat),
		undefinedEcho: deref(dc.SSIUndefinedEcho, defaultUndefinedEcho)}
	f.sc = ssi.NewScanner(rs.vh.conf.SSIStartTag, rs.vh.conf.SSIEndTag, f)
	rs.incl = f
	rs.appendFilter(f, &f.next, f.end)
	f.setupEnv()
}

func deref(p *string, def string) string {
	if p != nil {
		return *p
	}
	return def
}

// setupEnv gives the page the variables of its elements: the CGI ones and
// mod_include's own. A page included by another shares that page's
// environment (as Apache's mod_include does).
func (f *includeFilter) setupEnv() {
	rs, req := f.rs, f.rs.req
	if fi, err := os.Stat(req.Filename); err == nil && req.Filename != "" {
		f.mtime = fi.ModTime()
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			req.SubprocessEnv.Set("USER_NAME", userName(st.Uid))
		}
	}
	if req.Main != nil && req.Main.SubprocessEnv != nil && rs.nestedIncl {
		req.SubprocessEnv = req.Main.SubprocessEnv
		return
	}
	env := req.SubprocessEnv
	rs.addCGIVars(env)
	env.Set("DOCUMENT_URI", req.URI)
	env.Set("DOCUMENT_ARGS", req.Args)
	if req.PathInfo != "" {
		env.Set("DOCUMENT_PATH_INFO", req.PathInfo)
	}
	if i := strings.LastIndexByte(req.Filename, '/'); i >= 0 {
		env.Set("DOCUMENT_NAME", req.Filename[i+1:])
	} else {
		env.Set("DOCUMENT_NAME", req.URI)
	}
	if req.HasArgs {
		env.Set("QUERY_STRING_UNESCAPED", ssi.EscapeShell(ssi.UnescapeURL(req.Args)))
	}
	if _, ok := env.Get("USER_NAME"); !ok {
		env.Set("USER_NAME", "<unknown>")
	}
	f.setDates()
}

// setDates sets DATE_LOCAL, DATE_GMT and LAST_MODIFIED in the current
// timefmt.
func (f *includeFilter) setDates() {
	req := f.rs.req
	env := req.SubprocessEnv
	env.Set("DATE_LOCAL", ssi.Strftime(f.timeFmt, req.RequestTime.Local(), false))
	env.Set("DATE_GMT", ssi.Strftime(f.timeFmt, req.RequestTime.UTC(), true))
	env.Set("LAST_MODIFIED", ssi.Strftime(f.timeFmt, f.mtime.Local(), false))
}

func userName(uid uint32) string {
	if u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10)); err == nil {
		return u.Username
	}
	return "<unknown>"
}

// addCGIVars sets Apache's ap_add_common_vars and ap_add_cgi_vars in env,
// the variables mod_cgi gives its scripts (without Authorization).
func (rs *rstate) addCGIVars(env *table.Table) {
	vars := rs.cgiVars(nil, false)
	for i := 0; i+1 < len(vars); i += 2 {
		env.Set(vars[i], vars[i+1])
	}
}

// fixHeaders removes what the parsed page invalidates from its response
// headers, as mod_include does: Content-Length; Last-Modified, unless
// SSILastModified On or XBitHack Full with the group execute bit; ETag
// unless SSIETag On.
func (f *includeFilter) fixHeaders(h *table.Table) {
	dc := f.rs.filterConfig()
	h.Del("Content-Length")
	keepLM := dc.SSILastModified != nil && *dc.SSILastModified
	if !keepLM && dc.XBitHack == "full" {
		if fi, err := os.Stat(f.rs.req.Filename); err == nil && fi.Mode()&0o010 != 0 {
			keepLM = true
		}
	}
	if !keepLM {
		h.Del("Last-Modified")
	}
	if dc.SSIETag == nil || !*dc.SSIETag {
		h.Del("ETag")
	}
}

// Write parses p, passing on the page's text and the elements' output.
func (f *includeFilter) Write(p []byte) (int, error) {
	f.sc.Write(p)
	return len(p), f.err
}

// Flush flushes the next link.
func (f *includeFilter) Flush() error { return f.next.Flush() }

// end finishes the page: an element left open is an error, as is an #if
// without its #endif.
func (f *includeFilter) end() {
	if f.sc.Close() {
		f.rs.logError(levelError, "AH01372: SSI directive was not properly finished at the end of parsed document %s", f.rs.req.Filename)
		if f.printing {
			f.emit(f.errMsg)
		}
	}
	if !f.printing {
		f.rs.logError(levelWarn, "AH01373: missing closing endif directive in parsed document %s", f.rs.req.Filename)
	}
}

// Text implements ssi.Handler.
func (f *includeFilter) Text(p []byte) {
	if f.printing {
		f.write(p)
	}
}

// Overlong implements ssi.Handler.
func (f *includeFilter) Overlong() {
	f.rs.logError(levelError, "SSI directive longer than %d bytes in parsed document %s: dropped", ssi.MaxTag, f.rs.req.Filename)
	if f.printing {
		f.emit(f.errMsg)
	}
}

func (f *includeFilter) write(p []byte) {
	if _, err := f.next.Write(p); err != nil && f.err == nil {
		f.err = err
	}
}

func (f *includeFilter) emit(s string) { f.write([]byte(s)) }

// fail logs an element's error and, where the page is printing, puts the
// error message there.
func (f *includeFilter) fail(format string, a ...any) {
	f.rs.logError(levelError, format, a...)
	if f.printing {
		f.emit(f.errMsg)
	}
}

// Tag implements ssi.Handler: run one element.
func (f *includeFilter) Tag(body []byte) {
	file := f.rs.req.Filename
	dir, attrs, err := ssi.ParseTag(string(body))
	switch {
	case errors.Is(err, ssi.ErrNoDirective):
		f.fail("AH01368: missing directive name in parsed document %s", file)
		return
	case err != nil:
		f.fail("AH01369: missing argument name for value to tag %s in %s", dir, file)
		return
	}
	switch dir {
	case "if":
		f.doIf(attrs, false)
		return
	case "elif":
		f.doIf(attrs, true)
		return
	case "else", "endif":
		f.doElse(dir, attrs)
		return
	}
	if !f.printing {
		return
	}
	switch dir {
	case "comment":
	case "echo":
		f.doEcho(attrs)
	case "set":
		f.doSet(attrs)
	case "printenv":
		f.doPrintenv(attrs)
	case "config":
		f.doConfig(attrs)
	case "include":
		f.doInclude(attrs)
	case "fsize", "flastmod":
		f.doFileInfo(dir, attrs)
	case "exec":
		if len(attrs) == 0 {
			f.fail("AH03195: missing argument for exec element in %s", file)
			return
		}
		// modpy runs no CGI: #exec is refused as under IncludesNOEXEC.
		f.fail("AH01228: exec used but not allowed in %s", file)
	case "python":
		f.doPython(attrs)
	default:
		f.fail("AH01371: unknown directive \"%s\" in parsed doc %s", dir, file)
	}
}

// lookup is a variable's value for an element: $0..$9 from the last
// regular expression, else the environment.
func (f *includeFilter) lookup(name string) (string, bool) {
	if len(name) == 1 && name[0] >= '0' && name[0] <= '9' {
		i := int(name[0] - '0')
		if !f.matched || i >= len(f.groups) {
			f.rs.logError(levelWarn, "AH01329: regex capture $%d refers to no regex in %s", i, f.rs.req.Filename)
			return "", false
		}
		return f.groups[i], true
	}
	return f.rs.req.SubprocessEnv.Get(name)
}

// expand substitutes variables in an attribute value.
func (f *includeFilter) expand(s string) string {
	return ssi.Expand(s, f.lookup, func(rest string) {
		f.rs.logError(levelError, "AH01331: Missing '}' on variable \"%s\" in %s", rest, f.rs.req.Filename)
	})
}

func (f *includeFilter) doIf(attrs []ssi.Attr, elif bool) {
	file := f.rs.req.Filename
	if !elif && !f.printing {
		f.nesting++
		return
	}
	if elif && f.nesting > 0 {
		return
	}
	if len(attrs) != 1 {
		if len(attrs) == 0 {
			f.fail("AH01353: missing expr argument for if element in %s", file)
		} else {
			f.fail("AH01352: too many arguments for if element in %s", file)
		}
		return
	}
	if attrs[0].Name != "expr" {
		f.fail("AH01354: unknown parameter \"%s\" to tag if in %s", attrs[0].Name, file)
		return
	}
	if !attrs[0].HasValue {
		f.fail("AH01355: missing expr value for if element in %s", file)
		return
	}
	if elif && f.condTrue {
		f.printing = false
		return
	}
	expr := attrs[0].Value
	dc := f.rs.filterConfig()
	if (dc.SSILegacyExprParser == nil || !*dc.SSILegacyExprParser) && ssi.LooksAPExpr(expr) {
		f.fail("Could not parse expr \"%s\" in %s: modpy evaluates mod_include's legacy expression syntax only "+
			"(SSILegacyExprParser On), not ap_expr", expr, file)
		return
	}
	v, err := ssi.Eval(expr, ssi.Env{Expand: f.expand, Match: f.match, Access: f.access})
	if err != nil {
		f.fail("%v in file %s", err, file)
		return
	}
	f.printing, f.condTrue = v, v
	if !elif {
		f.nesting = 0
	}
}

// match is an #if's regular expression match, recording $0..$9.
func (f *includeFilter) match(s, re string) (bool, error) {
	x, err := ssi.Regexp(re)
	if err != nil {
		return false, errors.New("AH02667: unable to compile pattern \"" + re + "\"")
	}
	m := x.FindStringSubmatch(s)
	f.groups, f.matched = m, m != nil
	return m != nil, nil
}

// access is #if's -A: whether a subrequest for uri would be allowed.
func (f *includeFilter) access(uri string) bool {
	nrs, st := f.rs.subRequest(uri, "", discardFilter{})
	nrs.endSub()
	if st >= 400 {
		f.rs.logError(levelDebug, "AH01336: mod_include: The tested subrequest -A \"%s\" returned an error code.", uri)
		return false
	}
	return true
}

func (f *includeFilter) doElse(dir string, attrs []ssi.Attr) {
	if len(attrs) > 0 {
		level := levelError
		if f.nesting > 0 {
			level = levelWarn
		}
		f.rs.logError(level, "%s directive does not take tags in %s", dir, f.rs.req.Filename)
	}
	if f.nesting > 0 {
		if dir == "endif" {
			f.nesting--
		}
		return
	}
	if len(attrs) > 0 {
		if f.printing {
			f.emit(f.errMsg)
		}
		return
	}
	if dir == "endif" || !f.condTrue {
		f.printing, f.condTrue = true, true
	} else {
		f.printing = false
	}
}

func (f *includeFilter) doEcho(attrs []ssi.Attr) {
	file := f.rs.req.Filename
	if len(attrs) == 0 {
		f.fail("AH01343: missing argument for echo element in %s", file)
		return
	}
	encoding, decoding := "entity", "none"
	for _, a := range attrs {
		v := ssi.DecodeEntities(a.Value)
		switch a.Name {
		case "var":
			val, ok := f.lookup(f.expand(v))
			if !ok {
				f.emit(f.undefinedEcho)
				continue
			}
			if val, ok = f.recode(val, decoding, encoding, "echo"); !ok {
				return
			}
			f.emit(val)
		case "decoding":
			decoding = v
		case "encoding":
			encoding = v
		default:
			f.fail("AH01346: unknown parameter \"%s\" in tag echo of %s", a.Name, file)
			return
		}
	}
}

// recode applies an element's decoding= and then its encoding= to v; false
// (and the error) for an unknown one.
func (f *includeFilter) recode(v, decoding, encoding, elem string) (string, bool) {
	v, bad, ok := ssi.Decode(v, decoding)
	what := "decoding"
	if ok {
		v, bad, ok = ssi.Encode(v, encoding)
		what = "encoding"
	}
	if !ok {
		f.fail("unknown value \"%s\" to parameter \"%s\" of tag %s in %s", bad, what, elem, f.rs.req.Filename)
	}
	return v, ok
}

func (f *includeFilter) doSet(attrs []ssi.Attr) {
	file := f.rs.req.Filename
	if len(attrs) < 2 {
		f.fail("AH01362: missing argument for set element in %s", file)
		return
	}
	encoding, decoding, name := "none", "none", ""
	for _, a := range attrs {
		switch a.Name {
		case "var":
			name = f.expand(ssi.DecodeEntities(a.Value))
		case "decoding":
			decoding = a.Value
		case "encoding":
			encoding = a.Value
		case "value":
			if name == "" {
				f.fail("AH01363: variable must precede value in set directive in %s", file)
				return
			}
			v, ok := f.recode(f.expand(a.Value), decoding, encoding, "set")
			if !ok {
				return
			}
			f.rs.req.SubprocessEnv.Set(name, v)
		default:
			f.fail("AH01366: Invalid tag for set directive in %s", file)
			return
		}
	}
}

func (f *includeFilter) doPrintenv(attrs []ssi.Attr) {
	if len(attrs) > 0 {
		f.fail("AH01367: printenv directive does not take tags in %s", f.rs.req.Filename)
		return
	}
	var b strings.Builder
	for _, e := range f.rs.req.SubprocessEnv.Entries() {
		b.WriteString(ssi.EscapeHTML(e.Key))
		b.WriteByte('=')
		b.WriteString(ssi.EscapeHTML(e.Value))
		b.WriteByte('\n')
	}
	f.emit(b.String())
}

func (f *includeFilter) doConfig(attrs []ssi.Attr) {
	file := f.rs.req.Filename
	if len(attrs) == 0 {
		f.fail("AH01347: missing argument for config element in %s", file)
		return
	}
	for _, a := range attrs {
		v := f.expand(a.Value)
		switch a.Name {
		case "errmsg":
			f.errMsg = v
		case "echomsg":
			f.undefinedEcho = v
		case "timefmt":
			f.timeFmt = v
			f.setDates()
		case "sizefmt":
			switch v {
			case "bytes":
				f.sizeBytes = true
			case "abbrev":
				f.sizeBytes = false
			default:
				f.fail("AH01348: unknown value \"%s\" to parameter \"sizefmt\" of tag config in %s", v, file)
				return
			}
		default:
			f.fail("AH01349: unknown parameter \"%s\" to tag config in %s", a.Name, file)
			return
		}
	}
}

// fileBeside resolves include file="...": a path relative to the page's
// directory that stays below it. It returns the URI and the file.
func (f *includeFilter) fileBeside(p string) (uri, file string, ok bool) {
	c := path.Clean(p)
	if p == "" || path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") {
		return "", "", false
	}
	req := f.rs.req
	uri = req.URI[:strings.LastIndexByte(req.URI, '/')+1] + c
	return uri, filepath.Join(filepath.Dir(req.Filename), filepath.FromSlash(c)), true
}

func (f *includeFilter) doInclude(attrs []ssi.Attr) {
	file := f.rs.req.Filename
	if len(attrs) == 0 {
		f.fail("AH01341: missing argument for include element in %s", file)
		return
	}
	failed := false
	for _, a := range attrs {
		if a.Name != "virtual" && a.Name != "file" && a.Name != "onerror" {
			f.fail("AH01342: unknown parameter \"%s\" to tag include in %s", a.Name, file)
			return
		}
		if !a.HasValue {
			break
		}
		target := f.expand(ssi.DecodeEntities(a.Value))
		var nrs *rstate
		st := 0
		msg := ""
		switch {
		case a.Name == "file":
			uri, path, ok := f.fileBeside(target)
			if !ok {
				msg = "unable to include file \"%s\" in parsed file %s"
				break
			}
			nrs, st = f.rs.subRequest(uri, path, f.next)
		case a.Name == "virtual" && !failed, a.Name == "onerror" && failed:
			nrs, st = f.rs.subRequest(target, "", f.next)
		default:
			continue
		}
		if msg == "" && st != 200 {
			msg = "unable to include \"%s\" in parsed file %s, subrequest setup returned %d"
		}
		if msg == "" && !f.exec && nrs.req.ContentType != "" && !strings.HasPrefix(nrs.req.ContentType, "text/") {
			msg = "unable to include potential exec \"%s\" in parsed file %s, content type not text/*"
		}
		if msg == "" {
			nrs.nestedIncl = true
			if st = nrs.runSub(); st != 0 {
				msg = "unable to include \"%s\" in parsed file %s, subrequest returned %d"
			}
		} else if nrs != nil {
			nrs.endSub()
		}
		if msg == "" {
			failed = false
			continue
		}
		args := []any{a.Value, file}
		if strings.Count(msg, "%") == 3 {
			args = append(args, st)
		}
		f.rs.logError(levelError, msg, args...)
		if failed {
			break // onerror failed too: give up
		}
		failed = true
	}
	if failed {
		f.emit(f.errMsg)
	}
}

// doFileInfo is fsize and flastmod.
func (f *includeFilter) doFileInfo(dir string, attrs []ssi.Attr) {
	file := f.rs.req.Filename
	if len(attrs) == 0 {
		f.fail("missing argument for %s element in %s", dir, file)
		return
	}
	for _, a := range attrs {
		fi, ok := f.findFile(dir, a.Name, f.expand(ssi.DecodeEntities(a.Value)))
		if !ok {
			f.emit(f.errMsg)
			return
		}
		switch {
		case dir == "flastmod":
			f.emit(ssi.Strftime(f.timeFmt, fi.ModTime().Local(), false))
		case f.sizeBytes:
			f.emit(ssi.FormatBytes(fi.Size()))
		default:
			f.emit(ssi.FormatSize(fi.Size()))
		}
	}
}

// findFile is what fsize and flastmod look at: file= beside the page, or
// virtual= through a subrequest's lookup (access control applies).
func (f *includeFilter) findFile(dir, tag, val string) (os.FileInfo, bool) {
	file := f.rs.req.Filename
	var nrs *rstate
	st := 0
	switch tag {
	case "file":
		uri, path, ok := f.fileBeside(val)
		if !ok {
			f.rs.logError(levelError, "AH02668: unable to access file \"%s\" in parsed file %s", val, file)
			return nil, false
		}
		nrs, st = f.rs.subRequest(uri, path, discardFilter{})
	case "virtual":
		nrs, st = f.rs.subRequest(val, "", discardFilter{})
	default:
		f.rs.logError(levelError, "AH01340: unknown parameter \"%s\" to tag %s in %s", tag, dir, file)
		return nil, false
	}
	nrs.endSub()
	if st == 200 && nrs.exists {
		if fi, err := os.Stat(nrs.req.Filename); err == nil {
			return fi, true
		}
	}
	f.rs.logError(levelError, "AH01339: unable to get information about \"%s\" in parsed file %s", val, file)
	return nil, false
}

// doPython is mod_python's <!--#python exec="..." --> and eval="...".
func (f *includeFilter) doPython(attrs []ssi.Attr) {
	rs := f.rs
	file := rs.req.Filename
	if !f.exec {
		f.fail("#python used but not allowed in %s", file)
		return
	}
	var tag, code string
	for _, a := range attrs {
		v := ssi.DecodeEntities(a.Value)
		switch {
		case v == "":
			f.fail("empty value for '%s' parameter to tag 'python' in %s", a.Name, file)
			return
		case a.Name != "eval" && a.Name != "exec":
			f.fail("unexpected '%s' parameter to tag 'python' in %s", a.Name, file)
			return
		case tag != "":
			f.fail("multiple 'eval/exec' parameters to tag 'python' in %s", file)
			return
		}
		tag, code = a.Name, v
	}
	if tag == "" {
		f.fail("missing 'eval/exec' parameter to tag 'python' in %s", file)
		return
	}
	if rs.s.rt == nil {
		f.fail("#python in %s: Python is not running", file)
		return
	}
	name := interpreterName(rs.filterConfig(), rs.vh.name, config.Handler{}, rs.fileDir)
	st, err := rs.s.rt.RunInclude(name, rs.req, request.IncludeFilter, tag, code)
	if err != nil {
		rs.logError(levelError, "#python in %s: %v", file, err)
	}
	if err != nil || st != 0 {
		f.emit(f.errMsg)
	}
}

// discardFilter ends the chain of a subrequest that is only looked up.
type discardFilter struct{}

func (discardFilter) Write(p []byte) (int, error) { return len(p), nil }
func (discardFilter) Flush() error                { return nil }
