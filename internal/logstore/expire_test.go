package logstore

import (
	"fmt"
	"os"
	"slices"
	"testing"
)

func TestExpire(t *testing.T) {
	opts := testOptions(t)
	opts.SegmentBytes = 512
	s := openStore(t, "", opts)
	// ts 0..99 in batches of 10 (one segment holds a few of them), over
	// two streams.
	for i := range 10 {
		mustAppend(t, s, testGroup, "a", evs(fmt.Sprintf("a%d-", i), 10, int64(i*10), 1), int64(i))
		mustAppend(t, s, testGroup, "b", evs(fmt.Sprintf("b%d-", i), 5, int64(i*10), 2), int64(i))
	}
	segsBefore := len(segFiles(t, s, testGroup))
	if err := s.Expire(testGroup, 55); err != nil {
		t.Fatal(err)
	}
	check := func(s *Store) {
		t.Helper()
		for _, st := range []string{"a", "b"} {
			for _, e := range getAll(t, s, testGroup, st, GetQuery{}) {
				if e.Timestamp < 55 {
					t.Fatalf("stream %s: expired event %+v returned", st, e)
				}
			}
		}
		got := filterAll(t, s, testGroup, FilterQuery{Limit: 4})
		if len(got) != 45+22 || got[0].Timestamp != 55 {
			t.Errorf("Filter after expiry: %d events from ts %d, want 67 from 55", len(got), got[0].Timestamp)
		}
		// The newest page (backward) also stops at the cutoff.
		if p := mustGet(t, s, testGroup, "a", GetQuery{Limit: 1000}); len(p.Events) != 45 {
			t.Errorf("newest page of a: %d events, want 45", len(p.Events))
		}
		info, ok := s.StreamInfo(testGroup, "a")
		want := StreamInfo{FirstEventTimestamp: 55, LastEventTimestamp: 99, LastIngestionTime: 9, Events: 45}
		want.StoredBytes = info.StoredBytes
		if !ok || info != want {
			t.Errorf("StreamInfo(a) = %+v, want %+v", info, want)
		}
		var bytes int64
		for _, e := range getAll(t, s, testGroup, "a", GetQuery{}) {
			bytes += int64(len(e.Message)) + 26
		}
		if info.StoredBytes != bytes {
			t.Errorf("StoredBytes = %d, want %d", info.StoredBytes, bytes)
		}
	}
	check(s)
	if n := len(segFiles(t, s, testGroup)); n >= segsBefore {
		t.Errorf("%d segment files after expiring half, had %d: none reclaimed", n, segsBefore)
	}
	s = reopen(t, s)
	check(s)

	// Expiring to an earlier time brings nothing back.
	if err := s.Expire(testGroup, 10); err != nil {
		t.Fatal(err)
	}
	check(s)

	// Expiring everything leaves (almost) no data on disk.
	if err := s.Expire(testGroup, 1000); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.StreamInfo(testGroup, "a"); ok {
		t.Error("StreamInfo ok after everything expired")
	}
	if n := dirBytes(t, groupDir(s, testGroup)); n > 1024 {
		t.Errorf("%d bytes on disk after everything expired", n)
	}
	// IDs keep growing after everything expired and a restart.
	s = reopen(t, s)
	mustAppend(t, s, testGroup, "a", evs("new", 1, 2000, 1), 1)
	if id := mustParse(t, mustGet(t, s, testGroup, "a", GetQuery{}).Events[0].ID); id <= 150 {
		t.Errorf("ID after expiring everything = %d, want above the 150 used before", id)
	}
}

func TestDeleteStream(t *testing.T) {
	s := openStore(t, "", Options{})
	mustAppend(t, s, testGroup, "gone", evs("g", 5, 0, 1), 1)
	mustAppend(t, s, testGroup, "kept", evs("k", 5, 0, 1), 1)
	if err := s.DeleteStream(testGroup, "gone"); err != nil {
		t.Fatal(err)
	}
	check := func(s *Store) {
		t.Helper()
		if p := mustGet(t, s, testGroup, "gone", GetQuery{StartFromHead: true}); len(p.Events) != 0 {
			t.Errorf("deleted stream has %d events", len(p.Events))
		}
		if _, ok := s.StreamInfo(testGroup, "gone"); ok {
			t.Error("deleted stream has StreamInfo")
		}
		if got := filterAll(t, s, testGroup, FilterQuery{}); len(got) != 5 || got[0].Stream != "kept" {
			t.Errorf("Filter after delete: %d events", len(got))
		}
	}
	check(s)
	s = reopen(t, s)
	check(s)
	if err := s.DeleteStream(testGroup, "gone"); err != nil {
		t.Errorf("deleting again: %v", err)
	}
	// The name can be used again, without the old events.
	mustAppend(t, s, testGroup, "gone", evs("new", 1, 0, 1), 1)
	s = reopen(t, s)
	if got := messages(getAll(t, s, testGroup, "gone", GetQuery{})); !slices.Equal(got, []string{"new0"}) {
		t.Errorf("recreated stream = %q, want [new0]", got)
	}
	if got := s.GroupStoredBytes(testGroup); got != 5*(2+26)+(4+26) {
		t.Errorf("GroupStoredBytes = %d, want %d", got, 5*(2+26)+(4+26))
	}
}

