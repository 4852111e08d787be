package elbv2

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
	"github.com/berth-dev/berth/internal/store"
)

// maxTargetGroups is AWS's default quota of target groups per region.
const maxTargetGroups = 3000

// CreateTargetGroup creates a target group of ip targets for an
// Application Load Balancer, with AWS's health check defaults. Asked again
// with the same name and settings it returns the existing one.
func (s *Service) CreateTargetGroup(ctx context.Context, in *elbv2types.CreateTargetGroupInput) (*elbv2types.CreateTargetGroupOutput, error) {
	sc := scopeOf(ctx)
	tg, err := s.checkCreateTG(ctx, sc, in)
	if err != nil {
		return nil, err
	}
	if out, err := s.sameNamedTG(ctx, sc, tg); out != nil || err != nil {
		return out, err
	}
	if err := tgKind.checkQuota(ctx, s.store, sc, maxTargetGroups, elbv2types.ErrTooManyTargetGroupsException); err != nil {
		return nil, err
	}
	ref := tgRef{name: in.Name, id: newID()}
	tg.TargetGroupArn = sc.tgARN(ref)
	rec := &tgRecord{ID: ref.id, TargetGroup: *tg, Tags: slices.Clone(in.Tags)}
	if _, err := s.tgs().Create(ctx, sc.tgKey(in.Name), rec); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			if out, err := s.sameNamedTG(ctx, sc, tg); out != nil || err != nil {
				return out, err
			}
		}
		return nil, internal("creating target group", err)
	}
	return &elbv2types.CreateTargetGroupOutput{TargetGroups: []elbv2types.TargetGroup{rec.view(tgUsage{})}}, nil
}

// checkCreateTG validates a CreateTargetGroup request and returns the
// target group it asks for, without its ARN.
func (s *Service) checkCreateTG(ctx context.Context, sc scope, in *elbv2types.CreateTargetGroupInput) (*elbv2types.TargetGroup, error) {
	if err := checkTGName(in.Name); err != nil {
		return nil, err
	}
	h := healthInput{Protocol: in.HealthCheckProtocol, Port: in.HealthCheckPort, Path: in.HealthCheckPath,
		Enabled: in.HealthCheckEnabled, Interval: in.HealthCheckIntervalSeconds, Timeout: in.HealthCheckTimeoutSeconds,
		Healthy: in.HealthyThresholdCount, Unhealthy: in.UnhealthyThresholdCount, Matcher: in.Matcher}
	var v violations
	v.enum(in.Protocol, "protocol", elbv2types.ProtocolEnumValues)
	v.between(in.Port, "port", 1, 65535)
	v.enum(in.TargetType, "targetType", elbv2types.TargetTypeEnumValues)
	v.enum(in.IpAddressType, "ipAddressType", elbv2types.TargetGroupIpAddressTypeEnumValues)
	v.between(in.TargetControlPort, "targetControlPort", 1, 65535)
	h.violations(&v)
	if err := v.err(); err != nil {
		return nil, err
	}
	targetType := in.TargetType
	if targetType == "" {
		targetType = elbv2types.TargetTypeEnumInstance // AWS's default
	}
	version := strings.ToUpper(in.ProtocolVersion)
	switch {
	case targetType != elbv2types.TargetTypeEnumIp:
		return nil, validation("berth runs no EC2 instances, Lambda functions or nested load balancers: target type '%s' is not supported; create the target group with TargetType ip", targetType)
	case in.Protocol == "" || in.Port == nil || in.VpcId == "":
		return nil, validation("A protocol, a port and a VPC ID must be specified for target groups with target type 'ip'")
	case in.Protocol != elbv2types.ProtocolEnumHttp && in.Protocol != elbv2types.ProtocolEnumHttps:
		return nil, validation("berth serves Application Load Balancers only: target group protocol '%s' is not supported; use HTTP or HTTPS", in.Protocol)
	case version != "" && version != "HTTP1" && version != "HTTP2" && version != "GRPC":
		return nil, validation("Protocol version '%s' is not valid; valid values are HTTP1, HTTP2 and GRPC", in.ProtocolVersion)
	case version != "" && version != "HTTP1":
		return nil, validation("berth's load balancers speak HTTP/1.1 to targets: protocol version '%s' is not supported; use HTTP1", in.ProtocolVersion)
	case in.IpAddressType != "" && in.IpAddressType != elbv2types.TargetGroupIpAddressTypeEnumIpv4:
		return nil, validation("berth target groups are IPv4 only: IP address type '%s' is not supported; use 'ipv4'", in.IpAddressType)
	case in.TargetControlPort != nil:
		return nil, validation("A target control port applies only to target groups of Network Load Balancers")
	}
	if err := checkTags(in.Tags, "tags"); err != nil {
		return nil, err
	}
	port := *in.Port
	tg := &elbv2types.TargetGroup{TargetGroupName: in.Name, Protocol: in.Protocol, Port: &port, VpcId: in.VpcId,
		TargetType: targetType, ProtocolVersion: "HTTP1", IpAddressType: elbv2types.TargetGroupIpAddressTypeEnumIpv4}
	withHealthDefaults(tg)
	h.applyTo(tg)
	if err := checkHealth(tg); err != nil {
		return nil, err
	}
	vpc, err := s.net.VPC(ctx, sc.account, sc.region, in.VpcId)
	if err != nil {
		return nil, networkError(err, "reading the target group's VPC")
	}
	if vpc == nil {
		return nil, validation("The VPC ID '%s' is not found", in.VpcId)
	}
	return tg, nil
}

