/* The C side of modpy's Python runtime: only what Go cannot do itself.
 * Policy (which interpreter, which thread, when to end) lives in Go. */
#ifndef MODPY_H
#define MODPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

/* The numbers and names Go, C and Python share (call kinds, results, the
 * entry module): generated from internal/python/protocol. */
#include "modpy_protocol.h"

/* Initialise CPython on the calling thread, with home (when not empty) as
 * Python's home. On success the main thread state is returned detached (GIL
 * released). On failure NULL and *err is set (malloc'd). */
PyThreadState *modpy_initialize(const char *executable, const char *home, int optimize,
                                const char *bootstrap, char **err);

/* Create a sub-interpreter from the control thread, which holds no GIL.
 * Returns its first thread state, detached, or NULL with *err set. */
PyThreadState *modpy_new_interpreter(PyThreadState *main_ts,
                                     const char *bootstrap, const char *name,
                                     char **err);

/* Run the bootstrap in the interpreter whose thread state is current. */
int modpy_bootstrap(const char *bootstrap, const char *name, char **err);

/* Check from the control thread whether the interpreter can be ended: 0 if
 * yes, else -1 and *why says what stands in the way. */
int modpy_can_end(PyThreadState *ts, char **why);

/* End a sub-interpreter from the control thread. ts is the thread state
 * modpy_new_interpreter returned; every other thread state of it must be gone. */
void modpy_end_interpreter(PyThreadState *ts, PyThreadState *main_ts);

/* Make a thread state for the calling OS thread in interp and look up the
 * entry point. Returns the detached thread state, and *entry a new reference;
 * on failure (no thread state, or MODPY_ENTRY_MODULE could not be imported)
 * NULL with *err set, and nothing left to delete. */
PyThreadState *modpy_thread_new(PyInterpreterState *interp, PyObject **entry,
                                char **err);

/* Delete the calling thread's thread state (made by modpy_thread_new). */
void modpy_thread_delete(PyThreadState *ts, PyObject *entry);

/* Attach ts, call entry(kind, h, phase, a, b), detach. Returns the int the
 * entry returned, or MODPY_CALL_FAILED (the error was printed to sys.stderr).
 * With pack (a value packed by pack.go), a is that value, not a str.
 * *nmods gets len(sys.modules) as the call left it (-1 if unknown). */
long modpy_call(PyThreadState *ts, PyObject *entry, int kind, uint64_t h,
                int phase, const char *a, Py_ssize_t alen, const char *b,
                Py_ssize_t blen, const char *pack, Py_ssize_t packlen,
                int clear_async, Py_ssize_t *nmods);

/* modpy_call for a thread that already holds the GIL, in a call back into
 * Go: a nested call into the same interpreter, made inline. */
long modpy_call_held(PyObject *entry, int kind, uint64_t h, int phase,
                     const char *a, Py_ssize_t alen, const char *b,
                     Py_ssize_t blen, const char *pack, Py_ssize_t packlen);
/* modpy_direct_call finds or makes the calling thread's own state of interp
 * (made on the thread's first direct call, kept for its life; *made says
 * which) and runs modpy_call with it, in one call from
 * Go, so that the goroutine need not be locked to its thread between them.
 * *ts_out and *entry_out get the thread's state and entry before Python
 * runs (a nested call made from a call back into Go needs them). Returns
 * MODPY_NOT_DIRECT, with *err set on failure, when the call did not run. */
long modpy_direct_call(PyInterpreterState *interp, int kind, uint64_t h, int phase,
                       const char *pack, Py_ssize_t packlen, PyThreadState **ts_out,
                       PyObject **entry_out, int *made, char **err, Py_ssize_t *nmods);
int modpy_thread_is_direct(void);
/* Whether some thread holds the GIL right now, or a direct call that has
 * just let go of it has not told Go yet (1), or neither (0); -1 where the
 * GIL's holder cannot be known from another thread (Python 3.12 on). */
int modpy_gil_busy(void);
/* A direct call that returned MODPY_NOT_DIRECT's opposite is over for the
 * admission (admission.go): modpy_gil_busy stops counting it. */
void modpy_call_left(void);
long modpy_as_long(PyObject *o);
/* Take the GIL with ts on the calling thread / let it go, returning the
 * thread state that was current (to attach again after). */
void modpy_attach(PyThreadState *ts);
PyThreadState *modpy_detach(void);

/* With the GIL held in target's interpreter: raise
 * MODPY_ENTRY_MODULE's RequestTimeout in target's thread at its next bytecode. */
void modpy_raise_timeout(PyThreadState *target);

PyInterpreterState *modpy_interp_of(PyThreadState *ts);

/* Whether ts is a thread state of the calling OS thread (attached or not). */
int modpy_on_thread(PyThreadState *ts);

/* Helpers for Go: build and read Python objects. */
PyObject *modpy_str(const char *s, Py_ssize_t n);
PyObject *modpy_bytes(const char *s, Py_ssize_t n);
PyObject *modpy_bytes_new(Py_ssize_t n, char **buf);
PyObject *modpy_int(long long v);
PyObject *modpy_none(void);
PyObject *modpy_true(void);
PyObject *modpy_false(void);
PyObject *modpy_list(Py_ssize_t n);
void modpy_list_set(PyObject *list, Py_ssize_t i, PyObject *item);
PyObject *modpy_tuple(Py_ssize_t n);
PyObject *modpy_unpack(const char *buf, Py_ssize_t n);
void modpy_tuple_set(PyObject *t, Py_ssize_t i, PyObject *item);
PyObject *modpy_pair(PyObject *a, PyObject *b);
void modpy_decref(PyObject *o);
/* A str whose characters are all Latin-1 as its bytes (borrowed, *n of
 * them); NULL with TypeError (not a str) or ValueError (other characters). */
const char *modpy_latin1(PyObject *o, Py_ssize_t *n);
/* A WSGI status line and header list (of (name, value) tuples), all
 * Latin-1 str, in one call: their bytes one after another in buf (when
 * they fit in cap; *need gets how many there are), their lengths in lens
 * (the first nlens of them). Returns how many strings there are (1 + 2 per
 * header), or -1 with TypeError or ValueError set. */
Py_ssize_t modpy_wsgi_fields(PyObject *status, PyObject *headers, char *buf, Py_ssize_t cap,
                             Py_ssize_t *lens, Py_ssize_t nlens, Py_ssize_t *need);
/* Read a str (as UTF-8) or bytes object; NULL with a TypeError if neither. */
const char *modpy_text(PyObject *o, Py_ssize_t *n);
int modpy_is_none(PyObject *o);
long long modpy_as_int(PyObject *o, int *ok);
PyObject *modpy_error(int kind, const char *msg, Py_ssize_t n);

/* Error kinds for modpy_error. */
enum {
    MODPY_ERR_RUNTIME = 1,
    MODPY_ERR_OS = 2,
    MODPY_ERR_TYPE = 3,
    MODPY_ERR_VALUE = 4,
    MODPY_ERR_KEY = 5,
    MODPY_ERR_ATTRIBUTE = 6,
};

PyObject *PyInit__apache(void);

#endif
