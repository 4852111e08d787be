// Package bridge wires tasks' ENIs into their subnets on one host: a Linux
// bridge per VPC subnet holding the subnet's gateway (router) address, and a
// veth pair per task ENI whose host end is a port of that bridge and whose
// task end is eth0 in the task's network namespace.
//
// Bridges and host ends live in a namespace the caller chooses, opened with
// Open: berth uses one router namespace per VPC (package
// internal/network/router), so VPCs with overlapping CIDRs never meet and
// bridge and host-end names need only be unique inside one router namespace.
// Open("") works on the caller's own namespace.
//
//	n, err := bridge.Open("/var/run/netns/berthvpc-0123456789ab")
//	defer n.Close()
//	err = n.EnsureSubnet(ctx, subnet)
//	err = n.Attach(ctx, eni)
//
// All changes go through netlink sockets opened inside the namespaces
// (netlink.NewHandleAt), so no goroutine ever runs in a foreign namespace.
// Every operation is idempotent: it compares what is there with what should
// be and changes only the difference, so the agent can re-apply it after a
// restart or a missed event.
//
// This package forwards nothing off the machine: it neither enables
// ip_forward nor adds NAT. Isolation and security groups live in nftables.
package bridge

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/network/nlink"
)

// DefaultMTU is the MTU when a subnet does not give one.
const DefaultMTU = 1500

// TaskIfName is the name of the ENI inside the task's namespace.
const TaskIfName = "eth0"

// maxIfName is the longest interface name Linux accepts (IFNAMSIZ - 1).
const maxIfName = unix.IFNAMSIZ - 1

// Subnet is one VPC subnet on this host: a Linux bridge named Name (at most
// 15 characters, e.g. "bb-" + 8 hex of the subnet id, unique within its
// namespace) holding the subnet's gateway address (the subnet's first address
// + 1, e.g. 10.0.1.1/24 for 10.0.1.0/24), through which tasks reach the
// namespace the bridge lives in (the VPC's router).
type Subnet struct {
	Name    string
	CIDR    netip.Prefix
	Gateway netip.Addr
	MTU     int // 0 means DefaultMTU
}

// GatewayFor returns the subnet's router address: its first address + 1.
func GatewayFor(cidr netip.Prefix) netip.Addr {
	return cidr.Masked().Addr().Next()
}

func (s Subnet) mtu() int {
	if s.MTU <= 0 {
		return DefaultMTU
	}
	return s.MTU
}

func (s Subnet) validate() error {
	if err := validName(s.Name); err != nil {
		return fmt.Errorf("bridge: subnet %w", err)
	}
	if !s.CIDR.IsValid() || !s.CIDR.Addr().Is4() || s.CIDR.Bits() > 30 {
		return fmt.Errorf("bridge: subnet %s: CIDR %v is not an IPv4 prefix of /30 or wider", s.Name, s.CIDR)
	}
	if !s.Gateway.Is4() || !s.CIDR.Contains(s.Gateway) || s.Gateway == s.CIDR.Masked().Addr() {
		return fmt.Errorf("bridge: subnet %s: gateway %v is not a host address in %v", s.Name, s.Gateway, s.CIDR)
	}
	if s.MTU != 0 && (s.MTU < 576 || s.MTU > 65535) {
		return fmt.Errorf("bridge: subnet %s: MTU %d out of range", s.Name, s.MTU)
	}
	return nil
}

func validName(name string) error {
	if name == "" || len(name) > maxIfName || strings.ContainsAny(name, "/: \t\n") || name == "." || name == ".." {
		return fmt.Errorf("interface name %q is not a valid Linux interface name (1..%d characters)", name, maxIfName)
	}
	return nil
}

// bridgeMAC is a stable locally administered MAC for a bridge. Without an
// explicitly set address a bridge takes the lowest address among its ports,
// so the gateway's MAC would change as tasks come and go and tasks' ARP
// entries for it would go stale.
func bridgeMAC(name string) net.HardwareAddr {
	sum := sha256.Sum256([]byte("berth-bridge/" + name))
	return net.HardwareAddr{0x0e, sum[0], sum[1], sum[2], sum[3], sum[4]}
}

