package server

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"modpy/internal/loglevel"
	"modpy/internal/server/urimap"
)

// cgi_module: mod_cgi's cgi-script handler (ScriptAlias, or SetHandler /
// AddHandler cgi-script with Options ExecCGI). The script runs as a
// process of its own (os/exec, never through Python), as the worker's
// user, in its own directory and its own process group, with the CGI/1.1
// environment (cgiEnv). The request body is written to its stdin, its
// stdout is read for the CGI header lines and then passed on as the
// response (or, for an nph- script, sent as it is), and each line of its
// stderr goes to the error log. Timeout (or CGIScriptTimeout) bounds each
// wait for output; a script that overruns it, or whose client is gone, is
// killed with its process group. Every process is waited for: none is
// left a zombie.
var cgiModule = &module{
	name:     "cgi_module",
	handlers: []contentHandler{{name: "cgi-script", serve: (*rstate).cgiHandler}},
}

// cgiChunk is how much of a script's stdout is read at a time;
// cgiBuffered bounds the chunks read ahead while the request body is
// still being written to the script.
const (
	cgiChunk    = 32 << 10
	cgiBuffered = 32
	cgiLineMax  = 8192 // Apache's MAX_STRING_LEN: a header or stderr line
	cgiKillWait = 3 * time.Second
)

// cgiDefaultPath is Apache's DEFAULT_PATH, the PATH a script gets when the
// server has none.
const cgiDefaultPath = "/bin:/usr/bin:/usr/ucb:/usr/bsd:/usr/local/bin"

// cgiHandler is mod_cgi's cgi_handler.
func (rs *rstate) cgiHandler() int {
	req, dc := rs.req, rs.dc
	nph := strings.HasPrefix(filepath.Base(req.Filename), "nph-")
	switch {
	case !rs.scriptAliased && (dc.Options == nil || !dc.Options.ExecCGI):
		return rs.cgiRefuse(403, "AH02809", "Options ExecCGI is off in this directory")
	case nph && rs.depth > 0:
		return rs.cgiRefuse(403, "AH02810", "attempt to include NPH CGI script")
	case !rs.exists:
		return rs.cgiRefuse(404, "AH02811", "script not found or unable to stat")
	case rs.isDir:
		return rs.cgiRefuse(403, "AH02812", "attempt to invoke directory as script")
	case rs.hr.ContentLength > 0 && rs.bodyLimit() > 0 && rs.hr.ContentLength > rs.bodyLimit():
		return 413
	}
	var raw interface {
		WriteRaw([]byte) (int, error)
	}
	if nph {
		var ok bool
		// An HTTP/2 stream has no wire of its own to write to.
		if raw, ok = rs.w.(interface{ WriteRaw([]byte) (int, error) }); !ok || rs.hr.ProtoNum >= 2000 {
			return rs.cgiRefuse(500, "", "nph- scripts need an HTTP/1 connection")
		}
	}
	p, err := rs.cgiStart()
	if err != nil {
		rs.cgiStderr(req.Filename, cgiErrno(err)+"exec of '"+req.Filename+"' failed")
		rs.cgiLog(levelError, "End of script output before headers: %s", filepath.Base(req.Filename))
		return 500
	}
	defer p.finish()
	if st := rs.cgiFeed(p); st != 0 {
		p.kill()
		return st
	}
	if nph {
		return rs.cgiNPH(p, raw)
	}
	return rs.cgiResponse(p)
}

// cgiRefuse logs mod_cgi's log_scripterror line and answers status.
func (rs *rstate) cgiRefuse(status int, logno, why string) int {
	if logno != "" {
		logno += ": "
	}
	rs.cgiLog(levelError, "%sstderr from %s: %s", logno, rs.req.Filename, why)
	return status
}

// cgiStderr logs one line of script file's stderr, as mod_cgi's
// log_script_err.
func (rs *rstate) cgiStderr(file, line string) {
	rs.cgiLog(levelError, "AH01215: stderr from %s: %s", file, line)
}

