package server

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"modpy/internal/config"
	"modpy/internal/table"
)

// headers_module: Header and RequestHeader. RequestHeader lines change
// headers_in at fixups, after the phase's Python handlers (mod_headers'
// fixup is APR_HOOK_LAST), so the content handler sees them; "early"
// lines run at post_read_request, before everything else. Header lines
// change the response's headers when they go out, as Apache's
// FIXUP_HEADERS_OUT filter does: on the normal output path (Python,
// static files, WSGI, an ErrorDocument's page) "always" lines act on
// err_headers_out and the others on headers_out; on the server's own error
// responses (a handler's HTTP error, a 404, a 500 from an exception, a
// redirect) only "always" lines act, on a fresh err_headers_out after the
// server moved the old one into headers_out, as Apache's
// ap_send_error_response does. So "Header unset X" does not remove an X
// a handler put in err_headers_out: "Header always unset X" does, on the
// normal path.
var headersModule = &module{
	name: "headers_module",
	hooks: []hook{
		{at: hookPostReadRequest, order: orderFirst, beforePython: true, fn: (*rstate).headersEarly},
		{at: hookFixups, order: orderLast, fn: (*rstate).headersFixup},
	},
}

// headersEarly runs the server's "early" lines (they sit at server or
// virtual host level only).
func (rs *rstate) headersEarly() int {
	dc := rs.vh.conf.Dir
	if len(dc.RequestHeader)+len(dc.Header)+len(dc.HeaderAlways) == 0 {
		return resDeclined
	}
	req := rs.req
	rs.applyHeaderOps(req.HeadersIn, req.HeadersOut, req.ErrHeadersOut, dc.RequestHeader, true, nil)
	rs.applyHeaderOps(req.ErrHeadersOut, req.HeadersOut, req.ErrHeadersOut, dc.HeaderAlways, true, nil)
	rs.applyHeaderOps(req.HeadersOut, req.HeadersOut, req.ErrHeadersOut, dc.Header, true, nil)
	return resDeclined
}

// headersFixup is mod_headers' fixup: RequestHeader on headers_in.
func (rs *rstate) headersFixup() int {
	if rs.dc != nil && len(rs.dc.RequestHeader) > 0 {
		rs.applyHeaderOps(rs.req.HeadersIn, rs.req.HeadersOut, rs.req.ErrHeadersOut, rs.dc.RequestHeader, false, nil)
	}
	return resDeclined
}

// applyHeaderOps is mod_headers' do_headers_fixup: ops, those of the early
// or of the late kind, applied to t in order. out and errOut are the
// response's headers_out and err_headers_out: echo adds to out (whichever
// list the line is in, as in Apache), an expr= line reads them and adds
// the request headers it read to out's Vary. ct, if not nil, is the
// content type the response will carry: set and edit of Content-Type
// change it too.
func (rs *rstate) applyHeaderOps(t, out, errOut *table.Table, ops []*config.HeaderOp, early bool, ct *string) {
	senv := rs.req.SubprocessEnv
	var xenv *exprEnv
	for _, op := range ops {
		if op.Early != early || (op.Env != "" && senv.Has(op.Env) == op.NotEnv) {
			continue
		}
		if op.Expr != nil || op.ValueExpr != nil {
			if xenv == nil {
				xenv = rs.exprEnv(out, errOut)
			}
			if op.Expr != nil {
				if ok, _ := rs.evalExpr(op.Expr, xenv, out); !ok {
					continue
				}
			}
		}
		switch op.Action {
		case config.HeaderAdd:
			t.Add(op.Name, rs.opValue(op, xenv))
		case config.HeaderAppend:
			mergeHeader(t, op.Name, rs.opValue(op, xenv))
		case config.HeaderMerge:
			v := rs.opValue(op, xenv)
			if old, ok := t.Get(op.Name); !ok {
				t.Add(op.Name, v)
			} else if !hasHeaderToken(old, v) {
				mergeHeader(t, op.Name, v)
			}
		case config.HeaderSet:
			v := rs.opValue(op, xenv)
			if ct != nil && strings.EqualFold(op.Name, "Content-Type") {
				*ct = v
			}
			t.Set(op.Name, v)
		case config.HeaderSetIfEmpty:
			if !t.Has(op.Name) {
				v := rs.opValue(op, xenv)
				if ct != nil && strings.EqualFold(op.Name, "Content-Type") {
					*ct = v
				}
				t.Set(op.Name, v)
			}
		case config.HeaderUnset:
			t.Del(op.Name)
		case config.HeaderEcho:
			for _, e := range rs.req.HeadersIn.Entries() {
				if op.Regex.MatchString(e.Key) {
					out.Add(e.Key, e.Value)
				}
			}
		case config.HeaderEdit, config.HeaderEditAll:
			if ct != nil && *ct != "" && strings.EqualFold(op.Name, "Content-Type") {
				*ct = rs.editHeader(op, *ct, xenv)
			}
			if vs := t.Values(op.Name); len(vs) > 0 {
				t.Del(op.Name)
				for _, v := range vs {
					t.Add(op.Name, rs.editHeader(op, v, xenv))
				}
			}
		case config.HeaderNote:
			if v, ok := t.Get(op.Name); ok {
				rs.req.Notes.Set(rs.opValue(op, xenv), v)
			}
		}
	}
}

