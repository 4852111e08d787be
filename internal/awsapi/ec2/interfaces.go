package ec2

import (
	"context"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
)

// networkInterfaceFilters are the DescribeNetworkInterfaces filter names
// berth accepts, besides the tag filters.
var networkInterfaceFilters = map[string]bool{
	"network-interface-id": true, "subnet-id": true, "vpc-id": true, "group-id": true, "group-name": true,
	"private-ip-address": true, "addresses.private-ip-address": true, "availability-zone": true,
	"status": true, "interface-type": true, "requester-id": true, "requester-managed": true,
	"description": true, "mac-address": true, "owner-id": true, "private-dns-name": true,
	"attachment.attachment-id": true, "attachment.status": true, "source-dest-check": true,
}

// DescribeNetworkInterfaces lists ENIs. Tasks do not get ENIs yet, so
// the set is always empty; the request is still validated as EC2 does.
func (s *Service) DescribeNetworkInterfaces(ctx context.Context, in *ec2types.DescribeNetworkInterfacesRequest) (*ec2types.DescribeNetworkInterfacesResult, error) {
	sc := scopeOf(ctx)
	if _, err := s.ensureDefaults(ctx, sc); err != nil {
		return nil, err
	}
	// With nothing to match against, check the filter names on a
	// resource with no values.
	if _, err := matchFilters(in.Filters, func(name string) ([]string, bool) {
		if networkInterfaceFilters[name] {
			return nil, true
		}
		return tagFields(nil, name)
	}); err != nil {
		return nil, err
	}
	if len(in.NetworkInterfaceIds) > 0 {
		return nil, ec2Error("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '%s' does not exist", in.NetworkInterfaceIds[0])
	}
	page, next, err := takePage([]ec2types.NetworkInterface{}, func(ec2types.NetworkInterface) string { return "" }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &ec2types.DescribeNetworkInterfacesResult{NetworkInterfaces: page, NextToken: next}, nil
}

// groupInUse reports whether a network interface uses security group id,
// which keeps DeleteSecurityGroup from removing it (DependencyViolation).
// No ENIs exist yet; when tasks get them, look them up here.
func (s *Service) groupInUse(ctx context.Context, sc scope, id string) (bool, error) {
	return false, nil
}
