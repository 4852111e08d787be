package elbv2

import (
	"slices"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

// Every operation the generated package describes is routed, under its
// IAM action.
func TestRoutesCoverModel(t *testing.T) {
	e := newEnv(t)
	svc := e.Service.Service()
	if svc.SigningName != "elasticloadbalancing" || !svc.Wire.IsQuery() || svc.Version != "2015-12-01" ||
		svc.XMLNamespace != "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/" {
		t.Fatalf("service %+v", svc)
	}
	var names []string
	for _, op := range svc.Operations {
		names = append(names, op.Name)
		if op.Action != "elasticloadbalancing:"+op.Name {
			t.Errorf("%s: action %s", op.Name, op.Action)
		}
	}
	for _, op := range elbv2types.Operations {
		if !slices.Contains(names, op.Name) {
			t.Errorf("%s is not routed", op.Name)
		}
	}
	if len(names) != len(elbv2types.Operations) {
		t.Errorf("%d routes for %d operations", len(names), len(elbv2types.Operations))
	}
}

func TestRouteResources(t *testing.T) {
	e := newEnv(t)
	ops := map[string]func(in any) string{}
	for _, op := range e.Service.Service().Operations {
		if op.Resource != nil {
			ops[op.Name] = func(in any) string { return op.Resource(e.ctx, in) }
		}
	}
	const tgARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0123456789abcdef"
	for _, tc := range []struct {
		op   string
		in   any
		want string
	}{
		{"CreateLoadBalancer", &elbv2types.CreateLoadBalancerInput{Name: "web"}, "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/*"},
		{"CreateTargetGroup", &elbv2types.CreateTargetGroupInput{Name: "tg"}, "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/*"},
		{"RegisterTargets", &elbv2types.RegisterTargetsInput{TargetGroupArn: tgARN}, tgARN},
		{"AddTags", &elbv2types.AddTagsInput{ResourceArns: []string{tgARN}}, tgARN},
		{"AddTags", &elbv2types.AddTagsInput{ResourceArns: []string{tgARN, tgARN}}, "*"},
		{"DeleteRule", &elbv2types.DeleteRuleInput{}, "*"},
	} {
		if got := ops[tc.op](tc.in); got != tc.want {
			t.Errorf("%s resource %s, want %s", tc.op, got, tc.want)
		}
	}
}
