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
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/berth-dev/berth/internal/account"
	"github.com/berth-dev/berth/internal/agent/tasknet"
	"github.com/berth-dev/berth/internal/awsapi/ec2"
	"github.com/berth-dev/berth/internal/awsapi/ecs"
	"github.com/berth-dev/berth/internal/awsapi/elbv2"
	"github.com/berth-dev/berth/internal/awsapi/events"
	"github.com/berth-dev/berth/internal/awsapi/gateway"
	"github.com/berth-dev/berth/internal/awsapi/iam"
	"github.com/berth-dev/berth/internal/awsapi/logs"
	"github.com/berth-dev/berth/internal/awsapi/sts"
	"github.com/berth-dev/berth/internal/logstore"
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
	Agent         AgentConfig
	// NoAgent serves the API without running tasks on this host.
	NoAgent bool
	// DefaultVPCCIDR is the block of every account's default VPC.
	DefaultVPCCIDR string
	// PublicCIDR is the block of tasks' public addresses.
	PublicCIDR string
	// ELBHostAddrs are the host addresses load balancer listeners are also
	// served on, by Host header (DefaultELBHostAddrs when nil).
	ELBHostAddrs []netip.Addr
	Log          *slog.Logger
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
	ecs      *ecs.Service
	ec2      *ec2.Service
	logs     *logs.Service
	iam      *iam.Service
	elbv2    *elbv2.Service
	logData  *logstore.Store     // CloudWatch Logs events, on this server's disk
	bus      *events.Service     // EventBridge: rules, targets and event routing
	authz    *account.Authorizer // what every principal may do; one policy cache
	agent    *embeddedAgent      // nil when this server runs no agent
}

// New opens the store, bootstraps the default account and binds the
// listener. The server is not serving until Serve.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.ELBHostAddrs == nil {
		cfg.ELBHostAddrs = DefaultELBHostAddrs
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
	if s.logData, err = logstore.Open(filepath.Join(cfg.DataDir, "logstore"), logstore.Options{}); err != nil {
		s.listener.Close()
		st.Close()
		return nil, fmt.Errorf("opening the log store: %w", err)
	}
	s.ec2 = ec2.New(st)
	s.iam = iam.New(st)
	s.authz = account.NewAuthorizer(s.iam)
	s.ecs = ecs.New(st, s.ec2)
	s.ecs.Roles = s.iam
	s.elbv2 = elbv2.New(st, s.ec2)
	s.ecs.LB = ecsLoadBalancing{s.elbv2}
	s.logs = logs.New(st, s.logData)
	s.bus = events.New(st, events.WithLogger(cfg.Log), events.WithTargets(eventTargets{
		logs: s.logs.AgentAPI(), ecs: s.ecs, iam: s.iam, authz: s.authz}))
	if cfg.DefaultVPCCIDR != "" {
		if err := ec2.ValidDefaultVPCCIDR(cfg.DefaultVPCCIDR); err != nil {
			s.listener.Close()
			st.Close()
			return nil, err
		}
		s.ec2.DefaultVPCCIDR = cfg.DefaultVPCCIDR
	}
	if cfg.PublicCIDR != "" {
		if err := ec2.ValidPublicCIDR(cfg.PublicCIDR); err != nil {
			s.listener.Close()
			st.Close()
			return nil, err
		}
		s.ec2.PublicCIDR = cfg.PublicCIDR
	}
	if !cfg.NoAgent {
		if s.agent, err = s.newAgent(ctx, s.ecs.AgentAPI(), s.logs.AgentAPI()); err != nil {
			// The API still serves; tasks fail placement until an agent
			// joins. Running tasks needs root and containerd.
			s.log.Error("no agent on this host: tasks can't run here", "err", err)
			s.agent = nil
		}
	}
	s.http = &http.Server{Handler: s.handler(), ReadHeaderTimeout: 30 * time.Second}
	if s.agent != nil {
		// Tasks reach the API from inside their VPC (AWS_ENDPOINT_URL);
		// a request from there is signed like any other.
		s.agent.net.Handlers = map[uint16]http.Handler{tasknet.MetadataPort: s.agent.meta, tasknet.APIPort: s.http.Handler}
	}
	return s, nil
}

