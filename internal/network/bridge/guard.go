package bridge

import (
	"errors"
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

// GuardPorts replaces table bridge berth in the namespace with the guard
// of ports, one set however many there are:
//
//	set ports { type ifname . ether_addr . ipv4_addr; elements = { <port> . <mac> . <addr>, … } }
//	chain prerouting { type filter hook prerouting priority -200; policy accept;
//		meta protocol ip iifname . ether saddr . ip saddr @ports accept
//		meta protocol arp iifname . ether saddr . arp saddr ip @ports iifname . arp saddr ether . arp saddr ip @ports accept
//		iifname "bv*" drop
//	}
func (n *NS) GuardPorts(ports []Port) error {
	f, err := n.open()
	if err != nil {
		return fmt.Errorf("bridge: port guard: %w", err)
	}
	defer f.Close()
	sets, chain := guard(ports)
	if err := nft.ReplaceFamilyTable(int(f.Fd()), nftables.TableFamilyBridge, sets, []nft.Chain{chain}); err != nil {
		return fmt.Errorf("bridge: port guard: %w", err)
	}
	return nil
}

// AllowPorts adds ports to the guard GuardPorts made, in a transaction that
// removes nothing: removals make the kernel's next nftables commit wait for
// an RCU grace period (tens of milliseconds here), so ports that went are
// left in the set (a port's name is never reused) until the next
// GuardPorts. Without a guard yet, it makes one of ports.
func (n *NS) AllowPorts(ports []Port) error {
	f, err := n.open()
	if err != nil {
		return fmt.Errorf("bridge: port guard: %w", err)
	}
	defer f.Close()
	err = nft.AddToSet(int(f.Fd()), nftables.TableFamilyBridge, portsSet(ports))
	if errors.Is(err, nft.ErrNoTable) {
		return n.GuardPorts(ports)
	}
	if err != nil {
		return fmt.Errorf("bridge: port guard: %w", err)
	}
	return nil
}

// The 4-byte registers a port's key is loaded into: the interface name
// takes four, the MAC two (6 bytes, padded), the address one.
const (
	regName = 8  // NFT_REG32_00
	regMAC  = 12 // NFT_REG32_04
	regAddr = 14 // NFT_REG32_06
)

// portsSet is the guard's set of ports: ifname . ether_addr . ipv4_addr.
func portsSet(ports []Port) nft.Set {
	set := nft.Set{Name: "ports", Concat: true,
		Type: nftables.MustConcatSetType(nftables.TypeIFName, nftables.TypeEtherAddr, nftables.TypeIPAddr)}
	for _, p := range ports {
		set.Keys = append(set.Keys, portKey(p))
	}
	return set
}

// portKey is a port's element of the set, each field padded to 4 bytes.
func portKey(p Port) []byte {
	key := make([]byte, 16+8+4)
	copy(key[0:16], p.Name)
	copy(key[16:22], p.MAC)
	a := p.Addr.As4()
	copy(key[24:28], a[:])
	return key
}

func guard(ports []Port) ([]nft.Set, nft.Chain) {
	sets := []nft.Set{portsSet(ports)}
	port := func(macAt expr.PayloadBase, macOffset, addrOffset uint32) []expr.Any {
		return []expr.Any{
			&expr.Meta{Key: expr.MetaKeyIIFNAME, Register: regName},
			&expr.Payload{DestRegister: regMAC, Base: macAt, Offset: macOffset, Len: 6},
			&expr.Payload{DestRegister: regAddr, Base: expr.PayloadBaseNetworkHeader, Offset: addrOffset, Len: 4},
			nft.Lookup(sets, 0, regName),
		}
	}
	accept := nft.Verdict(expr.VerdictAccept)
	c := nft.Chain{Name: "prerouting", Hook: nftables.ChainHookPrerouting, Priority: guardPriority, Policy: nftables.ChainPolicyAccept,
		Rules: [][]expr.Any{
			// IPv4 from the port's own MAC and address.
			nft.Join(etherType(unix.ETH_P_IP), port(expr.PayloadBaseLLHeader, 6, 12), accept),
			// ARP from its MAC, about itself (sender MAC and address).
			nft.Join(etherType(unix.ETH_P_ARP), port(expr.PayloadBaseLLHeader, 6, 14),
				port(expr.PayloadBaseNetworkHeader, 8, 14), accept),
			nft.Join(ifPrefix(PortPrefix), nft.Verdict(expr.VerdictDrop)),
		}}
	return sets, c
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

// open opens the namespace's file, for nftables (the caller's own when the
// NS is the host's).
func (n *NS) open() (*os.File, error) {
	if n.path == "" {
		return os.Open("/proc/thread-self/ns/net")
	}
	return os.Open(n.path)
}
