package passwd

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Kind names the kind of hash a password file entry holds, as Validate
// treats it.
type Kind string

// The kinds of hash.
const (
	Bcrypt Kind = "bcrypt"
	APR1   Kind = "apr1"
	SHA1   Kind = "sha1"
	Crypt  Kind = "crypt"
)

// KindOf is the kind of hash, by its prefix, as apr_password_validate
// picks the algorithm.
func KindOf(hash string) Kind {
	switch {
	case strings.HasPrefix(hash, "$2a$"), strings.HasPrefix(hash, "$2y$"):
		return Bcrypt
	case strings.HasPrefix(hash, apr1Magic):
		return APR1
	case strings.HasPrefix(hash, shaPrefix):
		return SHA1
	}
	return Crypt
}

const shaPrefix = "{SHA}"

// Validate reports whether password matches hash. The comparison of the
// computed hash with the stored one takes the same time wherever they
// differ. A password with a NUL byte never matches (Apache would cut it
// there, so "secret\x00x" would pass for "secret").
func Validate(password, hash string) bool {
	if strings.IndexByte(password, 0) >= 0 {
		return false
	}
	switch KindOf(hash) {
	case Bcrypt:
		return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
	case APR1:
		return same(APR1Hash(password, hash[len(apr1Magic):]), hash)
	case SHA1:
		sum := sha1.Sum([]byte(password))
		return same(shaPrefix+base64.StdEncoding.EncodeToString(sum[:]), hash)
	}
	out, ok := crypt(password, hash)
	return ok && same(out, hash)
}

func same(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// apr1Magic starts Apache's MD5 hashes.
const apr1Magic = "$apr1$"

// itoa64 is the alphabet of crypt(3)'s base-64 encoding.
const itoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// APR1Hash is Apache's "$apr1$" MD5 hash of password with salt (what
// follows "$apr1$": up to 8 characters, ending at a "$"), as
// apr_md5_encode computes it: Poul-Henning Kamp's MD5-crypt with Apache's
// own magic string. No maintained Go library has it; it is written here
// from the algorithm's published description.
func APR1Hash(password, salt string) string {
	if i := strings.IndexByte(salt, '$'); i >= 0 {
		salt = salt[:i]
	}
	if len(salt) > 8 {
		salt = salt[:8]
	}
	pw := []byte(password)
	alt := md5.Sum([]byte(password + salt + password))
	h := md5.New()
	h.Write(pw)
	h.Write([]byte(apr1Magic))
	h.Write([]byte(salt))
	for n := len(pw); n > 0; n -= 16 {
		h.Write(alt[:min(n, 16)])
	}
	// The bits of the password's length pick a NUL byte (bit set) or the
	// password's first byte (bit clear).
	for n := len(pw); n != 0; n >>= 1 {
		if n&1 != 0 {
			h.Write([]byte{0})
		} else {
			h.Write(pw[:1])
		}
	}
	final := h.Sum(nil)
	// 1000 rounds, to slow a guesser down.
	for i := 0; i < 1000; i++ {
		r := md5.New()
		if i&1 != 0 {
			r.Write(pw)
		} else {
			r.Write(final)
		}
		if i%3 != 0 {
			r.Write([]byte(salt))
		}
		if i%7 != 0 {
			r.Write(pw)
		}
		if i&1 != 0 {
			r.Write(final)
		} else {
			r.Write(pw)
		}
		final = r.Sum(final[:0])
	}
	out := make([]byte, 0, len(apr1Magic)+len(salt)+1+22)
	out = append(out, apr1Magic...)
	out = append(out, salt...)
	out = append(out, '$')
	for _, g := range [][3]int{{0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5}} {
		out = to64(out, uint(final[g[0]])<<16|uint(final[g[1]])<<8|uint(final[g[2]]), 4)
	}
	return string(to64(out, uint(final[11]), 2))
}

// to64 appends the n low 6-bit groups of v, lowest first.
func to64(b []byte, v uint, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, itoa64[v&0x3f])
		v >>= 6
	}
	return b
}
