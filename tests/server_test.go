package tests

import (
	"testing"
)

// The server object (apache.main_server, req.server,
// req.connection.base_server): get_options() and get_config() are the
// server's own scope, as mod_python 3.5's per-server configuration, and
// Python may write to them (issue 12).

const serverTablesMod = `from mod_python import apache

def record():
    # a PythonImport function that notes it ran, as mod_python's own tests do
    apache.main_server.get_options()["imported"] = apache.interpreter

def _t(t):
    return ",".join("%s=%s" % kv for kv in sorted(t.items()))

def handler(req):
    req.content_type = "text/plain"
    if req.args == "write":
        req.server.get_options()["written"] = "yes"
    for name, s in [("main", apache.main_server), ("server", req.server),
                    ("base", req.connection.base_server)]:
        req.write("%s options %s\n" % (name, _t(s.get_options())))
        req.write("%s config %s\n" % (name, _t(s.get_config())))
        req.write("%s hostname %s\n" % (name, s.server_hostname))
    req.write("req options %s\n" % _t(req.get_options()))
    req.write("req debug %s\n" % req.get_config().get("PythonDebug"))
    return apache.OK
`

// TestServerGetOptionsAndConfig: each server's tables hold what its own
// scope sets (a vhost's merged over the main server's); a <Directory>'s
// settings are the request's only; connection.base_server is the server
// the address alone picks (the first vhost); main_server's table is
// writable from PythonImport and the write is seen by later requests of
// every interpreter, without touching other servers' tables or
// req.get_options().
func TestServerGetOptionsAndConfig(t *testing.T) {
	s := startSite(t, `PythonPath "sys.path+['{{DIR}}/py']"
PythonImport srvtables::record main_interpreter
PythonImport srvtables::record other
PythonOption top 1
PythonOption both main
<VirtualHost *:{{PORT}}>
    ServerName first.example
    PythonOption firstonly 1
</VirtualHost>
<VirtualHost *:{{PORT}}>
    ServerName second.example
    PythonDebug On
    PythonInterpPerDirectory On
    PythonOption both vhost
    PythonOption global 1
    <Directory {{DIR}}/htdocs>
        SetHandler mod_python
        PythonHandler srvtables
        PythonDebug Off
        PythonOption local 1
        PythonOption both dir
        PythonInterpreter other
    </Directory>
</VirtualHost>
`, map[string]string{"py/srvtables.py": serverTablesMod})
	body := s.mustGet("/x", "Host", "second.example")
	for _, want := range []string{
		"main options both=main,imported=other,top=1\n",
		"main config PythonPath=sys.path+['" + s.Dir + "/py']\n",
		"main hostname localhost\n",
		"server options both=vhost,global=1,top=1\n",
		"server config PythonDebug=1,PythonPath=sys.path+['" + s.Dir + "/py']\n",
		"server hostname second.example\n",
		"base options both=main,firstonly=1,top=1\n",
		"base hostname first.example\n",
		"req options both=dir,global=1,local=1,top=1\n",
		"req debug 0\n",
	} {
		contains(t, "tables", body, want)
	}
	// a request's write to its server's table stays in that table
	s.mustGet("/x?write", "Host", "second.example")
	body = s.mustGet("/x", "Host", "second.example")
	contains(t, "after a write", body, "server options both=vhost,global=1,top=1,written=yes\n")
	contains(t, "after a write", body, "main options both=main,imported=other,top=1\n")
	contains(t, "after a write", body, "req options both=dir,global=1,local=1,top=1\n")
}
