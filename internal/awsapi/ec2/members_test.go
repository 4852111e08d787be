package ec2

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
	"github.com/berth-dev/berth/internal/store"
	"github.com/berth-dev/berth/internal/store/memstore"
	"github.com/google/go-cmp/cmp"
)

var (
	scopeA = scope{account: "123456789012", region: "us-east-1"}
	scopeB = scope{account: "123456789012", region: "eu-west-1"}
	// sentinel is a scope of its own whose writes tell when the index has
	// caught up with the test's writes (a delete returns no revision).
	sentinel = scope{account: "000000000000", region: "sentinel"}
)

// testGroups are the groups of scopes A and B: sg-0 names itself (as a
// default group does), sg-1 names sg-0 and sg-2, sg-2 names nothing, and
// sg-3 names sg-4, which no ENI can be in.
var testGroups = map[string][]string{"sg-0": {"sg-0"}, "sg-1": {"sg-0", "sg-2"}, "sg-2": nil, "sg-3": {"sg-4"}}

// policyCalls are the group lists SecurityPolicy is asked for, as tasks
// name them (sg-9 does not exist).
var policyCalls = [][]string{{"sg-0"}, {"sg-1"}, {"sg-2"}, {"sg-3"}, {"sg-0", "sg-1"}, {"sg-1", "sg-9"}, nil}

func newMemberTest(t testing.TB) (*Service, *testStore) {
	t.Helper()
	ts := &testStore{Store: memstore.New()}
	t.Cleanup(func() { ts.Close() })
	s := New(ts)
	for _, sc := range []scope{scopeA, scopeB} {
		for id, refs := range testGroups {
			putGroup(t, s, sc, id, refs...)
		}
	}
	return s, ts
}

// checkPolicies compares every policyCalls answer of s in both scopes
// with the oracle's.
func checkPolicies(t *testing.T, s *Service, step string) {
	t.Helper()
	ctx := context.Background()
	for _, sc := range []scope{scopeA, scopeB} {
		for _, groups := range policyCalls {
			got, err := s.SecurityPolicy(ctx, sc.account, sc.region, groups)
			if err != nil {
				t.Fatalf("%s: SecurityPolicy %v: %v", step, groups, err)
			}
			want, err := oracleSecurityPolicy(ctx, s, sc.account, sc.region, groups)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("%s: SecurityPolicy(%s, %v) differs from the listing (-listing +got):\n%s", step, sc.region, groups, diff)
			}
		}
	}
}

// TestMemberIndexMatchesListing runs random sequences of ENI creations,
// deletions, regroupings, account-wide deletions and broken watches, and
// after each compares SecurityPolicy, served by the index, with the
// listing it replaces.
func TestMemberIndexMatchesListing(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			s, ts := newMemberTest(t)
			ctx := context.Background()
			rnd := rand.New(rand.NewPCG(seed, 7))
			type live struct {
				sc scope
				id string
			}
			var enis []live
			// Before RunIndex: the index's first listing has these.
			for i := range 5 {
				sc := []scope{scopeA, scopeB}[i%2]
				id := fmt.Sprintf("eni-pre%d", i)
				putENI(t, s, sc, id, fmt.Sprintf("10.0.0.%d", i+1), "sg-0")
				enis = append(enis, live{sc, id})
			}
			runIndex(t, s)
			randomGroups := func() []string {
				var gs []string
				for range rnd.IntN(4) {
					gs = append(gs, fmt.Sprintf("sg-%d", rnd.IntN(4))) // repeats too
				}
				return gs
			}
			// Few addresses, so that ENIs share them (VPCs that overlap).
			randomAddr := func() string { return fmt.Sprintf("10.0.0.%d", 1+rnd.IntN(8)) }
			for step := range 100 {
				var what string
				switch op := rnd.IntN(20); {
				case op < 8 || len(enis) == 0:
					sc := []scope{scopeA, scopeB}[rnd.IntN(2)]
					id := newID("eni")
					putENI(t, s, sc, id, randomAddr(), randomGroups()...)
					enis = append(enis, live{sc, id})
					what = "create"
				case op < 13:
					i := rnd.IntN(len(enis))
					if err := s.enis().Delete(ctx, enis[i].sc.key(kindENI, enis[i].id), 0); err != nil {
						t.Fatal(err)
					}
					enis = slices.Delete(enis, i, i+1)
					what = "delete"
				case op < 18:
					e := enis[rnd.IntN(len(enis))]
					putENI(t, s, e.sc, e.id, randomAddr(), randomGroups()...)
					what = "regroup"
				case op < 19:
					sc := []scope{scopeA, scopeB}[rnd.IntN(2)]
					if _, err := s.store.DeletePrefix(ctx, sc.prefix(kindENI)); err != nil {
						t.Fatal(err)
					}
					enis = slices.DeleteFunc(enis, func(e live) bool { return e.sc == sc })
					what = "delete the scope's ENIs"
				default:
					ts.breakWatches()
					// Changed while the index lists again.
					sc := []scope{scopeA, scopeB}[rnd.IntN(2)]
					id := newID("eni")
					putENI(t, s, sc, id, randomAddr(), randomGroups()...)
					enis = append(enis, live{sc, id})
					what = "break the watch"
				}
				waitIndex(t, s, putENI(t, s, sentinel, "eni-sentinel", strconv.Itoa(step)))
				checkPolicies(t, s, fmt.Sprintf("step %d (%s)", step, what))
			}
			// Everything gone: nothing is left behind in the index.
			for _, sc := range []scope{scopeA, scopeB} {
				if _, err := s.store.DeletePrefix(ctx, sc.prefix(kindENI)); err != nil {
					t.Fatal(err)
				}
			}
			waitIndex(t, s, putENI(t, s, sentinel, "eni-sentinel", "end"))
			checkPolicies(t, s, "all deleted")
			s.members.mu.Lock()
			defer s.members.mu.Unlock()
			if len(s.members.enis) != 1 || len(s.members.groups) != 0 {
				t.Errorf("index keeps %d ENIs and %d scopes of groups, want the sentinel alone", len(s.members.enis), len(s.members.groups))
			}
		})
	}
}

