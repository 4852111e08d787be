package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"

	"go.etcd.io/etcd/client/pkg/v3/fileutil"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// The embedded member's network surface.
//
// The store talks to its member in-process (v3client), so no listener is
// needed for berth itself. One client listener is kept for operators and
// tools (etcdctl --endpoints=<Store.ClientURL>): a unix socket inside the
// data dir, mode 0600, so only its owner can connect; or, when that path
// is too long for a socket address, an ephemeral port on 127.0.0.1 picked
// by the kernel at every start, which any local user can reach (etcd has
// no auth enabled here), so short data dirs are the ones to use outside
// tests. Nothing listens on the fixed ports 2379/2380, so many stores
// (test servers) share one host.
//
// There is no peer listener: a single member never receives peer traffic.
// (A unix peer listener is not possible either: etcd keeps the advertised
// peer URL as a string in its membership and cannot parse back a unix URL
// with an absolute path.) The member still has to advertise a peer URL;
// it advertises port 0 on loopback, which any dial refuses at once. etcd
// reads the advertised peer URL only when it bootstraps a new cluster, so
// a data dir written with another peer URL (an older berth, a moved data
// dir) starts as well; embedded_test.go checks this.
const (
	memberName     = "berth"
	socketName     = "etcd.sock"
	lockName       = "berth.lock"
	maxSocketPath  = 107 // sun_path is 108 bytes with the trailing NUL
	peerURL        = "http://127.0.0.1:0"
	loopbackClient = "http://127.0.0.1:0"
)

// clientListenURL returns where the member's client listener goes for a
// data dir.
func clientListenURL(dir string) url.URL {
	if sock := filepath.Join(dir, socketName); len(sock) <= maxSocketPath {
		return url.URL{Scheme: "unix", Path: sock}
	}
	u, _ := url.Parse(loopbackClient)
	return *u
}

// embedConfig translates a Config into the embedded member's settings.
func embedConfig(cfg Config, lg *zap.Logger) (*embed.Config, error) {
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("etcdstore: data dir: %w", err)
	}
	ec := embed.NewConfig()
	ec.Name = memberName
	ec.Dir = dir
	ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(lg)
	ec.LogLevel = "error"

	ec.ListenClientUrls = []url.URL{clientListenURL(dir)}
	// Clients find the member through Store.ClientURL, not through its
	// membership record, so it advertises no client URL (an empty, not a
	// nil, list): a unix path or a port chosen at listen time could not be
	// written there anyway.
	ec.AdvertiseClientUrls = []url.URL{}
	ec.ListenPeerUrls = nil
	pu, _ := url.Parse(peerURL)
	ec.AdvertisePeerUrls = []url.URL{*pu}
	ec.InitialCluster = ec.InitialClusterFromName(ec.Name)
	ec.EnableGRPCGateway = false

	// With one member the election is a formality; short ticks make the
	// member lead, and so serve, sooner after every start.
	ec.TickMs = 10
	ec.ElectionMs = 100

	ec.AutoCompactionMode = embed.CompactorModePeriodic
	ec.AutoCompactionRetention = cfg.CompactionRetention.String()
	ec.QuotaBackendBytes = cfg.QuotaBackendBytes
	ec.UnsafeNoFsync = cfg.UnsafeNoFsync
	return ec, nil
}

// member is a running embedded etcd and the lock on its data dir.
type member struct {
	etcd  *embed.Etcd
	lock  *fileutil.LockedFile
	quiet *atomic.Bool // the logger's switch; see newZapLogger
}

// stop stops the member and then releases its data dir.
func (m *member) stop() {
	m.quiet.Store(true)
	m.etcd.Close()
	m.lock.Close()
}

// startEmbedded starts the member that ec describes and waits until it
// serves. quiet must be the switch of the logger in ec.
//
// It first locks the data dir: etcd itself would wait forever, deaf to
// ctx, for a data dir that another store (in this process or another)
// has open.
func startEmbedded(ctx context.Context, ec *embed.Config, quiet *atomic.Bool) (*member, error) {
	dir := ec.Dir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("etcdstore: data dir: %w", err)
	}
	lock, err := fileutil.TryLockFile(filepath.Join(dir, lockName), os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		if errors.Is(err, fileutil.ErrLocked) {
			err = errors.New("in use by another store")
		}
		return nil, fmt.Errorf("etcdstore: data dir %s: %w", dir, err)
	}
	e, err := embed.StartEtcd(ec)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("etcdstore: start embedded etcd in %s: %w", dir, err)
	}
	m := &member{etcd: e, lock: lock, quiet: quiet}
	for _, l := range e.Clients {
		if a := l.Addr(); a.Network() == "unix" {
			if err := os.Chmod(a.String(), 0o600); err != nil {
				m.stop()
				return nil, fmt.Errorf("etcdstore: client socket: %w", err)
			}
		}
	}
	select {
	case <-e.Server.ReadyNotify():
		return m, nil
	case err := <-e.Err():
		m.stop()
		return nil, fmt.Errorf("etcdstore: embedded etcd in %s: %w", dir, errors.Join(errors.New("stopped before serving"), err))
	case <-ctx.Done():
		m.stop()
		return nil, fmt.Errorf("etcdstore: embedded etcd in %s: %w", dir, ctx.Err())
	}
}
