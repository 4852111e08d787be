// Package router gives each VPC a router of its own on this host: a network
// namespace holding the VPC's subnet bridges (package
// internal/network/bridge), so VPCs with overlapping CIDRs (every account's
// default VPC is 172.31.0.0/16) coexist and never reach each other.
//
//	host namespace                      router namespace berthvpc-<12 hex>
//	                                    ┌─────────────────────────────────────┐
//	 <Uplink> 169.254.99.1/32 ─ veth ───┤ uplink 169.254.99.2/32              │
//	 CIDR via 169.254.99.2 onlink       │ default via 169.254.99.1            │
//	                                    │ lo: Endpoints/32 (169.254.170.2, …) │
//	                                    │ bridge per subnet, gateway address ─┼─ veth ─ eth0 in a task
//	                                    │ ip_forward=1, table inet berth      │
//	                                    └─────────────────────────────────────┘
//
// Inside the router namespace, the VPC's subnets route to each other through
// the bridges' gateway addresses. nftables table inet berth allows what
// leaves through the uplink only when it belongs to a connection opened from
// the other side: the host may open connections to tasks, tasks may open
// none to the host or beyond (egress comes later). The router itself accepts
// from tasks only ICMP and connections to the Endpoints addresses, which are
// served by sockets opened inside the namespace with Router.Listen and
// Router.ListenPacket, so a listener sees each task's own address.
//
// The uplink addresses are link-local and the same in every router, so
// nothing is allocated. The host routes each VPC CIDR through the router's
// uplink unless a route it already has overlaps the CIDR (another VPC's
// router, the host's LAN): then the CIDR is skipped and reported by
// Router.Skipped, and the host does not reach that VPC's tasks.
//
// Nothing here changes the host's sysctls or its nftables ruleset; only the
// uplink's host end, its address and the CIDR routes are added on the host.
//
// Ensure and Remove are idempotent and repair partial state, so the agent can
// re-apply them after a restart. Calls are serialized in the process.
package router

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/network/bridge"
	"github.com/berth-dev/berth/internal/network/namespace"
	"github.com/berth-dev/berth/internal/network/nft"
)

// RouterIfName is the uplink's end inside the router namespace.
const RouterIfName = "uplink"

// TableName is the nftables table (family inet) in the router namespace.
const TableName = nft.TableName

// taskNetnsPrefix starts the names of task namespaces (agent/netns.Prefix);
// the agent deletes those it does not know, so a router must not use it.
const taskNetnsPrefix = "berth-"

// The uplink's point-to-point addresses, the same in every router.
var (
	HostLinkAddr   = netip.AddrFrom4([4]byte{169, 254, 99, 1}) // the uplink's host end
	RouterLinkAddr = netip.AddrFrom4([4]byte{169, 254, 99, 2}) // the uplink's end in the router
)

// Config is one VPC's router on this host.
type Config struct {
	// Name is the namespace's name, pinned at /var/run/netns/<Name>; berth
	// uses "berthvpc-" + 12 hex. It must not start with "berth-".
	Name string
	// Uplink is the name of the uplink's host end (at most 15 characters,
	// e.g. "bh" + 10 hex), unique on the host.
	Uplink string
	// CIDRs are the VPC's IPv4 blocks, routed on the host via Uplink unless
	// the host already has an overlapping route.
	CIDRs []netip.Prefix
	// Endpoints are IPv4 addresses put on the router's lo (e.g.
	// 169.254.170.2 and 169.254.169.253), for listeners made with Listen
	// and ListenPacket. One inside a subnet (a load balancer's ENI
	// address, which the subnet's pool gave it) answers its subnet's
	// tasks directly: the router replies to ARP for its own addresses.
	Endpoints []netip.Addr
	// Services are the ports of the endpoints the VPC's tasks (and the
	// host) may open connections to; nothing else of the router answers.
	Services []Service
	// Admit limits who may open connections to some of the Services: only
	// sources in the service's IPv4 prefixes (none: nobody). A service not
	// in Admit is open to every task of the VPC and the host (a load
	// balancer's listener port is admitted as its security groups say).
	Admit map[Service][]netip.Prefix
	// Public maps tasks' public addresses to their private ones, 1:1 NAT
	// as an internet gateway does: the host routes each public address to
	// the router (unless a host route overlaps it), which forwards what
	// comes to it to the private address. Replies go back the same way.
	Public []PublicIP
}

// Service is a port of an endpoint open to the VPC's tasks.
type Service = nft.Service

// PublicIP is one public address of a task.
type PublicIP struct{ Public, Private netip.Addr }

