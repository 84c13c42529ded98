"""mod_python.publisher example (docs/publisher.md).

    /pub/                -> index(req)
    /pub/greet?name=you  -> greet(name="you")
    /pub/admin           -> admin(req), behind Basic authentication
    /pub/clock/now       -> clock.now()
"""

import time

_PAGE = """<!DOCTYPE html>
<html><head><title>mod_python.publisher example</title></head><body>
<h1>Publisher</h1>
<form action="greet" method="post">Name: <input name="name"> <input type="submit"></form>
<p><a href="clock/now">clock/now</a> &middot; <a href="admin">admin</a> (user admin, password secret)</p>
</body></html>
"""


def index(req):
    return _PAGE  # ends with </html>: published as text/html


def greet(name="world"):
    return "Hello, %s!" % name  # text/plain


def admin(req):
    __auth_realm__ = "modpy example"
    __auth__ = {"admin": "secret"}
    __access__ = ["admin"]
    return "Welcome, admin."


class Clock:
    def now(self):
        return time.strftime("%Y-%m-%d %H:%M:%S")


clock = Clock()
