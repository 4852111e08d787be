package elbv2

import (
	"context"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// iamService prefixes the IAM actions: elasticloadbalancing:<Operation>.
const iamService = "elasticloadbalancing"

// routes lists every ELBv2 operation berth serves, with the resource each
// is authorized on: the ARN it acts on, the ARN a create will have (its id
// a wildcard), or "*" for Describe calls, which ELB authorizes on no
// resource.
func (s *Service) routes() []protocol.Operation {
	return []protocol.Operation{
		protocol.Op(iamService, "CreateLoadBalancer", s.CreateLoadBalancer).WithResource(named(func(sc scope, in *elbv2types.CreateLoadBalancerInput) string {
			return sc.arnPrefix() + "loadbalancer/app/" + in.Name + "/*"
		})),
		protocol.Op(iamService, "DescribeLoadBalancers", s.DescribeLoadBalancers),
		protocol.Op(iamService, "DeleteLoadBalancer", s.DeleteLoadBalancer).WithResource(arnOf(func(in *elbv2types.DeleteLoadBalancerInput) string { return in.LoadBalancerArn })),
		protocol.Op(iamService, "SetSecurityGroups", s.SetSecurityGroups).WithResource(arnOf(func(in *elbv2types.SetSecurityGroupsInput) string { return in.LoadBalancerArn })),
		protocol.Op(iamService, "DescribeLoadBalancerAttributes", s.DescribeLoadBalancerAttributes),
		protocol.Op(iamService, "ModifyLoadBalancerAttributes", s.ModifyLoadBalancerAttributes).WithResource(arnOf(func(in *elbv2types.ModifyLoadBalancerAttributesInput) string { return in.LoadBalancerArn })),
		protocol.Op(iamService, "CreateTargetGroup", s.CreateTargetGroup).WithResource(named(func(sc scope, in *elbv2types.CreateTargetGroupInput) string {
			return sc.arnPrefix() + "targetgroup/" + in.Name + "/*"
		})),
		protocol.Op(iamService, "DescribeTargetGroups", s.DescribeTargetGroups),
		protocol.Op(iamService, "ModifyTargetGroup", s.ModifyTargetGroup).WithResource(arnOf(func(in *elbv2types.ModifyTargetGroupInput) string { return in.TargetGroupArn })),
		protocol.Op(iamService, "DeleteTargetGroup", s.DeleteTargetGroup).WithResource(arnOf(func(in *elbv2types.DeleteTargetGroupInput) string { return in.TargetGroupArn })),
		protocol.Op(iamService, "DescribeTargetGroupAttributes", s.DescribeTargetGroupAttributes),
		protocol.Op(iamService, "ModifyTargetGroupAttributes", s.ModifyTargetGroupAttributes).WithResource(arnOf(func(in *elbv2types.ModifyTargetGroupAttributesInput) string { return in.TargetGroupArn })),
		protocol.Op(iamService, "RegisterTargets", s.RegisterTargets).WithResource(arnOf(func(in *elbv2types.RegisterTargetsInput) string { return in.TargetGroupArn })),
		protocol.Op(iamService, "DeregisterTargets", s.DeregisterTargets).WithResource(arnOf(func(in *elbv2types.DeregisterTargetsInput) string { return in.TargetGroupArn })),
		protocol.Op(iamService, "DescribeTargetHealth", s.DescribeTargetHealth),
		protocol.Op(iamService, "CreateListener", s.CreateListener).WithResource(arnOf(func(in *elbv2types.CreateListenerInput) string { return in.LoadBalancerArn })),
		protocol.Op(iamService, "DescribeListeners", s.DescribeListeners),
		protocol.Op(iamService, "ModifyListener", s.ModifyListener).WithResource(arnOf(func(in *elbv2types.ModifyListenerInput) string { return in.ListenerArn })),
		protocol.Op(iamService, "DeleteListener", s.DeleteListener).WithResource(arnOf(func(in *elbv2types.DeleteListenerInput) string { return in.ListenerArn })),
		protocol.Op(iamService, "CreateRule", s.CreateRule).WithResource(arnOf(func(in *elbv2types.CreateRuleInput) string { return in.ListenerArn })),
		protocol.Op(iamService, "DescribeRules", s.DescribeRules),
		protocol.Op(iamService, "ModifyRule", s.ModifyRule).WithResource(arnOf(func(in *elbv2types.ModifyRuleInput) string { return in.RuleArn })),
		protocol.Op(iamService, "DeleteRule", s.DeleteRule).WithResource(arnOf(func(in *elbv2types.DeleteRuleInput) string { return in.RuleArn })),
		protocol.Op(iamService, "SetRulePriorities", s.SetRulePriorities).WithResource(arnOf(func(in *elbv2types.SetRulePrioritiesInput) string {
			if len(in.RulePriorities) == 1 {
				return in.RulePriorities[0].RuleArn
			}
			return ""
		})),
		protocol.Op(iamService, "AddTags", s.AddTags).WithResource(arnOf(func(in *elbv2types.AddTagsInput) string { return only(in.ResourceArns) })),
		protocol.Op(iamService, "RemoveTags", s.RemoveTags).WithResource(arnOf(func(in *elbv2types.RemoveTagsInput) string { return only(in.ResourceArns) })),
		protocol.Op(iamService, "DescribeTags", s.DescribeTags),
	}
}

// arnOf authorizes on the ARN an input names, or "*" when it names none.
func arnOf[I any](ref func(*I) string) func(context.Context, any) string {
	return func(_ context.Context, in any) string {
		if arn := ref(in.(*I)); arn != "" {
			return arn
		}
		return "*"
	}
}

// named authorizes a create on the ARN pattern of what it creates.
func named[I any](arn func(scope, *I) string) func(context.Context, any) string {
	return func(ctx context.Context, in any) string { return arn(scopeOf(ctx), in.(*I)) }
}

// only is the one ARN of a list, or "" when it has more or none.
func only(arns []string) string {
	if len(arns) == 1 {
		return arns[0]
	}
	return ""
}
