// Package elbv2 serves the control plane of Elastic Load Balancing v2
// (awsQuery) for Application Load Balancers: load balancers, listeners,
// rules, target groups, targets and tags, as records in the store with
// AWS's validation, answers and errors. The proxy that carries the traffic
// (the data plane) lives elsewhere; it reads this package's Snapshot.
// Methods are named after the operations and know nothing of HTTP;
// routes.go lists them for the gateway.
//
// Two kinds of record, under /<kind>/<account>/<region>/<name>:
//
//   - elbv2-loadbalancer: a load balancer with its attributes, tags, ENIs,
//     and its listeners and their rules embedded, so that port and priority
//     uniqueness and DeleteLoadBalancer's cascade are single CAS writes;
//   - elbv2-targetgroup: a target group with its attributes, tags and
//     registered targets (draining ones keep their DrainUntil).
//
// Records are keyed by name; an ARN's id must match the record's, so the
// ARN of a deleted load balancer does not find a new one of the same name.
// Which load balancers use a target group is derived from the listeners
// and rules that forward to it, never stored twice.
package elbv2

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync/atomic"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/store"
)

// Store kinds this package owns; the state reset deletes them per account.
const (
	kindLoadBalancer = "elbv2-loadbalancer"
	kindTargetGroup  = "elbv2-targetgroup"
)

// Kinds lists every store kind of this package.
var Kinds = []string{kindLoadBalancer, kindTargetGroup}

// ProvisioningTime is how long a new load balancer reports State
// provisioning before active, as AWS takes a while (the CLI's
// `aws elbv2 wait load-balancer-available` polls for it).
const ProvisioningTime = 2 * time.Second

// Service implements the ELBv2 operations.
type Service struct {
	store  store.Store
	net    Network
	now    func() time.Time
	health atomic.Pointer[healthBox]
}

// healthBox lets a nil HealthSource be stored atomically.
type healthBox struct{ src HealthSource }

// New returns the ELBv2 service over st, checking subnets, groups and VPCs
// and making load balancer ENIs through net, which must not be nil. Until
// SetHealthSource is called, targets in use report health initial.
func New(st store.Store, net Network) *Service {
	return &Service{store: st, net: net, now: time.Now}
}

// SetHealthSource sets where target health comes from (the data plane's
// health checker); nil means none yet. Safe to call at any time, from any
// goroutine.
func (s *Service) SetHealthSource(h HealthSource) {
	s.health.Store(&healthBox{src: h})
}

func (s *Service) healthSource() HealthSource {
	if b := s.health.Load(); b != nil {
		return b.src
	}
	return nil
}

// Service describes ELBv2 for the gateway: every operation, authorized as
// elasticloadbalancing:<Operation> on the ARN it acts on.
func (s *Service) Service() *protocol.Service {
	return &protocol.Service{
		SigningName:  elbv2types.SigningName,
		Wire:         protocol.AWSQuery,
		XMLNamespace: elbv2types.XMLNamespace,
		Version:      elbv2types.APIVersion,
		Operations:   s.routes(),
	}
}

// scope is the account and region a call acts in.
type scope struct {
	account, region string
}

func scopeOf(ctx context.Context) scope {
	info := protocol.Request(ctx)
	return scope{account: info.Account(), region: info.Region}
}

// arnPrefix is what every ELBv2 ARN of the scope starts with.
func (sc scope) arnPrefix() string {
	return "arn:aws:elasticloadbalancing:" + sc.region + ":" + sc.account + ":"
}

func (sc scope) lbKey(name string) string {
	return store.Key(kindLoadBalancer, sc.account, sc.region, name)
}
func (sc scope) tgKey(name string) string {
	return store.Key(kindTargetGroup, sc.account, sc.region, name)
}
func (sc scope) lbPrefix() string { return store.Prefix(kindLoadBalancer, sc.account, sc.region) }
func (sc scope) tgPrefix() string { return store.Prefix(kindTargetGroup, sc.account, sc.region) }

func (s *Service) lbs() store.Typed[lbRecord] { return store.Typed[lbRecord]{S: s.store} }
func (s *Service) tgs() store.Typed[tgRecord] { return store.Typed[tgRecord]{S: s.store} }

// newID returns a resource id as ELB makes them: 16 lower-case hex digits.
func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