// MACFor returns the ENI's MAC address: locally administered, unicast,
// 0a:xx:xx:xx:xx:xx as AWS's look, derived from the ENI id so it is stable.
func MACFor(eniID string) net.HardwareAddr {
	sum := sha256.Sum256([]byte(eniID))
	return net.HardwareAddr{0x0a, sum[0], sum[1], sum[2], sum[3], sum[4]}
}

// EnsureSubnet creates the subnet's bridge in the namespace or adopts an
// existing one, gives it the gateway address and brings it up. It is
// idempotent.
func (n *NS) EnsureSubnet(ctx context.Context, s Subnet) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.validate(); err != nil {
		return err
	}
	h, err := n.handle()
	if err != nil {
		return err
	}
	defer n.mu.RUnlock()
	link, err := h.LinkByName(s.Name)
	if nlink.NotFound(err) {
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{
			Name:         s.Name,
			MTU:          s.mtu(),
			HardwareAddr: bridgeMAC(s.Name),
			TxQLen:       -1,
		}}
		if err = h.LinkAdd(br); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("bridge %s: create: %w", s.Name, err)
		}
		link, err = h.LinkByName(s.Name)
	}
	if err != nil {
		return fmt.Errorf("bridge %s: %w", s.Name, err)
	}
	if _, ok := link.(*netlink.Bridge); !ok {
		return fmt.Errorf("bridge %s: an interface of type %q already has that name", s.Name, link.Type())
	}
	attrs := link.Attrs()
	if attrs.MTU != s.mtu() {
		if err := h.LinkSetMTU(link, s.mtu()); err != nil {
			return fmt.Errorf("bridge %s: set MTU %d: %w", s.Name, s.mtu(), err)
		}
	}
	if want := bridgeMAC(s.Name); attrs.HardwareAddr.String() != want.String() {
		if err := h.LinkSetHardwareAddr(link, want); err != nil {
			return fmt.Errorf("bridge %s: set MAC: %w", s.Name, err)
		}
	}
	if err := ensureAddr(h, link, netip.PrefixFrom(s.Gateway, s.CIDR.Bits())); err != nil {
		return fmt.Errorf("bridge %s: %w", s.Name, err)
	}
	if attrs.Flags&net.FlagUp == 0 {
		if err := h.LinkSetUp(link); err != nil {
			return fmt.Errorf("bridge %s: up: %w", s.Name, err)
		}
	}
	return nil
}

// RemoveSubnet deletes the subnet's bridge; a missing one is not an error.
// Ports still attached are detached by the kernel (their pairs remain).
func (n *NS) RemoveSubnet(ctx context.Context, name string) error {
	return n.deleteLink(ctx, name, "bridge", func(l netlink.Link) bool { _, ok := l.(*netlink.Bridge); return ok })
}

// deleteLink deletes the interface name if it is of the kind isKind
// accepts (what names that kind in errors). A missing interface is not an
// error; one of another kind is refused, so a stray name never deletes
// something berth did not make.
func (n *NS) deleteLink(ctx context.Context, name, what string, isKind func(netlink.Link) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := validName(name); err != nil {
		return fmt.Errorf("bridge: %w", err)
	}
	h, err := n.handle()
	if err != nil {
		return err
	}
	defer n.mu.RUnlock()
	link, err := h.LinkByName(name)
	if nlink.NotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bridge: %s %s: %w", what, name, err)
	}
	if !isKind(link) {
		return fmt.Errorf("bridge: refusing to delete %s, an interface of type %q, not a %s", name, link.Type(), what)
	}
	if err := h.LinkDel(link); err != nil && !nlink.NotFound(err) && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("bridge: delete %s %s: %w", what, name, err)
	}
	return nil
}

// ensureAddr adds want to link unless it is already there (other addresses,
// e.g. the in-task endpoints, are left alone).
func ensureAddr(h *netlink.Handle, link netlink.Link, want netip.Prefix) error {
	addrs, err := h.AddrList(link, unix.AF_INET)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return fmt.Errorf("list addresses: %w", err)
	}
	for _, a := range addrs {
		if a.IPNet == nil {
			continue
		}
		ones, _ := a.Mask.Size()
		if ip, ok := netip.AddrFromSlice(a.IP); ok && ip.Unmap() == want.Addr() && ones == want.Bits() {
			return nil
		}
	}
	if err := h.AddrAdd(link, nlink.Addr(want)); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("add address %v: %w", want, err)
	}
	return nil
}
