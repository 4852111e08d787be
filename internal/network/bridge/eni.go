package bridge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/network/nlink"
)

// ENI is a task's network interface: a veth pair whose host end HostName (at
// most 15 characters, "bv" + 10 hex, unique within the bridge's namespace) is
// a port of the subnet's bridge and whose task end is eth0 in the namespace
// pinned at NetnsPath, with Address
// (prefix length of the subnet), MAC (MACFor(ID) when nil), the subnet's MTU,
// up, and a default route via the subnet gateway. The namespace's lo is up.
type ENI struct {
	ID        string
	HostName  string
	NetnsPath string
	Address   netip.Addr
	Subnet    Subnet
	MAC       net.HardwareAddr
}

func (e ENI) validate() error {
	if err := e.Subnet.validate(); err != nil {
		return err
	}
	if err := validName(e.HostName); err != nil {
		return fmt.Errorf("bridge: ENI %s host end: %w", e.ID, err)
	}
	if e.NetnsPath == "" {
		return fmt.Errorf("bridge: ENI %s: no namespace path", e.ID)
	}
	c := e.Subnet.CIDR
	if !e.Address.Is4() || !c.Contains(e.Address) || e.Address == c.Masked().Addr() || e.Address == e.Subnet.Gateway {
		return fmt.Errorf("bridge: ENI %s: address %v is not a task address in %v", e.ID, e.Address, c)
	}
	if e.MAC == nil && e.ID == "" {
		return errors.New("bridge: ENI without an id or a MAC")
	}
	if e.MAC != nil && (len(e.MAC) != 6 || e.MAC[0]&1 != 0) {
		return fmt.Errorf("bridge: ENI %s: MAC %v is not a unicast Ethernet address", e.ID, e.MAC)
	}
	return nil
}

func (e ENI) mac() net.HardwareAddr {
	if e.MAC != nil {
		return e.MAC
	}
	return MACFor(e.ID)
}

// Attach creates the ENI's veth pair, host end in n (where the subnet's
// bridge must exist) and task end in the task's namespace, and configures
// both ends. It is idempotent: a pair that exists and is configured as asked
// is left as is; one that is partly configured is completed; a stale host end
// whose peer is not the task namespace's eth0 is replaced.
func (n *NS) Attach(ctx context.Context, e ENI) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := e.validate(); err != nil {
		return err
	}
	h, err := n.handle()
	if err != nil {
		return err
	}
	defer n.mu.RUnlock()
	ns, err := netns.GetFromPath(e.NetnsPath)
	if err != nil {
		return fmt.Errorf("bridge: ENI %s: namespace %s: %w", e.ID, e.NetnsPath, err)
	}
	defer ns.Close()
	nsh, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("bridge: ENI %s: netlink in %s: %w", e.ID, e.NetnsPath, err)
	}
	defer nsh.Close()

	br, err := h.LinkByName(e.Subnet.Name)
	if err != nil {
		return fmt.Errorf("bridge: ENI %s: subnet bridge %s: %w", e.ID, e.Subnet.Name, err)
	}
	if _, ok := br.(*netlink.Bridge); !ok {
		return fmt.Errorf("bridge: ENI %s: %s is a %q, not a bridge", e.ID, e.Subnet.Name, br.Type())
	}

	host, peer, err := existingPair(h, nsh, e.HostName)
	if err != nil {
		return fmt.Errorf("bridge: ENI %s: %w", e.ID, err)
	}
	if host == nil {
		host, peer, err = createPair(h, nsh, e, br.Attrs().Index, int(ns))
		if err != nil {
			return fmt.Errorf("bridge: ENI %s: %w", e.ID, err)
		}
		defer func() {
			if err != nil { // leave no half-built pair behind
				_ = h.LinkDel(host)
			}
		}()
	}
	if err := configureHostEnd(h, host, br.Attrs().Index, e.Subnet.mtu()); err != nil {
		return fmt.Errorf("bridge: ENI %s: host end %s: %w", e.ID, e.HostName, err)
	}
	if err := configureTaskEnd(nsh, peer, e); err != nil {
		return fmt.Errorf("bridge: ENI %s: %s in %s: %w", e.ID, TaskIfName, e.NetnsPath, err)
	}
	return nil
}

