package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Typed is a view of a Store whose values are records of type T encoded as
// JSON. It holds no state but S, so copy it freely; several Typed views of
// different types may share one Store.
type Typed[T any] struct{ S Store }

// Item is one decoded record with its key and revision.
type Item[T any] struct {
	Key      string
	Value    T
	Revision int64 // the CAS token for Update and Delete
}

// Page is one decoded page of a listing; see ListResult.
type Page[T any] struct {
	Items    []Item[T]
	More     bool
	Revision int64
}

// listAllPageSize is how many records ListAll asks for at a time: big
// enough that a listing is a few round trips, small enough that no single
// response is large.
const listAllPageSize = 500

// mutateAttempts bounds Mutate's read-modify-write loop. Each lost race
// means another writer succeeded, so the loop only runs out under heavy,
// sustained contention on one key.
const mutateAttempts = 32

// Get returns the record at key and its revision, or ErrNotFound.
func (t Typed[T]) Get(ctx context.Context, key string) (*T, int64, error) {
	obj, err := t.S.Get(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	v, err := t.Decode(obj)
	if err != nil {
		return nil, 0, err
	}
	return v, obj.Revision, nil
}

// Decode decodes one stored object, for example the Object of a Watch
// event. It fails for an EventDelete's object, whose value is nil.
func (t Typed[T]) Decode(obj Object) (*T, error) {
	v := new(T)
	if err := json.Unmarshal(obj.Value, v); err != nil {
		return nil, fmt.Errorf("store: decode %q: %w", obj.Key, err)
	}
	return v, nil
}

// List returns one decoded page of the records under prefix.
func (t Typed[T]) List(ctx context.Context, prefix string, opts ListOptions) (Page[T], error) {
	res, err := t.S.List(ctx, prefix, opts)
	if err != nil {
		return Page[T]{}, err
	}
	p := Page[T]{Items: make([]Item[T], 0, len(res.Objects)), More: res.More, Revision: res.Revision}
	for _, obj := range res.Objects {
		v, err := t.Decode(obj)
		if err != nil {
			return Page[T]{}, err
		}
		p.Items = append(p.Items, Item[T]{Key: obj.Key, Value: *v, Revision: obj.Revision})
	}
	return p, nil
}

// ListAll pages through every record under prefix, in key order.
//
// The pages are read one after another, not as one snapshot. The returned
// revision is the first page's: every item is at least that new, and a
// Watch from rev+1 sees every change made after the listing began (some of
// which the items may already show, so apply events idempotently, e.g. by
// ignoring an event whose revision is not above the item's).
func (t Typed[T]) ListAll(ctx context.Context, prefix string) (items []Item[T], rev int64, err error) {
	opts := ListOptions{Limit: listAllPageSize}
	for {
		p, err := t.List(ctx, prefix, opts)
		if err != nil {
			return nil, 0, err
		}
		if rev == 0 {
			rev = p.Revision
		}
		items = append(items, p.Items...)
		if !p.More || len(p.Items) == 0 {
			return items, rev, nil
		}
		opts.After = p.Items[len(p.Items)-1].Key
	}
}

// Scan calls fn for each record under prefix after the key after ("" from
// the start), in key order, reading the store a page at a time, until fn
// returns false. fn gets the stored object (its key and revision) beside
// the decoded record. Like ListAll, the pages are not one snapshot.
func (t Typed[T]) Scan(ctx context.Context, prefix, after string, fn func(obj Object, v *T) bool) error {
	return t.ScanWhere(ctx, prefix, after, nil, fn)
}

// ScanWhere is Scan over the objects keep accepts (nil: all); the others
// are never decoded. keep sees the stored bytes, so a cheap test there (a
// field's encoded value) spares decoding most of a large prefix.
func (t Typed[T]) ScanWhere(ctx context.Context, prefix, after string, keep func(Object) bool, fn func(obj Object, v *T) bool) error {
	for {
		res, err := t.S.List(ctx, prefix, ListOptions{After: after, Limit: listAllPageSize})
		if err != nil {
			return err
		}
		for _, obj := range res.Objects {
			if keep != nil && !keep(obj) {
				after = obj.Key
				continue
			}
			v, err := t.Decode(obj)
			if err != nil {
				return err
			}
			if !fn(obj, v) {
				return nil
			}
			after = obj.Key
		}
		if !res.More {
			return nil
		}
	}
}

// Create writes v at key if the key does not exist (else ErrAlreadyExists)
// and returns the new revision.
func (t Typed[T]) Create(ctx context.Context, key string, v *T) (int64, error) {
	b, err := encode(key, v)
	if err != nil {
		return 0, err
	}
	return t.S.Create(ctx, key, b)
}

// Update writes v at key if the key is still at rev (else ErrConflict, or
// ErrNotFound when it is gone) and returns the new revision.
func (t Typed[T]) Update(ctx context.Context, key string, v *T, rev int64) (int64, error) {
	b, err := encode(key, v)
	if err != nil {
		return 0, err
	}
	return t.S.Update(ctx, key, b, rev)
}

// Delete removes key; see Store.Delete for rev.
func (t Typed[T]) Delete(ctx context.Context, key string, rev int64) error {
	return t.S.Delete(ctx, key, rev)
}

// Mutate reads the record at key, lets fn change it, and writes it back at
// the revision it read, retrying from a fresh read when another writer got
// there first. It returns the record as written and its revision.
//
// fn may run several times, each time on a freshly decoded record, so it
// must not have side effects beyond changing the record. An error from fn
// stops Mutate and is returned as it is, with nothing written. When fn
// leaves the record's encoding unchanged nothing is written either and the
// current revision is returned, so a reconciler may Mutate on every pass
// without waking watchers. A missing key is ErrNotFound; running out of
// attempts under contention is ErrConflict.
func (t Typed[T]) Mutate(ctx context.Context, key string, fn func(*T) error) (*T, int64, error) {
	for attempt := range mutateAttempts {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return nil, 0, fmt.Errorf("store: mutate %q: %w", key, err)
			}
		}
		obj, err := t.S.Get(ctx, key)
		if err != nil {
			return nil, 0, err
		}
		v, err := t.Decode(obj)
		if err != nil {
			return nil, 0, err
		}
		if err := fn(v); err != nil {
			return nil, 0, err
		}
		b, err := encode(key, v)
		if err != nil {
			return nil, 0, err
		}
		if bytes.Equal(b, obj.Value) {
			return v, obj.Revision, nil
		}
		rev, err := t.S.Update(ctx, key, b, obj.Revision)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		return v, rev, nil
	}
	return nil, 0, fmt.Errorf("store: mutate %q: gave up after %d attempts: %w", key, mutateAttempts, ErrConflict)
}

// backoff waits a short, random, growing time before retry number attempt,
// so that writers racing for one key spread out instead of colliding again.
func backoff(ctx context.Context, attempt int) error {
	limit := min(time.Duration(attempt)*time.Millisecond, 20*time.Millisecond)
	timer := time.NewTimer(rand.N(limit) + 1)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func encode[T any](key string, v *T) ([]byte, error) {
	if v == nil {
		return nil, fmt.Errorf("store: encode %q: nil record", key)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("store: encode %q: %w", key, err)
	}
	return b, nil
}
