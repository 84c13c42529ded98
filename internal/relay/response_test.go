package relay

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

// read parses head+body text as a group's response to a request of
// method, and returns the head and the body read to its end.
func read(t *testing.T, text, method string) (*Response, string, error, *bufio.Reader) {
	t.Helper()
	r := bufio.NewReaderSize(strings.NewReader(text), 16)
	var resp Response
	if err := ReadResponse(r, method == "HEAD", &resp); err != nil {
		return nil, "", err, r
	}
	b, err := io.ReadAll(resp.Body(r))
	return &resp, string(b), err, r
}

// TestReadResponse: the fields keep the group's order and case; each
// way a body is delimited ends where it should, leaving the connection at
// the next response.
func TestReadResponse(t *testing.T) {
	next := "HTTP/1.1 204 No Content\r\n\r\n"
	for _, tc := range []struct {
		what, text, method, body string
		close                    bool
	}{
		{"length", "HTTP/1.1 200 OK\r\nx-Lower: 1\r\nContent-Length: 5\r\nX-UPPER:  2 \r\nContent-length: 5\r\n\r\nhello" + next, "GET", "hello", false},
		{"chunked, with a trailer", "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nT: x\r\n\r\n" + next, "GET", "abcde", false},
		{"HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n" + next, "HEAD", "", false},
		{"304", "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n" + next, "GET", "", false},
		{"to the end", "HTTP/1.1 200 OK\r\n\r\nall of it", "GET", "all of it", true},
		{"HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", "GET", "ok", true},
		{"Connection: close", "HTTP/1.1 200 OK\r\nConnection: Keep-Alive, close\r\nContent-Length: 2\r\n\r\nok", "GET", "ok", true},
		{"LF only", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok" + next, "GET", "ok", false},
	} {
		resp, body, err, r := read(t, tc.text, tc.method)
		if err != nil || body != tc.body || resp.Close != tc.close {
			t.Errorf("%s: body %q close %v err %v", tc.what, body, resp != nil && resp.Close, err)
			continue
		}
		if !tc.close {
			var n Response
			if err := ReadResponse(r, false, &n); err != nil || n.Status != 204 {
				t.Errorf("%s: the next response: %d %v", tc.what, n.Status, err)
			}
		}
	}
	resp, _, _, _ := read(t, "HTTP/1.1 404 Not Here\r\nx-Lower: 1\r\nX-UPPER:  2 \r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n", "GET")
	want := []Field{{"x-Lower", "1"}, {"X-UPPER", "2"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}, {"Content-Length", "0"}}
	if resp.Status != 404 || resp.StatusLine != "404 Not Here" || len(resp.Fields) != len(want) {
		t.Fatalf("%+v", resp)
	}
	for i, f := range want {
		if resp.Fields[i] != f {
			t.Errorf("field %d: %+v, want %+v", i, resp.Fields[i], f)
		}
	}
}

// TestReadResponseErrors: a malformed head, lengths that disagree, a head
// past MaxHead, and a body cut short are errors.
func TestReadResponseErrors(t *testing.T) {
	for _, text := range []string{"", "HTTP/1.1 200 OK\r\nNo-End: 1\r\n", "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n", "HTTP/1.1 200 OK\r\n Folded: 1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBig: " + strings.Repeat("x", MaxHead) + "\r\n\r\n"} {
		if _, _, err, _ := read(t, text, "GET"); err == nil {
			t.Errorf("%.60q: no error", text)
		}
	}
	if _, _, err, _ := read(t, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "GET"); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a short body: %v", err)
	}
	if _, _, err, _ := read(t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "GET"); err == nil {
		t.Error("a short chunked body: no error")
	}
}
