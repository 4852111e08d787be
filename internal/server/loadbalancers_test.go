package server

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/berth-dev/berth/internal/agentapi"
)

// TestAdmitted: a load balancer's listener admits the CIDRs and group
// members of its groups' ingress rules that cover its port, TCP or all
// protocols, and nothing from egress rules or other ports.
func TestAdmitted(t *testing.T) {
	p := &agentapi.SecurityPolicy{
		Rules: map[string][]agentapi.SGRule{
			"sg-lb": {
				{Protocol: "tcp", FromPort: 80, ToPort: 80, CIDR: "10.1.0.0/16"},
				{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDR: "0.0.0.0/0"},
				{Protocol: "udp", FromPort: 80, ToPort: 80, CIDR: "10.2.0.0/16"},
				{Protocol: "tcp", FromPort: 0, ToPort: 65535, Group: "sg-clients"},
				{Egress: true, Protocol: "-1", CIDR: "0.0.0.0/0"},
			},
			"sg-other": {{Protocol: "-1", CIDR: "192.0.2.0/24"}},
		},
		Members: map[string][]string{"sg-clients": {"10.3.0.5", "10.3.0.6"}},
	}
	pfx := func(ss ...string) []netip.Prefix {
		out := []netip.Prefix{}
		for _, s := range ss {
			out = append(out, netip.MustParsePrefix(s))
		}
		return out
	}
	for _, tc := range []struct {
		groups []string
		port   int
		want   []netip.Prefix
	}{
		{[]string{"sg-lb"}, 80, pfx("10.1.0.0/16", "10.3.0.5/32", "10.3.0.6/32")},
		{[]string{"sg-lb"}, 443, pfx("0.0.0.0/0", "10.3.0.5/32", "10.3.0.6/32")},
		{[]string{"sg-other"}, 8080, pfx("192.0.2.0/24")},
		{[]string{"sg-none"}, 80, pfx()},
	} {
		if got := admitted(p, tc.groups, tc.port); !slices.Equal(got, tc.want) {
			t.Errorf("%v port %d: got %v, want %v", tc.groups, tc.port, got, tc.want)
		}
	}
}
