from mod_python import apache

import MyModule


def handler(req):
    req.content_type = "text/plain"
    req.write("interpreter: %s\n" % req.interpreter)
    req.write("MyModule says: %s\n" % MyModule.whoami())
    req.write("uri: %s\nfilename: %s\n" % (req.uri, req.filename))
    return apache.OK
