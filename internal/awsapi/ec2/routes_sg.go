package ec2

import "github.com/berth-dev/berth/internal/awsapi/protocol"

// securityGroupRoutes: security groups, their rules, network interfaces.
func (s *Service) securityGroupRoutes() []protocol.Operation {
	return nil
}
