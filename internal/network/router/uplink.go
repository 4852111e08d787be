package router

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/network/namespace"
	"github.com/berth-dev/berth/internal/network/nlink"
)

// ensureLoopback brings the router's lo up with exactly the endpoint
// addresses (as /32) besides its 127.0.0.0/8 ones.
func ensureLoopback(rh *netlink.Handle, endpoints []netip.Addr) error {
	lo, err := rh.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("lo: %w", err)
	}
	if lo.Attrs().Flags&net.FlagUp == 0 {
		if err := rh.LinkSetUp(lo); err != nil {
			return fmt.Errorf("lo up: %w", err)
		}
	}
	want := make([]netip.Prefix, 0, len(endpoints))
	for _, a := range endpoints {
		want = append(want, netip.PrefixFrom(a, 32))
	}
	keep := func(p netip.Prefix) bool { return p.Addr().IsLoopback() }
	if err := ensureAddrs(rh, lo, want, keep); err != nil {
		return fmt.Errorf("lo: %w", err)
	}
	return nil
}

// enableForwarding sets net.ipv4.ip_forward in the namespace nsFd (never
// the host's): /proc/sys/net shows the namespace of the thread that opens it.
func enableForwarding(nsFd int) error {
	const path = "/proc/sys/net/ipv4/ip_forward"
	return namespace.Do(nsFd, func() error {
		if b, err := os.ReadFile(path); err == nil && bytes.Equal(bytes.TrimSpace(b), []byte("1")) {
			return nil
		}
		if err := os.WriteFile(path, []byte("1\n"), 0o644); err != nil {
			return fmt.Errorf("enable ip_forward: %w", err)
		}
		return nil
	})
}

// ensureUplink makes sure the veth pair name (on the host, hh) / uplink (in
// the router, rh) exists and is configured, recreating it when one end is
// missing or paired elsewhere, and returns its host end.
func ensureUplink(hh, rh *netlink.Handle, name string, nsFd int) (netlink.Link, error) {
	host, err := lookupVeth(hh, name)
	if err != nil {
		return nil, fmt.Errorf("uplink host end: %w", err)
	}
	peer, err := lookupVeth(rh, RouterIfName)
	if err != nil {
		return nil, fmt.Errorf("uplink router end: %w", err)
	}
	if host == nil || peer == nil || !nlink.IsVethPair(host, peer) {
		if host != nil {
			if err := deleteLink(hh, host); err != nil {
				return nil, fmt.Errorf("delete stale uplink host end %s: %w", name, err)
			}
		}
		if peer != nil {
			if err := deleteLink(rh, peer); err != nil {
				return nil, fmt.Errorf("delete stale uplink router end: %w", err)
			}
		}
		if host, peer, err = createUplink(hh, rh, name, nsFd); err != nil {
			return nil, err
		}
	}
	if err := configureEnd(hh, host, HostLinkAddr); err != nil {
		return nil, fmt.Errorf("uplink host end %s: %w", name, err)
	}
	if err := configureEnd(rh, peer, RouterLinkAddr); err != nil {
		return nil, fmt.Errorf("uplink router end: %w", err)
	}
	// In the router: the host's end is on the link, and is the way out.
	idx := peer.Attrs().Index
	if err := ensureRoute(rh, &netlink.Route{LinkIndex: idx, Dst: nlink.IPNet(netip.PrefixFrom(HostLinkAddr, 32)), Scope: netlink.SCOPE_LINK, Table: unix.RT_TABLE_MAIN}); err != nil {
		return nil, fmt.Errorf("router route to %v: %w", HostLinkAddr, err)
	}
	if err := ensureRoute(rh, &netlink.Route{LinkIndex: idx, Dst: nlink.IPNet(netip.PrefixFrom(netip.IPv4Unspecified(), 0)), Gw: net.IP(HostLinkAddr.AsSlice()), Table: unix.RT_TABLE_MAIN}); err != nil {
		return nil, fmt.Errorf("router default route: %w", err)
	}
	return host, nil
}

