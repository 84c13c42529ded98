package config

import "testing"

// Tests of what Load resolves once, so that no consumer re-reads a
// keyword or fills a default per request.

func TestThreadsPerChildDefault(t *testing.T) {
	for text, want := range map[string]int{
		"":                    DefaultThreadsPerChild,
		"ThreadsPerChild 0\n": DefaultThreadsPerChild,
		"ThreadsPerChild 7\n": 7,
	} {
		if got := mustLoad(t, text).Process.ThreadsPerChild; got != want {
			t.Errorf("%q: ThreadsPerChild = %d, want %d", text, got, want)
		}
	}
}
