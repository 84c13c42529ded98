package httpd

import (
	"os"
	"time"
)

// ReadTimeout is one stage of Apache's RequestReadTimeout (mod_reqtimeout):
// the stage may last Timeout from its first read, and each MinRate bytes
// received extend that by one second, up to MaxTimeout from the first read.
// A zero Timeout leaves the stage to Config.Timeout alone; MinRate 0: no
// extension; MaxTimeout 0: no cap.
type ReadTimeout struct {
	Timeout    time.Duration
	MaxTimeout time.Duration
	MinRate    int // bytes per second
}

// minStageRead is the least a read waits while its stage has time left, as
// in mod_reqtimeout: a stage is cut off at its first read past the end.
const minStageRead = time.Second

// readClock enforces the RequestReadTimeout stage in force on one
// connection: the header stage covers the request line and header fields,
// the body stage the body (and its trailers). Each read of the connection
// asks it for its deadline (deadline) and reports what it received (got).
type readClock struct {
	st      *ReadTimeout // the stage in force; nil: none
	name    string       // "header" or "body", for the log
	started bool         // the stage's first read happened
	end     time.Time    // when the stage's time runs out
	max     time.Time    // the latest end may move to; zero: none
	bound   bool         // the last read's deadline was the stage's
	fired   bool         // a stage ran out on this connection
}

// begin puts st in force from its next read (none if st is off).
func (k *readClock) begin(st *ReadTimeout, name string) {
	if st.Timeout <= 0 {
		k.st = nil
		return
	}
	k.st, k.name, k.started = st, name, false
}

// stop leaves reads to the connection's own timeout.
func (k *readClock) stop() { k.st = nil }

// deadline returns the deadline of a read starting at now that may
// otherwise wait d; up reports that the stage's time already ran out.
func (k *readClock) deadline(now time.Time, d time.Duration) (dl time.Time, up bool) {
	dl = now.Add(d)
	k.bound = false
	if k.st == nil {
		return dl, false
	}
	if !k.started {
		k.started = true
		k.end = now.Add(k.st.Timeout)
		k.max = time.Time{}
		if k.st.MaxTimeout > 0 {
			k.max = now.Add(k.st.MaxTimeout)
		}
	}
	left := k.end.Sub(now)
	if left <= 0 {
		return dl, true
	}
	if t := now.Add(max(left, minStageRead)); t.Before(dl) {
		dl, k.bound = t, true
	}
	return dl, false
}

// got extends the stage by n bytes' worth of MinRate.
func (k *readClock) got(n int) {
	if k.st == nil || k.st.MinRate <= 0 || n <= 0 {
		return
	}
	k.end = k.end.Add(time.Duration(n) * time.Second / time.Duration(k.st.MinRate))
	if !k.max.IsZero() && k.end.After(k.max) {
		k.end = k.max
	}
}

// readStage is connReader's read when a RequestReadTimeout stage may be in
// force: the read waits no longer than the stage allows, and a stage that
// runs out fails it with a timeout, logs it as mod_reqtimeout does and
// closes the connection after the response, with a short lingering close.
func (c *conn) readStage(p []byte) (int, error) {
	k := &c.rclock
	dl, up := k.deadline(time.Now(), c.rto)
	if up {
		c.stageTimedOut()
		return 0, os.ErrDeadlineExceeded
	}
	c.setReadDeadline(dl)
	n, err := c.nc.Read(p)
	k.got(n)
	if err != nil && k.bound && isTimeout(err) {
		c.stageTimedOut()
	}
	return n, err
}

func (c *conn) stageTimedOut() {
	k := &c.rclock
	if !k.fired {
		c.logf("info", "AH01382: Request %s read timeout", k.name)
	}
	k.fired = true
	c.closeAfter = true
}
