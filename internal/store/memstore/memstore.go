// Package memstore is an in-memory store.Store for fast unit tests of the
// packages that use the store. It passes the same conformance suite
// (store/storetest) as the etcd store, watches and revisions included, but
// keeps nothing across restarts and serves one process only.
//
// Like etcd, it numbers every write with a store-wide revision, keeps a
// bounded history of changes for watches, and closes a watch that falls
// behind that history (see Compact), so code under test meets the same
// re-list-and-watch path it meets in production.
package memstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/berth-dev/berth/internal/store"
)

// ErrClosed is returned by every method of a closed Store.
var ErrClosed = errors.New("memstore: closed")

// defaultHistory is how many change events a Store keeps for watches that
// start in the past or fall behind.
const defaultHistory = 100_000

// Store is an in-memory store.Store. The zero value is not usable; call New.
type Store struct {
	mu      sync.Mutex
	rev     int64 // revision of the last write; 1 when empty, as in etcd
	objects map[string]store.Object
	keys    []string // sorted keys of objects
	hist    history
	changed chan struct{} // closed and replaced on every write
	closed  bool
	done    chan struct{} // closed by Close
	watches sync.WaitGroup
}

var _ store.Store = (*Store)(nil)

// New returns an empty Store.
func New() *Store {
	return &Store{
		rev:     1,
		objects: make(map[string]store.Object),
		hist:    history{limit: defaultHistory},
		changed: make(chan struct{}),
		done:    make(chan struct{}),
	}
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, key string) (store.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, key); err != nil {
		return store.Object{}, err
	}
	obj, ok := s.objects[key]
	if !ok {
		return store.Object{}, fmt.Errorf("memstore: get %q: %w", key, store.ErrNotFound)
	}
	return clone(obj), nil
}

// List implements store.Store.
func (s *Store) List(ctx context.Context, prefix string, opts store.ListOptions) (store.ListResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "-"); err != nil {
		return store.ListResult{}, err
	}
	start := prefix
	if opts.After != "" && opts.After >= start {
		start = opts.After + "\x00"
	}
	res := store.ListResult{Revision: s.rev}
	i, _ := slices.BinarySearch(s.keys, start)
	for ; i < len(s.keys) && strings.HasPrefix(s.keys[i], prefix); i++ {
		if opts.Limit > 0 && len(res.Objects) == opts.Limit {
			res.More = true
			break
		}
		res.Objects = append(res.Objects, clone(s.objects[s.keys[i]]))
	}
	return res, nil
}

// Create implements store.Store.
func (s *Store) Create(ctx context.Context, key string, value []byte) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, key); err != nil {
		return 0, err
	}
	if _, ok := s.objects[key]; ok {
		return 0, fmt.Errorf("memstore: create %q: %w", key, store.ErrAlreadyExists)
	}
	return s.put(key, value), nil
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, key string, value []byte, rev int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, key); err != nil {
		return 0, err
	}
	cur, ok := s.objects[key]
	if !ok {
		return 0, fmt.Errorf("memstore: update %q: %w", key, store.ErrNotFound)
	}
	if cur.Revision != rev {
		return 0, fmt.Errorf("memstore: update %q at revision %d (now %d): %w", key, rev, cur.Revision, store.ErrConflict)
	}
	return s.put(key, value), nil
}

// Delete implements store.Store.
func (s *Store) Delete(ctx context.Context, key string, rev int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, key); err != nil {
		return err
	}
	cur, ok := s.objects[key]
	if !ok {
		return fmt.Errorf("memstore: delete %q: %w", key, store.ErrNotFound)
	}
	if rev > 0 && cur.Revision != rev {
		return fmt.Errorf("memstore: delete %q at revision %d (now %d): %w", key, rev, cur.Revision, store.ErrConflict)
	}
	s.rev++
	s.remove(key)
	s.wake()
	return nil
}

// DeletePrefix implements store.Store. Like etcd, it removes all the keys
// at one revision, and a call that removes nothing writes nothing.
func (s *Store) DeletePrefix(ctx context.Context, prefix string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if prefix == "" {
		return 0, errors.New("memstore: delete prefix: empty prefix")
	}
	if err := s.check(ctx, prefix); err != nil {
		return 0, err
	}
	lo, _ := slices.BinarySearch(s.keys, prefix)
	hi := lo
	for hi < len(s.keys) && strings.HasPrefix(s.keys[hi], prefix) {
		hi++
	}
	if hi == lo {
		return 0, nil
	}
	s.rev++
	for _, key := range slices.Clone(s.keys[lo:hi]) {
		s.remove(key)
	}
	s.wake()
	return int64(hi - lo), nil
}

// Compact drops the change history before rev, as etcd's compaction does:
// a Watch from a revision below rev then ends at once, and one that has
// not yet delivered those changes ends too.
func (s *Store) Compact(ctx context.Context, rev int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "-"); err != nil {
		return err
	}
	if rev > s.rev {
		return fmt.Errorf("memstore: compact at %d: future revision (now %d)", rev, s.rev)
	}
	s.hist.compact(rev)
	s.wake()
	return nil
}

// Close ends every watch and makes later calls fail with ErrClosed. It is
// safe to call more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
	s.mu.Unlock()
	s.watches.Wait()
	return nil
}

// check reports why an operation on key cannot run. Callers hold s.mu.
func (s *Store) check(ctx context.Context, key string) error {
	if s.closed {
		return ErrClosed
	}
	if key == "" {
		return errors.New("memstore: empty key")
	}
	return ctx.Err()
}

// put writes key at a new revision and records the event. Callers hold s.mu.
func (s *Store) put(key string, value []byte) int64 {
	s.rev++
	obj := store.Object{Key: key, Value: slices.Clone(value), Revision: s.rev}
	if _, ok := s.objects[key]; !ok {
		i, _ := slices.BinarySearch(s.keys, key)
		s.keys = slices.Insert(s.keys, i, key)
	}
	s.objects[key] = obj
	s.hist.add(store.Event{Type: store.EventPut, Object: obj})
	s.wake()
	return s.rev
}

// remove deletes key at the current revision and records the event.
// Callers hold s.mu and have advanced s.rev.
func (s *Store) remove(key string) {
	delete(s.objects, key)
	i, _ := slices.BinarySearch(s.keys, key)
	s.keys = slices.Delete(s.keys, i, i+1)
	s.hist.add(store.Event{Type: store.EventDelete, Object: store.Object{Key: key, Revision: s.rev}})
}

// wake tells every watch that history changed. Callers hold s.mu.
func (s *Store) wake() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func clone(obj store.Object) store.Object {
	obj.Value = slices.Clone(obj.Value)
	return obj
}
