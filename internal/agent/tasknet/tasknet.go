// Package tasknet gives each task on this host its network: a namespace
// of its own and, for an awsvpc task, its ENI — eth0 with the ENI's
// address and MAC, a port of its subnet's bridge in its VPC's router
// namespace (internal/network/router), with /etc/resolv.conf pointing at
// the VPC resolver and /etc/hosts naming the task. Its security groups are
// enforced in its namespace and kept current (firewall.go); its port is
// guarded in the router, whose resolver and public addresses this package
// also keeps (routers.go).
//
// What a task holds is written under Dir/<task id>/ (the files mounted in
// its containers and the name of its VPC's router), so that a restarted
// agent can take a task apart, and a router whose last task went is
// removed even across restarts (Prune).
package tasknet

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/berth-dev/berth/internal/agent/netns"
	"github.com/berth-dev/berth/internal/agent/taskrunner"
	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/network/bridge"
	"github.com/berth-dev/berth/internal/network/router"
	"github.com/berth-dev/berth/internal/network/vpcdns"
)

// The in-task endpoints, served inside every VPC's router namespace.
var (
	MetadataAddr = netip.MustParseAddr("169.254.170.2")   // task metadata and credentials
	ResolverAddr = netip.MustParseAddr("169.254.169.253") // VPC DNS
)

// The ports of MetadataAddr: the task metadata and credentials endpoint,
// and berth's own API as tasks reach it (AWS_ENDPOINT_URL).
const (
	MetadataPort = 80
	APIPort      = 4566
)

// RouterPrefix starts the name of every router namespace berth makes.
const RouterPrefix = "berthvpc-"

// Manager sets up and takes down tasks' networks on this host.
type Manager struct {
	// NodeID makes host-wide names (router namespaces, uplinks) unique to
	// this server, so that several servers share a host (tests).
	NodeID string
	Dir    string // per-task state and files
	Log    *slog.Logger
	// Policy gives tasks' security groups; nil enforces none (tests of
	// wiring alone).
	Policy agentapi.NetworkAPI
	// Handlers are served on MetadataAddr in every VPC's router, by port
	// (MetadataPort, APIPort); a task reaches them whatever its groups.
	Handlers map[uint16]http.Handler

	mu        sync.Mutex // serialises router changes; guards the maps and the routers' fields
	routers   map[string]*vpcRouter
	tasks     map[string]*wired                         // by task id
	upstreams []string                                  // the host's resolvers, read once
	lbAddrs   atomic.Pointer[map[netip.Addr]*vpcRouter] // load balancer address → its router (routerOf)
}

const (
	routersDir = ".routers" // <Dir>/.routers/<router name>: its uplink, while it exists
	routerFile = "router"   // in a task's dir: "<router name> <uplink>"
	resolvFile = "resolv.conf"
	hostsFile  = "hosts"
)

func (m *Manager) log() *slog.Logger { return cmp.Or(m.Log, slog.Default()) }

func shortHash(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "/")))
	return hex.EncodeToString(sum[:])
}

// routerNames are the router namespace and uplink of a VPC on this host.
func (m *Manager) routerNames(e *agentapi.TaskSpec) (name, uplink string) {
	h := shortHash(m.NodeID, e.Account, e.Region, e.ENI.VpcID)
	return RouterPrefix + h[:12], "bh" + h[:10]
}

func bridgeName(subnetID string) string { return "bb-" + shortHash(subnetID)[:8] }
func hostEnd(taskID string) string      { return "bv" + shortHash(taskID)[:10] }

func (m *Manager) taskDir(taskID string) string { return filepath.Join(m.Dir, taskID) }

// Setup makes the task's namespace and, with an ENI, wires it. Idempotent.
func (m *Manager) Setup(ctx context.Context, spec *agentapi.TaskSpec) (taskrunner.TaskNetwork, error) {
	path, err := netns.Isolated{}.Setup(ctx, spec.TaskID)
	if err != nil {
		return taskrunner.TaskNetwork{}, err
	}
	tn := taskrunner.TaskNetwork{NetnsPath: path}
	eni := spec.ENI
	if eni == nil {
		return tn, nil
	}
	addr, err := netip.ParseAddr(eni.PrivateIPv4)
	if err != nil {
		return tn, fmt.Errorf("ENI %s: address %q: %w", eni.ID, eni.PrivateIPv4, err)
	}
	cidr, err := netip.ParsePrefix(eni.SubnetCIDR)
	if err != nil {
		return tn, fmt.Errorf("ENI %s: subnet %q: %w", eni.ID, eni.SubnetCIDR, err)
	}
	mac, err := net.ParseMAC(eni.MAC)
	if err != nil {
		return tn, fmt.Errorf("ENI %s: MAC %q: %w", eni.ID, eni.MAC, err)
	}
	dir := m.taskDir(spec.TaskID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return tn, err
	}
	// The port is guarded before it exists: until then a port of its name
	// would send nothing.
	port := bridge.Port{Name: hostEnd(spec.TaskID), MAC: mac, Addr: addr}
	r, err := m.router(ctx, spec, dir, port)
	if err != nil {
		return tn, err
	}
	sub := bridge.Subnet{Name: bridgeName(eni.SubnetID), CIDR: cidr, Gateway: bridge.GatewayFor(cidr)}
	if err := r.bridges.EnsureSubnet(ctx, sub); err != nil {
		return tn, err
	}
	if err := r.bridges.Attach(ctx, bridge.ENI{ID: eni.ID, HostName: port.Name, NetnsPath: path, Address: addr, Subnet: sub, MAC: mac}); err != nil {
		return tn, err
	}
	// Known to the enforcer before its policy is read, so that no change
	// in between is missed; a task set up again (adopted) keeps its record.
	m.mu.Lock()
	if m.tasks == nil {
		m.tasks = map[string]*wired{}
	}
	w := m.tasks[spec.TaskID]
	if w == nil || w.netnsPath != path {
		w = &wired{spec: spec, netnsPath: path}
		m.tasks[spec.TaskID] = w
	}
	m.mu.Unlock()
	if err := m.enforce(ctx, w, nil); err != nil {
		return tn, fmt.Errorf("security groups: %w", err)
	}
	tn.Hostname = eni.PrivateDNSName
	tn.ResolvConf, tn.Hosts = filepath.Join(dir, resolvFile), filepath.Join(dir, hostsFile)
	short, _, _ := strings.Cut(eni.PrivateDNSName, ".")
	files := map[string]string{
		tn.ResolvConf: fmt.Sprintf("search %s\nnameserver %s\n", vpcdns.Domain(spec.Region), ResolverAddr),
		tn.Hosts: fmt.Sprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s %s\n",
			addr, eni.PrivateDNSName, short),
	}
	for p, content := range files {
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return tn, err
		}
	}
	return tn, nil
}