// existingPair returns the host end (in h's namespace) and the task's eth0
// (in nsh's) when they exist and are the two ends of one veth pair. A host
// end that is not paired with the task namespace's eth0 is deleted (it is a
// leftover), and nil is returned.
func existingPair(h, nsh *netlink.Handle, hostName string) (host, peer netlink.Link, err error) {
	host, err = h.LinkByName(hostName)
	if nlink.NotFound(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("host end %s: %w", hostName, err)
	}
	if _, ok := host.(*netlink.Veth); !ok {
		return nil, nil, fmt.Errorf("host end %s: name taken by an interface of type %q", hostName, host.Type())
	}
	peer, err = nsh.LinkByName(TaskIfName)
	if err == nil && nlink.IsVethPair(host, peer) {
		return host, peer, nil
	}
	if err != nil && !nlink.NotFound(err) {
		return nil, nil, fmt.Errorf("%s in task namespace: %w", TaskIfName, err)
	}
	if err := h.LinkDel(host); err != nil && !nlink.NotFound(err) && !errors.Is(err, unix.ENODEV) {
		return nil, nil, fmt.Errorf("delete stale host end %s: %w", hostName, err)
	}
	return nil, nil, nil
}

// createPair makes the veth pair in h's namespace with the task end created
// directly in the task namespace as eth0 (so it never collides with names in
// the bridge's namespace), with its MAC and MTU, and returns both ends.
func createPair(h, nsh *netlink.Handle, e ENI, bridgeIndex, nsFd int) (host, peer netlink.Link, err error) {
	// A leftover eth0 in the namespace (not paired with our host end) would
	// make the creation fail; the namespace belongs to the task, so remove it.
	if old, err := nsh.LinkByName(TaskIfName); err == nil {
		if _, ok := old.(*netlink.Veth); !ok {
			return nil, nil, fmt.Errorf("task namespace already has a %s of type %q", TaskIfName, old.Type())
		}
		if err := nsh.LinkDel(old); err != nil && !nlink.NotFound(err) {
			return nil, nil, fmt.Errorf("delete stale %s: %w", TaskIfName, err)
		}
	}
	mtu := e.Subnet.mtu()
	veth := &netlink.Veth{
		LinkAttrs: netlink.LinkAttrs{
			Name:        e.HostName,
			MTU:         mtu,
			TxQLen:      -1,
			MasterIndex: bridgeIndex,
			Flags:       net.FlagUp,
		},
		PeerName:         TaskIfName,
		PeerHardwareAddr: e.mac(),
		PeerMTU:          uint32(mtu),
		PeerTxQLen:       -1,
		PeerNamespace:    netlink.NsFd(nsFd),
	}
	if err := h.LinkAdd(veth); err != nil {
		// LinkAdd may fail after creating the pair (e.g. setting the master).
		if l, lerr := h.LinkByName(e.HostName); lerr == nil {
			_ = h.LinkDel(l)
		}
		return nil, nil, fmt.Errorf("create veth %s/%s: %w", e.HostName, TaskIfName, err)
	}
	host, err = h.LinkByName(e.HostName)
	if err == nil {
		peer, err = nsh.LinkByName(TaskIfName)
	}
	if err != nil {
		if host != nil {
			_ = h.LinkDel(host)
		}
		return nil, nil, fmt.Errorf("look up new veth: %w", err)
	}
	return host, peer, nil
}

// configureHostEnd makes the host end a port of the bridge, with the MTU, up.
func configureHostEnd(h *netlink.Handle, host netlink.Link, bridgeIndex, mtu int) error {
	a := host.Attrs()
	if a.MasterIndex != bridgeIndex {
		if err := h.LinkSetMasterByIndex(host, bridgeIndex); err != nil {
			return fmt.Errorf("attach to bridge: %w", err)
		}
	}
	if a.MTU != mtu {
		if err := h.LinkSetMTU(host, mtu); err != nil {
			return fmt.Errorf("set MTU: %w", err)
		}
	}
	if a.Flags&net.FlagUp == 0 {
		if err := h.LinkSetUp(host); err != nil {
			return fmt.Errorf("up: %w", err)
		}
	}
	return nil
}

