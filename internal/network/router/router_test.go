package router

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/network/bridge"
	"github.com/berth-dev/berth/internal/network/namespace"
	"github.com/berth-dev/berth/internal/network/nlink"
)

var endpoints = []netip.Addr{netip.MustParseAddr("169.254.170.2"), netip.MustParseAddr("169.254.169.253")}

// services are the endpoints' open ports in these tests.
var services = []Service{
	{Addr: endpoints[0], Proto: unix.IPPROTO_TCP, Port: 8080},
	{Addr: endpoints[1], Proto: unix.IPPROTO_TCP, Port: 8053},
	{Addr: endpoints[1], Proto: unix.IPPROTO_UDP, Port: 8053},
}

const port = 8080

// TestRouterIntegration builds two VPCs with the same CIDR on this host, A
// with two subnets and B with one, and tasks in them:
//
//	A: a1 = subnet 1 .10, a2 = subnet 1 .11, a3 = subnet 2 .10
//	B: b1 = subnet 1 .10 (a1's address), b2 = subnet 1 .30
//
// Every task answers on :8080 with its name and the peer address it sees.
func TestRouterIntegration(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	hostForward, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	if err != nil {
		t.Fatal(err)
	}

	vpc := freeCIDR(t)
	s1, s2 := subnetOf(t, vpc, 0), subnetOf(t, vpc, 1)
	cfgA := testConfig(t, []netip.Prefix{vpc}, endpoints)
	cfgB := testConfig(t, []netip.Prefix{vpc}, endpoints)
	rA := ensure(t, cfgA)
	rB := ensure(t, cfgB)

	if got := rA.Routed(); !slices.Equal(got, []netip.Prefix{vpc}) || len(rA.Skipped()) != 0 {
		t.Fatalf("A: Routed %v, Skipped %v; want %v routed", got, rA.Skipped(), vpc)
	}
	if sk := rB.Skipped(); len(rB.Routed()) != 0 || len(sk) != 1 || sk[0].CIDR != vpc || sk[0].Dev != cfgA.Uplink {
		t.Fatalf("B: Routed %v, Skipped %v; want %v skipped for A's route dev %s", rB.Routed(), sk, vpc, cfgA.Uplink)
	}
	t.Logf("B skipped %v", rB.Skipped())

	for _, s := range []struct {
		r *Router
		s []bridge.Subnet
	}{{rA, []bridge.Subnet{s1, s2}}, {rB, []bridge.Subnet{s1}}} { // B's bridge has A's name: names are per router
		for _, sub := range s.s {
			if err := s.r.Bridges().EnsureSubnet(ctx, sub); err != nil {
				t.Fatal(err)
			}
		}
	}
	a1, a2, a3 := newTask(t, rA, s1, 10), newTask(t, rA, s1, 11), newTask(t, rA, s2, 10)
	b1, b2 := newTask(t, rB, s1, 10), newTask(t, rB, s1, 30)
	tasks := map[string]task{"a1": a1, "a2": a2, "a3": a3, "b1": b1, "b2": b2}
	for id, k := range tasks {
		k.serve(t, id, port)
	}
	at := func(k task) string { return fmt.Sprintf("%s:%d", k.ip, port) }

	t.Run("same subnet", func(t *testing.T) {
		a2.mustGreet(t, at(a1), "a1 "+a2.ip.String())
		a1.mustGreet(t, at(a2), "a2 "+a1.ip.String())
	})
	t.Run("across subnets of one VPC", func(t *testing.T) {
		a3.mustGreet(t, at(a1), "a1 "+a3.ip.String())
		a1.mustGreet(t, at(a3), "a3 "+a1.ip.String())
	})
	t.Run("overlapping VPCs are isolated", func(t *testing.T) {
		b2.mustGreet(t, at(b1), "b1 "+b2.ip.String()) // B works on its own
		a2.mustGreet(t, at(a1), "a1 "+a2.ip.String()) // same address, A's task
		a1.mustNotConnect(t, at(b2))                  // only in B
		a3.mustNotConnect(t, at(b2))
	})
	t.Run("host reaches a task", func(t *testing.T) {
		hostRoutesVia(t, a1.ip, cfgA.Uplink)
		c, err := net.DialTimeout("tcp4", at(a1), 3*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if got, err := greeting(c); err != nil || got != "a1 "+HostLinkAddr.String() {
			t.Fatalf("greeting %q, %v; want a1 seeing %v", got, err, HostLinkAddr)
		}
	})
	t.Run("task cannot reach the host", func(t *testing.T) {
		l, err := net.Listen("tcp4", "0.0.0.0:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		p := l.Addr().(*net.TCPAddr).Port
		a1.mustNotConnect(t, fmt.Sprintf("%s:%d", HostLinkAddr, p))
		a3.mustNotConnect(t, fmt.Sprintf("%s:%d", HostLinkAddr, p))
		noAccept(t, l)
	})
	t.Run("task reaches only the router's endpoints", func(t *testing.T) {
		l, err := rA.Listen("tcp4", endpoints[0].String()+":8080")
		if err != nil {
			t.Fatal(err)
		}
		serveGreeting(t, l, "endpoint")
		a1.mustGreet(t, l.Addr().String(), "endpoint "+a1.ip.String())
		a3.mustGreet(t, l.Addr().String(), "endpoint "+a3.ip.String())
		l.Close()

		// A listener on every router address answers only on the
		// endpoints' service ports.
		wild, err := rA.Listen("tcp", ":8053")
		if err != nil {
			t.Fatal(err)
		}
		defer wild.Close()
		for _, dst := range []netip.Addr{s1.Gateway, RouterLinkAddr} {
			a1.mustNotConnect(t, fmt.Sprintf("%s:8053", dst))
		}
		noAccept(t, wild)
		c, err := a1.dial(t, "tcp4", fmt.Sprintf("%s:8053", endpoints[1]), 3*time.Second)
		if err != nil {
			t.Fatalf("the other endpoint: %v", err)
		}
		c.Close()
		other, err := rA.Listen("tcp", ":9999")
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		a1.mustNotConnect(t, fmt.Sprintf("%s:9999", endpoints[0]))
		noAccept(t, other)
	})
	t.Run("udp endpoint", func(t *testing.T) {
		pc, err := rA.ListenPacket("udp4", endpoints[1].String()+":8053")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		c, err := a1.dial(t, "udp4", pc.LocalAddr().String(), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		_ = pc.SetReadDeadline(time.Now().Add(3 * time.Second))
		buf := make([]byte, 64)
		n, from, err := pc.ReadFrom(buf)
		if err != nil || string(buf[:n]) != "hello" || from.(*net.UDPAddr).AddrPort().Addr().Unmap() != a1.ip {
			t.Fatalf("ReadFrom = %q from %v, %v; want hello from %v", buf[:n], from, err, a1.ip)
		}
		if _, err := pc.WriteTo([]byte("back"), from); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		if n, err := c.Read(buf); err != nil || string(buf[:n]) != "back" {
			t.Fatalf("reply %q, %v", buf[:n], err)
		}
	})
	t.Run("icmp to the gateway", func(t *testing.T) {
		if _, err := exec.LookPath("busybox"); err != nil {
			t.Skip("needs busybox")
		}
		out, err := exec.Command("ip", "netns", "exec", a1.name, "busybox", "ping", "-c1", "-W2", s1.Gateway.String()).CombinedOutput()
		if err != nil {
			t.Fatalf("ping %v: %v\n%s", s1.Gateway, err, out)
		}
	})
	t.Run("ip_forward only in the routers", func(t *testing.T) {
		if now, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward"); !bytes.Equal(now, hostForward) {
			t.Fatalf("host ip_forward changed from %q to %q", hostForward, now)
		}
		for _, r := range []*Router{rA, rB} {
			var b []byte
			if err := r.do(func() (err error) {
				b, err = os.ReadFile("/proc/sys/net/ipv4/ip_forward")
				return err
			}); err != nil || strings.TrimSpace(string(b)) != "1" {
				t.Fatalf("%s ip_forward = %q, %v", r.Name(), b, err)
			}
		}
	})
	t.Run("Ensure again changes nothing", func(t *testing.T) {
		hostRoutesVia(t, a1.ip, cfgA.Uplink)
		c, err := net.DialTimeout("tcp4", at(a1), 3*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := greeting(c); err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, rA)
		rA2 := ensure(t, cfgA)
		if after := snapshot(t, rA2); after != before {
			t.Fatalf("second Ensure changed the router:\nbefore %s\nafter  %s", before, after)
		}
		if !slices.Equal(rA2.Routed(), rA.Routed()) {
			t.Fatalf("Routed %v, was %v", rA2.Routed(), rA.Routed())
		}
		// The connection opened before survives (conntrack keeps it).
		if _, err := c.Write([]byte("still there\n")); err != nil {
			t.Fatal(err)
		}
		if got, err := greeting(c); err != nil || got != "still there" {
			t.Fatalf("echo %q, %v", got, err)
		}
	})
	t.Run("Ensure repairs", func(t *testing.T) {
		rh, err := netlink.NewHandleAt(rA.ns)
		if err != nil {
			t.Fatal(err)
		}
		defer rh.Close()
		// Break it: the uplink pair (and with it the host route), an
		// endpoint address, ip_forward, the nftables table.
		up, err := rh.LinkByName(RouterIfName)
		if err != nil {
			t.Fatal(err)
		}
		if err := rh.LinkDel(up); err != nil {
			t.Fatal(err)
		}
		lo, err := rh.LinkByName("lo")
		if err != nil {
			t.Fatal(err)
		}
		if err := rh.AddrDel(lo, &netlink.Addr{IPNet: nlink.IPNet(netip.PrefixFrom(endpoints[0], 32))}); err != nil {
			t.Fatal(err)
		}
		if err := rA.do(func() error { return os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("0"), 0o644) }); err != nil {
			t.Fatal(err)
		}
		c, err := nftables.New(nftables.WithNetNSFd(int(rA.ns)))
		if err != nil {
			t.Fatal(err)
		}
		c.DelTable(&nftables.Table{Family: nftables.TableFamilyINet, Name: TableName})
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}

		r := ensure(t, cfgA)
		if !slices.Equal(r.Routed(), []netip.Prefix{vpc}) {
			t.Fatalf("Routed %v, Skipped %v", r.Routed(), r.Skipped())
		}
		if got, want := snapshotRules(t, r), "berth/forward 6 rules; berth/input 7 rules; "; got != want {
			t.Fatalf("rules after repair: %s, want %s", got, want)
		}
		hostRoutesVia(t, a1.ip, cfgA.Uplink)
		hc, err := net.DialTimeout("tcp4", at(a1), 3*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		hc.Close()
		l, err := r.Listen("tcp4", endpoints[0].String()+":8080")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		serveGreeting(t, l, "endpoint")
		a3.mustGreet(t, l.Addr().String(), "endpoint "+a3.ip.String()) // forwarding and the endpoint are back
		hl, err := net.Listen("tcp4", "0.0.0.0:0")
		if err != nil {
			t.Fatal(err)
		}
		defer hl.Close()
		a1.mustNotConnect(t, fmt.Sprintf("%s:%d", HostLinkAddr, hl.Addr().(*net.TCPAddr).Port)) // and the rules
		noAccept(t, hl)
	})
	t.Run("List, Remove, and B takes the route over", func(t *testing.T) {
		names, err := List(testRouterPrefix)
		if err != nil || !slices.Contains(names, cfgA.Name) || !slices.Contains(names, cfgB.Name) {
			t.Fatalf("List = %v, %v; want %s and %s in it", names, err, cfgA.Name, cfgB.Name)
		}
		for range 2 {
			if err := Remove(ctx, cfgA.Name, cfgA.Uplink); err != nil {
				t.Fatal(err)
			}
		}
		if names, _ := List(testRouterPrefix); slices.Contains(names, cfgA.Name) {
			t.Fatalf("List still has %s", cfgA.Name)
		}
		checkGone(t, cfgA)
		rB2 := ensure(t, cfgB)
		if !slices.Equal(rB2.Routed(), []netip.Prefix{vpc}) {
			t.Fatalf("B after A's removal: Routed %v, Skipped %v", rB2.Routed(), rB2.Skipped())
		}
		hostRoutesVia(t, b1.ip, cfgB.Uplink)
		c, err := net.DialTimeout("tcp4", at(b1), 3*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if got, err := greeting(c); err != nil || got != "b1 "+HostLinkAddr.String() {
			t.Fatalf("greeting %q, %v", got, err)
		}
	})
}

// snapshot describes what Ensure may change: the uplink ends (by index),
// lo's addresses, routes in the router and on the host, the nftables rules.
func snapshot(t testing.TB, r *Router) string {
	t.Helper()
	var b strings.Builder
	host, err := netlink.LinkByName(r.Uplink())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "host end %d; ", host.Attrs().Index)
	rh, err := netlink.NewHandleAt(r.ns)
	if err != nil {
		t.Fatal(err)
	}
	defer rh.Close()
	peer, err := rh.LinkByName(RouterIfName)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "router end %d; ", peer.Attrs().Index)
	lo, _ := rh.LinkByName("lo")
	addrs, _ := rh.AddrList(lo, netlink.FAMILY_V4)
	fmt.Fprintf(&b, "lo %d addrs; ", len(addrs))
	routes, _ := rh.RouteList(nil, netlink.FAMILY_V4)
	fmt.Fprintf(&b, "router routes %d; ", len(routes))
	hroutes, _ := netlink.RouteList(host, netlink.FAMILY_V4)
	fmt.Fprintf(&b, "host routes %d; ", len(hroutes))
	b.WriteString(snapshotRules(t, r))
	return b.String()
}

