package relay

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http/httputil"
	"strconv"
)

// MaxHead bounds a group's response head (status line and fields), as
// mod_wsgi's header-buffer-size bounds what it reads of a daemon's.
const MaxHead = 256 << 10

// Field is one header field of a group's response, as the group wrote it.
type Field struct{ Key, Value string }

// Response is the head of a group's response as the worker reads it: not
// net/http's, whose header map loses the order and case of the fields
// the application gave (which a client of the worker then gets) and
// costs a map and a canonicalised key per field on every request.
type Response struct {
	Status int
	// StatusLine is the status line after the protocol: "200 OK".
	StatusLine string
	// Fields are the header fields in the group's order and case.
	Fields []Field
	// Connection is the Connection field's value.
	Connection string
	// Close: the group closes the connection after this response.
	Close bool
	// ContentLength is the body's length; -1 when the body is chunked
	// or runs to the end of the connection.
	ContentLength int64
	Chunked       bool
	noBody        bool
	line          []byte
}

var (
	errHead   = errors.New("relay: malformed response head")
	errLength = errors.New("relay: bad Content-Length in the response")
)

// ReadResponse reads a response head from r into resp (its Fields reused)
// for a request of method head's ("HEAD": a body never follows).
func ReadResponse(r *bufio.Reader, isHead bool, resp *Response) error {
	*resp = Response{Fields: resp.Fields[:0], line: resp.line[:0], ContentLength: -1}
	total := 0
	line, err := resp.readLine(r, &total)
	if err != nil {
		return err
	}
	proto, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok || len(rest) < 3 || len(proto) != 8 || string(proto[:7]) != "HTTP/1." {
		return errHead
	}
	code, err := strconv.Atoi(string(rest[:3]))
	if err != nil || code < 100 || code > 999 || len(rest) > 3 && rest[3] != ' ' {
		return errHead
	}
	resp.Status, resp.StatusLine = code, string(rest)
	http10 := proto[7] == '0'
	keepAlive := false
	for {
		line, err := resp.readLine(r, &total)
		if err != nil {
			return err
		}
		if len(line) == 0 {
			break
		}
		k, v, ok := bytes.Cut(line, []byte{':'})
		if !ok || len(k) == 0 || k[0] == ' ' || k[0] == '\t' || bytes.ContainsAny(k, " \t") {
			return errHead
		}
		f := Field{Key: string(k), Value: string(bytes.Trim(v, " \t"))}
		switch {
		case equalFold(f.Key, "Content-Length"):
			n, err := strconv.ParseInt(f.Value, 10, 64)
			if err != nil || n < 0 || resp.ContentLength >= 0 && n != resp.ContentLength {
				return errLength
			}
			resp.ContentLength = n
		case equalFold(f.Key, "Transfer-Encoding"):
			if !equalFold(f.Value, "chunked") {
				return errHead
			}
			resp.Chunked = true
		case equalFold(f.Key, "Connection"):
			resp.Connection = f.Value
			for _, tok := range bytes.Split([]byte(f.Value), []byte{','}) {
				switch t := string(bytes.Trim(tok, " \t")); {
				case equalFold(t, "close"):
					resp.Close = true
				case equalFold(t, "keep-alive"):
					keepAlive = true
				}
			}
		}
		resp.Fields = append(resp.Fields, f)
	}
	if http10 && !keepAlive {
		resp.Close = true
	}
	if resp.Chunked {
		resp.ContentLength = -1
	}
	resp.noBody = isHead || code < 200 || code == 204 || code == 304
	if !resp.noBody && !resp.Chunked && resp.ContentLength < 0 {
		resp.Close = true // the body runs to the end of the connection
	}
	return nil
}

// readLine is the next line of the head without its CRLF (or LF), in
// resp's buffer: valid until the next call.
func (resp *Response) readLine(r *bufio.Reader, total *int) ([]byte, error) {
	resp.line = resp.line[:0]
	for {
		part, err := r.ReadSlice('\n')
		*total += len(part)
		if *total > MaxHead {
			return nil, errors.New("relay: response head too large")
		}
		if err == bufio.ErrBufferFull {
			resp.line = append(resp.line, part...)
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		line := part
		if len(resp.line) > 0 {
			resp.line = append(resp.line, part...)
			line = resp.line
		}
		line = line[:len(line)-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		return line, nil
	}
}

// Body is a reader of the body that follows resp's head on r: io.EOF at
// its end (the connection can then take the next request unless
// resp.Close), io.ErrUnexpectedEOF if the group closed before it.
func (resp *Response) Body(r *bufio.Reader) io.Reader {
	switch {
	case resp.noBody:
		return eofReader{}
	case resp.Chunked:
		return &chunkedBody{r: r, cr: httputil.NewChunkedReader(r)}
	case resp.ContentLength >= 0:
		return &lengthBody{r: r, n: resp.ContentLength}
	}
	return r
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// lengthBody is a body of n bytes more.
type lengthBody struct {
	r io.Reader
	n int64
}

func (b *lengthBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.r.Read(p)
	b.n -= int64(n)
	if err == io.EOF && b.n > 0 {
		err = io.ErrUnexpectedEOF
	}
	if b.n <= 0 && err == nil {
		err = io.EOF // no read more to find out
	}
	return n, err
}

// chunkedBody is a chunked body; at its last chunk it reads the trailer
// (its fields dropped, as the worker sends none), so that the connection
// is at the next response.
type chunkedBody struct {
	r    *bufio.Reader
	cr   io.Reader
	done bool
}

func (b *chunkedBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.cr.Read(p)
	if err == io.EOF {
		var resp Response
		total := 0
		for {
			line, lerr := resp.readLine(b.r, &total)
			if lerr != nil {
				return n, lerr
			}
			if len(line) == 0 {
				break
			}
		}
		b.done = true
	}
	return n, err
}

// equalFold is ASCII case-insensitive equality, for field names.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
