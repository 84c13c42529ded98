"""mod_python.util as modpy provides it: forms, query strings, redirects.

FieldStorage parses the query string and a POST body (urlencoded or
multipart/form-data) into Field objects, in the order the client sent them.
The body is read in blocks of at most READ_BLOCK bytes, never whole: an
uploaded file goes straight to a temporary file (or to the file that
file_callback returns), so a 1 GB upload costs 1 GB of disk, not memory.

On Python 3 every key is a str, and so is every plain value (a StringField,
a str subclass). An uploaded file is a Field whose .value is bytes. A
multipart body that breaks the format answers 400 Bad Request.
"""

import codecs
import inspect
import tempfile
import urllib.parse
from io import BytesIO

from mod_python import apache

# How much of the request body is read at a time.
READ_BLOCK = 64 * 1024

# mod_python 3.5's name for its readline limit; kept for code that reads it.
readBlockSize = READ_BLOCK

# The headers of one multipart part may not take more than this.
MAX_PART_HEADERS = 64 * 1024


# ---- query strings ----

def _split_pairs(data):
    """data split at every '&' and ';' (bytes.split runs at memchr's
    speed, a regular expression at a fraction of it)."""
    if b";" in data:
        data = data.replace(b";", b"&")
    return data.split(b"&")


def _unquote_plus(raw):
    """A name or value: '+' is a space, %XX a byte. Plain text (the usual
    long value) is returned as it is, not copied."""
    if b"+" in raw:
        raw = raw.replace(b"+", b" ")
    return urllib.parse.unquote_to_bytes(raw)


_utf8_decoder = codecs.getincrementaldecoder("utf-8")


class _PairReader(object):
    """Splits urlencoded bytes, fed in pieces of any size, into (name,
    value) pairs, unquoted: bytes, or with text=True str (UTF-8, invalid
    sequences replaced by U+FFFD). Finished pairs collect in .pairs.

    Each byte is split, unquoted and decoded once, whatever the length of
    its pair: the parts of a pair cut by the end of a piece are kept in a
    list and joined once when the pair ends, so the work is linear in the
    input. (Prepending what came before to each new piece, or searching
    it again, makes one long field quadratic.)"""

    def __init__(self, keep_blank_values, strict_parsing, text=False):
        self.keep = keep_blank_values
        self.strict = strict_parsing
        self.text = text
        self.pairs = []
        self._reset()

    def _reset(self):
        self.name = []     # the current pair's name, in parts
        self.value = None  # None: no '=' yet; else its value, in parts
        self.raw = False   # the current pair has any bytes at all
        self._start_part()

    def _start_part(self):
        self.carry = b""   # an escape the last piece cut short: '%' or '%X'
        # A UTF-8 sequence may be cut too: an incremental decoder keeps it.
        self.dec = _utf8_decoder("replace").decode if self.text else None

    def feed(self, data):
        """Take the next piece of the input."""
        pieces = _split_pairs(data)
        if pieces[0]:
            self._add(pieces[0], len(pieces) == 1)
        if len(pieces) == 1:
            return
        self._end()
        # The pairs wholly inside this piece, the common case, go straight
        # to the list.
        keep, strict, text, pairs = self.keep, self.strict, self.text, self.pairs
        for i in range(1, len(pieces) - 1):
            name, eq, value = pieces[i].partition(b"=")
            if not eq:
                if not name:
                    continue
                if strict:
                    raise ValueError("bad query field: %r" % (name[:100],))
            if value or keep:
                name, value = _unquote_plus(name), _unquote_plus(value)
                if text:
                    name, value = name.decode("utf-8", "replace"), value.decode("utf-8", "replace")
                pairs.append((name, value))
        if pieces[-1]:
            self._add(pieces[-1], True)

    def close(self):
        """The input is over: end the last pair; the pairs."""
        self._end()
        return self.pairs

    def _add(self, piece, open_end):
        self.raw = True
        if self.value is None:
            name, eq, piece = piece.partition(b"=")
            self._part(self.name, name, open_end and not eq)
            if not eq:
                return
            self._end_part(self.name)
            self.value = []
        self._part(self.value, piece, open_end)

    def _part(self, parts, raw, open_end):
        if self.carry:
            raw, self.carry = self.carry + raw, b""
        if open_end:
            i = raw.rfind(b"%", len(raw) - 2)
            if i >= 0:
                raw, self.carry = raw[:i], raw[i:]
        if raw:
            raw = _unquote_plus(raw)
            parts.append(self.dec(raw) if self.dec else raw)

    def _end_part(self, parts):
        if self.carry:
            self._part(parts, b"", False)
        if self.dec:
            tail = self.dec(b"", True)
            if tail:
                parts.append(tail)
        self._start_part()

    def _end(self):
        if not self.raw:
            return
        name, value = self.name, self.value
        self._end_part(name if value is None else value)
        if value is None and self.strict:
            raise ValueError("bad query field: %r" % (name[0][:100] if name else "",))
        empty = "" if self.text else b""
        name, value = empty.join(name), empty.join(value or ())
        self._reset()
        if value or self.keep:
            self.pairs.append((name, value))