// TestSecurityPolicyWithoutIndex: without RunIndex, before its first
// listing is in and after it stopped, SecurityPolicy lists the ENIs.
func TestSecurityPolicyWithoutIndex(t *testing.T) {
	s, ts := newMemberTest(t)
	putENI(t, s, scopeA, "eni-1", "10.0.0.1", "sg-0")
	putENI(t, s, scopeA, "eni-2", "10.0.0.2", "sg-0", "sg-2")
	putENI(t, s, scopeB, "eni-3", "10.0.0.3", "sg-2")
	checkPolicies(t, s, "no index")

	ts.hold = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.RunIndex(ctx)
	}()
	putENI(t, s, scopeA, "eni-4", "10.0.0.4", "sg-0")
	if indexReady(s) {
		t.Fatal("index ready before its listing")
	}
	checkPolicies(t, s, "before the first listing")
	close(ts.hold)
	waitIndex(t, s, putENI(t, s, scopeB, "eni-5", "10.0.0.5", "sg-0"))
	checkPolicies(t, s, "indexed")

	// A second RunIndex returns at once, leaving the first one running.
	s.RunIndex(context.Background())
	if !indexReady(s) {
		t.Fatal("a second RunIndex stopped the index")
	}
	cancel()
	<-done
	if indexReady(s) {
		t.Fatal("index ready after RunIndex returned")
	}
	putENI(t, s, scopeA, "eni-6", "10.0.0.6", "sg-0")
	checkPolicies(t, s, "after RunIndex returned")
}

// TestSecurityPolicyDeterministic: the members come out sorted, whatever
// order the ENIs were made in, on every call.
func TestSecurityPolicyDeterministic(t *testing.T) {
	addrs := []string{"10.0.0.9", "10.0.0.10", "10.0.1.1", "10.0.0.2", "10.0.0.200"}
	var first map[string][]string
	for round, indexed := range []bool{false, true, false, true} {
		s, _ := newMemberTest(t)
		if indexed {
			runIndex(t, s)
		}
		order := rand.Perm(len(addrs))
		var rev int64
		for _, i := range order {
			rev = putENI(t, s, scopeA, newID("eni"), addrs[i], "sg-0")
		}
		if indexed {
			waitIndex(t, s, rev)
		}
		for range 3 {
			p, err := s.SecurityPolicy(context.Background(), scopeA.account, scopeA.region, []string{"sg-0"})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.IsSorted(p.Members["sg-0"]) || len(p.Members["sg-0"]) != len(addrs) {
				t.Fatalf("round %d: members %v, want all %d sorted", round, p.Members["sg-0"], len(addrs))
			}
			if first == nil {
				first = p.Members
			} else if diff := cmp.Diff(first, p.Members); diff != "" {
				t.Fatalf("round %d (order %v, indexed %v): members changed:\n%s", round, order, indexed, diff)
			}
		}
	}
}

