package ec2

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
	"github.com/berth-dev/berth/internal/awsapi/shape"
	"github.com/berth-dev/berth/internal/network/ipam"
	"github.com/berth-dev/berth/internal/network/vpcdns"
	"github.com/berth-dev/berth/internal/store"
)

// ECS makes an ENI for every awsvpc task: these are the calls it uses (in
// process, as ECS calls EC2 on AWS). The ENI is a record of kind kindENI
// whose address comes from the subnet's ipam pool (kind kindIPAM).

// TaskENIRequest asks for the ENI of one task.
type TaskENIRequest struct {
	Account, Region string
	Subnets         []string // as given in awsvpcConfiguration
	SecurityGroups  []string // none: the VPC's default group
	AssignPublicIP  bool
	AttachmentID    string // the task's ECS attachment id, named in the description
	// First is which of Subnets to try first, so that the tasks of one
	// RunTask call spread over its subnets.
	First int
}

// TaskNetworkError is a mistake in a task's network configuration, worded
// as ECS words it; ECS answers it as InvalidParameterException.
type TaskNetworkError struct{ Message string }

func (e *TaskNetworkError) Error() string { return e.Message }

func taskNetErr(format string, args ...any) error {
	return &TaskNetworkError{Message: fmt.Sprintf(format, args...)}
}

// noSuchSubnet is ECS's words for a subnet EC2 does not have.
func noSuchSubnet(id string) error {
	return taskNetErr("Error retrieving subnet information for [%s]: The subnet ID '%s' does not exist (ErrorCode: InvalidSubnetID.NotFound)", id, id)
}

// NoFreeAddressError: none of the task's subnets has a free address. ECS
// does not refuse the RunTask call for it; the task stops at once.
type NoFreeAddressError struct {
	SubnetID string
	Public   bool // the public pool is what ran out
}

func (e *NoFreeAddressError) Error() string {
	if e.Public {
		return fmt.Sprintf("Unexpected EC2 error while attempting to Create Network Interface with public IP assignment enabled in subnet '%s': AddressLimitExceeded", e.SubnetID)
	}
	return fmt.Sprintf("Unexpected EC2 error while attempting to Create Network Interface in subnet '%s': InsufficientFreeAddressesInSubnet", e.SubnetID)
}

// Requester names what made task ENIs (their RequesterId).
const (
	taskENIRequester   = "amazon-ecs"
	taskENIOwner       = "amazon-aws"
	maxTaskSubnets     = 16
	maxTaskGroups      = 5
	taskENIDescription = "arn:aws:ecs:%s:%s:attachment/%s"
)

// taskNet is a checked awsvpc configuration.
type taskNet struct {
	sc      scope
	vpc     *ec2types.Vpc
	subnets []*ec2types.Subnet
	groups  []string
}

// CheckTaskNetwork validates a task's network configuration: subnets and
// groups exist, and all are of one VPC. It changes nothing.
func (s *Service) CheckTaskNetwork(ctx context.Context, req TaskENIRequest) error {
	_, err := s.taskNetwork(ctx, req)
	return err
}

// taskRefusals are ECS's words for a bad awsvpc configuration.
var taskRefusals = netRefusals{
	noSubnet: noSuchSubnet,
	mixedVPCs: func(first, firstVPC, id, vpc string) error {
		return taskNetErr("Subnets must all be in the same VPC: %s is in %s, %s in %s.", first, firstVPC, id, vpc)
	},
	noGroup: func(id string) error {
		return taskNetErr("Error retrieving security group information for [%s]: The security group '%s' does not exist (ErrorCode: InvalidGroup.NotFound)", id, id)
	},
	groupNotInVPC: func(id, vpc string) error {
		return taskNetErr("Security group %s is not in the VPC of the subnets (%s).", id, vpc)
	},
}

func (s *Service) taskNetwork(ctx context.Context, req TaskENIRequest) (*taskNet, error) {
	sc := scope{account: req.Account, region: req.Region}
	d, err := s.ensureDefaults(ctx, sc)
	if err != nil {
		return nil, err
	}
	switch {
	case len(req.Subnets) == 0:
		return nil, taskNetErr("subnets can not be empty.")
	case len(req.Subnets) > maxTaskSubnets:
		return nil, taskNetErr("A maximum of %d subnets can be specified.", maxTaskSubnets)
	case len(req.SecurityGroups) > maxTaskGroups:
		return nil, taskNetErr("A maximum of %d security groups can be specified.", maxTaskGroups)
	}
	n := &taskNet{sc: sc}
	if n.subnets, n.groups, err = s.checkNetwork(ctx, sc, d, req.Subnets, req.SecurityGroups, taskRefusals); err != nil {
		return nil, err
	}
	if n.vpc, _, err = s.vpcs().Get(ctx, sc.key(kindVPC, n.subnets[0].VpcId)); err != nil {
		return nil, err
	}
	return n, nil
}

