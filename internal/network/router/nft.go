package router

import (
	"net/netip"

	"github.com/berth-dev/berth/internal/network/nft"
	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// ruleset is the router's table inet berth:
//
//	chain forward { type filter hook forward priority filter; policy accept;
//		iifname "uplink" ct state established,related accept
//		iifname "uplink" ip saddr 169.254.99.1 accept
//		iifname "uplink" ct status dnat accept
//		iifname "uplink" drop
//		oifname "uplink" ct state established,related accept
//		oifname "uplink" drop
//	}
//	chain input { type filter hook input priority filter; policy drop;
//		iifname "lo" accept
//		ct state established,related accept
//		meta l4proto { icmp, ipv6-icmp } accept
//		ip daddr <endpoint> meta l4proto <proto> th dport <port> accept   (one rule per service)
//		ip saddr <prefix> ip daddr … accept   (instead, per admitted prefix, for a service in Admit)
//	}
//
// Between the VPC's bridges everything is forwarded (its subnets route to
// each other); out of the uplink only replies go, so tasks open nothing to
// the host or beyond. In by the uplink come only replies, the host's own
// connections (from the uplink's address) and those to public addresses:
// a host that forwards (ip_forward=1, as Docker sets it) does not make the
// VPC's private addresses reachable from its LAN.
func ruleset(services []Service, admit map[Service][]netip.Prefix) []nft.Chain {
	accept, drop := nft.Verdict(expr.VerdictAccept), nft.Verdict(expr.VerdictDrop)
	forward := nft.Chain{
		Name:   "forward",
		Hook:   nftables.ChainHookForward,
		Policy: nftables.ChainPolicyAccept,
		Rules: [][]expr.Any{
			nft.Join(nft.IfName(expr.MetaKeyIIFNAME, RouterIfName), nft.Established(), accept),
			nft.Join(nft.IfName(expr.MetaKeyIIFNAME, RouterIfName), nft.IP4In(nft.Saddr, netip.PrefixFrom(HostLinkAddr, 32)), accept),
			nft.Join(nft.IfName(expr.MetaKeyIIFNAME, RouterIfName), nft.CtStatusIn(nft.CtStatusDNAT), accept),
			nft.Join(nft.IfName(expr.MetaKeyIIFNAME, RouterIfName), drop),
			nft.Join(nft.IfName(expr.MetaKeyOIFNAME, RouterIfName), nft.Established(), accept),
			nft.Join(nft.IfName(expr.MetaKeyOIFNAME, RouterIfName), drop),
		},
	}
	input := nft.Chain{
		Name:   "input",
		Hook:   nftables.ChainHookInput,
		Policy: nftables.ChainPolicyDrop,
		Rules: [][]expr.Any{
			nft.Join(nft.IfName(expr.MetaKeyIIFNAME, "lo"), accept),
			nft.Join(nft.Established(), accept),
			nft.Join(nft.L4Proto(unix.IPPROTO_ICMP), accept),
			nft.Join(nft.L4Proto(unix.IPPROTO_ICMPV6), accept),
		},
	}
	for _, sv := range services {
		from, only := admit[sv]
		if !only {
			input.Rules = append(input.Rules, nft.Join(nft.ToService(sv), accept))
			continue
		}
		for _, p := range from {
			input.Rules = append(input.Rules, nft.Join(nft.IP4In(nft.Saddr, p), nft.ToService(sv), accept))
		}
	}
	return []nft.Chain{forward, input}
}

// natChain is the 1:1 NAT of public addresses, ahead of routing:
//
//	chain prerouting { type nat hook prerouting priority dstnat;
//		ip daddr <public> dnat ip to <private>   (one rule per address)
//	}
func natChain(public []PublicIP) nft.Chain {
	c := nft.Chain{Name: "prerouting", Type: nftables.ChainTypeNAT, Hook: nftables.ChainHookPrerouting,
		Priority: nftables.ChainPriorityNATDest, Policy: nftables.ChainPolicyAccept}
	for _, m := range public {
		c.Rules = append(c.Rules, nft.Join(nft.IP4In(nft.Daddr, netip.PrefixFrom(m.Public, 32)), nft.DNAT(m.Private)))
	}
	return c
}

// applyRules replaces the table in the namespace nsFd with ruleset in one
// transaction. Nothing is ever sent to the host's ruleset.
func applyRules(nsFd int, services []Service, admit map[Service][]netip.Prefix, public []PublicIP) error {
	chains := ruleset(services, admit)
	if len(public) > 0 {
		chains = append(chains, natChain(public))
	}
	return nft.ReplaceTable(nsFd, nil, chains)
}