// createUplink makes the pair with the router end created straight into
// the router namespace, so its name never meets the host's interfaces.
func createUplink(hh, rh *netlink.Handle, name string, nsFd int) (host, peer netlink.Link, err error) {
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: name, TxQLen: -1},
		PeerName:      RouterIfName,
		PeerTxQLen:    -1,
		PeerNamespace: netlink.NsFd(nsFd),
	}
	if err := hh.LinkAdd(veth); err != nil {
		if l, lerr := hh.LinkByName(name); lerr == nil {
			_ = hh.LinkDel(l)
		}
		return nil, nil, fmt.Errorf("create uplink veth %s/%s: %w", name, RouterIfName, err)
	}
	host, err = hh.LinkByName(name)
	if err == nil {
		peer, err = rh.LinkByName(RouterIfName)
	}
	if err != nil {
		if host != nil {
			_ = hh.LinkDel(host)
		}
		return nil, nil, fmt.Errorf("look up new uplink: %w", err)
	}
	return host, peer, nil
}

// configureEnd brings an uplink end up with addr/32 as its only IPv4
// address.
func configureEnd(h *netlink.Handle, link netlink.Link, addr netip.Addr) error {
	if err := ensureAddrs(h, link, []netip.Prefix{netip.PrefixFrom(addr, 32)}, nil); err != nil {
		return err
	}
	if link.Attrs().Flags&net.FlagUp == 0 {
		if err := h.LinkSetUp(link); err != nil {
			return fmt.Errorf("up: %w", err)
		}
	}
	return nil
}

// removeUplink deletes the host's routes through the uplink and the pair.
func removeUplink(name string) error {
	hh, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink: %w", err)
	}
	defer hh.Close()
	link, err := lookupVeth(hh, name)
	if err != nil {
		return fmt.Errorf("uplink %s: %w", name, err)
	}
	if link == nil {
		return nil
	}
	// The kernel drops the routes with the link; deleting them first means
	// no packet is routed to a link that is going away.
	if err := deleteHostRoutes(hh, link); err != nil {
		return fmt.Errorf("uplink %s: %w", name, err)
	}
	if err := deleteLink(hh, link); err != nil {
		return fmt.Errorf("delete uplink %s: %w", name, err)
	}
	return nil
}

// lookupVeth returns the veth name, nil if there is no such interface, or
// an error if the name belongs to an interface of another kind.
func lookupVeth(h *netlink.Handle, name string) (netlink.Link, error) {
	l, err := h.LinkByName(name)
	if nlink.NotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if _, ok := l.(*netlink.Veth); !ok {
		return nil, fmt.Errorf("%s: name taken by an interface of type %q", name, l.Type())
	}
	return l, nil
}

func deleteLink(h *netlink.Handle, l netlink.Link) error {
	if err := h.LinkDel(l); err != nil && !nlink.NotFound(err) && !errors.Is(err, unix.ENODEV) {
		return err
	}
	return nil
}

// ensureAddrs gives link the IPv4 addresses want, and removes the others
// except those keep accepts (nil keeps none).
func ensureAddrs(h *netlink.Handle, link netlink.Link, want []netip.Prefix, keep func(netip.Prefix) bool) error {
	addrs, err := h.AddrList(link, unix.AF_INET)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return fmt.Errorf("list addresses: %w", err)
	}
	have := map[netip.Prefix]bool{}
	for _, a := range addrs {
		p, ok := nlink.AddrPrefix(a)
		if !ok {
			continue
		}
		if containsPrefix(want, p) || (keep != nil && keep(p)) {
			have[p] = true
			continue
		}
		if err := h.AddrDel(link, &a); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
			return fmt.Errorf("remove address %v: %w", p, err)
		}
	}
	for _, p := range want {
		if have[p] {
			continue
		}
		if err := h.AddrAdd(link, &netlink.Addr{IPNet: nlink.IPNet(p)}); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("add address %v: %w", p, err)
		}
	}
	return nil
}

func containsPrefix(ps []netip.Prefix, p netip.Prefix) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// ensureRoute adds want to its table unless a route to the same
// destination through the same link, gateway and scope is there; another
// route to that destination is replaced.
func ensureRoute(h *netlink.Handle, want *netlink.Route) error {
	routes, err := h.RouteListFiltered(unix.AF_INET, &netlink.Route{Table: want.Table}, netlink.RT_FILTER_TABLE)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return fmt.Errorf("list routes: %w", err)
	}
	wdst, _ := nlink.Prefix(want.Dst)
	wgw, _ := netip.AddrFromSlice(want.Gw)
	for _, r := range routes {
		dst, _ := nlink.Prefix(r.Dst)
		gw, _ := netip.AddrFromSlice(r.Gw)
		if dst == wdst && r.LinkIndex == want.LinkIndex && gw.Unmap() == wgw.Unmap() && r.Scope == want.Scope {
			return nil
		}
	}
	return h.RouteReplace(want)
}
