package etcdstore

import (
	"context"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/berth-dev/berth/internal/store"
)

// Watch implements store.Store over an etcd watch on prefix.
//
// The channel closes when ctx ends, when the store closes, or when etcd
// ends the watch: fromRev was compacted away, or (with an external
// cluster) the member lost its leader. A caller that still wants changes
// when the channel closes while ctx is alive lists again and watches from
// that listing's Revision+1.
func (s *Store) Watch(ctx context.Context, prefix string, fromRev int64) <-chan store.Event {
	out := make(chan store.Event)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		close(out)
		return out
	}
	// RequireLeader makes a member cut off from its cluster end the watch
	// instead of silently delivering nothing.
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	ops := []clientv3.OpOption{clientv3.WithPrefix()}
	if fromRev > 0 {
		ops = append(ops, clientv3.WithRev(fromRev))
	}
	wch := s.w.Watch(wctx, prefix, ops...)
	s.watches.Add(1)
	go func() {
		defer s.watches.Done()
		defer close(out)
		defer cancel()
		s.forward(ctx, wch, out, prefix)
	}()
	return out
}

// forward converts etcd's watch responses into events on out until the
// watch, ctx or the store ends.
func (s *Store) forward(ctx context.Context, wch clientv3.WatchChan, out chan<- store.Event, prefix string) {
	for {
		var resp clientv3.WatchResponse
		var ok bool
		select {
		case resp, ok = <-wch:
		case <-ctx.Done():
			return
		case <-s.done:
			return
		}
		if !ok {
			return
		}
		if err := resp.Err(); err != nil || resp.Canceled {
			if ctx.Err() == nil {
				s.log.Info("store watch ended; the caller re-lists", "prefix", prefix, "err", err)
			}
			return
		}
		for _, ev := range resp.Events {
			e := store.Event{Type: store.EventPut, Object: store.Object{
				Key: string(ev.Kv.Key), Value: ev.Kv.Value, Revision: ev.Kv.ModRevision,
			}}
			if ev.Type == mvccpb.DELETE {
				e.Type, e.Object.Value = store.EventDelete, nil
			}
			select {
			case out <- e:
			case <-ctx.Done():
				return
			case <-s.done:
				return
			}
		}
	}
}
