package ec2

import "github.com/berth-dev/berth/internal/awsapi/protocol"

// securityGroupRoutes: security groups, their rules, network interfaces.
func (s *Service) securityGroupRoutes() []protocol.Operation {
	return []protocol.Operation{
		protocol.Op("ec2", "CreateSecurityGroup", s.CreateSecurityGroup),
		protocol.Op("ec2", "DescribeSecurityGroups", s.DescribeSecurityGroups),
		protocol.Op("ec2", "DeleteSecurityGroup", s.DeleteSecurityGroup),
		protocol.Op("ec2", "AuthorizeSecurityGroupIngress", s.AuthorizeSecurityGroupIngress),
		protocol.Op("ec2", "AuthorizeSecurityGroupEgress", s.AuthorizeSecurityGroupEgress),
		protocol.Op("ec2", "RevokeSecurityGroupIngress", s.RevokeSecurityGroupIngress),
		protocol.Op("ec2", "RevokeSecurityGroupEgress", s.RevokeSecurityGroupEgress),
		protocol.Op("ec2", "DescribeSecurityGroupRules", s.DescribeSecurityGroupRules),
		protocol.Op("ec2", "DescribeNetworkInterfaces", s.DescribeNetworkInterfaces),
	}
}
