package server

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"modpy/internal/request"
)

// logEntry is what an access log line is made from.
type logEntry struct {
	req      *request.Request
	status   int
	bytes    int64 // body bytes sent
	start    time.Time
	duration time.Duration
	server   string
	pid      int
}

// logItem appends one piece of a log line.
type logItem func(b []byte, e *logEntry) []byte

// accessFormat is a LogFormat string compiled once at startup.
type accessFormat []logItem

// compileFormat compiles an Apache LogFormat string. It supports %h %a %A %l
// %u %t %{fmt}t %r %s %>s %b %B %O %D %T %v %V %p %P %U %q %m %H %f %k,
// %{Header}i, %{Header}o, %{VAR}e, %{VAR}x (mod_ssl's), %{note}n and %{interpreter}n (the
// interpreter that ran the content handler), and the escapes \n \t \".
func compileFormat(f string) (accessFormat, error) {
	var items accessFormat
	lit := []byte{}
	flush := func() {
		if len(lit) > 0 {
			s := string(lit)
			items = append(items, func(b []byte, _ *logEntry) []byte { return append(b, s...) })
			lit = lit[:0]
		}
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c == '\\' && i+1 < len(f) {
			i++
			switch f[i] {
			case 'n':
				lit = append(lit, '\n')
			case 't':
				lit = append(lit, '\t')
			default:
				lit = append(lit, f[i])
			}
			continue
		}
		if c != '%' {
			lit = append(lit, c)
			continue
		}
		i++
		if i >= len(f) {
			return nil, fmt.Errorf("format ends with %%")
		}
		if f[i] == '%' {
			lit = append(lit, '%')
			continue
		}
		// Skip status conditions (%400,501{User-agent}i) and modifiers (<, >).
		for i < len(f) && (f[i] == '<' || f[i] == '>' || f[i] == '!' || f[i] == ',' || (f[i] >= '0' && f[i] <= '9')) {
			i++
		}
		arg := ""
		if i < len(f) && f[i] == '{' {
			end := strings.IndexByte(f[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("unterminated %%{ in log format")
			}
			arg = f[i+1 : i+end]
			i += end + 1
		}
		if i >= len(f) {
			return nil, fmt.Errorf("format ends inside a %% directive")
		}
		item, err := formatItem(f[i], arg)
		if err != nil {
			return nil, err
		}
		flush()
		items = append(items, item)
	}
	flush()
	return items, nil
}

func dash(b []byte, s string) []byte {
	if s == "" {
		return append(b, '-')
	}
	return appendLogSafe(b, s)
}

// appendLogSafe escapes quotes, backslashes and control characters as
// Apache does, so a client cannot forge log lines.
func appendLogSafe(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c >= 0x7f:
			b = append(b, fmt.Sprintf(`\x%02x`, c)...)
		default:
			b = append(b, c)
		}
	}
	return b
}

