// Package ipam hands out the private IPv4 addresses of a subnet, as a VPC
// does for ENIs: never the same address twice at once, never one of the
// five AWS keeps in every subnet (the network address, .1 the VPC router,
// .2 the DNS resolver, .3 reserved, and the broadcast address), and freed
// when its owner lets go.
//
// A subnet's allocations are one store record, changed by compare-and-swap,
// so servers sharing the store never hand out one address twice.
package ipam

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/berth-dev/berth/internal/store"
)

// ErrExhausted: the subnet has no free address.
var ErrExhausted = errors.New("ipam: no free address in the subnet")

// Pool is one subnet's allocations, as stored.
type Pool struct {
	CIDR string `json:"cidr"`
	// Owners maps an allocated address to what holds it (an ENI id).
	Owners map[string]string `json:"owners,omitempty"`
	// Next is where the search for a free address starts, so that a
	// released address is not reused at once (connections to it die out
	// first), as AWS does not promptly reuse them either.
	Next string `json:"next,omitempty"`
}

// Reserved reports whether AWS keeps addr in prefix: the network address,
// the next three and the broadcast address.
func Reserved(prefix netip.Prefix, addr netip.Addr) bool {
	first := prefix.Masked().Addr()
	for i := 0; i < 4; i++ {
		if addr == first {
			return true
		}
		first = first.Next()
	}
	return addr == last(prefix)
}

// Usable is how many addresses of prefix can be handed out.
func Usable(prefix netip.Prefix) int {
	return 1<<(32-prefix.Bits()) - 5
}

func last(prefix netip.Prefix) netip.Addr {
	b := prefix.Masked().Addr().As4()
	host := uint32(1)<<(32-prefix.Bits()) - 1
	v := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// pick returns the first free, unreserved address at or after start,
// wrapping around the subnet once.
func pick(prefix netip.Prefix, owners map[string]string, start netip.Addr) (netip.Addr, bool) {
	if !start.IsValid() || !prefix.Contains(start) {
		start = prefix.Masked().Addr()
	}
	a := start
	for range 1 << (32 - prefix.Bits()) {
		if _, taken := owners[a.String()]; !taken && !Reserved(prefix, a) {
			return a, true
		}
		a = a.Next()
		if !prefix.Contains(a) {
			a = prefix.Masked().Addr()
		}
	}
	return netip.Addr{}, false
}

// Allocator allocates in the pools kept in a store.
type Allocator struct {
	S store.Store
}

func (al Allocator) pools() store.Typed[Pool] { return store.Typed[Pool]{S: al.S} }

// Create makes the pool of a subnet; creating an existing pool of the same
// CIDR is not an error.
func (al Allocator) Create(ctx context.Context, key, cidr string) error {
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil || !prefix.Addr().Is4() || prefix.Bits() > 28 {
		return fmt.Errorf("ipam: %q is not an IPv4 subnet of /28 or larger", cidr)
	}
	_, err = al.pools().Create(ctx, key, &Pool{CIDR: prefix.Masked().String()})
	if errors.Is(err, store.ErrAlreadyExists) {
		return nil
	}
	return err
}

// Allocate gives owner an address of the pool at key. An owner that holds
// one already gets the same one back (safe to retry).
func (al Allocator) Allocate(ctx context.Context, key, owner string) (netip.Addr, error) {
	var got netip.Addr
	_, _, err := al.pools().Mutate(ctx, key, func(p *Pool) error {
		for addr, o := range p.Owners {
			if o == owner {
				got = netip.MustParseAddr(addr)
				return nil
			}
		}
		prefix := netip.MustParsePrefix(p.CIDR)
		start, _ := netip.ParseAddr(p.Next)
		a, ok := pick(prefix, p.Owners, start)
		if !ok {
			return ErrExhausted
		}
		if p.Owners == nil {
			p.Owners = map[string]string{}
		}
		p.Owners[a.String()] = owner
		p.Next = a.Next().String()
		got = a
		return nil
	})
	if err != nil {
		return netip.Addr{}, fmt.Errorf("ipam: allocating in %s: %w", key, err)
	}
	return got, nil
}

// Release frees what owner holds in the pool at key. Releasing twice, or
// from a pool that is gone, is not an error.
func (al Allocator) Release(ctx context.Context, key, owner string) error {
	_, _, err := al.pools().Mutate(ctx, key, func(p *Pool) error {
		for addr, o := range p.Owners {
			if o == owner {
				delete(p.Owners, addr)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("ipam: releasing in %s: %w", key, err)
	}
	return nil
}

// Free is how many addresses the pool at key can still hand out.
func (al Allocator) Free(ctx context.Context, key string) (int, error) {
	p, _, err := al.pools().Get(ctx, key)
	if err != nil {
		return 0, err
	}
	return Usable(netip.MustParsePrefix(p.CIDR)) - len(p.Owners), nil
}
