package config

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"testing"

	"modpy/internal/loglevel"
)

// fieldRule says how a merge treats one field of T when the generic
// rules (inherited from base when over leaves it unset; over's value wins
// when both set it) do not apply. Each is a deliberate, documented
// choice; a new field gets no entry unless Apache's semantics call for
// one.
type fieldRule[T any] struct {
	reason string
	// baseOnly is the field's expected value in merge(base, empty), where
	// base has only this field set; nil: base's value.
	baseOnly func(base *T) any
	// overOnly is its expected value in merge(empty, over); nil: over's.
	overOnly func(over *T) any
	// both is the expected value in merge(base, over), where both set
	// only this field; nil: over's value.
	both func(base, over *T) any
}

var mergeFieldRules = map[string]fieldRule[DirConfig]{
	"AuthMerging": {
		reason:   "mod_authz_core: AuthMerging says how the section it is in merges with the outer one; it is not inherited",
		baseOnly: func(*DirConfig) any { return (*AuthMerge)(nil) },
	},
	"OptionsAdd":    foldedOptions,
	"OptionsRemove": foldedOptions,
	"Redirects": {
		reason: "mod_alias: the inner section's redirects first, then the outer's",
		both:   func(b, o *DirConfig) any { return slices.Concat(o.Redirects, b.Redirects) },
	},
	"PassEnv":       concatDir("mod_env: the names passed accumulate", func(d *DirConfig) []string { return d.PassEnv }),
	"UnsetEnv":      concatDir("mod_env: the names unset accumulate", func(d *DirConfig) []string { return d.UnsetEnv }),
	"SetEnvIf":      concatDir("mod_setenvif: the outer sections' rules run first", func(d *DirConfig) []*EnvRule { return d.SetEnvIf }),
	"RequestHeader": concatDir(headerLines, func(d *DirConfig) []*HeaderOp { return d.RequestHeader }),
	"Header":        concatDir(headerLines, func(d *DirConfig) []*HeaderOp { return d.Header }),
	"HeaderAlways":  concatDir(headerLines, func(d *DirConfig) []*HeaderOp { return d.HeaderAlways }),
	"Autoindex": {
		reason:   "mod_autoindex's own merge: IndexOptions' + and - apply to the inherited flags, the icon, description and ignore lists accumulate (mod_autoindex.go)",
		overOnly: func(o *DirConfig) any { return mergeAutoindex(nil, o.Autoindex) },
		both:     func(b, o *DirConfig) any { return mergeAutoindex(b.Autoindex, o.Autoindex) },
	},
}

const headerLines = "mod_headers: the outer sections' lines apply first, then the inner's"

// concatDir is the rule of a list that accumulates: base's, then over's.
func concatDir[E any](reason string, get func(*DirConfig) []E) fieldRule[DirConfig] {
	return fieldRule[DirConfig]{reason: reason, both: func(b, o *DirConfig) any { return slices.Concat(get(b), get(o)) }}
}

// foldedOptions is the rule of OptionsAdd and OptionsRemove: nil after
// Merge (TestMergeFoldsRelativeOptions checks where they go).
var foldedOptions = fieldRule[DirConfig]{
	reason:   "a relative Options is folded into the result's absolute Options",
	baseOnly: noOptions,
	overOnly: noOptions,
	both:     func(b, o *DirConfig) any { return noOptions(o) },
}

func noOptions(*DirConfig) any { return (*Options)(nil) }

// TestMergeEveryField sets each DirConfig field alone, by reflection, and
// checks Merge keeps it: so a field added to DirConfig and forgotten in
// Merge (which would silently not be inherited) fails here, by name.
func TestMergeEveryField(t *testing.T) {
	checkEveryField(t, "Merge", Merge, mergeFieldRules, map[string]string{"fin": "worked out from the merged fields when a lookup finishes the result (resolved.go)"})
}

