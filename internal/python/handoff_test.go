package python

import "testing"

// BenchmarkHandoff measures one request's hand-off into an interpreter's
// thread and back (a Python call that returns at once), one client at a time.
func BenchmarkHandoff(b *testing.B) {
	rt := runtimeForTest(b)
	in, err := rt.Interp("bench")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := in.call(callNoop, 0, 0, "", "", nil, limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandoffParallel32 is the same with 32 concurrent clients.
func BenchmarkHandoffParallel32(b *testing.B) {
	rt := runtimeForTest(b)
	in, err := rt.Interp("bench")
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(16) // 16 × GOMAXPROCS(2) = 32 goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := in.call(callNoop, 0, 0, "", "", nil, limits{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
