package ec2

import (
	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
	"github.com/berth-dev/berth/internal/store"
)

// Records: the API shapes themselves, keyed by id under the kinds of
// service.go. A security group keeps its rules as SecurityGroupRule shapes
// (each with its sgr- id); DescribeSecurityGroups folds them into
// IpPermissions.
type sgRecord struct {
	Group ec2types.SecurityGroup       `json:"group"`
	Rules []ec2types.SecurityGroupRule `json:"rules,omitempty"`
}

func (s *Service) vpcs() store.Typed[ec2types.Vpc] { return store.Typed[ec2types.Vpc]{S: s.store} }
func (s *Service) subnets() store.Typed[ec2types.Subnet] {
	return store.Typed[ec2types.Subnet]{S: s.store}
}
func (s *Service) groups() store.Typed[sgRecord] { return store.Typed[sgRecord]{S: s.store} }
func (s *Service) enis() store.Typed[ec2types.NetworkInterface] {
	return store.Typed[ec2types.NetworkInterface]{S: s.store}
}
