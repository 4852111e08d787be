package elbv2

import (
	"context"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

// kindCalls are the calls load balancers and target groups answer alike,
// so that one table pins both kinds' answers.
type kindCalls struct {
	name string
	// create makes a record of the kind and returns its ARN.
	create            func(t *testing.T, e *env, name string) string
	describeByARNs    func(e *env, ctx context.Context, arns []string) ([]string, error)
	describeByNames   func(e *env, names []string) error
	describeAttrs     func(e *env, ctx context.Context, arn string) error
	modifyAttrs       func(e *env, arn string, attrs []attrKV) error
	delete            func(e *env, ctx context.Context, arn string) error
	notFound, field   string // the NotFound code, the ARN's member
	what, validKey    string // "load balancer"; an attribute key it has
	notFoundByName    string // the message naming missing names
	attributeKeyTitle string // "Load balancer"
}

var bothKinds = []kindCalls{{
	name: "load balancer",
	create: func(t *testing.T, e *env, name string) string {
		return e.mustLB(t, name).LoadBalancerArn
	},
	describeByARNs: func(e *env, ctx context.Context, arns []string) ([]string, error) {
		out, err := e.DescribeLoadBalancers(ctx, &elbv2types.DescribeLoadBalancersInput{LoadBalancerArns: arns})
		if err != nil {
			return nil, err
		}
		var names []string
		for _, lb := range out.LoadBalancers {
			names = append(names, lb.LoadBalancerName)
		}
		return names, nil
	},
	describeByNames: func(e *env, names []string) error {
		_, err := e.DescribeLoadBalancers(e.ctx, &elbv2types.DescribeLoadBalancersInput{Names: names})
		return err
	},
	describeAttrs: func(e *env, ctx context.Context, arn string) error {
		_, err := e.DescribeLoadBalancerAttributes(ctx, &elbv2types.DescribeLoadBalancerAttributesInput{LoadBalancerArn: arn})
		return err
	},
	modifyAttrs: func(e *env, arn string, attrs []attrKV) error {
		var in []elbv2types.LoadBalancerAttribute
		for _, a := range attrs {
			in = append(in, elbv2types.LoadBalancerAttribute(a))
		}
		_, err := e.ModifyLoadBalancerAttributes(e.ctx, &elbv2types.ModifyLoadBalancerAttributesInput{LoadBalancerArn: arn, Attributes: in})
		return err
	},
	delete: func(e *env, ctx context.Context, arn string) error {
		_, err := e.DeleteLoadBalancer(ctx, &elbv2types.DeleteLoadBalancerInput{LoadBalancerArn: arn})
		return err
	},
	notFound: "LoadBalancerNotFound", field: "loadBalancerArn",
	what: "load balancer", validKey: attrIdleTimeout,
	notFoundByName: "Load balancers '[nope, Nor_this]' not found", attributeKeyTitle: "Load balancer",
}, {
	name: "target group",
	create: func(t *testing.T, e *env, name string) string {
		return e.mustTG(t, name).TargetGroupArn
	},
	describeByARNs: func(e *env, ctx context.Context, arns []string) ([]string, error) {
		out, err := e.DescribeTargetGroups(ctx, &elbv2types.DescribeTargetGroupsInput{TargetGroupArns: arns})
		if err != nil {
			return nil, err
		}
		var names []string
		for _, tg := range out.TargetGroups {
			names = append(names, tg.TargetGroupName)
		}
		return names, nil
	},
	describeByNames: func(e *env, names []string) error {
		_, err := e.DescribeTargetGroups(e.ctx, &elbv2types.DescribeTargetGroupsInput{Names: names})
		return err
	},
	describeAttrs: func(e *env, ctx context.Context, arn string) error {
		_, err := e.DescribeTargetGroupAttributes(ctx, &elbv2types.DescribeTargetGroupAttributesInput{TargetGroupArn: arn})
		return err
	},
	modifyAttrs: func(e *env, arn string, attrs []attrKV) error {
		var in []elbv2types.TargetGroupAttribute
		for _, a := range attrs {
			in = append(in, elbv2types.TargetGroupAttribute(a))
		}
		_, err := e.ModifyTargetGroupAttributes(e.ctx, &elbv2types.ModifyTargetGroupAttributesInput{TargetGroupArn: arn, Attributes: in})
		return err
	},
	delete: func(e *env, ctx context.Context, arn string) error {
		_, err := e.DeleteTargetGroup(ctx, &elbv2types.DeleteTargetGroupInput{TargetGroupArn: arn})
		return err
	},
	notFound: "TargetGroupNotFound", field: "targetGroupArn",
	what: "target group", validKey: attrDeregistrationDelay,
	notFoundByName: "Target groups '[nope, Nor_this]' not found", attributeKeyTitle: "Target group",
}}

// withID returns arn with its id (the last 16 characters) replaced: the
// ARN of a record of the same name that does not exist.
func withID(arn, id string) string { return arn[:len(arn)-16] + id }

func TestKindsDescribe(t *testing.T) {
	for _, k := range bothKinds {
		t.Run(k.name, func(t *testing.T) {
			e := newEnv(t)
			b, a := k.create(t, e, "b"), k.create(t, e, "a")
			got, err := k.describeByARNs(e, e.ctx, []string{b, a, b})
			if err != nil || strings.Join(got, ",") != "a,b" {
				t.Errorf("by ARNs: %v %v, want a,b once each in name order", got, err)
			}
			wantCode(t, k.describeByNames(e, []string{"a", "nope", "Nor_this", "nope"}), k.notFound, k.notFoundByName)
			_, err = k.describeByARNs(e, e.ctx, []string{a, withID(b, "0000000000000000")})
			wantCode(t, err, k.notFound, "One or more "+k.what+"s not found")
			_, err = k.describeByARNs(e, e.in(testAccount, "us-west-2"), []string{a})
			wantCode(t, err, k.notFound, "One or more "+k.what+"s not found")
			_, err = k.describeByARNs(e, e.ctx, []string{a, "arn:aws:ecs:us-east-1:123456789012:cluster/x"})
			wantCode(t, err, "ValidationError", "is not a valid "+k.what+" ARN")
		})
	}
}

func TestKindsAttributesInvalid(t *testing.T) {
	for _, k := range bothKinds {
		t.Run(k.name, func(t *testing.T) {
			e := newEnv(t)
			arn := k.create(t, e, "a")
			set := []attrKV{{k.validKey, "1"}}
			many := make([]attrKV, 21)
			for i := range many {
				many[i] = attrKV{k.validKey, "1"}
			}
			for _, tc := range []struct {
				name string
				call func() error
				code string
				msg  string
			}{
				{"describe without ARN", func() error { return k.describeAttrs(e, e.ctx, "") },
					"ValidationError", "1 validation error detected: Value null at '" + k.field + "'"},
				{"describe malformed ARN", func() error { return k.describeAttrs(e, e.ctx, "nope") },
					"ValidationError", "'nope' is not a valid " + k.what + " ARN"},
				{"describe gone", func() error { return k.describeAttrs(e, e.ctx, withID(arn, "0000000000000000")) },
					k.notFound, "One or more " + k.what + "s not found"},
				{"describe other region", func() error { return k.describeAttrs(e, e.in(testAccount, "us-west-2"), arn) },
					k.notFound, "One or more " + k.what + "s not found"},
				{"modify without ARN or attributes", func() error { return k.modifyAttrs(e, "", nil) },
					"ValidationError", "1 validation error detected: Value null at '" + k.field + "'"},
				{"modify without attributes", func() error { return k.modifyAttrs(e, arn, nil) },
					"ValidationError", "Value null at 'attributes'"},
				{"modify too many", func() error { return k.modifyAttrs(e, arn, many) },
					"ValidationError", "at 'attributes' failed to satisfy constraint: Member must have length less than or equal to 20"},
				// Attributes are checked before the ARN.
				{"modify malformed ARN, unknown key", func() error { return k.modifyAttrs(e, "nope", []attrKV{{"no.such", "x"}}) },
					"ValidationError", k.attributeKeyTitle + " attribute key 'no.such' is not recognized"},
				{"modify malformed ARN", func() error { return k.modifyAttrs(e, "nope", set) },
					"ValidationError", "'nope' is not a valid " + k.what + " ARN"},
				{"modify gone", func() error { return k.modifyAttrs(e, withID(arn, "0000000000000000"), set) },
					k.notFound, "One or more " + k.what + "s not found"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					before := e.storeDump(t)
					wantCode(t, tc.call(), tc.code, tc.msg)
					if !mapsEqual(before, e.storeDump(t)) {
						t.Error("a refused call changed the store")
					}
				})
			}
		})
	}
}

