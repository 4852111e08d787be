package ec2

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
	"github.com/berth-dev/berth/internal/store"
)

// returnResult is the answer of the operations whose model has no output
// (DeleteVpc, DeleteSubnet, CreateTags, DeleteTags): AWS still sends
// <return>true</return>.
type returnResult struct {
	Return bool `json:"return"`
}

func vpcNotFound(id string) error {
	return ec2Error("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", id)
}

// parseCIDRBlock parses an IPv4 network block as CreateVpc and CreateSubnet
// take it: an address with no host bits set and a prefix length.
func parseCIDRBlock(cidr string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() || p.Masked() != p {
		return netip.Prefix{}, invalidValue("Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", cidr)
	}
	return p, nil
}

// blockSizeOK reports whether p is between /16 and /28, the sizes AWS
// allows for VPC and subnet blocks.
func blockSizeOK(p netip.Prefix) bool { return p.Bits() >= 16 && p.Bits() <= 28 }

// vpcView is a VPC as the API answers it: AWS leaves tagSet out when a
// resource has no tags.
func vpcView(v ec2types.Vpc) ec2types.Vpc {
	if len(v.Tags) == 0 {
		v.Tags = nil
	}
	return v
}

// CreateVpc makes a VPC with an IPv4 block and its default security group.
func (s *Service) CreateVpc(ctx context.Context, in *ec2types.CreateVpcRequest) (*ec2types.CreateVpcResult, error) {
	sc := scopeOf(ctx)
	if _, err := s.ensureDefaults(ctx, sc); err != nil {
		return nil, err
	}
	if in.CidrBlock == "" {
		return nil, ec2Error(codeMissingParameter, "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.")
	}
	block, err := parseCIDRBlock(in.CidrBlock)
	if err != nil {
		return nil, err
	}
	if !blockSizeOK(block) {
		return nil, ec2Error("InvalidVpc.Range", "The CIDR '%s' is invalid.", in.CidrBlock)
	}
	tags, err := tagsFor(in.TagSpecifications, "vpc")
	if err != nil {
		return nil, err
	}
	if in.InstanceTenancy != "" && in.InstanceTenancy != "default" && in.InstanceTenancy != "dedicated" {
		return nil, invalidValue("Value (%s) for parameter instanceTenancy is invalid.", in.InstanceTenancy)
	}
	id := newID("vpc")
	vpc := newVPC(sc, id, block.String(), false)
	vpc.Tags = tags
	if in.InstanceTenancy != "" {
		vpc.InstanceTenancy = in.InstanceTenancy
	}
	vpcKey := sc.key(kindVPC, id)
	if _, err := s.vpcs().Create(ctx, vpcKey, &vpc); err != nil {
		return nil, fmt.Errorf("create vpc %s: %w", id, err)
	}
	sgID := newID("sg")
	sg := newDefaultGroup(sc, sgID, id)
	for i := range sg.Rules {
		sg.Rules[i].SecurityGroupRuleId = newID("sgr")
	}
	if _, err := s.groups().Create(ctx, sc.key(kindSG, sgID), &sg); err != nil {
		// Without its default group the VPC is incomplete: take it back.
		_ = s.vpcs().Delete(ctx, vpcKey, 0)
		return nil, fmt.Errorf("create default security group of %s: %w", id, err)
	}
	out := vpcView(vpc)
	return &ec2types.CreateVpcResult{Vpc: &out}, nil
}