def _qsl_bytes(qs, keep_blank_values, strict_parsing, text=False):
    """parse_qsl on bytes: pairs of unquoted bytes (or str, with text)."""
    r = _PairReader(keep_blank_values, strict_parsing, text)
    r.feed(qs)
    return r.close()


def parse_qsl(qs, keep_blank_values=0, strict_parsing=0):
    """Split a query string into a list of (name, value) pairs, in order.

    Pairs are separated by '&' or ';' (as mod_python 3.5's C version
    does), '+' means a space and %XX escapes are decoded. A pair whose value
    is empty is dropped unless keep_blank_values is true. With
    strict_parsing, a pair without '=' raises ValueError.

    A str query string gives str pairs (the decoded bytes read as UTF-8,
    invalid sequences replaced by U+FFFD); a bytes one gives bytes pairs.
    """
    if qs is None:
        return []
    if isinstance(qs, (bytes, bytearray, memoryview)):
        return _qsl_bytes(bytes(qs), keep_blank_values, strict_parsing)
    if not isinstance(qs, str):
        raise TypeError("parse_qsl: query string must be str or bytes, not %s" % type(qs).__name__)
    return _qsl_bytes(qs.encode("utf-8", "surrogateescape"), keep_blank_values, strict_parsing, True)


def parse_qs(qs, keep_blank_values=0, strict_parsing=0):
    """Parse a query string into a dict: name -> list of values, in order
    (see parse_qsl for the rules)."""
    d = {}
    for k, v in parse_qsl(qs, keep_blank_values, strict_parsing):
        d.setdefault(k, []).append(v)
    return d


# ---- header parameters ----

def _decode_header(b):
    """Header bytes as str: UTF-8 (what browsers send for non-ASCII file
    names), else Latin-1 (every byte maps to one character)."""
    if isinstance(b, str):
        return b
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b.decode("latin-1")


def _split_params(s):
    """Split on ';' outside quoted strings."""
    parts, cur, quoted, i = [], [], False, 0
    while i < len(s):
        c = s[i]
        if quoted and c == "\\" and i + 1 < len(s):
            cur.append(s[i:i + 2])
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        elif c == ";" and not quoted:
            parts.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


def _unquote_param(v):
    v = v.strip()
    if len(v) >= 2 and v[0] == v[-1] == '"':
        v = v[1:-1]
        # Only \" and \\ are escapes: a Windows path ("C:\dir\f.txt") keeps
        # its backslashes.
        v = v.replace('\\\\', '\x00').replace('\\"', '"').replace('\x00', '\\')
    return v


def _rfc2231(v):
    """Decode an RFC 2231/5987 extended value: charset'lang'%XX..."""
    charset, q1, rest = v.partition("'")
    _, q2, text = rest.partition("'")
    if not (q1 and q2):
        return v
    raw = urllib.parse.unquote_to_bytes(text)
    try:
        return raw.decode(charset or "utf-8")
    except (LookupError, UnicodeDecodeError):
        return raw.decode("latin-1")


def parse_header(line):
    """Parse a Content-Type or Content-Disposition like header value:
    returns (value lower-cased, {parameter name lower-cased: value}).

    Quoted values may hold ';'. An extended parameter (filename*=UTF-8''...)
    is decoded and stands in for the plain one. bytes are accepted and
    decoded (UTF-8, else Latin-1); the result is always str.
    """
    line = _decode_header(line)
    parts = _split_params(line)
    key = parts[0].strip().lower()
    pdict, extended = {}, {}
    for p in parts[1:]:
        name, eq, value = p.partition("=")
        if not eq:
            continue
        name = name.strip().lower()
        if name.endswith("*"):
            extended[name[:-1]] = _rfc2231(value.strip().strip('"'))
        else:
            pdict[name] = _unquote_param(value)
    pdict.update(extended)
    return key, pdict


