package redispool

import (
	"context"
	crand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// The timeouts a pool gets unless its URL sets them (dial_timeout,
// read_timeout, write_timeout, pool_timeout, max_retries): short, so that a
// Redis that is down costs a request little.
const (
	DialTimeout = time.Second
	IOTimeout   = 2 * time.Second
	// MaxRetries: one retry, so that a connection the pool kept from
	// before a Redis restart costs no request an error.
	MaxRetries = 1
)

// The lock's poll: from pollMin, doubling up to pollMax, with jitter.
const (
	pollMin = 5 * time.Millisecond
	pollMax = 200 * time.Millisecond
)

// Error is a failed Redis operation: what was asked of which Redis (URL
// without its password), and why it failed.
type Error struct {
	URL string // Shown(url)
	Op  string // "GET", "SET", "DEL", "lock", "unlock"
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("Redis at %s: %s: %v", e.URL, e.Op, e.Err) }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrLockWait is the cause of a Lock's *Error when the lock was still
// another's when the wait was over.
var ErrLockWait = errors.New("held by another")

// Pool is the connection pool of one Redis URL, shared by the worker's
// interpreters. Its methods are safe for concurrent use.
type Pool struct {
	shown string
	c     *redis.Client
	mu    sync.Mutex
	// held counts, by lock key and token, the Lock calls of a holder in
	// this process not yet matched by an Unlock: a holder that locks
	// again (two Session objects of one request) only counts.
	held map[heldKey]int
}

type heldKey struct{ key, token string }

var (
	mu    sync.Mutex
	pools = map[string]*Pool{}
	// nonce makes this process's lock tokens unlike any other process's,
	// on this machine or another.
	nonce = newNonce()
)

func newNonce() string {
	var b [8]byte
	if _, err := crand.Read(b[:]); err != nil {
		panic("redispool: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

func init() {
	// go-redis logs some failures itself (to stderr); the caller logs one
	// line per failed request, with the request's context.
	redis.SetLogger(quiet{})
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// Get returns the pool of rawURL, making it on first use:
// redis://[[user]:password@]host[:port][/db], rediss:// (TLS: the system's
// CAs, or ca_file; cert_file and key_file for a client certificate), or
// unix://[[user]:password@]/path/to.sock[?db=N]; go-redis's query
// parameters (dial_timeout, pool_size, skip_verify, ...) are accepted. A
// URL that is none of these is an error that shows it without its
// password.
func Get(rawURL string) (*Pool, error) {
	mu.Lock()
	defer mu.Unlock()
	if p := pools[rawURL]; p != nil {
		return p, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("not a URL: %s", Shown(rawURL))
	}
	// ca_file, cert_file and key_file are modpy's (go-redis has none):
	// taken out before go-redis reads the rest.
	q := u.Query()
	files := tlsFiles{q.Get("ca_file"), q.Get("cert_file"), q.Get("key_file")}
	for _, name := range []string{"ca_file", "cert_file", "key_file"} {
		q.Del(name)
	}
	u.RawQuery = q.Encode()
	opt, err := redis.ParseURL(u.String())
	if err == nil {
		err = files.apply(opt)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", Shown(rawURL), err)
	}
	set := func(name string, d *time.Duration, v time.Duration) {
		if !q.Has(name) {
			*d = v
		}
	}
	set("dial_timeout", &opt.DialTimeout, DialTimeout)
	set("read_timeout", &opt.ReadTimeout, IOTimeout)
	set("write_timeout", &opt.WriteTimeout, IOTimeout)
	set("pool_timeout", &opt.PoolTimeout, IOTimeout)
	if !q.Has("max_retries") {
		opt.MaxRetries = MaxRetries
	}
	opt.DialerRetries = 1 // the pool's own retry (MaxRetries) is enough
	opt.ContextTimeoutEnabled = true
	opt.DisableIdentity = true
	opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	p := &Pool{shown: Shown(rawURL), c: redis.NewClient(opt), held: map[heldKey]int{}}
	pools[rawURL] = p
	return p, nil
}

// tlsFiles are a rediss:// URL's ca_file (the CA certificates, PEM, that
// Redis's certificate must chain to instead of the system's), and cert_file
// and key_file (a client certificate, for a Redis with tls-auth-clients).
type tlsFiles struct{ ca, cert, key string }

func (f tlsFiles) apply(opt *redis.Options) error {
	if f == (tlsFiles{}) {
		return nil
	}
	if opt.TLSConfig == nil {
		return errors.New("ca_file, cert_file and key_file need a rediss:// URL")
	}
	if f.ca != "" {
		pem, err := os.ReadFile(f.ca)
		if err != nil {
			return fmt.Errorf("ca_file: %v", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return fmt.Errorf("ca_file %s: no PEM certificate in it", f.ca)
		}
		opt.TLSConfig.RootCAs = roots
	}
	if (f.cert == "") != (f.key == "") {
		return errors.New("cert_file and key_file go together")
	}
	if f.cert != "" {
		pair, err := tls.LoadX509KeyPair(f.cert, f.key)
		if err != nil {
			return fmt.Errorf("cert_file, key_file: %v", err)
		}
		opt.TLSConfig.Certificates = []tls.Certificate{pair}
	}
	return nil
}

// CloseAll closes every pool (a worker that stops). A later Get makes a
// new one.
func CloseAll() {
	mu.Lock()
	list := pools
	pools = map[string]*Pool{}
	mu.Unlock()
	for _, p := range list {
		p.c.Close()
	}
}

// Shown is rawURL as a log line may show it: without the password.
func Shown(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(a URL that does not parse)"
	}
	if u.User != nil {
		if name := u.User.Username(); name != "" {
			u.User = url.User(name)
		} else {
			u.User = nil
		}
	}
	return u.String()
}

// URL is the pool's URL without its password.
func (p *Pool) URL() string { return p.shown }

func (p *Pool) fail(op string, err error) error { return &Error{URL: p.shown, Op: op, Err: err} }

// Load returns the value under key; ok is false when there is none (it
// never was, it expired, it was deleted).
func (p *Pool) Load(ctx context.Context, key string) (val []byte, ok bool, err error) {
	val, err = p.c.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, p.fail("GET", err)
	}
	return val, true, nil
}

// Save stores val under key, to expire ttl from now (Redis deletes it
// then). A ttl under a millisecond deletes the key: the value has expired
// already.
func (p *Pool) Save(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if ttl < time.Millisecond {
		return p.Delete(ctx, key)
	}
	if err := p.c.Set(ctx, key, val, ttl).Err(); err != nil {
		return p.fail("SET", err)
	}
	return nil
}

// Delete removes key (nothing if there is none).
func (p *Pool) Delete(ctx context.Context, key string) error {
	if err := p.c.Del(ctx, key).Err(); err != nil {
		return p.fail("DEL", err)
	}
	return nil
}

// token is the value of a lock key that owner (any string unique in this
// process for as long as it holds the lock, such as a request's id) holds.
func token(owner string) string { return nonce + ":" + owner }

// Lock takes the lock named key for owner, to expire ttl from now unless
// released before: SET key token NX PX ttl. While another holds it, Lock
// polls (with backoff) until it is free or has expired, for up to wait (and
// while ctx lasts): then the error's cause is ErrLockWait. An owner that
// holds the lock already (in this process) only counts: each Lock needs
// its Unlock.
func (p *Pool) Lock(ctx context.Context, key, owner string, ttl, wait time.Duration) error {
	tok := token(owner)
	hk := heldKey{key, tok}
	p.mu.Lock()
	depth := p.held[hk]
	p.mu.Unlock()
	if depth > 0 {
		cur, err := p.c.Get(ctx, key).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return p.fail("lock", err)
		}
		p.mu.Lock()
		if cur == tok {
			p.held[hk]++
			p.mu.Unlock()
			return nil
		}
		// It expired, and maybe went to another: take it again.
		delete(p.held, hk)
		p.mu.Unlock()
	}
	ttl = max(ttl, time.Millisecond)
	start := time.Now()
	poll := pollMin
	var timer *time.Timer
polling:
	for {
		ok, err := p.c.SetNX(ctx, key, tok, ttl).Result()
		if err != nil {
			return p.fail("lock", err)
		}
		if ok {
			p.mu.Lock()
			p.held[hk]++
			p.mu.Unlock()
			return nil
		}
		left := wait - time.Since(start)
		if left <= 0 {
			break polling
		}
		d := min(poll/2+rand.N(poll/2+1), left)
		if timer == nil {
			timer = time.NewTimer(d)
			defer timer.Stop()
		} else {
			timer.Reset(d)
		}
		select {
		case <-ctx.Done():
			break polling
		case <-timer.C:
		}
		poll = min(2*poll, pollMax)
	}
	return p.fail("lock "+key, fmt.Errorf("%w for all of %.1fs (a lock expires %v after it is taken)",
		ErrLockWait, time.Since(start).Seconds(), ttl))
}

// unlockScript deletes a lock key only while it holds the caller's token:
// a holder whose lock expired and went to another cannot release the new
// holder's.
var unlockScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// Unlock releases owner's hold of the lock named key. The lock is deleted
// when the last of owner's holds in this process goes, and only if owner
// still holds it; released reports whether it did (false: it had
// expired, and maybe gone to another, which keeps it).
func (p *Pool) Unlock(ctx context.Context, key, owner string) (released bool, err error) {
	tok := token(owner)
	hk := heldKey{key, tok}
	p.mu.Lock()
	if p.held[hk] > 1 {
		p.held[hk]--
		p.mu.Unlock()
		return true, nil
	}
	delete(p.held, hk)
	p.mu.Unlock()
	n, err := unlockScript.Run(ctx, p.c, []string{key}, tok).Int()
	if err != nil {
		return false, p.fail("unlock", err)
	}
	return n == 1, nil
}
