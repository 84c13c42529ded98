package config

import (
	"math"
	"strconv"
	"time"
)

// lifecycleModule holds modpy's own interpreter lifecycle directives
// (docs/interpreters.md), which no Apache module has. They stay in the
// main configuration (not in .htaccess files): they spend the server's
// resources.
var lifecycleModule = &module{
	directives: []*directive{
		{name: "PythonInterpReload", ctx: cAll, min: 1, max: 1, usage: "On|Off", fn: dPyFlag},
		{name: "PythonInterpMaxRequests", ctx: cAll, min: 1, max: 1, usage: "number (0 = never)", fn: dPyLifecycle},
		{name: "PythonInterpIdleTimeout", ctx: cAll, min: 1, max: 1, usage: "seconds (0 = never)", fn: dPyLifecycle},
		{name: "PythonRequestTimeout", ctx: cAll, min: 1, max: 1, usage: "seconds (0 = off)", fn: dPyLifecycle},
		{name: "PythonInterpQueueTimeout", ctx: cAll, min: 1, max: 1, usage: "seconds", fn: dPyLifecycle},
	},
	merge: func(r, base, over *DirConfig) {
		r.PythonInterpMaxRequests = pick(base.PythonInterpMaxRequests, over.PythonInterpMaxRequests)
		r.PythonInterpIdleTimeout = pick(base.PythonInterpIdleTimeout, over.PythonInterpIdleTimeout)
		r.PythonInterpReload = pick(base.PythonInterpReload, over.PythonInterpReload)
		r.PythonRequestTimeout = pick(base.PythonRequestTimeout, over.PythonRequestTimeout)
		r.PythonInterpQueueTimeout = pick(base.PythonInterpQueueTimeout, over.PythonInterpQueueTimeout)
	},
}

// dPyLifecycle reads modpy's interpreter lifecycle numbers: a count or a
// number of seconds (fractions allowed), 0 meaning never/off.
func dPyLifecycle(p *parser, c *call) error {
	f, err := strconv.ParseFloat(c.args[0], 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return c.errf("%q is not a non-negative number", c.args[0])
	}
	d := time.Duration(f * float64(time.Second))
	switch c.d.name {
	case "PythonInterpMaxRequests":
		if f != math.Trunc(f) || f > math.MaxInt32 {
			return c.errf("%q is not a whole number of requests", c.args[0])
		}
		n := int(f)
		c.conf.PythonInterpMaxRequests = &n
	case "PythonInterpIdleTimeout":
		c.conf.PythonInterpIdleTimeout = &d
	case "PythonRequestTimeout":
		c.conf.PythonRequestTimeout = &d
	case "PythonInterpQueueTimeout":
		c.conf.PythonInterpQueueTimeout = &d
	}
	return nil
}
