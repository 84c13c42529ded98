package apexpr

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// testEnv is a request as the tests see it.
type testEnv struct {
	vars   map[string]string
	tables map[string]map[string]string
	addr   netip.Addr
}

func (e *testEnv) Var(name string) string { return e.vars[name] }

func (e *testEnv) Lookup(table, key string) (string, bool) {
	for k, v := range e.tables[table] {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

func (e *testEnv) ClientAddr() netip.Addr { return e.addr }

func newEnv() *testEnv {
	return &testEnv{
		vars: map[string]string{"REQUEST_URI": "/api/v2/items", "HTTPS": "off", "REQUEST_STATUS": "200",
			"REMOTE_ADDR": "198.51.100.7", "HTTP_HOST": "www.example.com", "HTTP_USER_AGENT": "Mozilla/5.0", "HTTP_ACCEPT": "text/html"},
		tables: map[string]map[string]string{
			"req":    {"X-Forwarded-Proto": "https", "Accept": "text/html"},
			"resp":   {"Content-Type": "text/html; charset=utf-8"},
			"reqenv": {"ADMIN": "1"},
			"note":   {"n": "noted"},
			"env":    {"ADMIN": "1"},
		},
		addr: netip.MustParseAddr("198.51.100.7"),
	}
}

func TestEval(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "empty"), nil, 0o644)
	os.Symlink("f", filepath.Join(dir, "link"))
	for src, want := range map[string]bool{
		"true":                                               true,
		"false || !true":                                     false,
		"!false && true":                                     true,
		"true and not false":                                 true,
		"%{REQUEST_URI} =~ m#^/api/#":                        true,
		"%{REQUEST_URI} !~ m,^/api/,":                        false,
		"%{request_uri} == '/api/v2/items'":                  true,
		`%{HTTPS} != "on"`:                                   true,
		"%{REQUEST_STATUS} -eq 200":                          true,
		"%{REQUEST_STATUS} -ge 300":                          false,
		"%{REQUEST_STATUS} lt 300":                           true,
		"'10' -lt '9'":                                       false,
		"'10' < '9'":                                         true,
		"req('X-Forwarded-Proto') == 'https'":                true,
		"http('x-forwarded-proto') = 'https'":                true,
		"%{HTTP:X-Forwarded-Proto} == 'https'":               true,
		"resp('Content-Type') =~ /html/":                     true,
		"-n reqenv('ADMIN')":                                 true,
		"-z env('NOPE')":                                     true,
		"-T 'off' || -T ''":                                  false,
		"-T 'yes'":                                           true,
		"-R '198.51.100.0/24'":                               true,
		"-R '10.1'":                                          false,
		"%{REMOTE_ADDR} -ipmatch '198.51.0.0/16'":            true,
		"%{HTTP_HOST} in {'example.com', 'www.example.com'}": true,
		"%{HTTP_HOST} -in {'example.com'}":                   false,
		"%{HTTP_USER_AGENT} -strmatch 'Mozilla/*'":           true,
		"%{HTTP_USER_AGENT} -strcmatch 'mozilla*'":           true,
		"%{HTTP_USER_AGENT} -fnmatch 'Mozilla*'":             false, // * stops at /
		"tolower(%{HTTP_HOST}) == 'www.example.com' && toupper('a') == 'A'": true,
		"'a' . 'b' == 'ab'": true,
		"%{REQUEST_URI} =~ m#^/api/v(\\d+)/# && $1 == '2'":                    true,
		"'/x/y' =~ m|^/(x)/| && \"$1-%{HTTPS}\" == 'x-off'":                   true,
		"md5('a') == '0cc175b9c0f1b6a831c399e269772661'":                      true,
		"unbase64(base64('hi')) == 'hi'":                                      true,
		"escape('a b') == 'a%20b' && unescape('a%20b') == 'a b'":              true,
		"(false || true) && !(false)":                                         true,
		"-f '" + dir + "/f' && -s '" + dir + "/f' && !-s '" + dir + "/empty'": true,
		"-d '" + dir + "' && -L '" + dir + "/link' && !-h '" + dir + "/f'":    true,
		"-e '" + dir + "/none'":                                               false,
		"%{HTTP_ACCEPT} =~ /HTML/i":                                           true,
	} {
		e, err := Parse(src)
		if err != nil {
			t.Errorf("%q: %v", src, err)
			continue
		}
		if got, _ := e.Eval(newEnv()); got != want {
			t.Errorf("%q = %v, want %v", src, got, want)
		}
	}
}

func TestResult(t *testing.T) {
	e, err := Parse("%{REQUEST_URI} =~ m#^/(\\w+)/# && req('Accept') =~ /x|html/ && %{HTTP_HOST} != '' && %{HTTP_USER_AGENT} != ''")
	if err != nil {
		t.Fatal(err)
	}
	ok, r := e.Eval(newEnv())
	if !ok || r.Source != "/api/v2/items" || !reflect.DeepEqual(r.Match, []int{0, 5, 1, 4}) ||
		!reflect.DeepEqual(r.Vary, []string{"Accept", "User-Agent"}) {
		t.Errorf("%v %+v", ok, r)
	}
}

func TestParseString(t *testing.T) {
	for src, want := range map[string]string{
		"plain":                             "plain",
		"uri=%{REQUEST_URI} https=%{HTTPS}": "uri=/api/v2/items https=off",
		"%{req:Accept}; %{tolower:ABC}":     "text/html; abc",
		`tab\there 100% $1`:                 "tab\there 100% ",
		"%{note:n}%{reqenv:ADMIN}":          "noted1",
	} {
		s, err := ParseString(src)
		if err != nil {
			t.Errorf("%q: %v", src, err)
			continue
		}
		if got, _ := s.Eval(newEnv()); got != want {
			t.Errorf("%q = %q, want %q", src, got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for src, want := range map[string]string{
		"%{NOPE} == 'a'":            "Variable 'NOPE' does not exist",
		"frob('a') == 'b'":          "Function 'frob' does not exist",
		"file('/etc/passwd') == ''": "Function 'file' is not supported",
		"-F '/x'":                   "needs a subrequest",
		"-Q 'x'":                    "Unary operator '-Q' does not exist",
		"'a' -frob 'b'":             "Binary operator '-frob' does not exist",
		"'a' == ":                   "syntax error",
		"'unterminated":             "unterminated string",
		"%{REQUEST_URI":             "unterminated",
		"%{REQUEST_URI} =~ 'x'":     "needs a regular expression",
		"%{REQUEST_URI} =~ /(/":     "Regex could not be compiled",
		"'a' in split(/,/, 'b')":    "list functions are not supported",
		"(true":                     "missing ')'",
		"'a'":                       "syntax error",
		"true true":                 "syntax error near 'true'",
		"# x":                       "near '#'",
		"'\\9'":                     "bad escape sequence",
	} {
		_, err := Parse(src)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error containing %q", src, err, want)
		}
	}
}
