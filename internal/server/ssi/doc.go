// Package ssi is the text side of mod_include's server-side includes: the
// streaming scanner that finds elements in a page (Scanner), the parse of
// one element's name and attributes (ParseTag), the legacy expression
// language of #if and #elif (Eval), variable substitution in attribute
// values (Expand), and the formats the elements print (Strftime,
// FormatSize, the encodings).
//
// It works on bytes and strings and calls back for what only the server
// knows (a variable's value, whether a subrequest would be allowed); it
// never sees a request. What an element does is the server's
// (internal/server/mod_include.go).
//
// Bounds: the scanner looks at each byte of the page once and holds at
// most one element (MaxTag bytes) or a partial start sequence; an element
// that grows past that is dropped and the page goes on as text. An
// expression is parsed and evaluated in time linear in its length.
package ssi
