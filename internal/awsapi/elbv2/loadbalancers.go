package elbv2

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
	"github.com/berth-dev/berth/internal/awsapi/shape"
	"github.com/berth-dev/berth/internal/store"
)

// Load balancer limits, AWS's default quotas.
const (
	maxLoadBalancers = 50 // Application Load Balancers per region
	maxLBGroups      = 5  // security groups per load balancer
)

// lbSpec is a checked CreateLoadBalancer request.
type lbSpec struct {
	name, scheme string
	net          *LoadBalancerNetwork
}

// sameAs reports whether an existing load balancer has the settings spec
// asks for, so that CreateLoadBalancer returns it rather than failing.
func (spec *lbSpec) sameAs(lb *elbv2types.LoadBalancer) bool {
	var subnets []string
	for _, az := range lb.AvailabilityZones {
		subnets = append(subnets, az.SubnetId)
	}
	var want []string
	for _, sub := range spec.net.Subnets {
		want = append(want, sub.ID)
	}
	return lb.Scheme == spec.scheme && sameSet(subnets, want) && sameSet(lb.SecurityGroups, spec.net.SecurityGroups)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// CreateLoadBalancer creates an Application Load Balancer in two or more
// subnets of distinct Availability Zones of one VPC, with its ENIs. Asked
// again with the same name and settings it returns the existing one.
func (s *Service) CreateLoadBalancer(ctx context.Context, in *elbv2types.CreateLoadBalancerInput) (*elbv2types.CreateLoadBalancerOutput, error) {
	sc := scopeOf(ctx)
	subnets, err := checkCreateLB(in)
	if err != nil {
		return nil, err
	}
	spec := &lbSpec{name: in.Name, scheme: in.Scheme}
	if spec.scheme == "" {
		spec.scheme = elbv2types.LoadBalancerSchemeEnumInternetFacing
	}
	if spec.net, err = s.lbNetwork(ctx, sc, subnets, in.SecurityGroups); err != nil {
		return nil, err
	}
	if existing, err := s.sameNamedLB(ctx, sc, spec); existing != nil || err != nil {
		return existing, err
	}
	if err := lbKind.checkQuota(ctx, s.store, sc, maxLoadBalancers, elbv2types.ErrTooManyLoadBalancersException); err != nil {
		return nil, err
	}
	ref := lbRef{name: in.Name, id: newID()}
	now := s.now()
	rec := &lbRecord{ID: ref.id, Tags: slices.Clone(in.Tags), LoadBalancer: elbv2types.LoadBalancer{
		LoadBalancerArn:       sc.lbARN(ref),
		DNSName:               dnsName(in.Name, sc.region, spec.scheme == elbv2types.LoadBalancerSchemeEnumInternal),
		CanonicalHostedZoneId: hostedZone(sc.region),
		CreatedTime:           shape.NewTime(now),
		LoadBalancerName:      in.Name,
		Scheme:                spec.scheme,
		VpcId:                 spec.net.VpcID,
		Type:                  elbv2types.LoadBalancerTypeEnumApplication,
		SecurityGroups:        slices.Clone(spec.net.SecurityGroups),
		IpAddressType:         elbv2types.IpAddressTypeIpv4,
	}}
	for _, sub := range spec.net.Subnets {
		rec.LoadBalancer.AvailabilityZones = append(rec.LoadBalancer.AvailabilityZones, elbv2types.AvailabilityZone{
			ZoneName: sub.AvailabilityZone, SubnetId: sub.ID, LoadBalancerAddresses: []elbv2types.LoadBalancerAddress{}})
	}
	req := ENIRequest{Account: sc.account, Region: sc.region, LoadBalancerARN: rec.LoadBalancer.LoadBalancerArn,
		Description: "ELB app/" + ref.name + "/" + ref.id, SecurityGroups: spec.net.SecurityGroups,
		InternetFacing: spec.scheme == elbv2types.LoadBalancerSchemeEnumInternetFacing}
	for _, sub := range spec.net.Subnets {
		req.Subnets = append(req.Subnets, sub.ID)
	}
	if rec.ENIs, err = s.net.CreateLoadBalancerENIs(ctx, req); err != nil {
		return nil, networkError(err, "creating the load balancer's network interfaces")
	}
	if _, err := s.lbs().Create(ctx, sc.lbKey(in.Name), rec); err != nil {
		// Lost a race for the name, or the store failed: the ENIs go.
		if derr := s.deleteENIs(ctx, sc, rec.ENIs); derr != nil {
			return nil, derr
		}
		if errors.Is(err, store.ErrAlreadyExists) {
			if existing, err := s.sameNamedLB(ctx, sc, spec); existing != nil || err != nil {
				return existing, err
			}
		}
		return nil, internal("creating load balancer", err)
	}
	return &elbv2types.CreateLoadBalancerOutput{LoadBalancers: []elbv2types.LoadBalancer{rec.view(now)}}, nil
}

// checkCreateLB validates what can be checked without the network and
// returns the subnets asked for, duplicates dropped.
func checkCreateLB(in *elbv2types.CreateLoadBalancerInput) ([]string, error) {
	if err := checkLBName(in.Name); err != nil {
		return nil, err
	}
	var v violations
	v.enum(in.Type, "type", elbv2types.LoadBalancerTypeEnumValues)
	v.enum(in.Scheme, "scheme", elbv2types.LoadBalancerSchemeEnumValues)
	v.enum(in.IpAddressType, "ipAddressType", elbv2types.IpAddressTypeValues)
	if err := v.err(); err != nil {
		return nil, err
	}
	switch {
	case in.Type != "" && in.Type != elbv2types.LoadBalancerTypeEnumApplication:
		return nil, validation("berth serves Application Load Balancers only: load balancer type '%s' is not supported; use type 'application'", in.Type)
	case in.IpAddressType != "" && in.IpAddressType != elbv2types.IpAddressTypeIpv4:
		return nil, validation("berth load balancers are IPv4 only: IP address type '%s' is not supported; use 'ipv4'", in.IpAddressType)
	case in.CustomerOwnedIpv4Pool != "" || in.IpamPools != nil || in.EnablePrefixForIpv6SourceNat != "":
		return nil, validation("berth does not support customer-owned or IPAM address pools, nor IPv6 source NAT")
	case in.Subnets != nil && in.SubnetMappings != nil:
		return nil, validation("You can specify subnets or subnet mappings, but not both")
	}
	subnets := slices.Clone(in.Subnets)
	for _, m := range in.SubnetMappings {
		if m.AllocationId != "" || m.PrivateIPv4Address != "" || m.IPv6Address != "" || m.SourceNatIpv6Prefix != "" {
			return nil, invalidConfig("Application Load Balancers do not support Elastic IP addresses, private IPv4 addresses, IPv6 addresses or source NAT prefixes in subnet mappings")
		}
		subnets = append(subnets, m.SubnetId)
	}
	subnets = dedupe(subnets)
	if len(subnets) < 2 {
		return nil, validation("At least two subnets in two different Availability Zones must be specified")
	}
	if len(in.SecurityGroups) > maxLBGroups {
		return nil, validation("A load balancer can have at most %d security groups", maxLBGroups)
	}
	if err := checkTags(in.Tags, "tags"); err != nil {
		return nil, err
	}
	return subnets, nil
}

// dedupe drops repeated strings, keeping the first of each.
func dedupe(in []string) []string {
	var out []string
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// lbNetwork checks a load balancer's subnets and groups with the network
// and applies ELB's rules to them: one VPC, one subnet per Availability
// Zone, at least two zones.
func (s *Service) lbNetwork(ctx context.Context, sc scope, subnets, groups []string) (*LoadBalancerNetwork, error) {
	n, err := s.net.LoadBalancerSubnets(ctx, SubnetsRequest{Account: sc.account, Region: sc.region,
		Subnets: subnets, SecurityGroups: dedupe(groups)})
	if err != nil {
		return nil, networkError(err, "checking the load balancer's subnets")
	}
	zones := map[string]bool{}
	for _, sub := range n.Subnets {
		if sub.VpcID != n.VpcID {
			return nil, elbError(elbv2types.ErrInvalidSubnetException, "Subnet '%s' is in VPC '%s', not '%s': a load balancer's subnets must all be in one VPC", sub.ID, sub.VpcID, n.VpcID)
		}
		if zones[sub.AvailabilityZone] {
			return nil, invalidConfig("A load balancer cannot be attached to multiple subnets in the same Availability Zone")
		}
		zones[sub.AvailabilityZone] = true
	}
	if len(zones) < 2 {
		return nil, validation("At least two subnets in two different Availability Zones must be specified")
	}
	return n, nil
}

// sameNamedLB returns the CreateLoadBalancer answer when a load balancer
// of spec's name exists: itself when its settings match, else
// DuplicateLoadBalancerName. It returns nil, nil when there is none.
func (s *Service) sameNamedLB(ctx context.Context, sc scope, spec *lbSpec) (*elbv2types.CreateLoadBalancerOutput, error) {
	rec, _, err := s.lbs().Get(ctx, sc.lbKey(spec.name))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, internal("reading load balancer", err)
	case !spec.sameAs(&rec.LoadBalancer):
		return nil, elbError(elbv2types.ErrDuplicateLoadBalancerNameException,
			"A load balancer with the same name '%s' exists, but with different settings", spec.name)
	}
	return &elbv2types.CreateLoadBalancerOutput{LoadBalancers: []elbv2types.LoadBalancer{rec.view(s.now())}}, nil
}

// view returns the load balancer as the API shows it at now: provisioning
// for ProvisioningTime after it was created, then active.
func (r *lbRecord) view(now time.Time) elbv2types.LoadBalancer {
	out := r.LoadBalancer
	code := elbv2types.LoadBalancerStateEnumActive
	if out.CreatedTime != nil && now.Before(out.CreatedTime.Add(ProvisioningTime)) {
		code = elbv2types.LoadBalancerStateEnumProvisioning
	}
	out.State = &elbv2types.LoadBalancerState{Code: code}
	out.AvailabilityZones = slices.Clone(out.AvailabilityZones)
	for i := range out.AvailabilityZones {
		if out.AvailabilityZones[i].LoadBalancerAddresses == nil {
			out.AvailabilityZones[i].LoadBalancerAddresses = []elbv2types.LoadBalancerAddress{}
		}
	}
	out.SecurityGroups = slices.Clone(out.SecurityGroups)
	return out
}

// DescribeLoadBalancers describes the load balancers named by ARN or by
// name, or all of the region, in name order.
func (s *Service) DescribeLoadBalancers(ctx context.Context, in *elbv2types.DescribeLoadBalancersInput) (*elbv2types.DescribeLoadBalancersOutput, error) {
	sc := scopeOf(ctx)
	var v violations
	v.pageSize(in.PageSize)
	if err := v.err(); err != nil {
		return nil, err
	}
	if in.LoadBalancerArns != nil && in.Names != nil {
		return nil, validation("Load balancer names and load balancer ARNs cannot be specified at the same time")
	}
	recs, err := lbKind.describe(ctx, s.store, sc, in.LoadBalancerArns, in.Names)
	if err != nil {
		return nil, err
	}
	page, next, err := takePage(recs, lbKind.name, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := &elbv2types.DescribeLoadBalancersOutput{LoadBalancers: make([]elbv2types.LoadBalancer, 0, len(page)), NextMarker: next}
	for _, rec := range page {
		out.LoadBalancers = append(out.LoadBalancers, rec.view(now))
	}
	return out, nil
}

// DeleteLoadBalancer deletes a load balancer with its listeners and rules,
// then its ENIs. Deleting one that does not exist succeeds, as in AWS;
// one with deletion protection is refused.
func (s *Service) DeleteLoadBalancer(ctx context.Context, in *elbv2types.DeleteLoadBalancerInput) (*elbv2types.DeleteLoadBalancerOutput, error) {
	sc := scopeOf(ctx)
	var v violations
	v.required(in.LoadBalancerArn != "", "loadBalancerArn")
	if err := v.err(); err != nil {
		return nil, err
	}
	rec, err := lbKind.delete(ctx, s.store, sc, in.LoadBalancerArn, func(r *lbRecord) error {
		if lbAttribute(r, attrDeletionProtection) == "true" {
			return elbError(elbv2types.ErrOperationNotPermittedException,
				"Load balancer '%s' cannot be deleted because deletion protection is enabled", in.LoadBalancerArn)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if rec != nil {
		if err := s.deleteENIs(ctx, sc, rec.ENIs); err != nil {
			return nil, err
		}
	}
	return &elbv2types.DeleteLoadBalancerOutput{}, nil
}

func (s *Service) deleteENIs(ctx context.Context, sc scope, enis []ENI) error {
	if len(enis) == 0 {
		return nil
	}
	ids := make([]string, len(enis))
	for i, e := range enis {
		ids[i] = e.ID
	}
	if err := s.net.DeleteLoadBalancerENIs(ctx, sc.account, sc.region, ids); err != nil {
		return internal("deleting the load balancer's network interfaces", err)
	}
	return nil
}

// SetSecurityGroups replaces a load balancer's security groups, which
// must be of its VPC.
func (s *Service) SetSecurityGroups(ctx context.Context, in *elbv2types.SetSecurityGroupsInput) (*elbv2types.SetSecurityGroupsOutput, error) {
	sc := scopeOf(ctx)
	var v violations
	v.required(in.LoadBalancerArn != "", "loadBalancerArn")
	v.required(in.SecurityGroups != nil, "securityGroups")
	v.enum(in.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic, "enforceSecurityGroupInboundRulesOnPrivateLinkTraffic",
		elbv2types.EnforceSecurityGroupInboundRulesOnPrivateLinkTrafficEnumValues)
	if err := v.err(); err != nil {
		return nil, err
	}
	ref, err := sc.parseLBARN(in.LoadBalancerArn)
	if err != nil {
		return nil, err
	}
	groups := dedupe(in.SecurityGroups)
	switch {
	case in.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic != "":
		return nil, invalidConfig("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic applies to Network Load Balancers only")
	case len(groups) == 0:
		return nil, invalidConfig("An Application Load Balancer must have at least one security group")
	case len(groups) > maxLBGroups:
		return nil, validation("A load balancer can have at most %d security groups", maxLBGroups)
	}
	rec, _, err := s.getLB(ctx, sc, ref)
	if err != nil {
		return nil, err
	}
	var subnets []string
	for _, az := range rec.LoadBalancer.AvailabilityZones {
		subnets = append(subnets, az.SubnetId)
	}
	n, err := s.net.LoadBalancerSubnets(ctx, SubnetsRequest{Account: sc.account, Region: sc.region, Subnets: subnets, SecurityGroups: groups})
	if err != nil {
		return nil, networkError(err, "checking the security groups")
	}
	if n.VpcID != rec.LoadBalancer.VpcId {
		return nil, elbError(elbv2types.ErrInvalidSecurityGroupException, "The security groups must be in the load balancer's VPC '%s'", rec.LoadBalancer.VpcId)
	}
	rec, err = s.mutateLB(ctx, sc, ref, lbNotFound, func(r *lbRecord) error {
		r.LoadBalancer.SecurityGroups = slices.Clone(n.SecurityGroups)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &elbv2types.SetSecurityGroupsOutput{SecurityGroupIds: slices.Clone(rec.LoadBalancer.SecurityGroups)}, nil
}
