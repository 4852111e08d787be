package tasknet

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/network/router"
	"github.com/berth-dev/berth/internal/network/vpcdns"
)

// vpcRouter is a VPC's router on this host and the resolver it serves.
type vpcRouter struct {
	cfg     router.Config // less Public, which comes from the tasks
	r       *router.Router
	stopDNS func()
}

func (v *vpcRouter) close() {
	if v.stopDNS != nil {
		v.stopDNS()
	}
	_ = v.r.Close()
}

// router ensures the VPC's router (and its resolver) and records that the
// task uses it. A router some of whose blocks could not be routed on the
// host (another VPC held them) is ensured again, in case they are free now.
func (m *Manager) router(ctx context.Context, spec *agentapi.TaskSpec, dir string) (*vpcRouter, error) {
	name, uplink := m.routerNames(spec)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := os.WriteFile(filepath.Join(dir, routerFile), []byte(name+" "+uplink+"\n"), 0o644); err != nil {
		return nil, err
	}
	v := m.routers[name]
	if v != nil && len(v.r.Skipped()) == 0 && spec.ENI.PublicIPv4 == "" {
		return v, nil
	}
	if v != nil { // its host routes or public addresses change
		return v, m.reensure(ctx, v, spec)
	}
	var cidrs []netip.Prefix
	for _, c := range spec.ENI.VpcCIDRs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return nil, fmt.Errorf("VPC %s: block %q: %w", spec.ENI.VpcID, c, err)
		}
		cidrs = append(cidrs, p)
	}
	if err := os.MkdirAll(filepath.Join(m.Dir, routersDir), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(m.Dir, routersDir, name), []byte(uplink+"\n"), 0o644); err != nil {
		return nil, err
	}
	cfg := router.Config{Name: name, Uplink: uplink, CIDRs: cidrs, Endpoints: []netip.Addr{MetadataAddr, ResolverAddr}}
	cfg.Public = m.publicIPs(name, spec)
	r, err := router.Ensure(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("VPC %s router: %w", spec.ENI.VpcID, err)
	}
	v = &vpcRouter{cfg: cfg, r: r}
	if v.stopDNS, err = m.serveDNS(r, spec.Region, cidrs); err != nil {
		v.close()
		return nil, fmt.Errorf("VPC %s resolver: %w", spec.ENI.VpcID, err)
	}
	if m.routers == nil {
		m.routers = map[string]*vpcRouter{}
	}
	m.routers[name] = v
	m.log().Info("VPC router ready", "vpc", spec.ENI.VpcID, "netns", name, "hostRoutes", r.Routed(), "notRouted", r.Skipped())
	return v, nil
}

// serveDNS starts the VPC's resolver on ResolverAddr:53 inside the router.
func (m *Manager) serveDNS(r *router.Router, region string, cidrs []netip.Prefix) (func(), error) {
	if m.upstreams == nil {
		ups, err := vpcdns.HostResolvers("/etc/resolv.conf")
		if err != nil {
			m.log().Warn("no host resolvers to forward to", "err", err)
		}
		m.upstreams = append([]string{}, ups...)
	}
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
	return vpcdns.Serve(&vpcdns.Server{Region: region, CIDRs: cidrs, Upstreams: m.upstreams}, pc, l), nil
}

// publicIPs is the public address map of router name: those of the tasks
// wired to it, and of extra (a task being set up) if given.
func (m *Manager) publicIPs(name string, extra *agentapi.TaskSpec) []router.PublicIP {
	var out []router.PublicIP
	add := func(spec *agentapi.TaskSpec) {
		if spec == nil || spec.ENI == nil || spec.ENI.PublicIPv4 == "" {
			return
		}
		if n, _ := m.routerNames(spec); n != name {
			return
		}
		pub, err1 := netip.ParseAddr(spec.ENI.PublicIPv4)
		priv, err2 := netip.ParseAddr(spec.ENI.PrivateIPv4)
		if err1 != nil || err2 != nil || slices.ContainsFunc(out, func(p router.PublicIP) bool { return p.Public == pub }) {
			return
		}
		out = append(out, router.PublicIP{Public: pub, Private: priv})
	}
	for _, w := range m.tasks {
		add(w.spec)
	}
	add(extra)
	slices.SortFunc(out, func(a, b router.PublicIP) int { return a.Public.Compare(b.Public) })
	return out
}

// reensure applies the router's config again with the current public
// addresses, and extra's (m.mu held), keeping its resolver.
func (m *Manager) reensure(ctx context.Context, v *vpcRouter, extra *agentapi.TaskSpec) error {
	cfg := v.cfg
	cfg.Public = m.publicIPs(cfg.Name, extra)
	r, err := router.Ensure(ctx, cfg)
	if err != nil {
		return fmt.Errorf("router %s: %w", cfg.Name, err)
	}
	_ = v.r.Close()
	v.r = r
	return nil
}

// dropPublic applies a router's public addresses again after a task with
// one went, if the router is still there.
func (m *Manager) dropPublic(ctx context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v := m.routers[name]; v != nil {
		return m.reensure(ctx, v, nil)
	}
	return nil
}