func (rs *rstate) cgiLog(level loglevel.Level, format string, args ...any) {
	rs.logModule("cgi", level, format, args...)
}

// cgiErrno is Apache's "(13)Permission denied: " for a failed exec.
func cgiErrno(err error) string {
	var en syscall.Errno
	if errors.As(err, &en) {
		return errnoPrefix(en)
	}
	return err.Error() + ": "
}

// cgiProc is one running script: its pipes, what reads them, and its end.
type cgiProc struct {
	rs      *rstate
	cmd     *exec.Cmd
	stdin   *os.File
	timeout time.Duration
	// out carries stdout's chunks, then one cgiEnd; stderrDone closes
	// when stderr reached its end; exited closes when the process was
	// waited for.
	out        chan cgiRead
	stderrDone chan struct{}
	exited     chan struct{}
	stdoutR    *os.File
	stderrR    *os.File
	// ended: the handler read stdout's end; stop: readStdout is to quit.
	ended bool
	stop  atomic.Bool
}

// cgiRead is one read from the script's stdout: data, or the end (err:
// io.EOF, os.ErrDeadlineExceeded for a timeout, or a read error).
type cgiRead struct {
	data []byte
	err  error
}

// cgiTimeout is how long the script may go without output:
// CGIScriptTimeout, else Timeout.
func (rs *rstate) cgiTimeout() time.Duration {
	if t := rs.dc.CGIScriptTimeout; t != nil && *t > 0 {
		return *t
	}
	if t := rs.s.cfg.Process.Timeout; t > 0 {
		return t
	}
	return 60 * time.Second
}

// cgiStart starts the script with its pipes and the goroutines that read
// its stdout and stderr and wait for it.
func (rs *rstate) cgiStart() (*cgiProc, error) {
	req := rs.req
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		outR.Close()
		outW.Close()
		return nil, err
	}
	cmd := &exec.Cmd{
		Path:        req.Filename,
		Args:        append([]string{req.Filename}, cgiArgs(req.Args)...),
		Env:         rs.cgiEnv(),
		Dir:         filepath.Dir(req.Filename),
		Stdin:       inR,
		Stdout:      outW,
		Stderr:      errW,
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	err = cmd.Start()
	inR.Close()
	outW.Close()
	errW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		errR.Close()
		return nil, err
	}
	p := &cgiProc{
		rs: rs, cmd: cmd, stdin: inW, timeout: rs.cgiTimeout(),
		out: make(chan cgiRead, cgiBuffered), stderrDone: make(chan struct{}), exited: make(chan struct{}),
		stdoutR: outR, stderrR: errR,
	}
	go p.readStdout()
	go p.readStderr()
	go func() {
		cmd.Wait() // reaps the script: no zombie
		close(p.exited)
	}()
	return p, nil
}

// readStdout passes the script's stdout on in chunks; each read may wait
// the timeout.
func (p *cgiProc) readStdout() {
	defer p.stdoutR.Close()
	for {
		buf := make([]byte, cgiChunk)
		if p.stop.Load() {
			p.out <- cgiRead{err: os.ErrClosed}
			return
		}
		p.stdoutR.SetReadDeadline(time.Now().Add(p.timeout))
		n, err := p.stdoutR.Read(buf)
		if n > 0 {
			p.out <- cgiRead{data: buf[:n]}
		}
		if err != nil {
			p.out <- cgiRead{err: err}
			return
		}
	}
}

