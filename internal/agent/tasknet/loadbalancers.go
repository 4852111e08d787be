package tasknet

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/network/router"
	"golang.org/x/sys/unix"
)

// Load balancers live in their VPC's router: each of a load balancer's
// ENI addresses is an endpoint of the router (on its lo, so tasks of the
// subnet reach it over their bridge and the host through the uplink), its
// listener ports are services the router's table lets in, and the
// proxy's connections to targets leave from those addresses, so that the
// tasks' security groups see the load balancer's own address (and so its
// groups). A VPC with load balancers keeps its router while no task runs
// in it; <Dir>/.lbs/<router name> records that across restarts.

const lbsDir = ".lbs"

// LBSite is what one VPC's load balancers need of its router on this
// host.
type LBSite struct {
	Account, Region, VpcID string
	VpcCIDRs               []netip.Prefix
	Addrs                  []netip.Addr // the load balancers' ENI addresses
	Listeners              []LBListener
	// Names are the load balancers' DNS names (lowercase) and addresses,
	// which the VPC's resolver answers.
	Names map[string][]netip.Addr
}

// LBListener is a listener port of one load balancer, on its addresses,
// open to the sources its security groups admit (none: nobody).
type LBListener struct {
	Addrs []netip.Addr
	Port  uint16
	Admit []netip.Prefix
}

// lbSite is an LBSite as a router holds it: its addresses (endpoints) and
// the services on them, with the sources each admits.
type lbSite struct {
	addrs    []netip.Addr
	services []router.Service
	admit    map[router.Service][]netip.Prefix
}

func newLBSite(s LBSite) *lbSite {
	site := &lbSite{addrs: slices.Clone(s.Addrs), admit: map[router.Service][]netip.Prefix{}}
	slices.SortFunc(site.addrs, netip.Addr.Compare)
	site.addrs = slices.Compact(site.addrs)
	for _, l := range s.Listeners {
		for _, a := range l.Addrs {
			sv := router.Service{Addr: a, Proto: unix.IPPROTO_TCP, Port: l.Port}
			if _, dup := site.admit[sv]; !dup {
				site.services = append(site.services, sv)
			}
			site.admit[sv] = append(site.admit[sv], l.Admit...)
		}
	}
	for sv, from := range site.admit {
		slices.SortFunc(from, func(a, b netip.Prefix) int {
			return cmp.Or(a.Addr().Compare(b.Addr()), cmp.Compare(a.Bits(), b.Bits()))
		})
		site.admit[sv] = slices.Compact(from)
	}
	return site
}

func (l *lbSite) equal(o *lbSite) bool {
	if l == nil || o == nil {
		return l == o
	}
	return slices.Equal(l.addrs, o.addrs) && slices.Equal(l.services, o.services) &&
		maps.EqualFunc(l.admit, o.admit, slices.Equal)
}

// lbAddrsOf answers the VPC resolver's questions for load balancer
// names.
func (v *vpcRouter) lbAddrsOf(name string) []netip.Addr {
	if names := v.lbNames.Load(); names != nil {
		return (*names)[name]
	}
	return nil
}

func (m *Manager) lbRouterNames(s LBSite) (name, uplink string) {
	h := shortHash(m.NodeID, s.Account, s.Region, s.VpcID)
	return RouterPrefix + h[:12], "bh" + h[:10]
}

