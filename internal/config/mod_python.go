package config

import (
	"slices"
	"strings"
	"time"

	"modpy/internal/request"
	"modpy/internal/table"
)

// pythonModule is mod_python: the Python*Handler directives, filters,
// PythonImport and the Python settings of a directory (modpy's own
// interpreter lifecycle directives are lifecycle.go's).
var pythonModule = &module{
	name:    "python_module",
	builtin: true,
	directives: []*directive{
		{name: PhasePostReadRequest, ctx: cServer, min: 1, max: -1, usage: "handler ...", fn: dPyHandler},
		{name: PhaseTrans, ctx: cServer, min: 1, max: -1, usage: "handler ...", fn: dPyHandler},
		{name: PhaseHeaderParser, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
		{name: PhaseInit, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
		{name: PhaseAccess, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
		{name: PhaseAuthen, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
		{name: PhaseAuthz, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
		{name: PhaseType, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
		{name: PhaseFixup, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
		{name: PhaseHandler, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
		{name: PhaseLog, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
		{name: PhaseCleanup, ctx: cAll, override: OverrideAll, min: 1, max: -1, usage: "handler ... [| .ext ...]", fn: dPyHandler},
		{name: "PythonHandlerModule", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "module", fn: dPyHandlerModule},
		{name: PhaseConnection, ctx: cServer, min: 1, max: 1, usage: "handler", fn: dPyConnection},
		{name: "PythonInputFilter", ctx: cAll, min: 1, max: 2, usage: "handler [name]", fn: dPyFilter},
		{name: "PythonOutputFilter", ctx: cAll, min: 1, max: 2, usage: "handler [name]", fn: dPyFilter},
		{name: "PythonImport", ctx: cServer, min: 2, max: 2, usage: "module[::function] interpreter_name", fn: dPyImport},
		{name: "PythonPath", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "\"python-expression\"", fn: func(p *parser, c *call) error {
			c.conf.PythonPath = ptr(c.args[0])
			return nil
		}},
		{name: "PythonOption", ctx: cAll, override: OverrideAll, min: 1, max: 2, usage: "key [value]", fn: dPyOption},
		{name: "PythonInterpreter", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "name", fn: func(p *parser, c *call) error {
			c.conf.PythonInterpreter = ptr(c.args[0])
			return nil
		}},
		{name: "PythonDebug", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "On|Off", fn: dPyFlag},
		{name: "PythonAutoReload", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "On|Off", fn: dPyFlag},
		{name: "PythonInterpPerDirectory", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "On|Off", fn: dPyFlag},
		{name: "PythonInterpPerDirective", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "On|Off", fn: dPyFlag},
		{name: "PythonEnablePdb", ctx: cAll, override: OverrideAll, min: 1, max: 1, usage: "On|Off", fn: dPyFlag},
		{name: "PythonOptimize", ctx: cMain, min: 1, max: 1, usage: "On|Off", fn: dPyFlag},
	},
	merge: mergePython,
	resolve: func(c *Config, d *DirConfig, r *resolved) {
		r.python = pyConfig(d, c.Process.Timeout)
	},
}

// mergePython is mod_python's merge: handlers are replaced per phase (an
// inner list replaces the outer one), PythonOptions merge by key (base's
// order, over's value winning, over's new keys appended), Python filters
// by name; the other settings as Merge's first rule says.
func mergePython(r, base, over *DirConfig) {
	r.PythonPath = pick(base.PythonPath, over.PythonPath)
	r.PythonDebug = pick(base.PythonDebug, over.PythonDebug)
	r.PythonAutoReload = pick(base.PythonAutoReload, over.PythonAutoReload)
	r.PythonInterpreter = pick(base.PythonInterpreter, over.PythonInterpreter)
	r.PythonInterpPerDirectory = pick(base.PythonInterpPerDirectory, over.PythonInterpPerDirectory)
	r.PythonInterpPerDirective = pick(base.PythonInterpPerDirective, over.PythonInterpPerDirective)
	r.PythonEnablePdb = pick(base.PythonEnablePdb, over.PythonEnablePdb)
	r.PythonOptions = mergeKV(base.PythonOptions, over.PythonOptions)
	r.PythonInputFilters = mergeFilters(base.PythonInputFilters, over.PythonInputFilters)
	r.PythonOutputFilters = mergeFilters(base.PythonOutputFilters, over.PythonOutputFilters)

	// Handlers: replaced per phase.
	if len(base.Handlers)+len(over.Handlers) > 0 {
		r.Handlers = make(map[string][]Handler, len(base.Handlers)+len(over.Handlers))
		for k, v := range base.Handlers {
			r.Handlers[k] = slices.Clone(v)
		}
		for k, v := range over.Handlers {
			r.Handlers[k] = slices.Clone(v)
		}
	}
}

// checkSpec validates a handler spec "module[::object]".
func (c *call) checkSpec(spec string) error {
	mod, obj, has := strings.Cut(spec, "::")
	if mod == "" || (has && obj == "") || strings.ContainsAny(spec, "|") {
		return c.errf("bad handler %q (want module or module::function)", spec)
	}
	return nil
}

func dPyHandler(p *parser, c *call) error {
	var specs, exts []string
	pipe := false
	for _, a := range c.args {
		for i, part := range strings.Split(a, "|") {
			if i > 0 {
				if pipe {
					return c.errf("\"|\" given twice")
				}
				pipe = true
			}
			if part == "" {
				continue
			}
			if pipe {
				exts = append(exts, normExt(part))
			} else {
				specs = append(specs, part)
			}
		}
	}
	if pipe && (c.d.name == PhasePostReadRequest || c.d.name == PhaseTrans) {
		return c.errf("does not take \"| .ext\": it runs for every request, before the URI is mapped to a file")
	}
	if pipe && len(exts) == 0 {
		return c.errf("\"|\" must be followed by file extensions (| .py .psp)")
	}
	if len(specs) == 0 {
		return c.errf("takes at least one handler")
	}
	if c.conf.Handlers == nil {
		c.conf.Handlers = make(map[string][]Handler)
	}
	for _, s := range specs {
		if err := c.checkSpec(s); err != nil {
			return err
		}
		c.conf.Handlers[c.d.name] = append(c.conf.Handlers[c.d.name], Handler{
			Phase: c.d.name, Spec: s, Exts: exts, Dir: c.hdir, DirPattern: c.hdirPattern, InLocation: c.inLoc, Pos: c.pos,
		})
	}
	return nil
}

func dPyHandlerModule(p *parser, c *call) error {
	if err := c.checkSpec(c.args[0]); err != nil {
		return err
	}
	if c.conf.Handlers == nil {
		c.conf.Handlers = make(map[string][]Handler)
	}
	for _, ph := range RequestPhases {
		c.conf.Handlers[ph] = append(c.conf.Handlers[ph], Handler{
			Phase: ph, Spec: c.args[0], Dir: c.hdir, DirPattern: c.hdirPattern, InLocation: c.inLoc, Silent: true, Pos: c.pos,
		})
	}
	return nil
}

func dPyConnection(p *parser, c *call) error {
	if err := c.checkSpec(c.args[0]); err != nil {
		return err
	}
	c.srv.PythonConnectionHandler = &Handler{Phase: PhaseConnection, Spec: c.args[0], Pos: c.pos}
	return nil
}

func dPyFilter(p *parser, c *call) error {
	if err := c.checkSpec(c.args[0]); err != nil {
		return err
	}
	f := Filter{Spec: c.args[0], Name: c.args[0], Dir: c.hdir, Pos: c.pos}
	if len(c.args) == 2 {
		f.Name = c.args[1]
	}
	list := &c.conf.PythonOutputFilters
	if c.d.name == "PythonInputFilter" {
		list = &c.conf.PythonInputFilters
	}
	*list = setFilter(*list, f)
	return nil
}

// setFilter adds f to list, replacing a filter of the same name.
func setFilter(list []Filter, f Filter) []Filter {
	for i := range list {
		if list[i].Name == f.Name {
			list[i] = f
			return list
		}
	}
	return append(list, f)
}

func mergeFilters(base, over []Filter) []Filter {
	if base == nil && over == nil {
		return nil
	}
	r := make([]Filter, 0, len(base)+len(over))
	r = append(r, base...)
	for _, f := range over {
		r = setFilter(r, f)
	}
	return r
}

func dPyImport(p *parser, c *call) error {
	mod, fn, has := strings.Cut(c.args[0], "::")
	if mod == "" || (has && fn == "") {
		return c.errf("bad module %q (want module or module::function)", c.args[0])
	}
	if c.srv.IsVirtual {
		p.notice("", c.pos, "PythonImport %s inside <VirtualHost> runs at worker start like any other (mod_python 3.5 skipped it)", mod)
	}
	p.cfg.PythonImports = append(p.cfg.PythonImports, PythonImport{
		Module: mod, Func: fn, Interpreter: c.args[1], InVHost: c.srv.IsVirtual, Pos: c.pos,
	})
	return nil
}

func dPyOption(p *parser, c *call) error {
	v := ""
	if len(c.args) == 2 {
		v = c.args[1]
	}
	c.conf.PythonOptions = setKV(c.conf.PythonOptions, c.args[0], v)
	return nil
}

func dPyFlag(p *parser, c *call) error {
	on, err := c.onOff(c.args[0])
	if err != nil {
		return err
	}
	switch c.d.name {
	case "PythonDebug":
		c.conf.PythonDebug = &on
	case "PythonAutoReload":
		c.conf.PythonAutoReload = &on
	case "PythonInterpPerDirectory":
		c.conf.PythonInterpPerDirectory = &on
	case "PythonInterpPerDirective":
		c.conf.PythonInterpPerDirective = &on
	case "PythonEnablePdb":
		c.conf.PythonEnablePdb = &on
	case "PythonOptimize":
		p.cfg.PythonOptimize = on
	case "PythonInterpReload":
		c.conf.PythonInterpReload = &on
	}
	return nil
}

// PyConfig returns the Python settings a phase sees under d (its
// PythonInterpQueueTimeout defaulting to the Timeout). For a DirConfig from
// c's lookups they were worked out once, with the merge; the result is
// shared and must not be modified.
func (c *Config) PyConfig(d *DirConfig) *request.PyConfig {
	if d.fin != nil && d.fin.python != nil {
		return d.fin.python
	}
	return pyConfig(d, c.Process.Timeout)
}

// pyConfig works out the Python settings of dc: mod_python's defaults
// (PythonAutoReload On, the others off) for what it does not set, and
// timeout (the Timeout) for PythonInterpQueueTimeout.
func pyConfig(dc *DirConfig, timeout time.Duration) *request.PyConfig {
	pc := &request.PyConfig{
		Debug:      dc.PythonDebug != nil && *dc.PythonDebug,
		AutoReload: dc.PythonAutoReload == nil || *dc.PythonAutoReload,
		Options:    pythonOptions(dc),
		Config:     pythonConfigTable(dc),
	}
	if dc.PythonPath != nil {
		pc.Path, pc.HasPath = *dc.PythonPath, true
	}
	if dc.PythonInterpMaxRequests != nil {
		pc.MaxRequests = *dc.PythonInterpMaxRequests
	}
	if dc.PythonInterpIdleTimeout != nil {
		pc.IdleTimeout = *dc.PythonInterpIdleTimeout
	}
	pc.Reload = dc.PythonInterpReload != nil && *dc.PythonInterpReload
	if dc.PythonRequestTimeout != nil {
		pc.RequestTimeout = *dc.PythonRequestTimeout
	}
	pc.QueueTimeout = timeout
	if dc.PythonInterpQueueTimeout != nil {
		pc.QueueTimeout = *dc.PythonInterpQueueTimeout
	}
	return pc
}

// pythonOptions is get_options(): PythonOption pairs, empty values dropped.
func pythonOptions(dc *DirConfig) *table.Table {
	t := table.New(len(dc.PythonOptions))
	for _, kv := range dc.PythonOptions {
		if kv.Value != "" {
			t.Set(kv.Key, kv.Value)
		}
	}
	return t
}

// pythonConfigTable is get_config(): the Python* directives in effect, flags
// as "1"/"0" as mod_python stores them.
func pythonConfigTable(dc *DirConfig) *table.Table {
	t := table.New(8)
	flag := func(name string, b *bool) {
		if b != nil {
			if *b {
				t.Set(name, "1")
			} else {
				t.Set(name, "0")
			}
		}
	}
	flag("PythonDebug", dc.PythonDebug)
	flag("PythonAutoReload", dc.PythonAutoReload)
	flag("PythonInterpPerDirectory", dc.PythonInterpPerDirectory)
	flag("PythonInterpPerDirective", dc.PythonInterpPerDirective)
	flag("PythonEnablePdb", dc.PythonEnablePdb)
	if dc.PythonInterpreter != nil {
		t.Set("PythonInterpreter", *dc.PythonInterpreter)
	}
	if dc.PythonPath != nil {
		t.Set("PythonPath", *dc.PythonPath)
	}
	return t
}
