package ec2

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
	"github.com/berth-dev/berth/internal/network/ipam"
	"github.com/berth-dev/berth/internal/store"
)

// subnetCreateMu serialises CreateSubnet's overlap check and write within
// this process, so two concurrent calls can not both take one block.
var subnetCreateMu sync.Mutex

func subnetNotFound(id string) error {
	return ec2Error("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
}

// subnetView is a subnet as the API answers it, tagSet left out when empty.
func subnetView(v ec2types.Subnet) ec2types.Subnet {
	if len(v.Tags) == 0 {
		v.Tags = nil
	}
	return v
}

// subnetZone picks the zone of a new subnet from a zone name or id, or the
// region's first zone when neither is given.
func subnetZone(sc scope, name, id string) (ec2types.AvailabilityZone, error) {
	zones := sc.zones()
	if name == "" && id == "" {
		return zones[0], nil
	}
	var names []string
	for _, z := range zones {
		names = append(names, z.ZoneName)
	}
	for _, z := range zones {
		if (name == "" || z.ZoneName == name) && (id == "" || z.ZoneId == id) {
			return z, nil
		}
	}
	param, value := "availabilityZone", name
	if name == "" || sc.validZone(name) {
		param, value = "availabilityZoneId", id
	}
	return ec2types.AvailabilityZone{}, invalidValue(
		"Value (%s) for parameter %s is invalid. Subnets can currently only be created in the following availability zones: %s.",
		value, param, strings.Join(names, ", "))
}

// CreateSubnet makes a subnet of a VPC in one availability zone.
func (s *Service) CreateSubnet(ctx context.Context, in *ec2types.CreateSubnetRequest) (*ec2types.CreateSubnetResult, error) {
	sc := scopeOf(ctx)
	if _, err := s.ensureDefaults(ctx, sc); err != nil {
		return nil, err
	}
	if in.VpcId == "" {
		return nil, missingParameter("vpcId")
	}
	if in.CidrBlock == "" {
		return nil, missingParameter("cidrBlock")
	}
	block, err := parseCIDRBlock(in.CidrBlock)
	if err != nil {
		return nil, err
	}
	vpc, _, err := s.vpcs().Get(ctx, sc.key(kindVPC, in.VpcId))
	if errors.Is(err, store.ErrNotFound) {
		return nil, vpcNotFound(in.VpcId)
	} else if err != nil {
		return nil, err
	}
	if !blockSizeOK(block) || !withinVPC(vpc, block.String()) {
		return nil, ec2Error("InvalidSubnet.Range", "The CIDR '%s' is invalid.", in.CidrBlock)
	}
	zone, err := subnetZone(sc, in.AvailabilityZone, in.AvailabilityZoneId)
	if err != nil {
		return nil, err
	}
	tags, err := tagsFor(in.TagSpecifications, "subnet")
	if err != nil {
		return nil, err
	}

	subnetCreateMu.Lock()
	defer subnetCreateMu.Unlock()
	existing, _, err := s.subnets().ListAll(ctx, sc.prefix(kindSubnet))
	if err != nil {
		return nil, err
	}
	for _, it := range existing {
		if it.Value.VpcId == in.VpcId && cidrsOverlap(it.Value.CidrBlock, block.String()) {
			return nil, ec2Error("InvalidSubnet.Conflict", "The CIDR '%s' conflicts with another subnet", in.CidrBlock)
		}
	}
	id := newID("subnet")
	sub := newSubnet(sc, id, in.VpcId, block.String(), zone, false)
	sub.Tags = tags
	if _, err := s.subnets().Create(ctx, sc.key(kindSubnet, id), &sub); err != nil {
		return nil, fmt.Errorf("create subnet %s: %w", id, err)
	}
	out := subnetView(sub)
	return &ec2types.CreateSubnetResult{Subnet: &out}, nil
}

// withinVPC reports whether cidr lies inside one of vpc's IPv4 blocks.
func withinVPC(vpc *ec2types.Vpc, cidr string) bool {
	return slices.ContainsFunc(vpcBlocks(vpc), func(b string) bool { return cidrContains(b, cidr) })
}

// vpcBlocks are a VPC's IPv4 blocks: the primary and the associated ones.
func vpcBlocks(vpc *ec2types.Vpc) []string {
	blocks := []string{vpc.CidrBlock}
	for _, a := range vpc.CidrBlockAssociationSet {
		if !slices.Contains(blocks, a.CidrBlock) {
			blocks = append(blocks, a.CidrBlock)
		}
	}
	return blocks
}

// subnetFields answers DescribeSubnets' filters for v.
func subnetFields(v *ec2types.Subnet) func(string) ([]string, bool) {
	return func(name string) ([]string, bool) {
		switch name {
		case "subnet-id":
			return []string{v.SubnetId}, true
		case "subnet-arn":
			return []string{v.SubnetArn}, true
		case "vpc-id", "vpcId":
			return []string{v.VpcId}, true
		case "cidr-block", "cidr", "cidrBlock":
			return []string{v.CidrBlock}, true
		case "availability-zone", "availabilityZone":
			return []string{v.AvailabilityZone}, true
		case "availability-zone-id", "availabilityZoneId":
			return []string{v.AvailabilityZoneId}, true
		case "default-for-az", "defaultForAz":
			return []string{strconv.FormatBool(v.DefaultForAz)}, true
		case "state":
			return []string{v.State}, true
		case "owner-id":
			return []string{v.OwnerId}, true
		case "map-public-ip-on-launch":
			return []string{strconv.FormatBool(v.MapPublicIpOnLaunch)}, true
		case "available-ip-address-count", "availableIpAddressCount":
			return []string{strconv.Itoa(int(v.AvailableIpAddressCount))}, true
		}
		return tagFields(v.Tags, name)
	}
}

// DescribeSubnets lists the subnets of the account and region, by id and
// filter.
func (s *Service) DescribeSubnets(ctx context.Context, in *ec2types.DescribeSubnetsRequest) (*ec2types.DescribeSubnetsResult, error) {
	sc := scopeOf(ctx)
	if _, err := s.ensureDefaults(ctx, sc); err != nil {
		return nil, err
	}
	if err := checkMaxResults(in.MaxResults); err != nil {
		return nil, err
	}
	items, _, err := s.subnets().ListAll(ctx, sc.prefix(kindSubnet))
	if err != nil {
		return nil, err
	}
	for _, id := range in.SubnetIds {
		if !slices.ContainsFunc(items, func(it store.Item[ec2types.Subnet]) bool { return it.Value.SubnetId == id }) {
			return nil, subnetNotFound(id)
		}
	}
	var matched []ec2types.Subnet
	for i := range items {
		v := &items[i].Value
		if len(in.SubnetIds) > 0 && !slices.Contains(in.SubnetIds, v.SubnetId) {
			continue
		}
		ok, err := matchFilters(in.Filters, subnetFields(v))
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, subnetView(*v))
		}
	}
	for i := range matched {
		if free, err := (ipam.Allocator{S: s.store}).Free(ctx, sc.key(kindIPAM, matched[i].SubnetId)); err == nil {
			matched[i].AvailableIpAddressCount = int32(free)
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	slices.SortFunc(matched, func(a, b ec2types.Subnet) int { return strings.Compare(a.SubnetId, b.SubnetId) })
	page, next, err := takePage(matched, func(v ec2types.Subnet) string { return v.SubnetId }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &ec2types.DescribeSubnetsResult{Subnets: nonNil(page), NextToken: next}, nil
}

// DeleteSubnet deletes a subnet that has no network interfaces.
func (s *Service) DeleteSubnet(ctx context.Context, in *ec2types.DeleteSubnetRequest) (*returnResult, error) {
	sc := scopeOf(ctx)
	if _, err := s.ensureDefaults(ctx, sc); err != nil {
		return nil, err
	}
	if in.SubnetId == "" {
		return nil, missingParameter("subnetId")
	}
	key := sc.key(kindSubnet, in.SubnetId)
	if _, _, err := s.subnets().Get(ctx, key); errors.Is(err, store.ErrNotFound) {
		return nil, subnetNotFound(in.SubnetId)
	} else if err != nil {
		return nil, err
	}
	if used, err := s.subnetInUse(ctx, sc, in.SubnetId); err != nil {
		return nil, err
	} else if used {
		return nil, ec2Error(codeDependencyViolation, "The subnet '%s' has dependencies and cannot be deleted.", in.SubnetId)
	}
	if err := s.subnets().Delete(ctx, key, 0); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err := s.store.Delete(ctx, sc.key(kindIPAM, in.SubnetId), 0); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return &returnResult{Return: true}, nil
}

// cidrContains reports whether block inner lies within block outer.
func cidrContains(outer, inner string) bool {
	o, err1 := netip.ParsePrefix(outer)
	i, err2 := netip.ParsePrefix(inner)
	return err1 == nil && err2 == nil && o.Bits() <= i.Bits() && o.Contains(i.Addr())
}

// cidrsOverlap reports whether blocks a and b share an address.
func cidrsOverlap(a, b string) bool {
	pa, err1 := netip.ParsePrefix(a)
	pb, err2 := netip.ParsePrefix(b)
	return err1 == nil && err2 == nil && pa.Overlaps(pb)
}
