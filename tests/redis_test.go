package tests

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mod_python.Session's RedisSession (python/mod_python/Session.py,
// internal/redispool, docs/session.md): sessions and their lock shared by
// two modpy servers (two "machines") through one real redis-server.

const redisHandlers = `import os, time
from mod_python import apache, Session

def handler(req):
    req.content_type = "text/plain"
    what = req.uri.rsplit("/", 1)[-1]
    return globals()["do_" + what](req)

def do_plain(req):
    req.write("plain")
    return apache.OK

def do_set(req):
    s = Session.Session(req)
    s["v"] = req.args or ""
    s.save()
    req.write("%s %s new=%d" % (type(s).__name__, s.id(), s.is_new()))
    return apache.OK

def do_get(req):
    s = Session.Session(req)
    req.write("%s new=%d v=%s" % (s.id(), s.is_new(), s.get("v")))
    return apache.OK

def do_short(req):
    # a session that expires 3 s after its last save
    s = Session.Session(req, timeout=3)
    s["v"] = "short"
    s.save()
    req.write("%s new=%d" % (s.id(), s.is_new()))
    return apache.OK

def do_hold(req):
    # Takes the session, says so, and keeps it until the file "go" exists
    # (or 20 s), then saves and ends.
    s = Session.Session(req)
    s["v"] = "before"
    s.save()
    req.write("locked\n")
    req.flush()
    go = os.path.join(req.get_options()["site_dir"], "go")
    end = time.time() + 20
    while not os.path.exists(go) and time.time() < end:
        time.sleep(0.02)
    s["v"] = "after"
    s.save()
    req.write("done\n")
    return apache.OK

def do_twice(req):
    # two Session objects of one request on one id: no wait for itself
    a = Session.Session(req)
    a.save()
    b = Session.Session(req, sid=a.id())
    b.unlock()
    req.write("%s %s %s" % (a.id(), a.id() == b.id(), b.is_new()))
    return apache.OK

def do_invalidate(req):
    s = Session.Session(req)
    s.invalidate()
    req.write("invalidated")
    return apache.OK

def do_direct(req):
    # the class used directly, as 3.5's other session classes are
    s = Session.RedisSession(req)
    n = s.get("n", 0) + 1
    s["n"] = n
    s.save()
    req.write("%s %d" % (type(s).__name__, n))
    return apache.OK
`

// redisSiteConf is a site whose sessions are on url, with a subdirectory
// short/ whose session locks are waited for 0.3 s at most.
func redisSiteConf(url string, extra ...string) string {
	return pyDir("h", append([]string{
		"PythonOption mod_python.session.session_type RedisSession",
		"PythonOption mod_python.session.redis_url " + url,
		"PythonOption site_dir {{DIR}}",
	}, extra...)...) +
		"<Directory {{DIR}}/htdocs/short>\n    PythonOption mod_python.session.redis_lock_wait 0.3\n</Directory>\n"
}

var redisFiles = map[string]string{"htdocs/h.py": redisHandlers, "htdocs/short/.keep": ""}

// pysid returns the "pysid=ID" cookie a response set, and the id.
func pysid(t *testing.T, h http.Header) (string, string) {
	t.Helper()
	sid := cookieValue(sessionCookie(h, "pysid"))
	if !sidRE.MatchString(sid) {
		t.Fatalf("no pysid cookie in %v", h)
	}
	return "pysid=" + sid, sid
}

// holding makes a session on s and starts a request that takes its lock
// (/hold) and keeps it until the file "go" appears in s.Dir. It returns
// once the lock is taken: the session's cookie and id, and the channel the
// rest of the holding request's body comes on.
func holding(t *testing.T, s *site) (cookie, sid string, rest chan string) {
	t.Helper()
	_, h, _ := s.do("GET", "/set?x", "")
	cookie, sid = pysid(t, h)
	req, _ := http.NewRequest("GET", s.URL+"/hold", nil)
	req.Header.Set("Cookie", cookie)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	if first, err := br.ReadString('\n'); first != "locked\n" {
		t.Fatalf("hold: %q %v", first, err)
	}
	rest = make(chan string, 1)
	go func() {
		defer resp.Body.Close()
		b, _ := io.ReadAll(br)
		rest <- string(b)
	}()
	return cookie, sid, rest
}

