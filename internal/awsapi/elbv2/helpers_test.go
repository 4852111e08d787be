package elbv2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/store"
	"github.com/berth-dev/berth/internal/store/memstore"
)

const (
	testAccount = "123456789012"
	testRegion  = "us-east-1"
)

// fakeNet is a Network of two VPCs:
//
//	vpc-1 10.0.0.0/16: subnet-a 10.0.1.0/24 (us-east-1a), subnet-b
//	  10.0.2.0/24 (us-east-1b), subnet-c 10.0.3.0/24 (us-east-1a);
//	  groups sg-default1 (default) and sg-web
//	vpc-2 172.31.0.0/16: subnet-x (us-east-1a), subnet-y (us-east-1b);
//	  group sg-default2 (default)
type fakeNet struct {
	mu      sync.Mutex
	vpcs    map[string]*VPC
	groups  map[string]string // group → VPC
	enis    map[string]ENI
	next    int
	failENI error // CreateLoadBalancerENIs fails with it when set
	deleted []string
}

func newFakeNet() *fakeNet {
	sub := func(id, vpc, az, cidr string) Subnet {
		return Subnet{ID: id, VpcID: vpc, AvailabilityZone: az, CIDR: netip.MustParsePrefix(cidr)}
	}
	return &fakeNet{
		vpcs: map[string]*VPC{
			"vpc-1": {ID: "vpc-1", CIDRs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}, Subnets: []Subnet{
				sub("subnet-a", "vpc-1", "us-east-1a", "10.0.1.0/24"),
				sub("subnet-b", "vpc-1", "us-east-1b", "10.0.2.0/24"),
				sub("subnet-c", "vpc-1", "us-east-1a", "10.0.3.0/24"),
			}},
			"vpc-2": {ID: "vpc-2", CIDRs: []netip.Prefix{netip.MustParsePrefix("172.31.0.0/16")}, Subnets: []Subnet{
				sub("subnet-x", "vpc-2", "us-east-1a", "172.31.1.0/24"),
				sub("subnet-y", "vpc-2", "us-east-1b", "172.31.2.0/24"),
			}},
		},
		groups: map[string]string{"sg-default1": "vpc-1", "sg-web": "vpc-1", "sg-default2": "vpc-2"},
		enis:   map[string]ENI{},
	}
}

func (n *fakeNet) subnet(id string) (Subnet, bool) {
	for _, v := range n.vpcs {
		for _, s := range v.Subnets {
			if s.ID == id {
				return s, true
			}
		}
	}
	return Subnet{}, false
}

func (n *fakeNet) LoadBalancerSubnets(_ context.Context, req SubnetsRequest) (*LoadBalancerNetwork, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := &LoadBalancerNetwork{}
	for _, id := range req.Subnets {
		s, ok := n.subnet(id)
		if !ok {
			return nil, &NetworkError{Code: elbv2types.ErrSubnetNotFoundException, Message: fmt.Sprintf("The subnet ID '%s' does not exist", id)}
		}
		if out.VpcID != "" && s.VpcID != out.VpcID {
			return nil, &NetworkError{Code: elbv2types.ErrInvalidSubnetException, Message: "subnets of different VPCs"}
		}
		out.VpcID = s.VpcID
		out.Subnets = append(out.Subnets, s)
	}
	for _, g := range req.SecurityGroups {
		if n.groups[g] != out.VpcID {
			return nil, &NetworkError{Code: elbv2types.ErrInvalidSecurityGroupException, Message: fmt.Sprintf("Security group '%s' does not exist", g)}
		}
	}
	out.SecurityGroups = slices.Clone(req.SecurityGroups)
	if len(out.SecurityGroups) == 0 {
		out.SecurityGroups = []string{"sg-default" + strings.TrimPrefix(out.VpcID, "vpc-")}
	}
	return out, nil
}

func (n *fakeNet) VPC(_ context.Context, account, region, id string) (*VPC, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if v, ok := n.vpcs[id]; ok && account == testAccount && region == testRegion {
		c := *v
		return &c, nil
	}
	return nil, nil
}

func (n *fakeNet) CreateLoadBalancerENIs(_ context.Context, req ENIRequest) ([]ENI, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.failENI != nil {
		return nil, n.failENI
	}
	var out []ENI
	for _, id := range req.Subnets {
		s, _ := n.subnet(id)
		n.next++
		a := s.CIDR.Addr().As4()
		a[3] = byte(10 + n.next)
		e := ENI{ID: fmt.Sprintf("eni-%04d", n.next), SubnetID: id, AvailabilityZone: s.AvailabilityZone, PrivateIP: netip.AddrFrom4(a)}
		n.enis[e.ID] = e
		out = append(out, e)
	}
	return out, nil
}

