/* The C side of modpy's Python runtime. See modpy.h. */
#include "modpy.h"
#include "_cgo_export.h"
#include <string.h>

static char *dupmsg(const char *prefix, const char *msg)
{
    size_t n = strlen(prefix) + strlen(msg) + 3;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s: %s", prefix, msg);
    return s;
}

/* Fetch the pending Python exception as "Type: message" and clear it. */
static char *fetch_error(const char *prefix)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    const char *msg = "unknown error";
    PyObject *s = NULL;
    if (value) {
        s = PyObject_Str(value);
        if (s)
            msg = PyUnicode_AsUTF8(s);
        if (!msg)
            msg = "unprintable error";
    }
    const char *tname = type ? ((PyTypeObject *)type)->tp_name : "Error";
    size_t n = strlen(tname) + strlen(msg) + 3;
    char *full = malloc(n);
    if (full)
        snprintf(full, n, "%s: %s", tname, msg);
    char *out = dupmsg(prefix, full ? full : msg);
    free(full);
    Py_XDECREF(s);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    PyErr_Clear();
    return out;
}

int modpy_bootstrap(const char *bootstrap, const char *name, char **err)
{
    PyObject *globals = PyDict_New();
    if (!globals) {
        *err = fetch_error("bootstrap");
        return -1;
    }
    PyObject *pyname = PyUnicode_FromString(name);
    if (!pyname || PyDict_SetItemString(globals, "__interpreter__", pyname) < 0 ||
        PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) < 0) {
        Py_XDECREF(pyname);
        Py_DECREF(globals);
        *err = fetch_error("bootstrap");
        return -1;
    }
    Py_DECREF(pyname);
    PyObject *r = PyRun_String(bootstrap, Py_file_input, globals, globals);
    Py_DECREF(globals);
    if (!r) {
        *err = fetch_error("bootstrap");
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

PyThreadState *modpy_initialize(const char *executable, const char *home, int optimize,
                                const char *bootstrap, char **err)
{
    if (PyImport_AppendInittab("_apache", PyInit__apache) < 0) {
        *err = strdup("cannot register the _apache module");
        return NULL;
    }
    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.install_signal_handlers = 0;
    config.optimization_level = optimize;
    config.user_site_directory = 0;
    config.site_import = 1;
    config.parse_argv = 0;
    config.buffered_stdio = 0;
    PyStatus status = PyConfig_SetBytesString(&config, &config.executable, executable);
    if (!PyStatus_Exception(status))
        status = PyConfig_SetBytesString(&config, &config.program_name, executable);
    if (!PyStatus_Exception(status) && home && *home)
        status = PyConfig_SetBytesString(&config, &config.home, home);
    if (!PyStatus_Exception(status))
        status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        *err = dupmsg("Py_InitializeFromConfig", status.err_msg ? status.err_msg : "failed");
        return NULL;
    }
    if (modpy_bootstrap(bootstrap, "main_interpreter", err) < 0) {
        PyEval_SaveThread();
        return NULL;
    }
    return PyEval_SaveThread();
}

PyThreadState *modpy_new_interpreter(PyThreadState *main_ts,
                                     const char *bootstrap, const char *name,
                                     char **err)
{
    PyEval_RestoreThread(main_ts);
    PyThreadState *ts = Py_NewInterpreter();
    if (!ts) {
        *err = PyErr_Occurred() ? fetch_error("Py_NewInterpreter")
                                : strdup("Py_NewInterpreter failed");
        PyThreadState_Swap(main_ts);
        PyEval_SaveThread();
        return NULL;
    }
    if (modpy_bootstrap(bootstrap, name, err) < 0) {
        Py_EndInterpreter(ts);
#if PY_VERSION_HEX >= 0x030C0000
        PyEval_RestoreThread(main_ts);
#else
        PyThreadState_Swap(main_ts);
#endif
        PyEval_SaveThread();
        return NULL;
    }
    PyEval_SaveThread();
    return ts;
}

