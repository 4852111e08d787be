package memstore

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/berth-dev/berth/internal/store"
	"github.com/berth-dev/berth/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return New() })
}

// A watch that falls behind the bounded history ends, as an etcd watch
// ends on compaction, instead of buffering without limit.
func TestWatchFallsBehindHistory(t *testing.T) {
	s := New()
	t.Cleanup(func() { s.Close() })
	s.hist.limit = 10
	ctx := t.Context()

	ch := s.Watch(ctx, "/k/", 0)
	for i := range 30 {
		if _, err := s.Create(ctx, fmt.Sprintf("/k/%02d", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	// The watch has not been read: its next event is gone from history.
	n := 0
	for range ch {
		n++
	}
	if n >= 30 {
		t.Fatalf("watch delivered all %d events although history keeps 10", n)
	}
	if len(s.hist.events) > 10+10/4 {
		t.Errorf("history holds %d events, limit 10", len(s.hist.events))
	}
	// A watch from before the kept history closes at once.
	if _, ok := <-s.Watch(ctx, "/k/", 2); ok {
		t.Error("watch from a dropped revision delivered an event")
	}
}

func TestClosedStore(t *testing.T) {
	s := New()
	s.Close()
	if _, err := s.Create(t.Context(), "/k", nil); err != ErrClosed {
		t.Errorf("Create after Close: %v, want ErrClosed", err)
	}
	if _, ok := <-s.Watch(t.Context(), "/", 0); ok {
		t.Error("Watch after Close delivered an event")
	}
}

// Close ends every watch goroutine before it returns.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	s := New()
	for range 10 {
		s.Watch(t.Context(), "/", 0)
	}
	if _, err := s.Create(t.Context(), "/k", nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines before, %d after Close", before, n)
	}
}