// editHeader is process_regexp: the first match of op's regular
// expression in v replaced; for edit*, each match in what follows it
// too, the expression matched afresh there, as in Apache. An empty match
// right after a match is skipped, and after an empty match the next byte
// is stepped over (Apache recurses forever on either: "^(.*)$" kills its
// process).
func (rs *rstate) editHeader(op *config.HeaderOp, v string, xenv *exprEnv) string {
	repl := rs.opValue(op, xenv)
	var b strings.Builder
	rest, afterMatch := v, false
	for {
		m := op.Regex.FindStringSubmatchIndex(rest)
		if m == nil {
			break
		}
		if m[1] == 0 && afterMatch {
			if rest == "" {
				break
			}
			b.WriteByte(rest[0])
			rest, afterMatch = rest[1:], false
			continue
		}
		b.WriteString(rest[:m[0]])
		b.WriteString(regsub(repl, rest, m))
		rest, afterMatch = rest[m[1]:], true
		if m[0] == m[1] {
			if rest == "" {
				break
			}
			b.WriteByte(rest[0])
			rest, afterMatch = rest[1:], false
		}
		if op.Action == config.HeaderEdit {
			break
		}
	}
	b.WriteString(rest)
	return b.String()
}

// mergeHeader is apr_table_mergen: ", v" appended to the first field
// called name, or the field added.
func mergeHeader(t *table.Table, name, v string) {
	es := t.Entries()
	for i := range es {
		if strings.EqualFold(es[i].Key, name) {
			es[i].Value += ", " + v
			return
		}
	}
	t.Add(name, v)
}

// hasHeaderToken is mod_headers' merge test: v is one of the
// comma-separated tokens of list (quoted strings kept whole, compared
// with case).
func hasHeaderToken(list, v string) bool {
	for i := 0; i < len(list); {
		for i < len(list) && (list[i] == ' ' || list[i] == '\t') {
			i++
		}
		start := i
		for i < len(list) && list[i] != ',' {
			if list[i] == '"' {
				for i++; i < len(list) && list[i] != '"'; i++ {
				}
			}
			if i < len(list) {
				i++
			}
		}
		if list[start:i] == v {
			return true
		}
		i++
	}
	return false
}

// opValue is a line's value for this request: its expr= string
// expression's, or its format's.
func (rs *rstate) opValue(op *config.HeaderOp, xenv *exprEnv) string {
	if op.ValueExpr != nil {
		v, _ := op.ValueExpr.Eval(xenv)
		return v
	}
	return rs.headerValue(op.Value)
}

// headerValue formats a Header value for this request.
func (rs *rstate) headerValue(parts []config.HeaderFormat) string {
	if len(parts) == 1 && parts[0].Kind == config.FormatText {
		return parts[0].Text
	}
	var b strings.Builder
	for _, p := range parts {
		switch p.Kind {
		case config.FormatText:
			b.WriteString(p.Text)
		case config.FormatTime:
			fmt.Fprintf(&b, "t=%d", rs.req.RequestTime.UnixMicro())
		case config.FormatDuration:
			fmt.Fprintf(&b, "D=%d", time.Since(rs.req.RequestTime).Microseconds())
		case config.FormatEnv:
			if v, ok := rs.req.SubprocessEnv.Get(p.Text); ok {
				b.WriteString(unwrapHeader(v))
			} else {
				b.WriteString("(null)")
			}
		case config.FormatSSL:
			if v := rs.sslLookup(p.Text); v != "" {
				b.WriteString(unwrapHeader(v))
			} else {
				b.WriteString("(null)")
			}
		case config.FormatLoad:
			b.WriteString("l=" + loadAverages())
		case config.FormatIdle, config.FormatBusy:
			busy := 100
			if n := rs.s.cfg.Process.ThreadsPerChild; n > 0 {
				busy = min(100, int(rs.s.active.Load())*100/n)
			}
			if p.Kind == config.FormatIdle {
				b.WriteString("i=" + strconv.Itoa(100-busy))
			} else {
				b.WriteString("b=" + strconv.Itoa(busy))
			}
		}
	}
	return b.String()
}

// unwrapHeader turns line breaks into spaces, as mod_headers does with
// an environment variable's value.
func unwrapHeader(v string) string {
	if !strings.ContainsAny(v, "\r\n") {
		return v
	}
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, v)
}

// loadAverages is %l's "1.00/0.50/0.25", from /proc/loadavg.
func loadAverages() string {
	b, err := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if err != nil || len(f) < 3 {
		return "-1.00/-1.00/-1.00"
	}
	return f[0] + "/" + f[1] + "/" + f[2]
}