func TestDeleteStreamReclaimsSpace(t *testing.T) {
	opts := testOptions(t)
	opts.SegmentBytes = 8 << 10
	s := openStore(t, "", opts)
	// Two streams interleaved through every segment: deleting one leaves
	// every sealed segment half dead, so compaction must rewrite them.
	for i := range 40 {
		mustAppend(t, s, testGroup, "big", evs(fmt.Sprintf("big%d-%0100d-", i, 0), 20, int64(i*100), 1), 1)
		mustAppend(t, s, testGroup, "small", evs(fmt.Sprintf("s%d-%0100d-", i, 0), 2, int64(i*100), 1), 1)
	}
	want := filterAll(t, s, testGroup, FilterQuery{Streams: []string{"small"}})
	// A reader holding a page token across the compaction.
	tok := mustGet(t, s, testGroup, "small", GetQuery{StartFromHead: true, Limit: 10}).Forward
	before := dirBytes(t, groupDir(s, testGroup))
	if err := s.DeleteStream(testGroup, "big"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "compaction reclaims the deleted stream's space", func() bool {
		return dirBytes(t, groupDir(s, testGroup)) < before/3
	})
	if got := filterAll(t, s, testGroup, FilterQuery{}); !slices.Equal(messages(got), messages(want)) {
		t.Errorf("after compaction: %d events, want %d", len(got), len(want))
	}
	if p := mustGet(t, s, testGroup, "small", GetQuery{Token: tok, Limit: 1000}); len(p.Events) != len(want)-10 {
		t.Errorf("token across compaction: %d events, want %d", len(p.Events), len(want)-10)
	}
	s = reopen(t, s)
	if got := filterAll(t, s, testGroup, FilterQuery{}); !slices.Equal(messages(got), messages(want)) {
		t.Errorf("after compaction and restart: %d events, want %d", len(got), len(want))
	}
	if got := filterAll(t, s, testGroup, FilterQuery{}); !slices.EqualFunc(got, want, func(a, b Stored) bool { return a.ID == b.ID }) {
		t.Error("IDs changed by compaction")
	}
}

func TestDeleteGroup(t *testing.T) {
	s := openStore(t, "", Options{})
	mustAppend(t, s, testGroup, "s", evs("m", 5, 0, 1), 1)
	mustAppend(t, s, "1/us-east-1/other", "s", evs("o", 5, 0, 1), 1)
	dir := groupDir(s, testGroup)
	if err := s.DeleteGroup(testGroup); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("group directory still there: %v", err)
	}
	if p := mustGet(t, s, testGroup, "s", GetQuery{}); len(p.Events) != 0 {
		t.Error("events of a deleted group")
	}
	if s.GroupStoredBytes(testGroup) != 0 {
		t.Error("GroupStoredBytes of a deleted group")
	}
	s = reopen(t, s)
	if p := mustGet(t, s, testGroup, "s", GetQuery{}); len(p.Events) != 0 {
		t.Error("events of a deleted group after restart")
	}
	if n := len(filterAll(t, s, "1/us-east-1/other", FilterQuery{})); n != 5 {
		t.Errorf("other group has %d events, want 5", n)
	}
	// A group of the same name starts empty, IDs from the start.
	mustAppend(t, s, testGroup, "s", evs("new", 1, 0, 1), 1)
	if got := messages(getAll(t, s, testGroup, "s", GetQuery{})); !slices.Equal(got, []string{"new0"}) {
		t.Errorf("recreated group = %q", got)
	}
	entries, _ := os.ReadDir(s.root + "/" + trashDirName)
	if len(entries) != 0 {
		t.Errorf("%d entries left in the trash", len(entries))
	}
}

func TestDeleteGroupDuringRead(t *testing.T) {
	s := openStore(t, "", Options{})
	mustAppend(t, s, testGroup, "s", evs("m", 2000, 0, 1), 1)
	done := make(chan error)
	go func() {
		for range 20 {
			if _, err := s.Filter(testGroup, FilterQuery{}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	if err := s.DeleteGroup(testGroup); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("Filter racing DeleteGroup: %v", err)
	}
}