int modpy_can_end(PyThreadState *ts, char **why)
{
    PyEval_RestoreThread(ts);
    int rc = 0;
    PyObject *mod = PyImport_ImportModule(MODPY_ENTRY_MODULE);
    PyObject *r = mod ? PyObject_CallMethod(mod, MODPY_ENTRY_END_BLOCKERS, NULL) : NULL;
    if (!r) {
        *why = fetch_error("checking the interpreter");
        rc = -1;
    } else if (PyUnicode_Check(r) && PyUnicode_GetLength(r) > 0) {
        const char *s = PyUnicode_AsUTF8(r);
        *why = s ? strdup(s) : fetch_error("reading what blocks the end");
        rc = -1;
    }
    Py_XDECREF(r);
    Py_XDECREF(mod);
    PyEval_SaveThread();
    return rc;
}

void modpy_end_interpreter(PyThreadState *ts, PyThreadState *main_ts)
{
    PyEval_RestoreThread(ts);
    Py_EndInterpreter(ts);
    /* Py_EndInterpreter leaves no current thread state. Up to 3.11 the
     * (shared) GIL is still held; from 3.12 it has been released. */
#if PY_VERSION_HEX >= 0x030C0000
    PyEval_RestoreThread(main_ts);
#else
    PyThreadState_Swap(main_ts);
#endif
    PyEval_SaveThread();
}

PyInterpreterState *modpy_interp_of(PyThreadState *ts)
{
    return PyThreadState_GetInterpreter(ts);
}

int modpy_on_thread(PyThreadState *ts)
{
    /* thread_id is the ident of the OS thread that made ts; no GIL needed. */
    return ts != NULL && ts->thread_id == PyThread_get_thread_ident();
}

PyThreadState *modpy_thread_new(PyInterpreterState *interp, PyObject **entry,
                                char **err)
{
    PyThreadState *ts = PyThreadState_New(interp);
    if (!ts) {
        *err = strdup("PyThreadState_New failed");
        return NULL;
    }
    PyEval_RestoreThread(ts);
    PyObject *mod = PyImport_ImportModule(MODPY_ENTRY_MODULE);
    *entry = mod ? PyObject_GetAttrString(mod, MODPY_ENTRY_FUNC) : NULL;
    Py_XDECREF(mod);
    if (!*entry) {
        *err = fetch_error("importing " MODPY_ENTRY_MODULE);
        PyThreadState_Clear(ts);
        PyThreadState_DeleteCurrent();
        return NULL;
    }
    PyEval_SaveThread();
    return ts;
}

void modpy_thread_delete(PyThreadState *ts, PyObject *entry)
{
    PyEval_RestoreThread(ts);
    Py_XDECREF(entry);
    PyThreadState_Clear(ts);
    PyThreadState_DeleteCurrent();
}

/* call_entry calls the entry function (MODPY_ENTRY_FUNC) with (kind, h,
 * phase, a, b) on a thread that holds the GIL, and returns its int result
 * (MODPY_CALL_FAILED if it raised: the traceback is printed, which the
 * interpreter's stderr logs). */
static long call_entry(PyObject *entry, int kind, uint64_t h, int phase,
                       const char *a, Py_ssize_t alen, const char *b, Py_ssize_t blen,
                       const char *pack, Py_ssize_t packlen)
{
    long rv = MODPY_CALL_FAILED;
    /* With a packed value (pack.go), a is that value rather than a str. */
    PyObject *args[5] = {PyLong_FromLong(kind), PyLong_FromUnsignedLongLong(h),
                         PyLong_FromLong(phase),
                         pack ? modpy_unpack(pack, packlen)
                              : PyUnicode_FromStringAndSize(a ? a : "", alen),
                         PyUnicode_FromStringAndSize(b ? b : "", blen)};
    if (args[0] && args[1] && args[2] && args[3] && args[4]) {
        PyObject *r = PyObject_Vectorcall(entry, args, 5, NULL);
        if (r) {
            rv = PyLong_AsLong(r);
            if (rv == -1 && PyErr_Occurred())
                rv = MODPY_CALL_FAILED;
            Py_DECREF(r);
        }
    }
    for (int i = 0; i < 5; i++)
        Py_XDECREF(args[i]);
    if (PyErr_Occurred())
        PyErr_Print();
    return rv;
}

