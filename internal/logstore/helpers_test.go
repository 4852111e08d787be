package logstore

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const testGroup = "123456789012/us-east-1/my/app#1.x-y_z"

func testOptions(t testing.TB) Options {
	return Options{
		SyncInterval: 10 * time.Millisecond,
		Log:          slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
}

// openStore opens a store in dir (a new temp dir if ""), closed at cleanup.
func openStore(t testing.TB, dir string, opts Options) *Store {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	if opts.Log == nil {
		opts.Log = testOptions(t).Log
	}
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// reopen closes s and opens its directory again.
func reopen(t testing.TB, s *Store) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return openStore(t, s.root, s.opts)
}

// evs makes n events with timestamps from ts on, step apart, messages
// "<prefix><i>".
func evs(prefix string, n int, ts, step int64) []Event {
	out := make([]Event, n)
	for i := range out {
		out[i] = Event{Timestamp: ts + int64(i)*step, Message: fmt.Sprintf("%s%d", prefix, i)}
	}
	return out
}

func mustAppend(t testing.TB, s *Store, group, stream string, events []Event, ingestion int64) {
	t.Helper()
	if err := s.Append(group, stream, events, ingestion); err != nil {
		t.Fatalf("Append(%q): %v", stream, err)
	}
}

func mustGet(t testing.TB, s *Store, group, stream string, q GetQuery) GetPage {
	t.Helper()
	p, err := s.Get(group, stream, q)
	if err != nil {
		t.Fatalf("Get(%q, %+v): %v", stream, q, err)
	}
	return p
}

func mustFilter(t testing.TB, s *Store, group string, q FilterQuery) FilterPage {
	t.Helper()
	p, err := s.Filter(group, q)
	if err != nil {
		t.Fatalf("Filter(%+v): %v", q, err)
	}
	return p
}

// getAll pages forward through a stream from its head until the token
// repeats.
func getAll(t testing.TB, s *Store, group, stream string, q GetQuery) []Stored {
	t.Helper()
	q.StartFromHead = true
	var out []Stored
	for range 100000 {
		p := mustGet(t, s, group, stream, q)
		out = append(out, p.Events...)
		if p.Forward == q.Token {
			return out
		}
		q.Token = p.Forward
	}
	t.Fatal("Get paging did not end")
	return nil
}

// filterAll pages through a Filter until NextToken is empty.
func filterAll(t testing.TB, s *Store, group string, q FilterQuery) []Stored {
	t.Helper()
	var out []Stored
	for range 100000 {
		p := mustFilter(t, s, group, q)
		out = append(out, p.Events...)
		if p.NextToken == "" {
			return out
		}
		q.Token = p.NextToken
	}
	t.Fatal("Filter paging did not end")
	return nil
}

func messages(events []Stored) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Message
	}
	return out
}

func ptr(v int64) *int64 { return &v }

// groupDir is the directory of group in s.
func groupDir(s *Store, group string) string {
	return filepath.Join(s.root, groupsDirName, groupDirName(group))
}

// segFiles lists the segment files of group in s.
func segFiles(t testing.TB, s *Store, group string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(groupDir(s, group), segPrefix+"*"+segSuffix))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func dirBytes(t testing.TB, dir string) int64 {
	t.Helper()
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// eventually polls cond until it holds or a few seconds pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