func TestRedisSessionAcrossServers(t *testing.T) {
	rd := startRedis(t)
	conf := redisSiteConf(rd.URL())
	a := startSite(t, conf, redisFiles)
	b := startSite(t, conf, redisFiles)

	st, h, body := a.do("GET", "/set?fromA", "")
	if st != 200 || !strings.HasPrefix(body, "RedisSession ") || !strings.HasSuffix(body, "new=1") {
		t.Fatalf("set on A: %d %q\n%s", st, body, a.errorLog())
	}
	cookie, sid := pysid(t, h)
	// The session is a key in Redis, with the session's timeout (30 min)
	// as its TTL.
	if got := rd.Cli("EXISTS", "modpy:session:"+sid); got != "1" {
		t.Fatalf("EXISTS modpy:session:%s = %q", sid, got)
	}
	var ttl int
	fmt.Sscan(rd.Cli("TTL", "modpy:session:"+sid), &ttl)
	if ttl < 1700 || ttl > 1800 {
		t.Errorf("TTL of the session key: %d, want about 1800", ttl)
	}
	// B, another server, reads it.
	got := b.mustGet("/get", "Cookie", cookie)
	if got != sid+" new=0 v=fromA" {
		t.Fatalf("get on B: %q, want %q", got, sid+" new=0 v=fromA")
	}
	// and a session made on B is read on A; the class works directly too.
	st, h, body = b.do("GET", "/direct", "")
	if st != 200 || body != "RedisSession 1" {
		t.Fatalf("direct on B: %d %q", st, body)
	}
	cookie2, _ := pysid(t, h)
	if got := a.mustGet("/direct", "Cookie", cookie2); got != "RedisSession 2" {
		t.Fatalf("direct on A: %q", got)
	}
	// Two Session objects of one request on one id: the second does not
	// wait for the first one's lock, and the lock goes with the request.
	got = a.mustGet("/twice")
	if sid := strings.Fields(got)[0]; got != sid+" True False" {
		t.Errorf("twice: %q", got)
	} else if got := rd.Cli("EXISTS", "modpy:session:"+sid+":lock"); got != "0" {
		t.Errorf("twice: the lock is left: %q", got)
	}
	// A session id Redis does not have is a new session.
	if got := b.mustGet("/get", "Cookie", "pysid=0123456789abcdef0123456789abcdef"); !strings.Contains(got, "new=1") {
		t.Errorf("unknown id: %q", got)
	}
}

func TestRedisSessionLock(t *testing.T) {
	rd := startRedis(t)
	conf := redisSiteConf(rd.URL())
	a := startSite(t, conf, redisFiles)
	b := startSite(t, conf, redisFiles)
	// A's request holds the session's lock until the test lets it go.
	cookie, sid, restA := holding(t, a)
	if got := rd.Cli("EXISTS", "modpy:session:"+sid+":lock"); got != "1" {
		t.Fatalf("the lock key is not there while A holds it: %q", got)
	}
	// B's request for the same session waits for it.
	type result struct {
		st   int
		body string
		at   time.Time
	}
	resB := make(chan result, 1)
	go func() {
		st, _, body := b.do("GET", "/get", "", "Cookie", cookie)
		resB <- result{st, body, time.Now()}
	}()
	// While B waits (its thread in Go, without the GIL), B's server
	// answers other requests of the same interpreter, sessions included;
	// and a request that may wait only 0.3 s for the lock gets 503.
	time.Sleep(300 * time.Millisecond)
	if got := b.mustGet("/get"); !strings.Contains(got, "new=1") {
		t.Errorf("another session on B while B waits: %q", got)
	}
	if st, body := b.get("/short/get", "Cookie", cookie); st != 503 {
		t.Errorf("short lock wait: %d %q, want 503", st, body)
	}
	contains(t, "B's error log", b.waitLog("held by another"), "Redis at "+rd.URL())
	select {
	case r := <-resB:
		t.Fatalf("B did not wait for A's lock: %d %q", r.st, r.body)
	default:
	}
	// A lets go: then B gets the session, with what A saved last.
	released := time.Now()
	os.WriteFile(filepath.Join(a.Dir, "go"), nil, 0o644)
	if rest := <-restA; rest != "done\n" {
		t.Fatalf("hold's end: %q", rest)
	}
	r := <-resB
	if r.st != 200 || r.body != sid+" new=0 v=after" {
		t.Fatalf("B after A: %d %q, want %q", r.st, r.body, sid+" new=0 v=after")
	}
	if r.at.Before(released) {
		t.Fatalf("B answered before A let go")
	}
	// Released at the end of the request: nothing left behind.
	if got := rd.Cli("EXISTS", "modpy:session:"+sid+":lock"); got != "0" {
		t.Errorf("the lock key is left after both requests: %q", got)
	}
}

