package logstore

import (
	"fmt"
	"sync"
	"testing"
)

// TestConcurrentUse appends to many streams of two groups from many
// goroutines while others read, expire, delete streams and groups, with
// small segments so that rolls and compactions happen meanwhile. Run with
// -race.
func TestConcurrentUse(t *testing.T) {
	opts := testOptions(t)
	opts.SegmentBytes = 32 << 10
	s := openStore(t, "", opts)
	groups := []string{testGroup, "1/us-east-1/second"}
	const writers, batches, perBatch = 6, 40, 25

	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			g := groups[w%len(groups)]
			st := fmt.Sprintf("stream-%d", w)
			for b := range batches {
				// Timestamps go back now and then (out-of-order batches).
				ts := int64(1000 + b*perBatch - (b%4)*30)
				if err := s.Append(g, st, evs(fmt.Sprintf("%d-%d-", w, b), perBatch, ts, 1), int64(b)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var readers sync.WaitGroup
	read := func(f func()) {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					f()
				}
			}
		})
	}
	read(func() {
		if _, err := s.Filter(testGroup, FilterQuery{Limit: 100, Start: ptr(1200)}); err != nil {
			t.Error(err)
		}
	})
	read(func() {
		if _, err := s.Get(groups[1], "stream-1", GetQuery{Limit: 50}); err != nil {
			t.Error(err)
		}
		s.StreamInfo(testGroup, "stream-0")
		s.GroupStoredBytes(groups[1])
	})
	read(func() {
		// A doomed stream and group, churned while everything else runs.
		if err := s.Append(testGroup, "doomed", evs("d", 50, 0, 1), 1); err != nil {
			t.Error(err)
		}
		if err := s.DeleteStream(testGroup, "doomed"); err != nil {
			t.Error(err)
		}
		if err := s.Append("1/us-east-1/doomed", "x", evs("d", 5, 0, 1), 1); err != nil {
			t.Error(err)
		}
		if err := s.DeleteGroup("1/us-east-1/doomed"); err != nil {
			t.Error(err)
		}
		if err := s.Expire(groups[1], 10); err != nil { // expires nothing kept
			t.Error(err)
		}
	})
	wg.Wait()
	close(stop)
	readers.Wait()

	check := func(s *Store) {
		t.Helper()
		ids := map[string]bool{}
		for w := range writers {
			g := groups[w%len(groups)]
			got := getAll(t, s, g, fmt.Sprintf("stream-%d", w), GetQuery{})
			if len(got) != batches*perBatch {
				t.Fatalf("stream-%d has %d events, want %d", w, len(got), batches*perBatch)
			}
			for i, e := range got {
				if i > 0 && (e.Timestamp < got[i-1].Timestamp ||
					e.Timestamp == got[i-1].Timestamp && mustParse(t, e.ID) < mustParse(t, got[i-1].ID)) {
					t.Fatalf("stream-%d out of order at %d", w, i)
				}
				if ids[g+e.ID] {
					t.Fatalf("ID %s repeats in group %s", e.ID, g)
				}
				ids[g+e.ID] = true
			}
		}
		if _, ok := s.StreamInfo(testGroup, "doomed"); ok {
			t.Error("deleted stream has events")
		}
	}
	check(s)
	check(reopen(t, s))
}
