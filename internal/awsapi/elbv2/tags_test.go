package elbv2

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

func TestTags(t *testing.T) {
	e := newEnv(t)
	lbOut, err := e.CreateLoadBalancer(e.ctx, &elbv2types.CreateLoadBalancerInput{Name: "web", Subnets: []string{"subnet-a", "subnet-b"},
		Tags: []elbv2types.Tag{{Key: "env", Value: "dev"}}})
	if err != nil {
		t.Fatal(err)
	}
	lb := lbOut.LoadBalancers[0]
	tg := e.mustTG(t, "tg")
	l := e.mustListener(t, lb.LoadBalancerArn, 80, forwardTo(tg.TargetGroupArn))
	r := e.mustRule(t, l.ListenerArn, 1, tg.TargetGroupArn, "/x")
	rules, _ := e.DescribeRules(e.ctx, &elbv2types.DescribeRulesInput{ListenerArn: l.ListenerArn})
	def := rules.Rules[1].RuleArn
	all := []string{lb.LoadBalancerArn, tg.TargetGroupArn, l.ListenerArn, r.RuleArn, def}

	if _, err := e.AddTags(e.ctx, &elbv2types.AddTagsInput{ResourceArns: all, Tags: []elbv2types.Tag{{Key: "team", Value: "a"}, {Key: "env", Value: "prod"}}}); err != nil {
		t.Fatal(err)
	}
	describe := func() string {
		out, err := e.DescribeTags(e.ctx, &elbv2types.DescribeTagsInput{ResourceArns: all})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, d := range out.TagDescriptions {
			if d.Tags == nil {
				t.Errorf("%s: nil tags, want a list", d.ResourceArn)
			}
			b.WriteString("[")
			for _, tag := range d.Tags {
				b.WriteString(tag.Key + "=" + tag.Value + " ")
			}
			b.WriteString("]")
		}
		return b.String()
	}
	if got := describe(); got != "[env=prod team=a ][team=a env=prod ][team=a env=prod ][team=a env=prod ][team=a env=prod ]" {
		t.Errorf("after AddTags: %s", got)
	}
	if _, err := e.RemoveTags(e.ctx, &elbv2types.RemoveTagsInput{ResourceArns: all, TagKeys: []string{"team", "absent"}}); err != nil {
		t.Fatal(err)
	}
	if got := describe(); got != "[env=prod ][env=prod ][env=prod ][env=prod ][env=prod ]" {
		t.Errorf("after RemoveTags: %s", got)
	}

	gone := strings.Replace(tg.TargetGroupArn, "/tg/", "/gone/", 1)
	before := e.storeDump(t)
	_, err = e.AddTags(e.ctx, &elbv2types.AddTagsInput{ResourceArns: []string{lb.LoadBalancerArn, gone}, Tags: []elbv2types.Tag{{Key: "k"}}})
	wantCode(t, err, "TargetGroupNotFound", "")
	if !mapsEqual(before, e.storeDump(t)) {
		t.Error("AddTags with a missing resource changed another")
	}
	var many []elbv2types.Tag
	for i := range 50 {
		many = append(many, elbv2types.Tag{Key: "k" + strings.Repeat("x", i)})
	}
	_, err = e.AddTags(e.ctx, &elbv2types.AddTagsInput{ResourceArns: []string{lb.LoadBalancerArn}, Tags: many})
	wantCode(t, err, "TooManyTags", "load balancer has been reached")
	_, err = e.AddTags(e.ctx, &elbv2types.AddTagsInput{ResourceArns: []string{lb.LoadBalancerArn}, Tags: []elbv2types.Tag{{Key: "a", Value: "<b>"}}})
	wantCode(t, err, "ValidationError", "at 'tags.1.member.value'")
	_, err = e.AddTags(e.ctx, &elbv2types.AddTagsInput{ResourceArns: []string{lb.LoadBalancerArn}, Tags: []elbv2types.Tag{}})
	wantCode(t, err, "ValidationError", "at 'tags'")
	_, err = e.DescribeTags(e.ctx, &elbv2types.DescribeTagsInput{ResourceArns: []string{"arn:aws:elasticloadbalancing:us-east-1:123456789012:truststore/x/0123456789abcdef"}})
	wantCode(t, err, "ValidationError", "not a valid")
	_, err = e.DescribeTags(e.ctx, &elbv2types.DescribeTagsInput{ResourceArns: []string{strings.Replace(r.RuleArn, r.RuleArn[len(r.RuleArn)-16:], "0000000000000000", 1)}})
	wantCode(t, err, "RuleNotFound", "")
}
