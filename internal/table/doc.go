// Package table is Apache's apr_table_t in Go: an ordered list of key/value
// pairs with case-insensitive keys that keeps repeated keys. Request and
// response headers, subprocess_env, notes and mod_python's request tables are
// all tables.
//
// It owns only the data structure. It must not know about HTTP, Python or the
// configuration.
package table
