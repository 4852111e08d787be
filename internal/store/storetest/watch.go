package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/store"
)

// next returns the next event on ch, failing t if none comes in time or
// the channel closes.
func next(t *testing.T, ch <-chan store.Event) store.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed while an event was expected")
		}
		return ev
	case <-time.After(waitTimeout):
		t.Fatal("no watch event in time")
	}
	panic("unreachable")
}

// wantClosed drains ch and fails t unless it closes in time.
func wantClosed(t *testing.T, ch <-chan store.Event) []store.Event {
	t.Helper()
	var drained []store.Event
	deadline := time.After(waitTimeout)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return drained
			}
			drained = append(drained, ev)
		case <-deadline:
			t.Fatalf("watch channel not closed in time (drained %s)", join(drained))
		}
	}
}

// wantEvent fails t unless ev is as described; rev 0 means any revision.
func wantEvent(t *testing.T, ev store.Event, typ store.EventType, key, value string, rev int64) {
	t.Helper()
	want := store.Event{Type: typ, Object: store.Object{Key: key, Value: []byte(value), Revision: rev}}
	if ev.Type != typ || ev.Object.Key != key || string(ev.Object.Value) != value || (rev != 0 && ev.Object.Revision != rev) {
		t.Fatalf("event %s, want %s", describe(ev), describe(want))
	}
	if typ == store.EventDelete && ev.Object.Value != nil {
		t.Fatalf("delete event carries a value: %s", describe(ev))
	}
}

func testWatchFromRevision(t *testing.T, s store.Store, p string) {
	ctx := t.Context()
	rev1 := create(t, s, p+"w/k", "v1")
	create(t, s, p+"wx/k", "outside the prefix")
	rev2, err := s.Update(ctx, p+"w/k", []byte("v2"), rev1)
	must(t, "Update", err)
	must(t, "Delete", s.Delete(ctx, p+"w/k", rev2))

	ch := s.Watch(ctx, p+"w/", rev1)
	wantEvent(t, next(t, ch), store.EventPut, p+"w/k", "v1", rev1)
	wantEvent(t, next(t, ch), store.EventPut, p+"w/k", "v2", rev2)
	del := next(t, ch)
	wantEvent(t, del, store.EventDelete, p+"w/k", "", 0)
	if del.Object.Revision <= rev2 {
		t.Fatalf("delete event at revision %d, not after the update at %d", del.Object.Revision, rev2)
	}

	// The watch goes on with changes made after it started.
	rev4 := create(t, s, p+"w/later", "v")
	wantEvent(t, next(t, ch), store.EventPut, p+"w/later", "v", rev4)
}

func testWatchFromNow(t *testing.T, s store.Store, p string) {
	create(t, s, p+"before", "old")
	ch := s.Watch(t.Context(), p, 0)
	// A watch from now may take a moment to be in place on the server; keep
	// writing until one write shows up, then check it is not the old one.
	for i := 0; ; i++ {
		key := fmt.Sprintf("%safter-%d", p, i)
		rev := create(t, s, key, "new")
		select {
		case ev := <-ch:
			if ev.Object.Key == p+"before" {
				t.Fatalf("watch from now saw an older change: %s", describe(ev))
			}
			if ev.Type != store.EventPut || ev.Object.Revision > rev {
				t.Fatalf("unexpected event %s", describe(ev))
			}
			return
		case <-time.After(50 * time.Millisecond):
		}
		if i == 100 {
			t.Fatal("watch from now saw none of 100 writes")
		}
	}
}

func testWatchDeletePrefix(t *testing.T, s store.Store, p string) {
	create(t, s, p+"a", "1")
	last := create(t, s, p+"b", "2")
	ch := s.Watch(t.Context(), p, last+1)
	n, err := s.DeletePrefix(t.Context(), p)
	must(t, "DeletePrefix", err)
	if n != 2 {
		t.Fatalf("DeletePrefix removed %d, want 2", n)
	}
	a, b := next(t, ch), next(t, ch)
	wantEvent(t, a, store.EventDelete, p+"a", "", 0)
	wantEvent(t, b, store.EventDelete, p+"b", "", 0)
	if a.Object.Revision <= last || a.Object.Revision != b.Object.Revision {
		t.Fatalf("DeletePrefix events at revisions %d and %d, want one revision after %d", a.Object.Revision, b.Object.Revision, last)
	}
}

