package tests

import "testing"

// The Go side of the protocol table, seen from a handler: every field
// number _protocol.py lists is one Go answers (and none past them), the
// fields Go lets Python set are exactly REQ_WRITABLE, and every table
// number reaches a table.
const protocolMod = `
import _apache
from mod_python import apache, _protocol as p


def handler(req):
    h = req._h
    writable = []
    for i, name in enumerate(p.REQ_FIELDS):
        v = _apache.req_get(h, i)
        try:
            _apache.req_set(h, i, v)  # its own value: no change
            writable.append(name)
        except Exception:
            pass
    try:
        _apache.req_get(h, len(p.REQ_FIELDS))
        past = "answered"
    except AttributeError:
        past = "refused"
    for i in range(len(p.SRV_FIELDS)):
        _apache.srv_get(h, i)
    for t in (p.T_HEADERS_IN, p.T_HEADERS_OUT, p.T_ERR_HEADERS_OUT, p.T_SUBPROCESS_ENV,
              p.T_NOTES, p.T_OPTIONS, p.T_CONFIG, p.T_SERVER_OPTIONS, p.T_SERVER_CONFIG):
        _apache.tbl(h, t, p.TBL_LEN)
    req.content_type = "text/plain"
    req.write("missing=%s extra=%s past=%s" % (
        sorted(p.REQ_WRITABLE - set(writable)), sorted(set(writable) - p.REQ_WRITABLE), past))
    return apache.OK
`

func TestProtocolFieldsAgree(t *testing.T) {
	s := startSite(t, pyDir("proto"), map[string]string{"htdocs/proto.py": protocolMod})
	if got := s.mustGet("/x"); got != "missing=[] extra=[] past=refused" {
		t.Errorf("Go and the protocol table disagree: %q\n%s", got, s.errorLog())
	}
}