// TestNetworkChangesAfterIndex: an ENI change is signalled only once the
// index has it, so that the policies read on the signal (the enforcer's
// round) include it even when the index's watch lags.
func TestNetworkChangesAfterIndex(t *testing.T) {
	s, ts := newMemberTest(t)
	const lag = 50 * time.Millisecond
	ts.delay = lag
	runIndex(t, s)
	waitIndex(t, s, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes, err := s.NetworkChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ts.waitWatches(t, 3) // the index's, and NetworkChanges' two
	for i := range 3 {
		addr := fmt.Sprintf("10.0.0.%d", i+1)
		start := time.Now()
		putENI(t, s, scopeA, newID("eni"), addr, "sg-0")
		select {
		case <-changes:
		case <-time.After(5 * time.Second):
			t.Fatalf("no signal for new ENI %d", i)
		}
		if waited := time.Since(start); waited < lag {
			t.Errorf("signalled after %v, before the index's watch (%v)", waited, lag)
		}
		p, err := s.SecurityPolicy(ctx, scopeA.account, scopeA.region, []string{"sg-0"})
		if err != nil {
			t.Fatal(err)
		}
		if !indexReady(s) || !slices.Contains(p.Members["sg-0"], addr) {
			t.Fatalf("on the signal, the index's members %v lack %s", p.Members["sg-0"], addr)
		}
	}
	cancel()
	for range changes { // closes once both watches end
	}
}

// TestAwaitGivesUp: await does not hold a signal back when the index is
// not running, nor past ctx.
func TestAwaitGivesUp(t *testing.T) {
	var x memberIndex
	x.await(context.Background(), 1e9) // not running: at once
	if !x.start() || x.start() {
		t.Fatal("start: want true, then false while running")
	}
	defer x.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	x.await(ctx, 1e9)
	if d := time.Since(start); d > awaitLimit/2 {
		t.Fatalf("await outlived its ctx by %v", d)
	}
	x.reset([]store.Item[ec2types.NetworkInterface]{}, 5)
	x.await(context.Background(), 5) // caught up: at once
}

// BenchmarkSecurityPolicy reads the policy of a task in the default-like
// group sg-0 (which names itself) among n ENIs, from the index and from a
// listing.
func BenchmarkSecurityPolicy(b *testing.B) {
	for _, n := range []int{100, 1000} {
		for _, indexed := range []bool{false, true} {
			b.Run(fmt.Sprintf("enis=%d/indexed=%v", n, indexed), func(b *testing.B) {
				s, _ := newMemberTest(b)
				var rev int64
				for i := range n {
					rev = putENI(b, s, scopeA, fmt.Sprintf("eni-%05d", i), fmt.Sprintf("10.0.%d.%d", i/250, 1+i%250), "sg-0")
				}
				if indexed {
					runIndex(b, s)
					waitIndex(b, s, rev)
				}
				b.ResetTimer()
				for b.Loop() {
					if _, err := s.SecurityPolicy(context.Background(), scopeA.account, scopeA.region, []string{"sg-0"}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestIndexIgnoresOlderChanges: a change the index already has a newer
// state of (the watch from a listing's first page repeating what a later
// page showed) changes nothing.
func TestIndexIgnoresOlderChanges(t *testing.T) {
	var x memberIndex
	x.start()
	defer x.stop()
	key := scopeA.key(kindENI, "eni-1")
	eni := func(group string) ec2types.NetworkInterface {
		return ec2types.NetworkInterface{PrivateIpAddress: "10.0.0.1", Groups: []ec2types.GroupIdentifier{{GroupId: group}}}
	}
	x.reset([]store.Item[ec2types.NetworkInterface]{{Key: key, Value: eni("sg-1"), Revision: 10}}, 5)
	named := map[string]bool{"sg-1": true, "sg-2": true}
	want := map[string][]string{"sg-1": {"10.0.0.1"}}
	older := eni("sg-2")
	x.put(key, 8, &older)
	x.remove(key, 9)
	if got, _ := x.members(scopeA, named); !cmp.Equal(got, want) || x.rev != 9 {
		t.Fatalf("after older changes: %v at %d, want %v at 9", got, x.rev, want)
	}
	x.put(key, 11, &older)
	if got, _ := x.members(scopeA, named); !cmp.Equal(got, map[string][]string{"sg-2": {"10.0.0.1"}}) {
		t.Fatalf("after a newer put: %v", got)
	}
	x.remove(key, 12)
	if got, _ := x.members(scopeA, named); len(got) != 0 || len(x.groups) != 0 {
		t.Fatalf("after the delete: %v, %d scopes left", got, len(x.groups))
	}
}

// TestSecurityPolicyConcurrent reads policies while ENIs come and go (for
// the race detector), then checks the end state.
func TestSecurityPolicyConcurrent(t *testing.T) {
	s, _ := newMemberTest(t)
	runIndex(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if _, err := s.SecurityPolicy(ctx, scopeA.account, scopeA.region, []string{"sg-0", "sg-1"}); err != nil && ctx.Err() == nil {
				t.Error(err)
				return
			}
		}
	}()
	for i := range 40 {
		id := fmt.Sprintf("eni-%d", i)
		putENI(t, s, scopeA, id, fmt.Sprintf("10.0.0.%d", i+1), "sg-0")
		if i%3 == 0 {
			if err := s.enis().Delete(ctx, scopeA.key(kindENI, id), 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	cancel()
	<-done
	waitIndex(t, s, putENI(t, s, sentinel, "eni-sentinel", "end"))
	checkPolicies(t, s, "after concurrent reads")
}
