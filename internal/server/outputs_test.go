package server

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSweepOutputs(t *testing.T) {
	logs, ship := t.TempDir(), t.TempDir()
	old := time.Now().Add(-2 * time.Hour)
	write := func(dir, task, name string, mod time.Time) {
		t.Helper()
		p := filepath.Join(dir, task, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{p, filepath.Dir(p)} {
			if err := os.Chtimes(q, mod, mod); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(logs, "gone", "app.stdout.log", old)
	write(ship, "gone", "app.awslogs", old)
	write(logs, "recent", "app.stdout.log", time.Now())
	write(logs, "running", "app.stdout.log", old)
	// A dir last touched long ago but with a fresh file stays.
	write(logs, "fresh-file", "a.log", old)
	if err := os.WriteFile(filepath.Join(logs, "fresh-file", "b.log"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(filepath.Join(logs, "fresh-file"), old, old); err != nil {
		t.Fatal(err)
	}
	n, err := sweepOutputs([]string{logs, ship, filepath.Join(t.TempDir(), "absent")}, map[string]bool{"running": true}, time.Now().Add(-time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("removed %d, %v; want the two dirs of the gone task", n, err)
	}
	for _, p := range []string{filepath.Join(logs, "gone"), filepath.Join(ship, "gone")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s is still there", p)
		}
	}
	for _, task := range []string{"recent", "running", "fresh-file"} {
		if _, err := os.Stat(filepath.Join(logs, task)); err != nil {
			t.Errorf("%s was removed: %v", task, err)
		}
	}
}
