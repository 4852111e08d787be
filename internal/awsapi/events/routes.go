package events

import (
	"context"
	"slices"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// Service describes EventBridge for the gateway: every operation berth
// serves, with the IAM action (events:<Operation>) and the rule ARN it
// authorizes on where it names a rule.
func (s *Service) Service() *protocol.Service {
	return &protocol.Service{
		SigningName:  eventstypes.SigningName,
		Wire:         protocol.AWSJSON11,
		TargetPrefix: eventstypes.TargetPrefix,
		Version:      eventstypes.APIVersion,
		Operations: slices.Concat([]protocol.Operation{
			protocol.Op("events", "PutRule", s.PutRule).WithResource(ruleResource(func(in *eventstypes.PutRuleRequest) string { return in.Name })),
			protocol.Op("events", "DescribeRule", s.DescribeRule).WithResource(ruleResource(func(in *eventstypes.DescribeRuleRequest) string { return in.Name })),
			protocol.Op("events", "ListRules", s.ListRules),
			protocol.Op("events", "DeleteRule", s.DeleteRule).WithResource(ruleResource(func(in *eventstypes.DeleteRuleRequest) string { return in.Name })),
			protocol.Op("events", "EnableRule", s.EnableRule).WithResource(ruleResource(func(in *eventstypes.EnableRuleRequest) string { return in.Name })),
			protocol.Op("events", "DisableRule", s.DisableRule).WithResource(ruleResource(func(in *eventstypes.DisableRuleRequest) string { return in.Name })),
			protocol.Op("events", "PutTargets", s.PutTargets).WithResource(ruleResource(func(in *eventstypes.PutTargetsRequest) string { return in.Rule })),
			protocol.Op("events", "RemoveTargets", s.RemoveTargets).WithResource(ruleResource(func(in *eventstypes.RemoveTargetsRequest) string { return in.Rule })),
			protocol.Op("events", "ListTargetsByRule", s.ListTargetsByRule).WithResource(ruleResource(func(in *eventstypes.ListTargetsByRuleRequest) string { return in.Rule })),
			protocol.Op("events", "ListRuleNamesByTarget", s.ListRuleNamesByTarget),
			protocol.Op("events", "PutEvents", s.PutEvents),
			protocol.Op("events", "TestEventPattern", s.TestEventPattern),
			protocol.Op("events", "DescribeEventBus", s.DescribeEventBus),
			protocol.Op("events", "ListEventBuses", s.ListEventBuses),
			protocol.Op("events", "TagResource", s.TagResource),
			protocol.Op("events", "UntagResource", s.UntagResource),
			protocol.Op("events", "ListTagsForResource", s.ListTagsForResource),
		}, s.connectionOps()),
	}
}

// ruleResource names the rule an input acts on.
func ruleResource[I any](name func(*I) string) func(context.Context, any) string {
	return func(ctx context.Context, in any) string {
		n := name(in.(*I))
		if n == "" {
			return "*"
		}
		return scopeOf(ctx).ruleARN(n)
	}
}