// vpcFields answers DescribeVpcs' filters for v.
func vpcFields(v *ec2types.Vpc) func(string) ([]string, bool) {
	return func(name string) ([]string, bool) {
		switch name {
		case "vpc-id":
			return []string{v.VpcId}, true
		case "cidr", "cidrBlock", "cidr-block":
			return []string{v.CidrBlock}, true
		case "cidr-block-association.cidr-block":
			var out []string
			for _, a := range v.CidrBlockAssociationSet {
				out = append(out, a.CidrBlock)
			}
			return out, true
		case "cidr-block-association.association-id":
			var out []string
			for _, a := range v.CidrBlockAssociationSet {
				out = append(out, a.AssociationId)
			}
			return out, true
		case "cidr-block-association.state":
			var out []string
			for _, a := range v.CidrBlockAssociationSet {
				if a.CidrBlockState != nil {
					out = append(out, a.CidrBlockState.State)
				}
			}
			return out, true
		case "is-default", "isDefault":
			return []string{strconv.FormatBool(v.IsDefault)}, true
		case "state":
			return []string{v.State}, true
		case "owner-id":
			return []string{v.OwnerId}, true
		case "dhcp-options-id":
			return []string{v.DhcpOptionsId}, true
		}
		return tagFields(v.Tags, name)
	}
}

// DescribeVpcs lists the VPCs of the account and region, by id and filter.
func (s *Service) DescribeVpcs(ctx context.Context, in *ec2types.DescribeVpcsRequest) (*ec2types.DescribeVpcsResult, error) {
	sc := scopeOf(ctx)
	if _, err := s.ensureDefaults(ctx, sc); err != nil {
		return nil, err
	}
	if err := checkMaxResults(in.MaxResults); err != nil {
		return nil, err
	}
	items, _, err := s.vpcs().ListAll(ctx, sc.prefix(kindVPC))
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*ec2types.Vpc, len(items))
	for i := range items {
		byID[items[i].Value.VpcId] = &items[i].Value
	}
	for _, id := range in.VpcIds {
		if byID[id] == nil {
			return nil, vpcNotFound(id)
		}
	}
	var matched []ec2types.Vpc
	for i := range items {
		v := &items[i].Value
		if len(in.VpcIds) > 0 && !slices.Contains(in.VpcIds, v.VpcId) {
			continue
		}
		ok, err := matchFilters(in.Filters, vpcFields(v))
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, vpcView(*v))
		}
	}
	slices.SortFunc(matched, func(a, b ec2types.Vpc) int { return strings.Compare(a.VpcId, b.VpcId) })
	page, next, err := takePage(matched, func(v ec2types.Vpc) string { return v.VpcId }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &ec2types.DescribeVpcsResult{Vpcs: nonNil(page), NextToken: next}, nil
}

// DeleteVpc deletes a VPC that has nothing left in it but its default
// security group, which goes with it. The default VPC may be deleted too,
// as on AWS; it is not made again.
func (s *Service) DeleteVpc(ctx context.Context, in *ec2types.DeleteVpcRequest) (*returnResult, error) {
	sc := scopeOf(ctx)
	if _, err := s.ensureDefaults(ctx, sc); err != nil {
		return nil, err
	}
	if in.VpcId == "" {
		return nil, missingParameter("vpcId")
	}
	vpcKey := sc.key(kindVPC, in.VpcId)
	if _, _, err := s.vpcs().Get(ctx, vpcKey); errors.Is(err, store.ErrNotFound) {
		return nil, vpcNotFound(in.VpcId)
	} else if err != nil {
		return nil, err
	}
	subnets, _, err := s.subnets().ListAll(ctx, sc.prefix(kindSubnet))
	if err != nil {
		return nil, err
	}
	dependencies := func() error {
		return ec2Error(codeDependencyViolation, "The vpc '%s' has dependencies and cannot be deleted.", in.VpcId)
	}
	for _, it := range subnets {
		if it.Value.VpcId == in.VpcId {
			return nil, dependencies()
		}
	}
	groups, _, err := s.groups().ListAll(ctx, sc.prefix(kindSG))
	if err != nil {
		return nil, err
	}
	var defaultGroups []store.Item[sgRecord]
	for _, it := range groups {
		if it.Value.Group.VpcId != in.VpcId {
			continue
		}
		if it.Value.Group.GroupName != "default" {
			return nil, dependencies()
		}
		defaultGroups = append(defaultGroups, it)
	}
	for _, it := range defaultGroups {
		if err := s.groups().Delete(ctx, it.Key, 0); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	if err := s.vpcs().Delete(ctx, vpcKey, 0); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return &returnResult{Return: true}, nil
}
