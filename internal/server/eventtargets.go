package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/account"
	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ecs"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/awsapi/events"
	"github.com/berth-dev/berth/internal/awsapi/iam"
	"github.com/berth-dev/berth/internal/awsapi/iam/policy"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// eventsPrincipal is the service that assumes a rule target's role.
const eventsPrincipal = "events.amazonaws.com"

// eventTargets delivers EventBridge events to CloudWatch Logs and ECS.
type eventTargets struct {
	logs  agentapi.LogsAPI
	ecs   *ecs.Service
	iam   *iam.Service
	authz *account.Authorizer
}

// PutLogEvent implements events.Targets. A group that does not exist is
// a permanent failure, as is an event the group no longer accepts.
func (t eventTargets) PutLogEvent(ctx context.Context, acct, region, group, stream string, at time.Time, message string) error {
	if err := t.logs.PrepareLogStream(ctx, acct, region, group, stream, false); err != nil {
		return permanentIfClient(err)
	}
	dropped, err := t.logs.PutLogEvents(ctx, acct, region, group, stream, []agentapi.LogEvent{{Timestamp: at.UnixMilli(), Message: message}})
	if err != nil {
		return permanentIfClient(err)
	}
	if dropped > 0 {
		return events.Permanent(fmt.Errorf("log group %s refused the event: its time %s is too old or too new", group, at.Format(time.RFC3339)))
	}
	return nil
}

// RunTask implements events.Targets: the target's role must trust
// EventBridge and allow ecs:RunTask on the task definition, and the tasks
// are run as a session of that role.
func (t eventTargets) RunTask(ctx context.Context, acct, region string, req events.RunTaskRequest) error {
	role, err := t.iam.RoleByARN(ctx, acct, req.RoleARN)
	if errors.Is(err, iam.ErrNoSuchRole) {
		return events.Permanent(fmt.Errorf("role %s does not exist", req.RoleARN))
	}
	if err != nil {
		return err
	}
	if d := role.Trusts(acct, eventsPrincipal); d != policy.Allow {
		return events.Permanent(fmt.Errorf("the trust policy of role %s does not let %s assume it", role.Name, eventsPrincipal))
	}
	p := protocol.Principal{AccountID: acct, RoleARN: role.ARN, RoleID: role.ID, SessionName: "EventBridge",
		ARN: "arn:aws:sts::" + acct + ":assumed-role/" + role.Name + "/EventBridge", UserID: role.ID + ":EventBridge"}
	ctx = protocol.WithRequest(ctx, &protocol.RequestInfo{RequestID: protocol.NewRequestID(),
		Service: "ecs", Operation: "RunTask", Region: region, Principal: p})
	in, err := runTaskInput(req)
	if err != nil {
		return events.Permanent(err)
	}
	if err := t.authz.Authorize(ctx, p, "ecs:RunTask", ecs.TaskDefinitionResource(acct, region, in.TaskDefinition)); err != nil {
		return events.Permanent(err)
	}
	out, err := t.ecs.RunTask(ctx, in)
	if err != nil {
		return permanentIfClient(err)
	}
	if len(out.Failures) > 0 {
		// Placement failures pass as capacity frees up: retried.
		return fmt.Errorf("RunTask failed to place %d task(s): %s", len(out.Failures), out.Failures[0].Reason)
	}
	return nil
}

// runTaskInput is the RunTask call of an ECS target.
func runTaskInput(req events.RunTaskRequest) (*ecstypes.RunTaskRequest, error) {
	p := req.Parameters
	in := &ecstypes.RunTaskRequest{Cluster: req.ClusterARN, TaskDefinition: p.TaskDefinitionArn, Count: p.TaskCount,
		LaunchType: p.LaunchType, PlatformVersion: p.PlatformVersion, Group: p.Group, PropagateTags: p.PropagateTags,
		ReferenceId: p.ReferenceId, StartedBy: req.StartedBy}
	if p.EnableECSManagedTags != nil {
		in.EnableECSManagedTags = *p.EnableECSManagedTags
	}
	if p.EnableExecuteCommand != nil {
		in.EnableExecuteCommand = *p.EnableExecuteCommand
	}
	if in.Count == nil {
		one := int32(1)
		in.Count = &one
	}
	if c := p.NetworkConfiguration; c != nil && c.AwsvpcConfiguration != nil {
		v := c.AwsvpcConfiguration
		in.NetworkConfiguration = &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: v.Subnets, SecurityGroups: v.SecurityGroups, AssignPublicIp: v.AssignPublicIp}}
	}
	for _, s := range p.CapacityProviderStrategy {
		in.CapacityProviderStrategy = append(in.CapacityProviderStrategy,
			ecstypes.CapacityProviderStrategyItem{CapacityProvider: s.CapacityProvider, Weight: s.Weight, Base: s.Base})
	}
	for _, tag := range p.Tags {
		in.Tags = append(in.Tags, ecstypes.Tag{Key: tag.Key, Value: tag.Value})
	}
	if in.LaunchType == "" && len(in.CapacityProviderStrategy) == 0 {
		// EventBridge's default launch type is EC2, which berth does not
		// have; its tasks are Fargate's.
		in.LaunchType = "FARGATE"
	}
	if len(req.Overrides) > 0 {
		var o ecstypes.TaskOverride
		if err := json.Unmarshal(req.Overrides, &o); err != nil {
			return nil, fmt.Errorf("the target's input is not an ECS task override: %w", err)
		}
		in.Overrides = &o
	}
	return in, nil
}

// permanentIfClient marks the errors a retry cannot fix: the client
// errors of berth's services (4xx, but throttling).
func permanentIfClient(err error) error {
	if pe, ok := protocol.AsError(err); ok && pe.Sender() && !strings.Contains(pe.Code, "Throttl") {
		return events.Permanent(err)
	}
	return err
}
