package server

import (
	"strings"
	"testing"

	"modpy/internal/config"
)

// TestBanner checks the Server header at each ServerTokens level, Apache's
// shapes with modpy's version.
func TestBanner(t *testing.T) {
	for tok, want := range map[config.ServerTokens]string{
		config.TokensProd:    "modpy",
		config.TokensMajor:   "modpy/0",
		config.TokensMinor:   "modpy/0.1",
		config.TokensMinimal: "modpy/0.1.0",
		config.TokensOS:      "modpy/0.1.0 (Unix)",
	} {
		if !strings.HasPrefix(Version, "0.1.") {
			t.Skipf("Version %s: update the expected banners", Version)
		}
		if got := banner(tok); got != want {
			t.Errorf("banner(%d) = %q, want %q", tok, got, want)
		}
	}
	if got := banner(config.TokensFull); !strings.HasPrefix(got, "modpy/"+Version+" (Unix) Python/3.") {
		t.Errorf("banner(Full) = %q", got)
	}
}

// TestEscapePath checks ap_escape_uri's set: what stays and what is
// escaped, lower-case.
func TestEscapePath(t *testing.T) {
	for in, want := range map[string]string{
		"/plain/dir":              "/plain/dir",
		"/sub dir":                "/sub%20dir",
		"/é":                      "/%c3%a9",
		"/a%b":                    "/a%25b",
		"/$-_.+!*'(),:;@&=~":      "/$-_.+!*'(),:;@&=~",
		"/q?#\"<>\\^`{|}\x7f\x01": "/q%3f%23%22%3c%3e%5c%5e%60%7b%7c%7d%7f%01",
	} {
		if got := escapePath(in); got != want {
			t.Errorf("escapePath(%q) = %q, want %q", in, got, want)
		}
	}
}
