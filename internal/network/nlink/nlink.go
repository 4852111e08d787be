// Package nlink holds the small netlink conversions and checks that the
// bridge and router packages both need.
package nlink

import (
	"errors"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
)

// NotFound reports whether err says a link does not exist.
func NotFound(err error) bool {
	var nf netlink.LinkNotFoundError
	return errors.As(err, &nf)
}

// IsVethPair reports whether a and b, possibly in two namespaces, are the
// two ends of one veth pair: b is a veth and each end's IFLA_LINK is the
// other's index.
func IsVethPair(a, b netlink.Link) bool {
	if _, ok := b.(*netlink.Veth); !ok {
		return false
	}
	return a.Attrs().ParentIndex == b.Attrs().Index && b.Attrs().ParentIndex == a.Attrs().Index
}

// Prefix converts a route's or an address's net (nil is 0.0.0.0/0).
func Prefix(n *net.IPNet) (netip.Prefix, bool) {
	if n == nil {
		return netip.PrefixFrom(netip.IPv4Unspecified(), 0), true
	}
	ip, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(ip.Unmap(), ones), true
}

// AddrPrefix is an interface address as a prefix (its address, not masked).
func AddrPrefix(a netlink.Addr) (netip.Prefix, bool) {
	if a.IPNet == nil {
		return netip.Prefix{}, false
	}
	return Prefix(a.IPNet)
}

// IPNet converts a prefix.
func IPNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

// Addr is an interface address of p.
func Addr(p netip.Prefix) *netlink.Addr { return &netlink.Addr{IPNet: IPNet(p)} }
