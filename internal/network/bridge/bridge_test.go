package bridge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/berth-dev/berth/internal/network/nlink"
)

func TestMACFor(t *testing.T) {
	a, b := MACFor("eni-0123456789abcdef0"), MACFor("eni-0123456789abcdef0")
	if a.String() != b.String() {
		t.Fatalf("MACFor not stable: %v vs %v", a, b)
	}
	if c := MACFor("eni-0123456789abcdef1"); c.String() == a.String() {
		t.Fatalf("different ENIs got the same MAC %v", c)
	}
	if len(a) != 6 || a[0] != 0x0a || a[0]&1 != 0 || a[0]&2 == 0 {
		t.Fatalf("MAC %v is not a locally administered unicast 0a:… address", a)
	}
}

func TestGatewayFor(t *testing.T) {
	if g := GatewayFor(netip.MustParsePrefix("10.0.1.0/24")); g != netip.MustParseAddr("10.0.1.1") {
		t.Fatalf("gateway = %v", g)
	}
	if g := GatewayFor(netip.MustParsePrefix("172.31.16.0/20")); g != netip.MustParseAddr("172.31.16.1") {
		t.Fatalf("gateway = %v", g)
	}
}

func TestValidate(t *testing.T) {
	good := Subnet{Name: "bb-0123abcd", CIDR: netip.MustParsePrefix("10.0.1.0/24"), Gateway: netip.MustParseAddr("10.0.1.1")}
	if err := good.validate(); err != nil {
		t.Fatal(err)
	}
	bad := []Subnet{
		{Name: "", CIDR: good.CIDR, Gateway: good.Gateway},
		{Name: "bb-0123456789abcdef", CIDR: good.CIDR, Gateway: good.Gateway},
		{Name: good.Name, CIDR: good.CIDR, Gateway: netip.MustParseAddr("10.0.2.1")},
		{Name: good.Name, CIDR: good.CIDR, Gateway: netip.MustParseAddr("10.0.1.0")},
		{Name: good.Name, CIDR: netip.MustParsePrefix("fd00::/64"), Gateway: netip.MustParseAddr("fd00::1")},
	}
	for _, s := range bad {
		if err := s.validate(); err == nil {
			t.Errorf("%+v: no error", s)
		}
	}
	e := ENI{ID: "eni-1", HostName: "bv0123456789", NetnsPath: "/var/run/netns/x", Address: netip.MustParseAddr("10.0.1.10"), Subnet: good}
	if err := e.validate(); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"10.0.1.1", "10.0.1.0", "10.0.2.10"} {
		e2 := e
		e2.Address = netip.MustParseAddr(addr)
		if err := e2.validate(); err == nil {
			t.Errorf("address %s: no error", addr)
		}
	}
}

// --- integration (root) ---
//
// Every test builds its bridges in a namespace of its own (as berth does in a
// VPC's router namespace), so nothing is added to the host's namespace, and
// every name carries random hex so parallel runs never collide.

const testPrefix = "bbtest-"

func randHex(t testing.TB, n int) string {
	b := make([]byte, (n+1)/2)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)[:n]
}

func needRoot(t testing.TB) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs ip(8)")
	}
}

func run(t testing.TB, name string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

func mustRun(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := run(t, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// testNetns creates a namespace with ip(8), registers its deletion and,
// registered before it so that it runs after, a check that it is gone.
func testNetns(t testing.TB) (name, path string) {
	name = testPrefix + randHex(t, 10)
	path = filepath.Join("/var/run/netns", name)
	t.Cleanup(func() {
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("namespace %s left behind (%v)", name, err)
		}
	})
	mustRun(t, "ip", "netns", "add", name)
	t.Cleanup(func() { _, _ = run(t, "ip", "netns", "del", name) })
	return name, path
}

// testBridgeNS makes a namespace for bridges and opens it.
func testBridgeNS(t testing.TB) (string, *NS) {
	name, path := testNetns(t)
	n, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Close() })
	return name, n
}

// testSubnet picks a random /24 in 10.200.0.0/13 (the bridge namespace is
// empty, so nothing can overlap it).
func testSubnet(t testing.TB) Subnet {
	var b [2]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	cidr := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 200 + b[0]%8, b[1], 0}), 24)
	return Subnet{Name: "btb" + randHex(t, 8), CIDR: cidr, Gateway: GatewayFor(cidr)}
}

func testENI(t testing.TB, s Subnet, nsPath string, host byte) ENI {
	a := s.CIDR.Addr().As4()
	a[3] = host
	return ENI{
		ID:        "eni-" + randHex(t, 17),
		HostName:  "btv" + randHex(t, 10),
		NetnsPath: nsPath,
		Address:   netip.AddrFrom4(a),
		Subnet:    s,
	}
}

