package config

import (
	"maps"
	"slices"
)

// Merge returns the per-directory configuration of over applied on top of
// base, as Apache and mod_python merge an inner section over an outer one.
// Each module of the table (modules.go) merges its own fields, in its own
// file; together they follow these rules:
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
	r := &DirConfig{}
	for _, m := range modules {
		if m.merge != nil {
			m.merge(r, base, over)
		}
	}
	return r
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
