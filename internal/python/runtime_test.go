package python

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"modpy/internal/loglevel"
	"modpy/internal/request"
	pysrc "modpy/python"
)

type testLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *testLog) Log(level loglevel.Level, module, interp string, req *request.Request, msg string) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf("[%s:%d] [%s] %s", module, level, interp, msg))
	l.mu.Unlock()
}

func (l *testLog) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

var (
	rtOnce sync.Once
	rt     *Runtime
	rtLog  = &testLog{}
	rtErr  error
)

func runtimeForTest(t testing.TB) *Runtime {
	t.Helper()
	rtOnce.Do(func() {
		rt, rtErr = Start(Options{Log: rtLog, Sources: pysrc.FS, ThreadsPerChild: 8})
	})
	if rtErr != nil {
		t.Fatal(rtErr)
	}
	return rt
}

func TestMainInterpreter(t *testing.T) {
	rt := runtimeForTest(t)
	v, err := rt.Eval(MainInterpreter, "sys.version_info[0]*100 + sys.version_info[1]")
	if err != nil || v < 311 {
		t.Fatalf("eval = %d, %v; log:\n%s", v, err, rtLog.text())
	}
	v, err = rt.Eval(MainInterpreter, "__import__('mod_python.apache').apache.interpreter == 'main_interpreter'")
	if err != nil || v != 1 {
		t.Fatalf("apache.interpreter check = %d, %v; log:\n%s", v, err, rtLog.text())
	}
}

func TestSubInterpretersAreSeparate(t *testing.T) {
	rt := runtimeForTest(t)
	if _, err := rt.Eval("a", "sys.path.insert(0, '/only-in-a') or 1"); err != nil {
		t.Fatal(err)
	}
	v, err := rt.Eval("b", "'/only-in-a' in sys.path")
	if err != nil || v != 0 {
		t.Fatalf("b sees a's sys.path: %d %v", v, err)
	}
	v, err = rt.Eval("a", "'/only-in-a' in sys.path")
	if err != nil || v != 1 {
		t.Fatalf("a lost its sys.path: %d %v", v, err)
	}
	v, err = rt.Eval("b", "__import__('mod_python.apache').apache.interpreter == 'b'")
	if err != nil || v != 1 {
		t.Fatalf("apache.interpreter in b: %d %v\n%s", v, err, rtLog.text())
	}
}

// A C extension's callback that uses PyGILState_Ensure (ctypes) must find
// the sub-interpreter the thread belongs to.
func TestGILStateCallbackInSubInterpreter(t *testing.T) {
	rt := runtimeForTest(t)
	expr := `(lambda ctypes: ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)(lambda x: x * 2 + (__import__('mod_python.apache').apache.interpreter == 'cb'))(20))(__import__('ctypes'))`
	v, err := rt.Eval("cb", expr)
	if err != nil || v != 41 {
		t.Fatalf("ctypes callback = %d, %v\n%s", v, err, rtLog.text())
	}
}

func TestEndAndRecreate(t *testing.T) {
	rt := runtimeForTest(t)
	for i := 0; i < 30; i++ {
		v, err := rt.Eval("cycle", "len(__import__('json').dumps([1,2])) + __import__('decimal').Decimal(1).__int__()")
		if err != nil || v != 7 {
			t.Fatalf("round %d: %d %v\n%s", i, v, err, rtLog.text())
		}
		if err := rt.End("cycle", "test"); err != nil {
			t.Fatalf("round %d: end: %v", i, err)
		}
	}
	if !strings.Contains(rtLog.text(), `interpreter "cycle" ended (test)`) {
		t.Fatalf("no end logged:\n%s", rtLog.text())
	}
	if err := rt.End(MainInterpreter, "test"); err == nil {
		t.Fatal("main_interpreter was ended")
	}
}

func TestEndRefusedWithLiveThread(t *testing.T) {
	rt := runtimeForTest(t)
	if _, err := rt.Eval("threads", "__import__('threading').Thread(target=__import__('time').sleep, args=(3,), daemon=True).start() or 1"); err != nil {
		t.Fatal(err)
	}
	err := rt.End("threads", "test")
	if err == nil || !strings.Contains(err.Error(), "live threads") {
		t.Fatalf("end with a live thread: %v", err)
	}
	if v, err := rt.Eval("threads", "1"); err != nil || v != 1 {
		t.Fatalf("interpreter unusable after refused end: %v", err)
	}
}
