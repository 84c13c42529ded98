package passwd

/*
#cgo LDFLAGS: -lcrypt
#include <crypt.h>
#include <stdlib.h>
#include <string.h>

// modpy_crypt runs crypt_r on a buffer of its own: the hash, copied into
// out (size n), or "" when crypt_r fails (an unknown or malformed setting
// gives NULL or a failure token starting with '*').
static void modpy_crypt(const char *pw, const char *setting, char *out, size_t n) {
	struct crypt_data *d = calloc(1, sizeof *d);
	out[0] = 0;
	if (d == NULL) {
		return;
	}
	const char *h = crypt_r(pw, setting, d);
	if (h != NULL && h[0] != '*' && strlen(h) < n) {
		strcpy(out, h);
	}
	explicit_bzero(d, sizeof *d);
	free(d);
}
*/
import "C"

import (
	"strings"
	"unsafe"
)

// cryptMax bounds a crypt(3) hash (libxcrypt's CRYPT_OUTPUT_SIZE is 384).
const cryptMax = 512

// crypt is crypt(3) of password with hash as its setting: the hash it
// computes, and false when libcrypt refuses the setting (for a plain-text
// "hash", say).
func crypt(password, hash string) (string, bool) {
	if strings.IndexByte(hash, 0) >= 0 || len(hash) >= cryptMax {
		return "", false
	}
	pw, setting := C.CString(password), C.CString(hash)
	defer func() {
		C.explicit_bzero(unsafe.Pointer(pw), C.size_t(len(password)))
		C.free(unsafe.Pointer(pw))
		C.free(unsafe.Pointer(setting))
	}()
	out := (*C.char)(C.malloc(cryptMax))
	defer C.free(unsafe.Pointer(out))
	C.modpy_crypt(pw, setting, out, cryptMax)
	s := C.GoString(out)
	return s, s != ""
}
