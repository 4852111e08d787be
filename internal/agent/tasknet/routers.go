package tasknet

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/network/bridge"
	"github.com/berth-dev/berth/internal/network/router"
	"github.com/berth-dev/berth/internal/network/vpcdns"
)

// vpcRouter is a VPC's router on this host, the resolver it serves, and
// what its tasks add to it. All fields but bridges (set once) and the
// atomic ones are guarded by Manager.mu.
type vpcRouter struct {
	cfg     router.Config // less Public, which comes from public
	bridges *bridge.NS    // its own handle: r is replaced when the router is ensured again
	stopDNS func()
	stopWeb func()                                  // the in-task HTTP endpoints (Handlers)
	public  map[string]router.PublicIP              // by task id
	ports   map[string]bridge.Port                  // by task id: what each task's port may send
	stale   int                                     // ports gone but still in the guard's set
	dirty   bool                                    // the last re-ensure failed: the router lags its config
	lb      *lbSite                                 // the VPC's load balancers here, nil when none
	lbNames atomic.Pointer[map[string][]netip.Addr] // their DNS names, for the resolver
	r       atomic.Pointer[router.Router]           // atomic: load balancers' dials read it without Manager.mu
	retryAt time.Time                               // when skipped host routes may be tried again
}

// skippedRetry is how often a router whose host routes were skipped
// (another VPC on the host holds its blocks: every account's default VPC
// is 172.31.0.0/16) tries them again as its tasks are set up. Each try
// re-applies the whole router; on every launch, that was a good part of
// the launch's own work.
const skippedRetry = 10 * time.Second

func (v *vpcRouter) close() {
	if v.stopDNS != nil {
		v.stopDNS()
	}
	if v.stopWeb != nil {
		v.stopWeb()
	}
	_ = v.bridges.Close()
	_ = v.r.Load().Close()
}

// hostRoutable are the blocks the host may route to a VPC: private ones.
// A VPC with a public block (AWS allows them) is not reachable from the
// host, or it could take the host's traffic to that block.
var hostRoutable = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("100.64.0.0/10"),
}

// routable is what of a VPC's blocks the host may route to its router:
// private blocks that hold none of the host's resolvers (which the VPC
// resolver asks from the host).
func (m *Manager) routable(cidrs []netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
next:
	for _, c := range cidrs {
		if !slices.ContainsFunc(hostRoutable, func(p netip.Prefix) bool { return p.Contains(c.Addr()) && p.Bits() <= c.Bits() }) {
			continue
		}
		for _, up := range m.upstreams {
			if ap, err := netip.ParseAddrPort(up); err == nil && c.Contains(ap.Addr()) {
				continue next
			}
		}
		out = append(out, c)
	}
	return out
}

// router ensures the VPC's router (and its resolver) and records that the
// task uses it, with its port and public address. A router some of whose
// blocks could not be routed on the host (another VPC held them) is
// ensured again, in case they are free now, at most every skippedRetry.
func (m *Manager) router(ctx context.Context, spec *agentapi.TaskSpec, dir string, port bridge.Port) (*vpcRouter, error) {
	name, uplink := m.routerNames(spec)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := os.WriteFile(filepath.Join(dir, routerFile), []byte(name+" "+uplink+"\n"), 0o644); err != nil {
		return nil, err
	}
	var cidrs []netip.Prefix
	for _, c := range spec.ENI.VpcCIDRs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return nil, fmt.Errorf("VPC %s: block %q: %w", spec.ENI.VpcID, c, err)
		}
		cidrs = append(cidrs, p)
	}
	var public *router.PublicIP
	if spec.ENI.PublicIPv4 != "" {
		pub, err := netip.ParseAddr(spec.ENI.PublicIPv4)
		if err != nil {
			return nil, fmt.Errorf("ENI %s: public address %q: %w", spec.ENI.ID, spec.ENI.PublicIPv4, err)
		}
		public = &router.PublicIP{Public: pub, Private: port.Addr}
	}
	if v := m.routers[name]; v != nil {
		if _, ok := v.ports[spec.TaskID]; !ok {
			if err := v.bridges.AllowPorts([]bridge.Port{port}); err != nil {
				return nil, err
			}
			v.ports[spec.TaskID] = port
		}
		again := v.dirty || len(v.r.Load().Skipped()) > 0 && !time.Now().Before(v.retryAt)
		if public != nil && v.public[spec.TaskID] != *public {
			v.public[spec.TaskID], again = *public, true
		}
		if again { // its host routes or public addresses change
			return v, m.reensure(ctx, v)
		}
		return v, nil
	}

	v, err := m.newRouter(ctx, name, uplink, spec.Region, cidrs, func(v *vpcRouter) {
		v.ports[spec.TaskID] = port
		if public != nil {
			v.public[spec.TaskID] = *public
		}
	})
	if err != nil {
		return nil, fmt.Errorf("VPC %s: %w", spec.ENI.VpcID, err)
	}
	return v, nil
}

