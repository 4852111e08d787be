package firewall

import (
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/network/namespace"
	"golang.org/x/sys/unix"
)

func TestCompile(t *testing.T) {
	policy := &agentapi.SecurityPolicy{
		Rules: map[string][]agentapi.SGRule{
			"sg-web": {
				{Protocol: "tcp", FromPort: 80, ToPort: 80, CIDR: "0.0.0.0/0"},
				{Protocol: "tcp", FromPort: 8000, ToPort: 8100, CIDR: "10.0.1.7/24"}, // masked
				{Protocol: "tcp", FromPort: 5432, ToPort: 5432, Group: "sg-app"},
				{Protocol: "icmp", FromPort: 8, ToPort: -1, CIDR: "10.0.0.0/16"},
				{Protocol: "udp", FromPort: 0, ToPort: 65535, CIDR: "10.0.0.0/16"},  // all ports
				{Protocol: "icmpv6", FromPort: -1, ToPort: -1, CIDR: "10.0.0.0/16"}, // IPv6 only: nothing
				{Protocol: "tcp", FromPort: 22, ToPort: 22, CIDR: "::/0"},           // IPv6 block: nothing
				{Egress: true, Protocol: "-1", FromPort: -1, ToPort: -1, CIDR: "0.0.0.0/0"},
			},
			"sg-other": {
				{Protocol: "tcp", FromPort: 80, ToPort: 80, CIDR: "0.0.0.0/0"}, // a repeat
				{Protocol: "50", CIDR: "192.168.0.0/16"},                       // ESP: no ports
				{Protocol: "-1", Group: "sg-empty"},
			},
		},
		Members: map[string][]string{"sg-app": {"10.0.2.9", "10.0.2.4"}},
	}
	var got []string
	for _, r := range Compile(policy, []string{"sg-web", "sg-other"}) {
		got = append(got, r.String())
	}
	want := []string{
		"input: meta nfproto ipv4 tcp dport 80 accept",
		"input: ip saddr 10.0.0.0/16 meta l4proto icmp icmp type 8 accept",
		"input: ip saddr 10.0.0.0/16 meta l4proto udp accept",
		"input: ip saddr 10.0.1.0/24 tcp dport 8000-8100 accept",
		"input: ip saddr 10.0.2.4/32 tcp dport 5432 accept",
		"input: ip saddr 10.0.2.9/32 tcp dport 5432 accept",
		"input: ip saddr 192.168.0.0/16 meta l4proto 50 accept",
		"output: meta nfproto ipv4 accept",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rs := Compile(policy, nil); len(rs) != 0 {
		t.Fatalf("no groups: %v", rs)
	}
}

// TestApply writes a firewall into a namespace of its own, twice (the
// second replaces the first).
func TestApply(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	path := namespace.Path("fwtest-" + strconv.Itoa(os.Getpid()))
	if err := namespace.Create(path, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = namespace.Unpin(path) })
	rules := []Rule{{Peer: netip.MustParsePrefix("10.0.0.0/8"), Proto: unix.IPPROTO_TCP, FromPort: 80, ToPort: 90}}
	eps := []Endpoint{{Addr: netip.MustParseAddr("169.254.170.2"), Proto: unix.IPPROTO_TCP, Port: 80}}
	for range 2 {
		if err := Apply(path, rules, eps); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := exec.LookPath("nft"); err != nil {
		return
	}
	out, err := exec.Command("nsenter", "--net="+path, "nft", "list", "table", "inet", "berth").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list: %v: %s", err, out)
	}
	for _, want := range []string{"policy drop", `iifname "lo" accept`, "ct state established,related accept",
		"ip saddr 10.0.0.0/8 tcp dport 80-90 accept", "ip daddr 169.254.170.2 tcp dport 80 accept"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
