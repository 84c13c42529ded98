package tests

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mod_deflate (issue 13): the DEFLATE filter activated by
// AddOutputFilterByType (mod_filter's), SetOutputFilter and
// AddOutputFilter; Accept-Encoding, q=0, no-gzip, gzip-only-text/html;
// never twice; Vary; ETag; Content-Length; HEAD; streaming; its place
// after Python filters; DeflateCompressionLevel and DeflateFilterNote.
// Checked against Apache 2.4 side by side (modpy's gzip is Go's, so the
// bytes differ from zlib's; the decisions and headers are the same).

const deflateMod = `from mod_python import apache
import os, time

def handler(req):
    a = req.args or ""
    req.content_type = "text/plain" if a == "plain" else "text/html"
    if a == "br":
        req.headers_out["Content-Encoding"] = "br"
    if a == "204":
        req.status = 204
        return apache.OK
    if a == "small":
        req.write("tiny", 0)
        return apache.OK
    body = "".join("line %d of a page that compresses well\n" % i for i in range(50))
    req.set_content_length(len(body))
    req.write(body, 0)
    return apache.OK

def stream(req):
    req.content_type = "text/html"
    req.write("part one " * 20)
    signal = req.get_options()["signal"]
    deadline = time.time() + 20
    while not os.path.exists(signal) and time.time() < deadline:
        time.sleep(0.01)
    req.write("part two" if os.path.exists(signal) else "timed out: the first part never arrived")
    return apache.OK
`

const deflateWSGI = `import os, time

def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html")])
    signal = os.path.join(os.path.dirname(__file__), "signal-wsgi")
    yield b"part one " * 20
    deadline = time.time() + 20
    while not os.path.exists(signal) and time.time() < deadline:
        time.sleep(0.01)
    yield b"part two" if os.path.exists(signal) else b"timed out: the first part never arrived"
`

// deflatePage is what deflateMod's handler writes.
func deflatePage() string {
	var b strings.Builder
	for i := range 50 {
		fmt.Fprintf(&b, "line %d of a page that compresses well\n", i)
	}
	return b.String()
}

// gzipped is p compressed as modpy compresses a body written whole.
func gzipped(t *testing.T, p string, level int) []byte {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	w.OS = 3
	w.Write([]byte(p))
	w.Close()
	return b.Bytes()
}

// rawClient neither asks for compression nor undoes it.
var rawClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableCompression: true}}

// fetch sends method path with the header pairs through rawClient.
func (s *site) fetch(method, path string, header ...string) (*http.Response, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.URL+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if strings.EqualFold(header[i], "Host") {
			req.Host = header[i+1]
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp, b
}

func gunzip(t *testing.T, what string, b []byte) string {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: not gzip: %v (%q)", what, err, b)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: bad gzip: %v", what, err)
	}
	return string(out)
}

