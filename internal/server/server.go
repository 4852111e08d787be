// Package server wires berth's control plane together: the store, the
// accounts, the AWS services behind the gateway, and the admin endpoints.
// It is the one place where implementations meet their interfaces.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/berth-dev/berth/internal/account"
	"github.com/berth-dev/berth/internal/awsapi/ecs"
	"github.com/berth-dev/berth/internal/awsapi/gateway"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/awsapi/sts"
	"github.com/berth-dev/berth/internal/store"
	"github.com/berth-dev/berth/internal/store/etcdstore"
)

// Config is what `berth server` is started with.
type Config struct {
	Listen        string // host:port of the API endpoint
	DataDir       string
	Region        string // the default region printed for clients
	EtcdEndpoints []string
	Bootstrap     account.BootstrapOptions
	Log           *slog.Logger
}

// Server is a running control plane.
type Server struct {
	cfg      Config
	store    store.Store
	account  account.Account
	rootKey  account.AccessKey
	listener net.Listener
	http     *http.Server
	log      *slog.Logger
}

// New opens the store, bootstraps the default account and binds the
// listener. The server is not serving until Serve.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data dir: %w", err)
	}
	if err := os.Chmod(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("securing data dir: %w", err)
	}
	st, err := etcdstore.Open(ctx, etcdstore.Config{
		DataDir:   filepath.Join(cfg.DataDir, "etcd"),
		Endpoints: cfg.EtcdEndpoints,
		Logger:    cfg.Log,
	})
	if err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	s := &Server{cfg: cfg, store: st, log: cfg.Log}
	if s.account, s.rootKey, err = account.Bootstrap(ctx, st, cfg.Bootstrap); err != nil {
		st.Close()
		return nil, fmt.Errorf("bootstrapping the default account: %w", err)
	}
	if s.listener, err = net.Listen("tcp", cfg.Listen); err != nil {
		st.Close()
		return nil, fmt.Errorf("listening on %s: %w", cfg.Listen, err)
	}
	if err := writeCredentials(cfg.DataDir, s.Credentials()); err != nil {
		s.listener.Close()
		st.Close()
		return nil, err
	}
	s.http = &http.Server{Handler: s.handler(), ReadHeaderTimeout: 30 * time.Second}
	return s, nil
}

func (s *Server) handler() http.Handler {
	authn := account.NewAuthenticator(s.store)
	ecsSvc := ecs.New(s.store)
	gw := gateway.New(authn, account.RootOnly{}, s.log,
		ecsSvc.Service(),
		sts.New().Service(),
	)
	mux := http.NewServeMux()
	mux.Handle("/", gw)
	admin := &admin{store: s.store, authn: authn, log: s.log, kinds: ecs.Kinds}
	mux.HandleFunc("GET /_berth/health", admin.health)
	mux.HandleFunc("POST /_berth/reset", admin.reset)
	return mux
}

// Credentials returns how clients reach this server as the root principal.
func (s *Server) Credentials() Credentials {
	return Credentials{
		Endpoint:        "http://" + s.listener.Addr().String(),
		Region:          s.cfg.Region,
		AccountID:       s.account.ID,
		AccessKeyID:     s.rootKey.AccessKeyID,
		SecretAccessKey: s.rootKey.SecretAccessKey,
	}
}

// Serve serves the API until ctx ends, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(s.listener) }()
	select {
	case err := <-errc:
		s.store.Close()
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.http.Shutdown(shutdownCtx)
	if cerr := s.store.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// ensure the admin handlers use the gateway's authenticator interface.
var _ gateway.Authenticator = (*account.Authenticator)(nil)
var _ = protocol.AWSJSON11
