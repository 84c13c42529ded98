"""A small Flask app for modpy's end-to-end tests (tests/flask_test.go).

It runs unchanged under gunicorn, wsgiref and mod_wsgi: flask.wsgi is the
script WSGIScriptAlias points at; mod_python.wsgi imports this module's
`app` directly.
"""
import hashlib
import os
import sys
import time

from flask import Flask, Response, redirect, request, session, url_for

app = Flask(__name__)
app.secret_key = b"modpy flask test key"

HERE = os.path.dirname(os.path.abspath(__file__))
RELEASE = os.path.join(HERE, "stream.release")


def interpreter():
    """The modpy interpreter this runs in, or "-" outside modpy."""
    try:
        from mod_python import apache
        return apache.interpreter
    except ImportError:
        return "-"


def text(body, status=200):
    return Response(body, status=status, mimetype="text/plain")


@app.route("/")
def index():
    env = request.environ
    return text("flask hello\nscript_name=%s\npath_info=%s\ninterpreter=%s\n"
                "application_group=%s\ndjango_loaded=%s\n" % (
                    env.get("SCRIPT_NAME"), env.get("PATH_INFO"), interpreter(),
                    env.get("mod_wsgi.application_group", "-"),
                    "django" in sys.modules))


@app.route("/hello/<name>")
def hello(name):
    return text("hello %s, q=%s\n" % (name, request.args.get("q", "")))


@app.route("/redirect")
def go_home():
    return redirect(url_for("hello", name="redirected"))


@app.route("/boom")
def boom():
    raise RuntimeError("flask boom marker")


@app.route("/form", methods=["POST"])
def form():
    f = request.form
    return text("name=%s\ntags=%s\n" % (f.get("name"), ",".join(f.getlist("tag"))))


@app.route("/upload", methods=["POST"])
def upload():
    lines = ["title=%s" % request.form.get("title")]
    for field in sorted(request.files):
        up = request.files[field]
        data = up.read()
        lines.append("%s: %s %d %s" % (field, up.filename, len(data),
                                        hashlib.sha256(data).hexdigest()))
    return text("\n".join(lines) + "\n")


@app.route("/cookie/set")
def cookie_set():
    resp = text("set\n")
    resp.set_cookie("flavour", request.args.get("v", "plain"), path="/")
    resp.set_cookie("second", "two", httponly=True)
    return resp


@app.route("/cookie/get")
def cookie_get():
    return text("flavour=%s\n" % request.cookies.get("flavour"))


@app.route("/session")
def counter():
    session["n"] = session.get("n", 0) + 1
    return text("n=%d\n" % session["n"])


@app.route("/stream")
def stream():
    """Yields a first line at once, then waits (at most 20 s) for the test
    to create stream.release: a server that holds chunks back until the
    generator ends makes the test see "timeout"."""
    def generate():
        yield "first\n"
        deadline = time.monotonic() + 20
        while not os.path.exists(RELEASE):
            if time.monotonic() > deadline:
                yield "last: timeout\n"
                return
            time.sleep(0.02)
        yield "last: released\n"
    return Response(generate(), mimetype="text/plain")
