package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/berth-dev/berth/internal/account"
	"github.com/berth-dev/berth/internal/awsapi/ec2"
	"github.com/berth-dev/berth/internal/server"
)

func runServer(args []string) error {
	fs := flag.NewFlagSet("berth server", flag.ExitOnError)
	listen := fs.String("listen", envDefault("BERTH_LISTEN", "127.0.0.1:4566"), "API endpoint address (env BERTH_LISTEN)")
	dataDir := dataDirFlag(fs)
	region := fs.String("region", envDefault("BERTH_REGION", "us-east-1"), "default region printed for clients (env BERTH_REGION)")
	logLevel := fs.String("log-level", envDefault("BERTH_LOG_LEVEL", "info"), "debug, info, warn or error (env BERTH_LOG_LEVEL)")
	etcd := fs.String("etcd-endpoints", envDefault("BERTH_ETCD_ENDPOINTS", ""), "comma-separated external etcd endpoints; empty runs an embedded etcd in the data dir (env BERTH_ETCD_ENDPOINTS)")
	ctrdAddr := fs.String("containerd-address", envDefault("BERTH_CONTAINERD_ADDRESS", ""), "containerd socket; empty uses the system one if it answers, else starts berth's own (env BERTH_CONTAINERD_ADDRESS)")
	ctrdNS := fs.String("containerd-namespace", envDefault("BERTH_CONTAINERD_NAMESPACE", "berth"), "containerd namespace and cgroup parent of this server's tasks (env BERTH_CONTAINERD_NAMESPACE)")
	nodeCPU := fs.Int("node-cpu", envInt("BERTH_NODE_CPU"), "CPU units tasks may reserve on this host; 0 = cores × 1024 (env BERTH_NODE_CPU)")
	nodeMem := fs.Int("node-memory", envInt("BERTH_NODE_MEMORY_MIB"), "MiB of memory tasks may reserve on this host; 0 = host memory less a reserve (env BERTH_NODE_MEMORY_MIB)")
	debugAddr := fs.String("debug-address", envDefault("BERTH_DEBUG_ADDRESS", ""), "serve Go's pprof profiles on this address (keep it on loopback); empty: off (env BERTH_DEBUG_ADDRESS)")
	defaultVPC := fs.String("default-vpc-cidr", envDefault("BERTH_DEFAULT_VPC_CIDR", "172.31.0.0/16"), "IPv4 block of every account's default VPC, /16 to /18 (env BERTH_DEFAULT_VPC_CIDR)")
	publicCIDR := fs.String("public-cidr", envDefault("BERTH_PUBLIC_CIDR", ec2.DefaultPublicCIDR), "IPv4 block tasks' public addresses (assignPublicIp ENABLED) come from; this host routes them to the tasks (env BERTH_PUBLIC_CIDR)")
	elbHost := fs.String("elb-host-addresses", envDefault("BERTH_ELB_HOST_ADDRESSES", "127.0.0.1,::1"), "comma-separated host addresses load balancer listeners are also served on, routed by Host header (curl maps <name>.elb.localhost to 127.0.0.1 and ::1); empty: none (env BERTH_ELB_HOST_ADDRESSES)")
	noAgent := fs.Bool("no-agent", envDefault("BERTH_NO_AGENT", "") == "true", "serve the API only; run no tasks on this host (env BERTH_NO_AGENT=true)")
	_ = fs.Parse(args)

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	cfg := server.Config{
		Listen:  *listen,
		DataDir: *dataDir,
		Region:  *region,
		Log:     log,
		Bootstrap: account.BootstrapOptions{
			AccountID:       os.Getenv("BERTH_ACCOUNT_ID"),
			AccessKeyID:     os.Getenv("BERTH_ROOT_ACCESS_KEY_ID"),
			SecretAccessKey: os.Getenv("BERTH_ROOT_SECRET_ACCESS_KEY"),
		},
	}
	cfg.NoAgent = *noAgent
	cfg.DefaultVPCCIDR = *defaultVPC
	cfg.PublicCIDR = *publicCIDR
	cfg.ELBHostAddrs = []netip.Addr{}
	for _, a := range strings.Split(*elbHost, ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		addr, err := netip.ParseAddr(a)
		if err != nil {
			return fmt.Errorf("--elb-host-addresses: %w", err)
		}
		cfg.ELBHostAddrs = append(cfg.ELBHostAddrs, addr)
	}
	cfg.Agent = server.AgentConfig{ContainerdAddress: *ctrdAddr, ContainerdNamespace: *ctrdNS, NodeCPU: *nodeCPU, NodeMemoryMiB: *nodeMem}
	if v := os.Getenv("BERTH_TEST_EPHEMERAL_MIB_PER_GIB"); v != "" {
		// Test suites only: shrink ephemeral storage so a test can fill it.
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("BERTH_TEST_EPHEMERAL_MIB_PER_GIB=%q: want a positive integer", v)
		}
		cfg.Agent.EphemeralMiBPerGiB = n
	}
	if *etcd != "" {
		cfg.EtcdEndpoints = strings.Split(*etcd, ",")
	}

	if *debugAddr != "" {
		// The profiles reveal nothing secret but cost CPU to take: like
		// containerd's debug address, for operators on the host only.
		go func() {
			mux := http.NewServeMux()
			mux.HandleFunc("/debug/pprof/", pprof.Index)
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
			mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
			if err := http.ListenAndServe(*debugAddr, mux); err != nil {
				log.Error("debug address", "err", err)
			}
		}()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(ctx, cfg)
	if err != nil {
		return err
	}
	creds := srv.Credentials()
	log.Info("berth server ready", "version", version, "endpoint", creds.Endpoint,
		"account", creds.AccountID, "region", creds.Region, "data_dir", *dataDir)
	// The export line goes to stdout alone, so scripts can eval it.
	fmt.Println(creds.ExportLine())
	return srv.Serve(ctx)
}

func runCredentials(args []string) error {
	fs := flag.NewFlagSet("berth credentials", flag.ExitOnError)
	dataDir := dataDirFlag(fs)
	_ = fs.Parse(args)
	creds, err := server.ReadCredentials(*dataDir)
	if err != nil {
		return err
	}
	fmt.Println(creds.ExportLine())
	return nil
}