func (c Config) validate() error {
	if err := validName(c.Name); err != nil {
		return err
	}
	if err := validIfName(c.Uplink); err != nil {
		return fmt.Errorf("router %s: uplink: %w", c.Name, err)
	}
	linkLocal := netip.MustParsePrefix("169.254.0.0/16")
	for i, p := range c.CIDRs {
		if !p.IsValid() || !p.Addr().Is4() || p != p.Masked() || p.Bits() == 0 {
			return fmt.Errorf("router %s: CIDR %v is not a masked IPv4 prefix", c.Name, p)
		}
		if p.Overlaps(linkLocal) {
			return fmt.Errorf("router %s: CIDR %v overlaps 169.254.0.0/16", c.Name, p)
		}
		for _, q := range c.CIDRs[:i] {
			if p.Overlaps(q) {
				return fmt.Errorf("router %s: CIDRs %v and %v overlap", c.Name, q, p)
			}
		}
	}
	for _, sv := range c.Services {
		if !slices.Contains(c.Endpoints, sv.Addr) || sv.Proto != unix.IPPROTO_TCP && sv.Proto != unix.IPPROTO_UDP || sv.Port == 0 {
			return fmt.Errorf("router %s: service %v/%d/%d is not a TCP or UDP port of an endpoint", c.Name, sv.Addr, sv.Proto, sv.Port)
		}
	}
	for i, m := range c.Public {
		if !m.Public.Is4() || !m.Private.Is4() {
			return fmt.Errorf("router %s: public address %v → %v is not IPv4", c.Name, m.Public, m.Private)
		}
		if linkLocal.Contains(m.Public) || m.Public.IsLoopback() || m.Public.IsUnspecified() || m.Public.IsMulticast() {
			return fmt.Errorf("router %s: %v can't be a public address", c.Name, m.Public)
		}
		for _, p := range c.CIDRs {
			if p.Contains(m.Public) {
				return fmt.Errorf("router %s: public address %v is inside the VPC CIDR %v", c.Name, m.Public, p)
			}
		}
		if slices.ContainsFunc(c.Public[:i], func(o PublicIP) bool { return o.Public == m.Public }) {
			return fmt.Errorf("router %s: public address %v given twice", c.Name, m.Public)
		}
	}
	for i, a := range c.Endpoints {
		if !a.Is4() || a == HostLinkAddr || a == RouterLinkAddr || a.IsLoopback() || a.IsUnspecified() || a.IsMulticast() {
			return fmt.Errorf("router %s: endpoint %v is not a usable IPv4 address", c.Name, a)
		}
		if slices.Contains(c.Endpoints[:i], a) {
			return fmt.Errorf("router %s: endpoint %v given twice", c.Name, a)
		}
	}
	return nil
}

func validName(name string) error {
	if name == "" || len(name) > 64 || strings.ContainsAny(name, "/\x00 \t\n") || name == "." || name == ".." {
		return fmt.Errorf("router: %q is not a valid namespace name", name)
	}
	if strings.HasPrefix(name, taskNetnsPrefix) {
		return fmt.Errorf("router: namespace name %q starts with %q, which task namespaces use", name, taskNetnsPrefix)
	}
	return nil
}

func validIfName(name string) error {
	if name == "" || len(name) > unix.IFNAMSIZ-1 || strings.ContainsAny(name, "/: \t\n") || name == "." || name == ".." {
		return fmt.Errorf("%q is not a valid Linux interface name (1..%d characters)", name, unix.IFNAMSIZ-1)
	}
	return nil
}

// SkippedRoute is a VPC CIDR the host does not route to the router, because
// the host already had a route overlapping it.
type SkippedRoute struct {
	CIDR     netip.Prefix
	Conflict netip.Prefix // the host's route
	Dev      string       // its interface, "" if none or unknown
}

func (s SkippedRoute) String() string {
	if s.Dev == "" {
		return fmt.Sprintf("%v (host route %v)", s.CIDR, s.Conflict)
	}
	return fmt.Sprintf("%v (host route %v dev %s)", s.CIDR, s.Conflict, s.Dev)
}

// Path is where the router namespace name is pinned.
func Path(name string) string { return namespace.Path(name) }

// Router is a handle on one VPC's router namespace, returned by Ensure. It
// keeps the namespace open (it outlives Remove until Close). Close it when
// done; the namespace stays.
type Router struct {
	cfg     Config
	routed  []netip.Prefix
	skipped []SkippedRoute
	bridges *bridge.NS

	mu sync.RWMutex // guards ns against Close
	ns netns.NsHandle
}

// mu serializes Ensure and Remove in the process: host routes are checked
// for overlaps and then added, and a namespace is created and then pinned.
var mu sync.Mutex