// Teardown takes the task's network apart. Idempotent.
func (m *Manager) Teardown(ctx context.Context, spec *agentapi.TaskSpec) error {
	return m.Remove(ctx, spec.TaskID)
}

// Remove takes apart the network of a task by id (a task left over from
// before a restart has no spec), and its VPC's router when no other task
// uses it. Idempotent.
func (m *Manager) Remove(ctx context.Context, taskID string) error {
	m.mu.Lock()
	delete(m.tasks, taskID)
	m.mu.Unlock()
	dir := m.taskDir(taskID)
	name, uplink := readRouterFile(dir)
	var errs []error
	if name != "" {
		errs = append(errs, m.forget(ctx, name, taskID))
	}
	// Removing the task's namespace takes its veth pair with it when the
	// kernel frees the namespace, in batches, for a fraction of what
	// deleting the pair here costs (0.5 against 28 ms a task); only a pair
	// whose namespace is already unpinned is deleted by hand.
	if _, err := os.Stat(netns.Path(taskID)); name != "" && errors.Is(err, os.ErrNotExist) {
		errs = append(errs, m.detach(ctx, name, hostEnd(taskID)))
	}
	errs = append(errs, netns.Isolated{}.Teardown(ctx, taskID))
	if err := os.RemoveAll(dir); err != nil {
		errs = append(errs, err)
	}
	if name != "" && !m.wiredHere(name) {
		errs = append(errs, m.removeIfUnused(ctx, name, uplink))
	}
	return errors.Join(errs...)
}

// detach removes a task's ENI from its router, if the router is there.
// (The task's namespace going would take the pair with it, but only once
// the kernel gets round to freeing the namespace.)
func (m *Manager) detach(ctx context.Context, name, hostName string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r := m.routers[name]; r != nil {
		return r.bridges.Detach(ctx, hostName)
	}
	if _, err := os.Stat(router.Path(name)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	ns, err := bridge.Open(router.Path(name))
	if err != nil {
		return err
	}
	defer ns.Close()
	return ns.Detach(ctx, hostName)
}

// wiredHere reports whether tasks set up by this manager use router name:
// then it is in use, without a look at every task's dir.
func (m *Manager) wiredHere(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := m.routers[name]
	return v != nil && (len(v.ports) > 0 || v.lb != nil)
}

// removeIfUnused removes a router no task dir names.
func (m *Manager) removeIfUnused(ctx context.Context, name, uplink string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	users, err := m.routerUsers()
	if err != nil || users[name] || m.lbUsers()[name] {
		return err
	}
	if r := m.routers[name]; r != nil {
		r.close()
		delete(m.routers, name)
	}
	m.log().Info("removing VPC router: no task uses it", "netns", name)
	if err := router.Remove(ctx, name, uplink); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(m.Dir, routersDir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Prune removes the routers this manager made that no task uses any more
// (their last task went while berth was down, say). Call it after the
// agent has removed leftover tasks.
func (m *Manager) Prune(ctx context.Context) error {
	entries, err := os.ReadDir(filepath.Join(m.Dir, routersDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(m.Dir, routersDir, e.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, m.removeIfUnused(ctx, e.Name(), strings.TrimSpace(string(b))))
	}
	return errors.Join(errs...)
}

// routerUsers is the set of routers named by task dirs.
func (m *Manager) routerUsers() (map[string]bool, error) {
	entries, err := os.ReadDir(m.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	users := map[string]bool{}
	for _, e := range entries {
		if e.Name() == routersDir || e.Name() == lbsDir {
			continue
		}
		if name, _ := readRouterFile(filepath.Join(m.Dir, e.Name())); name != "" {
			users[name] = true
		}
	}
	return users, nil
}

func readRouterFile(dir string) (name, uplink string) {
	b, err := os.ReadFile(filepath.Join(dir, routerFile))
	if err != nil {
		return "", ""
	}
	name, uplink, _ = strings.Cut(strings.TrimSpace(string(b)), " ")
	return name, uplink
}

// List returns the ids of tasks that have network state on this host.
func (m *Manager) List() ([]string, error) {
	entries, err := os.ReadDir(m.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != routersDir && e.Name() != lbsDir {
			ids = append(ids, e.Name())
		}
	}
	return ids, nil
}

// Close lets go of the routers' handles; the routers stay, as the tasks
// that use them keep running.
func (m *Manager) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, r := range m.routers {
		r.close()
		delete(m.routers, name)
	}
}
