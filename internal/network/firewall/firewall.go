// Package firewall enforces a task's security groups in its own network
// namespace, as table inet berth: stateful, default deny, inbound allowed
// by the groups' ingress rules and outbound by their egress rules, as an
// ENI's groups act on AWS. Tasks can't change it: Fargate containers never
// hold CAP_NET_ADMIN.
//
// Compile turns groups into Rules (pure, tested on its own); Apply writes
// them with the fixed parts:
//
//	chain input  { policy drop; iif lo accept; ct state established,related accept; <ingress> }
//	chain output { policy drop; oif lo accept; ct state established,related accept;
//	               <the in-task endpoints>; <egress> }
package firewall

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/network/nft"
	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// AllProtocols is Rule.Proto for every protocol.
const AllProtocols = -1

// Rule is one allowed flow: packets of Proto (an IP protocol number, or
// AllProtocols) from (ingress) or to (egress) Peer, or any address of the
// group Group (a set of its members' addresses), with a destination port in
// FromPort..ToPort (TCP and UDP) or of ICMP type FromPort and code ToPort;
// -1 is any.
type Rule struct {
	Egress           bool
	Peer             netip.Prefix
	Group            string
	Proto            int
	FromPort, ToPort int
}

// Ruleset is a task's rules and the members of the groups they name.
type Ruleset struct {
	Rules   []Rule
	Members map[string][]netip.Addr // by group id, sorted
}

// Equal reports whether two rulesets allow the same.
func (a Ruleset) Equal(b Ruleset) bool {
	return slices.Equal(a.Rules, b.Rules) && maps.EqualFunc(a.Members, b.Members, slices.Equal)
}

// String is the rule in nft's syntax, as `nft list table` would show it.
func (r Rule) String() string {
	var b strings.Builder
	b.WriteString(map[bool]string{false: "input", true: "output"}[r.Egress])
	b.WriteString(": ")
	switch {
	case r.Group != "":
		b.WriteString(map[bool]string{false: "ip saddr @", true: "ip daddr @"}[r.Egress] + r.Group + " ")
	case r.Peer.Bits() > 0:
		b.WriteString(map[bool]string{false: "ip saddr ", true: "ip daddr "}[r.Egress] + r.Peer.String() + " ")
	default:
		b.WriteString("meta nfproto ipv4 ")
	}
	switch r.Proto {
	case AllProtocols:
	case unix.IPPROTO_TCP, unix.IPPROTO_UDP:
		name := map[int]string{unix.IPPROTO_TCP: "tcp", unix.IPPROTO_UDP: "udp"}[r.Proto]
		if r.FromPort < 0 {
			b.WriteString("meta l4proto " + name + " ")
		} else if r.FromPort == r.ToPort {
			fmt.Fprintf(&b, "%s dport %d ", name, r.FromPort)
		} else {
			fmt.Fprintf(&b, "%s dport %d-%d ", name, r.FromPort, r.ToPort)
		}
	case unix.IPPROTO_ICMP:
		b.WriteString("meta l4proto icmp ")
		if r.FromPort >= 0 {
			fmt.Fprintf(&b, "icmp type %d ", r.FromPort)
		}
		if r.ToPort >= 0 {
			fmt.Fprintf(&b, "icmp code %d ", r.ToPort)
		}
	default:
		fmt.Fprintf(&b, "meta l4proto %d ", r.Proto)
	}
	b.WriteString("accept")
	return b.String()
}

// protocol turns an EC2 protocol into a number: tcp, udp, icmp, -1 (all)
// or a number. IPv6-only ones (icmpv6) give ok false.
func protocol(p string) (int, bool) {
	switch strings.ToLower(p) {
	case "-1", "all":
		return AllProtocols, true
	case "tcp":
		return unix.IPPROTO_TCP, true
	case "udp":
		return unix.IPPROTO_UDP, true
	case "icmp":
		return unix.IPPROTO_ICMP, true
	case "icmpv6", "58":
		return 0, false
	}
	n, err := strconv.Atoi(p)
	return n, err == nil && n >= 0 && n <= 255
}

