// Package apexpr is Apache's expression language (ap_expr) as the
// directives modpy has use it: Header and RequestHeader's expr= conditions
// and values, SetEnvIfExpr. An expression is parsed once, when the
// configuration is loaded (a syntax error, an unknown variable, function
// or operator is an error then, as in Apache), and evaluated per request
// against an Env, which the server implements.
//
// It has ap_expr's grammar: true, false, !, &&, ||, and, or, not,
// parentheses; the string comparisons ==, !=, <, <=, >, >= and the
// integer ones -eq, -ne, -lt, -le, -gt, -ge (eq, ne... too); =~ and !~
// with /regex/ or m#regex# (flag i), whose groups are $0..$9 afterwards;
// in {list}; the unary operators -n, -z, -T, -R, -d, -e, -f, -s, -L, -h,
// -x and the binary -ipmatch, -strmatch, -strcmatch, -fnmatch; words:
// numbers, '...' and "..." strings (with escapes, %{...} and $N inside),
// %{VARIABLE}, %{func:arg}, func(word), word.word (concatenation); the
// request variables Apache defines (REQUEST_URI, HTTP_HOST, REMOTE_ADDR,
// HTTPS, TIME_*, ..., mod_ssl's SSL_*) and the functions req, http, req_novary, resp,
// reqenv, note, env, osenv, tolower, toupper, escape, unescape, base64,
// unbase64, md5, sha1. Not there (an error naming them): -F, -U, -A
// (subrequests), file() and filesize(), ldap(), list functions.
// Regular expressions are Go's (RE2).
//
// It must not know the server or the configuration: what it reads of a
// request comes through Env. It reads the file system only for the file
// test operators, at evaluation.
package apexpr
