package ecs

import (
	"context"
	"errors"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ec2"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/awsapi/shape"
)

// Networks is the EC2 side of awsvpc tasks: ECS checks a task's subnets
// and security groups, and makes and deletes its ENI, through it (the ec2
// package's Service implements it, in process).
type Networks interface {
	CheckTaskNetwork(ctx context.Context, req ec2.TaskENIRequest) error
	CreateTaskENI(ctx context.Context, req ec2.TaskENIRequest) (*agentapi.ENI, error)
	DeleteTaskENI(ctx context.Context, account, region, id string) error
	TaskENIs(ctx context.Context) ([]ec2.TaskENIRef, error)
}

// ECS attachment statuses of a task's ENI, as the task moves.
const (
	attachPrecreated = "PRECREATED"
	attachAttached   = "ATTACHED"
	attachDetaching  = "DETACHING"
	attachDeleted    = "DELETED"
	attachmentENI    = "ElasticNetworkInterface"
)

// eniRequest is the ENI request of a validated awsvpc configuration.
func eniRequest(sc scope, vpc *ecstypes.AwsVpcConfiguration) ec2.TaskENIRequest {
	return ec2.TaskENIRequest{
		Account: sc.account, Region: sc.region,
		Subnets: vpc.Subnets, SecurityGroups: vpc.SecurityGroups,
		AssignPublicIP: vpc.AssignPublicIp == "ENABLED",
	}
}

// checkNetwork validates a RunTask's awsvpcConfiguration against EC2.
func (s *Service) checkNetwork(ctx context.Context, sc scope, vpc *ecstypes.AwsVpcConfiguration) error {
	switch vpc.AssignPublicIp {
	case "", "ENABLED", "DISABLED":
	default:
		return invalidParameter("Invalid assignPublicIp %q. Valid values: ENABLED, DISABLED.", vpc.AssignPublicIp)
	}
	if s.networks == nil {
		return nil
	}
	return networkErr(s.networks.CheckTaskNetwork(ctx, eniRequest(sc, vpc)))
}

// networkErr answers EC2's verdict on a task's network as ECS does.
func networkErr(err error) error {
	var bad *ec2.TaskNetworkError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &bad):
		return invalidParameter("%s", bad.Message)
	}
	return internal("checking the task's network", err)
}

// attachENI makes the ENI of the i-th task of a RunTask call and records
// it on the task and its spec. A full subnet is not an error of the call:
// it returns ECS's stopped reason for the task instead.
func (s *Service) attachENI(ctx context.Context, sc scope, p *runPlan, i int, rec *taskRecord, spec *agentapi.TaskSpec) (string, error) {
	if s.networks == nil || p.in.NetworkConfiguration == nil || p.in.NetworkConfiguration.AwsvpcConfiguration == nil {
		return "", nil
	}
	req := eniRequest(sc, p.in.NetworkConfiguration.AwsvpcConfiguration)
	req.AttachmentID, req.First = protocol.NewUUID(), i
	eni, err := s.networks.CreateTaskENI(ctx, req)
	var full *ec2.NoFreeAddressError
	if errors.As(err, &full) {
		return full.Error(), nil
	}
	if err != nil {
		return "", networkErr(err)
	}
	rec.ENIID, spec.ENI = eni.ID, eni
	rec.Task.AvailabilityZone = eni.AvailabilityZone
	rec.Task.Attachments = []ecstypes.Attachment{{
		Id: eni.AttachmentID, Type: attachmentENI, Status: attachPrecreated,
		Details: []ecstypes.KeyValuePair{
			{Name: "subnetId", Value: eni.SubnetID},
			{Name: "networkInterfaceId", Value: eni.ID},
			{Name: "macAddress", Value: eni.MAC},
			{Name: "privateDnsName", Value: eni.PrivateDNSName},
			{Name: "privateIPv4Address", Value: eni.PrivateIPv4},
		},
	}}
	if eni.PublicIPv4 != "" {
		// berth's addition: AWS shows the public address only on the ENI
		// (DescribeNetworkInterfaces' association), where berth shows it too.
		a := &rec.Task.Attachments[0]
		a.Details = append(a.Details, ecstypes.KeyValuePair{Name: "publicIPv4Address", Value: eni.PublicIPv4})
	}
	for j := range rec.Task.Containers {
		rec.Task.Containers[j].NetworkInterfaces = []ecstypes.NetworkInterface{{
			AttachmentId: eni.AttachmentID, PrivateIpv4Address: eni.PrivateIPv4,
		}}
	}
	return "", nil
}

// detachENI deletes a stopped task's ENI. Idempotent.
func (s *Service) detachENI(ctx context.Context, sc scope, rec *taskRecord) error {
	if s.networks == nil || rec.ENIID == "" {
		return nil
	}
	return s.networks.DeleteTaskENI(ctx, sc.account, sc.region, rec.ENIID)
}

// attachmentStatus is the ENI attachment's status for a task status.
func attachmentStatus(lastStatus string) string {
	switch r := statusRank[lastStatus]; {
	case r >= statusRank[statusStopped]:
		return attachDeleted
	case r >= statusRank[statusDeprovision]:
		return attachDetaching
	case r >= statusRank[statusPending]:
		return attachAttached
	}
	return attachPrecreated
}

// stopAtOnce makes a new task one that failed to start before it reached
// a host, as ECS shows a task whose ENI could not be made.
func stopAtOnce(t *ecstypes.Task, reason string, now *shape.Time) {
	t.LastStatus, t.DesiredStatus = statusStopped, statusStopped
	t.StopCode, t.StoppedReason = "TaskFailedToStart", reason
	t.StoppingAt, t.ExecutionStoppedAt, t.StoppedAt = now, now, now
	for i := range t.Containers {
		t.Containers[i].LastStatus = statusStopped
	}
}