// Compile returns the rules of a task in groups under policy, sorted and
// without repeats. A rule naming a group allows that group's current
// members (a set, so that members coming and going change no rule); one
// with an IPv6 block or prefix list allows nothing here (tasks have IPv4
// only).
func Compile(policy *agentapi.SecurityPolicy, groups []string) Ruleset {
	var out []Rule
	members := map[string][]netip.Addr{}
	for _, g := range groups {
		for _, sr := range policy.Rules[g] {
			proto, ok := protocol(sr.Protocol)
			if !ok {
				continue
			}
			from, to := int(sr.FromPort), int(sr.ToPort)
			switch proto {
			case unix.IPPROTO_TCP, unix.IPPROTO_UDP:
				if from < 0 || to < 0 || from == 0 && to == 65535 {
					from, to = -1, -1
				}
			case unix.IPPROTO_ICMP:
			default:
				from, to = -1, -1
			}
			r := Rule{Egress: sr.Egress, Proto: proto, FromPort: from, ToPort: to}
			if p, err := netip.ParsePrefix(sr.CIDR); err == nil && p.Addr().Is4() {
				r.Peer = p.Masked()
				out = append(out, r)
			}
			if sr.Group != "" {
				r.Peer, r.Group = netip.Prefix{}, sr.Group
				out = append(out, r)
				if _, ok := members[sr.Group]; !ok {
					members[sr.Group] = addrs(policy.Members[sr.Group])
				}
			}
		}
	}
	slices.SortFunc(out, compareRules)
	return Ruleset{Rules: slices.Compact(out), Members: members}
}

// TCPSources are the sources rs lets reach TCP port: the blocks and the
// group members of its ingress rules, TCP or all protocols, that cover the
// port; in rule order.
func (rs Ruleset) TCPSources(port int) []netip.Prefix {
	out := []netip.Prefix{}
	for _, r := range rs.Rules {
		if r.Egress || r.Proto != unix.IPPROTO_TCP && r.Proto != AllProtocols {
			continue
		}
		if r.Proto == unix.IPPROTO_TCP && r.FromPort >= 0 && (port < r.FromPort || port > r.ToPort) {
			continue
		}
		if r.Group == "" {
			out = append(out, r.Peer)
			continue
		}
		for _, a := range rs.Members[r.Group] {
			out = append(out, netip.PrefixFrom(a, 32))
		}
	}
	return out
}

// addrs parses, sorts and dedupes IPv4 addresses.
func addrs(ss []string) []netip.Addr {
	out := []netip.Addr{}
	for _, s := range ss {
		if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return slices.Compact(out)
}

func compareRules(a, b Rule) int {
	if a.Egress != b.Egress {
		return map[bool]int{false: -1, true: 1}[a.Egress]
	}
	return cmp.Or(
		cmp.Compare(a.Group, b.Group),
		a.Peer.Addr().Compare(b.Peer.Addr()), cmp.Compare(a.Peer.Bits(), b.Peer.Bits()),
		cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.FromPort, b.FromPort), cmp.Compare(a.ToPort, b.ToPort))
}

// Endpoint is an address and port a task always reaches, whatever its
// groups say (the in-task endpoints: AWS's security groups don't filter
// the VPC resolver or the task metadata endpoint either).
type Endpoint = nft.Service

// exprs is the rule's match and verdict; sets are the table's.
func (r Rule) exprs(sets []nft.Set) []expr.Any {
	which := nft.Saddr
	if r.Egress {
		which = nft.Daddr
	}
	var out []expr.Any
	if r.Group != "" {
		out = nft.IP4InSet(which, sets, slices.IndexFunc(sets, func(s nft.Set) bool { return s.Name == r.Group }))
	} else {
		out = nft.IP4In(which, r.Peer)
	}
	if r.Proto == AllProtocols {
		return nft.Join(out, nft.Verdict(expr.VerdictAccept))
	}
	out = append(out, nft.L4Proto(byte(r.Proto))...)
	switch {
	case (r.Proto == unix.IPPROTO_TCP || r.Proto == unix.IPPROTO_UDP) && r.FromPort >= 0:
		out = append(out, nft.DportIn(uint16(r.FromPort), uint16(r.ToPort))...)
	case r.Proto == unix.IPPROTO_ICMP:
		if r.FromPort >= 0 {
			out = append(out, nft.ICMPField(0, byte(r.FromPort))...)
		}
		if r.ToPort >= 0 {
			out = append(out, nft.ICMPField(1, byte(r.ToPort))...)
		}
	}
	return nft.Join(out, nft.Verdict(expr.VerdictAccept))
}