// inheritFieldRules are the Server fields a virtual host does not simply
// inherit from the main server when it leaves them unset.
var inheritFieldRules = map[string]fieldRule[Server]{
	"Pos":           {reason: "where the <VirtualHost> is", baseOnly: func(*Server) any { return Pos{} }},
	"IsVirtual":     {reason: "the vhost's own identity", baseOnly: func(*Server) any { return false }},
	"Addrs":         {reason: "the <VirtualHost> addresses", baseOnly: func(*Server) any { return []string(nil) }},
	"ServerAliases": {reason: "ServerAlias names only the vhost it is in", baseOnly: func(*Server) any { return []string(nil) }},
	"ServerPath":    {reason: "ServerPath names only the vhost it is in", baseOnly: func(*Server) any { return "" }},
	"SSIStartTag":   {reason: "Apache merges no server config of mod_include", baseOnly: func(*Server) any { return "" }},
	"SSIEndTag":     {reason: "Apache merges no server config of mod_include", baseOnly: func(*Server) any { return "" }},
	"Sections": {
		reason:   "a vhost's lookups see the main server's sections themselves, after its own (lookup.go)",
		baseOnly: func(*Server) any { return []*Section(nil) },
	},
	"Level": {
		reason:   "goes with LogLevel: a vhost that has no LogLevel of its own has the main server's level",
		overOnly: func(*Server) any { return loglevel.Level(0) },
		both:     func(b, o *Server) any { return b.Level },
	},
	"AdminLink": {
		reason:   "made from the (inherited) ServerAdmin",
		baseOnly: func(*Server) any { return adminLink("") },
		overOnly: func(*Server) any { return adminLink("") },
		both:     func(b, o *Server) any { return adminLink("") },
	},
	"SSL": {
		reason: "mod_ssl: field by field, the certificate and key files the main server's then the vhost's (TestSSLMerge)",
		both:   func(b, o *Server) any { return mergeSSLServer(b.SSL, o.SSL) },
	},
	"Aliases": {
		reason: "mod_alias: the vhost's own, then the main server's",
		both:   func(b, o *Server) any { return slices.Concat(o.Aliases, b.Aliases) },
	},
	"Redirects": {
		reason: "mod_alias: the vhost's own, then the main server's",
		both:   func(b, o *Server) any { return slices.Concat(o.Redirects, b.Redirects) },
	},
	"SetEnvIf": {
		reason: "mod_setenvif merges server configs: the main server's rules, then the vhost's",
		both:   func(b, o *Server) any { return slices.Concat(b.SetEnvIf, o.SetEnvIf) },
	},
	"WSGIAliases": {
		reason: "mod_wsgi: the vhost's own, then the main server's",
		both:   func(b, o *Server) any { return slices.Concat(o.WSGIAliases, b.WSGIAliases) },
	},
	"Dir": {
		reason:   "merged by Merge, the vhost's over the main server's",
		baseOnly: func(b *Server) any { return Merge(b.Dir, nil) },
		overOnly: func(o *Server) any { return Merge(nil, o.Dir) },
		both:     func(b, o *Server) any { return Merge(b.Dir, o.Dir) },
	},
}

// TestInheritMainEveryField is TestMergeEveryField for what a virtual
// host inherits from the main server.
func TestInheritMainEveryField(t *testing.T) {
	inherit := func(main, v *Server) *Server {
		r := *v
		inheritMain(&r, main)
		return &r
	}
	checkEveryField(t, "inheritMain", inherit, inheritFieldRules, map[string]string{"idx": "built by Load after inheritance"})
}