// readStderr logs each line of the script's stderr (lines longer than
// Apache's buffer are logged in pieces).
func (p *cgiProc) readStderr() {
	defer close(p.stderrDone)
	defer p.stderrR.Close()
	br := bufio.NewReaderSize(p.stderrR, cgiLineMax)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			l := strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r")
			p.rs.cgiStderr(p.cmd.Path, l)
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

// kill ends the script and everything in its process group.
func (p *cgiProc) kill() {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
}

// finish is the end of the request's use of the script: stdin closes, and
// a script still running once its output ended gets SIGTERM, then
// SIGKILL cgiKillWait later, with its process group, as Apache's
// kill-after-timeout; stderr is read to its end meanwhile. The waiting
// happens off the request, which does not wait for it.
func (p *cgiProc) finish() {
	p.stdin.Close()
	if !p.ended {
		go func() { // drain, so readStdout can end
			for c := range p.out {
				if c.err != nil {
					return
				}
			}
		}()
	}
	go func() {
		select {
		case <-p.exited:
		case <-time.After(50 * time.Millisecond):
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-p.exited:
			case <-time.After(cgiKillWait):
				p.kill()
				<-p.exited
			}
		}
		// The pipes' other ends may be held by the script's children:
		// stop reading them once the script is gone.
		p.stop.Store(true)
		p.stdoutR.SetReadDeadline(time.Now())
		p.stderrR.SetReadDeadline(time.Now().Add(p.timeout))
	}()
}

// cgiFeed writes the request body to the script's stdin and closes it,
// as mod_cgi's cgi_handle_request. A script that stops reading it (it
// exited, or the timeout passed) gets no more; the rest of the body is
// left for the connection to drain. It returns 0, or the status for a
// body the client failed to send (400) or sent too much of (413).
func (rs *rstate) cgiFeed(p *cgiProc) int {
	defer p.stdin.Close()
	if rs.hr.ContentLength <= 0 && !rs.hr.Chunked {
		return 0
	}
	buf := make([]byte, cgiChunk)
	writing := true
	for {
		n, err := rs.io.Read(buf)
		if n > 0 && writing {
			p.stdin.SetWriteDeadline(time.Now().Add(p.timeout))
			if _, werr := p.stdin.Write(buf[:n]); werr != nil {
				writing = false
			}
		}
		if err == io.EOF {
			return 0
		}
		if err != nil {
			if rs.bodyTooLarge() {
				return 413
			}
			rs.cgiLog(levelError, "%sAH01225: Error reading request entity data", errnoPrefix(err))
			return 400
		}
		if !writing {
			return 0
		}
	}
}

// cgiReader reads the script's stdout from the chunks readStdout passes.
type cgiReader struct {
	p   *cgiProc
	cur []byte
	err error
}

