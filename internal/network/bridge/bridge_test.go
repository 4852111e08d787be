package bridge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
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

// testSubnet picks a /24 in 10.200.0.0/13 that no route on the host
// overlaps, and registers the removal of its bridge.
func testSubnet(t testing.TB) Subnet {
	routes, err := netlink.RouteListFiltered(unix.AF_INET, &netlink.Route{Table: unix.RT_TABLE_UNSPEC}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		var b [2]byte
		if _, err := rand.Read(b[:]); err != nil {
			t.Fatal(err)
		}
		cidr := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 200 + b[0]%8, b[1], 0}), 24)
		if overlapsAny(cidr, routes) {
			continue
		}
		s := Subnet{Name: "btb" + randHex(t, 8), CIDR: cidr, Gateway: GatewayFor(cidr)}
		t.Cleanup(func() {
			if l, err := netlink.LinkByName(s.Name); err == nil {
				_ = netlink.LinkDel(l)
			}
		})
		return s
	}
	t.Fatal("no free /24 in 10.200.0.0/13")
	return Subnet{}
}

func overlapsAny(p netip.Prefix, routes []netlink.Route) bool {
	for _, r := range routes {
		if r.Dst == nil {
			continue
		}
		ones, _ := r.Dst.Mask.Size()
		if ones == 0 {
			continue
		}
		ip, ok := netip.AddrFromSlice(r.Dst.IP)
		if ok && netip.PrefixFrom(ip.Unmap(), ones).Overlaps(p) {
			return true
		}
	}
	return false
}

// testNetns creates a namespace with ip(8) and registers its deletion.
func testNetns(t testing.TB) (name, path string) {
	name = "berth-test-" + randHex(t, 10)
	mustRun(t, "ip", "netns", "add", name)
	t.Cleanup(func() { _, _ = run(t, "ip", "netns", "del", name) })
	return name, filepath.Join("/var/run/netns", name)
}

func testENI(t testing.TB, s Subnet, nsPath string, host byte) ENI {
	a := s.CIDR.Addr().As4()
	a[3] = host
	e := ENI{
		ID:        "eni-" + randHex(t, 17),
		HostName:  "btv" + randHex(t, 10),
		NetnsPath: nsPath,
		Address:   netip.AddrFrom4(a),
		Subnet:    s,
	}
	t.Cleanup(func() {
		if l, err := netlink.LinkByName(e.HostName); err == nil {
			_ = netlink.LinkDel(l)
		}
	})
	return e
}

// routedViaBridge checks that the host routes ip through the test bridge
// (not the default route) before any traffic is sent to it.
func routedViaBridge(t testing.TB, ip netip.Addr, br string) {
	t.Helper()
	out := mustRun(t, "ip", "-4", "route", "get", ip.String())
	if !slices.Contains(strings.Fields(out), br) || strings.Contains(out, " via ") {
		t.Fatalf("refusing to send traffic: %v does not route directly via %s:\n%s", ip, br, out)
	}
}

func ping(t testing.TB, ns string, dst netip.Addr) {
	t.Helper()
	args := []string{"ping", "-c1", "-W1", dst.String()}
	if ns != "" {
		args = append([]string{"netns", "exec", ns, "busybox"}, args...)
	} else {
		args = append([]string{"busybox"}, args...)
	}
	name := "ip"
	if ns == "" {
		name, args = args[0], args[1:]
	}
	var out string
	var err error
	for range 3 {
		if out, err = run(t, name, args...); err == nil {
			return
		}
	}
	t.Errorf("ping %v from %q: %v\n%s", dst, ns, err, out)
}

