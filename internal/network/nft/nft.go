// Package nft builds the nftables rules of berth's tables (all named
// "berth", family inet or bridge, each in a namespace of its own: a VPC's
// router, a task's) and replaces such a table, or adds to its sets, in one
// transaction. It wraps
// github.com/google/nftables, which speaks netlink to the kernel: no nft(8)
// is needed, and nothing is ever sent to a namespace other than the one
// given.
package nft

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// TableName is the name of every table berth makes.
const TableName = "berth"

// Chain is a base chain of the table and its rules, in order. Type and
// Priority default to a filter chain at filter priority.
type Chain struct {
	Name     string
	Type     nftables.ChainType
	Hook     *nftables.ChainHook
	Priority *nftables.ChainPriority
	Policy   nftables.ChainPolicy
	Rules    [][]expr.Any
}

// Set is a named set of the table: keys of one type (or a concatenation
// of types, each key the fields padded to 4 bytes), for rules to look up.
type Set struct {
	Name   string
	Type   nftables.SetDatatype
	Concat bool
	Keys   [][]byte
}

// AddrSet is a set of IPv4 addresses, for IP4InSet.
func AddrSet(name string, addrs []netip.Addr) Set {
	s := Set{Name: name, Type: nftables.TypeIPAddr}
	for _, a := range addrs {
		b := a.As4()
		s.Keys = append(s.Keys, b[:])
	}
	return s
}

// elements are a set's keys as the library takes them.
func elements(keys [][]byte) []nftables.SetElement {
	out := make([]nftables.SetElement, 0, len(keys))
	for _, k := range keys {
		out = append(out, nftables.SetElement{Key: k})
	}
	return out
}

// ReplaceTable replaces the content of table inet berth in the network
// namespace nsFd with sets and chains, in one transaction (the table is
// emptied and filled in place; what is no longer wanted is deleted):
// packets see the old rules or the new, never none. A base chain's policy
// may change; its type, hook or priority may not (the kernel refuses).
func ReplaceTable(nsFd int, sets []Set, chains []Chain) error {
	return ReplaceFamilyTable(nsFd, nftables.TableFamilyINet, sets, chains)
}

// ReplaceFamilyTable is ReplaceTable for table <family> berth.
func ReplaceFamilyTable(nsFd int, family nftables.TableFamily, sets []Set, chains []Chain) error {
	c, err := nftables.New(nftables.WithNetNSFd(nsFd), nftables.WithSockOptions(bigBatches))
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	fail := func(err error) error {
		return fmt.Errorf("nftables table %s %s: %w", familyName[family], TableName, err)
	}
	t := &nftables.Table{Family: family, Name: TableName}
	// What the table has now, to remove what is no longer wanted. A table
	// that is not there has nothing.
	var haveSets []*nftables.Set
	var haveChains []*nftables.Chain
	if _, err := c.ListTableOfFamily(TableName, family); err == nil {
		if haveSets, err = c.GetSets(t); err != nil {
			return fail(err)
		}
		all, err := c.ListChainsOfTableFamily(family)
		if err != nil {
			return fail(err)
		}
		for _, ch := range all {
			if ch.Table.Name == TableName {
				haveChains = append(haveChains, ch)
			}
		}
	}
	// The table is emptied and filled in place rather than deleted and
	// made again: deleting a base chain unhooks it, which waits for an RCU
	// grace period (milliseconds) in the kernel.
	c.AddTable(t)
	c.FlushTable(t)
	for i, ss := range sets {
		// The id is ours to give (one per set in this transaction): left
		// zero, the library would take one from a global counter that
		// concurrent connections race on.
		set := &nftables.Set{Table: t, Name: ss.Name, ID: uint32(i + 1), KeyType: ss.Type, Concatenation: ss.Concat}
		if err := c.AddSet(set, nil); err != nil {
			return fail(fmt.Errorf("set %s: %w", ss.Name, err))
		}
		c.FlushSet(set)
		if err := c.SetAddElements(set, elements(ss.Keys)); err != nil {
			return fail(fmt.Errorf("set %s: %w", ss.Name, err))
		}
	}
	for _, cs := range chains {
		policy := cs.Policy
		ch := c.AddChain(&nftables.Chain{
			Name:     cs.Name,
			Table:    t,
			Type:     cmp.Or(cs.Type, nftables.ChainTypeFilter),
			Hooknum:  cs.Hook,
			Priority: cmp.Or(cs.Priority, nftables.ChainPriorityFilter),
			Policy:   &policy,
		})
		for _, exprs := range cs.Rules {
			c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: exprs})
		}
	}
	for _, ch := range haveChains {
		if !slices.ContainsFunc(chains, func(w Chain) bool { return w.Name == ch.Name }) {
			c.DelChain(ch)
		}
	}
	for _, set := range haveSets {
		if !slices.ContainsFunc(sets, func(w Set) bool { return w.Name == set.Name }) {
			c.DelSet(set)
		}
	}
	if err := c.Flush(); err != nil {
		return fail(err)
	}
	return nil
}