// snapshotRules counts the rules of each inet chain in the router.
func snapshotRules(t testing.TB, r *Router) string {
	t.Helper()
	var b strings.Builder
	c, err := nftables.New(nftables.WithNetNSFd(int(r.ns)))
	if err != nil {
		t.Fatal(err)
	}
	chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyINet)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range chains {
		rules, err := c.GetRules(ch.Table, ch)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s/%s %d rules; ", ch.Table.Name, ch.Name, len(rules))
	}
	return b.String()
}

// TestEnsureOverStalePin: a pin file without a namespace (a crash between
// creating and mounting it) is replaced.
func TestEnsureOverStalePin(t *testing.T) {
	needRoot(t)
	cfg := testConfig(t, nil, nil)
	if err := os.WriteFile(Path(cfg.Name), nil, 0o444); err != nil {
		t.Fatal(err)
	}
	r := ensure(t, cfg)
	if !namespace.Pinned(r.Path()) {
		t.Fatalf("%s not pinned", r.Path())
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Bridges().EnsureSubnet(context.Background(), subnetOf(t, freeCIDR(t), 0)); err == nil {
		t.Fatal("EnsureSubnet through a closed router: no error")
	}
	if _, err := r.Listen("tcp", ":0"); err == nil {
		t.Fatal("Listen on a closed router: no error")
	}
}
