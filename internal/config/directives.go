package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"modpy/internal/request"
)

// directive is one row of the directive table: the directives of each
// module are its rows (modules.go), the table is their union. Rows with
// fn == nil are accepted with one notice (note) and otherwise ignored:
// only where ignoring them cannot change what is served, to whom, or what
// it reveals (see unsupported.go and docs/compatibility.md).
type directive struct {
	name     string // canonical spelling
	ctx      ctxMask
	min, max int    // argument counts; max < 0 = no limit
	usage    string // argument synopsis for error messages
	// fn acts on the directive. When nil the directive is accepted, not
	// acted on, and note is logged once as a Notice.
	fn   func(p *parser, c *call) error
	note string
	// override is the AllowOverride class that lets the directive into a
	// .htaccess file (Apache's req_override); 0: not allowed there (a
	// server-level or <Directory>-only directive). mod_python's Python*
	// directives are OR_ALL: any class lets them in. modpy's own
	// interpreter-lifecycle directives stay in the main configuration:
	// they spend the server's resources.
	override Override
}

// call is one directive occurrence being run.
type call struct {
	d    *directive
	args []string
	pos  Pos
	srv  *Server    // the server the directive is in
	sec  *Section   // the innermost per-directory section, nil at server level
	conf *DirConfig // sec.Conf, or srv.Dir at server/vhost level
	ctx  ctxMask
	hdir string // Handler.Dir for handlers defined here
	// hdirPattern: hdir is a wildcard or regex (Handler.DirPattern)
	hdirPattern bool
	inLoc       bool
}

func (c *call) errf(format string, a ...any) error {
	return &Error{Pos: c.pos, Directive: c.d.name, Msg: fmt.Sprintf(format, a...)}
}

// Handler phase names: the Python*Handler directives, which are also the
// keys of DirConfig.Handlers. They are the names of internal/request's
// phase table, the one place phases are described.
var (
	PhasePostReadRequest = request.PhasePostReadRequest.Name()
	PhaseTrans           = request.PhaseTrans.Name()
	PhaseHeaderParser    = request.PhaseHeaderParser.Name()
	PhaseInit            = request.PhaseInit.Name()
	PhaseAccess          = request.PhaseAccess.Name()
	PhaseAuthen          = request.PhaseAuthen.Name()
	PhaseAuthz           = request.PhaseAuthz.Name()
	PhaseType            = request.PhaseType.Name()
	PhaseFixup           = request.PhaseFixup.Name()
	PhaseHandler         = request.PhaseHandler.Name()
	PhaseLog             = request.PhaseLog.Name()
	PhaseCleanup         = request.PhaseCleanup.Name()
	PhaseConnection      = request.PhaseConnection.Name()
)

// RequestPhases are the twelve request phase keys (request.RequestPhases),
// in the order Apache runs them (PythonInitHandler runs first within
// post-read-request or header-parser). PythonHandlerModule registers under
// every one of them.
var RequestPhases = phaseNames(request.RequestPhases)

func phaseNames(ps []request.Phase) []string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name()
	}
	return names
}

// Notice texts shared by several rows.
const (
	noteIgnored   = "accepted but not acted on by modpy"
	noteNegotiate = "content negotiation is not done by modpy; directive ignored"
	noteCompress  = "this compression is not done by modpy (only DEFLATE is); directive ignored"
	noteMPM       = "not used by modpy's process model; ignored"
)

func ptr[T any](v T) *T { return &v }

// onOff parses a flag argument.
func (c *call) onOff(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, c.errf("must be On or Off, not %q", s)
}

// number parses a decimal integer in [lo, hi].
func (c *call) number(s string, lo, hi int64) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, c.errf("%q is not a number", s)
	}
	if n < lo || n > hi {
		if hi == math.MaxInt64 || hi == math.MaxInt32 {
			return 0, c.errf("%d is out of range (must be at least %d)", n, lo)
		}
		return 0, c.errf("%d is out of range (%d to %d)", n, lo, hi)
	}
	return n, nil
}

// logTarget resolves an ErrorLog/CustomLog target: pipes and syslog stay as
// written, file names become absolute.
func (p *parser) logTarget(s string) string {
	if strings.HasPrefix(s, "|") || s == "syslog" || strings.HasPrefix(s, "syslog:") {
		return s
	}
	return p.abs(s)
}

// normExt lower-cases an extension and gives it a leading dot.
func normExt(e string) string {
	e = strings.ToLower(e)
	if !strings.HasPrefix(e, ".") {
		e = "." + e
	}
	return e
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parsePort(s string) (int, error) {
	if !isDigits(s) {
		return 0, fmt.Errorf("%q is not a port number", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %s is out of range (1 to 65535)", s)
	}
	return n, nil
}

// isURL is Apache's ap_is_url, which Redirect, ErrorDocument and the
// signature's ServerAdmin link use: a scheme (letters, digits, +, -, .)
// and a colon.
func isURL(s string) bool {
	i := strings.IndexByte(s, ':')
	if i <= 0 {
		return false
	}
	for _, c := range []byte(s[:i]) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func splitFilters(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ";") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// setKV sets key in an ordered list, keeping the position of an existing key.
func setKV(list []KV, key, value string) []KV {
	for i := range list {
		if list[i].Key == key {
			list[i].Value = value
			return list
		}
	}
	return append(list, KV{Key: key, Value: value})
}

// keyword maps the directive's argument, compared without case, to its
// value in values; else an error saying what is wanted.
func keyword[T any](c *call, want string, values map[string]T) (T, error) {
	v, ok := values[strings.ToLower(c.args[0])]
	if !ok {
		return v, c.errf("%q: want %s", c.args[0], want)
	}
	return v, nil
}