// SetLoadBalancers makes the routers of the sites' VPCs serve exactly
// their load balancers' addresses and ports; routers that served load
// balancers before and serve neither them nor tasks now are removed.
func (m *Manager) SetLoadBalancers(ctx context.Context, sites []LBSite) error {
	var errs []error
	wanted := map[string]bool{}
	for _, s := range sites {
		name, uplink := m.lbRouterNames(s)
		wanted[name] = true
		errs = append(errs, m.setSite(ctx, name, uplink, s))
	}
	entries, err := os.ReadDir(filepath.Join(m.Dir, lbsDir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	for _, e := range entries {
		if wanted[e.Name()] {
			continue
		}
		errs = append(errs, m.dropSite(ctx, e.Name()))
	}
	if len(sites) == 0 {
		_ = os.Remove(filepath.Join(m.Dir, lbsDir)) // only when empty
	}
	return errors.Join(errs...)
}

func (m *Manager) setSite(ctx context.Context, name, uplink string, s LBSite) error {
	site := newLBSite(s)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := os.MkdirAll(filepath.Join(m.Dir, lbsDir), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(m.Dir, lbsDir, name), []byte(uplink+"\n"), 0o644); err != nil {
		return err
	}
	names := maps.Clone(s.Names)
	defer m.indexLBAddrs()
	if v := m.routers[name]; v != nil {
		v.lbNames.Store(&names)
		if v.lb.equal(site) && !v.dirty {
			return nil
		}
		v.lb = site
		return m.reensure(ctx, v)
	}
	v, err := m.newRouter(ctx, name, uplink, s.Region, s.VpcCIDRs, func(v *vpcRouter) { v.lb = site })
	if err != nil {
		return fmt.Errorf("VPC %s: %w", s.VpcID, err)
	}
	v.lbNames.Store(&names)
	return nil
}

// dropSite takes a VPC's load balancers out of its router, and the router
// away if no task uses it.
func (m *Manager) dropSite(ctx context.Context, name string) error {
	b, err := os.ReadFile(filepath.Join(m.Dir, lbsDir, name))
	if err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(m.Dir, lbsDir, name)); err != nil {
		return err
	}
	m.mu.Lock()
	if v := m.routers[name]; v != nil && v.lb != nil {
		v.lb = nil
		v.lbNames.Store(nil)
		m.indexLBAddrs()
		if err := m.reensure(ctx, v); err != nil {
			m.mu.Unlock()
			return err
		}
	}
	m.mu.Unlock()
	if m.wiredHere(name) {
		return nil
	}
	return m.removeIfUnused(ctx, name, strings.TrimSpace(string(b)))
}

// lbUsers is the set of routers that serve load balancers.
func (m *Manager) lbUsers() map[string]bool {
	entries, _ := os.ReadDir(filepath.Join(m.Dir, lbsDir))
	out := map[string]bool{}
	for _, e := range entries {
		out[e.Name()] = true
	}
	return out
}

// routerOf is the open router that has addr as a load balancer address.
// It takes no lock that router changes hold: a proxied request never waits
// for a task's network set-up.
func (m *Manager) routerOf(addr netip.Addr) (*router.Router, error) {
	if byAddr := m.lbAddrs.Load(); byAddr != nil {
		if v := (*byAddr)[addr]; v != nil {
			if r := v.r.Load(); r != nil {
				return r, nil
			}
		}
	}
	return nil, fmt.Errorf("no VPC router here serves load balancer address %s", addr)
}

// indexLBAddrs rebuilds the map routerOf reads (m.mu held).
func (m *Manager) indexLBAddrs() {
	byAddr := map[netip.Addr]*vpcRouter{}
	for _, v := range m.routers {
		if v.lb != nil {
			for _, a := range v.lb.addrs {
				byAddr[a] = v
			}
		}
	}
	m.lbAddrs.Store(&byAddr)
}

// LoadBalancerListen opens a listener on a load balancer address in its
// VPC's router (after SetLoadBalancers put the address there).
func (m *Manager) LoadBalancerListen(addr netip.AddrPort) (net.Listener, error) {
	r, err := m.routerOf(addr.Addr())
	if err != nil {
		return nil, err
	}
	return r.Listen("tcp4", addr.String())
}

// LoadBalancerDial connects from a load balancer address to a target of
// its VPC.
func (m *Manager) LoadBalancerDial(ctx context.Context, src netip.Addr, dst netip.AddrPort) (net.Conn, error) {
	r, err := m.routerOf(src)
	if err != nil {
		return nil, err
	}
	return r.DialTCP(ctx, src, dst)
}
