package python

import "modpy/internal/request"

// mod_wsgi's auth scripts (python/mod_python/_wsgi_auth.py): the call
// that runs one. What the environ holds and what the answer means are the
// server's (internal/server/mod_wsgi_auth.go).

// RunWSGIAuth runs the auth script call req.WSGIAuth describes in the
// interpreter called name, creating it if needed: its answer (one of the
// WSGIAuth results: WSGIAuthGranted, ...), and where it ran.
func (rt *Runtime) RunWSGIAuth(name string, req *request.Request) (int, Served, error) {
	return rt.dispatch(callWSGIAuth, name, req)
}

// packWSGIAuth packs what _wsgi_auth.py's run gets as its info argument.
func packWSGIAuth(p *packer, r *request.Request) {
	a := r.WSGIAuth
	p.tuple(9)
	p.int(int64(a.Kind))
	p.str(a.Script)
	p.int(a.MTime)
	p.bool(a.Reloading)
	p.str(a.Group)
	packEnv(p, a.Env)
	p.str(a.Who)
	p.str(a.Password)
	p.tuple(len(a.Groups))
	for _, g := range a.Groups {
		p.str(g)
	}
}