// ErrNoTable: the namespace has no table berth of that family, or it
// lacks a set.
var ErrNoTable = errors.New("nftables: no table " + TableName)

// AddToSet adds the keys of s to the set of that name in table <family>
// berth, in a transaction that removes nothing (see bridge.AllowPorts).
func AddToSet(nsFd int, family nftables.TableFamily, s Set) error {
	return AddToSets(nsFd, family, []Set{s})
}

// AddToSets is AddToSet for several sets, in one transaction.
func AddToSets(nsFd int, family nftables.TableFamily, sets []Set) error {
	c, err := nftables.New(nftables.WithNetNSFd(nsFd), nftables.WithSockOptions(bigBatches))
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	t := &nftables.Table{Family: family, Name: TableName}
	for _, s := range sets {
		// Named, not looked up: a set that is not there fails the
		// transaction (ENOENT), which is rare enough to pay for then.
		set := &nftables.Set{Table: t, Name: s.Name, KeyType: s.Type, Concatenation: s.Concat}
		if err := c.SetAddElements(set, elements(s.Keys)); err != nil {
			return err
		}
	}
	if err := c.Flush(); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return ErrNoTable
		}
		return fmt.Errorf("nftables table %s %s: sets: %w", familyName[family], TableName, err)
	}
	return nil
}

var familyName = map[nftables.TableFamily]string{nftables.TableFamilyINet: "inet", nftables.TableFamilyBridge: "bridge"}

// bigBatches lets a transaction of hundreds of rules through. The batch is
// one message, which must fit the socket's send buffer (EMSGSIZE past the
// default 208 KiB); the kernel acknowledges each part, and by default
// echoes it whole in the acknowledgement, which overflows the receive
// buffer (ENOBUFS). So: acknowledgements without the echo
// (NETLINK_CAP_ACK), and buffers of 8 MiB, forced past the system's
// maximums (berth runs with CAP_NET_ADMIN), or as large as allowed.
func bigBatches(c *netlink.Conn) error {
	if err := c.SetOption(netlink.CapAcknowledge, true); err != nil {
		return err
	}
	const size = 8 << 20
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var forced error
	if err := raw.Control(func(fd uintptr) {
		forced = errors.Join(
			unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, size),
			unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, size))
	}); err != nil {
		return err
	}
	if forced != nil {
		return errors.Join(c.SetWriteBuffer(size), c.SetReadBuffer(size))
	}
	return nil
}

// Join concatenates matches and a verdict into one rule.
func Join(parts ...[]expr.Any) []expr.Any {
	var out []expr.Any
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Verdict ends a rule.
func Verdict(k expr.VerdictKind) []expr.Any {
	return []expr.Any{&expr.Verdict{Kind: k}}
}

// IfName matches iifname or oifname (key) against name.
func IfName(key expr.MetaKey, name string) []expr.Any {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, name)
	return []expr.Any{
		&expr.Meta{Key: key, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: b},
	}
}