func (r *cgiReader) Read(b []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		c := <-r.p.out
		r.cur, r.err = c.data, c.err
		if c.err != nil {
			r.p.ended = true
		}
	}
	n := copy(b, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// ready: more output is at hand without waiting.
func (r *cgiReader) ready() bool { return len(r.cur) > 0 || len(r.p.out) > 0 }

// cgiResponse reads the script's header lines and passes the rest of its
// output on as the body, as Apache's cgi_handle_response.
func (rs *rstate) cgiResponse(p *cgiProc) int {
	req := rs.req
	name := filepath.Base(req.Filename)
	cr := &cgiReader{p: p}
	br := bufio.NewReaderSize(cr, cgiLineMax)
	explicitStatus := false
	var merge []string // other header fields, for err_headers_out
	first := true
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			err = nil
		}
		if err != nil && len(line) == 0 {
			p.kill()
			if errors.Is(err, os.ErrDeadlineExceeded) {
				rs.cgiLog(levelWarn, "AH01220: Timeout waiting for output from CGI script %s", req.Filename)
				rs.cgiLog(levelError, "Script timed out before returning headers: %s", name)
				return 504
			}
			msg := "Premature end of script headers"
			if first {
				msg = "End of script output before headers"
			}
			rs.cgiLog(levelError, "%s: %s", msg, name)
			return 500
		}
		l := strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r")
		if l == "" {
			break
		}
		first = false
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			rs.cgiLog(levelError, "malformed header from script '%s': Bad header: %.30s", name, l)
			p.kill()
			return 500
		}
		v = strings.TrimLeft(v, " \t\r\n\v\f")
		switch strings.ToLower(k) {
		case "content-type":
			req.ContentType = cgiContentType(strings.TrimRight(v, " \t\r\n\v\f"))
		case "status":
			code, _ := strconv.Atoi(strings.TrimSpace(cgiDigits(v)))
			if code < 100 || code > 599 {
				rs.cgiLog(levelError, "Invalid status line from script '%s': %.30s", name, v)
				p.kill()
				return 500
			}
			req.Status, req.StatusLine, explicitStatus = code, v, true
		case "location", "content-length", "content-range", "transfer-encoding", "etag":
			req.HeadersOut.Set(k, v)
		case "last-modified":
			t, err := http.ParseTime(v)
			if err != nil {
				rs.cgiLog(levelInfo, "AH10247: Ignored invalid header value: Last-Modified: '%s'", v)
				continue
			}
			if m := time.Unix(0, rs.mtime); rs.mtime != 0 && m.After(t) {
				t = m
			}
			if now := time.Now(); t.After(now) {
				t = now
			}
			req.HeadersOut.Set("Last-Modified", t.UTC().Format(http.TimeFormat))
		case "set-cookie":
			req.ErrHeadersOut.Add(k, v)
		default:
			merge = append(merge, k, v)
		}
	}
	for i := 0; i < len(merge); i += 2 {
		k, v := merge[i], merge[i+1]
		if old, ok := req.ErrHeadersOut.Get(k); ok {
			req.ErrHeadersOut.Set(k, old+", "+v)
		} else {
			req.ErrHeadersOut.Add(k, v)
		}
	}
	if !req.SubprocessEnv.Has("ap_trust_cgilike_cl") {
		req.HeadersOut.Del("Content-Length")
	}
	if req.HeadersOut.Has("Transfer-Encoding") {
		p.kill()
		return rs.cgiRefuse(502, "AH10501", "script sent Transfer-Encoding")
	}
	if !explicitStatus && req.Method == "GET" && rs.cgiNotModified() {
		req.Status = 304
		return resOK
	}
	if loc := req.HeadersOut.Value("Location"); loc != "" && req.Status == 200 {
		// The rest of the output is not sent, whatever the redirect.
		io.Copy(io.Discard, br)
		if loc[0] == '/' {
			req.HeadersOut.Del("Location")
			req.Method, req.MethodNum, req.HeaderOnly = "GET", 0, false
			req.HeadersIn.Del("Content-Length")
			if err := rs.InternalRedirect(loc); err != nil {
				return 500
			}
			return resOK
		}
		return 302
	}
	return rs.cgiBody(p, br, cr)
}

// cgiBody passes the script's output after its headers on to the client,
// flushing whenever the script has nothing more at hand, so a script that
// streams is streamed.
func (rs *rstate) cgiBody(p *cgiProc, br *bufio.Reader, cr *cgiReader) int {
	buf := make([]byte, cgiChunk)
	for {
		n, err := br.Read(buf)
		if n > 0 {
			if _, werr := rs.io.Write(buf[:n]); werr != nil {
				p.kill() // the client is gone
				return resOK
			}
			if br.Buffered() == 0 && !cr.ready() {
				if rs.io.Flush() != nil {
					p.kill()
					return resOK
				}
			}
		}
		if err == io.EOF {
			return resOK
		}
		if err != nil {
			p.kill()
			if errors.Is(err, os.ErrDeadlineExceeded) {
				rs.cgiLog(levelWarn, "AH01220: Timeout waiting for output from CGI script %s", rs.req.Filename)
			}
			// The response is cut short, as Apache's.
			rs.io.abort()
			return resOK
		}
	}
}

// cgiNPH sends an nph- script's output as it is: the status line and
// headers are the script's; the connection closes after it.
func (rs *rstate) cgiNPH(p *cgiProc, raw interface{ WriteRaw([]byte) (int, error) }) int {
	cr := &cgiReader{p: p}
	buf := make([]byte, cgiChunk)
	for {
		n, err := cr.Read(buf)
		if n > 0 {
			if _, werr := raw.WriteRaw(buf[:n]); werr != nil {
				p.kill()
				return resOK
			}
		}
		if err != nil {
			if err != io.EOF {
				p.kill()
				if errors.Is(err, os.ErrDeadlineExceeded) {
					rs.cgiLog(levelWarn, "AH01220: Timeout waiting for output from CGI script %s", rs.req.Filename)
				}
			}
			return resOK
		}
	}
}