# ---- fields ----

class Field(object):
    """One form field that came as a file part of a multipart body (or a
    field made by hand). Attributes: name, filename, file, type,
    type_options, disposition, disposition_options, headers, and value: the
    file's whole content as bytes, read when asked for."""

    filename = None
    file = None
    type = None
    type_options = {}
    disposition = None
    disposition_options = {}
    headers = {}

    def __init__(self, name, *args, **kwargs):
        self.name = name
        if args or kwargs:
            # mod_python 3.5's old constructor, which some code still uses:
            # Field(name, file, ctype, type_options, disp, disp_options[, headers]).
            self._old_init(*args, **kwargs)

    def _old_init(self, file, ctype, type_options, disp, disp_options, headers=None):
        self.file = file
        self.type = ctype
        self.type_options = type_options
        self.disposition = disp
        self.disposition_options = disp_options
        self.filename = disp_options.get("filename")
        self.headers = headers if headers is not None else {}

    def __getattr__(self, name):
        # value is read from the file on demand (and not kept: a large
        # upload stays on disk until someone asks for all of it).
        if name != "value":
            raise AttributeError(name)
        f = self.__dict__.get("file")
        if f is None:
            return None
        f.seek(0)
        data = f.read()
        f.seek(0)
        return data

    def __repr__(self):
        return "Field(%r, %r)" % (self.name, self.value)


class StringField(str):
    """A plain (non-file) form value: a str, with the attributes a Field
    has. .value is the value as a plain str; .file a binary file of it
    (UTF-8)."""

    filename = None
    type = "text/plain"
    type_options = {}
    disposition = None
    disposition_options = {}
    headers = {}
    name = None

    def __new__(cls, value=""):
        if isinstance(value, (bytes, bytearray)):
            value = bytes(value).decode("utf-8", "replace")
        return str.__new__(cls, value)

    def __init__(self, value=""):
        # The str it was made from, if it was one (no second copy of a
        # long value), else a plain copy of itself.
        self.value = value if type(value) is str else str.__str__(self)

    def __getattr__(self, name):
        if name != "file":
            raise AttributeError(name)
        f = self.file = BytesIO(self.value.encode("utf-8"))
        return f

    def __repr__(self):
        return "Field(%r, %r)" % (self.name, self.value)


class FieldList(list):
    """FieldStorage.list: the fields in the order they came. Code may
    append to it directly; the name index is rebuilt after any change."""

    def __init__(self, *args):
        list.__init__(self, *args)
        self._index = None

    def table(self):
        """{name: [field, ...]} in order."""
        if self._index is None:
            index = {}
            for item in self:
                index.setdefault(item.name, []).append(item)
            self._index = index
        return self._index

    def _changed(self):
        self._index = None


def _invalidating(name):
    method = getattr(list, name)

    def wrapper(self, *args):
        self._index = None
        return method(self, *args)
    wrapper.__name__ = name
    return wrapper


for _m in ("__setitem__", "__delitem__", "__iadd__", "__imul__", "append",
           "extend", "insert", "pop", "remove", "clear", "sort", "reverse"):
    setattr(FieldList, _m, _invalidating(_m))
del _m


class _BadBody(Exception):
    """The multipart body breaks the format: the client gets 400."""


class _Body(object):
    """The request body, read a block at a time: Content-Length bytes, or
    (a chunked body) until the server says it is over."""

    def __init__(self, req, length):
        self._req = req
        self._left = length  # None: chunked, read to the end

    def read(self):
        if self._left is None:
            return self._req.read(READ_BLOCK)
        if self._left <= 0:
            return b""
        b = self._req.read(min(READ_BLOCK, self._left))
        self._left -= len(b)
        if not b:
            self._left = 0
        return b

    def drain(self):
        while self.read():
            pass


