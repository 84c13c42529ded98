package config

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// ReadTimeout is one stage of mod_reqtimeout's RequestReadTimeout: the
// stage may last Timeout from its first read (0: the stage is off, only
// Timeout applies), and each MinRate bytes received extend that by one
// second, up to MaxTimeout from the first read (0: no cap).
type ReadTimeout struct {
	Timeout    time.Duration
	MaxTimeout time.Duration
	MinRate    int // bytes per second; 0: no extension
}

// ReadTimeouts are RequestReadTimeout's stages. Handshake is TLS's, which
// modpy does not speak: it is checked and kept, and never applies.
type ReadTimeouts struct {
	Handshake, Header, Body ReadTimeout
}

// DefaultReadTimeouts are mod_reqtimeout's own defaults, for the stages a
// RequestReadTimeout does not name once the module is loaded:
// "handshake=0 header=20-40,MinRate=500 body=20,MinRate=500".
var DefaultReadTimeouts = ReadTimeouts{
	Header: ReadTimeout{Timeout: 20 * time.Second, MaxTimeout: 40 * time.Second, MinRate: 500},
	Body:   ReadTimeout{Timeout: 20 * time.Second, MinRate: 500},
}

// reqtimeoutModule is mod_reqtimeout. It is not builtin: loading it
// (LoadModule reqtimeout_module) gives the stages mod_reqtimeout's
// defaults, as RequestReadTimeout does for the stages it does not name.
var reqtimeoutModule = &module{
	name: "reqtimeout_module",
	directives: []*directive{
		{name: "RequestReadTimeout", ctx: cServer, min: 1, max: -1, usage: "handshake|header|body=timeout[-maxtimeout][,MinRate=rate] ...", fn: dRequestReadTimeout},
	},
	loaded: func(p *parser) {
		if p.cfg.Process.RequestReadTimeout == nil {
			rt := DefaultReadTimeouts // mod_reqtimeout's, until RequestReadTimeout
			p.cfg.Process.RequestReadTimeout = &rt
		}
	},
}

// dRequestReadTimeout is RequestReadTimeout stage=timeout[-max][,MinRate=rate]...
// with mod_reqtimeout's syntax and messages; each stage it names replaces
// that stage whole.
func dRequestReadTimeout(p *parser, c *call) error {
	rt := DefaultReadTimeouts
	if cur := p.cfg.Process.RequestReadTimeout; cur != nil {
		rt = *cur
	}
	for _, arg := range c.args {
		key, val, ok := strings.Cut(arg, "=")
		if !ok {
			return c.errf("Invalid RequestReadTimeout parameter %q. Parameter must be in the form 'key=value'", arg)
		}
		var st *ReadTimeout
		switch strings.ToLower(key) {
		case "handshake":
			st = &rt.Handshake
		case "header":
			st = &rt.Header
		case "body":
			st = &rt.Body
		default:
			return c.errf("%s: Unknown RequestReadTimeout parameter (handshake, header or body)", arg)
		}
		s, err := parseReadTimeout(val)
		if err != nil {
			return c.errf("%s: %s", arg, err)
		}
		*st = s
	}
	if p.serverWide(c) {
		return nil
	}
	p.cfg.Process.RequestReadTimeout = &rt
	return nil
}

// parseReadTimeout parses one stage's value: "20", "20,MinRate=500" or
// "20-40,MinRate=500" (whole seconds; a range needs MinRate).
func parseReadTimeout(val string) (ReadTimeout, error) {
	var st ReadTimeout
	times := val
	if i := strings.Index(strings.ToLower(val), ",minrate="); i >= 0 {
		times = val[:i]
		rate, err := parseWhole(val[i+len(",minrate="):])
		if err != nil {
			return st, err
		}
		if rate == 0 {
			return st, errors.New("Minimum data rate must be larger than 0")
		}
		st.MinRate = rate
		if lo, hi, ok := strings.Cut(times, "-"); ok {
			max, err := parseWhole(hi)
			if err != nil {
				return st, err
			}
			st.MaxTimeout = time.Duration(max) * time.Second
			times = lo
		}
	} else if strings.Contains(val, "-") {
		return st, errors.New("Must set MinRate option if using timeout range")
	}
	n, err := parseWhole(times)
	if err != nil {
		return st, err
	}
	st.Timeout = time.Duration(n) * time.Second
	if st.MaxTimeout > 0 && st.Timeout >= st.MaxTimeout {
		return st, errors.New("Maximum timeout must be larger than initial timeout")
	}
	return st, nil
}

// parseWhole parses a non-negative whole number (seconds, or bytes per
// second), as mod_reqtimeout does.
func parseWhole(s string) (int, error) {
	if s == "" {
		return 0, errors.New("Value '' not numerical")
	}
	if s[0] == '-' {
		return 0, errors.New("Value must be non-negative")
	}
	n, err := strconv.ParseUint(s, 10, 31)
	if err != nil {
		return 0, errors.New("Cannot parse '" + s + "': a whole number is expected")
	}
	return int(n), nil
}
