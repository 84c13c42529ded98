package httpd

import (
	"testing"
	"time"
)

func TestReadClock(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	const s = time.Second

	var k readClock
	st := ReadTimeout{Timeout: 2 * s, MaxTimeout: 5 * s, MinRate: 100}
	k.begin(&st, "header")
	// The first read starts the stage; Timeout (60 s) is the longer wait.
	if dl, up := k.deadline(at(0), 60*s); up || !dl.Equal(at(2*s)) || !k.bound {
		t.Fatalf("first read: deadline %v up %v bound %v, want +2s, the stage's", dl.Sub(t0), up, k.bound)
	}
	k.got(100) // one more second
	if dl, _ := k.deadline(at(1*s), 60*s); !dl.Equal(at(3 * s)) {
		t.Errorf("after 100 bytes at MinRate 100: deadline %v, want +3s", dl.Sub(t0))
	}
	k.got(1000) // ten more, capped at MaxTimeout
	if dl, _ := k.deadline(at(2*s), 60*s); !dl.Equal(at(5 * s)) {
		t.Errorf("past MaxTimeout: deadline %v, want +5s", dl.Sub(t0))
	}
	// Less than a second left: the read still waits one (mod_reqtimeout).
	if dl, up := k.deadline(at(4800*time.Millisecond), 60*s); up || !dl.Equal(at(5800*time.Millisecond)) {
		t.Errorf("0.2 s left: deadline %v up %v, want +5.8s", dl.Sub(t0), up)
	}
	if _, up := k.deadline(at(5*s), 60*s); !up {
		t.Errorf("at the stage's end: not up")
	}
	// A shorter Timeout wins and is not the stage's.
	k.begin(&st, "body")
	if dl, _ := k.deadline(at(10*s), s); !dl.Equal(at(11*s)) || k.bound {
		t.Errorf("Timeout 1s under a 2 s stage: deadline %v bound %v, want +11s, not the stage's", dl.Sub(t0), k.bound)
	}
	// Off: a stage of 0, or stop.
	off := ReadTimeout{}
	k.begin(&off, "header")
	if dl, up := k.deadline(at(0), 60*s); up || !dl.Equal(at(60*s)) || k.st != nil {
		t.Errorf("header=0: deadline %v up %v, want Timeout's", dl.Sub(t0), up)
	}
	k.begin(&st, "header")
	k.stop()
	if dl, _ := k.deadline(at(0), 5*s); !dl.Equal(at(5 * s)) {
		t.Errorf("stopped: deadline %v, want KeepAliveTimeout's", dl.Sub(t0))
	}
}