class FieldStorage(object):
    """The fields of a request: the query string's, then the POST body's
    (application/x-www-form-urlencoded or multipart/form-data).

    FieldStorage(req, keep_blank_values=0, strict_parsing=0,
                 file_callback=None, field_callback=None)

    file_callback(filename) returns the binary file an upload is written
    to (default: an anonymous temporary file); field_callback() the one a
    plain multipart value is written to (default: memory).

    A POST with neither Content-Length nor a chunked body answers 411, one
    of another content type 501, a malformed multipart body 400. A body
    past LimitRequestBody makes req.read raise; the server answers 413.
    """

    def __init__(self, req, keep_blank_values=0, strict_parsing=0,
                 file_callback=None, field_callback=None):
        self.list = FieldList()
        self._keep_blank = keep_blank_values
        self._strict = strict_parsing

        if req.args:
            self._add_pairs(req.args)

        if req.method != "POST":
            return

        length = None
        clen = req.headers_in.get("Content-Length")
        if clen is not None:
            try:
                length = int(clen)
                if length < 0:
                    raise ValueError(clen)
            except ValueError:
                raise apache.SERVER_RETURN(apache.HTTP_BAD_REQUEST)
        elif "chunked" not in req.headers_in.get("Transfer-Encoding", "").lower():
            raise apache.SERVER_RETURN(apache.HTTP_LENGTH_REQUIRED)
        body = _Body(req, length)

        ctype = req.headers_in.get("Content-Type", "application/x-www-form-urlencoded")
        ctype, options = parse_header(ctype)
        if ctype == "application/x-www-form-urlencoded":
            self._read_urlencoded(body)
        elif ctype.startswith("multipart/"):
            boundary = options.get("boundary", "")
            if not boundary or len(boundary) > 200:
                raise apache.SERVER_RETURN(apache.HTTP_BAD_REQUEST)
            try:
                _MultipartReader(body, boundary.encode("latin-1", "replace"),
                                 file_callback, field_callback, self.list).run()
            except _BadBody as e:
                req.log_error("mod_python.util.FieldStorage: malformed multipart body: %s" % e,
                              apache.APLOG_INFO)
                raise apache.SERVER_RETURN(apache.HTTP_BAD_REQUEST)
        else:
            raise apache.SERVER_RETURN(apache.HTTP_NOT_IMPLEMENTED)

    # -- parsing --

    def _add_pairs(self, qs):
        if isinstance(qs, str):
            qs = qs.encode("utf-8", "surrogateescape")
        reader = self._reader()
        self._feed(reader, qs)
        self._feed(reader, None)

    def _reader(self):
        return _PairReader(self._keep_blank, self._strict, text=True)

    def _feed(self, reader, data):
        """Parse data (None: the end) and add the fields it finished."""
        try:
            if data is None:
                reader.close()
            else:
                reader.feed(data)
        except ValueError:
            raise apache.SERVER_RETURN(apache.HTTP_BAD_REQUEST)
        for k, v in reader.pairs:
            self.add_field(k, v)
        reader.pairs = []

    def _read_urlencoded(self, body):
        # A block at a time, so the body is never held whole; a pair cut
        # by a block boundary is finished with the next block, never
        # rescanned (see _PairReader).
        reader = self._reader()
        while True:
            block = body.read()
            if not block:
                break
            self._feed(reader, block)
        self._feed(reader, None)

    # -- the mapping --

    def add_field(self, key, value):
        """Append a plain field."""
        item = StringField(value)
        item.name = _decode_header(key)
        self.list.append(item)

    def __getitem__(self, key):
        """The field, or a list of fields if the name came more than once.
        KeyError if it did not come."""
        found = self.list.table()[key]
        return found[0] if len(found) == 1 else found

    def __setitem__(self, key, value):
        """Replace every field called key with one plain field."""
        if key in self.list.table():
            del self[key]
        self.add_field(key, value)

    def __delitem__(self, key):
        gone = set(map(id, self.list.table()[key]))
        self.list[:] = [f for f in self.list if id(f) not in gone]

    def get(self, key, default=None):
        try:
            return self[key]
        except (KeyError, TypeError):
            return default

    def getfirst(self, key, default=None):
        """The first value sent for key, or default."""
        found = self.list.table().get(key)
        return found[0] if found else default

    def getlist(self, key):
        """Every value sent for key, in order ([] if none)."""
        return list(self.list.table().get(key, ()))

    def keys(self):
        """The field names, in the order they first came."""
        return list(self.list.table().keys())

    def items(self):
        """(name, field) for every field, in the order they came (a
        repeated name appears more than once)."""
        return [(item.name, item) for item in self.list]

    def has_key(self, key):
        return key in self.list.table()

    __contains__ = has_key

    def __len__(self):
        """The number of distinct field names."""
        return len(self.list.table())

    def __iter__(self):
        return iter(self.keys())

    def clear(self):
        self.list = FieldList()

    def __repr__(self):
        return repr(self.list.table())


