package httpd

import (
	"errors"
	"io"
)

// ProtocolError is a request body that breaks HTTP framing or a limit.
// Status is the response Apache gives it: 413 or 400. After one, the
// connection is closed once the response is sent.
type ProtocolError struct {
	Status int
	Reason string
}

// Error returns the reason, prefixed "httpd: ".
func (e *ProtocolError) Error() string { return "httpd: " + e.Reason }

// ErrBodyTooLarge is returned by Body.Read when the body exceeds the limit
// set with Body.SetLimit (Apache's LimitRequestBody). The handler should
// answer 413.
var ErrBodyTooLarge error = &ProtocolError{Status: 413, Reason: "request body larger than LimitRequestBody"}

var (
	errBadChunk      = &ProtocolError{Status: 400, Reason: "malformed chunked encoding"}
	errChunkTooLarge = &ProtocolError{Status: 413, Reason: "chunk size line or chunk size too large"}
	errBadTrailer    = &ProtocolError{Status: 400, Reason: "malformed chunked trailer"}
)

// BodyErrorStatus returns the status Apache answers when reading a request
// body failed with err: 413 or 400 for a ProtocolError, else 0 (the client
// went away or timed out, and no answer will reach it).
func BodyErrorStatus(err error) int {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return pe.Status
	}
	return 0
}

const (
	bodyNone = iota
	bodyLength
	bodyChunked
)

const (
	chunkSize = iota // at a chunk-size line
	chunkData        // inside chunk data
	chunkEnd         // at the CRLF after chunk data
)

// Body reads a request body, decoding chunked transfer coding. It is
// reused with its Request.
type Body struct {
	c         *conn
	s         *h2stream // the HTTP/2 stream it comes on, or nil
	kind      uint8
	cstate    uint8
	eof       bool
	started   bool
	expect100 bool
	sent100   bool
	remaining int64 // Content-Length bytes left, or bytes left in the chunk
	limit     int64
	nread     int64
	err       error
}

func (b *Body) reset(c *conn, clen int64, chunked, expect100 bool) {
	*b = Body{c: c, expect100: expect100}
	switch {
	case chunked:
		b.kind, b.remaining = bodyChunked, 0
	case clen > 0:
		b.kind, b.remaining = bodyLength, clen
	default:
		b.eof = true
	}
}

// NoBody returns an empty body, for a request made inside the server (a
// subrequest) that has none of its own.
func NoBody() *Body { return &Body{eof: true} }

// SetLimit sets LimitRequestBody: reading more than n bytes fails with
// ErrBodyTooLarge, and a declared Content-Length over n fails on the first
// Read. Zero or less means no limit.
func (b *Body) SetLimit(n int64) {
	if n < 0 {
		n = 0
	}
	b.limit = n
}

// pending reports a body the client has not finished sending.
func (b *Body) pending() bool { return !b.eof && b.err == nil }