// configureTaskEnd gives eth0 its MAC, MTU, only its address, up, lo up, and
// a default route via the gateway.
func configureTaskEnd(nsh *netlink.Handle, peer netlink.Link, e ENI) error {
	a := peer.Attrs()
	if mac := e.mac(); !bytes.Equal(a.HardwareAddr, mac) {
		if err := nsh.LinkSetHardwareAddr(peer, mac); err != nil {
			return fmt.Errorf("set MAC: %w", err)
		}
	}
	if mtu := e.Subnet.mtu(); a.MTU != mtu {
		if err := nsh.LinkSetMTU(peer, mtu); err != nil {
			return fmt.Errorf("set MTU: %w", err)
		}
	}
	want := netip.PrefixFrom(e.Address, e.Subnet.CIDR.Bits())
	addrs, err := nsh.AddrList(peer, unix.AF_INET)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return fmt.Errorf("list addresses: %w", err)
	}
	have := false
	for _, ad := range addrs {
		p, ok := nlink.AddrPrefix(ad)
		if ok && p == want {
			have = true
			continue
		}
		if err := nsh.AddrDel(peer, &ad); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
			return fmt.Errorf("remove address %v: %w", ad.IPNet, err)
		}
	}
	if !have {
		if err := nsh.AddrAdd(peer, nlink.Addr(want)); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("add address %v: %w", want, err)
		}
	}
	if a.Flags&net.FlagUp == 0 {
		if err := nsh.LinkSetUp(peer); err != nil {
			return fmt.Errorf("up: %w", err)
		}
	}
	lo, err := nsh.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("lo: %w", err)
	}
	if lo.Attrs().Flags&net.FlagUp == 0 {
		if err := nsh.LinkSetUp(lo); err != nil {
			return fmt.Errorf("lo up: %w", err)
		}
	}
	return ensureDefaultRoute(nsh, peer, e.Subnet.Gateway)
}

// ensureDefaultRoute makes the namespace's IPv4 default route go via gw on
// link, replacing any other default route.
func ensureDefaultRoute(nsh *netlink.Handle, link netlink.Link, gw netip.Addr) error {
	routes, err := nsh.RouteListFiltered(unix.AF_INET, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return fmt.Errorf("list routes: %w", err)
	}
	for _, r := range routes {
		if !isDefault(r) {
			continue
		}
		if g, ok := netip.AddrFromSlice(r.Gw); ok && g.Unmap() == gw && r.LinkIndex == link.Attrs().Index {
			return nil
		}
	}
	all := &net.IPNet{IP: net.IPv4zero.To4(), Mask: net.CIDRMask(0, 32)}
	r := &netlink.Route{
		LinkIndex: link.Attrs().Index,
		Dst:       all,
		Gw:        net.IP(gw.AsSlice()),
		Table:     unix.RT_TABLE_MAIN,
	}
	if err := nsh.RouteReplace(r); err != nil {
		return fmt.Errorf("default route via %v: %w", gw, err)
	}
	return nil
}

func isDefault(r netlink.Route) bool {
	if r.Dst == nil {
		return true
	}
	ones, _ := r.Dst.Mask.Size()
	return ones == 0
}

// Detach deletes the ENI's host end; the kernel deletes the task end with
// it. A missing host end is not an error.
func (n *NS) Detach(ctx context.Context, hostName string) error {
	return n.deleteLink(ctx, hostName, "veth", func(l netlink.Link) bool { _, ok := l.(*netlink.Veth); return ok })
}

// ListHostEnds returns the names of the namespace's veth interfaces that
// start with prefix, for finding ENIs that no task owns any more.
func (n *NS) ListHostEnds(prefix string) ([]string, error) {
	h, err := n.handle()
	if err != nil {
		return nil, err
	}
	defer n.mu.RUnlock()
	links, err := h.LinkList()
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return nil, fmt.Errorf("bridge: list links: %w", err)
	}
	if errors.Is(err, netlink.ErrDumpInterrupted) {
		// Links changed during the dump; one retry gives a consistent view
		// in all but pathological churn.
		if again, err2 := h.LinkList(); err2 == nil {
			links = again
		}
	}
	var names []string
	for _, l := range links {
		if _, ok := l.(*netlink.Veth); ok && strings.HasPrefix(l.Attrs().Name, prefix) {
			names = append(names, l.Attrs().Name)
		}
	}
	return names, nil
}
