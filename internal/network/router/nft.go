package router

import (
	"fmt"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// chainSpec is a base chain of the router's table and its rules, in order.
type chainSpec struct {
	Name   string
	Hook   *nftables.ChainHook
	Policy nftables.ChainPolicy
	Rules  [][]expr.Any
}

// ruleset is the router's table inet berth:
//
//	chain forward { type filter hook forward priority filter; policy accept;
//		oifname "uplink" ct state established,related accept
//		oifname "uplink" drop
//	}
//	chain input { type filter hook input priority filter; policy drop;
//		iifname "lo" accept
//		ct state established,related accept
//		meta l4proto { icmp, ipv6-icmp } accept
//		ip daddr <endpoint> accept   (one rule per endpoint)
//	}
//
// Between the VPC's bridges everything is forwarded (its subnets route to
// each other); out of the uplink only replies go, so tasks open nothing to
// the host or beyond while the host may open connections to tasks.
func ruleset(endpoints []netip.Addr) []chainSpec {
	established := ctStateIn(expr.CtStateBitESTABLISHED | expr.CtStateBitRELATED)
	forward := chainSpec{
		Name:   "forward",
		Hook:   nftables.ChainHookForward,
		Policy: nftables.ChainPolicyAccept,
		Rules: [][]expr.Any{
			join(ifname(expr.MetaKeyOIFNAME, RouterIfName), established, verdict(expr.VerdictAccept)),
			join(ifname(expr.MetaKeyOIFNAME, RouterIfName), verdict(expr.VerdictDrop)),
		},
	}
	input := chainSpec{
		Name:   "input",
		Hook:   nftables.ChainHookInput,
		Policy: nftables.ChainPolicyDrop,
		Rules: [][]expr.Any{
			join(ifname(expr.MetaKeyIIFNAME, "lo"), verdict(expr.VerdictAccept)),
			join(established, verdict(expr.VerdictAccept)),
			join(l4proto(unix.IPPROTO_ICMP), verdict(expr.VerdictAccept)),
			join(l4proto(unix.IPPROTO_ICMPV6), verdict(expr.VerdictAccept)),
		},
	}
	for _, a := range endpoints {
		input.Rules = append(input.Rules, join(ip4Daddr(a), verdict(expr.VerdictAccept)))
	}
	return []chainSpec{forward, input}
}

// applyRules replaces the table in the namespace nsFd with ruleset in one
// transaction: add (so that delete never fails), delete, add again and fill.
// Nothing is ever sent to the host's ruleset.
func applyRules(nsFd int, endpoints []netip.Addr) error {
	c, err := nftables.New(nftables.WithNetNSFd(nsFd))
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	t := &nftables.Table{Family: nftables.TableFamilyINet, Name: TableName}
	c.AddTable(t)
	c.DelTable(t)
	c.AddTable(t)
	for _, cs := range ruleset(endpoints) {
		policy := cs.Policy
		ch := c.AddChain(&nftables.Chain{
			Name:     cs.Name,
			Table:    t,
			Type:     nftables.ChainTypeFilter,
			Hooknum:  cs.Hook,
			Priority: nftables.ChainPriorityFilter,
			Policy:   &policy,
		})
		for _, exprs := range cs.Rules {
			c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: exprs})
		}
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("nftables table inet %s: %w", TableName, err)
	}
	return nil
}

func join(parts ...[]expr.Any) []expr.Any {
	var out []expr.Any
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func verdict(k expr.VerdictKind) []expr.Any {
	return []expr.Any{&expr.Verdict{Kind: k}}
}

// ifname matches iifname or oifname (key) against name.
func ifname(key expr.MetaKey, name string) []expr.Any {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, name)
	return []expr.Any{
		&expr.Meta{Key: key, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: b},
	}
}

// ctStateIn matches connections whose ct state has any of bits.
func ctStateIn(bits uint32) []expr.Any {
	return []expr.Any{
		&expr.Ct{Register: 1, Key: expr.CtKeySTATE},
		&expr.Bitwise{
			SourceRegister: 1,
			DestRegister:   1,
			Len:            4,
			Mask:           binaryutil.NativeEndian.PutUint32(bits),
			Xor:            binaryutil.NativeEndian.PutUint32(0),
		},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(0)},
	}
}

func l4proto(proto byte) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
	}
}

// ip4Daddr matches IPv4 packets to a.
func ip4Daddr(a netip.Addr) []expr.Any {
	b := a.As4()
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.NFPROTO_IPV4}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: b[:]},
	}
}
