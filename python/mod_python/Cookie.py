"""mod_python.Cookie: HTTP cookies, as in mod_python 3.5, working on Python 3.

Cookie is one cookie (not a dict of morsels as http.cookies has). str() of
a cookie is a Set-Cookie header value. SignedCookie prefixes the value with
an HMAC-MD5 hex digest of name + value under a secret (mod_python's wire
format); MarshalCookie stores any marshallable value, signed, and never
unmarshals data whose signature does not verify.

modpy's differences from 3.5 are listed in docs/compatibility.md: signing
works on Python 3 (str or bytes secrets, compared in constant time), a
secret can come from PythonOption mod_python.cookie.secret, max_age is sent
as Max-Age, and names or values that would break the header are refused.
"""

import base64
import binascii
import calendar
import hashlib
import hmac
import marshal
import re
import time

__all__ = ["CookieError", "Cookie", "SignedCookie", "MarshalCookie",
           "add_cookie", "get_cookies", "get_cookie"]

# The PythonOption a signed cookie's secret comes from when none is given.
SECRET_OPTION = "mod_python.cookie.secret"


class CookieError(Exception):
    pass


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_NETSCAPE_DATE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d)[- ](Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r"[- ](\d{4}) (\d\d):(\d\d):(\d\d) GMT\Z")


def _format_expires(t):
    """Netscape's cookie date, 'Wdy, DD-Mon-YYYY HH:MM:SS GMT', in English
    whatever the locale."""
    g = time.gmtime(t)
    return "%s, %02d-%s-%04d %02d:%02d:%02d GMT" % (
        _DAYS[g.tm_wday], g.tm_mday, _MONTHS[g.tm_mon - 1], g.tm_year, g.tm_hour, g.tm_min, g.tm_sec)


# What may not appear in a name or value: it would end the header or the
# cookie (CR, LF, NUL and the other controls; ';' only in names).
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_BAD_NAME = re.compile(r"[\x00-\x20\x7f;,=\"]")


