"""mod_python.Cookie: a plain cookie and a signed MarshalCookie.

The secret comes from PythonOption mod_python.cookie.secret (site.conf), so
get_cookies and add_cookie need no secret= argument. Try editing the "prefs"
cookie in your browser: the next visit reports it as tampered with.
"""
import time

from mod_python import apache, Cookie


def handler(req):
    req.content_type = "text/plain"
    cookies = Cookie.get_cookies(req, Cookie.MarshalCookie)
    prefs = cookies.get("prefs")
    if prefs is None:
        # Any marshallable value: signed, so the client cannot change it.
        prefs = Cookie.MarshalCookie("prefs", {"visits": 1, "colour": "white"}, path="/cookie/")
        note = "no prefs cookie yet: one was set"
    elif type(prefs) is not Cookie.MarshalCookie:
        # A cookie whose signature fails comes back as a plain Cookie.
        prefs = Cookie.MarshalCookie("prefs", {"visits": 1, "colour": "white"}, path="/cookie/")
        note = "the prefs cookie was tampered with: it was replaced"
    else:
        prefs.value["visits"] += 1
        note = "prefs cookie: %r" % (prefs.value,)
    prefs.path = "/cookie/"
    Cookie.add_cookie(req, prefs)
    # A plain cookie that expires in five minutes.
    Cookie.add_cookie(req, "last_visit", time.strftime("%H:%M:%S"), path="/cookie/",
                      expires=time.time() + 300, httponly=True)
    req.write(note + "\n")
    last = cookies.get("last_visit")
    if last is not None:
        req.write("last visit: %s\n" % last.value)
    return apache.OK
