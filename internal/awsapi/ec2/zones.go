package ec2

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
	"github.com/berth-dev/berth/internal/store"
)

// zoneLetters are the availability zones berth offers in every region:
// <region>a, b and c. Hosts say which zone they are in; a single host
// serves all three.
var zoneLetters = []string{"a", "b", "c"}

// zones returns the region's zones as DescribeAvailabilityZones shows them.
func (sc scope) zones() []ec2types.AvailabilityZone {
	var out []ec2types.AvailabilityZone
	for i, l := range zoneLetters {
		out = append(out, ec2types.AvailabilityZone{
			OptInStatus: "opt-in-not-required", Messages: []ec2types.AvailabilityZoneMessage{},
			RegionName: sc.region, ZoneName: sc.region + l, ZoneId: fmt.Sprintf("%s-az%d", zoneIDPrefix(sc.region), i+1),
			GroupName: sc.region, NetworkBorderGroup: sc.region, ZoneType: "availability-zone", State: "available",
		})
	}
	return out
}

// zoneIDPrefix abbreviates a region as AWS's zone ids do: us-east-1 → use1.
func zoneIDPrefix(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) < 3 {
		return region
	}
	var b strings.Builder
	b.WriteString(parts[0])
	for _, p := range parts[1 : len(parts)-1] {
		if p != "" {
			b.WriteByte(p[0])
		}
	}
	b.WriteString(parts[len(parts)-1])
	return b.String()
}

// validZone reports whether name is a zone of the region.
func (sc scope) validZone(name string) bool {
	return slices.ContainsFunc(sc.zones(), func(z ec2types.AvailabilityZone) bool { return z.ZoneName == name })
}

// DescribeAvailabilityZones lists the region's zones.
func (s *Service) DescribeAvailabilityZones(ctx context.Context, in *ec2types.DescribeAvailabilityZonesRequest) (*ec2types.DescribeAvailabilityZonesResult, error) {
	sc := scopeOf(ctx)
	out := &ec2types.DescribeAvailabilityZonesResult{AvailabilityZones: []ec2types.AvailabilityZone{}}
	for _, name := range in.ZoneNames {
		if !sc.validZone(name) {
			return nil, invalidValue("The zone '%s' does not exist.", name)
		}
	}
	for _, z := range sc.zones() {
		if len(in.ZoneNames) > 0 && !slices.Contains(in.ZoneNames, z.ZoneName) ||
			len(in.ZoneIds) > 0 && !slices.Contains(in.ZoneIds, z.ZoneId) {
			continue
		}
		ok, err := matchFilters(in.Filters, func(name string) ([]string, bool) {
			switch name {
			case "zone-name":
				return []string{z.ZoneName}, true
			case "zone-id":
				return []string{z.ZoneId}, true
			case "region-name":
				return []string{z.RegionName}, true
			case "state":
				return []string{z.State}, true
			case "zone-type":
				return []string{z.ZoneType}, true
			case "group-name":
				return []string{z.GroupName}, true
			case "opt-in-status":
				return []string{z.OptInStatus}, true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			out.AvailabilityZones = append(out.AvailabilityZones, z)
		}
	}
	return out, nil
}

// DescribeAccountAttributes answers the attributes tools ask for: the
// supported platforms and the default VPC.
func (s *Service) DescribeAccountAttributes(ctx context.Context, in *ec2types.DescribeAccountAttributesRequest) (*ec2types.DescribeAccountAttributesResult, error) {
	sc := scopeOf(ctx)
	d, err := s.ensureDefaults(ctx, sc)
	if err != nil {
		return nil, err
	}
	defaultVPC := d.VPCID
	if _, _, err := s.vpcs().Get(ctx, sc.key(kindVPC, d.VPCID)); errors.Is(err, store.ErrNotFound) {
		defaultVPC = "none" // deleted, as AWS answers then
	} else if err != nil {
		return nil, err
	}
	attrs := []ec2types.AccountAttribute{
		{AttributeName: "supported-platforms", AttributeValues: []ec2types.AccountAttributeValue{{AttributeValue: "VPC"}}},
		{AttributeName: "default-vpc", AttributeValues: []ec2types.AccountAttributeValue{{AttributeValue: defaultVPC}}},
		{AttributeName: "max-instances", AttributeValues: []ec2types.AccountAttributeValue{{AttributeValue: "0"}}},
		{AttributeName: "vpc-max-security-groups-per-interface", AttributeValues: []ec2types.AccountAttributeValue{{AttributeValue: "5"}}},
		{AttributeName: "max-elastic-ips", AttributeValues: []ec2types.AccountAttributeValue{{AttributeValue: "5"}}},
		{AttributeName: "vpc-max-elastic-ips", AttributeValues: []ec2types.AccountAttributeValue{{AttributeValue: "5"}}},
	}
	out := &ec2types.DescribeAccountAttributesResult{AccountAttributes: []ec2types.AccountAttribute{}}
	for _, a := range attrs {
		if len(in.AttributeNames) == 0 || slices.Contains(in.AttributeNames, a.AttributeName) {
			out.AccountAttributes = append(out.AccountAttributes, a)
		}
	}
	return out, nil
}
