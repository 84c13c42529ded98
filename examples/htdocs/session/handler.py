"""mod_python.Session: a visit counter kept in a session.

Session.Session(req) picks the storage: MemorySession under `modpy -X`,
FileSession when several worker processes serve the site (or the class
PythonOption mod_python.session.session_type names). /session/?logout
ends the session.
"""
from mod_python import apache, Session


def handler(req):
    req.content_type = "text/plain"
    sess = Session.Session(req)
    if req.args == "logout":
        sess.invalidate()
        req.write("session %s ended\n" % sess.id())
        return apache.OK
    sess["visits"] = sess.get("visits", 0) + 1
    sess.save()
    req.write("%s %s\n" % (type(sess).__name__, "new" if sess.is_new() else "resumed"))
    req.write("visits: %d\n" % sess["visits"])
    return apache.OK
