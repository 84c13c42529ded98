package server

import (
	"testing"

	"modpy/internal/python"
)

// PythonInterpMaxRequests ends the interpreter that ran an outermost call
// once it has served max requests, and never after a nested call.
func TestMaxRequestsReached(t *testing.T) {
	in := &python.Interp{Name: "x"}
	for _, c := range []struct {
		served python.Served
		max    int
		want   bool
	}{
		{python.Served{Interp: in, Requests: 3}, 0, false},
		{python.Served{Interp: in, Requests: 2}, 3, false},
		{python.Served{Interp: in, Requests: 3}, 3, true},
		{python.Served{Interp: in, Requests: 4}, 3, true},
		{python.Served{Interp: in, Requests: 1}, 1, true},
		{python.Served{Interp: in, Requests: 3, Nested: true}, 3, false},
		{python.Served{Requests: 3}, 3, false},
	} {
		if got := maxRequestsReached(c.served, c.max); got != c.want {
			t.Errorf("maxRequestsReached(%+v, %d) = %v, want %v", c.served, c.max, got, c.want)
		}
	}
}
