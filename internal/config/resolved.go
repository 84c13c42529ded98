package config

import "modpy/internal/request"

// A merged DirConfig is finished once, when Load or a lookup makes it
// (finishDir), rather than per request: what a request reads of it is
// worked out then, by each module for its own directives (module.resolve),
// and kept with it. So the memoised merge (lookup.go) holds the finished
// values too, and no request compares a keyword ("None", a quote mark in
// an ErrorDocument) or builds a table. A DirConfig made otherwise (by
// Merge alone, or by hand) is not finished: its accessors work the same
// values out on each call.

// resolved is a finished DirConfig's worked-out values.
type resolved struct {
	errorDocs  map[int]ErrorDocument // ErrorDocuments modpy serves, by status
	handler    string                // SetHandler's handler; "" for None
	hasHandler bool                  // SetHandler is set
	authType   string                // the AuthType in effect; "" when unset or None
	python     *request.PyConfig     // the Python settings a phase sees
}

// finishDir works out d's resolved values. d must be a DirConfig no
// request sees yet (a merge result about to be returned or cached).
func (c *Config) finishDir(d *DirConfig) {
	r := &resolved{}
	for _, m := range modules {
		if m.resolve != nil {
			m.resolve(c, d, r)
		}
	}
	d.fin = r
}
