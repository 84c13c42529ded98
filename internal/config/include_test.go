package config

import "testing"

// Options Includes allows exec, IncludesNOEXEC not; +IncludesNOEXEC under
// Includes turns exec off, as Apache's merge does.
func TestIncludesOptions(t *testing.T) {
	c := mustLoad(t, `
<Directory /a>
    Options Includes
    XBitHack full
    SSIErrorMsg "[err]"
</Directory>
<Directory /a/noexec>
    Options +IncludesNOEXEC
    SSIETag on
</Directory>
<Directory /a/off>
    Options -Includes
</Directory>
<Directory /b>
    Options IncludesNOEXEC
</Directory>
`)
	for _, tt := range []struct {
		file     string
		on, exec bool
	}{
		{"/a/x", true, true}, {"/a/noexec/x", true, false}, {"/a/off/x", false, false},
		{"/b/x", true, false}, {"/c/x", false, false},
	} {
		d := c.DirConfigFor(nil, "/x", tt.file)
		if on, exec := d.Includes(); on != tt.on || exec != tt.exec {
			t.Errorf("%s: Includes() = %v, %v; want %v, %v", tt.file, on, exec, tt.on, tt.exec)
		}
	}
	d := c.DirConfigFor(nil, "/x", "/a/noexec/x")
	if d.XBitHack != "full" || d.SSIErrorMsg == nil || *d.SSIErrorMsg != "[err]" || d.SSIETag == nil || !*d.SSIETag {
		t.Errorf("merged: XBitHack %q SSIErrorMsg %v SSIETag %v", d.XBitHack, d.SSIErrorMsg, d.SSIETag)
	}
}
