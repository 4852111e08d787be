package ec2

import "github.com/berth-dev/berth/internal/awsapi/protocol"

// routes lists every EC2 operation berth serves, with its IAM action
// (ec2:<Operation>).
func (s *Service) routes() []protocol.Operation {
	return []protocol.Operation{
		protocol.Op("ec2", "DescribeAvailabilityZones", s.DescribeAvailabilityZones),
		protocol.Op("ec2", "DescribeAccountAttributes", s.DescribeAccountAttributes),
	}
}
