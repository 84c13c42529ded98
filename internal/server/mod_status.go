package server

// status_module: the server's own pages, answered in the content phase
// without Python (status.go): `SetHandler server-status` (mod_status's
// name) or `modpy-status`, and `SetHandler modpy-metrics`. Access control
// is the section's Require.
var statusModule = &module{
	name: "status_module",
	handlers: []contentHandler{
		{name: "modpy-status", serve: (*rstate).serveStatus},
		{name: "server-status", serve: (*rstate).serveStatus},
		{name: "modpy-metrics", serve: (*rstate).serveMetrics},
	},
}
