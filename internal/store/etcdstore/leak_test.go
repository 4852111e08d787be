package etcdstore

import (
	"runtime"
	"testing"
	"time"
)

// TestCloseLeavesNoGoroutines stands in for goleak (not a dependency):
// after Close, with a watch open until then, the process is back to the
// goroutines it had before Open.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 2 {
		s, err := Open(t.Context(), Config{DataDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		ch := s.Watch(t.Context(), "/", 0)
		if _, err := s.Create(t.Context(), "/k", nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		for range ch {
		}
	}
	// Some of etcd's goroutines finish shortly after Close returns.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines before Open, %d after Close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
