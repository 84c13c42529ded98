from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write("interpreter: %s\n" % req.interpreter)
    req.write("option greeting: %s\n" % req.get_options().get("greeting"))
    return apache.OK
