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
	if s.closed {
		s.mu.Unlock()
		close(out)
		return out
	}
	s.watches.Add(1)
	s.mu.Unlock()

	// wctx ends with ctx or with the store. RequireLeader makes a member
	// cut off from its cluster end the watch instead of going quiet.
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	stop := context.AfterFunc(s.life, cancel)
	ops := []clientv3.OpOption{clientv3.WithPrefix()}
	if fromRev > 0 {
		ops = append(ops, clientv3.WithRev(fromRev))
	}
	// This returns once etcd has created the watch (or wctx ended).
	wch := s.w.Watch(wctx, prefix, ops...)
	go func() {
		defer s.watches.Done()
		defer close(out)
		defer stop()
		defer cancel()
		s.forward(wctx, wch, out, prefix)
	}()
	return out
}

// forward converts etcd's watch responses into events on out until the
// watch or ctx ends.
func (s *Store) forward(ctx context.Context, wch clientv3.WatchChan, out chan<- store.Event, prefix string) {
	for {
		var resp clientv3.WatchResponse
		var ok bool
		select {
		case resp, ok = <-wch:
		case <-ctx.Done():
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
			}
		}
	}
}
