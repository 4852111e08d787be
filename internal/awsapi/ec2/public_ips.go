package ec2

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/berth-dev/berth/internal/network/ipam"
	"github.com/berth-dev/berth/internal/store"
)

// Public addresses (assignPublicIp) come from one pool per server, shared
// by every account and region, since they must not repeat on the host's
// network. An address is owned by its ENI's store key, so that an address
// whose ENI went without releasing it (a state reset deletes an account's
// ENIs wholesale) can be found and taken back.

// publicPoolKey is the pool's store key; it names the block, so a server
// given another block starts a new pool.
func publicPoolKey(cidr string) string {
	return "/ec2-public-ip/" + strings.ReplaceAll(cidr, "/", "_")
}

// ValidPublicCIDR checks a --public-cidr value: IPv4, /28 or wider.
func ValidPublicCIDR(cidr string) error {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() || p.Bits() > 28 || p.Bits() < 8 || p != p.Masked() {
		return fmt.Errorf("public CIDR %q: want an IPv4 block from /8 to /28, e.g. %s", cidr, DefaultPublicCIDR)
	}
	if netip.MustParsePrefix("169.254.0.0/16").Overlaps(p) || netip.MustParsePrefix("127.0.0.0/8").Overlaps(p) {
		return fmt.Errorf("public CIDR %q: link-local and loopback addresses can't be public", cidr)
	}
	return nil
}

// allocatePublic takes a public address for the ENI at eniKey.
func (s *Service) allocatePublic(ctx context.Context, eniKey string) (netip.Addr, error) {
	al := ipam.Allocator{S: s.store}
	key := publicPoolKey(s.PublicCIDR)
	if err := al.Create(ctx, key, s.PublicCIDR); err != nil {
		return netip.Addr{}, err
	}
	a, err := al.Allocate(ctx, key, eniKey)
	if !errors.Is(err, ipam.ErrExhausted) {
		return a, err
	}
	if err := s.reclaimPublic(ctx, key); err != nil {
		return netip.Addr{}, err
	}
	return al.Allocate(ctx, key, eniKey)
}

// reclaimPublic frees the addresses whose ENI is gone.
func (s *Service) reclaimPublic(ctx context.Context, key string) error {
	p, _, err := (store.Typed[ipam.Pool]{S: s.store}).Get(ctx, key)
	if err != nil {
		return err
	}
	al := ipam.Allocator{S: s.store}
	for _, owner := range p.Owners {
		if _, err := s.store.Get(ctx, owner); errors.Is(err, store.ErrNotFound) {
			if err := al.Release(ctx, key, owner); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
	}
	return nil
}

// releasePublic frees the public address of the ENI at eniKey, if any.
func (s *Service) releasePublic(ctx context.Context, eniKey string) error {
	return (ipam.Allocator{S: s.store}).Release(ctx, publicPoolKey(s.PublicCIDR), eniKey)
}