class _MultipartReader(object):
    """A streaming multipart/form-data parser. The body goes through a
    buffer of about READ_BLOCK bytes; each part's content is written to
    its file as soon as it is known not to hold the next delimiter."""

    def __init__(self, body, boundary, file_callback, field_callback, out):
        self.body = body
        # The delimiter is CRLF "--" boundary; a bare LF is tolerated.
        self.marker = b"\n--" + boundary
        self.file_callback = file_callback if callable(file_callback) else None
        self.field_callback = field_callback if callable(field_callback) else None
        self.out = out
        # The CRLF in front lets the first delimiter match at the very
        # start of the body.
        self.buf = bytearray(b"\r\n")
        self.eof = False

    def fill(self):
        """Read one more block into the buffer; False at the end."""
        if self.eof:
            return False
        b = self.body.read()
        if not b:
            self.eof = True
            return False
        self.buf += b
        return True

    def run(self):
        # Skip the preamble up to the first delimiter.
        if not self.scan(None):
            return
        while True:
            headers = self.read_headers()
            last = not self.read_part(headers)
            if last:
                break
        self.body.drain()  # the epilogue

    def scan(self, sink):
        """Move the bytes before the next delimiter to sink (None: drop
        them) and consume the delimiter. True if a part follows, False if
        it was the closing delimiter."""
        marker = self.marker
        keep = len(marker) + 1
        start = 0
        while True:
            i = self.buf.find(marker, start)
            if i < 0:
                # Keep a tail that could be the start of the delimiter.
                n = len(self.buf) - keep
                if n > 0:
                    if sink is not None:
                        sink.write(self.buf[:n])
                    del self.buf[:n]
                start = 0
                if not self.fill():
                    raise _BadBody("the body ends inside a part (no closing delimiter)")
                continue
            j = i + len(marker)
            while len(self.buf) < j + 2 and self.fill():
                pass
            after = bytes(self.buf[j:j + 2])
            if after == b"--":
                closing = True
            elif after[:1] in (b"\r", b"\n", b" ", b"\t"):
                closing = False
            elif len(after) < 2 and after in (b"", b"-"):
                raise _BadBody("the body ends inside a delimiter")
            else:
                # The boundary text followed by something else: content.
                start = i + 1
                continue
            end = i - 1 if i > 0 and self.buf[i - 1] == 0x0D else i
            if sink is not None:
                sink.write(self.buf[:end])
            del self.buf[:j]
            if closing:
                return False
            self.skip_padding()
            return True

    def skip_padding(self):
        """After a delimiter: optional spaces or tabs, then CRLF (or LF)."""
        while True:
            k = self.buf.find(b"\n")
            if k >= 0:
                if self.buf[:k].strip(b" \t\r"):
                    raise _BadBody("junk after a delimiter")
                del self.buf[:k + 1]
                return
            if len(self.buf) > 1024 or not self.fill():
                raise _BadBody("no line end after a delimiter")

    def read_headers(self):
        """The part's header lines up to the blank line: [(name, value)]."""
        # Line by line, each searched once: searching the whole buffer for
        # a blank line cost a scan of up to a block per part.
        pos = 0  # where the next line starts
        while True:
            k = self.buf.find(b"\n", pos)
            if k < 0:
                if len(self.buf) > MAX_PART_HEADERS:
                    raise _BadBody("part headers longer than %d bytes" % MAX_PART_HEADERS)
                if not self.fill():
                    raise _BadBody("the body ends inside part headers")
                continue
            if k == pos or (k == pos + 1 and self.buf[pos] == 0x0D):
                block = bytes(self.buf[:pos]).rstrip(b"\r\n")
                del self.buf[:k + 1]
                break
            pos = k + 1
            if pos > MAX_PART_HEADERS:
                raise _BadBody("part headers longer than %d bytes" % MAX_PART_HEADERS)
        if not block:
            return []
        headers = []  # (name, [value, continuation lines...])
        for line in block.replace(b"\r\n", b"\n").split(b"\n"):
            if line[:1] in (b" ", b"\t") and headers:
                headers[-1][1].append(line.strip())
                continue
            name, colon, value = line.partition(b":")
            if not colon or not name.strip():
                raise _BadBody("a part header line without a name: %r" % line[:80])
            headers.append((name.strip(), [value.strip()]))
        return [(name, b" ".join(value)) for name, value in headers]

    def read_part(self, raw_headers):
        """Read one part into a new field; True if more parts follow."""
        table = apache.make_table()
        ctype, type_options = "text/plain", {}
        disp, disp_options = None, {}
        for name, value in raw_headers:
            name, value = _decode_header(name), _decode_header(value)
            table.add(name, value)
            lname = name.lower()
            if lname == "content-disposition":
                disp, disp_options = parse_header(value)
            elif lname == "content-type":
                ctype, type_options = parse_header(value)
                if "/" not in ctype:
                    # What IE 6 sent for a file without a suffix.
                    ctype = "application/octet-stream"
        if disp is None or "name" not in disp_options:
            raise _BadBody("a part without Content-Disposition and a name")
        name = disp_options["name"]
        filename = disp_options.get("filename")

        if filename is not None:
            if self.file_callback is not None:
                f = self.file_callback(filename)
            else:
                f = tempfile.TemporaryFile("w+b")
        elif self.field_callback is not None:
            f = self.field_callback()
        else:
            f = BytesIO()

        more = self.scan(f)
        f.seek(0)

        if filename is not None:
            field = Field(name)
            field.filename = filename
        else:
            data = f.read()
            if isinstance(data, (bytes, bytearray)):
                charset = type_options.get("charset", "utf-8")
                try:
                    codecs.lookup(charset)
                except LookupError:
                    charset = "utf-8"
                data = bytes(data).decode(charset, "replace")
            f.seek(0)
            field = StringField(data)
            field.name = name
        field.file = f
        field.type = ctype
        field.type_options = type_options
        field.disposition = disp
        field.disposition_options = disp_options
        field.headers = table
        self.out.append(field)
        return more


