package config

import (
	"maps"
	"slices"
)

// defaultOptions is Apache 2.4's Options when none is set: FollowSymLinks.
const defaultOptions = optFollowSymLinks

// Merge returns the per-directory configuration of over applied on top of
// base, as Apache and mod_python merge an inner section over an outer one:
//
//   - a field over sets wins; fields it leaves unset (nil) come from base;
//   - maps (AddHandlers, AddTypes, AddCharsets, ErrorDocuments,
//     Add*Filters) merge key by key, over's value winning; a "" handler,
//     type or charset (RemoveHandler, RemoveType, RemoveCharset) or a
//     "default" ErrorDocument in over drops base's entry, as does an empty
//     filter list (Remove*Filter);
//   - SetEnv and PythonOptions merge by key, keeping base's order, over's
//     value winning and over's new keys appended; over's UnsetEnv drops
//     base's SetEnv and PassEnv of that name;
//   - Require follows mod_authz_core: over's replaces base's (AuthMerging
//     Off, the default), or both are combined under a <RequireAll>
//     (AuthMerging And) or <RequireAny> (AuthMerging Or); a section with
//     an explicit "AuthMerging Off" and no Require clears it, as in Apache;
//     AuthMerging itself is not inherited;
//   - Access (Order/Allow/Deny/Satisfy) is replaced as a whole;
//   - Handlers are replaced per phase key (mod_python's rule);
//   - Redirects: over's first, then base's (mod_alias's order);
//   - Python filters merge by name;
//   - a relative "Options +X -Y" in over is applied to base's options (or
//     to Apache's default, FollowSymLinks), so the result's Options is
//     absolute.
//
// Either argument may be nil. Merge never modifies its arguments, and the
// result shares no map or slice with them (pointer fields may be shared:
// treat them as read-only).
func Merge(base, over *DirConfig) *DirConfig {
	if base == nil {
		base = &DirConfig{}
	}
	if over == nil {
		over = &DirConfig{}
	}
	r := &DirConfig{
		SetHandler:               pick(base.SetHandler, over.SetHandler),
		AddHandlers:              mergeStrMap(base.AddHandlers, over.AddHandlers, ""),
		AddTypes:                 mergeStrMap(base.AddTypes, over.AddTypes, ""),
		AddCharsets:              mergeStrMap(base.AddCharsets, over.AddCharsets, ""),
		AddDefaultCharset:        pick(base.AddDefaultCharset, over.AddDefaultCharset),
		ServerSignature:          pick(base.ServerSignature, over.ServerSignature),
		DirectoryIndex:           pickSlice(base.DirectoryIndex, over.DirectoryIndex),
		Require:                  mergeRequire(base.Require, over.Require, over.AuthMerging),
		AuthMerging:              over.AuthMerging,
		Access:                   pick(base.Access, over.Access),
		ErrorDocuments:           mergeErrDocs(base.ErrorDocuments, over.ErrorDocuments),
		LimitRequestBody:         pick(base.LimitRequestBody, over.LimitRequestBody),
		AllowOverride:            pick(base.AllowOverride, over.AllowOverride),
		AuthType:                 pick(base.AuthType, over.AuthType),
		AuthName:                 pick(base.AuthName, over.AuthName),
		PythonPath:               pick(base.PythonPath, over.PythonPath),
		PythonDebug:              pick(base.PythonDebug, over.PythonDebug),
		PythonAutoReload:         pick(base.PythonAutoReload, over.PythonAutoReload),
		PythonInterpreter:        pick(base.PythonInterpreter, over.PythonInterpreter),
		PythonInterpPerDirectory: pick(base.PythonInterpPerDirectory, over.PythonInterpPerDirectory),
		PythonInterpPerDirective: pick(base.PythonInterpPerDirective, over.PythonInterpPerDirective),
		PythonEnablePdb:          pick(base.PythonEnablePdb, over.PythonEnablePdb),
		PythonInterpMaxRequests:  pick(base.PythonInterpMaxRequests, over.PythonInterpMaxRequests),
		PythonInterpIdleTimeout:  pick(base.PythonInterpIdleTimeout, over.PythonInterpIdleTimeout),
		PythonInterpReload:       pick(base.PythonInterpReload, over.PythonInterpReload),
		PythonRequestTimeout:     pick(base.PythonRequestTimeout, over.PythonRequestTimeout),
		PythonInterpQueueTimeout: pick(base.PythonInterpQueueTimeout, over.PythonInterpQueueTimeout),
		PythonOptions:            mergeKV(base.PythonOptions, over.PythonOptions),
		PythonInputFilters:       mergeFilters(base.PythonInputFilters, over.PythonInputFilters),
		PythonOutputFilters:      mergeFilters(base.PythonOutputFilters, over.PythonOutputFilters),
		AddOutputFilters:         mergeListMap(base.AddOutputFilters, over.AddOutputFilters),
		AddInputFilters:          mergeListMap(base.AddInputFilters, over.AddInputFilters),
		SetOutputFilter:          pickSlice(base.SetOutputFilter, over.SetOutputFilter),
		SetInputFilter:           pickSlice(base.SetInputFilter, over.SetInputFilter),
	}

	// Environment (mod_env): over's unsets remove inherited values.
	unset := over.UnsetEnv
	keep := func(name string) bool { return !slices.Contains(unset, name) }
	var setEnv []KV
	for _, kv := range base.SetEnv {
		if keep(kv.Key) {
			setEnv = append(setEnv, kv)
		}
	}
	r.SetEnv = mergeKV(setEnv, over.SetEnv)
	for _, n := range base.PassEnv {
		if keep(n) {
			r.PassEnv = append(r.PassEnv, n)
		}
	}
	for _, n := range over.PassEnv {
		if !slices.Contains(r.PassEnv, n) {
			r.PassEnv = append(r.PassEnv, n)
		}
	}
	for _, n := range base.UnsetEnv {
		if !slices.ContainsFunc(over.SetEnv, func(kv KV) bool { return kv.Key == n }) && !slices.Contains(over.PassEnv, n) {
			r.UnsetEnv = append(r.UnsetEnv, n)
		}
	}
	for _, n := range over.UnsetEnv {
		if !slices.Contains(r.UnsetEnv, n) {
			r.UnsetEnv = append(r.UnsetEnv, n)
		}
	}

	// Options.
	switch {
	case over.Options != nil:
		r.Options = optionsFrom(over.Options.bits())
	case over.OptionsAdd != nil || over.OptionsRemove != nil:
		r.Options = optionsFrom(effectiveOptions(base)&^over.OptionsRemove.bits() | over.OptionsAdd.bits())
	case base.Options != nil:
		r.Options = optionsFrom(base.Options.bits())
	case base.OptionsAdd != nil || base.OptionsRemove != nil:
		r.Options = optionsFrom(effectiveOptions(base))
	}

	// Redirects: the inner section's first.
	if n := len(over.Redirects) + len(base.Redirects); n > 0 {
		r.Redirects = make([]Redirect, 0, n)
		r.Redirects = append(append(r.Redirects, over.Redirects...), base.Redirects...)
	}

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
	return r
}

