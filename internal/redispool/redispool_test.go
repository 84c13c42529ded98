package redispool

import (
	"strings"
	"testing"
)

func TestShownHidesThePassword(t *testing.T) {
	for in, want := range map[string]string{
		"redis://127.0.0.1:6379/0":             "redis://127.0.0.1:6379/0",
		"redis://:secret@127.0.0.1:6379/0":     "redis://127.0.0.1:6379/0",
		"redis://user:secret@10.0.0.1:6380/2":  "redis://user@10.0.0.1:6380/2",
		"rediss://:secret@[::1]:6379":          "rediss://[::1]:6379",
		"unix://:secret@/run/redis.sock?db=1":  "unix:///run/redis.sock?db=1",
		"redis://:sec%zzret@127.0.0.1:6379/0":  "(a URL that does not parse)",
		"redis://user:@127.0.0.1:6379/0?x=1&y": "redis://user@127.0.0.1:6379/0?x=1&y",
	} {
		if got := Shown(in); got != want {
			t.Errorf("Shown(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGetRefusesBadURLs(t *testing.T) {
	for _, u := range []string{
		"http://:secret@127.0.0.1:6379/0",
		"redis://:secret@127.0.0.1:6379/x",
		"redis://:secret@127.0.0.1:6379/0?no_such_option=1",
		"redis://:sec%zzret@127.0.0.1:6379/0",
	} {
		p, err := Get(u)
		if err == nil {
			t.Errorf("Get(%q) = %v, want an error", u, p)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("Get(%q): the error shows the password: %v", u, err)
		}
	}
	p1, err1 := Get("redis://127.0.0.1:1/0")
	p2, err2 := Get("redis://127.0.0.1:1/0")
	if err1 != nil || err2 != nil || p1 != p2 {
		t.Errorf("one pool per URL: %p %v, %p %v", p1, err1, p2, err2)
	}
	CloseAll()
	if p3, _ := Get("redis://127.0.0.1:1/0"); p3 == p1 {
		t.Errorf("CloseAll kept the pool")
	}
	CloseAll()
}
