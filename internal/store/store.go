// Package store is berth's durable state: a key-value interface with
// compare-and-swap on revisions, prefix listing with pagination, and watches.
//
// Keys follow DESIGN.md: /<kind>/<account>/<region>/<id>. Values are opaque
// bytes; the typed layer (Typed) encodes records as JSON. The etcd
// implementation lives in store/etcdstore; every implementation passes the
// conformance suite in store/storetest.
package store

import (
	"context"
	"errors"
)

// Kinds of store errors. Implementations wrap them with %w so callers test
// with errors.Is.
var (
	// ErrNotFound: the key does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrAlreadyExists: Create found the key present.
	ErrAlreadyExists = errors.New("store: already exists")
	// ErrConflict: the key's revision is not the one the caller expected.
	ErrConflict = errors.New("store: revision conflict")
)

// Object is one stored value with the revision at which it was last written.
type Object struct {
	Key      string
	Value    []byte
	Revision int64 // the key's mod revision; the CAS token for Update and Delete
}

// ListOptions bounds a prefix listing. Results are in key order.
type ListOptions struct {
	// After, when set, starts the listing strictly after this key (a
	// continuation token: pass the last key of the previous page).
	After string
	// Limit caps the number of objects returned; 0 means no limit.
	Limit int
}

// ListResult is one page of a listing.
type ListResult struct {
	Objects []Object
	// More is true when objects beyond this page exist under the prefix.
	More bool
	// Revision is the store revision the listing was read at; a Watch
	// from Revision+1 sees every change after it.
	Revision int64
}

// EventType says what happened to a key.
type EventType int

const (
	EventPut EventType = iota + 1
	EventDelete
)

// Event is one change seen by a Watch. For EventDelete, Object.Value is nil
// and Object.Revision is the revision of the deletion.
type Event struct {
	Type   EventType
	Object Object
}

// Store is the interface every backend implements.
type Store interface {
	// Get returns the object at key, or ErrNotFound.
	Get(ctx context.Context, key string) (Object, error)
	// List returns objects whose keys start with prefix, in key order.
	List(ctx context.Context, prefix string, opts ListOptions) (ListResult, error)
	// Create writes key only if it does not exist (else ErrAlreadyExists)
	// and returns the new revision.
	Create(ctx context.Context, key string, value []byte) (int64, error)
	// Update writes key only if its current revision equals rev (else
	// ErrConflict, or ErrNotFound if the key is gone) and returns the new
	// revision.
	Update(ctx context.Context, key string, value []byte, rev int64) (int64, error)
	// Delete removes key. With rev > 0 it deletes only at that revision
	// (else ErrConflict); with rev == 0 unconditionally. Deleting a missing
	// key returns ErrNotFound.
	Delete(ctx context.Context, key string, rev int64) error
	// DeletePrefix removes every key under prefix, all at one revision, and
	// returns how many. It refuses the empty prefix rather than empty the
	// store.
	DeletePrefix(ctx context.Context, prefix string) (int64, error)
	// Watch streams changes under prefix from revision fromRev (0 = now)
	// until ctx ends; the channel is closed then. Events arrive in revision
	// order; the keys one DeletePrefix removed share a revision.
	//
	// The channel also closes while ctx is alive when the store cannot go
	// on: fromRev (or an event not yet delivered) has been compacted away,
	// the backend lost its cluster, or the store was closed. A caller that
	// still wants changes then lists again and watches from that listing's
	// Revision+1, treating the listing as the new truth (a level-triggered
	// controller simply resyncs). A watch from 0 sees the changes made
	// after Watch returns; to see those made since a listing too, watch
	// from its Revision+1.
	Watch(ctx context.Context, prefix string, fromRev int64) <-chan Event
	// Close ends every watch and releases the backend. It is safe to call
	// more than once.
	Close() error
}