// cgiNotModified is ap_meets_conditions for a script's response that set
// no Status: If-None-Match against its ETag, else If-Modified-Since
// against its Last-Modified.
func (rs *rstate) cgiNotModified() bool {
	req := rs.req
	if inm, ok := req.HeadersIn.Get("If-None-Match"); ok {
		etag := strings.TrimPrefix(req.HeadersOut.Value("ETag"), "W/")
		if etag == "" {
			return false
		}
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || t == etag {
				return true
			}
		}
		return false
	}
	ims, ok := req.HeadersIn.Get("If-Modified-Since")
	lm := req.HeadersOut.Value("Last-Modified")
	if !ok || lm == "" {
		return false
	}
	since, err1 := http.ParseTime(ims)
	mod, err2 := http.ParseTime(lm)
	return err1 == nil && err2 == nil && !mod.After(since)
}

// cgiDigits is the leading digits of a Status value ("404 Not Found").
func cgiDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

// cgiContentType lower-cases a script's media type and its parameter
// names, as ap_content_type_tolower.
func cgiContentType(t string) string {
	parts := strings.Split(t, ";")
	parts[0] = strings.ToLower(parts[0])
	for i := 1; i < len(parts); i++ {
		if k, v, ok := strings.Cut(parts[i], "="); ok {
			parts[i] = strings.ToLower(k) + "=" + v
		}
	}
	return strings.Join(parts, ";")
}

// cgiArgs are the command-line arguments of a script whose query string
// has no "=" (an ISINDEX query): its "+"-separated words, unescaped, with
// shell metacharacters backslashed, as Apache's default_build_command.
func cgiArgs(query string) []string {
	if query == "" || strings.IndexByte(query, '=') >= 0 {
		return nil
	}
	words := strings.Split(query, "+")
	if len(words) > 4094 { // APACHE_ARG_MAX - 2
		words = words[:4094]
	}
	out := make([]string, 0, len(words))
	for _, w := range words {
		if u, err := url.PathUnescape(w); err == nil {
			w = u
		}
		out = append(out, escapeShell(w))
	}
	return out
}