long modpy_call(PyThreadState *ts, PyObject *entry, int kind, uint64_t h,
                int phase, const char *a, Py_ssize_t alen, const char *b,
                Py_ssize_t blen, const char *pack, Py_ssize_t packlen,
                int clear_async, Py_ssize_t *nmods)
{
    PyEval_RestoreThread(ts);
    if (clear_async)
        /* A timeout meant for the previous job may have arrived late. */
        PyThreadState_SetAsyncExc(ts->thread_id, NULL);
    long rv = call_entry(entry, kind, h, phase, a, alen, b, blen, pack, packlen);
    /* len(sys.modules), for the status page: a dict size read, no call. */
    PyObject *mods = PyImport_GetModuleDict();
    *nmods = mods && PyDict_Check(mods) ? PyDict_Size(mods) : -1;
    PyEval_SaveThread();
    return rv;
}

/* modpy_call_held is modpy_call for a thread that already runs Python
 * (it holds the GIL, inside a call back into Go): a nested call into the
 * same interpreter, made inline. */
long modpy_call_held(PyObject *entry, int kind, uint64_t h, int phase,
                     const char *a, Py_ssize_t alen, const char *b,
                     Py_ssize_t blen, const char *pack, Py_ssize_t packlen)
{
    return call_entry(entry, kind, h, phase, a, alen, b, blen, pack, packlen);
}

/* Direct calls (direct.go): the calling thread's own thread state, of one
 * interpreter only, made on its first direct call and kept for the
 * thread's life (such an interpreter is never ended in the process). */
static __thread PyInterpreterState *direct_interp;
/* Direct calls that have left Python and not yet told Go (modpy_call_left). */
static int calls_leaving;
static __thread PyThreadState *direct_ts;
static __thread PyObject *direct_entry;

/* direct_state returns the calling thread's thread state for interp,
 * making it on first use (*entry: its entry function); NULL when the thread
 * belongs to another interpreter, or on failure (*err set). */
static PyThreadState *direct_state(PyInterpreterState *interp, PyObject **entry, int *made, char **err)
{
    *made = 0;
    if (direct_interp == interp) {
        *entry = direct_entry;
        return direct_ts;
    }
    if (direct_interp != NULL)
        return NULL;
    PyObject *e;
    PyThreadState *ts = modpy_thread_new(interp, &e, err);
    if (!ts)
        return NULL;
    direct_interp = interp;
    direct_ts = ts;
    direct_entry = e;
    *entry = e;
    *made = 1;
    return ts;
}

long modpy_direct_call(PyInterpreterState *interp, int kind, uint64_t h, int phase,
                       const char *pack, Py_ssize_t packlen, PyThreadState **ts_out,
                       PyObject **entry_out, int *made, char **err, Py_ssize_t *nmods)
{
    PyObject *entry;
    PyThreadState *ts = direct_state(interp, &entry, made, err);
    if (!ts)
        return MODPY_NOT_DIRECT;
    *ts_out = ts;
    *entry_out = entry;
    long rv = modpy_call(ts, entry, kind, h, phase, NULL, 0, NULL, 0, pack, packlen, 0, nmods);
    /* Until Go's admission hears of the end (modpy_call_left), the call
     * still counts as the GIL's: its end lets the next call in. */
    __atomic_add_fetch(&calls_leaving, 1, __ATOMIC_RELAXED);
    return rv;
}

int modpy_gil_busy(void)
{
    if (__atomic_load_n(&calls_leaving, __ATOMIC_RELAXED) > 0)
        return 1;
#if PY_VERSION_HEX < 0x030C0000
    /* Up to 3.11 the thread state holding the GIL is one global, set when
     * a thread takes the GIL and cleared when it lets go; reading it needs
     * no GIL. */
    return _PyThreadState_UncheckedGet() != NULL;
#else
    return -1; /* a thread-local since 3.12 */
#endif
}

void modpy_call_left(void) { __atomic_sub_fetch(&calls_leaving, 1, __ATOMIC_RELAXED); }

/* modpy_thread_is_direct: this OS thread holds a direct call's state. */
int modpy_thread_is_direct(void) { return direct_interp != NULL; }

long modpy_as_long(PyObject *o)
{
    long v = PyLong_AsLong(o);
    if (v == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return -1;
    }
    return v;
}
void modpy_attach(PyThreadState *ts) { PyEval_RestoreThread(ts); }
PyThreadState *modpy_detach(void) { return PyEval_SaveThread(); }

