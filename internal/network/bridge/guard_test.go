package bridge

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
)

// TestGuardPortsMany: a router with hundreds of task ports is guarded in
// one transaction (its acknowledgements once overflowed the socket), and
// again with fewer.
func TestGuardPortsMany(t *testing.T) {
	needRoot(t)
	name, n := testBridgeNS(t)
	var ports []Port
	for i := range 600 {
		ports = append(ports, Port{
			Name: fmt.Sprintf("bv%010d", i),
			MAC:  net.HardwareAddr{0x0a, 0, 0, 0, byte(i >> 8), byte(i)},
			Addr: netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}),
		})
	}
	for _, ps := range [][]Port{ports, ports[:3], nil} {
		if err := n.GuardPorts(ps); err != nil {
			t.Fatalf("%d ports: %v", len(ps), err)
		}
	}
	if err := n.GuardPorts(ports[:1]); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, "ip", "netns", "exec", name, "nft", "list", "table", "bridge", "berth")
	for _, want := range []string{
		`elements = { "bv0000000000" . 0a:00:00:00:00:00 . 10.0.0.0 }`,
		`iifname . ether saddr . ip saddr @ports accept`,
		`iifname . ether saddr . arp saddr ip @ports iifname . arp saddr ether . arp saddr ip @ports accept`,
		`iifname "bv*" drop`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// TestAllowPorts: ports are added to an existing guard without a rebuild,
// and AllowPorts makes the guard when there is none.
func TestAllowPorts(t *testing.T) {
	needRoot(t)
	name, n := testBridgeNS(t)
	p := func(i int) Port {
		return Port{Name: fmt.Sprintf("bv%010d", i), MAC: net.HardwareAddr{0x0a, 0, 0, 0, 0, byte(i)}, Addr: netip.AddrFrom4([4]byte{10, 0, 0, byte(i)})}
	}
	if err := n.AllowPorts([]Port{p(1)}); err != nil { // no guard yet
		t.Fatal(err)
	}
	if err := n.AllowPorts([]Port{p(2), p(3)}); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, "ip", "netns", "exec", name, "nft", "list", "set", "bridge", "berth", "ports")
	for i := 1; i <= 3; i++ {
		if !strings.Contains(out, fmt.Sprintf(`"bv%010d" . 0a:00:00:00:00:0%d . 10.0.0.%d`, i, i, i)) {
			t.Errorf("port %d missing:\n%s", i, out)
		}
	}
}