func (s *Server) handler() http.Handler {
	authn := account.NewAuthenticator(s.store)
	gw := gateway.New(authn, s.authz, s.log,
		s.ecs.Service(),
		s.ec2.Service(),
		s.elbv2.Service(),
		s.logs.Service(),
		s.bus.Service(),
		s.iam.Service(),
		sts.New(sts.WithRoles(s.store, s.iam)).Service(),
	)
	mux := http.NewServeMux()
	mux.Handle("/", gw)
	admin := &admin{store: s.store, authn: authn, log: s.log, kinds: slices.Concat(ecs.Kinds, ec2.Kinds, elbv2.Kinds, logs.Kinds, iam.Kinds, events.Kinds), resetHook: s.ecs.ResetAccount, bus: s.bus}
	if s.agent != nil {
		admin.images = s.agent.rt
	}
	mux.HandleFunc("GET /_berth/health", admin.health)
	mux.HandleFunc("POST /_berth/reset", admin.reset)
	mux.HandleFunc("GET /_berth/images", admin.imagesList)
	mux.HandleFunc("GET /_berth/events/deliveries", admin.eventDeliveries)
	mux.HandleFunc("POST /_berth/images/load", admin.imagesLoad)
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
	agentCtx, stopAgent := context.WithCancel(context.Background())
	go every(agentCtx, time.Minute, func(ctx context.Context) { s.ecs.Expire(ctx, ecs.StoppedTaskRetention, s.log.Info) })
	go every(agentCtx, time.Hour, func(ctx context.Context) { s.logs.Retain(ctx, s.log.Warn) })
	go every(agentCtx, time.Hour, s.sweepSessions)
	go every(agentCtx, 5*time.Second, func(ctx context.Context) {
		if _, err := s.elbv2.Expire(ctx, time.Now()); err != nil {
			s.log.Warn("removing drained targets", "err", err)
		}
	})
	go s.bus.Run(agentCtx)
	go s.bus.RunSchedules(agentCtx, time.Second)
	go s.ec2.RunIndex(agentCtx)
	go s.ecs.RunServices(agentCtx, s.log.With("controller", "services"))
	go s.ecs.RunTaskEvents(agentCtx, s.bus.Listening, func(e ecs.TaskEvent) {
		s.bus.Emit(e.Account, e.Region, "aws.ecs", "ECS Task State Change", []string{e.TaskARN}, e.Detail, e.At)
	})
	agentDone := make(chan struct{})
	stopLB := func() {}
	if s.agent != nil {
		stopLB = s.startLoadBalancers(agentCtx)
		go s.agent.meta.Run(agentCtx)
		go every(agentCtx, 10*time.Minute, func(context.Context) {
			if n, err := s.agent.sweepTaskOutputs(ecs.StoppedTaskRetention); err != nil {
				s.log.Warn("removing the output of stopped tasks", "err", err)
			} else if n > 0 {
				s.log.Info("removed the output of stopped tasks", "dirs", n)
			}
		})
		go func() {
			if err := s.agent.net.Run(agentCtx); err != nil && agentCtx.Err() == nil {
				s.log.Error("security group enforcement stopped", "err", err)
			}
		}()
		go func() {
			defer close(agentDone)
			if err := s.agent.agent.Run(agentCtx); err != nil && agentCtx.Err() == nil {
				s.log.Error("agent stopped", "err", err)
			}
		}()
	} else {
		close(agentDone)
	}
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	// Tasks keep running: the agent lets go of them, containerd's shims
	// outlive containerd, and the next start adopts them.
	stopAgent()
	stopLB()
	<-agentDone
	if s.agent != nil {
		s.agent.close(s.log)
	}
	if err != nil {
		s.logData.Close()
		s.store.Close()
		return err
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = s.http.Shutdown(shutdownCtx)
	if cerr := s.logData.Close(); err == nil {
		err = cerr
	}
	if cerr := s.store.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

var _ gateway.Authenticator = (*account.Authenticator)(nil)

// sweepSessions deletes expired session credentials an
// hour after they expired (until then they are refused as expired, not
// unknown).
func (s *Server) sweepSessions(ctx context.Context) {
	if _, err := account.SweepSessions(ctx, s.store, time.Now().Add(-time.Hour)); err != nil && ctx.Err() == nil {
		s.log.Warn("sweeping expired sessions", "err", err)
	}
}

// every runs fn now and then every interval until ctx ends: the shape of
// the server's housekeeping passes.
func every(ctx context.Context, interval time.Duration, fn func(context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		fn(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
