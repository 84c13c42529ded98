package server

import (
	"compress/gzip"
	"strconv"
	"strings"
	"sync"

	"modpy/internal/config"
	"modpy/internal/table"
)

// deflate_module: the DEFLATE output filter, gzip with the standard
// library's compressor. It is activated by SetOutputFilter or
// AddOutputFilter DEFLATE, by req.add_output_filter("DEFLATE"), or by
// mod_filter's AddOutputFilterByType DEFLATE type...; like Apache's
// (AP_FTYPE_CONTENT_SET) it sits after the Python filters and INCLUDES,
// whatever the order they were named in, just before the connection.
// When the first bytes (or a flush) reach it, it decides as
// mod_deflate's deflate_out_filter does whether to compress: not for a
// subrequest, a 204, a Content-Range, no-gzip in the environment, a
// response already encoded, or a client whose Accept-Encoding lacks gzip
// (or gives it q=0); gzip-only-text/html=1 limits it to text/html;
// force-gzip skips the Accept-Encoding test; a whole response of 68
// bytes or less is left alone. Once it got past the encoding test it adds
// "Vary: Accept-Encoding"; compressing, it sets Content-Encoding: gzip,
// drops Content-Length and Content-MD5, and gives the ETag a "-gzip"
// suffix (DeflateAlterETag). A flush of the response flushes the
// compressor, so streamed output stays streamed. The server's own error
// pages are not compressed (Apache drops the content filters for them).
var deflateModule = &module{name: "deflate_module"}

// deflateState is where the filter's decision stands.
type deflateState uint8

const (
	deflateUndecided deflateState = iota // no bytes yet (some may be held)
	deflateOff                           // passing the response on as it is
	deflateVary                          // as it is, but with Vary: Accept-Encoding
	deflateOn                            // compressing
)

// deflateSmall is mod_deflate's threshold: a response known whole (its
// end came with its first bytes) of at most this many bytes is not
// compressed (a gzip header, the trailer and 50 bytes of headers).
const deflateSmall = gzipFraming + 50

// gzipFraming is the gzip header (10 bytes, no name or comment) and
// trailer (8) around the deflate stream.
const gzipFraming = 10 + 8

// deflateFilter is one response's DEFLATE filter.
type deflateFilter struct {
	rs   *rstate
	next outputFilter
	conf *config.Deflate
	// types are AddOutputFilterByType's media types; nil: the filter
	// runs for any (SetOutputFilter, AddOutputFilter).
	types []string
	state deflateState
	held  []byte // the first bytes, before the decision
	gz    *gzip.Writer
	level int
	buf   []byte // compressed output not yet passed on
	in    int64  // bytes compressed
	out   int64  // compressed bytes passed on
	err   error
	ended bool // end ran: what comes later (a timer's flush) passes on
}

// addDeflate puts the DEFLATE filter in the chain (once); types are the
// media types it is limited to (nil: none). A subrequest's response is
// never compressed.
func (rs *rstate) addDeflate(types []string) bool {
	if rs.req.Main != nil {
		return false
	}
	if f := rs.deflate; f != nil {
		if types == nil {
			f.types = nil // an unconditional DEFLATE besides the by-type one
		}
		return true
	}
	f := &deflateFilter{rs: rs, conf: rs.vh.conf.Deflate, types: types}
	if f.conf == nil {
		f.conf = &config.Deflate{BufferSize: config.DefaultDeflateBufferSize}
	}
	rs.deflate = f
	// After the filters of the content (Python's, INCLUDES): those added
	// later are put before it (appendFilter), and it ends after them.
	if rs.chainEnd == nil {
		f.next, rs.out = rs.out, f
	} else {
		f.next, *rs.chainEnd = *rs.chainEnd, f
	}
	return true
}

// headBody takes the body of a HEAD response: only DEFLATE sees it (so
// that the headers are a GET's, Content-Length compressed), the
// connection drops it.
func (rs *rstate) headBody(p []byte) (int, error) {
	if rs.deflate == nil {
		return len(p), nil
	}
	return rs.deflate.Write(p)
}

