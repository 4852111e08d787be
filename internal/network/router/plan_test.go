package router

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/nftables"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func addr(s string) netip.Addr  { return netip.MustParseAddr(s) }

func TestPlanHostRoutes(t *testing.T) {
	const uplink, other = 7, 3
	vpc := pfx("172.31.0.0/16")
	vpc2 := pfx("10.1.0.0/16")
	ours := hostRoute{Dst: vpc, LinkIndex: uplink, Gw: RouterLinkAddr}
	def := hostRoute{Dst: pfx("0.0.0.0/0"), LinkIndex: other, Gw: addr("192.0.2.1")}
	lan := hostRoute{Dst: pfx("192.0.2.0/24"), LinkIndex: other}
	for _, tc := range []struct {
		name   string
		cidrs  []netip.Prefix
		routes []hostRoute
		want   routePlan
	}{
		{
			name:   "fresh",
			cidrs:  []netip.Prefix{vpc, vpc2},
			routes: []hostRoute{def, lan},
			want:   routePlan{Add: []netip.Prefix{vpc, vpc2}},
		},
		{
			name:   "already routed",
			cidrs:  []netip.Prefix{vpc},
			routes: []hostRoute{def, lan, ours},
			want:   routePlan{Keep: []netip.Prefix{vpc}},
		},
		{
			name:   "another VPC's router has the same CIDR",
			cidrs:  []netip.Prefix{vpc, vpc2},
			routes: []hostRoute{def, {Dst: vpc, LinkIndex: 9, Gw: RouterLinkAddr}},
			want: routePlan{
				Add:  []netip.Prefix{vpc2},
				Skip: []skip{{CIDR: vpc, Conflict: hostRoute{Dst: vpc, LinkIndex: 9, Gw: RouterLinkAddr}}},
			},
		},
		{
			name:   "the host's LAN is inside the CIDR",
			cidrs:  []netip.Prefix{pfx("192.0.0.0/16")},
			routes: []hostRoute{def, lan},
			want:   routePlan{Skip: []skip{{CIDR: pfx("192.0.0.0/16"), Conflict: lan}}},
		},
		{
			name:   "the CIDR is inside a host route",
			cidrs:  []netip.Prefix{pfx("192.0.2.128/25")},
			routes: []hostRoute{lan},
			want:   routePlan{Skip: []skip{{CIDR: pfx("192.0.2.128/25"), Conflict: lan}}},
		},
		{
			name:  "stale routes through the uplink go",
			cidrs: []netip.Prefix{vpc},
			routes: []hostRoute{
				ours,
				{Dst: vpc2, LinkIndex: uplink, Gw: RouterLinkAddr},              // CIDR no longer the VPC's
				{Dst: pfx("172.31.5.0/24"), LinkIndex: uplink},                  // not ours in shape
				{Dst: pfx("0.0.0.0/0"), LinkIndex: uplink, Gw: addr("1.2.3.4")}, // anything else
			},
			want: routePlan{
				Keep: []netip.Prefix{vpc},
				Del: []hostRoute{
					{Dst: vpc2, LinkIndex: uplink, Gw: RouterLinkAddr},
					{Dst: pfx("172.31.5.0/24"), LinkIndex: uplink},
					{Dst: pfx("0.0.0.0/0"), LinkIndex: uplink, Gw: addr("1.2.3.4")},
				},
			},
		},
		{
			name:   "a stale route of ours does not block the CIDR",
			cidrs:  []netip.Prefix{vpc},
			routes: []hostRoute{{Dst: pfx("172.31.5.0/24"), LinkIndex: uplink}},
			want: routePlan{
				Add: []netip.Prefix{vpc},
				Del: []hostRoute{{Dst: pfx("172.31.5.0/24"), LinkIndex: uplink}},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := planHostRoutes(tc.cidrs, tc.routes, uplink)
			if d := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }), cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); d != "" {
				t.Fatalf("plan (-want +got):\n%s", d)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{Name: "berthvpc-0123456789ab", Uplink: "bh0123456789", CIDRs: []netip.Prefix{pfx("172.31.0.0/16")}, Endpoints: endpoints}
	if err := good.validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*Config){
		"empty name":              func(c *Config) { c.Name = "" },
		"task namespace prefix":   func(c *Config) { c.Name = "berth-0123" },
		"slash in name":           func(c *Config) { c.Name = "a/b" },
		"long uplink":             func(c *Config) { c.Uplink = "bh0123456789abcdef" },
		"no uplink":               func(c *Config) { c.Uplink = "" },
		"unmasked CIDR":           func(c *Config) { c.CIDRs = []netip.Prefix{pfx("172.31.0.1/16")} },
		"IPv6 CIDR":               func(c *Config) { c.CIDRs = []netip.Prefix{pfx("fd00::/64")} },
		"default route CIDR":      func(c *Config) { c.CIDRs = []netip.Prefix{pfx("0.0.0.0/0")} },
		"link-local CIDR":         func(c *Config) { c.CIDRs = []netip.Prefix{pfx("169.254.0.0/20")} },
		"overlapping CIDRs":       func(c *Config) { c.CIDRs = []netip.Prefix{pfx("10.0.0.0/16"), pfx("10.0.4.0/24")} },
		"endpoint is uplink addr": func(c *Config) { c.Endpoints = []netip.Addr{RouterLinkAddr} },
		"endpoint twice":          func(c *Config) { c.Endpoints = []netip.Addr{endpoints[0], endpoints[0]} },
		"IPv6 endpoint":           func(c *Config) { c.Endpoints = []netip.Addr{addr("fd00::2")} },
	} {
		c := good
		mod(&c)
		if err := c.validate(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestLiteralAddr(t *testing.T) {
	for in, want := range map[string]netip.AddrPort{
		"169.254.170.2:80": netip.MustParseAddrPort("169.254.170.2:80"),
		":8080":            netip.AddrPortFrom(netip.Addr{}, 8080), // any address
		"[::1]:53":         netip.MustParseAddrPort("[::1]:53"),
	} {
		got, err := literalAddr(in)
		if err != nil || got != want {
			t.Errorf("literalAddr(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"localhost:80", "169.254.170.2:http", "169.254.170.2", "1.2.3.4:70000"} {
		if _, err := literalAddr(in); err == nil {
			t.Errorf("literalAddr(%q): no error", in)
		}
	}
}

func TestRuleset(t *testing.T) {
	chains := ruleset(services, nil)
	if len(chains) != 2 {
		t.Fatalf("%d chains", len(chains))
	}
	fwd, in := chains[0], chains[1]
	if fwd.Name != "forward" || *fwd.Hook != *nftables.ChainHookForward || fwd.Policy != nftables.ChainPolicyAccept {
		t.Errorf("forward chain: %+v", fwd)
	}
	if in.Name != "input" || *in.Hook != *nftables.ChainHookInput || in.Policy != nftables.ChainPolicyDrop {
		t.Errorf("input chain: %+v", in)
	}
	// forward: in by the uplink only replies, the host's own connections
	// and DNATed ones; out by it only replies.
	if got, want := describeAll(fwd.Rules), []string{
		"meta iifname uplink ct state 6 accept",
		"meta iifname uplink ip saddr 169.254.99.1 accept",
		"meta iifname uplink ct status 32 accept",
		"meta iifname uplink drop",
		"meta oifname uplink ct state 6 accept",
		"meta oifname uplink drop",
	}; !slices.Equal(got, want) {
		t.Errorf("forward rules:\n got %q\nwant %q", got, want)
	}
	got := describeAll(in.Rules)
	want := []string{
		"meta iifname lo accept",
		"ct state 6 accept",
		"meta l4proto 1 accept",
		"meta l4proto 58 accept",
		"ip daddr 169.254.170.2 meta l4proto 6 th dport 8080 accept",
		"ip daddr 169.254.169.253 meta l4proto 6 th dport 8053 accept",
		"ip daddr 169.254.169.253 meta l4proto 17 th dport 8053 accept",
	}
	if !slices.Equal(got, want) {
		t.Errorf("input rules:\n got %q\nwant %q", got, want)
	}
	// Nothing but the endpoints is accepted by address.
	if n := strings.Count(strings.Join(describeAll(ruleset(nil, nil)[1].Rules), "\n"), "ip daddr"); n != 0 {
		t.Errorf("%d address rules without endpoints", n)
	}
	// An admitted service takes only its sources; one admitting nobody
	// has no rule.
	admit := map[Service][]netip.Prefix{
		services[0]: {netip.MustParsePrefix("10.0.0.9/32"), netip.MustParsePrefix("192.0.2.7/32")},
		services[1]: {},
	}
	got = describeAll(ruleset(services, admit)[1].Rules)[4:]
	want = []string{
		"ip saddr 10.0.0.9 ip daddr 169.254.170.2 meta l4proto 6 th dport 8080 accept",
		"ip saddr 192.0.2.7 ip daddr 169.254.170.2 meta l4proto 6 th dport 8080 accept",
		"ip daddr 169.254.169.253 meta l4proto 17 th dport 8053 accept",
	}
	if !slices.Equal(got, want) {
		t.Errorf("admitted rules:\n got %q\nwant %q", got, want)
	}
}
