# A CGI script run by mod_python.cgihandler (docs/cgihandler.md): it
# prints headers, a blank line and the body, as it would under any CGI
# server, but runs inside modpy's interpreter.
import html
import os

print("Content-Type: text/html")
print()
print("<h1>CGI</h1>")
print("<p>QUERY_STRING: %s</p>" % html.escape(os.environ.get("QUERY_STRING", "")))
print("<p>GATEWAY_INTERFACE: %s</p>" % os.environ["GATEWAY_INTERFACE"])
