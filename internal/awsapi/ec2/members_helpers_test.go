package ec2

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
	"github.com/berth-dev/berth/internal/store"
)

// oracleSecurityPolicy is SecurityPolicy as it was before the member
// index: it lists and decodes every ENI of the scope. The tests hold the
// index to it (with members sorted, which the listing did not do).
func oracleSecurityPolicy(ctx context.Context, s *Service, account, region string, groups []string) (*agentapi.SecurityPolicy, error) {
	sc := scope{account: account, region: region}
	p := &agentapi.SecurityPolicy{Rules: map[string][]agentapi.SGRule{}, Members: map[string][]string{}}
	named := map[string]bool{}
	for _, id := range groups {
		g, _, err := s.groups().Get(ctx, sc.key(kindSG, id))
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		rules := []agentapi.SGRule{}
		for _, r := range g.Rules {
			sr := agentapi.SGRule{Egress: r.IsEgress, Protocol: r.IpProtocol, FromPort: r.FromPort, ToPort: r.ToPort, CIDR: r.CidrIpv4}
			if r.ReferencedGroupInfo != nil {
				sr.Group = r.ReferencedGroupInfo.GroupId
				named[sr.Group] = true
			}
			rules = append(rules, sr)
		}
		p.Rules[id] = rules
	}
	if len(named) == 0 {
		return p, nil
	}
	enis, err := s.listENIs(ctx, sc)
	if err != nil {
		return nil, err
	}
	for _, e := range enis {
		for _, g := range e.Groups {
			if named[g.GroupId] && !slices.Contains(p.Members[g.GroupId], e.PrivateIpAddress) {
				p.Members[g.GroupId] = append(p.Members[g.GroupId], e.PrivateIpAddress)
			}
		}
	}
	for _, m := range p.Members {
		slices.Sort(m)
	}
	return p, nil
}

// testStore wraps a store to break, slow down or hold back what the
// member index uses: watches from a revision (the index's; NetworkChanges
// watches from 0) and the listing of every ENI.
type testStore struct {
	store.Store

	mu      sync.Mutex
	cancels []context.CancelFunc
	delay   time.Duration // of each event of a watch from a revision
	hold    chan struct{} // while open, listing every ENI waits
}

// breakWatches closes every watch so far while its caller's ctx lives, as
// a compaction or a lost leader does.
func (ts *testStore) breakWatches() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for _, c := range ts.cancels {
		c()
	}
	ts.cancels = nil
}

// waitWatches waits until n watches have started since the last break.
func (ts *testStore) waitWatches(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ts.mu.Lock()
		started := len(ts.cancels)
		ts.mu.Unlock()
		if started >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d watches started, want %d", started, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func (ts *testStore) List(ctx context.Context, prefix string, opts store.ListOptions) (store.ListResult, error) {
	ts.mu.Lock()
	hold := ts.hold
	ts.mu.Unlock()
	if hold != nil && prefix == "/"+kindENI+"/" {
		select {
		case <-hold:
		case <-ctx.Done():
			return store.ListResult{}, ctx.Err()
		}
	}
	return ts.Store.List(ctx, prefix, opts)
}

func (ts *testStore) Watch(ctx context.Context, prefix string, fromRev int64) <-chan store.Event {
	wctx, cancel := context.WithCancel(ctx)
	ts.mu.Lock()
	ts.cancels = append(ts.cancels, cancel)
	delay := ts.delay
	ts.mu.Unlock()
	in := ts.Store.Watch(wctx, prefix, fromRev)
	if delay == 0 || fromRev == 0 {
		return in
	}
	out := make(chan store.Event)
	go func() {
		defer close(out)
		for ev := range in {
			time.Sleep(delay)
			select {
			case out <- ev:
			case <-wctx.Done():
				for range in {
				}
				return
			}
		}
	}()
	return out
}

// runIndex runs s.RunIndex for the test's length and waits for it to end.
func runIndex(t testing.TB, s *Service) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.RunIndex(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// waitIndex waits until the index is ready and reflects revision rev.
func waitIndex(t testing.TB, s *Service, rev int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.members.mu.Lock()
		ok := s.members.ready && s.members.rev >= rev
		s.members.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the member index did not reach revision %d", rev)
		}
		time.Sleep(time.Millisecond)
	}
}

// indexReady reports whether SecurityPolicy reads the index now.
func indexReady(s *Service) bool {
	s.members.mu.Lock()
	defer s.members.mu.Unlock()
	return s.members.ready
}

// putGroup writes a group whose rules let in each of refs (by group id)
// and everything out.
func putGroup(t testing.TB, s *Service, sc scope, id string, refs ...string) {
	t.Helper()
	g := sgRecord{Group: ec2types.SecurityGroup{GroupId: id, VpcId: "vpc-1", OwnerId: sc.account, GroupName: id}}
	g.Rules = append(g.Rules, ec2types.SecurityGroupRule{GroupId: id, IsEgress: true, IpProtocol: "-1", CidrIpv4: "0.0.0.0/0"})
	for _, r := range refs {
		g.Rules = append(g.Rules, ec2types.SecurityGroupRule{GroupId: id, IpProtocol: "tcp", FromPort: 80, ToPort: 80,
			ReferencedGroupInfo: &ec2types.ReferencedSecurityGroup{GroupId: r, UserId: sc.account}})
	}
	if _, err := s.groups().Create(context.Background(), sc.key(kindSG, id), &g); err != nil {
		t.Fatal(err)
	}
}

// putENI writes (creates or replaces) an ENI record and returns its
// revision.
func putENI(t testing.TB, s *Service, sc scope, id, addr string, groups ...string) int64 {
	t.Helper()
	v := ec2types.NetworkInterface{NetworkInterfaceId: id, PrivateIpAddress: addr, OwnerId: sc.account, Status: "in-use"}
	for _, g := range groups {
		v.Groups = append(v.Groups, ec2types.GroupIdentifier{GroupId: g})
	}
	ctx := context.Background()
	_, rev, err := s.enis().Mutate(ctx, sc.key(kindENI, id), func(old *ec2types.NetworkInterface) error {
		*old = v
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		rev, err = s.enis().Create(ctx, sc.key(kindENI, id), &v)
	}
	if err != nil {
		t.Fatal(err)
	}
	return rev
}
