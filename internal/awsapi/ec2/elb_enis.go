package ec2

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
	"github.com/berth-dev/berth/internal/awsapi/elbv2"
	"github.com/berth-dev/berth/internal/network/ipam"
	"github.com/berth-dev/berth/internal/store"
)

// Elastic Load Balancing makes the ENIs of its load balancers through
// these calls (in process, as ELB calls EC2 on AWS): elbv2.Network. The
// ENIs are ordinary ENI records, so they show in DescribeNetworkInterfaces
// and make their load balancer a member of its security groups (rules
// that name a load balancer's group let its traffic in), but their
// requester is ELB's: the sweep of task ENIs leaves them alone.

const elbENIRequester = "amazon-elb"

var _ elbv2.Network = (*Service)(nil)

func elbErr(code, format string, args ...any) error {
	return &elbv2.NetworkError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// elbRefusals are ELB's words for bad load balancer subnets and groups.
var elbRefusals = netRefusals{
	noSubnet: func(id string) error { return elbErr("SubnetNotFound", "The subnet ID '%s' does not exist", id) },
	mixedVPCs: func(first, firstVPC, id, vpc string) error {
		return elbErr("InvalidSubnet", "Subnets must all be in the same VPC: %s is in %s, %s in %s.", first, firstVPC, id, vpc)
	},
	noGroup: func(id string) error { return elbErr("InvalidSecurityGroup", "Security group '%s' does not exist", id) },
	groupNotInVPC: func(id, vpc string) error {
		return elbErr("InvalidSecurityGroup", "Security group '%s' does not belong to VPC '%s'", id, vpc)
	},
}

// LoadBalancerSubnets implements elbv2.Network.
func (s *Service) LoadBalancerSubnets(ctx context.Context, req elbv2.SubnetsRequest) (*elbv2.LoadBalancerNetwork, error) {
	subs, groups, err := s.lbNetwork(ctx, req)
	if err != nil {
		return nil, err
	}
	out := &elbv2.LoadBalancerNetwork{VpcID: subs[0].VpcId, SecurityGroups: groups}
	for _, sub := range subs {
		cidr, err := netip.ParsePrefix(sub.CidrBlock)
		if err != nil {
			return nil, fmt.Errorf("subnet %s: %w", sub.SubnetId, err)
		}
		out.Subnets = append(out.Subnets, elbv2.Subnet{ID: sub.SubnetId, VpcID: sub.VpcId, AvailabilityZone: sub.AvailabilityZone, CIDR: cidr})
	}
	return out, nil
}

// lbNetwork checks a load balancer's subnets and groups.
func (s *Service) lbNetwork(ctx context.Context, req elbv2.SubnetsRequest) ([]*ec2types.Subnet, []string, error) {
	sc := scope{account: req.Account, region: req.Region}
	d, err := s.ensureDefaults(ctx, sc)
	if err != nil {
		return nil, nil, err
	}
	if len(req.Subnets) == 0 {
		return nil, nil, elbErr("InvalidSubnet", "At least one subnet must be specified.")
	}
	return s.checkNetwork(ctx, sc, d, req.Subnets, req.SecurityGroups, elbRefusals)
}

// VPC implements elbv2.Network.
func (s *Service) VPC(ctx context.Context, account, region, vpcID string) (*elbv2.VPC, error) {
	sc := scope{account: account, region: region}
	if _, err := s.ensureDefaults(ctx, sc); err != nil {
		return nil, err
	}
	v, _, err := s.vpcs().Get(ctx, sc.key(kindVPC, vpcID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	out := &elbv2.VPC{ID: vpcID}
	for _, b := range vpcBlocks(v) {
		if p, err := netip.ParsePrefix(b); err == nil {
			out.CIDRs = append(out.CIDRs, p)
		}
	}
	subs, _, err := s.subnets().ListAll(ctx, sc.prefix(kindSubnet))
	if err != nil {
		return nil, err
	}
	for _, it := range subs {
		sub := it.Value
		if sub.VpcId != vpcID {
			continue
		}
		if p, err := netip.ParsePrefix(sub.CidrBlock); err == nil {
			out.Subnets = append(out.Subnets, elbv2.Subnet{ID: sub.SubnetId, VpcID: vpcID, AvailabilityZone: sub.AvailabilityZone, CIDR: p})
		}
	}
	return out, nil
}

// CreateLoadBalancerENIs implements elbv2.Network. Load balancers get no
// public address: berth's data plane answers on their private addresses
// and on the host's loopback (see internal/lb).
func (s *Service) CreateLoadBalancerENIs(ctx context.Context, req elbv2.ENIRequest) (_ []elbv2.ENI, err error) {
	sc := scope{account: req.Account, region: req.Region}
	subs, groups, err := s.lbNetwork(ctx, elbv2.SubnetsRequest{Account: req.Account, Region: req.Region, Subnets: req.Subnets, SecurityGroups: req.SecurityGroups})
	if err != nil {
		return nil, err
	}
	var made []elbv2.ENI
	defer func() {
		if err != nil {
			for _, e := range made {
				_ = s.DeleteTaskENI(context.WithoutCancel(ctx), req.Account, req.Region, e.ID)
			}
		}
	}()
	tn := &taskNet{sc: sc, groups: groups}
	for _, sub := range subs {
		id := newID("eni")
		var addr netip.Addr
		_, err = s.recordENI(ctx, sc, sub, id, func(a netip.Addr) ec2types.NetworkInterface {
			addr = a
			eni := newTaskENI(tn, sub, id, a, TaskENIRequest{})
			eni.Description, eni.RequesterId = req.Description, elbENIRequester
			eni.Attachment.InstanceOwnerId = elbENIRequester
			return eni
		})
		switch {
		case errors.Is(err, ipam.ErrExhausted):
			return nil, elbErr("InvalidSubnet", "Not enough IP space available in %s. ELB requires at least 8 free IP addresses in each subnet.", sub.SubnetId)
		case errors.Is(err, errSubnetGone):
			return nil, elbErr("SubnetNotFound", "The subnet ID '%s' does not exist", sub.SubnetId)
		case err != nil:
			return nil, err
		}
		made = append(made, elbv2.ENI{ID: id, SubnetID: sub.SubnetId, AvailabilityZone: sub.AvailabilityZone, PrivateIP: addr})
	}
	return made, nil
}

// DeleteLoadBalancerENIs implements elbv2.Network.
func (s *Service) DeleteLoadBalancerENIs(ctx context.Context, account, region string, eniIDs []string) error {
	for _, id := range eniIDs {
		if err := s.DeleteTaskENI(ctx, account, region, id); err != nil {
			return err
		}
	}
	return nil
}
