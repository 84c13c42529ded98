package python

import "testing"

// TestEntrySplit pins what moving the dispatcher out of apache.py into
// _entry.py must keep: the entry module is the one the runtime calls,
// mod_python's results keep their values, RequestTimeout is one class
// (the C side raises _entry's, handlers catch apache's), what moved stays
// reachable as apache.<name>, and the request object has a property for
// every public field of the protocol table (settable where it says so).
func TestEntrySplit(t *testing.T) {
	rt := runtimeForTest(t)
	// m is the mod_python package, with its apache, _entry and _protocol
	// modules loaded.
	const m = `(__import__("mod_python._entry"))`
	for _, c := range []struct{ what, expr string }{
		{"the entry module is loaded", `int("` + entryModule + `" in sys.modules)`},
		{"results", `(lambda a: int((a.OK, a.DECLINED, a.DONE, a.REQ_PROCEED, a.REQ_NOACTION) == (0, -1, -2, 0, -1)))(` + m + `.apache)`},
		{"one RequestTimeout", `(lambda m: int(m._entry.RequestTimeout is m.apache.RequestTimeout))` + m},
		{"moved names reachable", `(lambda m: int(all(getattr(m.apache, n) is getattr(m._entry, n) for n in m.apache._MOVED_TO_ENTRY)))` + m},
		{"unknown names still raise", `int(not hasattr(` + m + `.apache, "_no_such_name"))`},
		{"request fields", `(lambda m: int(all(isinstance(getattr(m.apache.request, n), property) and (getattr(m.apache.request, n).fset is not None) == (n in m._protocol.REQ_WRITABLE) for n in m._protocol.REQ_FIELDS if not n.startswith("_"))))` + m},
	} {
		v, err := rt.Eval(MainInterpreter, c.expr)
		if err != nil || v != 1 {
			t.Errorf("%s: %d, %v; log:\n%s", c.what, v, err, rtLog.text())
		}
	}
}