func TestRedisSessionDeadHolder(t *testing.T) {
	rd := startRedis(t)
	conf := redisSiteConf(rd.URL(), "PythonOption mod_python.session.redis_lock_timeout 2")
	a := startSite(t, conf, redisFiles)
	b := startSite(t, conf, redisFiles)
	// A takes the lock, and its machine dies with it.
	cookie, sid, _ := holding(t, a)
	died := time.Now()
	a.cmd.Process.Kill()
	<-a.errCh
	a.errCh <- nil
	var pttl int
	fmt.Sscan(rd.Cli("PTTL", "modpy:session:"+sid+":lock"), &pttl)
	if pttl <= 0 || pttl > 2000 {
		t.Fatalf("PTTL of the dead holder's lock: %d, want 1..2000", pttl)
	}
	// B waits until the lock expires, then takes it over.
	st, body := b.get("/get", "Cookie", cookie)
	if st != 200 || body != sid+" new=0 v=before" {
		t.Fatalf("B: %d %q\n%s", st, body, b.errorLog())
	}
	if waited := time.Since(died); waited < time.Duration(pttl-200)*time.Millisecond {
		t.Fatalf("B took the lock after %v, before it expired (%d ms left when A died)", waited, pttl)
	}
}

func TestRedisSessionUnlockOnlyOwn(t *testing.T) {
	rd := startRedis(t)
	a := startSite(t, redisSiteConf(rd.URL()), redisFiles)
	_, sid, rest := holding(t, a)
	lock := "modpy:session:" + sid + ":lock"
	// The lock is another's now (as if A's had expired and another
	// request had taken it): A's release must leave it alone.
	if got := rd.Cli("SET", lock, "another", "PX", "30000"); got != "OK" {
		t.Fatal(got)
	}
	os.WriteFile(filepath.Join(a.Dir, "go"), nil, 0o644)
	<-rest
	if got := rd.Cli("GET", lock); got != "another" {
		t.Fatalf("after A's release the lock is %q, want another's", got)
	}
	contains(t, "error log", a.waitLog("had expired before it was released"), sid)
}

