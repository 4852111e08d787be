package firewall

import (
	"net/netip"
	"os"
	"os/exec"
	"slices"
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
	rs := Compile(policy, []string{"sg-web", "sg-other"})
	var got []string
	for _, r := range rs.Rules {
		got = append(got, r.String())
	}
	want := []string{
		"input: meta nfproto ipv4 tcp dport 80 accept",
		"input: ip saddr 10.0.0.0/16 meta l4proto icmp icmp type 8 accept",
		"input: ip saddr 10.0.0.0/16 meta l4proto udp accept",
		"input: ip saddr 10.0.1.0/24 tcp dport 8000-8100 accept",
		"input: ip saddr 192.168.0.0/16 meta l4proto 50 accept",
		"input: ip saddr @sg-app tcp dport 5432 accept",
		"input: ip saddr @sg-empty accept",
		"output: meta nfproto ipv4 accept",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	wantMembers := map[string][]netip.Addr{
		"sg-app":   {netip.MustParseAddr("10.0.2.4"), netip.MustParseAddr("10.0.2.9")},
		"sg-empty": {},
	}
	if !rs.Equal(Ruleset{Rules: rs.Rules, Members: wantMembers}) {
		t.Fatalf("members %v, want %v", rs.Members, wantMembers)
	}
	// A new member changes the sets, not the rules.
	policy.Members["sg-app"] = append(policy.Members["sg-app"], "10.0.2.5")
	if rs2 := Compile(policy, []string{"sg-web", "sg-other"}); rs2.Equal(rs) || !slices.Equal(rs2.Rules, rs.Rules) {
		t.Fatalf("after a new member: %+v", rs2)
	}
	if rs := Compile(policy, nil); len(rs.Rules) != 0 {
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
	rules := Ruleset{
		Rules: []Rule{
			{Peer: netip.MustParsePrefix("10.0.0.0/8"), Proto: unix.IPPROTO_TCP, FromPort: 80, ToPort: 90},
			{Group: "sg-peers", Proto: AllProtocols, FromPort: -1, ToPort: -1},
		},
		Members: map[string][]netip.Addr{"sg-peers": {netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("10.1.2.4")}},
	}
	eps := []Endpoint{{Addr: netip.MustParseAddr("169.254.170.2"), Proto: unix.IPPROTO_TCP, Port: 80}}
	// As many rules as five groups of 60 ingress and 60 egress rules
	// give, in one transaction.
	big := Ruleset{}
	for i := range 600 {
		big.Rules = append(big.Rules, Rule{Egress: i%2 == 1, Peer: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24),
			Proto: unix.IPPROTO_TCP, FromPort: 1000 + i, ToPort: 2000 + i})
	}
	if err := Apply(path, big, eps); err != nil {
		t.Fatalf("600 rules: %v", err)
	}
	for range 2 {
		if err := Apply(path, rules, eps); err != nil {
			t.Fatal(err)
		}
	}
	// A new member is added to the set in place.
	more := Ruleset{Rules: rules.Rules, Members: map[string][]netip.Addr{"sg-peers": append(slices.Clone(rules.Members["sg-peers"]), netip.MustParseAddr("10.1.2.5"))}}
	if added, ok := onlyAdded(rules, more); !ok || len(added) != 1 || len(added[0].Keys) != 1 {
		t.Fatalf("onlyAdded: %v %v", added, ok)
	}
	if _, ok := onlyAdded(more, rules); ok {
		t.Fatal("a member that went is not an addition")
	}
	if err := Update(path, rules, more, eps); err != nil {
		t.Fatal(err)
	}
	rules = more
	if _, err := exec.LookPath("nft"); err != nil {
		return
	}
	out, err := exec.Command("nsenter", "--net="+path, "nft", "list", "table", "inet", "berth").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list: %v: %s", err, out)
	}
	for _, want := range []string{"policy drop", `iifname "lo" accept`, "ct state established,related accept",
		"ip saddr 10.0.0.0/8 tcp dport 80-90 accept", "ip daddr 169.254.170.2 tcp dport 80 accept",
		"ip saddr @sg-peers accept", "elements = { 10.1.2.3, 10.1.2.4,", "10.1.2.5 }"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
