package ipam

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"

	"github.com/berth-dev/berth/internal/store/memstore"
)

func TestReserved(t *testing.T) {
	p := netip.MustParsePrefix("10.0.1.0/24")
	for addr, want := range map[string]bool{
		"10.0.1.0": true, "10.0.1.1": true, "10.0.1.2": true, "10.0.1.3": true, "10.0.1.255": true,
		"10.0.1.4": false, "10.0.1.254": false, "10.0.1.100": false,
	} {
		if got := Reserved(p, netip.MustParseAddr(addr)); got != want {
			t.Errorf("Reserved(%s) = %v, want %v", addr, got, want)
		}
	}
	if Usable(p) != 251 || Usable(netip.MustParsePrefix("10.0.0.0/28")) != 11 {
		t.Fatal("usable counts")
	}
}

func TestAllocateReleaseExhaust(t *testing.T) {
	ctx := context.Background()
	al := Allocator{S: memstore.New()}
	if err := al.Create(ctx, "/pool/a", "10.0.0.0/28"); err != nil {
		t.Fatal(err)
	}
	seen := map[netip.Addr]bool{}
	for i := range 11 {
		a, err := al.Allocate(ctx, "/pool/a", fmt.Sprintf("eni-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		if seen[a] || Reserved(netip.MustParsePrefix("10.0.0.0/28"), a) {
			t.Fatalf("bad address %s", a)
		}
		seen[a] = true
	}
	if a, _ := al.Allocate(ctx, "/pool/a", "eni-3"); !seen[a] {
		t.Fatal("retrying an owner's allocation gave another address")
	}
	if _, err := al.Allocate(ctx, "/pool/a", "eni-x"); !errors.Is(err, ErrExhausted) {
		t.Fatalf("full pool: %v", err)
	}
	if err := al.Release(ctx, "/pool/a", "eni-5"); err != nil {
		t.Fatal(err)
	}
	if err := al.Release(ctx, "/pool/a", "eni-5"); err != nil {
		t.Fatal("second release:", err)
	}
	if free, _ := al.Free(ctx, "/pool/a"); free != 1 {
		t.Fatalf("free %d, want 1", free)
	}
	if _, err := al.Allocate(ctx, "/pool/a", "eni-y"); err != nil {
		t.Fatalf("after a release: %v", err)
	}
}

func TestReleasedAddressIsNotReusedAtOnce(t *testing.T) {
	ctx := context.Background()
	al := Allocator{S: memstore.New()}
	_ = al.Create(ctx, "/p", "10.0.0.0/24")
	a, _ := al.Allocate(ctx, "/p", "one")
	_ = al.Release(ctx, "/p", "one")
	b, _ := al.Allocate(ctx, "/p", "two")
	if a == b {
		t.Fatalf("address %s handed out again at once", a)
	}
}

// TestConcurrentAllocationsNeverCollide runs allocators racing on one
// pool: compare-and-swap must keep every address unique.
func TestConcurrentAllocationsNeverCollide(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	al := Allocator{S: st}
	_ = al.Create(ctx, "/p", "10.0.0.0/24")
	var mu sync.Mutex
	got := map[netip.Addr]string{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				owner := fmt.Sprintf("w%d-%d", w, i)
				a, err := (Allocator{S: st}).Allocate(ctx, "/p", owner)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if prev, dup := got[a]; dup {
					t.Errorf("%s given to %s and %s", a, prev, owner)
				}
				got[a] = owner
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(got) != 200 {
		t.Fatalf("%d addresses, want 200", len(got))
	}
}

func TestCreateRejectsBadSubnets(t *testing.T) {
	al := Allocator{S: memstore.New()}
	for _, cidr := range []string{"10.0.0.0/29", "nonsense", "fd00::/64"} {
		if err := al.Create(context.Background(), "/p/"+cidr, cidr); err == nil {
			t.Errorf("Create(%q) accepted", cidr)
		}
	}
}