func TestRedisSessionExpiry(t *testing.T) {
	rd := startRedis(t)
	a := startSite(t, redisSiteConf(rd.URL()), redisFiles)
	_, h, _ := a.do("GET", "/short", "")
	cookie, sid := pysid(t, h)
	key := "modpy:session:" + sid
	var pttl int
	fmt.Sscan(rd.Cli("PTTL", key), &pttl)
	if pttl <= 0 || pttl > 3000 {
		t.Fatalf("PTTL of a session with timeout 3: %d", pttl)
	}
	// A save refreshes the expiry.
	time.Sleep(2 * time.Second)
	if got := a.mustGet("/short", "Cookie", cookie); got != sid+" new=0" {
		t.Fatalf("second save: %q", got)
	}
	saved := time.Now()
	fmt.Sscan(rd.Cli("PTTL", key), &pttl)
	if pttl < 2000 {
		t.Fatalf("PTTL after a second save: %d, want it back near 3000", pttl)
	}
	// Redis deletes the key when it expires.
	deadline := saved.Add(10 * time.Second)
	for rd.Cli("EXISTS", key) != "0" {
		if time.Now().After(deadline) {
			t.Fatalf("the session key did not expire")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if time.Since(saved) < 2500*time.Millisecond {
		t.Fatalf("the key went %v after its last save, before its timeout", time.Since(saved))
	}
	if got := a.mustGet("/get", "Cookie", cookie); !strings.Contains(got, "new=1") {
		t.Fatalf("after expiry: %q", got)
	}
}

func TestRedisSessionInvalidate(t *testing.T) {
	rd := startRedis(t)
	a := startSite(t, redisSiteConf(rd.URL()), redisFiles)
	_, h, _ := a.do("GET", "/set?x", "")
	cookie, sid := pysid(t, h)
	st, h, body := a.do("GET", "/invalidate", "", "Cookie", cookie)
	if st != 200 || body != "invalidated" {
		t.Fatalf("invalidate: %d %q", st, body)
	}
	if got := rd.Cli("EXISTS", "modpy:session:"+sid); got != "0" {
		t.Errorf("the session key is still there: %q", got)
	}
	var expired bool
	for _, c := range h.Values("Set-Cookie") {
		expired = expired || strings.HasPrefix(c, "pysid="+sid) && strings.Contains(c, "expires=Thu, 01-Jan-1970")
	}
	if !expired {
		t.Errorf("no expired cookie: %v", h.Values("Set-Cookie"))
	}
	if got := a.mustGet("/get", "Cookie", cookie); !strings.Contains(got, "new=1") {
		t.Errorf("after invalidate: %q", got)
	}
}

func TestRedisSessionRedisDown(t *testing.T) {
	rd := startRedis(t, "--requirepass", "s3cret-pw")
	a := startSite(t, redisSiteConf(rd.URL()), redisFiles)
	_, h, _ := a.do("GET", "/set?x", "")
	cookie, _ := pysid(t, h)
	rd.Stop()
	before := strings.Count(a.errorLog(), "\n")
	st, body := a.get("/get", "Cookie", cookie)
	if st != 503 {
		t.Fatalf("Redis down: %d %q, want 503", st, body)
	}
	// The rest of the server is not affected.
	if got := a.mustGet("/plain"); got != "plain" {
		t.Errorf("plain: %q", got)
	}
	lines := strings.Split(a.errorLog(), "\n")[before:]
	var redisLines []string
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			redisLines = append(redisLines, l)
		}
	}
	shown := fmt.Sprintf("Redis at redis://127.0.0.1:%d/0", rd.Port)
	if len(redisLines) != 1 || !strings.Contains(redisLines[0], shown) || !strings.Contains(redisLines[0], "RedisSession") {
		t.Fatalf("want one error line naming %s, got:\n%s", shown, strings.Join(redisLines, "\n"))
	}
	if strings.Contains(a.errorLog(), "s3cret-pw") {
		t.Errorf("the error log shows the password:\n%s", a.errorLog())
	}
	// Redis back (empty): the server recovers by itself.
	rd.Start()
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, body = a.get("/get", "Cookie", cookie)
		if st == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after Redis came back: %d %q", st, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := a.mustGet("/set?again"); !strings.HasPrefix(got, "RedisSession ") {
		t.Errorf("after recovery: %q", got)
	}
}

func TestRedisSessionURLs(t *testing.T) {
	rd := startRedis(t, "--requirepass", "pw-1")
	good := map[string]string{
		"password": rd.URL(),
		"username": fmt.Sprintf("redis://default:pw-1@127.0.0.1:%d/2", rd.Port),
		"unix":     "unix://:pw-1@" + rd.Socket + "?db=3",
	}
	conf := ""
	files := map[string]string{}
	for name, url := range map[string]string{
		"password": good["password"], "username": good["username"], "unix": good["unix"],
		"wrong": fmt.Sprintf("redis://:not-pw-1@127.0.0.1:%d/0", rd.Port),
		"none":  fmt.Sprintf("redis://127.0.0.1:%d/0", rd.Port),
	} {
		conf += fmt.Sprintf("<Directory {{DIR}}/htdocs/%s>\n    SetHandler mod_python\n    PythonHandler h\n"+
			"    PythonOption mod_python.session.session_type RedisSession\n"+
			"    PythonOption mod_python.session.redis_url %s\n</Directory>\n", name, url)
		files["htdocs/"+name+"/h.py"] = redisHandlers
	}
	a := startSite(t, conf, files)
	for name := range good {
		st, h, body := a.do("GET", "/"+name+"/set?"+name, "")
		if st != 200 {
			t.Errorf("%s: %d %q", name, st, body)
			continue
		}
		cookie, sid := pysid(t, h)
		if got := a.mustGet("/"+name+"/get", "Cookie", cookie); got != sid+" new=0 v="+name {
			t.Errorf("%s: %q", name, got)
		}
	}
	// The db in the URL is used: db 2 holds the username form's session.
	if got := rd.Cli("-n", "2", "DBSIZE"); got != "1" {
		t.Errorf("db 2 has %q keys, want 1", got)
	}
	for _, name := range []string{"wrong", "none"} {
		if st, body := a.get("/" + name + "/get"); st != 503 {
			t.Errorf("%s password: %d %q, want 503", name, st, body)
		}
	}
	log := a.errorLog()
	contains(t, "error log", log, "WRONGPASS")
	contains(t, "error log", log, "NOAUTH")
	if strings.Contains(log, "pw-1") {
		t.Errorf("the error log shows a password:\n%s", log)
	}
}