// escapeShell is Apache's ap_escape_shell_cmd: a backslash before each
// shell metacharacter.
func escapeShell(s string) string {
	const meta = "&;`'\"|*?~<>^()[]{}$\\\n\xff"
	if !strings.ContainsAny(s, meta) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(meta, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// cgiEnv is the script's environment, as Apache's ap_add_common_vars,
// ap_add_cgi_vars and ap_create_environment make it: the request's
// subprocess_env (SetEnv, PassEnv, ...), overridden by the CGI
// variables; TZ from the server's environment unless set; names with
// other characters than letters and digits get "_" for them.
func (rs *rstate) cgiEnv() []string {
	req := rs.req
	vars := make([]string, 0, 64)
	for _, e := range req.SubprocessEnv.Entries() {
		vars = append(vars, e.Key, e.Value)
	}
	passAuth := rs.dc.CGIPassAuth != nil && *rs.dc.CGIPassAuth
	return environ(rs.cgiVars(vars, passAuth))
}

// cgiVars appends to vars (name, value, ...) the variables Apache's
// ap_add_common_vars and ap_add_cgi_vars set, for mod_cgi's scripts and
// mod_include's pages alike: HTTP_* (Authorization and
// Proxy-Authorization only with passAuth), the server's and the
// client's, the script's and the path info's.
func (rs *rstate) cgiVars(vars []string, passAuth bool) []string {
	req := rs.req
	// Proxy never: it would pose as the proxy setting (Apache's
	// SECURITY_HOLE_PASS_PROXY is off).
	vars = appendHeaderVars(vars, req.HeadersIn.Entries(), passAuth, passAuth)
	path := os.Getenv("PATH")
	if path == "" {
		path = cgiDefaultPath
	}
	vars = append(vars, "PATH", path)
	if v, ok := os.LookupEnv("LD_LIBRARY_PATH"); ok {
		vars = append(vars, "LD_LIBRARY_PATH", v)
	}
	host, port := rs.serverName()
	c := req.Conn
	admin := rs.vh.conf.ServerAdmin
	if admin == "" {
		admin = "[no address given]" // Apache's DEFAULT_ADMIN
	}
	ctxRoot := rs.ctxRoot
	if rs.ctxPrefix == "" && ctxRoot == "" {
		ctxRoot = req.DocumentRoot
	}
	vars = append(vars,
		"SERVER_SIGNATURE", strings.TrimPrefix(rs.signature(), "<hr>\n"),
		"SERVER_SOFTWARE", rs.s.banner,
		"SERVER_NAME", htmlEscaper.Replace(host),
		"SERVER_ADDR", c.LocalIP,
		"SERVER_PORT", strconv.Itoa(port),
		"REMOTE_ADDR", req.ClientIP(), // (mod_remoteip's client; the port stays the peer's)
		"DOCUMENT_ROOT", req.DocumentRoot,
		"REQUEST_SCHEME", rs.scheme(),
		"CONTEXT_PREFIX", rs.ctxPrefix,
		"CONTEXT_DOCUMENT_ROOT", ctxRoot,
		"SERVER_ADMIN", admin,
		"SCRIPT_FILENAME", req.Filename,
		"REMOTE_PORT", strconv.Itoa(c.RemotePort),
	)
	if req.User != "" {
		vars = append(vars, "REMOTE_USER", req.User)
	} else {
		for b := req.Prev; b != nil; b = b.Prev {
			if b.User != "" {
				vars = append(vars, "REDIRECT_REMOTE_USER", b.User)
				break
			}
		}
	}
	if req.AuthType != "" {
		vars = append(vars, "AUTH_TYPE", req.AuthType)
	}
	first := req
	for first.Prev != nil {
		first = first.Prev
	}
	vars = append(vars,
		"GATEWAY_INTERFACE", "CGI/1.1",
		"SERVER_PROTOCOL", req.Protocol,
		"REQUEST_METHOD", req.Method,
		"QUERY_STRING", req.Args,
		"REQUEST_URI", first.UnparsedURI,
		"SCRIPT_NAME", wsgiScriptName(req.URI, req.PathInfo),
	)
	if req.PathInfo != "" {
		vars = append(vars, "PATH_INFO", req.PathInfo, "PATH_TRANSLATED", rs.pathTranslated(req.PathInfo))
	}
	return vars
}

// pathTranslated is PATH_TRANSLATED: the path info mapped as a URI would
// be, by the server's aliases, else under the DocumentRoot.
func (rs *rstate) pathTranslated(pathInfo string) string {
	if a, p := urimap.Alias(rs.vh.conf.Aliases, pathInfo); a != nil {
		return p
	}
	return strings.TrimSuffix(rs.req.DocumentRoot, "/") + pathInfo
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;")

// environ turns name, value, ... (a later name replacing an earlier one,
// in its place) into "NAME=value" strings for exec, with
// ap_create_environment's name rule and TZ.
func environ(vars []string) []string {
	idx := make(map[string]int, len(vars)/2)
	env := make([]string, 0, len(vars)/2+1)
	for i := 0; i+1 < len(vars); i += 2 {
		k := envName(vars[i])
		if j, ok := idx[k]; ok {
			env[j] = k + "=" + vars[i+1]
			continue
		}
		idx[k] = len(env)
		env = append(env, k+"="+vars[i+1])
	}
	if _, ok := idx["TZ"]; !ok {
		if tz, ok := os.LookupEnv("TZ"); ok {
			env = append(env, "TZ="+tz)
		}
	}
	return env
}

// envName is a variable name as ap_create_environment writes it: a
// leading digit and every character but letters and digits become "_".
func envName(k string) string {
	b := []byte(k)
	changed := false
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' && i > 0) {
			if c != '_' {
				b[i], changed = '_', true
			}
		}
	}
	if !changed {
		return k
	}
	return string(b)
}