void modpy_raise_timeout(PyThreadState *target)
{
    PyObject *mod = PyImport_ImportModule(MODPY_ENTRY_MODULE);
    PyObject *exc = mod ? PyObject_GetAttrString(mod, MODPY_ENTRY_TIMEOUT) : NULL;
    if (exc)
        /* thread_id, the OS thread's ident (PyThreadState_GetID is another
         * number). */
        PyThreadState_SetAsyncExc(target->thread_id, exc);
    Py_XDECREF(exc);
    Py_XDECREF(mod);
    PyErr_Clear();
}

/* ---- helpers for Go ---- */

PyObject *modpy_str(const char *s, Py_ssize_t n)
{
    PyObject *o = PyUnicode_DecodeUTF8(s, n, NULL);
    if (!o) {
        /* Not UTF-8 (a raw header byte, say): HTTP's own charset. */
        PyErr_Clear();
        o = PyUnicode_DecodeLatin1(s, n, NULL);
    }
    return o;
}

PyObject *modpy_bytes(const char *s, Py_ssize_t n) { return PyBytes_FromStringAndSize(s, n); }

const char *modpy_latin1(PyObject *o, Py_ssize_t *n)
{
    if (!PyUnicode_Check(o)) {
        PyErr_Format(PyExc_TypeError, "expected unicode object, value of type %.200s found",
                     Py_TYPE(o)->tp_name);
        return NULL;
    }
    if (PyUnicode_KIND(o) != PyUnicode_1BYTE_KIND) {
        PyErr_SetString(PyExc_ValueError, "unicode object contains non latin-1 characters");
        return NULL;
    }
    *n = PyUnicode_GET_LENGTH(o);
    return (const char *)PyUnicode_DATA(o);
}

/* One Latin-1 str into fields: its bytes at buf + *used (when they fit in
 * cap), its length in lens[*n] (when n < nlens). */
static int field_latin1(PyObject *o, char *buf, Py_ssize_t cap, Py_ssize_t *used,
                        Py_ssize_t *lens, Py_ssize_t nlens, Py_ssize_t *n)
{
    Py_ssize_t len;
    const char *p = modpy_latin1(o, &len);
    if (!p)
        return -1;
    if (*used + len <= cap)
        memcpy(buf + *used, p, len);
    if (*n < nlens)
        lens[*n] = len;
    *used += len;
    (*n)++;
    return 0;
}

Py_ssize_t modpy_wsgi_fields(PyObject *status, PyObject *headers, char *buf, Py_ssize_t cap,
                             Py_ssize_t *lens, Py_ssize_t nlens, Py_ssize_t *need)
{
    Py_ssize_t used = 0, n = 0, i;
    if (field_latin1(status, buf, cap, &used, lens, nlens, &n) < 0)
        return -1;
    if (!PyList_Check(headers)) {
        PyErr_Format(PyExc_TypeError, "response headers must be a list, not %.200s", Py_TYPE(headers)->tp_name);
        return -1;
    }
    for (i = 0; i < PyList_GET_SIZE(headers); i++) {
        PyObject *t = PyList_GET_ITEM(headers, i);
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 2) {
            PyErr_Format(PyExc_TypeError, "each response header must be a (name, value) tuple, not %.200s",
                         Py_TYPE(t)->tp_name);
            return -1;
        }
        if (field_latin1(PyTuple_GET_ITEM(t, 0), buf, cap, &used, lens, nlens, &n) < 0 ||
            field_latin1(PyTuple_GET_ITEM(t, 1), buf, cap, &used, lens, nlens, &n) < 0)
            return -1;
    }
    *need = used;
    return n;
}

/* A new bytes object of n bytes for the caller to fill (*buf); NULL, with
   MemoryError set, if there is no room. */
PyObject *modpy_bytes_new(Py_ssize_t n, char **buf)
{
    PyObject *o = PyBytes_FromStringAndSize(NULL, n);
    *buf = o ? PyBytes_AS_STRING(o) : NULL;
    return o;
}