func TestRedisSessionRequestTimeout(t *testing.T) {
	// A lock wait ends with the request's PythonRequestTimeout, not after
	// the lock's 30 s.
	rd := startRedis(t)
	a := startSite(t, redisSiteConf(rd.URL(), "PythonRequestTimeout 1"), redisFiles)
	_, h, _ := a.do("GET", "/set?x", "")
	cookie, sid := pysid(t, h)
	if got := rd.Cli("SET", "modpy:session:"+sid+":lock", "another", "PX", "30000"); got != "OK" {
		t.Fatal(got)
	}
	start := time.Now()
	st, body := a.get("/get", "Cookie", cookie)
	if took := time.Since(start); st == 200 || took > 15*time.Second {
		t.Fatalf("a lock wait past PythonRequestTimeout: %d after %v: %q", st, took, body)
	}
	// Redis's wait and the interrupter end together: either may report it.
	if log := a.waitLog("[python:error]"); !strings.Contains(log, "RedisSession") && !strings.Contains(log, "PythonRequestTimeout") {
		t.Fatalf("the error log says nothing of the wait:\n%s", log)
	}
}

func TestRedisSessionTLS(t *testing.T) {
	certs := t.TempDir()
	testCA(t, certs)
	port := freePort(t)
	// Redis asks for a client certificate (tls-auth-clients, its default).
	startRedis(t, "--tls-port", fmt.Sprint(port), "--tls-cert-file", certs+"/server.pem",
		"--tls-key-file", certs+"/server.key", "--tls-ca-cert-file", certs+"/ca.pem")
	url := fmt.Sprintf("rediss://127.0.0.1:%d/0?ca_file=%s/ca.pem&cert_file=%s/client.pem&key_file=%s/client.key",
		port, certs, certs, certs)
	conf := redisSiteConf(url) +
		"<Directory {{DIR}}/htdocs/short>\n    PythonOption mod_python.session.redis_url " +
		fmt.Sprintf("rediss://127.0.0.1:%d/0?cert_file=%s/client.pem&key_file=%s/client.key", port, certs, certs) +
		"\n</Directory>\n"
	a := startSite(t, conf, redisFiles)
	st, h, body := a.do("GET", "/set?tls", "")
	if st != 200 {
		t.Fatalf("over TLS: %d %q", st, body)
	}
	cookie, sid := pysid(t, h)
	if got := a.mustGet("/get", "Cookie", cookie); got != sid+" new=0 v=tls" {
		t.Fatalf("over TLS: %q", got)
	}
	// Without the CA, Redis's certificate is not trusted.
	if st, body := a.get("/short/get"); st != 503 {
		t.Fatalf("a certificate no CA vouches for: %d %q", st, body)
	}
	contains(t, "error log", a.errorLog(), "certificate signed by unknown authority")
}

func TestRedisSessionOnePoolPerWorker(t *testing.T) {
	// Two interpreters of one worker share its connections to a Redis.
	rd := startRedis(t)
	conf := ""
	files := map[string]string{}
	for _, name := range []string{"one", "two"} {
		conf += fmt.Sprintf("<Directory {{DIR}}/htdocs/%s>\n    SetHandler mod_python\n    PythonHandler h\n"+
			"    PythonInterpreter %s\n    PythonOption mod_python.session.session_type RedisSession\n"+
			"    PythonOption mod_python.session.redis_url %s\n</Directory>\n", name, name, rd.URL())
		files["htdocs/"+name+"/h.py"] = redisHandlers
	}
	a := startSite(t, conf, files)
	for _, name := range []string{"one", "two", "one", "two"} {
		if got := a.mustGet("/" + name + "/set?" + name); !strings.HasPrefix(got, "RedisSession ") {
			t.Fatalf("%s: %q", name, got)
		}
	}
	// CLIENT LIST: one line per connection, redis-cli's own included.
	clients := strings.Split(strings.TrimSpace(rd.Cli("CLIENT", "LIST")), "\n")
	if len(clients) != 2 {
		t.Fatalf("want redis-cli and one connection of modpy's, got %d:\n%s", len(clients), strings.Join(clients, "\n"))
	}
}