class Cookie(object):
    """One cookie: name, value and the attributes below. Setting any other
    attribute raises AttributeError, as 3.5's __slots__ did."""

    DOWNGRADE = 0
    IGNORE = 1
    EXCEPTION = 3

    # Attributes in the order str() writes them.
    _valid_attr = ("version", "path", "domain", "secure", "comment", "expires",
                   "max_age", "samesite", "commentURL", "discard", "port", "httponly")
    _flags = ("secure", "discard", "httponly")
    # How an attribute is spelled in Set-Cookie (3.5 wrote "max_age=",
    # which no browser knows).
    _header_name = {"max_age": "Max-Age"}

    __slots__ = _valid_attr[:5] + _valid_attr[6:] + ("name", "value", "_expires", "__data__")

    @classmethod
    def parse(Class, str, **kw):
        """A Cookie or Set-Cookie header value (without the header name) as
        a dict name -> Class instance. Names starting with '$' (RFC 2965
        attributes) are dropped; of repeated names the last wins."""
        return _parse_cookie(str, Class, **kw)

    def __init__(self, name, value, **kw):
        self.name, self.value = name, value
        for k in kw:
            setattr(self, k.lower() if k.lower() != "commenturl" else "commentURL", kw[k])
        # for subclasses' own use
        self.__data__ = {}

    def _get_expires(self):
        return self._expires

    def _set_expires(self, value):
        """A number (seconds since the epoch) or a date string as Netscape's
        spec writes it ('Wdy, DD-Mon-YYYY HH:MM:SS GMT'); else ValueError."""
        if isinstance(value, str):
            m = _NETSCAPE_DATE.match(value)
            if not m:
                raise ValueError("Invalid expires time: %s" % value)
            day, mon, year, hh, mm, ss = m.groups()
            try:
                t = calendar.timegm((int(year), _MONTHS.index(mon) + 1, int(day),
                                     int(hh), int(mm), int(ss), 0, 0, 0))
                value = _format_expires(t)
            except (ValueError, OverflowError):
                raise ValueError("Invalid expires time: %s" % value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            value = _format_expires(value)
        else:
            raise ValueError("Invalid expires time: %r" % (value,))
        self._expires = value

    expires = property(_get_expires, _set_expires)

    def _check(self, value):
        name = self.name
        if not isinstance(name, str) or not name or _BAD_NAME.search(name):
            raise CookieError("Invalid cookie name: %r" % (name,))
        if _BAD_VALUE.search(value):
            raise CookieError("Invalid characters in the value of cookie %s" % name)
        return value

    def _attrs(self):
        out = []
        for name in self._valid_attr:
            if name in self._flags:
                if getattr(self, name, None):
                    out.append(name)
                continue
            try:
                v = getattr(self, name)
            except AttributeError:
                continue
            v = "%s" % (v,)
            if _BAD_VALUE.search(v) or ";" in v:
                raise CookieError("Invalid value for cookie attribute %s: %r" % (name, v))
            out.append("%s=%s" % (self._header_name.get(name, name), v))
        return out

    def _wire_value(self):
        return "%s" % (self.value,)

    def __str__(self):
        """The Set-Cookie header value. Values are not quoted (browsers
        disagree about quotes), as in 3.5."""
        return "; ".join(["%s=%s" % (self.name, self._check(self._wire_value()))] + self._attrs())

    def __repr__(self):
        return "<%s: %s>" % (self.__class__.__name__, str(self))


def _key(secret):
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not isinstance(secret, (bytes, bytearray)) or not secret:
        raise CookieError("Cannot sign without a secret (a non-empty str or bytes)")
    return bytes(secret)


def _sign(secret, name, value):
    """3.5's signature: the hex HMAC-MD5 of name + value under secret."""
    mac = hmac.new(_key(secret), name.encode("utf-8", "surrogateescape"), hashlib.md5)
    mac.update(value.encode("utf-8", "surrogateescape"))
    return mac.hexdigest()


class SignedCookie(Cookie):
    """A Cookie whose value travels as HMAC(secret, name + value) in hex
    (32 characters) followed by the value. It is not encrypted: the value
    is readable, but cannot be changed without the secret."""

    __slots__ = ()

    @classmethod
    def parse(Class, s, secret=None, mismatch=Cookie.DOWNGRADE, **kw):
        """As Cookie.parse, checking each signature: a cookie that fails is
        returned as a plain Cookie (DOWNGRADE, the default: check the type),
        dropped (IGNORE) or raises CookieError (EXCEPTION)."""
        cookies = _parse_cookie(s, Class, **kw)
        for k in list(cookies):
            c = cookies[k]
            raw = c.value
            try:
                c._verify(secret)
            except CookieError:
                if mismatch == Cookie.EXCEPTION:
                    raise
                elif mismatch == Cookie.IGNORE:
                    del cookies[k]
                else:
                    cookies[k] = Cookie(c.name, raw)
        return cookies

    def __init__(self, name, value, secret=None, **kw):
        Cookie.__init__(self, name, value, **kw)
        self.__data__["secret"] = secret

    def hexdigest(self, str):
        return _sign(self.__data__.get("secret"), self.name, str)

    def _wire_value(self):
        value = self._check("%s" % (self.value,))
        return self.hexdigest(value) + value

    def unsign(self, secret):
        """Check the signature of a parsed cookie: on success the value loses
        its signature, else CookieError."""
        sig, val = self.value[:32], self.value[32:]
        good = _sign(secret, self.name, val)
        if len(self.value) < 32 or not hmac.compare_digest(good, sig):
            raise CookieError("Incorrectly Signed Cookie: %s=%s" % (self.name, self.value))
        self.value = val
        self.__data__["secret"] = secret

    _verify = unsign


class MarshalCookie(SignedCookie):
    """A SignedCookie whose value is any marshallable object (str, numbers,
    lists, dicts...): marshal, then base64, then signed. The signature is
    checked before anything is unmarshalled."""

    __slots__ = ()

    def _wire_value(self):
        m = base64.b64encode(marshal.dumps(self.value)).decode("ascii")
        return self.hexdigest(m) + m

    def unmarshal(self, secret):
        self.unsign(secret)
        try:
            data = base64.b64decode(self.value, validate=True)
        except (binascii.Error, ValueError):
            raise CookieError("Cannot base64 Decode Cookie: %s=%s" % (self.name, self.value))
        try:
            self.value = marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            raise CookieError("Cannot Unmarshal Cookie: %s=%s" % (self.name, self.value))

    _verify = unmarshal


# 3.5's pattern (a simplified one of the standard library's): one
# name[=value] pair per match, values quoted or up to the next ';'. Its
# second branch takes a run of spaces that no name follows (before a ';'
# or '=', or at the end) in one match, which finditer steps over. Without
# it the search failed at every space of such a run and started again at
# the next, rescanning the rest of the run each time: quadratic in the
# run's length (an 8 KB Cookie header of spaces took a quarter of a
# second). A run with a comma in it never fails: the last comma becomes
# the name, as in 3.5.
_cookiePattern = re.compile(
    r"(?x)"
    r"[,\ ]*"                     # spaces or commas before a pair
    r"(?P<key>[^;\ =]+)"          # the name: anything but ';', ' ', '='
    r"\ *(=\ *)?"
    r"(?P<val>"
    r'"(?:[^\\"]|\\.)*"'          # a quoted string
    r"|[^;]*"                     # or anything up to ';'
    r")"
    r"\s*;?"
    r"|\ +")                      # spaces before no name: skipped


def _parse_cookie(str, Class, names=None):
    result = {}
    for match in _cookiePattern.finditer(str):
        key, val = match.group("key"), match.group("val")
        if key is not None and key[0] != "$" and (names is None or key in names):
            result[key] = Class(key, val)
    return result


def _option_secret(req, Class, kw):
    if issubclass(Class, SignedCookie) and kw.get("secret") is None:
        secret = req.get_options().get(SECRET_OPTION)
        if secret:
            kw["secret"] = secret


def add_cookie(req, cookie, value="", **kw):
    """Send a cookie: a Cookie instance, or name, value and attributes. The
    first cookie of a response also gets Cache-Control: no-cache="set-cookie"
    so that caches do not store it."""
    if not isinstance(cookie, Cookie):
        cookie = Cookie(cookie, value, **kw)
    elif isinstance(cookie, SignedCookie) and not cookie.__data__.get("secret"):
        secret = req.get_options().get(SECRET_OPTION)
        if secret:
            cookie.__data__["secret"] = secret
    header = str(cookie)
    if "Set-Cookie" not in req.headers_out:
        req.headers_out.add("Cache-Control", 'no-cache="set-cookie"')
    req.headers_out.add("Set-Cookie", header)


def get_cookies(req, Class=Cookie, **kw):
    """The request's cookies as a dict name -> Class instance; kw go to
    Class.parse (secret= and mismatch= for signed cookies; the secret
    defaults to PythonOption mod_python.cookie.secret)."""
    if "cookie" not in req.headers_in:
        return {}
    cookies = req.headers_in["cookie"]
    if isinstance(cookies, list):
        cookies = "; ".join(cookies)
    _option_secret(req, Class, kw)
    return Class.parse(cookies, **kw)


def get_cookie(req, name, Class=Cookie, **kw):
    """The request's cookie called name as a Class instance, or None."""
    return get_cookies(req, Class, names=[name], **kw).get(name)
