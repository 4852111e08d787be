package etcdstore

import (
	"context"
	"errors"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/berth-dev/berth/internal/store"
)

// errEmptyKey rejects the empty key, which etcd refuses too, but which
// within a Namespace would name the namespace's own root key.
var errEmptyKey = errors.New("etcdstore: empty key")

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, key string) (store.Object, error) {
	if key == "" {
		return store.Object{}, errEmptyKey
	}
	resp, err := s.kv.Get(ctx, key)
	if err != nil {
		return store.Object{}, fmt.Errorf("etcdstore: get %q: %w", key, err)
	}
	if len(resp.Kvs) == 0 {
		return store.Object{}, fmt.Errorf("etcdstore: get %q: %w", key, store.ErrNotFound)
	}
	kv := resp.Kvs[0]
	return store.Object{Key: string(kv.Key), Value: kv.Value, Revision: kv.ModRevision}, nil
}

// List implements store.Store with one range read from the first key
// under prefix after opts.After to the end of the prefix.
func (s *Store) List(ctx context.Context, prefix string, opts store.ListOptions) (store.ListResult, error) {
	start := prefix
	if opts.After != "" && opts.After >= start {
		start = opts.After + "\x00" // the least key after opts.After
	}
	if start == "" {
		start = "\x00" // etcd has no empty key; this is the least one
	}
	ops := []clientv3.OpOption{clientv3.WithRange(clientv3.GetPrefixRangeEnd(prefix))}
	if opts.Limit > 0 {
		ops = append(ops, clientv3.WithLimit(int64(opts.Limit)))
	}
	resp, err := s.kv.Get(ctx, start, ops...)
	if err != nil {
		return store.ListResult{}, fmt.Errorf("etcdstore: list %q: %w", prefix, err)
	}
	res := store.ListResult{
		Objects:  make([]store.Object, len(resp.Kvs)),
		More:     resp.More,
		Revision: resp.Header.Revision,
	}
	for i, kv := range resp.Kvs {
		res.Objects[i] = store.Object{Key: string(kv.Key), Value: kv.Value, Revision: kv.ModRevision}
	}
	return res, nil
}

// Create implements store.Store: the put happens only while the key's
// create revision is 0, that is while the key does not exist.
func (s *Store) Create(ctx context.Context, key string, value []byte) (int64, error) {
	if key == "" {
		return 0, errEmptyKey
	}
	resp, err := s.kv.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(value))).
		Commit()
	if err != nil {
		return 0, fmt.Errorf("etcdstore: create %q: %w", key, err)
	}
	if !resp.Succeeded {
		return 0, fmt.Errorf("etcdstore: create %q: %w", key, store.ErrAlreadyExists)
	}
	return resp.Header.Revision, nil
}

// Update implements store.Store. The key must exist and be at rev; when
// the transaction fails, its else branch reads whether the key exists to
// tell ErrNotFound from ErrConflict in the same round trip.
func (s *Store) Update(ctx context.Context, key string, value []byte, rev int64) (int64, error) {
	if key == "" {
		return 0, errEmptyKey
	}
	resp, err := s.kv.Txn(ctx).
		If(
			clientv3.Compare(clientv3.CreateRevision(key), ">", 0),
			clientv3.Compare(clientv3.ModRevision(key), "=", rev),
		).
		Then(clientv3.OpPut(key, string(value))).
		Else(clientv3.OpGet(key, clientv3.WithCountOnly())).
		Commit()
	if err != nil {
		return 0, fmt.Errorf("etcdstore: update %q: %w", key, err)
	}
	if !resp.Succeeded {
		return 0, fmt.Errorf("etcdstore: update %q at revision %d: %w", key, rev, missingOrConflict(resp))
	}
	return resp.Header.Revision, nil
}

// Delete implements store.Store.
func (s *Store) Delete(ctx context.Context, key string, rev int64) error {
	if key == "" {
		return errEmptyKey
	}
	if rev <= 0 {
		resp, err := s.kv.Delete(ctx, key)
		if err != nil {
			return fmt.Errorf("etcdstore: delete %q: %w", key, err)
		}
		if resp.Deleted == 0 {
			return fmt.Errorf("etcdstore: delete %q: %w", key, store.ErrNotFound)
		}
		return nil
	}
	resp, err := s.kv.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", rev)).
		Then(clientv3.OpDelete(key)).
		Else(clientv3.OpGet(key, clientv3.WithCountOnly())).
		Commit()
	if err != nil {
		return fmt.Errorf("etcdstore: delete %q: %w", key, err)
	}
	if !resp.Succeeded {
		return fmt.Errorf("etcdstore: delete %q at revision %d: %w", key, rev, missingOrConflict(resp))
	}
	return nil
}

// DeletePrefix implements store.Store. It refuses the empty prefix, which
// would empty the whole store (or namespace).
func (s *Store) DeletePrefix(ctx context.Context, prefix string) (int64, error) {
	if prefix == "" {
		return 0, errors.New("etcdstore: delete prefix: empty prefix")
	}
	resp, err := s.kv.Delete(ctx, prefix, clientv3.WithPrefix())
	if err != nil {
		return 0, fmt.Errorf("etcdstore: delete prefix %q: %w", prefix, err)
	}
	return resp.Deleted, nil
}

// missingOrConflict reads a failed compare-and-swap's else branch, a
// count-only get of the key.
func missingOrConflict(resp *clientv3.TxnResponse) error {
	if len(resp.Responses) == 1 {
		if r := resp.Responses[0].GetResponseRange(); r != nil && r.Count == 0 {
			return store.ErrNotFound
		}
	}
	return store.ErrConflict
}
