package elbv2

import (
	"context"
	"net/netip"
)

// Network is the EC2 side of load balancers: ELB checks subnets, security
// groups and VPCs, and makes and deletes a load balancer's ENIs, through
// it. The ec2 package implements it, in process, as AWS's ELB calls EC2.
type Network interface {
	// LoadBalancerSubnets checks the subnets and security groups of a
	// load balancer: every subnet and group exists in the account and
	// region, and all are of one VPC. It returns each subnet (in the
	// order asked, duplicates dropped) and the groups, which are the
	// VPC's default group when none were asked for. It changes nothing.
	//
	// A mistake of the caller's is a *NetworkError with ELB's code and
	// words: SubnetNotFound ("The subnet ID 'subnet-1' does not exist"),
	// InvalidSubnet (subnets of different VPCs), InvalidSecurityGroup (a
	// group that does not exist or is of another VPC). Any other error is
	// the network's own failure.
	LoadBalancerSubnets(ctx context.Context, req SubnetsRequest) (*LoadBalancerNetwork, error)

	// VPC describes a VPC of the account and region: its CIDR blocks and
	// its subnets. It returns nil and no error when there is no such VPC.
	VPC(ctx context.Context, account, region, vpcID string) (*VPC, error)

	// CreateLoadBalancerENIs makes the ENIs of a new load balancer, one
	// per subnet of req (already checked by LoadBalancerSubnets), in the
	// order of req.Subnets, each with an address from its subnet and
	// req.SecurityGroups. An internet-facing load balancer's ENIs also get
	// a public address when the network has them to give. On error it
	// leaves no ENI behind.
	CreateLoadBalancerENIs(ctx context.Context, req ENIRequest) ([]ENI, error)

	// DeleteLoadBalancerENIs deletes ENIs CreateLoadBalancerENIs made and
	// frees their addresses. ENIs already gone are not an error, so it is
	// safe to call twice.
	DeleteLoadBalancerENIs(ctx context.Context, account, region string, eniIDs []string) error
}

// SubnetsRequest asks LoadBalancerSubnets about a load balancer's network.
type SubnetsRequest struct {
	Account, Region string
	Subnets         []string // subnet ids, at least one
	SecurityGroups  []string // group ids; none: the VPC's default group
}

// LoadBalancerNetwork is the checked network of a load balancer.
type LoadBalancerNetwork struct {
	VpcID          string
	Subnets        []Subnet
	SecurityGroups []string
}

// Subnet is one subnet as ELB needs it.
type Subnet struct {
	ID               string
	VpcID            string
	AvailabilityZone string // e.g. us-east-1a
	CIDR             netip.Prefix
}

// VPC is one VPC as ELB needs it: to check that a target group's targets
// are inside it and to find the Availability Zone of a target's address.
type VPC struct {
	ID      string
	CIDRs   []netip.Prefix // the primary block and any associated ones
	Subnets []Subnet
}

// ENIRequest asks for the ENIs of a new load balancer.
type ENIRequest struct {
	Account, Region string
	// LoadBalancerARN names the owner, for the ENIs' records.
	LoadBalancerARN string
	// Description is what AWS writes on an ALB's ENIs:
	// "ELB app/<name>/<id>". A sweep can find an ENI's load balancer by it.
	Description    string
	Subnets        []string
	SecurityGroups []string
	InternetFacing bool
}

// ENI is one network interface of a load balancer.
type ENI struct {
	ID               string     `json:"id"` // eni-…
	SubnetID         string     `json:"subnetId"`
	AvailabilityZone string     `json:"availabilityZone"`
	PrivateIP        netip.Addr `json:"privateIp"`
	PublicIP         netip.Addr `json:"publicIp,omitzero"` // zero when none
}

// NetworkError is a mistake in a request's network settings, worded as
// ELB words it; Code is the ELB error code it is answered with.
type NetworkError struct {
	Code    string // SubnetNotFound, InvalidSubnet, InvalidSecurityGroup, …
	Message string
}

func (e *NetworkError) Error() string { return e.Code + ": " + e.Message }