// sameNamedTG returns the CreateTargetGroup answer when a target group of
// tg's name exists: itself when its settings match, else
// DuplicateTargetGroupName. It returns nil, nil when there is none.
func (s *Service) sameNamedTG(ctx context.Context, sc scope, tg *elbv2types.TargetGroup) (*elbv2types.CreateTargetGroupOutput, error) {
	rec, _, err := s.tgs().Get(ctx, sc.tgKey(tg.TargetGroupName))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, internal("reading target group", err)
	}
	want := *tg
	want.TargetGroupArn = rec.TargetGroup.TargetGroupArn
	if !reflect.DeepEqual(want, rec.TargetGroup) {
		return nil, elbError(elbv2types.ErrDuplicateTargetGroupNameException,
			"A target group with the same name '%s' exists, but with different settings", tg.TargetGroupName)
	}
	u, err := s.usage(ctx, sc)
	if err != nil {
		return nil, err
	}
	return &elbv2types.CreateTargetGroupOutput{TargetGroups: []elbv2types.TargetGroup{rec.view(u)}}, nil
}

// view returns the target group as the API shows it, with the load
// balancers that use it.
func (r *tgRecord) view(u tgUsage) elbv2types.TargetGroup {
	out := r.TargetGroup
	if out.Port != nil {
		p := *out.Port
		out.Port = &p
	}
	if out.Matcher != nil {
		m := *out.Matcher
		out.Matcher = &m
	}
	out.LoadBalancerArns = u.loadBalancerArns(out.TargetGroupArn)
	return out
}

// DescribeTargetGroups describes the target groups named by ARN or name,
// those a load balancer uses, or all of the region, in name order.
func (s *Service) DescribeTargetGroups(ctx context.Context, in *elbv2types.DescribeTargetGroupsInput) (*elbv2types.DescribeTargetGroupsOutput, error) {
	sc := scopeOf(ctx)
	var v violations
	v.pageSize(in.PageSize)
	if err := v.err(); err != nil {
		return nil, err
	}
	given := 0
	for _, b := range []bool{in.LoadBalancerArn != "", in.TargetGroupArns != nil, in.Names != nil} {
		if b {
			given++
		}
	}
	if given > 1 {
		return nil, validation("Only one of LoadBalancerArn, TargetGroupArns and Names can be specified")
	}
	u, err := s.usage(ctx, sc)
	if err != nil {
		return nil, err
	}
	recs, err := tgKind.describe(ctx, s.store, sc, in.TargetGroupArns, in.Names)
	if err != nil {
		return nil, err
	}
	if in.LoadBalancerArn != "" {
		if _, err := lbKind.byARN(ctx, s.store, sc, in.LoadBalancerArn); err != nil {
			return nil, err
		}
		recs = slices.DeleteFunc(recs, func(r *tgRecord) bool {
			return !slices.Contains(u[r.TargetGroup.TargetGroupArn], in.LoadBalancerArn)
		})
	}
	page, next, err := takePage(recs, tgKind.name, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &elbv2types.DescribeTargetGroupsOutput{TargetGroups: make([]elbv2types.TargetGroup, 0, len(page)), NextMarker: next}
	for _, rec := range page {
		out.TargetGroups = append(out.TargetGroups, rec.view(u))
	}
	return out, nil
}

// ModifyTargetGroup changes a target group's health check settings.
func (s *Service) ModifyTargetGroup(ctx context.Context, in *elbv2types.ModifyTargetGroupInput) (*elbv2types.ModifyTargetGroupOutput, error) {
	sc := scopeOf(ctx)
	h := healthInput{Protocol: in.HealthCheckProtocol, Port: in.HealthCheckPort, Path: in.HealthCheckPath,
		Enabled: in.HealthCheckEnabled, Interval: in.HealthCheckIntervalSeconds, Timeout: in.HealthCheckTimeoutSeconds,
		Healthy: in.HealthyThresholdCount, Unhealthy: in.UnhealthyThresholdCount, Matcher: in.Matcher}
	var v violations
	v.required(in.TargetGroupArn != "", "targetGroupArn")
	h.violations(&v)
	if err := v.err(); err != nil {
		return nil, err
	}
	ref, err := sc.parseTGARN(in.TargetGroupArn)
	if err != nil {
		return nil, err
	}
	rec, err := s.mutateTG(ctx, sc, ref, func(r *tgRecord) error {
		h.applyTo(&r.TargetGroup)
		return checkHealth(&r.TargetGroup)
	})
	if err != nil {
		return nil, err
	}
	u, err := s.usage(ctx, sc)
	if err != nil {
		return nil, err
	}
	return &elbv2types.ModifyTargetGroupOutput{TargetGroups: []elbv2types.TargetGroup{rec.view(u)}}, nil
}

// DeleteTargetGroup deletes a target group no listener or rule forwards
// to. Deleting one that does not exist succeeds, as in AWS.
func (s *Service) DeleteTargetGroup(ctx context.Context, in *elbv2types.DeleteTargetGroupInput) (*elbv2types.DeleteTargetGroupOutput, error) {
	sc := scopeOf(ctx)
	var v violations
	v.required(in.TargetGroupArn != "", "targetGroupArn")
	if err := v.err(); err != nil {
		return nil, err
	}
	u, err := s.usage(ctx, sc)
	if err != nil {
		return nil, err
	}
	if len(u[in.TargetGroupArn]) > 0 {
		return nil, elbError(elbv2types.ErrResourceInUseException, "Target group '%s' is currently in use by a listener or a rule", in.TargetGroupArn)
	}
	if _, err := tgKind.delete(ctx, s.store, sc, in.TargetGroupArn, nil); err != nil {
		return nil, err
	}
	return &elbv2types.DeleteTargetGroupOutput{}, nil
}
