package tasknet

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/network/router"
	"github.com/berth-dev/berth/internal/network/vpcdns"
)

// vpcRouter is a VPC's router on this host and the resolver it serves.
type vpcRouter struct {
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
	if v != nil && len(v.r.Skipped()) == 0 {
		return v, nil
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
	r, err := router.Ensure(ctx, router.Config{Name: name, Uplink: uplink, CIDRs: cidrs, Endpoints: []netip.Addr{MetadataAddr, ResolverAddr}})
	if err != nil {
		return nil, fmt.Errorf("VPC %s router: %w", spec.ENI.VpcID, err)
	}
	if v != nil { // ensured again: the resolver keeps running
		_ = v.r.Close()
		v.r = r
		return v, nil
	}
	v = &vpcRouter{r: r}
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