func TestKindsDelete(t *testing.T) {
	for _, k := range bothKinds {
		t.Run(k.name, func(t *testing.T) {
			e := newEnv(t)
			arn := k.create(t, e, "a")
			wantCode(t, k.delete(e, e.ctx, ""), "ValidationError", "Value null at '"+k.field+"'")
			wantCode(t, k.delete(e, e.ctx, "nope"), "ValidationError", "'nope' is not a valid "+k.what+" ARN")
			// What is not there (another region's, or another id of the
			// name) is deleted already.
			for _, ctx := range []context.Context{e.in(testAccount, "us-west-2"), e.in("210987654321", testRegion)} {
				if err := k.delete(e, ctx, arn); err != nil {
					t.Errorf("deleting in another scope: %v", err)
				}
			}
			if err := k.delete(e, e.ctx, withID(arn, "0000000000000000")); err != nil {
				t.Errorf("deleting another id: %v", err)
			}
			if _, err := k.describeByARNs(e, e.ctx, []string{arn}); err != nil {
				t.Fatalf("deleted by a call that named another: %v", err)
			}
			if err := k.delete(e, e.ctx, arn); err != nil {
				t.Fatal(err)
			}
			_, err := k.describeByARNs(e, e.ctx, []string{arn})
			wantCode(t, err, k.notFound, "")
		})
	}
}

func TestDescribeTargetGroupsByLoadBalancer(t *testing.T) {
	e := newEnv(t)
	lb := e.mustLB(t, "web")
	other := e.mustLB(t, "other")
	e.mustTG(t, "a")
	_, err := e.DescribeTargetGroups(e.ctx, &elbv2types.DescribeTargetGroupsInput{LoadBalancerArn: withID(lb.LoadBalancerArn, "0000000000000000")})
	wantCode(t, err, "LoadBalancerNotFound", "One or more load balancers not found")
	_, err = e.DescribeTargetGroups(e.ctx, &elbv2types.DescribeTargetGroupsInput{LoadBalancerArn: "nope"})
	wantCode(t, err, "ValidationError", "'nope' is not a valid load balancer ARN")
	out, err := e.DescribeTargetGroups(e.ctx, &elbv2types.DescribeTargetGroupsInput{LoadBalancerArn: other.LoadBalancerArn})
	if err != nil || out.TargetGroups == nil || len(out.TargetGroups) != 0 {
		t.Errorf("target groups of an unused load balancer: %+v %v, want an empty list", out, err)
	}
}
