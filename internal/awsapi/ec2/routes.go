package ec2

import (
	"slices"

	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// routes lists every EC2 operation berth serves, with its IAM action
// (ec2:<Operation>).
func (s *Service) routes() []protocol.Operation {
	return slices.Concat([]protocol.Operation{
		protocol.Op("ec2", "DescribeAvailabilityZones", s.DescribeAvailabilityZones),
		protocol.Op("ec2", "DescribeAccountAttributes", s.DescribeAccountAttributes),
	}, s.vpcRoutes(), s.securityGroupRoutes())
}
