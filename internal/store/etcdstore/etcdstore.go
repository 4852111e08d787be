// Package etcdstore implements store.Store over etcd: an external cluster
// for highly available control planes, or a single member embedded in the
// berth process (the default), reached in-process without a network hop.
//
// Compare-and-swap maps onto etcd transactions on a key's create and mod
// revisions, List onto a key range, and Watch onto etcd watches, so
// revisions are etcd's own and a ListResult.Revision can start a Watch.
package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/namespace"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3client"
	"go.uber.org/zap"

	"github.com/berth-dev/berth/internal/store"
)

// Store is a store.Store backed by etcd. Its methods are safe for
// concurrent use.
type Store struct {
	client *clientv3.Client
	kv     clientv3.KV      // client.KV, within Config.Namespace
	w      clientv3.Watcher // client.Watcher, within Config.Namespace
	member *member          // the embedded member; nil for a cluster
	log    *slog.Logger
	quiet  *atomic.Bool // silences etcd while it shuts down

	mu      sync.Mutex
	closed  bool
	life    context.Context // canceled by Close; ends every watch
	end     context.CancelFunc
	watches sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Open connects to the etcd that cfg describes, starting the embedded
// member first when cfg.DataDir is set, and returns once it serves.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Store{log: cfg.Logger, quiet: new(atomic.Bool)}
	lg := newZapLogger(cfg.Logger, s.quiet)
	if cfg.DataDir != "" {
		ec, err := embedConfig(cfg, lg)
		if err != nil {
			return nil, err
		}
		if s.member, err = startEmbedded(ctx, ec, s.quiet); err != nil {
			return nil, err
		}
		s.client = v3client.New(s.member.etcd.Server)
	} else if s.client, err = dial(ctx, cfg, lg); err != nil {
		return nil, err
	}
	s.kv, s.w = s.client.KV, s.client.Watcher
	if cfg.Namespace != "" {
		s.kv = namespace.NewKV(s.kv, cfg.Namespace)
		s.w = namespace.NewWatcher(s.w, cfg.Namespace)
	}
	s.life, s.end = context.WithCancel(context.Background())
	return s, nil
}

// dial connects to an external cluster and checks that it answers a
// linearizable read, so that a wrong address fails Open, not the first
// request.
func dial(ctx context.Context, cfg Config, lg *zap.Logger) (*clientv3.Client, error) {
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   cfg.Endpoints,
		DialTimeout: cfg.DialTimeout,
		TLS:         cfg.TLS,
		Logger:      lg,
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: connect to %v: %w", cfg.Endpoints, err)
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	if _, err := cli.Get(pctx, cfg.Namespace+"/", clientv3.WithCountOnly()); err != nil {
		cli.Close()
		return nil, fmt.Errorf("etcdstore: connect to %v: %w", cfg.Endpoints, err)
	}
	return cli, nil
}

// ClientURL returns the embedded member's client URL, for tools such as
// etcdctl: a unix:// socket inside the data dir, or an http:// loopback
// address with a port chosen at start. It is "" for an external cluster.
func (s *Store) ClientURL() string {
	if s.member == nil || len(s.member.etcd.Clients) == 0 {
		return ""
	}
	addr := s.member.etcd.Clients[0].Addr()
	if addr.Network() == "unix" {
		return "unix://" + addr.String()
	}
	return "http://" + addr.String()
}

// Compact discards the history before rev, across the whole cluster, not
// only Config.Namespace. Watches from an earlier revision then fail, and
// their callers re-list (see store.Store.Watch). The embedded member also
// compacts by itself (Config.CompactionRetention).
func (s *Store) Compact(ctx context.Context, rev int64) error {
	if _, err := s.kv.Compact(ctx, rev, clientv3.WithCompactPhysical()); err != nil {
		return fmt.Errorf("etcdstore: compact at %d: %w", rev, err)
	}
	return nil
}

// Close ends every watch, disconnects, and stops the embedded member. It is
// safe to call more than once and returns the first call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.end()
		s.watches.Wait()

		s.quiet.Store(true)
		// The in-process client has no connection and reports its own
		// cancellation as the result of Close.
		if err := s.client.Close(); err != nil && !errors.Is(err, context.Canceled) {
			s.closeErr = fmt.Errorf("etcdstore: close client: %w", err)
		}
		if s.member != nil {
			s.member.stop()
		}
	})
	return s.closeErr
}