// CreateTaskENI validates the request, takes an address in the first of
// its subnets (from First on) that has one, and records the ENI, in use
// by the task. Errors: *TaskNetworkError, *NoFreeAddressError, or an
// internal one.
func (s *Service) CreateTaskENI(ctx context.Context, req TaskENIRequest) (*agentapi.ENI, error) {
	n, err := s.taskNetwork(ctx, req)
	if err != nil {
		return nil, err
	}
	id := newID("eni")
	var sub *ec2types.Subnet
	var eni ec2types.NetworkInterface
	for i := range n.subnets {
		sub = n.subnets[(req.First+i)%len(n.subnets)]
		eni, err = s.recordENI(ctx, n.sc, sub, id, func(addr netip.Addr) ec2types.NetworkInterface {
			return newTaskENI(n, sub, id, addr, req)
		})
		if !errors.Is(err, ipam.ErrExhausted) {
			break
		}
	}
	switch {
	case errors.Is(err, ipam.ErrExhausted):
		return nil, &NoFreeAddressError{SubnetID: sub.SubnetId}
	case errors.Is(err, errSubnetGone):
		return nil, noSuchSubnet(sub.SubnetId)
	case err != nil:
		return nil, err
	}
	eniKey := n.sc.key(kindENI, id)
	if req.AssignPublicIP {
		// The ENI exists first: the public pool's reclaim frees only
		// addresses whose ENI is gone, never one being handed out.
		pub, err := s.allocatePublic(ctx, eniKey)
		if err == nil {
			var v *ec2types.NetworkInterface
			v, _, err = s.enis().Mutate(ctx, eniKey, func(v *ec2types.NetworkInterface) error {
				v.Association = &ec2types.NetworkInterfaceAssociation{PublicIp: pub.String(), IpOwnerId: "amazon"}
				return nil
			})
			if err == nil {
				eni = *v
			}
		}
		if err != nil {
			_ = s.DeleteTaskENI(context.WithoutCancel(ctx), n.sc.account, n.sc.region, id)
			_ = s.releasePublic(context.WithoutCancel(ctx), eniKey)
			if errors.Is(err, ipam.ErrExhausted) {
				return nil, &NoFreeAddressError{SubnetID: sub.SubnetId, Public: true}
			}
			return nil, err
		}
	}
	var public string
	if eni.Association != nil {
		public = eni.Association.PublicIp
	}
	return &agentapi.ENI{
		ID: id, AttachmentID: req.AttachmentID, MAC: eni.MacAddress, PublicIPv4: public,
		PrivateIPv4: eni.PrivateIpAddress, PrivateDNSName: eni.PrivateDnsName,
		SubnetID: sub.SubnetId, SubnetCIDR: sub.CidrBlock, AvailabilityZone: sub.AvailabilityZone,
		VpcID: sub.VpcId, VpcCIDRs: vpcBlocks(n.vpc), SecurityGroups: n.groups,
	}, nil
}

// errSubnetGone: the subnet of an ENI being made was deleted meanwhile.
var errSubnetGone = errors.New("the subnet was deleted")

// recordENI takes an address in sub for the new ENI id and records the ENI
// that eni makes of it. The address goes back if the record cannot be
// written, and the ENI with it if the subnet was deleted meanwhile (a
// DeleteSubnet that looked for ENIs before this one was recorded: then
// errSubnetGone). A full subnet is ipam.ErrExhausted.
func (s *Service) recordENI(ctx context.Context, sc scope, sub *ec2types.Subnet, id string, eni func(netip.Addr) ec2types.NetworkInterface) (ec2types.NetworkInterface, error) {
	al := ipam.Allocator{S: s.store}
	key := sc.key(kindIPAM, sub.SubnetId)
	if err := al.Create(ctx, key, sub.CidrBlock); err != nil {
		return ec2types.NetworkInterface{}, err
	}
	addr, err := al.Allocate(ctx, key, id)
	if err != nil {
		return ec2types.NetworkInterface{}, err
	}
	v := eni(addr)
	if _, err := s.enis().Create(ctx, sc.key(kindENI, id), &v); err != nil {
		_ = al.Release(context.WithoutCancel(ctx), key, id)
		return ec2types.NetworkInterface{}, err
	}
	if _, _, err := s.subnets().Get(ctx, sc.key(kindSubnet, sub.SubnetId)); err != nil {
		_ = s.DeleteTaskENI(context.WithoutCancel(ctx), sc.account, sc.region, id)
		if errors.Is(err, store.ErrNotFound) {
			_ = s.store.Delete(context.WithoutCancel(ctx), key, 0) // made again by Create above
			return ec2types.NetworkInterface{}, errSubnetGone
		}
		return ec2types.NetworkInterface{}, err
	}
	return v, nil
}