// Write compresses p, or passes it on, once the decision is made.
func (f *deflateFilter) Write(p []byte) (int, error) {
	switch {
	case f.ended:
		return f.next.Write(p)
	case f.state == deflateOff, f.state == deflateVary:
		return f.next.Write(p)
	case f.state == deflateOn:
		return f.compress(p)
	}
	if len(f.held)+len(p) <= deflateSmall {
		f.held = append(f.held, p...) // too early to tell a small response
		return len(p), nil
	}
	f.decide(false)
	if _, err := f.Write(f.takeHeld()); err != nil {
		return 0, err
	}
	return f.Write(p)
}

// Flush decides (a flush is no end: the response is not known small),
// then flushes the compressor and the next link.
func (f *deflateFilter) Flush() error {
	if f.ended {
		return f.next.Flush()
	}
	if f.state == deflateUndecided {
		f.decide(false)
		if _, err := f.Write(f.takeHeld()); err != nil {
			return err
		}
	}
	if f.state == deflateOn {
		if err := f.gz.Flush(); err != nil {
			return err
		}
		if err := f.pass(); err != nil {
			return err
		}
	}
	return f.next.Flush()
}

// end is the end of the response: the compressor's last bytes and the
// gzip trailer, then DeflateFilterNote's notes. The caller holds the
// response's lock.
func (f *deflateFilter) end() {
	if f.ended {
		return
	}
	if f.state == deflateUndecided {
		f.decide(true)
		f.Write(f.takeHeld())
	}
	f.ended = true
	if f.state != deflateOn {
		return
	}
	f.gz.Close()
	f.pass()
	deflatePools[f.level].Put(f.gz)
	f.gz = nil
	c, notes := f.conf, f.rs.req.Notes
	if c.NoteInput != "" {
		notes.Set(c.NoteInput, countOrDash(f.in))
	}
	out := max(f.out-gzipFraming, 0) // zlib's total_out: the deflate stream alone
	if c.NoteOutput != "" {
		notes.Set(c.NoteOutput, countOrDash(out))
	}
	if c.NoteRatio != "" {
		r := "-"
		if f.in > 0 {
			r = strconv.FormatInt(out*100/f.in, 10)
		}
		notes.Set(c.NoteRatio, r)
	}
}

func countOrDash(n int64) string {
	if n > 0 {
		return strconv.FormatInt(n, 10)
	}
	return "-"
}

func (f *deflateFilter) takeHeld() []byte {
	p := f.held
	f.held = nil
	return p
}

