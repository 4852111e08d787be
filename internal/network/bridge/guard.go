package bridge

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/network/nft"
)

// Port is what a task may send into its subnet's bridge through its veth's
// host end Name: frames from its own MAC carrying IPv4 from its own
// address, or ARP about itself. This is EC2's source/destination check, and
// it is enforced where tasks can't reach it: a task with raw sockets can
// forge anything inside its own namespace, but not past its port.
type Port struct {
	Name string
	MAC  net.HardwareAddr
	Addr netip.Addr
}

// PortPrefix starts the name of every task port (veth host end) that
// GuardPorts guards; a port of that name with no Port given sends nothing.
const PortPrefix = "bv"

// guardPriority is the bridge family's filter priority.
var guardPriority = nftables.ChainPriorityRef(-200)

// GuardPorts replaces table bridge berth in the namespace with the rules
// of ports:
//
//	chain prerouting { type filter hook prerouting priority -200; policy accept;
//		iifname <port> ether saddr <mac> meta protocol ip ip saddr <addr> accept
//		iifname <port> ether saddr <mac> meta protocol arp arp saddr ether <mac> arp saddr ip <addr> accept
//		...
//		iifname "bv*" drop
//	}
func (n *NS) GuardPorts(ports []Port) error {
	path := n.path
	if path == "" {
		path = "/proc/thread-self/ns/net"
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("bridge: port guard: %w", err)
	}
	defer f.Close()
	if err := nft.ReplaceFamilyTable(int(f.Fd()), nftables.TableFamilyBridge, nil, []nft.Chain{guardChain(ports)}); err != nil {
		return fmt.Errorf("bridge: port guard: %w", err)
	}
	return nil
}

func guardChain(ports []Port) nft.Chain {
	accept := nft.Verdict(expr.VerdictAccept)
	c := nft.Chain{Name: "prerouting", Hook: nftables.ChainHookPrerouting, Priority: guardPriority, Policy: nftables.ChainPolicyAccept}
	for _, p := range ports {
		addr := p.Addr.As4()
		from := nft.Join(nft.IfName(expr.MetaKeyIIFNAME, p.Name), load(expr.PayloadBaseLLHeader, 6, 6), eq(p.MAC))
		c.Rules = append(c.Rules,
			nft.Join(from, etherType(unix.ETH_P_IP), load(expr.PayloadBaseNetworkHeader, 12, 4), eq(addr[:]), accept),
			nft.Join(from, etherType(unix.ETH_P_ARP),
				load(expr.PayloadBaseNetworkHeader, 8, 6), eq(p.MAC),
				load(expr.PayloadBaseNetworkHeader, 14, 4), eq(addr[:]), accept))
	}
	c.Rules = append(c.Rules, nft.Join(ifPrefix(PortPrefix), nft.Verdict(expr.VerdictDrop)))
	return c
}

func load(base expr.PayloadBase, offset, n uint32) []expr.Any {
	return []expr.Any{&expr.Payload{DestRegister: 1, Base: base, Offset: offset, Len: n}}
}

func eq(b []byte) []expr.Any {
	return []expr.Any{&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: bytes.Clone(b)}}
}

func etherType(t uint16) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyPROTOCOL, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.BigEndian.PutUint16(t)},
	}
}

// ifPrefix matches iifname "<prefix>*".
func ifPrefix(prefix string) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyIIFNAME, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte(prefix)},
	}
}
