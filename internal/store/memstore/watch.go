package memstore

import (
	"context"
	"strings"

	"github.com/berth-dev/berth/internal/store"
)

// history is the log of recent changes that watches read. Entries are in
// revision order; several share a revision when one write (DeletePrefix)
// changed several keys.
type history struct {
	events    []store.Event
	base      int   // absolute position of events[0]
	compacted int64 // highest revision whose events are gone; 0 = none
	limit     int   // events kept before the oldest are dropped
}

// add appends one event, dropping the oldest quarter of the log when it
// outgrows its limit.
func (h *history) add(ev store.Event) {
	h.events = append(h.events, ev)
	if len(h.events) > h.limit+h.limit/4 {
		n := len(h.events) - h.limit
		h.drop(h.events[n-1].Object.Revision + 1)
	}
}

// compact drops every event below rev.
func (h *history) compact(rev int64) {
	if rev-1 > h.compacted {
		h.drop(rev)
	}
}

// drop removes the events below rev, keeping whole revisions together, and
// copies what is left so the dropped events can be freed.
func (h *history) drop(rev int64) {
	n := 0
	for n < len(h.events) && h.events[n].Object.Revision < rev {
		n++
	}
	h.events = append([]store.Event(nil), h.events[n:]...)
	h.base += n
	h.compacted = max(h.compacted, rev-1)
}

// end is the absolute position after the last event.
func (h *history) end() int { return h.base + len(h.events) }

// Watch implements store.Store. Each watch runs one goroutine that reads
// the shared history, so a slow reader delays no writer and no other
// watch; one that falls so far behind that its next event has been dropped
// from the history is closed, as etcd closes a watch on compaction.
func (s *Store) Watch(ctx context.Context, prefix string, fromRev int64) <-chan store.Event {
	ch := make(chan store.Event)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || ctx.Err() != nil || (fromRev > 0 && fromRev <= s.hist.compacted) {
		close(ch)
		return ch
	}
	next := s.hist.base // a watch from the past scans what is kept
	if fromRev <= 0 {
		next = s.hist.end()
	}
	s.watches.Add(1)
	go s.watch(ctx, ch, prefix, fromRev, next)
	return ch
}

// watch delivers the events at or after position next whose revision is
// at least fromRev, until ctx ends, the store closes or history runs out.
func (s *Store) watch(ctx context.Context, ch chan<- store.Event, prefix string, fromRev int64, next int) {
	defer s.watches.Done()
	defer close(ch)
	for {
		s.mu.Lock()
		if next < s.hist.base {
			s.mu.Unlock()
			return // events this watch has not delivered were dropped
		}
		var pending []store.Event
		for _, ev := range s.hist.events[next-s.hist.base:] {
			if ev.Object.Revision >= fromRev && strings.HasPrefix(ev.Object.Key, prefix) {
				pending = append(pending, ev)
			}
		}
		next = s.hist.end()
		wake := s.changed
		s.mu.Unlock()

		for _, ev := range pending {
			ev.Object = clone(ev.Object)
			select {
			case ch <- ev:
			case <-ctx.Done():
				return
			case <-s.done:
				return
			}
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return
		case <-s.done:
			return
		}
	}
}