func formatItem(c byte, arg string) (logItem, error) {
	switch c {
	case 'h', 'a':
		// %a and %h are the client as the request sees it (after
		// mod_remoteip); %{c}a and %{c}h the connection's peer.
		if arg == "c" {
			return func(b []byte, e *logEntry) []byte { return dash(b, e.req.Conn.RemoteIP) }, nil
		}
		return func(b []byte, e *logEntry) []byte { return dash(b, e.req.ClientIP()) }, nil
	case 'A':
		return func(b []byte, e *logEntry) []byte { return dash(b, e.req.Conn.LocalIP) }, nil
	case 'l':
		return func(b []byte, e *logEntry) []byte { return append(b, '-') }, nil
	case 'u':
		return func(b []byte, e *logEntry) []byte { return dash(b, e.req.User) }, nil
	case 't':
		layout := "[02/Jan/2006:15:04:05 -0700]"
		if arg != "" {
			layout = strftimeToGo(arg)
		}
		return func(b []byte, e *logEntry) []byte { return e.start.AppendFormat(b, layout) }, nil
	case 'r':
		// "-" for a connection that sent nothing (its 408).
		return func(b []byte, e *logEntry) []byte { return dash(b, e.req.TheRequest) }, nil
	case 's':
		return func(b []byte, e *logEntry) []byte { return strconv.AppendInt(b, int64(e.status), 10) }, nil
	case 'b':
		return func(b []byte, e *logEntry) []byte {
			if e.bytes == 0 {
				return append(b, '-')
			}
			return strconv.AppendInt(b, e.bytes, 10)
		}, nil
	case 'B', 'O':
		return func(b []byte, e *logEntry) []byte { return strconv.AppendInt(b, e.bytes, 10) }, nil
	case 'D':
		return func(b []byte, e *logEntry) []byte { return strconv.AppendInt(b, e.duration.Microseconds(), 10) }, nil
	case 'T':
		return func(b []byte, e *logEntry) []byte { return strconv.AppendInt(b, int64(e.duration.Seconds()), 10) }, nil
	case 'v':
		return func(b []byte, e *logEntry) []byte { return dash(b, e.server) }, nil
	case 'V':
		return func(b []byte, e *logEntry) []byte {
			if e.req.Hostname != "" {
				return appendLogSafe(b, e.req.Hostname)
			}
			return dash(b, e.server)
		}, nil
	case 'p':
		return func(b []byte, e *logEntry) []byte { return strconv.AppendInt(b, int64(e.req.Conn.LocalPort), 10) }, nil
	case 'P':
		return func(b []byte, e *logEntry) []byte { return strconv.AppendInt(b, int64(e.pid), 10) }, nil
	case 'U':
		return func(b []byte, e *logEntry) []byte { return appendLogSafe(b, e.req.URI) }, nil
	case 'q':
		return func(b []byte, e *logEntry) []byte {
			if !e.req.HasArgs {
				return b
			}
			return appendLogSafe(append(b, '?'), e.req.Args)
		}, nil
	case 'm':
		return func(b []byte, e *logEntry) []byte { return appendLogSafe(b, e.req.Method) }, nil
	case 'H':
		return func(b []byte, e *logEntry) []byte { return appendLogSafe(b, e.req.Protocol) }, nil
	case 'f':
		return func(b []byte, e *logEntry) []byte { return dash(b, e.req.Filename) }, nil
	case 'k':
		return func(b []byte, e *logEntry) []byte { return strconv.AppendInt(b, int64(e.req.Conn.Keepalives), 10) }, nil
	case 'i':
		return func(b []byte, e *logEntry) []byte { return dash(b, e.req.HeadersIn.Value(arg)) }, nil
	case 'o':
		return func(b []byte, e *logEntry) []byte {
			v := e.req.HeadersOut.Value(arg)
			if v == "" {
				v = e.req.ErrHeadersOut.Value(arg)
			}
			if v == "" && strings.EqualFold(arg, "Content-Type") {
				v = e.req.ContentType
			}
			return dash(b, v)
		}, nil
	case 'e':
		return func(b []byte, e *logEntry) []byte { return dash(b, e.req.SubprocessEnv.Value(arg)) }, nil
	case 'x':
		// mod_ssl's: ssl_var_lookup's variables (%{SSL_PROTOCOL}x).
		return func(b []byte, e *logEntry) []byte {
			if e.req.Hooks == nil {
				return append(b, '-')
			}
			v, _ := e.req.Hooks.SSLVarLookup(arg)
			return dash(b, v)
		}, nil
	case 'n':
		if arg == "interpreter" {
			return func(b []byte, e *logEntry) []byte { return dash(b, e.req.Interpreter) }, nil
		}
		return func(b []byte, e *logEntry) []byte { return dash(b, e.req.Notes.Value(arg)) }, nil
	}
	return nil, fmt.Errorf("unsupported log format directive %%%c", c)
}

// strftimeToGo converts the common strftime conversions to a Go layout.
func strftimeToGo(f string) string {
	r := strings.NewReplacer("%Y", "2006", "%m", "01", "%d", "02", "%H", "15", "%M", "04",
		"%S", "05", "%z", "-0700", "%Z", "MST", "%b", "Jan", "%a", "Mon", "%y", "06", "%e", "_2")
	return r.Replace(f)
}

// accessLog is one CustomLog.
type accessLog struct {
	out    *logFile
	format accessFormat
}

func (a *accessLog) write(e *logEntry) {
	b := make([]byte, 0, 256)
	for _, it := range a.format {
		b = it(b, e)
	}
	b = append(b, '\n')
	a.out.write(b)
}