// newTaskENI is the ENI record of a task's interface.
func newTaskENI(n *taskNet, sub *ec2types.Subnet, id string, addr netip.Addr, req TaskENIRequest) ec2types.NetworkInterface {
	var groups []ec2types.GroupIdentifier
	for _, g := range n.groups {
		groups = append(groups, ec2types.GroupIdentifier{GroupId: g})
	}
	dns := vpcdns.Name(addr, n.sc.region)
	return ec2types.NetworkInterface{
		NetworkInterfaceId: id,
		Attachment: &ec2types.NetworkInterfaceAttachment{
			AttachmentId: "ela-attach-" + newID("x")[2:], AttachTime: shape.NewTime(time.Now()), DeviceIndex: 1,
			InstanceOwnerId: taskENIOwner, Status: "attached", NetworkCardIndex: 0,
		},
		AvailabilityZone: sub.AvailabilityZone,
		Description:      fmt.Sprintf(taskENIDescription, n.sc.region, n.sc.account, req.AttachmentID),
		Groups:           groups,
		InterfaceType:    "interface",
		MacAddress:       newMAC(),
		OwnerId:          n.sc.account,
		PrivateDnsName:   dns,
		PrivateIpAddress: addr.String(),
		PrivateIpAddresses: []ec2types.NetworkInterfacePrivateIpAddress{{
			Primary: true, PrivateIpAddress: addr.String(), PrivateDnsName: dns,
		}},
		RequesterId:      taskENIRequester,
		RequesterManaged: true,
		SourceDestCheck:  true,
		Status:           "in-use",
		SubnetId:         sub.SubnetId,
		VpcId:            sub.VpcId,
	}
}

// newMAC is a random MAC as AWS gives ENIs: locally administered, unicast,
// starting 0a or 0e.
func newMAC() string {
	b := make(net.HardwareAddr, 6)
	_, _ = rand.Read(b)
	b[0] = 0x0a | b[0]&0x04
	return b.String()
}

// DeleteTaskENI deletes a task's ENI and frees its address. Deleting one
// that is gone is not an error.
func (s *Service) DeleteTaskENI(ctx context.Context, account, region, id string) error {
	sc := scope{account: account, region: region}
	key := sc.key(kindENI, id)
	eni, _, err := s.enis().Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	// The record goes first: an address is never free while an ENI still
	// shows it (a crash in between leaks the address instead).
	if err := s.enis().Delete(ctx, key, 0); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if eni.Association != nil {
		if err := s.releasePublic(ctx, key); err != nil {
			return err
		}
	}
	return (ipam.Allocator{S: s.store}).Release(ctx, sc.key(kindIPAM, eni.SubnetId), id)
}

// TaskENIRef names a task ENI, for the sweep of ENIs whose task is gone.
type TaskENIRef struct {
	Account, Region, ID string
	AttachedAt          time.Time
}

// TaskENIs lists the ENIs made for tasks, in every account and region.
func (s *Service) TaskENIs(ctx context.Context) ([]TaskENIRef, error) {
	items, _, err := s.enis().ListAll(ctx, "/"+kindENI+"/")
	if err != nil {
		return nil, err
	}
	var out []TaskENIRef
	for _, it := range items {
		v := it.Value
		parts := strings.Split(it.Key, "/") // "", kind, account, region, id
		if v.RequesterId != taskENIRequester || len(parts) != 5 {
			continue
		}
		ref := TaskENIRef{Account: parts[2], Region: parts[3], ID: v.NetworkInterfaceId}
		if v.Attachment != nil && v.Attachment.AttachTime != nil {
			ref.AttachedAt = v.Attachment.AttachTime.Time
		}
		out = append(out, ref)
	}
	return out, nil
}