// compress feeds p to the compressor, passing its output on in pieces of
// DeflateBufferSize.
func (f *deflateFilter) compress(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	f.in += int64(len(p))
	if _, err := f.gz.Write(p); err != nil {
		return 0, err
	}
	if len(f.buf) >= f.conf.BufferSize {
		if err := f.pass(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// pass gives the compressed output gathered so far to the next link.
func (f *deflateFilter) pass() error {
	if len(f.buf) == 0 || f.err != nil {
		return f.err
	}
	n, err := f.next.Write(f.buf)
	f.out += int64(n)
	f.buf = f.buf[:0]
	f.err = err
	return err
}

// deflateSink is where the compressor writes: the filter's buffer.
type deflateSink struct{ f *deflateFilter }

func (s deflateSink) Write(p []byte) (int, error) {
	s.f.buf = append(s.f.buf, p...)
	return len(p), nil
}

// deflatePools keep compressors by level (0: zlib's default, 6): one
// costs hundreds of KiB to make.
var deflatePools [10]sync.Pool

// decide is deflate_out_filter's first call: whether this response is
// compressed. end says the response's end came with its first bytes.
// The headers are synced again, as they now change.
func (f *deflateFilter) decide(end bool) {
	f.state = f.choose(end)
	if f.state == deflateOn {
		f.level = f.conf.Level
		gz, _ := deflatePools[f.level].Get().(*gzip.Writer)
		if gz == nil {
			level := f.level
			if level == 0 {
				level = gzip.DefaultCompression
			}
			gz, _ = gzip.NewWriterLevel(deflateSink{f}, level)
		} else {
			gz.Reset(deflateSink{f})
		}
		gz.OS = 3 // Unix, as zlib writes it
		f.gz = gz
		if f.buf == nil {
			f.buf = make([]byte, 0, f.conf.BufferSize+512)
		}
	}
	if f.state != deflateOff {
		f.rs.io.syncHeaders()
	}
}

// choose is the decision itself, in mod_deflate's (and for by-type
// filters mod_filter's) order.
func (f *deflateFilter) choose(end bool) deflateState {
	req := f.rs.req
	env := req.SubprocessEnv
	ct := req.ContentType
	switch {
	case f.types != nil && !typeListed(f.types, ct):
		return deflateOff // mod_filter: not one of AddOutputFilterByType's types
	case end && len(f.held) <= deflateSmall:
		return deflateOff
	case req.Main != nil, req.Status == 204, env.Has("no-gzip"), req.HeadersOut.Has("Content-Range"):
		return deflateOff
	case !strings.HasPrefix(ct, "text/html") && env.Value("gzip-only-text/html") == "1":
		return deflateOff
	case encoded(req.HeadersOut) || encoded(req.ErrHeadersOut):
		return deflateOff // never twice
	}
	if env.Has("force-gzip") || acceptsGzip(req.HeadersIn) {
		return deflateOn
	}
	return deflateVary
}

// typeListed is mod_filter's content type test: the type up to its
// parameters, exactly as written, is one of types.
func typeListed(types []string, ct string) bool {
	if ct == "" {
		return false
	}
	if i := strings.IndexAny(ct, "; \t"); i >= 0 {
		ct = ct[:i]
	}
	for _, t := range types {
		if t == ct {
			return true
		}
	}
	return false
}

// encoded reports whether t's Content-Encoding names an encoding other
// than identity, 7bit, 8bit or binary.
func encoded(t *table.Table) bool {
	for _, v := range t.Values("Content-Encoding") {
		for tok := range strings.SplitSeq(v, ",") {
			switch strings.TrimSpace(tok) {
			case "", "identity", "7bit", "8bit", "binary":
			default:
				return true
			}
		}
	}
	return false
}

// acceptsGzip is mod_deflate's Accept-Encoding test: the first "gzip"
// token (without case), unless its first parameter is q=0 (q=0.0,
// q=0.000...). x-gzip and * do not count, as in Apache.
func acceptsGzip(h *table.Table) bool {
	ae, ok := h.Get("Accept-Encoding")
	if !ok {
		return false
	}
	for item := range strings.SplitSeq(ae, ",") {
		name, params, _ := strings.Cut(item, ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q, _, _ := strings.Cut(params, ";")
		q = strings.TrimSpace(q)
		return !(len(q) >= 3 && strings.HasPrefix("q=0.000", q))
	}
	return false
}

// fixHeaders makes the decision's changes to the headers about to go out.
func (f *deflateFilter) fixHeaders(ho, eo *table.Table) {
	if f.state < deflateVary {
		return
	}
	if !hasTokenFold(ho.Values("Vary"), "Accept-Encoding") {
		mergeHeader(ho, "Vary", "Accept-Encoding")
	}
	if f.state != deflateOn {
		return
	}
	if ce, ok := ho.Get("Content-Encoding"); ok && !strings.EqualFold(ce, "identity") {
		mergeHeader(ho, "Content-Encoding", "gzip")
	} else {
		ho.Set("Content-Encoding", "gzip")
	}
	ho.Del("Content-Length")
	ho.Del("Content-MD5")
	switch f.conf.AlterETag {
	case config.ETagRemove:
		ho.Del("ETag")
	case config.ETagAddSuffix:
		if et, ok := ho.Get("ETag"); ok && len(et) > 2 && et[len(et)-1] == '"' {
			ho.Set("ETag", et[:len(et)-1]+"-gzip\"")
		}
	}
}

// hasTokenFold reports whether one of the comma-separated lists has tok,
// without case (Apache's fix_vary keeps each Vary token once).
func hasTokenFold(lists []string, tok string) bool {
	for _, l := range lists {
		for t := range strings.SplitSeq(l, ",") {
			if strings.EqualFold(strings.TrimSpace(t), tok) {
				return true
			}
		}
	}
	return false
}