// checkEveryField sets each field of T alone, with two distinct non-zero
// values, and checks merge(base, empty), merge(empty, over) and
// merge(base, over) against rules (by default: inherited, and over's
// value winning). unexported names the unexported fields it skips, with
// the reason.
func checkEveryField[T any](t *testing.T, name string, merge func(base, over *T) *T, rules map[string]fieldRule[T], unexported map[string]string) {
	t.Helper()
	typ := reflect.TypeFor[T]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			if unexported[f.Name] == "" {
				t.Errorf("%s.%s: unexported field; this test cannot check that %s handles it", typ.Name(), f.Name, name)
			}
			continue
		}
		rule := rules[f.Name]
		only := func(variant int) *T {
			d := new(T)
			v := reflect.ValueOf(d).Elem().Field(i)
			v.Set(fillValue(f.Type, variant, 0, ""))
			if v.IsZero() {
				t.Fatalf("%s.%s: fillValue made a zero value", typ.Name(), f.Name)
			}
			return d
		}
		get := func(d *T) any { return reflect.ValueOf(d).Elem().Field(i).Interface() }
		check := func(what string, got, want any) {
			t.Helper()
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s.%s, %s: got %s, want %s (is the field handled in %s? see its rules)", typ.Name(), f.Name, what, show(got), show(want), name)
			}
		}

		base, over := only(1), only(2)
		want := get(base)
		if rule.baseOnly != nil {
			want = rule.baseOnly(base)
		}
		check("set in base only (inherited)", get(merge(base, new(T))), want)
		want = get(over)
		if rule.overOnly != nil {
			want = rule.overOnly(over)
		}
		check("set in over only", get(merge(new(T), over)), want)
		want = get(over)
		if rule.both != nil {
			want = rule.both(base, over)
		}
		check("set in both", get(merge(base, over)), want)
	}
	for n, r := range rules {
		if _, ok := typ.FieldByName(n); !ok || r.reason == "" {
			t.Errorf("rules for %s: %s.%s: no such field, or no reason given", name, typ.Name(), n)
		}
	}
}

// TestMergeFoldsRelativeOptions is the result the OptionsAdd and
// OptionsRemove rules leave to Options: a relative setting survives a
// merge with an empty section, folded in.
func TestMergeFoldsRelativeOptions(t *testing.T) {
	add := &DirConfig{OptionsAdd: &Options{Indexes: true}}
	rem := &DirConfig{OptionsRemove: &Options{FollowSymLinks: true}}
	for _, c := range []struct {
		base, over *DirConfig
		want       Options
	}{
		{add, &DirConfig{}, Options{Indexes: true, FollowSymLinks: true}},
		{&DirConfig{}, add, Options{Indexes: true, FollowSymLinks: true}},
		{rem, &DirConfig{}, Options{}},
		{add, rem, Options{Indexes: true}},
	} {
		if r := Merge(c.base, c.over); r.Options == nil || *r.Options != c.want {
			t.Errorf("Merge(%+v, %+v).Options = %+v, want %+v", c.base, c.over, r.Options, c.want)
		}
	}
}

// show formats v for a test failure, a pointer by what it points to.
func show(v any) string {
	if r := reflect.ValueOf(v); r.Kind() == reflect.Pointer && !r.IsNil() {
		return "&" + fmt.Sprintf("%#v", r.Elem().Interface())
	}
	return fmt.Sprintf("%#v", v)
}

// fillValue is a non-zero value of type t for TestMergeEveryField.
// Variants 1 and 2 differ in every leaf but agree on the keys Merge
// merges by (map keys, and the Key and Name fields of KV and Filter), so
// that over's value replaces base's rather than joining it.
func fillValue(t reflect.Type, variant, depth int, field string) reflect.Value {
	v := reflect.New(t).Elem()
	if depth > 3 {
		return v
	}
	switch t {
	case reflect.TypeFor[*regexp.Regexp]():
		return reflect.ValueOf(regexp.MustCompile(fmt.Sprintf("v%d", variant)))
	}
	switch t.Kind() {
	case reflect.String:
		if field == "Key" || field == "Name" {
			v.SetString("key")
		} else {
			v.SetString(fmt.Sprintf("v%d", variant))
		}
	case reflect.Bool:
		v.SetBool(variant == 1 || depth == 0) // a bool field itself must be non-zero
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(variant))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(variant))
	case reflect.Pointer:
		v.Set(reflect.New(t.Elem()))
		v.Elem().Set(fillValue(t.Elem(), variant, depth+1, field))
	case reflect.Slice:
		v.Set(reflect.MakeSlice(t, 0, 1))
		v.Set(reflect.Append(v, fillValue(t.Elem(), variant, depth+1, field)))
	case reflect.Map:
		v.Set(reflect.MakeMap(t))
		v.SetMapIndex(fillValue(t.Key(), 1, depth+1, "Key"), fillValue(t.Elem(), variant, depth+1, field))
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				v.Field(i).Set(fillValue(f.Type, variant, depth+1, f.Name))
			}
		}
	default:
		panic(fmt.Sprintf("fillValue: unhandled type %v", t))
	}
	return v
}
