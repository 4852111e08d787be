package ec2

import "github.com/berth-dev/berth/internal/awsapi/protocol"

// vpcRoutes: VPCs, subnets and tags.
func (s *Service) vpcRoutes() []protocol.Operation {
	return nil
}
