package etcdstore

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"time"
)

// Config says which etcd to use: an external cluster (Endpoints) or, when
// Endpoints is empty, an embedded single member (DataDir).
type Config struct {
	// Endpoints are the client URLs of an external etcd cluster, for
	// example "https://10.0.0.1:2379" or "unix:///run/etcd.sock".
	Endpoints []string
	// DialTimeout bounds Open's first contact with Endpoints; 0 means 5s.
	DialTimeout time.Duration
	// TLS, if set, is used to connect to Endpoints.
	TLS *tls.Config

	// DataDir holds an embedded etcd member's data; it is ignored when
	// Endpoints is set. The store owns it: pass a directory of its own
	// (such as <data-dir>/etcd). It is created with mode 0700 when missing.
	DataDir string
	// CompactionRetention is about how much history the embedded member
	// keeps for watches from past revisions before compacting it away
	// (etcd's periodic auto-compaction). 0 means one hour.
	CompactionRetention time.Duration
	// QuotaBackendBytes caps the embedded member's database; past it etcd
	// refuses writes until space is freed. 0 means 4 GiB.
	QuotaBackendBytes int64
	// UnsafeNoFsync makes the embedded member skip fsync: writes are much
	// faster and a machine crash can lose or corrupt data. For tests only.
	UnsafeNoFsync bool

	// Namespace, if set, is prepended to every key, so that several berth
	// installations (or test runs) can share one etcd without seeing each
	// other's keys. It usually ends in "/".
	Namespace string

	// Logger receives the store's messages and etcd's errors (etcd's
	// lower levels are dropped); nil discards them.
	Logger *slog.Logger
}

// Defaults applied by Open.
const (
	defaultDialTimeout         = 5 * time.Second
	defaultCompactionRetention = time.Hour
	defaultQuotaBackendBytes   = 4 << 30
)

func (c Config) withDefaults() (Config, error) {
	if len(c.Endpoints) > 0 {
		c.DataDir = ""
	} else if c.DataDir == "" {
		return c, errors.New("etcdstore: config sets neither Endpoints nor DataDir")
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = defaultDialTimeout
	}
	if c.CompactionRetention <= 0 {
		c.CompactionRetention = defaultCompactionRetention
	}
	if c.QuotaBackendBytes <= 0 {
		c.QuotaBackendBytes = defaultQuotaBackendBytes
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
