package request

// WSGIAuth is what a call that runs one of mod_wsgi's auth scripts
// carries (python/mod_python/_wsgi_auth.py): the server's
// WSGIAccessScript, WSGIAuthUserScript and WSGIAuthGroupScript fill it.
type WSGIAuth struct {
	// Kind is python.WSGIAuthAccess (allow_access), WSGIAuthUser
	// (check_password) or WSGIAuthGroup (groups_for_user); the call
	// answers one of python's WSGIAuth results (the protocol table).
	Kind   int
	Script string // the script file
	// Group is the application group, as mod_wsgi.application_group
	// shows it ("" for the main interpreter).
	Group string
	// Reloading is WSGIScriptReloading: a loaded script whose
	// modification time is not MTime (Unix nanoseconds) is loaded again.
	Reloading bool
	MTime     int64
	// Env are the environ's strings: name, value, name, value, ...
	Env []string
	// Who is the client's host (allow_access) or the user; Password the
	// Basic password (check_password); Groups the groups a "Require
	// wsgi-group" line names (groups_for_user).
	Who      string
	Password string
	Groups   []string
}
