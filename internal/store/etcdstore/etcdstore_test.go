package etcdstore

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/store"
	"github.com/berth-dev/berth/internal/store/storetest"
)

// openEmbedded opens a store on a fresh embedded member in a temporary
// data dir, closed when the test ends.
func openEmbedded(t *testing.T, cfg Config) *Store {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	start := time.Now()
	s, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Logf("Open took %v", time.Since(start))
	t.Cleanup(func() { s.Close() })
	return s
}

// testLogger sends log records to t.Log, so a failing test shows etcd's
// errors next to its own.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, nil))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

func TestConformanceEmbedded(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openEmbedded(t, Config{})
	})
}

// TestConformanceExternal runs the suite through Endpoints, the path used
// with an external cluster, against one embedded member's client socket,
// each subtest in its own namespace.
func TestConformanceExternal(t *testing.T) {
	member := openEmbedded(t, Config{})
	storetest.Run(t, func(t *testing.T) store.Store {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		s, err := Open(ctx, Config{
			Endpoints: []string{member.ClientURL()},
			Namespace: "/" + t.Name() + "/",
			Logger:    testLogger(t),
		})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}