// CtStateIn matches connections whose ct state has any of bits.
func CtStateIn(bits uint32) []expr.Any { return ctBits(expr.CtKeySTATE, bits) }

// CtStatusDNAT is conntrack's IPS_DST_NAT status bit: the connection's
// destination was rewritten.
const CtStatusDNAT = 1 << 5

// CtStatusIn matches connections whose ct status has any of bits.
func CtStatusIn(bits uint32) []expr.Any { return ctBits(expr.CtKeySTATUS, bits) }

// ctBits matches connections whose conntrack key has any of bits.
func ctBits(key expr.CtKey, bits uint32) []expr.Any {
	return []expr.Any{
		&expr.Ct{Register: 1, Key: key},
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

// Established matches replies and related packets of known connections.
func Established() []expr.Any {
	return CtStateIn(expr.CtStateBitESTABLISHED | expr.CtStateBitRELATED)
}

// L4Proto matches the transport protocol.
func L4Proto(proto byte) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
	}
}

// IPv4 matches IPv4 packets.
func IPv4() []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.NFPROTO_IPV4}},
	}
}

// Addr says which address of the IPv4 header a match looks at.
type Addr uint32

// The offsets of the addresses in the IPv4 header.
const (
	Saddr Addr = 12
	Daddr Addr = 16
)

// IP4In matches IPv4 packets whose source or destination is in p; a /0
// matches every IPv4 packet.
func IP4In(which Addr, p netip.Prefix) []expr.Any {
	out := IPv4()
	if p.Bits() == 0 {
		return out
	}
	load := &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: uint32(which), Len: 4}
	net := p.Masked().Addr().As4()
	if p.Bits() == 32 {
		return append(out, load, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: net[:]})
	}
	mask := binary.BigEndian.AppendUint32(nil, ^uint32(0)<<(32-p.Bits()))
	return append(out, load,
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: mask, Xor: []byte{0, 0, 0, 0}},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: net[:]})
}

// IP4InSet matches IPv4 packets whose source or destination is in the
// i-th set given to ReplaceTable.
func IP4InSet(which Addr, sets []Set, i int) []expr.Any {
	return append(IPv4(),
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: uint32(which), Len: 4},
		Lookup(sets, i, 1))
}

// Lookup matches when the key loaded from register reg (1 for a 16-byte
// register, 8 and up for the 4-byte ones a concatenation is loaded into)
// is in the i-th set given to ReplaceTable.
func Lookup(sets []Set, i int, reg uint32) *expr.Lookup {
	return &expr.Lookup{SourceRegister: reg, SetName: sets[i].Name, SetID: uint32(i + 1)}
}

// Service is a TCP or UDP port of an address.
type Service struct {
	Addr  netip.Addr
	Proto uint8 // unix.IPPROTO_TCP or unix.IPPROTO_UDP
	Port  uint16
}

// ToService matches IPv4 packets to s.
func ToService(s Service) []expr.Any {
	return Join(IP4In(Daddr, netip.PrefixFrom(s.Addr, 32)), L4Proto(s.Proto), DportIn(s.Port, s.Port))
}

// DportIn matches a TCP or UDP destination port in [from, to] (after an
// L4Proto match).
func DportIn(from, to uint16) []expr.Any {
	load := &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2}
	if from == to {
		return []expr.Any{load, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.BigEndian.PutUint16(from)}}
	}
	return []expr.Any{load, &expr.Range{Op: expr.CmpOpEq, Register: 1,
		FromData: binaryutil.BigEndian.PutUint16(from), ToData: binaryutil.BigEndian.PutUint16(to)}}
}

// ICMPField matches the ICMP type (offset 0) or code (offset 1) (after an
// L4Proto match).
func ICMPField(offset uint32, v byte) []expr.Any {
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: offset, Len: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{v}},
	}
}

// DNAT rewrites an IPv4 packet's destination to a.
func DNAT(a netip.Addr) []expr.Any {
	b := a.As4()
	return []expr.Any{
		&expr.Immediate{Register: 1, Data: b[:]},
		&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: 1},
	}
}