// newRouter makes (or adopts) a VPC's router, its resolver and its
// endpoints; first adds its first user (a task's port and public address,
// or load balancers) before the router is applied (m.mu held).
func (m *Manager) newRouter(ctx context.Context, name, uplink, region string, cidrs []netip.Prefix, first func(*vpcRouter)) (*vpcRouter, error) {
	if err := os.MkdirAll(filepath.Join(m.Dir, routersDir), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(m.Dir, routersDir, name), []byte(uplink+"\n"), 0o644); err != nil {
		return nil, err
	}
	m.loadUpstreams()
	v := &vpcRouter{
		cfg: router.Config{Name: name, Uplink: uplink, CIDRs: m.routable(cidrs),
			Endpoints: []netip.Addr{MetadataAddr, ResolverAddr}, Services: endpoints},
		public: map[string]router.PublicIP{},
		ports:  map[string]bridge.Port{},
	}
	first(v)
	if err := m.reensure(ctx, v); err != nil {
		return nil, err
	}
	var err error
	r := v.r.Load()
	if v.bridges, err = bridge.Open(r.Path()); err != nil {
		_ = r.Close()
		return nil, err
	}
	// Added to, not replaced: after a restart the guard still lets the
	// router's other running tasks through until they are adopted.
	if err := v.bridges.AllowPorts(v.portList()); err != nil {
		v.close()
		return nil, err
	}
	if v.stopDNS, err = m.serveDNS(r, region, cidrs, v.lbAddrsOf); err != nil {
		v.close()
		return nil, fmt.Errorf("resolver: %w", err)
	}
	if v.stopWeb, err = m.serveHTTP(r); err != nil {
		v.close()
		return nil, fmt.Errorf("endpoints: %w", err)
	}
	if m.routers == nil {
		m.routers = map[string]*vpcRouter{}
	}
	m.routers[name] = v
	m.log().Info("VPC router ready", "netns", name, "hostRoutes", r.Routed(), "notRouted", r.Skipped())
	return v, nil
}

// publicList is the router's public address map, in a stable order.
func (v *vpcRouter) publicList() []router.PublicIP {
	out := make([]router.PublicIP, 0, len(v.public))
	for _, p := range v.public {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b router.PublicIP) int { return a.Public.Compare(b.Public) })
	return out
}

// portList is what each task port of the router may send, in a stable
// order.
func (v *vpcRouter) portList() []bridge.Port {
	out := make([]bridge.Port, 0, len(v.ports))
	for _, p := range v.ports {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b bridge.Port) int { return a.Addr.Compare(b.Addr) })
	return out
}

// loadUpstreams reads the host's resolvers once (m.mu held).
func (m *Manager) loadUpstreams() {
	if m.upstreams != nil {
		return
	}
	ups, err := vpcdns.HostResolvers("/etc/resolv.conf")
	if err != nil {
		m.log().Warn("no host resolvers to forward to", "err", err)
	}
	m.upstreams = append([]string{}, ups...)
}

// serveDNS starts the VPC's resolver on ResolverAddr:53 inside the router.
func (m *Manager) serveDNS(r *router.Router, region string, cidrs []netip.Prefix, names func(string) []netip.Addr) (func(), error) {
	addr := net.JoinHostPort(ResolverAddr.String(), "53")
	pc, err := r.ListenPacket("udp", addr)
	if err != nil {
		return nil, err
	}
	l, err := r.Listen("tcp", addr)
	if err != nil {
		pc.Close()
		return nil, err
	}
	return vpcdns.Serve(&vpcdns.Server{Region: region, CIDRs: cidrs, Upstreams: m.upstreams, Names: names}, pc, l), nil
}

// serveHTTP serves the Handlers on MetadataAddr inside the router.
func (m *Manager) serveHTTP(r *router.Router) (func(), error) {
	var servers []*http.Server
	stop := func() {
		for _, srv := range servers {
			_ = srv.Close()
		}
	}
	for port, h := range m.Handlers {
		l, err := r.Listen("tcp", net.JoinHostPort(MetadataAddr.String(), strconv.Itoa(int(port))))
		if err != nil {
			stop()
			return nil, err
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(m.log().Handler(), slog.LevelWarn)}
		servers = append(servers, srv)
		go func() { _ = srv.Serve(l) }()
	}
	return stop, nil
}

// reensure applies the router's config (first, or again) with its
// current public addresses (m.mu held), keeping its resolver and bridge
// handle.
func (m *Manager) reensure(ctx context.Context, v *vpcRouter) error {
	cfg := v.cfg
	cfg.Public = v.publicList()
	if v.lb != nil {
		cfg.Endpoints = append(slices.Clone(cfg.Endpoints), v.lb.addrs...)
		cfg.Services = append(slices.Clone(cfg.Services), v.lb.services...)
		cfg.Admit = v.lb.admit
	}
	r, err := router.Ensure(ctx, cfg)
	if err != nil {
		v.dirty = true // the router is behind its config: the next task tries again
		return fmt.Errorf("router %s: %w", cfg.Name, err)
	}
	if old := v.r.Swap(r); old != nil { // dials move over before the old handle closes
		_ = old.Close()
	}
	v.dirty = false
	v.retryAt = time.Now().Add(skippedRetry)
	return nil
}

// forget drops a task from its router: its port's guard and, if it had
// one, its public address. A router that is not open here (the agent
// restarted) has nothing of the task.
func (m *Manager) forget(ctx context.Context, name, taskID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := m.routers[name]
	if v == nil {
		return nil
	}
	if _, ok := v.ports[taskID]; ok {
		// Its port goes with its namespace; its element stays in the
		// guard until enough have gone to rebuild it (see AllowPorts).
		delete(v.ports, taskID)
		if v.stale++; v.stale > 64 && v.stale > len(v.ports) {
			if err := v.bridges.GuardPorts(v.portList()); err != nil {
				return err
			}
			v.stale = 0
		}
	}
	if _, ok := v.public[taskID]; ok {
		delete(v.public, taskID)
		return m.reensure(ctx, v) // on failure dirty: the next set-up here retries
	}
	if v.dirty {
		return m.reensure(ctx, v)
	}
	return nil
}
