"""mod_python.util example (docs/util.md): a form with a file upload.

GET shows the form; POST lists what came, in order. The uploaded file is
never read into memory: FieldStorage streamed it to a temporary file, and
this handler reads it a megabyte at a time to count and checksum it.
"""

import hashlib
import html

from mod_python import apache, util

FORM = """<!DOCTYPE html>
<html><head><title>mod_python.util example</title></head><body>
<h1>Upload</h1>
<form method="post" enctype="multipart/form-data" action="./">
<p>Name: <input name="name"> Colours: <input type="checkbox" name="colour" value="red"> red
<input type="checkbox" name="colour" value="blue"> blue</p>
<p>File: <input type="file" name="file"></p>
<p><input type="submit"></p>
</form>
<p><a href="./?go=1">util.redirect back to the home page</a></p>
</body></html>
"""


def handler(req):
    form = util.FieldStorage(req, keep_blank_values=1)
    if form.getfirst("go"):
        util.redirect(req, "/")  # raises: the response is a 302
    req.content_type = "text/html; charset=utf-8"
    if req.method != "POST":
        req.write(FORM)
        return apache.OK

    req.write("<!DOCTYPE html>\n<html><body><h1>Received</h1>\n<ul>\n")
    req.write("<li>name: %s</li>\n" % html.escape(form.getfirst("name", "")))
    req.write("<li>colours: %s</li>\n" % html.escape(", ".join(form.getlist("colour"))))
    upload = form.get("file")
    if upload is not None and upload.filename:
        digest, size = hashlib.sha256(), 0
        upload.file.seek(0)
        while True:
            block = upload.file.read(1 << 20)
            if not block:
                break
            digest.update(block)
            size += len(block)
        # upload.filename is what the browser said: show it, never use it
        # as a path.
        req.write("<li>file: %s, %s, %d bytes, sha256 %s</li>\n" % (
            html.escape(upload.filename), html.escape(upload.type), size, digest.hexdigest()))
    req.write("</ul>\n<p><a href=\"./\">again</a></p></body></html>\n")
    return apache.OK
