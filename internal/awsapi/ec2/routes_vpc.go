package ec2

import "github.com/berth-dev/berth/internal/awsapi/protocol"

// vpcRoutes: VPCs, subnets and tags.
func (s *Service) vpcRoutes() []protocol.Operation {
	return []protocol.Operation{
		protocol.Op("ec2", "CreateVpc", s.CreateVpc),
		protocol.Op("ec2", "DescribeVpcs", s.DescribeVpcs),
		protocol.Op("ec2", "DeleteVpc", s.DeleteVpc),
		protocol.Op("ec2", "CreateSubnet", s.CreateSubnet),
		protocol.Op("ec2", "DescribeSubnets", s.DescribeSubnets),
		protocol.Op("ec2", "DeleteSubnet", s.DeleteSubnet),
		protocol.Op("ec2", "CreateTags", s.CreateTags),
		protocol.Op("ec2", "DeleteTags", s.DeleteTags),
		protocol.Op("ec2", "DescribeTags", s.DescribeTags),
	}
}