// Read reads body bytes. Before the first byte it sends "100 Continue" if
// the client asked for it and the response has not started. It returns
// io.EOF at the end of the body, ErrBodyTooLarge past the limit, a
// *ProtocolError for malformed chunked coding, and io.ErrUnexpectedEOF when
// the client closes early.
func (b *Body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.eof {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !b.started {
		b.started = true
		if b.limit > 0 && b.kind == bodyLength && b.nread+b.remaining > b.limit {
			b.c.logf("error", "AH01588: Requested content-length of %d is larger than the configured limit of %d", b.nread+b.remaining, b.limit)
			return 0, b.fail(ErrBodyTooLarge)
		}
		if b.expect100 && !b.sent100 {
			b.sent100 = true
			if err := b.c.send100(); err != nil {
				return 0, b.fail(err)
			}
		}
	}
	if b.limit > 0 && int64(len(p)) > b.limit-b.nread+1 {
		p = p[:b.limit-b.nread+1] // reading one byte past the limit shows it is exceeded
	}
	n, err := b.read(p)
	if b.limit > 0 && b.nread+int64(n) > b.limit {
		b.c.logf("error", "AH01591: Read content length of %d is larger than the configured limit of %d", b.nread+int64(n), b.limit)
		return 0, b.fail(ErrBodyTooLarge)
	}
	b.nread += int64(n)
	return n, err
}

func (b *Body) fail(err error) error {
	b.err = err
	if b.s == nil {
		b.c.closeAfter = true
	}
	return err
}

// read reads body bytes with no limit and no 100 Continue.
func (b *Body) read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.eof {
		return 0, io.EOF
	}
	if b.s != nil {
		return b.readH2(p)
	}
	br := b.c.br
	if b.kind == bodyLength {
		if int64(len(p)) > b.remaining {
			p = p[:b.remaining]
		}
		n, err := br.Read(p)
		b.remaining -= int64(n)
		if b.remaining == 0 {
			b.eof = true
			return n, nil
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return n, b.fail(err)
		}
		return n, nil
	}
	for {
		switch b.cstate {
		case chunkSize:
			size, err := b.readChunkSize()
			if err != nil {
				return 0, b.fail(err)
			}
			if size == 0 {
				if err := b.c.readTrailers(); err != nil {
					return 0, b.fail(err)
				}
				b.eof = true
				return 0, io.EOF
			}
			b.remaining, b.cstate = size, chunkData
		case chunkData:
			if int64(len(p)) > b.remaining {
				p = p[:b.remaining]
			}
			n, err := br.Read(p)
			b.remaining -= int64(n)
			if b.remaining == 0 {
				b.cstate = chunkEnd
			}
			if err != nil && n == 0 {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return 0, b.fail(err)
			}
			return n, nil
		case chunkEnd:
			c, err := br.ReadByte()
			if err == nil && c == '\r' {
				c, err = br.ReadByte()
			} else if err == nil {
				c = 0 // strict: CR is required before LF
			}
			if err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return 0, b.fail(err)
			}
			if c != '\n' {
				b.c.logf("info", "AH01590: Error reading/parsing chunk ")
				return 0, b.fail(errBadChunk)
			}
			b.cstate = chunkSize
		}
	}
}

// readChunkSize reads a chunk-size line with Apache's parse_chunk_size in
// strict mode: hex digits, at most ten blanks, extensions after ';', CRLF.
// The line may be no longer than LimitRequestFieldSize.
func (b *Body) readChunkSize() (int64, error) {
	const (
		sPart = iota // size digits
		sBWS         // blanks after the size
		sExt         // chunk extensions
		sLF          // CR seen
	)
	br := b.c.br
	limit := b.c.cfg.LimitRequestFieldSize
	var size int64
	bits, bws, used := 64, 0, 0
	state := -1
	for {
		c, err := br.ReadByte()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		used++
		if used > limit {
			b.c.logf("info", "AH01590: Error reading/parsing chunk (overflow)")
			return 0, errChunkTooLarge
		}
		if state < 0 {
			if unhex(c) < 0 {
				return 0, b.badChunk()
			}
			state = sPart
		}
		switch {
		case c == '\n':
			if state != sLF {
				return 0, b.badChunk()
			}
			return size, nil
		case state == sLF:
			return 0, b.badChunk()
		case c == '\r':
			state = sLF
		case c == ';':
			state = sExt
		case state == sExt:
			if c != '\t' && (c < 0x20 || c == 0x7f) {
				return 0, b.badChunk()
			}
		case c == ' ' || c == '\t':
			state = sBWS
			if bws++; bws > 10 {
				return 0, b.badChunk()
			}
		case state == sBWS:
			return 0, b.badChunk()
		default: // sPart
			x := unhex(c)
			if x < 0 {
				return 0, b.badChunk()
			}
			if size == 0 && x == 0 {
				continue // leading zeros
			}
			if bits -= 4; bits < 0 {
				b.c.logf("info", "AH01590: Error reading/parsing chunk (overflow)")
				return 0, errChunkTooLarge
			}
			size = size<<4 | int64(x)
			if size < 0 {
				b.c.logf("info", "AH01590: Error reading/parsing chunk (overflow)")
				return 0, errChunkTooLarge
			}
		}
	}
}

func (b *Body) badChunk() error {
	b.c.logf("info", "AH01590: Error reading/parsing chunk ")
	return errBadChunk
}
