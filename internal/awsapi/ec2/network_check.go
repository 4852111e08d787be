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

// netRefusals word the refusals of a network request as the API checking
// it does: ECS for a task's awsvpc configuration, ELB for a load
// balancer's subnets.
type netRefusals struct {
	noSubnet      func(id string) error
	mixedVPCs     func(first, firstVPC, id, vpc string) error
	noGroup       func(id string) error
	groupNotInVPC func(id, vpc string) error
}

// checkNetwork resolves at least one subnet, all of one VPC, and security
// groups of that VPC (none given: its default group), each once, in the
// order given.
func (s *Service) checkNetwork(ctx context.Context, sc scope, d *defaults, subnetIDs, groupIDs []string, no netRefusals) ([]*ec2types.Subnet, []string, error) {
	var subs []*ec2types.Subnet
	for _, id := range subnetIDs {
		sub, _, err := s.subnets().Get(ctx, sc.key(kindSubnet, id))
		if errors.Is(err, store.ErrNotFound) || err == nil && !strings.HasPrefix(id, "subnet-") {
			return nil, nil, no.noSubnet(id)
		} else if err != nil {
			return nil, nil, err
		}
		if len(subs) > 0 && sub.VpcId != subs[0].VpcId {
			return nil, nil, no.mixedVPCs(subs[0].SubnetId, subs[0].VpcId, id, sub.VpcId)
		}
		if !slices.ContainsFunc(subs, func(x *ec2types.Subnet) bool { return x.SubnetId == id }) {
			subs = append(subs, sub)
		}
	}
	vpcID := subs[0].VpcId
	var groups []string
	for _, id := range groupIDs {
		g, _, err := s.groups().Get(ctx, sc.key(kindSG, id))
		if errors.Is(err, store.ErrNotFound) || err == nil && !strings.HasPrefix(id, "sg-") {
			return nil, nil, no.noGroup(id)
		} else if err != nil {
			return nil, nil, err
		}
		if g.Group.VpcId != vpcID {
			return nil, nil, no.groupNotInVPC(id, vpcID)
		}
		if !slices.Contains(groups, id) {
			groups = append(groups, id)
		}
	}
	if len(groups) == 0 {
		id := d.GroupID
		if vpcID != d.VPCID {
			var err error
			if id, err = s.groupIDInVPC(ctx, sc, vpcID, "default"); err != nil {
				return nil, nil, err
			} else if id == "" {
				return nil, nil, fmt.Errorf("ec2: VPC %s has no default security group", vpcID)
			}
		}
		groups = []string{id}
	}
	return subs, groups, nil
}