// table is the whole table for rs and endpoints: a set per group named.
func table(rs Ruleset, endpoints []Endpoint) ([]nft.Set, []nft.Chain) {
	var sets []nft.Set
	for _, g := range slices.Sorted(maps.Keys(rs.Members)) {
		sets = append(sets, nft.AddrSet(g, rs.Members[g]))
	}
	accept := nft.Verdict(expr.VerdictAccept)
	in := nft.Chain{Name: "input", Hook: nftables.ChainHookInput, Policy: nftables.ChainPolicyDrop, Rules: [][]expr.Any{
		nft.Join(nft.IfName(expr.MetaKeyIIFNAME, "lo"), accept),
		nft.Join(nft.Established(), accept),
	}}
	out := nft.Chain{Name: "output", Hook: nftables.ChainHookOutput, Policy: nftables.ChainPolicyDrop, Rules: [][]expr.Any{
		nft.Join(nft.IfName(expr.MetaKeyOIFNAME, "lo"), accept),
		nft.Join(nft.Established(), accept),
	}}
	for _, e := range endpoints {
		out.Rules = append(out.Rules, nft.Join(nft.ToService(e), accept))
	}
	for _, r := range rs.Rules {
		if r.Egress {
			out.Rules = append(out.Rules, r.exprs(sets))
		} else {
			in.Rules = append(in.Rules, r.exprs(sets))
		}
	}
	return sets, []nft.Chain{in, out}
}

// Apply replaces the firewall of the namespace pinned at nsPath, in one
// transaction.
func Apply(nsPath string, rs Ruleset, endpoints []Endpoint) error {
	f, err := os.Open(nsPath)
	if err != nil {
		return fmt.Errorf("firewall: %w", err)
	}
	defer f.Close()
	sets, chains := table(rs, endpoints)
	if err := nft.ReplaceTable(int(f.Fd()), sets, chains); err != nil {
		return fmt.Errorf("firewall in %s: %w", nsPath, err)
	}
	return nil
}

// Update brings the firewall of the namespace at nsPath from old (what it
// has) to rs. When only new members came to its groups it adds them to
// the sets, in a transaction that removes nothing (removals make the
// kernel's next nftables commit, anyone's, wait for an RCU grace period:
// launches would queue behind every change); otherwise it replaces the
// table.
func Update(nsPath string, old, rs Ruleset, endpoints []Endpoint) error {
	added, ok := onlyAdded(old, rs)
	if !ok {
		return Apply(nsPath, rs, endpoints)
	}
	if len(added) == 0 {
		return nil
	}
	f, err := os.Open(nsPath)
	if err != nil {
		return fmt.Errorf("firewall: %w", err)
	}
	defer f.Close()
	err = nft.AddToSets(int(f.Fd()), nftables.TableFamilyINet, added)
	if errors.Is(err, nft.ErrNoTable) {
		return Apply(nsPath, rs, endpoints)
	}
	if err != nil {
		return fmt.Errorf("firewall in %s: %w", nsPath, err)
	}
	return nil
}

// onlyAdded returns, when rs differs from old only by new members of its
// groups, the sets of those new members.
func onlyAdded(old, rs Ruleset) ([]nft.Set, bool) {
	if !slices.Equal(old.Rules, rs.Rules) || len(old.Members) != len(rs.Members) {
		return nil, false
	}
	var added []nft.Set
	for _, g := range slices.Sorted(maps.Keys(rs.Members)) {
		before, ok := old.Members[g]
		if !ok {
			return nil, false
		}
		var fresh []netip.Addr
		for _, a := range rs.Members[g] {
			if !slices.Contains(before, a) {
				fresh = append(fresh, a)
			}
		}
		for _, a := range before {
			if !slices.Contains(rs.Members[g], a) {
				return nil, false // a member went: replace
			}
		}
		if len(fresh) > 0 {
			added = append(added, nft.AddrSet(g, fresh))
		}
	}
	return added, true
}
