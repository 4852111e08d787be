package elbv2

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

// The Go API the ECS service controller uses, in process: the same
// operations as the API calls, with the account and region given rather
// than taken from a request.

// ErrTargetGroupNotFound is returned (wrapped) for a target group ARN
// that names no target group of the account and region.
var ErrTargetGroupNotFound = errors.New("elbv2: target group not found")

// TargetGroupInfo is what ECS checks of a service's target group.
type TargetGroupInfo struct {
	ARN, Name  string
	TargetType string // ip, as berth makes only those
	Protocol   string
	Port       int
	VpcID      string
	// DeregistrationDelay is how long a deregistered target drains.
	DeregistrationDelay time.Duration
	HealthCheck         HealthCheck
	// LoadBalancerARNs are the load balancers whose listeners or rules
	// forward to it; ECS refuses a target group none uses.
	LoadBalancerARNs []string
}

// tgOf resolves an ARN for the Go API: a malformed one, or one of
// another account or region, is ErrTargetGroupNotFound too.
func (s *Service) tgOf(ctx context.Context, sc scope, arn string) (tgRef, *tgRecord, error) {
	ref, err := sc.parseTGARN(arn)
	if err == nil {
		var rec *tgRecord
		if rec, _, err = s.getTG(ctx, sc, ref); err == nil {
			return ref, rec, nil
		}
	}
	if hasCode(err, elbv2types.ErrTargetGroupNotFoundException) || hasCode(err, "ValidationError") {
		return tgRef{}, nil, fmt.Errorf("target group %s: %w", arn, ErrTargetGroupNotFound)
	}
	return tgRef{}, nil, err
}

// TargetGroupInfo describes a target group for ECS, or returns an error
// wrapping ErrTargetGroupNotFound.
func (s *Service) TargetGroupInfo(ctx context.Context, account, region, arn string) (*TargetGroupInfo, error) {
	sc := scope{account: account, region: region}
	_, rec, err := s.tgOf(ctx, sc, arn)
	if err != nil {
		return nil, err
	}
	u, err := s.usage(ctx, sc)
	if err != nil {
		return nil, err
	}
	tg := &rec.TargetGroup
	return &TargetGroupInfo{ARN: tg.TargetGroupArn, Name: tg.TargetGroupName, TargetType: tg.TargetType,
		Protocol: tg.Protocol, Port: int(targetPort(rec, nil)), VpcID: tg.VpcId,
		DeregistrationDelay: time.Duration(tgAttributeInt(rec, attrDeregistrationDelay)) * time.Second,
		HealthCheck:         rec.healthCheck(), LoadBalancerARNs: slices.Clone(u[tg.TargetGroupArn])}, nil
}

// RegisterIPTarget registers ip:port with a target group, as
// RegisterTargets does: the address must be in a subnet of the group's
// VPC. Registering a registered target is a no-op (a draining one stops
// draining). A mistake is a *protocol.Error in ELB's words; a missing
// target group wraps ErrTargetGroupNotFound.
func (s *Service) RegisterIPTarget(ctx context.Context, account, region, targetGroupARN, ip string, port int) error {
	return s.changeIPTarget(ctx, scope{account: account, region: region}, targetGroupARN, ip, port, s.registerTargets)
}

// DeregisterIPTarget deregisters ip:port from a target group, as
// DeregisterTargets does: the target drains for the group's
// deregistration delay. A target not registered is not an error.
func (s *Service) DeregisterIPTarget(ctx context.Context, account, region, targetGroupARN, ip string, port int) error {
	return s.changeIPTarget(ctx, scope{account: account, region: region}, targetGroupARN, ip, port, s.deregisterTargets)
}

// changeIPTarget checks ip:port as a target of the target group arn
// names, as the API calls do, and makes the change.
func (s *Service) changeIPTarget(ctx context.Context, sc scope, arn, ip string, port int, change targetsChange) error {
	ref, _, err := s.tgOf(ctx, sc, arn)
	if err != nil {
		return err
	}
	p := int32(port)
	targets := []elbv2types.TargetDescription{{Id: ip, Port: &p}}
	if err := checkTargetsInput(arn, targets); err != nil {
		return err
	}
	return change(ctx, sc, ref, targets)
}

// TargetHealthOf returns the health of every target of a target group,
// keyed "ip:port", composed as DescribeTargetHealth composes it.
func (s *Service) TargetHealthOf(ctx context.Context, account, region, targetGroupARN string) (map[string]Health, error) {
	sc := scope{account: account, region: region}
	_, rec, err := s.tgOf(ctx, sc, targetGroupARN)
	if err != nil {
		return nil, err
	}
	live, health, err := s.liveTargets(ctx, sc, rec)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Health, len(live))
	for i := range live {
		ip, _ := netip.ParseAddr(live[i].IP)
		out[netip.AddrPortFrom(ip, uint16(live[i].Port)).String()] = health(&live[i])
	}
	return out, nil
}

// LoadBalancerENIs lists the ENIs of every load balancer of every account
// and region, so that a sweep can delete load balancer ENIs no load
// balancer owns (left by a crash between making them and recording the
// load balancer).
func (s *Service) LoadBalancerENIs(ctx context.Context) (map[string]bool, error) {
	items, _, err := s.lbs().ListAll(ctx, "/"+kindLoadBalancer+"/")
	if err != nil {
		return nil, internal("listing load balancers", err)
	}
	out := map[string]bool{}
	for _, it := range items {
		for _, e := range it.Value.ENIs {
			out[e.ID] = true
		}
	}
	return out, nil
}