// routedViaBridge checks that the bridge namespace ns routes ip through the
// test bridge (not some other route) before any traffic is sent to it.
func routedViaBridge(t testing.TB, ns string, ip netip.Addr, br string) {
	t.Helper()
	out := mustRun(t, "ip", "-n", ns, "-4", "route", "get", ip.String())
	if !slices.Contains(strings.Fields(out), br) || strings.Contains(out, " via ") {
		t.Fatalf("refusing to send traffic: %v does not route directly via %s in %s:\n%s", ip, br, ns, out)
	}
}

func ping(t testing.TB, ns string, dst netip.Addr) {
	t.Helper()
	var out string
	var err error
	for range 3 {
		if out, err = run(t, "ip", "netns", "exec", ns, "busybox", "ping", "-c1", "-W1", dst.String()); err == nil {
			return
		}
	}
	t.Errorf("ping %v from %s: %v\n%s", dst, ns, err, out)
}

func TestOpenHostAndClose(t *testing.T) {
	needRoot(t)
	n, err := Open("")
	if err != nil {
		t.Fatal(err)
	}
	if ends, err := n.ListHostEnds(testPrefix + randHex(t, 10)); err != nil || len(ends) != 0 {
		t.Fatalf("ListHostEnds of an unused prefix = %v, %v", ends, err)
	}
	for range 2 {
		if err := n.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// A closed NS must not fall back to the caller's namespace.
	if err := n.EnsureSubnet(context.Background(), testSubnet(t)); !errors.Is(err, ErrClosed) {
		t.Fatalf("EnsureSubnet after Close: %v, want ErrClosed", err)
	}
	if _, err := Open(filepath.Join("/var/run/netns", testPrefix+"missing-"+randHex(t, 8))); err == nil {
		t.Fatal("Open of a missing namespace: no error")
	}
}

func TestAttachIntegration(t *testing.T) {
	needRoot(t)
	if _, err := exec.LookPath("busybox"); err != nil {
		t.Skip("needs busybox for ping")
	}
	t.Parallel()
	ctx := context.Background()
	brns, n := testBridgeNS(t)
	s := testSubnet(t)
	for range 2 { // idempotent
		if err := n.EnsureSubnet(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	gw := netip.PrefixFrom(s.Gateway, 24).String()
	if out := mustRun(t, "ip", "-n", brns, "-o", "-4", "addr", "show", "dev", s.Name); strings.Count(out, gw) != 1 {
		t.Fatalf("bridge %s should have %s once:\n%s", s.Name, gw, out)
	}
	if out := mustRun(t, "ip", "-n", brns, "link", "show", s.Name); !strings.Contains(out, bridgeMAC(s.Name).String()) {
		t.Fatalf("bridge %s lacks its fixed MAC %v:\n%s", s.Name, bridgeMAC(s.Name), out)
	}
	if _, err := netlink.LinkByName(s.Name); !nlink.NotFound(err) {
		t.Fatalf("bridge %s appeared in the host namespace (%v)", s.Name, err)
	}

	ns1, p1 := testNetns(t)
	ns2, p2 := testNetns(t)
	e1, e2 := testENI(t, s, p1, 10), testENI(t, s, p2, 11)
	for _, e := range []ENI{e1, e2} {
		if err := n.Attach(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		ns string
		e  ENI
	}{{ns1, e1}, {ns2, e2}} {
		addr := mustRun(t, "ip", "-n", c.ns, "-o", "-4", "addr", "show", "dev", "eth0")
		if !strings.Contains(addr, netip.PrefixFrom(c.e.Address, 24).String()) {
			t.Errorf("%s eth0 lacks %v:\n%s", c.ns, c.e.Address, addr)
		}
		link := mustRun(t, "ip", "-n", c.ns, "link", "show", "eth0")
		if !strings.Contains(link, MACFor(c.e.ID).String()) || !strings.Contains(link, "mtu 1500") || !strings.Contains(link, "state UP") {
			t.Errorf("%s eth0 not up with MAC %v mtu 1500:\n%s", c.ns, MACFor(c.e.ID), link)
		}
		route := mustRun(t, "ip", "-n", c.ns, "-4", "route", "show", "default")
		if !strings.Contains(route, "default via "+s.Gateway.String()+" dev eth0") {
			t.Errorf("%s default route:\n%s", c.ns, route)
		}
		if lo := mustRun(t, "ip", "-n", c.ns, "link", "show", "lo"); !strings.Contains(lo, ",UP") {
			t.Errorf("%s lo not up:\n%s", c.ns, lo)
		}
		host := mustRun(t, "ip", "-n", brns, "link", "show", c.e.HostName)
		if !strings.Contains(host, "master "+s.Name) || !strings.Contains(host, "state UP") {
			t.Errorf("host end %s not an up port of %s:\n%s", c.e.HostName, s.Name, host)
		}
		if _, err := netlink.LinkByName(c.e.HostName); !nlink.NotFound(err) {
			t.Errorf("host end %s appeared in the host namespace (%v)", c.e.HostName, err)
		}
		routedViaBridge(t, brns, c.e.Address, s.Name)
	}
	if t.Failed() {
		t.FailNow()
	}

	ping(t, ns1, e2.Address)
	ping(t, ns2, e1.Address)
	ping(t, ns1, s.Gateway)
	ping(t, brns, e1.Address)
	ping(t, brns, e2.Address)

	// Attach again: nothing is recreated.
	h1, err := n.h.LinkByName(e1.HostName)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Attach(ctx, e1); err != nil {
		t.Fatal(err)
	}
	if h, err := n.h.LinkByName(e1.HostName); err != nil || h.Attrs().Index != h1.Attrs().Index {
		t.Fatalf("second Attach recreated the pair (%v)", err)
	}

	// A damaged pair is repaired.
	mustRun(t, "ip", "-n", ns1, "addr", "flush", "dev", "eth0")
	mustRun(t, "ip", "-n", brns, "link", "set", e1.HostName, "nomaster")
	if err := n.Attach(ctx, e1); err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, "ip", "-n", ns1, "-4", "route", "show", "default"); !strings.Contains(out, "via "+s.Gateway.String()) {
		t.Fatalf("default route not repaired:\n%s", out)
	}
	routedViaBridge(t, brns, e1.Address, s.Name)
	ping(t, ns2, e1.Address)

	ends, err := n.ListHostEnds("btv")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(ends, e1.HostName) || !slices.Contains(ends, e2.HostName) {
		t.Fatalf("ListHostEnds = %v, want %s and %s in it", ends, e1.HostName, e2.HostName)
	}

	// Attach latency: detach and re-attach the same ENI.
	var times []time.Duration
	var dtimes []time.Duration
	for range 20 {
		t0 := time.Now()
		if err := n.Detach(ctx, e1.HostName); err != nil {
			t.Fatal(err)
		}
		t1 := time.Now()
		if err := n.Attach(ctx, e1); err != nil {
			t.Fatal(err)
		}
		times = append(times, time.Since(t1))
		dtimes = append(dtimes, t1.Sub(t0))
	}
	slices.Sort(times)
	slices.Sort(dtimes)
	t.Logf("Attach: median %v, max %v; Detach: median %v, max %v (20 runs)", times[10], times[19], dtimes[10], dtimes[19])
	routedViaBridge(t, brns, e1.Address, s.Name)
	ping(t, ns2, e1.Address)

	// Detach removes both ends; twice is fine.
	for range 2 {
		if err := n.Detach(ctx, e1.HostName); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.h.LinkByName(e1.HostName); !nlink.NotFound(err) {
		t.Fatalf("host end still there: %v", err)
	}
	if out, err := run(t, "ip", "-n", ns1, "link", "show", "eth0"); err == nil {
		t.Fatalf("task end still there:\n%s", out)
	}
	if ends, _ := n.ListHostEnds("btv"); slices.Contains(ends, e1.HostName) {
		t.Fatalf("ListHostEnds still lists %s", e1.HostName)
	}

	for range 2 {
		if err := n.RemoveSubnet(ctx, s.Name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.h.LinkByName(s.Name); !nlink.NotFound(err) {
		t.Fatalf("bridge still there: %v", err)
	}
}

// TestSameNamesInTwoNamespaces: bridge and host-end names need only be unique
// within one namespace, and the same subnet can exist in two of them.
func TestSameNamesInTwoNamespaces(t *testing.T) {
	needRoot(t)
	t.Parallel()
	ctx := context.Background()
	s := testSubnet(t)
	for range 2 {
		_, n := testBridgeNS(t)
		_, p := testNetns(t)
		if err := n.EnsureSubnet(ctx, s); err != nil {
			t.Fatal(err)
		}
		e := testENI(t, s, p, 10)
		e.HostName = "btv-same"
		if err := n.Attach(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAttachErrors(t *testing.T) {
	needRoot(t)
	t.Parallel()
	ctx := context.Background()
	_, n := testBridgeNS(t)
	s := testSubnet(t)
	_, p := testNetns(t)
	e := testENI(t, s, p, 20)
	if err := n.Attach(ctx, e); err == nil {
		t.Fatal("Attach without the subnet's bridge: no error")
	}
	if err := n.EnsureSubnet(ctx, s); err != nil {
		t.Fatal(err)
	}
	bad := e
	bad.NetnsPath = filepath.Join("/var/run/netns", testPrefix+"missing-"+randHex(t, 8))
	if err := n.Attach(ctx, bad); err == nil {
		t.Fatal("Attach into a missing namespace: no error")
	}
	if _, err := n.h.LinkByName(e.HostName); !nlink.NotFound(err) {
		t.Fatalf("failed Attach left %s behind", e.HostName)
	}
	// Detach refuses what is not a veth.
	if err := n.Detach(ctx, s.Name); err == nil {
		t.Fatal("Detach of a bridge: no error")
	}
	if err := n.RemoveSubnet(ctx, s.Name); err != nil {
		t.Fatal(err)
	}
}
