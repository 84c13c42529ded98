package table

import "strings"

// Entry is one key/value pair of a Table.
type Entry struct {
	Key   string
	Value string
}

// Table is an ordered multi-map with case-insensitive keys. The zero value is
// an empty table ready to use. A Table is not safe for concurrent use.
type Table struct {
	entries []Entry
}

// New returns an empty table with room for n entries.
func New(n int) *Table { return &Table{entries: make([]Entry, 0, n)} }

// Len returns the number of entries, counting repeated keys.
func (t *Table) Len() int { return len(t.entries) }

// Entries returns the entries in insertion order. The slice is the table's
// own: callers must not modify it.
func (t *Table) Entries() []Entry { return t.entries }

// Get returns the first value stored under key, and whether there was one.
func (t *Table) Get(key string) (string, bool) {
	for i := range t.entries {
		if strings.EqualFold(t.entries[i].Key, key) {
			return t.entries[i].Value, true
		}
	}
	return "", false
}

// Value returns the first value stored under key, or "".
func (t *Table) Value(key string) string {
	v, _ := t.Get(key)
	return v
}

// Values returns every value stored under key, in order.
func (t *Table) Values(key string) []string {
	var out []string
	for i := range t.entries {
		if strings.EqualFold(t.entries[i].Key, key) {
			out = append(out, t.entries[i].Value)
		}
	}
	return out
}

// Has reports whether key is present.
func (t *Table) Has(key string) bool {
	_, ok := t.Get(key)
	return ok
}

// Add appends a key/value pair, keeping any earlier values of key.
func (t *Table) Add(key, value string) {
	t.entries = append(t.entries, Entry{key, value})
}

// Set replaces every value of key with value. The new entry takes the place
// of the first old one, so the order of keys is kept.
func (t *Table) Set(key, value string) {
	for i := range t.entries {
		if strings.EqualFold(t.entries[i].Key, key) {
			t.entries[i] = Entry{key, value}
			t.deleteFrom(i+1, key)
			return
		}
	}
	t.entries = append(t.entries, Entry{key, value})
}

// Del removes every value of key.
func (t *Table) Del(key string) { t.deleteFrom(0, key) }

func (t *Table) deleteFrom(start int, key string) {
	j := start
	for i := start; i < len(t.entries); i++ {
		if !strings.EqualFold(t.entries[i].Key, key) {
			t.entries[j] = t.entries[i]
			j++
		}
	}
	clear(t.entries[j:])
	t.entries = t.entries[:j]
}

// Truncate drops every entry after the first n (Len() - n of them, the
// last added); it does nothing when there are n or fewer.
func (t *Table) Truncate(n int) {
	if n >= 0 && n < len(t.entries) {
		clear(t.entries[n:])
		t.entries = t.entries[:n]
	}
}

// Clear removes every entry.
func (t *Table) Clear() {
	clear(t.entries)
	t.entries = t.entries[:0]
}

// Clone returns a copy of t that shares no storage with it.
func (t *Table) Clone() *Table {
	return &Table{entries: append([]Entry(nil), t.entries...)}
}
