package router

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/network/nlink"
)

// hostRoute is what the route plan needs to know of a route in the host's
// main table.
type hostRoute struct {
	Dst       netip.Prefix
	LinkIndex int
	Gw        netip.Addr
}

// routePlan is how to bring the host's routes to a router's CIDRs in line.
type routePlan struct {
	Keep []netip.Prefix // already routed to the router
	Add  []netip.Prefix // to route to the router
	Skip []skip         // overlapped by another route of the host
	Del  []hostRoute    // through the uplink, but no longer wanted
}

type skip struct {
	CIDR     netip.Prefix
	Conflict hostRoute
}

// planHostRoutes decides, from the host's main routing table, which of
// cidrs to route through the uplink (interface index uplink). A route of
// the uplink's for exactly a wanted CIDR via the router is kept; its other
// routes are deleted. A CIDR that any other route overlaps is skipped
// (default routes overlap everything and do not count), so a VPC never takes
// traffic meant for another VPC's router or the host's own networks.
func planHostRoutes(cidrs []netip.Prefix, routes []hostRoute, uplink int) routePlan {
	var p routePlan
	ours := map[netip.Prefix]bool{}
	var others []hostRoute
	for _, r := range routes {
		switch {
		case r.LinkIndex != uplink:
			if r.Dst.Bits() > 0 {
				others = append(others, r)
			}
		case containsPrefix(cidrs, r.Dst) && r.Gw == RouterLinkAddr:
			ours[r.Dst] = true
		default:
			p.Del = append(p.Del, r)
		}
	}
next:
	for _, c := range cidrs {
		if ours[c] {
			p.Keep = append(p.Keep, c)
			continue
		}
		for _, o := range others {
			if o.Dst.Overlaps(c) {
				p.Skip = append(p.Skip, skip{CIDR: c, Conflict: o})
				continue next
			}
		}
		p.Add = append(p.Add, c)
	}
	return p
}

// ensureHostRoutes routes the CIDRs on the host through the uplink's host
// end where planHostRoutes allows it, and returns which it routes and which
// it skipped.
func ensureHostRoutes(hh *netlink.Handle, uplink netlink.Link, cidrs []netip.Prefix) (routed []netip.Prefix, skipped []SkippedRoute, err error) {
	list, err := hh.RouteListFiltered(unix.AF_INET, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if errors.Is(err, netlink.ErrDumpInterrupted) {
		list, err = hh.RouteListFiltered(unix.AF_INET, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("list host routes: %w", err)
	}
	routes := make([]hostRoute, 0, len(list))
	for _, r := range list {
		routes = append(routes, toHostRoute(r)...)
	}
	idx := uplink.Attrs().Index
	plan := planHostRoutes(cidrs, routes, idx)
	for _, r := range plan.Del {
		if err := hh.RouteDel(&netlink.Route{LinkIndex: r.LinkIndex, Dst: nlink.IPNet(r.Dst), Table: unix.RT_TABLE_MAIN}); err != nil && !errors.Is(err, unix.ESRCH) {
			return nil, nil, fmt.Errorf("delete stale host route %v: %w", r.Dst, err)
		}
	}
	routed = append(routed, plan.Keep...)
	for _, s := range plan.Skip {
		skipped = append(skipped, SkippedRoute{CIDR: s.CIDR, Conflict: s.Conflict.Dst, Dev: linkName(hh, s.Conflict.LinkIndex)})
	}
	for _, c := range plan.Add {
		err := hh.RouteAdd(hostRouteFor(idx, c))
		if errors.Is(err, unix.EEXIST) { // another process added it since the listing
			skipped = append(skipped, SkippedRoute{CIDR: c, Conflict: c})
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("host route %v via %v dev %s: %w", c, RouterLinkAddr, uplink.Attrs().Name, err)
		}
		routed = append(routed, c)
	}
	return routed, skipped, nil
}

// hostRouteFor is `cidr via 169.254.99.2 dev <uplink> onlink src
// 169.254.99.1`: host-originated packets to tasks carry the uplink's
// address, which the router's default route sends replies back to.
func hostRouteFor(uplink int, cidr netip.Prefix) *netlink.Route {
	return &netlink.Route{
		LinkIndex: uplink,
		Dst:       nlink.IPNet(cidr),
		Gw:        net.IP(RouterLinkAddr.AsSlice()),
		Src:       net.IP(HostLinkAddr.AsSlice()),
		Flags:     int(netlink.FLAG_ONLINK),
		Protocol:  unix.RTPROT_STATIC,
		Table:     unix.RT_TABLE_MAIN,
	}
}

// toHostRoute gives one hostRoute per next hop of r.
func toHostRoute(r netlink.Route) []hostRoute {
	dst, ok := nlink.Prefix(r.Dst)
	if !ok {
		return nil
	}
	if len(r.MultiPath) == 0 {
		gw, _ := netip.AddrFromSlice(r.Gw)
		return []hostRoute{{Dst: dst, LinkIndex: r.LinkIndex, Gw: gw.Unmap()}}
	}
	var out []hostRoute
	for _, nh := range r.MultiPath {
		gw, _ := netip.AddrFromSlice(nh.Gw)
		out = append(out, hostRoute{Dst: dst, LinkIndex: nh.LinkIndex, Gw: gw.Unmap()})
	}
	return out
}

// deleteHostRoutes deletes every route of the host's main table through
// link.
func deleteHostRoutes(hh *netlink.Handle, link netlink.Link) error {
	filter := &netlink.Route{Table: unix.RT_TABLE_MAIN, LinkIndex: link.Attrs().Index}
	routes, err := hh.RouteListFiltered(unix.AF_INET, filter, netlink.RT_FILTER_TABLE|netlink.RT_FILTER_OIF)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return fmt.Errorf("list routes: %w", err)
	}
	for _, r := range routes {
		if err := hh.RouteDel(&r); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("delete route %v: %w", r.Dst, err)
		}
	}
	return nil
}

func linkName(h *netlink.Handle, index int) string {
	if index == 0 {
		return ""
	}
	l, err := h.LinkByIndex(index)
	if err != nil {
		return ""
	}
	return l.Attrs().Name
}