func (n *fakeNet) DeleteLoadBalancerENIs(_ context.Context, _, _ string, ids []string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, id := range ids {
		delete(n.enis, id)
		n.deleted = append(n.deleted, id)
	}
	return nil
}

func (n *fakeNet) eniCount() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.enis)
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is a service over a memory store and a fake network, with a
// context acting in testAccount and testRegion.
type env struct {
	*Service
	ctx   context.Context
	net   *fakeNet
	clock *fakeClock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	n := newFakeNet()
	s := New(memstore.New(), n)
	c := &fakeClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	s.now = c.Now
	ctx := protocol.WithRequest(context.Background(), &protocol.RequestInfo{
		Region: testRegion, Principal: protocol.Principal{AccountID: testAccount, Root: true},
	})
	return &env{Service: s, ctx: ctx, net: n, clock: c}
}

// in returns a context acting in another account or region.
func (e *env) in(account, region string) context.Context {
	return protocol.WithRequest(context.Background(), &protocol.RequestInfo{
		Region: region, Principal: protocol.Principal{AccountID: account, Root: true},
	})
}

func wantCode(t *testing.T, err error, code, msg string) {
	t.Helper()
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	if !strings.Contains(pe.Message, msg) {
		t.Fatalf("want %s message containing %q, got %q", code, msg, pe.Message)
	}
}

func ptr[T any](v T) *T { return &v }

func (e *env) mustLB(t *testing.T, name string) elbv2types.LoadBalancer {
	t.Helper()
	out, err := e.CreateLoadBalancer(e.ctx, &elbv2types.CreateLoadBalancerInput{Name: name, Subnets: []string{"subnet-a", "subnet-b"}})
	if err != nil {
		t.Fatalf("CreateLoadBalancer %s: %v", name, err)
	}
	return out.LoadBalancers[0]
}

func (e *env) mustTG(t *testing.T, name string) elbv2types.TargetGroup {
	t.Helper()
	out, err := e.CreateTargetGroup(e.ctx, &elbv2types.CreateTargetGroupInput{Name: name, Protocol: "HTTP", Port: ptr[int32](80), VpcId: "vpc-1", TargetType: "ip"})
	if err != nil {
		t.Fatalf("CreateTargetGroup %s: %v", name, err)
	}
	return out.TargetGroups[0]
}

func forwardTo(tgARN string) []elbv2types.Action {
	return []elbv2types.Action{{Type: "forward", TargetGroupArn: tgARN}}
}

func (e *env) mustListener(t *testing.T, lbARN string, port int32, actions []elbv2types.Action) elbv2types.Listener {
	t.Helper()
	out, err := e.CreateListener(e.ctx, &elbv2types.CreateListenerInput{LoadBalancerArn: lbARN, Protocol: "HTTP", Port: &port, DefaultActions: actions})
	if err != nil {
		t.Fatalf("CreateListener: %v", err)
	}
	return out.Listeners[0]
}

func pathRule(paths ...string) []elbv2types.RuleCondition {
	return []elbv2types.RuleCondition{{Field: "path-pattern", Values: paths}}
}

func (e *env) mustRule(t *testing.T, listenerARN string, priority int32, tgARN string, paths ...string) elbv2types.Rule {
	t.Helper()
	out, err := e.CreateRule(e.ctx, &elbv2types.CreateRuleInput{ListenerArn: listenerARN, Priority: priority,
		Conditions: pathRule(paths...), Actions: forwardTo(tgARN)})
	if err != nil {
		t.Fatalf("CreateRule %d: %v", priority, err)
	}
	return out.Rules[0]
}

// storeDump returns every record of the package, to check that a failed
// call changed nothing.
func (e *env) storeDump(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range WatchPrefixes() {
		res, err := e.store.List(context.Background(), p, storeAll)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range res.Objects {
			out[o.Key] = string(o.Value)
		}
	}
	return out
}

var storeAll = store.ListOptions{}

func errAsClient(err error) (*protocol.Error, bool) { return protocol.AsError(err) }

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func equalJSON(t *testing.T, a, b any) bool { return jsonOf(t, a) == jsonOf(t, b) }