func TestDeflate(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path + ['{{DIR}}/lib']"
PythonOutputFilter flt::upper UPPER
LogFormat "%U in=%{instream}n out=%{outstream}n ratio=%{ratio}n" notes
CustomLog {{DIR}}/notes.log notes
DeflateFilterNote Input instream
DeflateFilterNote Output outstream
DeflateFilterNote ratio
AddOutputFilterByType DEFLATE text/html
SetEnvIf Request_URI ^/nogz no-gzip
SetEnvIf Request_URI ^/onlyhtml gzip-only-text/html=1
WSGIScriptAlias /wsgi {{DIR}}/stream.wsgi
<LocationMatch ^/(py|nogz|onlyhtml|all|up)>
	SetHandler mod_python
	PythonHandler dfl
</LocationMatch>
<Location /all>
	SetOutputFilter DEFLATE
</Location>
<Location /up1>
	SetOutputFilter UPPER;DEFLATE
</Location>
<Location /up2>
	SetOutputFilter DEFLATE;UPPER
</Location>
<Location /stream>
	SetHandler mod_python
	PythonHandler dfl::stream
	PythonOption signal {{DIR}}/signal-py
</Location>
<Directory {{DIR}}/htdocs/txt>
	AddOutputFilter DEFLATE .txt
</Directory>
<Directory {{DIR}}/htdocs/plainetag>
	Header edit ETag "^\"(.*)-gzip\"$" "\"$1\""
</Directory>
<VirtualHost 127.0.0.1:{{PORT}}>
	ServerName localhost
</VirtualHost>
<VirtualHost 127.0.0.1:{{PORT}}>
	ServerName fast.example
	DeflateCompressionLevel 1
</VirtualHost>
`, map[string]string{
		"lib/dfl.py": deflateMod, "lib/flt.py": filterMod, "stream.wsgi": deflateWSGI,
		"htdocs/page.html": deflatePage(), "htdocs/txt/a.txt": deflatePage(), "htdocs/plainetag/page.html": deflatePage(),
	})
	page := deflatePage()
	gz := "Accept-Encoding"

	// Compressed: the body is gzip of the page, Content-Length recomputed
	// (the handler's own is dropped), Vary added.
	resp, body := s.fetch("GET", "/py", gz, "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept-Encoding" ||
		!bytes.Equal(body, gzipped(t, page, gzip.DefaultCompression)) || resp.ContentLength != int64(len(body)) {
		t.Errorf("/py: %v, %d bytes", resp.Header, len(body))
	}
	contains(t, "DeflateFilterNote", s.readFile("notes.log"), fmt.Sprintf("/py in=%d out=%d ratio=%d\n", len(page), len(body)-18, (len(body)-18)*100/len(page)))
	// DeflateCompressionLevel 1, in a virtual host.
	if _, fast := s.fetch("GET", "/py", gz, "gzip", "Host", "fast.example"); !bytes.Equal(fast, gzipped(t, page, 1)) || bytes.Equal(fast, body) {
		t.Errorf("DeflateCompressionLevel 1: %d bytes, want %d", len(fast), len(gzipped(t, page, 1)))
	}

	// Not compressed, with or without Vary.
	for _, c := range []struct {
		path, ae string
		vary     bool
	}{
		{"/py", "", true},         // no Accept-Encoding: Vary all the same
		{"/py", "gzip;q=0", true}, // refused
		{"/py", "deflate, gzip; q=0.000", true},
		{"/py", "x-gzip, deflate, *", true}, // only "gzip" counts, as in Apache
		{"/py?plain", "gzip", false},        // not one of AddOutputFilterByType's types
		{"/nogz", "gzip", false},            // no-gzip
		{"/onlyhtml?plain", "gzip", false},  // gzip-only-text/html=1
		{"/py?br", "gzip", false},           // already encoded: never twice
		{"/py?small", "gzip", false},        // 4 bytes, known whole
		{"/py?204", "gzip", false},
		{"/missing.html", "gzip", false}, // the server's error page
		{"/txt/missing.txt", "gzip", false},
	} {
		hdr := []string{}
		if c.ae != "" {
			hdr = []string{gz, c.ae}
		}
		resp, body := s.fetch("GET", c.path, hdr...)
		if strings.Contains(resp.Header.Get("Content-Encoding"), "gzip") || (resp.Header.Get("Vary") != "") != c.vary || bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
			t.Errorf("%s (Accept-Encoding %q): %d %v, want it uncompressed, Vary %v", c.path, c.ae, resp.StatusCode, resp.Header, c.vary)
		}
	}
	if _, body := s.fetch("GET", "/py?br", gz, "gzip"); string(body) != page {
		t.Errorf("/py?br: the body changed")
	}
	// Compressed however they are named: another spelling of gzip,
	// gzip-only-text/html with text/html, SetOutputFilter for text/plain.
	for _, c := range []struct{ path, ae string }{
		{"/py", "deflate, GZIP;q=0.5"}, {"/onlyhtml", "gzip"}, {"/all?plain", "gzip"},
	} {
		resp, body := s.fetch("GET", c.path, gz, c.ae)
		if resp.Header.Get("Content-Encoding") != "gzip" || gunzip(t, c.path, body) != page {
			t.Errorf("%s (Accept-Encoding %q): %v", c.path, c.ae, resp.Header)
		}
	}

	// Static files: by type, and AddOutputFilter by extension; the ETag
	// gets -gzip; HEAD answers as GET would, Content-Length compressed.
	for _, path := range []string{"/page.html", "/txt/a.txt"} {
		get, body := s.fetch("GET", path, gz, "gzip")
		head, hbody := s.fetch("HEAD", path, gz, "gzip")
		if get.Header.Get("Content-Encoding") != "gzip" || gunzip(t, path, body) != page || !strings.HasSuffix(get.Header.Get("ETag"), `-gzip"`) {
			t.Errorf("GET %s: %v", path, get.Header)
		}
		if len(hbody) != 0 || head.Header.Get("Content-Encoding") != "gzip" || head.Header.Get("ETag") != get.Header.Get("ETag") ||
			head.ContentLength != int64(len(body)) || head.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("HEAD %s: %v (Content-Length %d), GET's: %v (%d bytes)", path, head.Header, head.ContentLength, get.Header, len(body))
		}
	}
	// mod_headers acts after DEFLATE, as its filter comes later in
	// Apache's chain: the common recipe that takes -gzip off again.
	if resp, _ := s.fetch("GET", "/plainetag/page.html", gz, "gzip"); resp.Header.Get("Content-Encoding") != "gzip" ||
		strings.Contains(resp.Header.Get("ETag"), "gzip") || resp.Header.Get("ETag") == "" {
		t.Errorf("/plainetag: ETag %q", resp.Header.Get("ETag"))
	}

	// A Python filter comes before DEFLATE whatever the order named.
	for _, path := range []string{"/up1", "/up2"} {
		resp, body := s.fetch("GET", path, gz, "gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" || gunzip(t, path, body) != strings.ToUpper(page) {
			t.Errorf("%s: %v", path, resp.Header)
		}
	}

	// Streaming stays streaming: the first part arrives, decompressed,
	// while the handler waits for it to arrive.
	for _, c := range []struct{ path, signal string }{{"/stream", "signal-py"}, {"/wsgi", "signal-wsgi"}} {
		req, _ := http.NewRequest("GET", s.URL+c.path, nil)
		req.Header.Set(gz, "gzip")
		resp, err := rawClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: not compressed: %v", c.path, resp.Header)
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		first := make([]byte, len("part one ")*20)
		if _, err := io.ReadFull(zr, first); err != nil || string(first) != strings.Repeat("part one ", 20) {
			t.Fatalf("%s: first part %q, %v", c.path, first, err)
		}
		os.WriteFile(filepath.Join(s.Dir, c.signal), nil, 0o644)
		rest, err := io.ReadAll(zr)
		resp.Body.Close()
		if err != nil || string(rest) != "part two" {
			t.Errorf("%s: then %q, %v", c.path, rest, err)
		}
	}
}

