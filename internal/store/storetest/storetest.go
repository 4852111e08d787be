// Package storetest is the conformance suite for store.Store: one set of
// test bodies that every implementation (etcdstore, memstore) must pass, so
// that a fake used in unit tests behaves like the store used in production.
//
// An implementation's test calls Run with a constructor:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return memstore.New() })
//	}
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/store"
)

// Compacter is implemented by stores that can drop old history on demand.
// Run checks how watches behave across a compaction only for those.
type Compacter interface {
	Compact(ctx context.Context, rev int64) error
}

// waitTimeout bounds every wait for an event or a closed channel. It is a
// deadline against hangs, not a performance expectation.
const waitTimeout = 10 * time.Second

// Run runs every conformance test as a subtest. newStore is called once per
// subtest and may return a fresh store or share one backend: every subtest
// keeps to keys under its own prefix. Run closes each store it is given
// when its subtest ends, so Close must be safe to call more than once; a
// constructor sharing a backend can return a wrapper whose Close does
// nothing.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store, p string)
	}{
		{"CreateGet", testCreateGet},
		{"CreateTwice", testCreateTwice},
		{"Values", testValues},
		{"EmptyKey", testEmptyKey},
		{"Update", testUpdate},
		{"UpdateStale", testUpdateStale},
		{"UpdateMissing", testUpdateMissing},
		{"Delete", testDelete},
		{"DeleteAtRevision", testDeleteAtRevision},
		{"DeleteMissing", testDeleteMissing},
		{"DeletePrefix", testDeletePrefix},
		{"CanceledContext", testCanceledContext},
		{"ListOrder", testListOrder},
		{"ListEmpty", testListEmpty},
		{"ListPages", testListPages},
		{"ListAfter", testListAfter},
		{"ListPrefixIsolation", testListPrefixIsolation},
		{"WatchFromRevision", testWatchFromRevision},
		{"WatchFromNow", testWatchFromNow},
		{"WatchDeletePrefix", testWatchDeletePrefix},
		{"WatchOrder", testWatchOrder},
		{"WatchCancel", testWatchCancel},
		{"WatchEndsOnClose", testWatchEndsOnClose},
		{"WatchCompacted", testWatchCompacted},
		{"ConcurrentCreate", testConcurrentCreate},
		{"ConcurrentUpdate", testConcurrentUpdate},
		{"CloseTwice", testCloseTwice},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tt.fn(t, s, "/storetest/"+tt.name+"/")
		})
	}
}

// wantErr fails t unless err is of kind want.
func wantErr(t *testing.T, op string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", op, err, want)
	}
}

// must fails t on err.
func must(t *testing.T, op string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
}

// create writes key=value and returns its revision, failing t on error.
func create(t *testing.T, s store.Store, key, value string) int64 {
	t.Helper()
	rev, err := s.Create(t.Context(), key, []byte(value))
	must(t, fmt.Sprintf("Create(%q)", key), err)
	if rev <= 0 {
		t.Fatalf("Create(%q) returned revision %d", key, rev)
	}
	return rev
}

// wantObject fails t unless s holds key=value at rev (rev 0: any).
func wantObject(t *testing.T, s store.Store, key, value string, rev int64) {
	t.Helper()
	obj, err := s.Get(t.Context(), key)
	must(t, fmt.Sprintf("Get(%q)", key), err)
	if obj.Key != key || string(obj.Value) != value || (rev != 0 && obj.Revision != rev) {
		t.Fatalf("Get(%q) = {%q %q %d}, want {%q %q %d}", key, obj.Key, obj.Value, obj.Revision, key, value, rev)
	}
}

// keys returns the keys of objs.
func keys(objs []store.Object) []string {
	ks := make([]string, len(objs))
	for i, o := range objs {
		ks[i] = o.Key
	}
	return ks
}

func testCloseTwice(t *testing.T, s store.Store, p string) {
	create(t, s, p+"k", "v")
	must(t, "Close", s.Close())
	must(t, "second Close", s.Close())
}

// describe renders an event for failure messages.
func describe(ev store.Event) string {
	kind := map[store.EventType]string{store.EventPut: "put", store.EventDelete: "delete"}[ev.Type]
	return fmt.Sprintf("%s %s=%q @%d", kind, ev.Object.Key, ev.Object.Value, ev.Object.Revision)
}

// join renders events for failure messages.
func join(evs []store.Event) string {
	var parts []string
	for _, ev := range evs {
		parts = append(parts, describe(ev))
	}
	return strings.Join(parts, "; ")
}