func testWatchOrder(t *testing.T, s store.Store, p string) {
	ctx := t.Context()
	res, err := s.List(ctx, p, store.ListOptions{})
	must(t, "List", err)
	ch := s.Watch(ctx, p, res.Revision+1)

	const writes = 100
	revs := make([]int64, 0, writes)
	done := make(chan error, 1)
	go func() {
		// Writes race with delivery on purpose; events must still arrive
		// complete and in order.
		var rev int64
		for i := range writes {
			key := fmt.Sprintf("%sk%d", p, i%10)
			var err error
			if i < 10 {
				rev, err = s.Create(ctx, key, []byte(fmt.Sprint(i)))
			} else {
				var obj store.Object
				if obj, err = s.Get(ctx, key); err == nil {
					rev, err = s.Update(ctx, key, []byte(fmt.Sprint(i)), obj.Revision)
				}
			}
			if err != nil {
				done <- err
				return
			}
			revs = append(revs, rev)
		}
		done <- nil
	}()
	var got []store.Event
	for range writes {
		got = append(got, next(t, ch))
	}
	must(t, "writes", <-done)
	for i, ev := range got {
		wantEvent(t, ev, store.EventPut, fmt.Sprintf("%sk%d", p, i%10), fmt.Sprint(i), revs[i])
	}
}

func testWatchCancel(t *testing.T, s store.Store, p string) {
	ctx, cancel := context.WithCancel(t.Context())
	ch := s.Watch(ctx, p, 0)
	create(t, s, p+"k", "v")
	cancel()
	wantClosed(t, ch)

	// A watch with a context that has already ended closes at once.
	wantClosed(t, s.Watch(ctx, p, 0))
}

func testWatchEndsOnClose(t *testing.T, s store.Store, p string) {
	rev := create(t, s, p+"k", "v")
	ch := s.Watch(t.Context(), p, rev)
	wantEvent(t, next(t, ch), store.EventPut, p+"k", "v", rev)
	must(t, "Close", s.Close())
	wantClosed(t, ch)
}

// testWatchCompacted checks the recovery path documented on Store.Watch: a
// watch from a compacted revision closes although its context is alive,
// and listing again and watching from the listing's revision works.
func testWatchCompacted(t *testing.T, s store.Store, p string) {
	c, ok := s.(Compacter)
	if !ok {
		t.Skip("store does not implement Compact")
	}
	ctx := t.Context()
	rev1 := create(t, s, p+"k", "v1")
	rev2, err := s.Update(ctx, p+"k", []byte("v2"), rev1)
	must(t, "Update", err)
	rev3, err := s.Update(ctx, p+"k", []byte("v3"), rev2)
	must(t, "Update", err)
	must(t, "Compact", c.Compact(ctx, rev3))

	if evs := wantClosed(t, s.Watch(ctx, p, rev1)); len(evs) != 0 {
		t.Fatalf("watch from a compacted revision delivered %s", join(evs))
	}
	if ctx.Err() != nil {
		t.Fatal("test context ended")
	}
	ch := s.Watch(ctx, p, rev3)
	wantEvent(t, next(t, ch), store.EventPut, p+"k", "v3", rev3)

	res, err := s.List(ctx, p, store.ListOptions{})
	must(t, "List", err)
	ch = s.Watch(ctx, p, res.Revision+1)
	rev4, err := s.Update(ctx, p+"k", []byte("v4"), rev3)
	must(t, "Update", err)
	wantEvent(t, next(t, ch), store.EventPut, p+"k", "v4", rev4)
}
