package ec2

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
)

// DescribeNetworkInterfaces lists ENIs (today those of awsvpc tasks), by
// id and by filter.
func (s *Service) DescribeNetworkInterfaces(ctx context.Context, in *ec2types.DescribeNetworkInterfacesRequest) (*ec2types.DescribeNetworkInterfacesResult, error) {
	sc := scopeOf(ctx)
	if _, err := s.ensureDefaults(ctx, sc); err != nil {
		return nil, err
	}
	if err := checkMaxResults(in.MaxResults); err != nil {
		return nil, err
	}
	if in.MaxResults != 0 && len(in.NetworkInterfaceIds) > 0 {
		return nil, ec2Error("InvalidParameterCombination", "The parameter NetworkInterfaceIds cannot be used with the parameter MaxResults")
	}
	// Filter names are checked even when there is nothing to match.
	if _, err := matchFilters(in.Filters, eniFields(&ec2types.NetworkInterface{})); err != nil {
		return nil, err
	}
	all, err := s.listENIs(ctx, sc)
	if err != nil {
		return nil, err
	}
	for _, id := range in.NetworkInterfaceIds {
		if !slices.ContainsFunc(all, func(v ec2types.NetworkInterface) bool { return v.NetworkInterfaceId == id }) {
			return nil, ec2Error("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '%s' does not exist", id)
		}
	}
	names, err := s.groupNames(ctx, sc)
	if err != nil {
		return nil, err
	}
	var matched []ec2types.NetworkInterface
	for i := range all {
		if len(in.NetworkInterfaceIds) > 0 && !slices.Contains(in.NetworkInterfaceIds, all[i].NetworkInterfaceId) {
			continue
		}
		// Filtered as shown: the record keeps group ids, the view has
		// their names too (for group-name).
		v := eniView(all[i], names)
		ok, err := matchFilters(in.Filters, eniFields(&v))
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, v)
		}
	}
	page, next, err := takePage(matched, func(v ec2types.NetworkInterface) string { return v.NetworkInterfaceId }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &ec2types.DescribeNetworkInterfacesResult{NetworkInterfaces: page, NextToken: next}, nil
}

// listENIs returns the scope's ENIs ordered by id.
func (s *Service) listENIs(ctx context.Context, sc scope) ([]ec2types.NetworkInterface, error) {
	items, _, err := s.enis().ListAll(ctx, sc.prefix(kindENI))
	if err != nil {
		return nil, err
	}
	out := make([]ec2types.NetworkInterface, 0, len(items))
	for _, it := range items {
		out = append(out, it.Value)
	}
	slices.SortFunc(out, func(a, b ec2types.NetworkInterface) int {
		return strings.Compare(a.NetworkInterfaceId, b.NetworkInterfaceId)
	})
	return out, nil
}

// groupNames maps the scope's group ids to their names.
func (s *Service) groupNames(ctx context.Context, sc scope) (map[string]string, error) {
	groups, err := s.listGroups(ctx, sc)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(groups))
	for _, g := range groups {
		names[g.Group.GroupId] = g.Group.GroupName
	}
	return names, nil
}

// eniView is an ENI as the API answers it: group names filled in (a group
// can't be renamed, but the record keeps ids only), empty lists left out.
func eniView(v ec2types.NetworkInterface, names map[string]string) ec2types.NetworkInterface {
	v.Groups = slices.Clone(v.Groups)
	for i := range v.Groups {
		v.Groups[i].GroupName = names[v.Groups[i].GroupId]
	}
	if len(v.TagSet) == 0 {
		v.TagSet = nil
	}
	return v
}

// eniFields answers DescribeNetworkInterfaces' filters for one ENI.
func eniFields(v *ec2types.NetworkInterface) func(string) ([]string, bool) {
	return func(name string) ([]string, bool) {
		one := func(s string) ([]string, bool) { return []string{s}, true }
		switch name {
		case "network-interface-id":
			return one(v.NetworkInterfaceId)
		case "subnet-id":
			return one(v.SubnetId)
		case "vpc-id":
			return one(v.VpcId)
		case "availability-zone":
			return one(v.AvailabilityZone)
		case "availability-zone-id":
			return one(v.AvailabilityZoneId)
		case "addresses.primary":
			return one("true")
		case "association.public-ip", "addresses.association.public-ip", "association.ip-owner-id", "addresses.association.owner-id":
			if v.Association == nil {
				return nil, true
			}
			if strings.HasSuffix(name, "public-ip") {
				return one(v.Association.PublicIp)
			}
			return one(v.Association.IpOwnerId)
		case "attachment.attachment-id", "attachment.status", "attachment.instance-owner-id", "attachment.device-index":
			if v.Attachment == nil {
				return nil, true
			}
			a := v.Attachment
			return one(map[string]string{
				"attachment.attachment-id": a.AttachmentId, "attachment.status": a.Status,
				"attachment.instance-owner-id": a.InstanceOwnerId, "attachment.device-index": strconv.Itoa(int(a.DeviceIndex)),
			}[name])
		case "description":
			return one(v.Description)
		case "interface-type":
			return one(v.InterfaceType)
		case "mac-address":
			return one(v.MacAddress)
		case "owner-id":
			return one(v.OwnerId)
		case "private-dns-name":
			return one(v.PrivateDnsName)
		case "private-ip-address", "addresses.private-ip-address":
			return one(v.PrivateIpAddress)
		case "requester-id":
			return one(v.RequesterId)
		case "requester-managed":
			return one(strconv.FormatBool(v.RequesterManaged))
		case "source-dest-check":
			return one(strconv.FormatBool(v.SourceDestCheck))
		case "status":
			return one(v.Status)
		case "group-id", "group-name":
			var out []string
			for _, g := range v.Groups {
				out = append(out, map[bool]string{true: g.GroupId, false: g.GroupName}[name == "group-id"])
			}
			return out, true
		}
		return tagFields(v.TagSet, name)
	}
}

// groupInUse reports whether a network interface uses security group id,
// which keeps DeleteSecurityGroup from removing it (DependencyViolation).
func (s *Service) groupInUse(ctx context.Context, sc scope, id string) (bool, error) {
	all, err := s.listENIs(ctx, sc)
	if err != nil {
		return false, err
	}
	for _, v := range all {
		if slices.ContainsFunc(v.Groups, func(g ec2types.GroupIdentifier) bool { return g.GroupId == id }) {
			return true, nil
		}
	}
	return false, nil
}

// subnetInUse reports whether a network interface is in subnet id.
func (s *Service) subnetInUse(ctx context.Context, sc scope, id string) (bool, error) {
	all, err := s.listENIs(ctx, sc)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(all, func(v ec2types.NetworkInterface) bool { return v.SubnetId == id }), nil
}
