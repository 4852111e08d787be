package ec2

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
	"github.com/berth-dev/berth/internal/store"
)

// defaults records that an account's default network exists in a region.
type defaults struct {
	VPCID   string   `json:"vpcId"`
	Subnets []string `json:"subnets"`
	GroupID string   `json:"groupId"`
}

// defaultID derives the id of a default resource from the account, region
// and what it is, so that racing first calls create the same records and
// the loser's Create finds them already there.
func defaultID(sc scope, prefix, what string) string {
	sum := sha256.Sum256([]byte(sc.account + "/" + sc.region + "/" + what))
	return prefix + "-" + hex.EncodeToString(sum[:])[:17]
}

// ensureDefaults makes the default VPC (DefaultVPCCIDR), one default /20
// subnet per zone and the VPC's default security group, once per account
// and region. Safe to call on every request: after the first, one read.
func (s *Service) ensureDefaults(ctx context.Context, sc scope) (*defaults, error) {
	key := sc.key(kindDefaults, "network")
	t := store.Typed[defaults]{S: s.store}
	if d, _, err := t.Get(ctx, key); err == nil {
		return d, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err := ValidDefaultVPCCIDR(s.DefaultVPCCIDR); err != nil {
		return nil, err
	}
	block := netip.MustParsePrefix(s.DefaultVPCCIDR)
	d := &defaults{VPCID: defaultID(sc, "vpc", "vpc"), GroupID: defaultID(sc, "sg", "sg")}
	vpc := newVPC(sc, d.VPCID, block.Masked().String(), true)
	if err := createOnce(ctx, s.vpcs(), sc.key(kindVPC, d.VPCID), &vpc); err != nil {
		return nil, err
	}
	next := block.Masked().Addr()
	for _, z := range sc.zones() {
		id := defaultID(sc, "subnet", z.ZoneName)
		sub := newSubnet(sc, id, d.VPCID, netip.PrefixFrom(next, 20).String(), z, true)
		if err := createOnce(ctx, s.subnets(), sc.key(kindSubnet, id), &sub); err != nil {
			return nil, err
		}
		d.Subnets = append(d.Subnets, id)
		next = addOffset(next, 1<<(32-20))
	}
	sg := newDefaultGroup(sc, d.GroupID, d.VPCID)
	if err := createOnce(ctx, s.groups(), sc.key(kindSG, d.GroupID), &sg); err != nil {
		return nil, err
	}
	if err := createOnce(ctx, t, key, d); err != nil {
		return nil, err
	}
	return d, nil
}

// createOnce creates a record unless it exists already.
func createOnce[T any](ctx context.Context, t store.Typed[T], key string, v *T) error {
	if _, err := t.Create(ctx, key, v); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return err
	}
	return nil
}

// addOffset adds n to an IPv4 address.
func addOffset(a netip.Addr, n uint32) netip.Addr {
	b := a.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v += n
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// newVPC is a VPC as CreateVpc answers it.
func newVPC(sc scope, id, cidr string, isDefault bool) ec2types.Vpc {
	return ec2types.Vpc{
		OwnerId: sc.account, InstanceTenancy: "default", IsDefault: isDefault,
		CidrBlockAssociationSet: []ec2types.VpcCidrBlockAssociation{{
			AssociationId: "vpc-cidr-assoc-" + id[len("vpc-"):], CidrBlock: cidr,
			CidrBlockState: &ec2types.VpcCidrBlockState{State: "associated"},
		}},
		Ipv6CidrBlockAssociationSet: []ec2types.VpcIpv6CidrBlockAssociation{},
		Tags:                        []ec2types.Tag{},
		VpcId:                       id, State: "available", CidrBlock: cidr, DhcpOptionsId: "default",
	}
}

// newSubnet is a subnet as CreateSubnet answers it; AWS keeps five
// addresses of every subnet (network, router, DNS, future, broadcast).
func newSubnet(sc scope, id, vpcID, cidr string, z ec2types.AvailabilityZone, isDefault bool) ec2types.Subnet {
	p := netip.MustParsePrefix(cidr)
	return ec2types.Subnet{
		AvailabilityZoneId: z.ZoneId, AvailabilityZone: z.ZoneName, OwnerId: sc.account,
		Ipv6CidrBlockAssociationSet: []ec2types.SubnetIpv6CidrBlockAssociation{},
		Tags:                        []ec2types.Tag{},
		SubnetArn:                   sc.arn("subnet/" + id), SubnetId: id, State: "available", VpcId: vpcID, CidrBlock: cidr,
		AvailableIpAddressCount: int32(1<<(32-p.Bits())) - 5,
		DefaultForAz:            isDefault, MapPublicIpOnLaunch: isDefault,
	}
}

// newDefaultGroup is a VPC's default security group: inbound from itself,
// outbound anywhere.
func newDefaultGroup(sc scope, id, vpcID string) sgRecord {
	g := sgRecord{Group: ec2types.SecurityGroup{
		GroupId: id, VpcId: vpcID, OwnerId: sc.account, GroupName: "default",
		Description: "default VPC security group", SecurityGroupArn: sc.arn("security-group/" + id),
		Tags: []ec2types.Tag{},
	}}
	g.Rules = []ec2types.SecurityGroupRule{
		{SecurityGroupRuleId: defaultID(sc, "sgr", id+"/in"), GroupId: id, GroupOwnerId: sc.account, IpProtocol: "-1", FromPort: -1, ToPort: -1,
			ReferencedGroupInfo: &ec2types.ReferencedSecurityGroup{GroupId: id, UserId: sc.account}},
		{SecurityGroupRuleId: defaultID(sc, "sgr", id+"/out"), GroupId: id, GroupOwnerId: sc.account, IsEgress: true, IpProtocol: "-1", FromPort: -1, ToPort: -1,
			CidrIpv4: "0.0.0.0/0"},
	}
	return g
}

// ValidDefaultVPCCIDR checks a default VPC block: an IPv4 network address
// of /16 to /18, so that each of the three zones gets a default /20.
func ValidDefaultVPCCIDR(cidr string) error {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() || p.Bits() < 16 || p.Bits() > 18 || p.Masked() != p {
		return fmt.Errorf("default VPC CIDR %q: want an IPv4 network block from /16 to /18", cidr)
	}
	return nil
}