// Debian's stock deflate.conf and setenvif.conf, as a2enmod leaves them
// (their LoadModule lines, their <IfModule> sections), do what they say.
func TestDebianDeflateAndSetEnvIfConf(t *testing.T) {
	s := startSite(t, `LoadModule deflate_module /usr/lib/apache2/modules/mod_deflate.so
LoadModule filter_module /usr/lib/apache2/modules/mod_filter.so
LoadModule setenvif_module /usr/lib/apache2/modules/mod_setenvif.so
<IfModule mod_deflate.c>
	<IfModule mod_filter.c>
		AddOutputFilterByType DEFLATE text/html text/plain text/xml text/css text/javascript
		AddOutputFilterByType DEFLATE application/x-javascript application/javascript application/ecmascript
		AddOutputFilterByType DEFLATE application/rss+xml
		AddOutputFilterByType DEFLATE application/wasm
		AddOutputFilterByType DEFLATE application/xml
	</IfModule>
</IfModule>
<IfModule mod_setenvif.c>
	BrowserMatch "Mozilla/2" nokeepalive
	BrowserMatch "MSIE 4\.0b2;" nokeepalive downgrade-1.0 force-response-1.0
	BrowserMatch "RealPlayer 4\.0" force-response-1.0
	BrowserMatch "Java/1\.0" force-response-1.0
	BrowserMatch "JDK/1\.0" force-response-1.0
	BrowserMatch "Microsoft Data Access Internet Publishing Provider" redirect-carefully
	BrowserMatch "MS FrontPage" redirect-carefully
	BrowserMatch "^WebDrive" redirect-carefully
	BrowserMatch "^WebDAVFS/1.[012]" redirect-carefully
	BrowserMatch "^gnome-vfs/1.0" redirect-carefully
	BrowserMatch "^gvfs/1" redirect-carefully
	BrowserMatch "^XML Spy" redirect-carefully
	BrowserMatch "^Dreamweaver-WebDAV-SCM1" redirect-carefully
	BrowserMatch " Konqueror/4" redirect-carefully
</IfModule>
`, map[string]string{"htdocs/site.css": deflatePage(), "htdocs/pic.png": deflatePage()})
	if resp, body := s.fetch("GET", "/site.css", "Accept-Encoding", "gzip"); resp.Header.Get("Content-Encoding") != "gzip" || gunzip(t, "site.css", body) != deflatePage() {
		t.Errorf("text/css: %v", resp.Header)
	}
	if resp, _ := s.fetch("GET", "/pic.png", "Accept-Encoding", "gzip"); resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Vary") != "" {
		t.Errorf("image/png: %v", resp.Header)
	}
	raw := s.raw("GET /site.css HTTP/1.1\r\nHost: localhost\r\nUser-Agent: Mozilla/2.02 (Win95)\r\n\r\n", 10*time.Second)
	contains(t, "Mozilla/2 (nokeepalive)", raw, "\r\nConnection: close\r\n")
}
