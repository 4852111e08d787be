package elbv2

import (
	"context"
	"slices"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

// tgUsage maps a target group's ARN to the ARNs of the load balancers
// whose listeners or rules forward to it, sorted. It is derived from the
// load balancer records on every call, never stored.
type tgUsage map[string][]string

// actionTargetGroups lists the target groups actions forward to.
func actionTargetGroups(actions []elbv2types.Action) []string {
	var out []string
	for _, a := range actions {
		if a.Type != elbv2types.ActionTypeEnumForward {
			continue
		}
		if a.TargetGroupArn != "" {
			out = append(out, a.TargetGroupArn)
		}
		if a.ForwardConfig != nil {
			for _, t := range a.ForwardConfig.TargetGroups {
				out = append(out, t.TargetGroupArn)
			}
		}
	}
	return dedupe(out)
}

// targetGroupsOf lists every target group a load balancer forwards to.
func (r *lbRecord) targetGroupsOf() []string {
	var out []string
	for _, l := range r.Listeners {
		out = append(out, actionTargetGroups(l.DefaultActions)...)
		for _, rule := range l.Rules {
			out = append(out, actionTargetGroups(rule.Actions)...)
		}
	}
	return dedupe(out)
}

func usageOf(lbs []*lbRecord) tgUsage {
	u := tgUsage{}
	for _, lb := range lbs {
		for _, tg := range lb.targetGroupsOf() {
			u[tg] = append(u[tg], lb.LoadBalancer.LoadBalancerArn)
		}
	}
	for tg := range u {
		slices.Sort(u[tg])
		u[tg] = slices.Compact(u[tg])
	}
	return u
}

// usage reads which load balancers use which target groups in a scope.
func (s *Service) usage(ctx context.Context, sc scope) (tgUsage, error) {
	lbs, err := lbKind.list(ctx, s.store, sc)
	if err != nil {
		return nil, err
	}
	return usageOf(lbs), nil
}

// loadBalancerArns is a target group's LoadBalancerArns: never nil, as
// ELB answers an unused group with an empty list.
func (u tgUsage) loadBalancerArns(tgARN string) []string {
	if lbs := u[tgARN]; lbs != nil {
		return slices.Clone(lbs)
	}
	return []string{}
}
