package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/containerd/containerd"
	"github.com/containerd/containerd/identifiers"
	"github.com/containerd/containerd/namespaces"
)

// DefaultAddress is the system containerd's socket, used when Config.Address
// is empty and a containerd answers there.
const DefaultAddress = "/run/containerd/containerd.sock"

// snapshotter is the only snapshotter berth uses: images are unpacked into
// it and container root filesystems are its snapshots.
const snapshotter = "overlayfs"

// Config says which containerd to use and how.
type Config struct {
	// Address is the containerd socket. "" means DefaultAddress if a
	// containerd answers there, else start our own under StateDir.
	Address string
	// OwnContainerd starts our own containerd even when one answers at
	// DefaultAddress (tests; hosts that keep berth apart from the system's).
	OwnContainerd bool
	// Namespace is the containerd namespace, e.g. "berth"; tests use
	// "berth-test-<random>".
	Namespace string
	// StateDir holds our own containerd's root, state, config.toml, log and
	// (when the path is short enough) socket. Required only when we start
	// our own containerd; also holds the FIFOs of Exec when set.
	StateDir string
	// ContainerdPath is the containerd binary; "" means "containerd" from
	// PATH.
	ContainerdPath string
	// InitPath is a static executable bind-mounted read-only at
	// InitMountPath in containers that ask for Init (ECS
	// initProcessEnabled). It is run as
	// "/.berth-init init -- <args…>" and must forward signals to its child
	// and reap zombies. Init is refused while it is empty.
	InitPath string
	// Log receives the Runtime's own messages; nil discards them.
	Log *slog.Logger
}

// Runtime is a connection to containerd scoped to one namespace. Its methods
// are safe for concurrent use.
type Runtime struct {
	client   *containerd.Client
	address  string
	ns       string
	log      *slog.Logger
	initPath string
	fifoDir  string  // "" = containerd's default
	daemon   *daemon // nil when containerd is not ours
	runcRoot string  // runc's --root for new containers; "" = the shim's default
	cache    imageCache

	closeOnce sync.Once
	closed    chan struct{}
	closeErr  error
}

// Open connects to containerd as cfg says, starting our own containerd when
// no address is given and none answers at DefaultAddress. The returned
// Runtime must be closed.
func Open(ctx context.Context, cfg Config) (*Runtime, error) {
	if err := identifiers.Validate(cfg.Namespace); err != nil {
		return nil, fmt.Errorf("runtime: namespace: %w", err)
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Runtime{
		ns:       cfg.Namespace,
		log:      log,
		initPath: cfg.InitPath,
		closed:   make(chan struct{}),
	}
	if cfg.StateDir != "" {
		r.fifoDir = filepath.Join(cfg.StateDir, "fifo")
	}

	addr := cfg.Address
	if addr == "" {
		if !cfg.OwnContainerd {
			if c, err := dial(ctx, DefaultAddress, cfg.Namespace, 2*time.Second); err == nil {
				log.Info("using system containerd", "address", DefaultAddress)
				r.client, r.address = c, DefaultAddress
				return r, nil
			}
		}
		if cfg.StateDir == "" {
			return nil, errors.New("runtime: no containerd answers at " + DefaultAddress + " and no StateDir to start one in")
		}
		d, err := startDaemon(ctx, daemonConfig{
			stateDir: cfg.StateDir,
			binary:   cfg.ContainerdPath,
			log:      log,
		})
		if err != nil {
			return nil, fmt.Errorf("runtime: start containerd: %w", err)
		}
		r.daemon = d
		addr = d.address
		if d.tmpfs {
			_, r.runcRoot = stateDirs(d.stateDir)
		}
	}
	c, err := dial(ctx, addr, cfg.Namespace, 30*time.Second)
	if err != nil {
		if r.daemon != nil {
			_ = r.daemon.stop()
		}
		return nil, fmt.Errorf("runtime: connect to containerd at %s: %w", addr, err)
	}
	r.client, r.address = c, addr
	return r, nil
}

// Close disconnects and, if we started containerd, stops it (SIGTERM, then
// SIGKILL after a grace period). Containers keep running: their shims are
// not children of containerd, and a later Open with the same StateDir
// re-attaches to them. Safe to call twice.
func (r *Runtime) Close() error {
	r.closeOnce.Do(func() {
		close(r.closed)
		errs := []error{r.client.Close()}
		if r.daemon != nil {
			errs = append(errs, r.daemon.stop())
		}
		r.closeErr = errors.Join(errs...)
	})
	return r.closeErr
}

// Namespace is the containerd namespace the Runtime works in.
func (r *Runtime) Namespace() string { return r.ns }

// Address is the containerd socket the Runtime is connected to.
func (r *Runtime) Address() string { return r.address }

// Client is the underlying containerd client, already bound to Namespace,
// for callers that need what this package does not offer (tests, cleanup).
func (r *Runtime) Client() *containerd.Client { return r.client }

// ctx puts the Runtime's namespace on ctx.
func (r *Runtime) ctx(ctx context.Context) context.Context {
	return namespaces.WithNamespace(ctx, r.ns)
}

// dial connects to the containerd at addr and checks that it serves,
// giving up after timeout. ns may be empty (a probe).
func dial(ctx context.Context, addr, ns string, timeout time.Duration) (*containerd.Client, error) {
	if _, err := os.Stat(addr); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	opts := []containerd.ClientOpt{containerd.WithTimeout(timeout)}
	if ns != "" {
		opts = append(opts, containerd.WithDefaultNamespace(ns))
	}
	c, err := containerd.New(addr, opts...)
	if err != nil {
		return nil, err
	}
	ok, err := c.IsServing(ctx)
	if err == nil && !ok {
		err = errors.New("containerd is not serving")
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
