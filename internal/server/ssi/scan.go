package ssi

import "bytes"

// MaxTag bounds one element, from after its start sequence to its end
// sequence: a longer one is dropped (Handler.Overlong). mod_python's
// #python elements carry code, so it is generous.
const MaxTag = 256 << 10

// Handler receives what a Scanner finds, in page order.
type Handler interface {
	// Text is page text, to pass on (p is only valid during the call).
	Text(p []byte)
	// Tag is one complete element: what stood between the start and
	// the end sequence (valid during the call).
	Tag(body []byte)
	// Overlong reports an element that grew past MaxTag: it was
	// dropped, and what follows is scanned as text.
	Overlong()
}

// Scanner finds elements in a stream of page text: Write the page in any
// pieces, then Close. It holds at most a partial start sequence or one
// element.
type Scanner struct {
	start, end []byte
	h          Handler
	// held: the first held bytes of start ended the last Write.
	held  int
	inTag bool
	tag   []byte
	// Inside an element: quote is the quote character of the value
	// being read (0: none), esc a backslash just seen in it, afterEq an
	// "=" seen, so that a quote opens a value.
	quote        byte
	esc, afterEq bool
}

// NewScanner returns a scanner for elements between start and end
// ("<!--#" and "-->" by default: SSIStartTag, SSIEndTag).
func NewScanner(start, end string, h Handler) *Scanner {
	if start == "" {
		start = "<!--#"
	}
	if end == "" {
		end = "-->"
	}
	return &Scanner{start: []byte(start), end: []byte(end), h: h}
}

// Write scans p.
func (s *Scanner) Write(p []byte) {
	if s.held > 0 && !s.inTag {
		// Does p complete the start sequence the last Write ended with?
		rest := s.start[s.held:]
		n := min(len(rest), len(p))
		if bytes.Equal(p[:n], rest[:n]) {
			if n < len(rest) {
				s.held += n
				return
			}
			s.held = 0
			s.beginTag()
			p = p[n:]
		} else {
			// No: scan the held bytes again with p.
			q := append(append(make([]byte, 0, s.held+len(p)), s.start[:s.held]...), p...)
			s.held = 0
			p = q
		}
	}
	for len(p) > 0 {
		if s.inTag {
			p = s.scanTag(p)
			continue
		}
		if i := bytes.Index(p, s.start); i >= 0 {
			if i > 0 {
				s.h.Text(p[:i])
			}
			s.beginTag()
			p = p[i+len(s.start):]
			continue
		}
		// Hold back the longest end of p that begins the start sequence.
		k := partialSuffix(p, s.start)
		if len(p) > k {
			s.h.Text(p[:len(p)-k])
		}
		s.held = k
		return
	}
}

// partialSuffix is the length of the longest proper prefix of pat that p
// ends with.
func partialSuffix(p, pat []byte) int {
	for k := min(len(pat)-1, len(p)); k > 0; k-- {
		if bytes.Equal(p[len(p)-k:], pat[:k]) {
			return k
		}
	}
	return 0
}

func (s *Scanner) beginTag() {
	s.inTag, s.tag = true, s.tag[:0]
	s.quote, s.esc, s.afterEq = 0, false, false
}

// scanTag reads element bytes from p up to and including the end
// sequence, and returns what is left of p.
func (s *Scanner) scanTag(p []byte) []byte {
	for i, c := range p {
		s.tag = append(s.tag, c)
		if len(s.tag) > MaxTag {
			s.inTag = false
			s.tag = s.tag[:0]
			s.h.Overlong()
			return p[i+1:]
		}
		switch {
		case s.quote != 0:
			switch {
			case s.esc:
				s.esc = false
			case c == '\\':
				s.esc = true
			case c == s.quote:
				s.quote = 0
			}
			continue
		case s.afterEq && (c == '"' || c == '\'' || c == '`'):
			s.quote, s.afterEq = c, false
			continue
		case c == '=':
			s.afterEq = true
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v':
		default:
			s.afterEq = false
		}
		if len(s.tag) >= len(s.end) && bytes.HasSuffix(s.tag, s.end) {
			s.inTag = false
			s.h.Tag(s.tag[:len(s.tag)-len(s.end)])
			s.tag = s.tag[:0]
			return p[i+1:]
		}
	}
	return nil
}

// Close ends the page: held bytes of a start sequence go out as text. It
// reports whether an element was left unfinished (its bytes are dropped).
func (s *Scanner) Close() (unfinished bool) {
	if s.held > 0 && !s.inTag {
		s.h.Text(s.start[:s.held])
		s.held = 0
	}
	unfinished = s.inTag
	s.inTag, s.tag = false, nil
	return unfinished
}