// Ensure creates or repairs the router cfg describes and returns a handle
// on it. It is idempotent: what is already as asked is left alone (the
// nftables table is replaced in one transaction), so connections through the
// router survive.
func Ensure(ctx context.Context, cfg Config) (_ *Router, err error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.CIDRs = slices.Clone(cfg.CIDRs)
	cfg.Endpoints = slices.Clone(cfg.Endpoints)
	cfg.Public = slices.Clone(cfg.Public)
	cfg.Services = slices.Clone(cfg.Services)
	mu.Lock()
	defer mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path := Path(cfg.Name)
	if !namespace.Pinned(path) {
		if err := namespace.Create(path, nil); err != nil {
			return nil, fmt.Errorf("router %s: create namespace: %w", cfg.Name, err)
		}
	}
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return nil, fmt.Errorf("router %s: open namespace: %w", cfg.Name, err)
	}
	r := &Router{cfg: cfg, ns: ns}
	defer func() {
		if err != nil {
			_ = r.Close()
			err = fmt.Errorf("router %s: %w", cfg.Name, err)
		}
	}()
	// Only the route family: a Handle sends requests of other families
	// through a socket of the caller's namespace.
	rh, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("netlink in namespace: %w", err)
	}
	defer rh.Close()
	hh, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("netlink: %w", err)
	}
	defer hh.Close()

	steps := []func() error{
		func() error { return ensureLoopback(rh, cfg.Endpoints) },
		func() error { return enableForwarding(int(ns)) },
		func() error { return applyRules(int(ns), cfg.Services, cfg.Admit, cfg.Public) },
		func() error {
			host, err := ensureUplink(hh, rh, cfg.Uplink, int(ns))
			if err != nil {
				return err
			}
			routes := slices.Clone(cfg.CIDRs)
			for _, m := range cfg.Public {
				routes = append(routes, netip.PrefixFrom(m.Public, 32))
			}
			r.routed, r.skipped, err = ensureHostRoutes(hh, host, routes)
			return err
		},
	}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := step(); err != nil {
			return nil, err
		}
	}
	if r.bridges, err = bridge.Open(path); err != nil {
		return nil, err
	}
	return r, nil
}

// Name is the router namespace's name.
func (r *Router) Name() string { return r.cfg.Name }

// Path is where the router namespace is pinned.
func (r *Router) Path() string { return Path(r.cfg.Name) }

// Uplink is the name of the uplink's host end.
func (r *Router) Uplink() string { return r.cfg.Uplink }

// Routed returns the CIDRs the host routes to this router.
func (r *Router) Routed() []netip.Prefix { return slices.Clone(r.routed) }

// Skipped returns the CIDRs the host does not route to this router, and why.
func (r *Router) Skipped() []SkippedRoute { return slices.Clone(r.skipped) }

// Bridges returns the handle through which the VPC's subnet bridges and the
// host ends of its tasks' ENIs are managed inside the router namespace. It
// is closed by Close.
func (r *Router) Bridges() *bridge.NS { return r.bridges }

// Close releases the handle's namespace and netlink file descriptors. The
// router, and listeners opened with Listen, stay. Safe to call twice.
func (r *Router) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	if r.bridges != nil {
		errs = append(errs, r.bridges.Close())
	}
	if r.ns.IsOpen() {
		errs = append(errs, r.ns.Close())
		r.ns = netns.None()
	}
	return errors.Join(errs...)
}

// do runs fn on a locked OS thread inside the router namespace.
func (r *Router) do(fn func() error) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if !r.ns.IsOpen() {
		return fmt.Errorf("router %s: handle closed", r.cfg.Name)
	}
	return namespace.Do(int(r.ns), fn)
}

// Remove deletes the router: the host's routes through its uplink, the
// uplink pair and the namespace's pin. The kernel frees the namespace, and
// with it the bridges and every task ENI still attached, once nothing holds
// it (an open Router or listener does). A router that is already gone is not
// an error; an interface named uplink that is not a veth is refused.
func Remove(ctx context.Context, name, uplink string) error {
	if err := validName(name); err != nil {
		return err
	}
	if err := validIfName(uplink); err != nil {
		return fmt.Errorf("router %s: uplink: %w", name, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := removeUplink(uplink); err != nil {
		return fmt.Errorf("router %s: %w", name, err)
	}
	if err := namespace.Unpin(Path(name)); err != nil {
		return fmt.Errorf("router %s: unpin namespace: %w", name, err)
	}
	return nil
}

// List returns the names of the pinned router namespaces that start with
// prefix, for removing routers no VPC needs any more.
func List(prefix string) ([]string, error) {
	entries, err := os.ReadDir(namespace.Dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("router: list namespaces: %w", err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && namespace.Pinned(Path(e.Name())) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}
