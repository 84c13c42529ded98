// Package passwd checks a password against a hash as htpasswd writes it,
// the way Apache's apr_password_validate does on Unix: bcrypt ("$2y$",
// "$2a$"), Apache's own MD5 ("$apr1$"), "{SHA}" (base64 of SHA-1), and
// anything else handed to the system's crypt(3) (libcrypt: DES, glibc's
// "$5$" SHA-256 and "$6$" SHA-512, and the rest libxcrypt knows). A
// plain-text "hash" never matches, as on Unix Apache.
//
// It owns only that check: it reads no file and knows nothing of
// requests. It is one of two packages with cgo (internal/python is the
// other): crypt_r comes from the system's libcrypt, the library Apache
// itself calls for these hashes.
package passwd
