package python

/*
#include "modpy.h"

// The i-th item of tuple t (borrowed), NULL if t is no tuple that long.
static PyObject *modpy_redis_arg(PyObject *t, Py_ssize_t i)
{
    if (t == NULL || !PyTuple_Check(t) || i < 0 || i >= PyTuple_GET_SIZE(t))
        return NULL;
    return PyTuple_GET_ITEM(t, i);
}
*/
import "C"

import (
	"context"
	"time"

	"modpy/internal/redispool"
	"modpy/internal/request"
)

// redisOp is the request operations of mod_python.Session's RedisSession
// (opRedisGet ... opRedisUnlock): a Redis command on the worker's pool of
// the URL a, made with the GIL released, within the request's time. A
// failure of Redis raises OSError ("Redis at URL: ...", no password); a URL
// that is no Redis URL raises ValueError.
func redisOp(r *request.Request, op int, a, b, c *C.PyObject) *C.PyObject {
	// Every argument is read while the GIL is held.
	rawURL, ok1 := argText(a)
	key, ok2 := argText(b)
	if !ok1 || !ok2 {
		return pyError(C.MODPY_ERR_TYPE, "redis: url and key are strings")
	}
	pool, err := redispool.Get(rawURL)
	if err != nil {
		return pyError(C.MODPY_ERR_VALUE, "mod_python.session.redis_url: "+err.Error())
	}
	item := func(i int) *C.PyObject { return C.modpy_redis_arg(c, C.Py_ssize_t(i)) }
	ms := func(i int) time.Duration { return time.Duration(argInt(item(i))) * time.Millisecond }
	var (
		val      []byte
		found    bool
		result   bool
		owner    string
		ttl      time.Duration
		wait     time.Duration // a lock's
		haveArgs = true
	)
	switch op {
	case opRedisSet:
		v, ok := argText(item(0))
		val, ttl, haveArgs = []byte(v), ms(1), ok
	case opRedisLock:
		owner, haveArgs = argText(item(0))
		ttl, wait = ms(1), ms(2)
	case opRedisUnlock:
		owner, haveArgs = argText(c)
	}
	if !haveArgs {
		return pyError(C.MODPY_ERR_TYPE, "redis: bad arguments")
	}
	// A command waits for Redis up to IOTimeout; a lock also polls for up
	// to wait.
	ctx, cancel := context.WithDeadline(context.Background(), redisDeadline(r, wait+redispool.IOTimeout))
	defer cancel()
	withoutGIL(r, func() {
		switch op {
		case opRedisGet:
			val, found, err = pool.Load(ctx, key)
		case opRedisSet:
			err = pool.Save(ctx, key, val, ttl)
		case opRedisDel:
			err = pool.Delete(ctx, key)
		case opRedisLock:
			err = pool.Lock(ctx, key, owner, ttl, wait)
		case opRedisUnlock:
			result, err = pool.Unlock(ctx, key, owner)
		}
	})
	switch {
	case err != nil:
		return pyError(C.MODPY_ERR_OS, err.Error())
	case op == opRedisGet && !found:
		return C.modpy_none()
	case op == opRedisGet:
		return pyBytes(val)
	case op == opRedisUnlock:
		return pyBool(result)
	}
	return C.modpy_none()
}

// redisDeadline is when a Redis operation of r that may take d must be
// over: d from now, and no later than r's PythonRequestTimeout allows
// (counted from the request's start).
func redisDeadline(r *request.Request, d time.Duration) time.Time {
	dl := time.Now().Add(d)
	if r.Py.RequestTimeout > 0 && !r.RequestTime.IsZero() {
		if end := r.RequestTime.Add(r.Py.RequestTimeout); end.Before(dl) {
			dl = end
		}
	}
	return dl
}