func TestAttachIntegration(t *testing.T) {
	needRoot(t)
	if _, err := exec.LookPath("busybox"); err != nil {
		t.Skip("needs busybox for ping")
	}
	t.Parallel()
	ctx := context.Background()
	s := testSubnet(t)
	for range 2 { // idempotent
		if err := EnsureSubnet(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	gw := netip.PrefixFrom(s.Gateway, 24).String()
	if out := mustRun(t, "ip", "-o", "-4", "addr", "show", "dev", s.Name); strings.Count(out, gw) != 1 {
		t.Fatalf("bridge %s should have %s once:\n%s", s.Name, gw, out)
	}

	ns1, p1 := testNetns(t)
	ns2, p2 := testNetns(t)
	e1, e2 := testENI(t, s, p1, 10), testENI(t, s, p2, 11)
	for _, e := range []ENI{e1, e2} {
		if err := Attach(ctx, e); err != nil {
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
		host := mustRun(t, "ip", "link", "show", c.e.HostName)
		if !strings.Contains(host, "master "+s.Name) || !strings.Contains(host, "state UP") {
			t.Errorf("host end %s not an up port of %s:\n%s", c.e.HostName, s.Name, host)
		}
		routedViaBridge(t, c.e.Address, s.Name)
	}
	if t.Failed() {
		t.FailNow()
	}

	ping(t, ns1, e2.Address)
	ping(t, ns2, e1.Address)
	ping(t, ns1, s.Gateway)
	ping(t, "", e1.Address)
	ping(t, "", e2.Address)

	// Attach again: nothing is recreated.
	h1, _ := netlink.LinkByName(e1.HostName)
	if err := Attach(ctx, e1); err != nil {
		t.Fatal(err)
	}
	if h, err := netlink.LinkByName(e1.HostName); err != nil || h.Attrs().Index != h1.Attrs().Index {
		t.Fatalf("second Attach recreated the pair (%v)", err)
	}

	// A damaged pair is repaired.
	mustRun(t, "ip", "-n", ns1, "addr", "flush", "dev", "eth0")
	mustRun(t, "ip", "link", "set", e1.HostName, "nomaster")
	if err := Attach(ctx, e1); err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, "ip", "-n", ns1, "-4", "route", "show", "default"); !strings.Contains(out, "via "+s.Gateway.String()) {
		t.Fatalf("default route not repaired:\n%s", out)
	}
	routedViaBridge(t, e1.Address, s.Name)
	ping(t, ns2, e1.Address)

	ends, err := ListHostEnds("btv")
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
		if err := Detach(ctx, e1.HostName); err != nil {
			t.Fatal(err)
		}
		t1 := time.Now()
		if err := Attach(ctx, e1); err != nil {
			t.Fatal(err)
		}
		times = append(times, time.Since(t1))
		dtimes = append(dtimes, t1.Sub(t0))
	}
	slices.Sort(times)
	slices.Sort(dtimes)
	t.Logf("Attach: median %v, max %v; Detach: median %v, max %v (20 runs)", times[10], times[19], dtimes[10], dtimes[19])
	routedViaBridge(t, e1.Address, s.Name)
	ping(t, ns2, e1.Address)

	// Detach removes both ends; twice is fine.
	for range 2 {
		if err := Detach(ctx, e1.HostName); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := netlink.LinkByName(e1.HostName); !isNotFound(err) {
		t.Fatalf("host end still there: %v", err)
	}
	if out, err := run(t, "ip", "-n", ns1, "link", "show", "eth0"); err == nil {
		t.Fatalf("task end still there:\n%s", out)
	}
	if ends, _ := ListHostEnds("btv"); slices.Contains(ends, e1.HostName) {
		t.Fatalf("ListHostEnds still lists %s", e1.HostName)
	}

	for range 2 {
		if err := RemoveSubnet(ctx, s.Name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := netlink.LinkByName(s.Name); !isNotFound(err) {
		t.Fatalf("bridge still there: %v", err)
	}
}

func TestAttachErrors(t *testing.T) {
	needRoot(t)
	t.Parallel()
	ctx := context.Background()
	s := testSubnet(t)
	_, p := testNetns(t)
	e := testENI(t, s, p, 20)
	if err := Attach(ctx, e); err == nil {
		t.Fatal("Attach without the subnet's bridge: no error")
	}
	if err := EnsureSubnet(ctx, s); err != nil {
		t.Fatal(err)
	}
	bad := e
	bad.NetnsPath = filepath.Join("/var/run/netns", "berth-test-missing-"+randHex(t, 8))
	if err := Attach(ctx, bad); err == nil {
		t.Fatal("Attach into a missing namespace: no error")
	}
	if _, err := netlink.LinkByName(e.HostName); !isNotFound(err) {
		t.Fatalf("failed Attach left %s behind", e.HostName)
	}
	// Detach refuses what is not a veth.
	if err := Detach(ctx, s.Name); err == nil {
		t.Fatal("Detach of a bridge: no error")
	}
	if err := RemoveSubnet(ctx, s.Name); err != nil {
		t.Fatal(err)
	}
}
