package passwd

import (
	"os/exec"
	"strings"
	"testing"
)

// Hashes htpasswd (apache2-utils 2.4) wrote for the password "s3cret pw"
// with -B, -m (and the default), -s, -d, -2 and -5.
var htpasswdHashes = []struct {
	kind Kind
	hash string
	pw   string // the password that matches, when not "s3cret pw"
}{
	{Bcrypt, "$2y$05$CSLzjx/LFzb1AvKxVuqHGupNNnrTF.QvQsLEbiIE8pCkVcjuFWcaC", ""},
	{APR1, "$apr1$ubbc5LZs$r/3QkPIWSnbHX7wFv06b71", ""},
	{APR1, "$apr1$WONb2Rm5$lAvIOpCVNu/3key1KQnee/", ""},
	{SHA1, "{SHA}r+PQ/OnaVl2XSPhlHUY75Onr1SQ=", ""},
	{Crypt, "dg.N0kUIMKWXg", "s3cret p"}, // DES: 8 characters count
	{Crypt, "$5$fjY8Y3wCU5e5A0FS$V8I1F1kXlZlrjQ299TyELwujwtHBDjpY6itnRc8dyi0", ""},
	{Crypt, "$6$GidBLYa5x3b.zqJb$SyIR9vLYWmqi.y3rYwFEDQEtUX5DqQvGZM4abOyCur8ofOmyUWZhF203CSHBXohms4uLc3YPzv6.nGg/uWE14/", ""},
}

func TestValidateHtpasswdHashes(t *testing.T) {
	for _, c := range htpasswdHashes {
		pw := c.pw
		if pw == "" {
			pw = "s3cret pw"
		}
		if k := KindOf(c.hash); k != c.kind {
			t.Errorf("KindOf(%s) = %s, want %s", c.hash, k, c.kind)
		}
		if !Validate(pw, c.hash) {
			t.Errorf("%s: the right password %q does not match", c.hash, pw)
		}
		for _, wrong := range []string{"", "s3cret", "S3cret pw", "s3cret pw ", "s3cret\x00pw", "x"} {
			if wrong != pw && !(c.kind == Crypt && len(c.hash) == 13 && strings.HasPrefix(wrong, pw)) && Validate(wrong, c.hash) {
				t.Errorf("%s: the wrong password %q matches", c.hash, wrong)
			}
		}
	}
}

// Plain text is no hash on Unix (htpasswd -p warns so): it never matches.
func TestPlainTextNeverMatches(t *testing.T) {
	for _, h := range []string{"s3cret pw", "secret", "", "*", "$1", "$apr1$", "{SHA}", "$2y$05$short"} {
		if Validate(h, h) || Validate("s3cret pw", h) {
			t.Errorf("hash %q matched", h)
		}
	}
}

// APR1Hash agrees with htpasswd for passwords of many lengths (the
// length bits pick the bytes the first digest sees), so it is the
// algorithm, not a few vectors, that matches.
func TestAPR1AgreesWithHtpasswd(t *testing.T) {
	if _, err := exec.LookPath("htpasswd"); err != nil {
		t.Skip("htpasswd (apache2-utils) is not installed; the fixed vectors above still ran")
	}
	for _, pw := range []string{"", "a", "ab", "sixteen-chars-pw", "seventeen-chars-p", strings.Repeat("long ", 20), "ünïcode"} {
		out, err := exec.Command("htpasswd", "-nbm", "u", pw).Output()
		if err != nil {
			t.Fatalf("htpasswd: %v", err)
		}
		hash := strings.TrimSpace(strings.TrimPrefix(string(out), "u:"))
		salt := strings.TrimPrefix(hash, apr1Magic)
		if got := APR1Hash(pw, salt); got != hash {
			t.Errorf("password %q: APR1Hash = %s, htpasswd wrote %s", pw, got, hash)
		}
		if !Validate(pw, hash) {
			t.Errorf("password %q does not validate against %s", pw, hash)
		}
	}
}