# ---- calling with form data ----

def _accepted_args(obj):
    """(names obj takes by keyword, whether it takes **kw); None if obj's
    signature cannot be known (a builtin): then it gets no arguments."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    names, var_kw = set(), False
    for p in sig.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            var_kw = True
        elif p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            names.add(p.name)
    return names, var_kw


def apply_fs_data(object, fs, **args):
    """Call object with the form's fields as keyword arguments, plus args
    (e.g. req=req), and return its result.

    A field sent once gives its value (a str; an upload gives its Field), a
    field sent more than once a list. Fields object does not take are
    dropped unless it takes **kw. A field never replaces an argument given
    in args.
    """
    form = {}
    for field in fs.list:
        if field.name is None or field.name in args:
            continue
        form.setdefault(field.name, []).append(field if field.filename else field.value)
    for name, values in form.items():
        args[name] = values[0] if len(values) == 1 else values
    accepted = _accepted_args(object)
    if accepted is None:
        args = {}
    elif not accepted[1]:
        args = dict((k, v) for k, v in args.items() if k in accepted[0])
    return object(**args)


# ---- redirect ----

def _req_field(req, name):
    """A request field apache.request keeps private (e.g. _headers_sent)."""
    return apache._req_get(req._h, apache._F[name])


def redirect(req, location, permanent=0, text=None):
    """Send the client to location: 302 (301 if permanent) with a
    Location header and a short page (or text), then end the request
    (raises apache.SERVER_RETURN(apache.DONE)). Raises IOError if part of
    the response already went out."""
    if not isinstance(location, str):
        raise TypeError("location must be a str")
    if "\r" in location or "\n" in location:
        raise ValueError("location must not contain line breaks")
    if _req_field(req, "_headers_sent") or req.bytes_sent > 0:
        raise IOError("Cannot redirect after headers have already been sent.")
    req.err_headers_out["Location"] = location
    req.status = apache.HTTP_MOVED_PERMANENTLY if permanent else apache.HTTP_MOVED_TEMPORARILY
    if not _req_field(req, "_content_type_set"):
        req.content_type = "text/html"
    if text is None:
        import html
        text = '<p>The document has moved <a href="%s">here</a></p>\n' % html.escape(location)
    req.write(text)
    raise apache.SERVER_RETURN(apache.DONE)