/* Little-endian numbers, as pack.go writes them, whatever the host's order. */
static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int64_t le64(const unsigned char *p)
{
    return (int64_t)((uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32);
}

/* One value of a buffer packed by Go (internal/python/pack.go), from *p
   on; *p moves past it. NULL with an exception set on a malformed buffer. */
static PyObject *unpack_one(const unsigned char **p, const unsigned char *end)
{
    uint32_t n;
    int64_t v;
    PyObject *t, *item;
    Py_ssize_t i;

    if (*p >= end)
        goto short_buf;
    switch (*(*p)++) {
    case 's':
    case 'l':
        if (end - *p < 4)
            goto short_buf;
        n = le32(*p);
        *p += 4;
        if ((size_t)(end - *p) < n)
            goto short_buf;
        if ((*p)[-5] == 'l')
            item = PyUnicode_DecodeLatin1((const char *)*p, n, NULL);
        else
            item = modpy_str((const char *)*p, n);
        *p += n;
        return item;
    case 'i':
        if (end - *p < 8)
            goto short_buf;
        v = le64(*p);
        *p += 8;
        return PyLong_FromLongLong(v);
    case 't':
        Py_RETURN_TRUE;
    case 'f':
        Py_RETURN_FALSE;
    case 'n':
        Py_RETURN_NONE;
    case 'D':
        if (end - *p < 4)
            goto short_buf;
        n = le32(*p);
        *p += 4;
        t = _PyDict_NewPresized(n);
        if (!t)
            return NULL;
        for (i = 0; i < (Py_ssize_t)n; i++) {
            PyObject *k = unpack_one(p, end);
            item = k ? unpack_one(p, end) : NULL;
            if (!item || PyDict_SetItem(t, k, item) < 0) {
                Py_XDECREF(k);
                Py_XDECREF(item);
                Py_DECREF(t);
                return NULL;
            }
            Py_DECREF(k);
            Py_DECREF(item);
        }
        return t;
    case 'T':
        if (end - *p < 4)
            goto short_buf;
        n = le32(*p);
        *p += 4;
        t = PyTuple_New(n);
        if (!t)
            return NULL;
        for (i = 0; i < (Py_ssize_t)n; i++) {
            item = unpack_one(p, end);
            if (!item) {
                Py_DECREF(t);
                return NULL;
            }
            PyTuple_SET_ITEM(t, i, item);
        }
        return t;
    }
    PyErr_SetString(PyExc_SystemError, "modpy: bad tag in a packed value");
    return NULL;
short_buf:
    PyErr_SetString(PyExc_SystemError, "modpy: packed value cut short");
    return NULL;
}

PyObject *modpy_unpack(const char *buf, Py_ssize_t n)
{
    const unsigned char *p = (const unsigned char *)buf;
    return unpack_one(&p, p + n);
}
PyObject *modpy_int(long long v) { return PyLong_FromLongLong(v); }
PyObject *modpy_none(void) { Py_RETURN_NONE; }
PyObject *modpy_true(void) { Py_RETURN_TRUE; }
PyObject *modpy_false(void) { Py_RETURN_FALSE; }
PyObject *modpy_list(Py_ssize_t n) { return PyList_New(n); }
void modpy_list_set(PyObject *list, Py_ssize_t i, PyObject *item) { PyList_SET_ITEM(list, i, item); }
PyObject *modpy_tuple(Py_ssize_t n) { return PyTuple_New(n); }
void modpy_tuple_set(PyObject *t, Py_ssize_t i, PyObject *item) { PyTuple_SET_ITEM(t, i, item); }
void modpy_decref(PyObject *o) { Py_XDECREF(o); }
int modpy_is_none(PyObject *o) { return o == Py_None; }

PyObject *modpy_pair(PyObject *a, PyObject *b)
{
    if (!a || !b) {
        Py_XDECREF(a);
        Py_XDECREF(b);
        return NULL;
    }
    PyObject *t = PyTuple_New(2);
    if (!t) {
        Py_DECREF(a);
        Py_DECREF(b);
        return NULL;
    }
    PyTuple_SET_ITEM(t, 0, a);
    PyTuple_SET_ITEM(t, 1, b);
    return t;
}

const char *modpy_text(PyObject *o, Py_ssize_t *n)
{
    if (PyUnicode_Check(o))
        return PyUnicode_AsUTF8AndSize(o, n);
    if (PyBytes_Check(o)) {
        *n = PyBytes_GET_SIZE(o);
        return PyBytes_AS_STRING(o);
    }
    PyErr_Format(PyExc_TypeError, "expected str or bytes, got %.100s", Py_TYPE(o)->tp_name);
    return NULL;
}

long long modpy_as_int(PyObject *o, int *ok)
{
    long long v = PyLong_AsLongLong(o);
    *ok = !(v == -1 && PyErr_Occurred());
    return v;
}

PyObject *modpy_error(int kind, const char *msg, Py_ssize_t n)
{
    PyObject *exc = PyExc_RuntimeError;
    switch (kind) {
    case MODPY_ERR_OS: exc = PyExc_OSError; break;
    case MODPY_ERR_TYPE: exc = PyExc_TypeError; break;
    case MODPY_ERR_VALUE: exc = PyExc_ValueError; break;
    case MODPY_ERR_KEY: exc = PyExc_KeyError; break;
    case MODPY_ERR_ATTRIBUTE: exc = PyExc_AttributeError; break;
    }
    PyObject *s = PyUnicode_DecodeUTF8(msg, n, "replace");
    if (s) {
        PyErr_SetObject(exc, s);
        Py_DECREF(s);
    }
    return NULL;
}

/* ---- the _apache module: thin wrappers over Go ---- */

static int arg_u64(PyObject *o, uint64_t *v)
{
    unsigned long long x = PyLong_AsUnsignedLongLong(o);
    if (x == (unsigned long long)-1 && PyErr_Occurred())
        return -1;
    *v = x;
    return 0;
}

static int nargs(const char *fn, Py_ssize_t n, Py_ssize_t min, Py_ssize_t max)
{
    if (n < min || n > max) {
        PyErr_Format(PyExc_TypeError, "_apache.%s takes %zd to %zd arguments (%zd given)", fn, min, max, n);
        return -1;
    }
    return 0;
}

/* embedded(name) -> (source, is_package) or None */
static PyObject *m_embedded(PyObject *self, PyObject *name)
{
    Py_ssize_t n;
    const char *s = modpy_text(name, &n);
    if (!s)
        return NULL;
    return goEmbedded((char *)s, n);
}

/* log_error(msg, level, h, interp) */
static PyObject *m_log_error(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
    if (nargs("log_error", n, 4, 4) < 0)
        return NULL;
    Py_ssize_t ml, il;
    const char *m = modpy_text(args[0], &ml);
    if (!m)
        return NULL;
    long level = PyLong_AsLong(args[1]);
    if (level == -1 && PyErr_Occurred())
        return NULL;
    uint64_t h;
    if (arg_u64(args[2], &h) < 0)
        return NULL;
    const char *in = modpy_text(args[3], &il);
    if (!in)
        return NULL;
    goLogError((char *)m, ml, (int)level, h, (char *)in, il);
    Py_RETURN_NONE;
}

/* Parse the (h, field[, value]) arguments of req_get, req_set and srv_get. */
static int handle_field(const char *fn, PyObject *const *args, Py_ssize_t n,
                        Py_ssize_t want, uint64_t *h, int *field)
{
    if (nargs(fn, n, want, want) < 0 || arg_u64(args[0], h) < 0)
        return -1;
    long f = PyLong_AsLong(args[1]);
    if (f == -1 && PyErr_Occurred())
        return -1;
    *field = (int)f;
    return 0;
}

/* req_get(h, field) */
static PyObject *m_req_get(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
    uint64_t h;
    int f;
    if (handle_field("req_get", args, n, 2, &h, &f) < 0)
        return NULL;
    return goReqGet(h, f);
}

/* req_set(h, field, value) */
static PyObject *m_req_set(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
    uint64_t h;
    int f;
    if (handle_field("req_set", args, n, 3, &h, &f) < 0)
        return NULL;
    return goReqSet(h, f, args[2]);
}

/* tbl(h, table, op[, key[, value]]) */
static PyObject *m_tbl(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
    uint64_t h;
    if (nargs("tbl", n, 3, 5) < 0 || arg_u64(args[0], &h) < 0)
        return NULL;
    long t = PyLong_AsLong(args[1]);
    long op = PyLong_AsLong(args[2]);
    if (PyErr_Occurred())
        return NULL;
    const char *k = NULL, *v = NULL;
    Py_ssize_t kl = 0, vl = 0;
    if (n > 3 && !(k = modpy_text(args[3], &kl)))
        return NULL;
    if (n > 4 && !(v = modpy_text(args[4], &vl)))
        return NULL;
    return goTable(h, (int)t, (int)op, (char *)k, kl, k != NULL, (char *)v, vl, v != NULL);
}

/* write(h, data, flush) */
static PyObject *m_write(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
    uint64_t h;
    if (nargs("write", n, 3, 3) < 0 || arg_u64(args[0], &h) < 0)
        return NULL;
    Py_ssize_t dl;
    const char *d = modpy_text(args[1], &dl);
    if (!d)
        return NULL;
    int flush = PyObject_IsTrue(args[2]);
    if (flush < 0)
        return NULL;
    return goWrite(h, (char *)d, dl, flush);
}

/* read(h, n, line) */
static PyObject *m_read(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
    uint64_t h;
    if (nargs("read", n, 3, 3) < 0 || arg_u64(args[0], &h) < 0)
        return NULL;
    long long want = PyLong_AsLongLong(args[1]);
    if (want == -1 && PyErr_Occurred())
        return NULL;
    int line = PyObject_IsTrue(args[2]);
    if (line < 0)
        return NULL;
    return goRead(h, want, line);
}

/* srv_get(h, field[, base]): h = 0 is the main server; otherwise the
 * request's server, or with base true its connection's base server */
static PyObject *m_srv_get(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
    uint64_t h;
    int f, base = 0;
    if (nargs("srv_get", n, 2, 3) < 0 || handle_field("srv_get", args, 2, 2, &h, &f) < 0)
        return NULL;
    if (n == 3 && (base = PyObject_IsTrue(args[2])) < 0)
        return NULL;
    return goSrvGet(h, f, base);
}

/* phase(h) -> (phase, handlers, debug, autoreload, pythonpath, interp_reload,
 * attrs_version): packPhase in bridge.go */
static PyObject *m_phase(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
    uint64_t h;
    if (nargs("phase", n, 1, 1) < 0 || arg_u64(args[0], &h) < 0)
        return NULL;
    return goPhase(h);
}

/* req_op(h, op[, a[, b[, c]]]): the request operations beyond fields and
 * tables (add_handler, attributes across interpreters, ...); Go decodes
 * the arguments (NULL: not given). */
static PyObject *m_req_op(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
    uint64_t h;
    if (nargs("req_op", n, 2, 5) < 0 || arg_u64(args[0], &h) < 0)
        return NULL;
    long op = PyLong_AsLong(args[1]);
    if (op == -1 && PyErr_Occurred())
        return NULL;
    return goReqOp(h, (int)op, n > 2 ? args[2] : NULL, n > 3 ? args[3] : NULL, n > 4 ? args[4] : NULL);
}

static PyMethodDef apache_methods[] = {
    {"req_op", (PyCFunction)(void (*)(void))m_req_op, METH_FASTCALL, "a request operation"},
    {"embedded", (PyCFunction)m_embedded, METH_O, "source of an embedded mod_python module"},
    {"log_error", (PyCFunction)(void (*)(void))m_log_error, METH_FASTCALL, "write to the error log"},
    {"req_get", (PyCFunction)(void (*)(void))m_req_get, METH_FASTCALL, "read a request field"},
    {"req_set", (PyCFunction)(void (*)(void))m_req_set, METH_FASTCALL, "set a request field"},
    {"tbl", (PyCFunction)(void (*)(void))m_tbl, METH_FASTCALL, "operate on a request table"},
    {"write", (PyCFunction)(void (*)(void))m_write, METH_FASTCALL, "write response body"},
    {"read", (PyCFunction)(void (*)(void))m_read, METH_FASTCALL, "read request body"},
    {"srv_get", (PyCFunction)(void (*)(void))m_srv_get, METH_FASTCALL, "read a server field"},
    {"phase", (PyCFunction)(void (*)(void))m_phase, METH_FASTCALL, "the phase being run"},
    {NULL, NULL, 0, NULL},
};

static int apache_exec(PyObject *m)
{
    return PyModule_AddIntConstant(m, "MODPY", 1);
}

static PyModuleDef_Slot apache_slots[] = {
    {Py_mod_exec, apache_exec},
#if PY_VERSION_HEX >= 0x030C0000
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL},
};

static struct PyModuleDef apache_def = {
    PyModuleDef_HEAD_INIT, "_apache", "modpy's bridge between mod_python and the Go server", 0,
    apache_methods, apache_slots, NULL, NULL, NULL,
};

PyObject *PyInit__apache(void)
{
    return PyModuleDef_Init(&apache_def);
}