// effectiveOptions is d's options with its relative part applied to the
// default.
func effectiveOptions(d *DirConfig) uint8 {
	if d.Options != nil {
		return d.Options.bits()
	}
	return defaultOptions&^d.OptionsRemove.bits() | d.OptionsAdd.bits()
}

func pick[T any](base, over *T) *T {
	if over != nil {
		return over
	}
	return base
}

// pickSlice returns a copy of over if set (non-nil, possibly empty), else
// of base.
func pickSlice[T any](base, over []T) []T {
	if over != nil {
		return slices.Clone(over)
	}
	return slices.Clone(base)
}

func mergeStrMap(base, over map[string]string, remove string) map[string]string {
	if base == nil && over == nil {
		return nil
	}
	r := make(map[string]string, len(base)+len(over))
	maps.Copy(r, base)
	for k, v := range over {
		if v == remove {
			delete(r, k)
		} else {
			r[k] = v
		}
	}
	return r
}

func mergeErrDocs(base, over map[int]string) map[int]string {
	if base == nil && over == nil {
		return nil
	}
	r := make(map[int]string, len(base)+len(over))
	maps.Copy(r, base)
	for k, v := range over {
		if v == "default" {
			delete(r, k)
		} else {
			r[k] = v
		}
	}
	return r
}

func mergeListMap(base, over map[string][]string) map[string][]string {
	if base == nil && over == nil {
		return nil
	}
	r := make(map[string][]string, len(base)+len(over))
	for k, v := range base {
		r[k] = slices.Clone(v)
	}
	for k, v := range over {
		if len(v) == 0 {
			delete(r, k) // Remove*Filter
		} else {
			r[k] = slices.Clone(v)
		}
	}
	return r
}

// mergeKV merges ordered key/value lists: base's order, over's values win,
// over's new keys appended.
func mergeKV(base, over []KV) []KV {
	if base == nil && over == nil {
		return nil
	}
	r := make([]KV, 0, len(base)+len(over))
	r = append(r, base...)
	for _, kv := range over {
		r = setKV(r, kv.Key, kv.Value)
	}
	return r
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

// mergeRequire is mod_authz_core's merge of an inner section's Require
// (over, with its AuthMerging m) onto the outer one (base).
func mergeRequire(base, over *Require, m *AuthMerge) *Require {
	switch {
	case m == nil && over == nil:
		return base
	case m == nil || *m == AuthMergeOff || base == nil:
		return over
	case over == nil:
		return base
	}
	op := RequireAll
	if *m == AuthMergeOr {
		op = RequireAny
	}
	return &Require{Op: op, Rules: []*Require{base, over}, Merged: true, Pos: over.Pos}
}
