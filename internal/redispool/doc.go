// Package redispool owns a worker process's connections to Redis, for
// mod_python's RedisSession (python/mod_python/Session.py): one pool of
// connections per Redis URL (github.com/redis/go-redis/v9), made on first
// use, shared by every interpreter of the worker, closed when the worker
// stops (CloseAll).
//
// It offers what a session store needs and nothing more: a value under a key
// with an expiry (Load, Save, Delete) and a lock that holds across machines
// (Lock, Unlock): a key set with SET NX PX to a token that names its holder,
// deleted only by that holder (a compare-and-delete script), taken by
// another only once it has expired. A failure is an *Error that names Redis
// and the URL without its password (Shown); the timeouts are short, so a
// Redis that is down or unreachable costs a request a bounded wait.
//
// It must not know about requests, Python or the configuration: the caller
// (internal/python's request operations) gives it a context whose deadline
// is the request's, and decides what a failure means for the response.
package redispool
