package tests

import (
	"strings"
	"testing"
)

// The request, connection, server and table objects' members as mod_python
// 3.5 has them (its test_internal's checks; issue 12).

// TestTypeNamesAndTableUpdate: the objects are named as mod_python's C
// types (mp_request, mp_conn, mp_server, mp_table, mp_hlist); every table
// is an apache.table; table.update takes a mapping (anything with keys()),
// making its keys and values strings, and None is an AttributeError.
func TestTypeNamesAndTableUpdate(t *testing.T) {
	s := startSite(t, pyDir("types"), map[string]string{"htdocs/types.py": `from mod_python import apache
class Mapping:
    def keys(self):
        return [1, 2]
    def __getitem__(self, k):
        return k * 10
def handler(req):
    req.content_type = "text/plain"
    out = [str(type(x)) for x in (req, req.connection, req.server, req.headers_in, apache.table(), req.hlist)]
    out.append(str(isinstance(req.headers_out, apache.table)))
    t = apache.table()
    try:
        t.update(None)
    except AttributeError:
        out.append("AttributeError")
    t.update(Mapping())
    out.append(repr(sorted(t.items())))
    out.append(str(t == apache.table({1: 10, 2: 20})))
    req.write("\n".join(out) + "\n")
    return apache.OK
`})
	want := strings.Join([]string{"<class 'mp_request'>", "<class 'mp_conn'>", "<class 'mp_server'>",
		"<class 'mp_table'>", "<class 'mp_table'>", "<class 'mp_hlist'>", "True", "AttributeError",
		"[('1', '10'), ('2', '20')]", "True"}, "\n") + "\n"
	if got := s.mustGet("/x"); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
