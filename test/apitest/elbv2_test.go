package apitest

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// TestELBv2API: the awsQuery ELBv2 API through aws-sdk-go-v2 — a load
// balancer gets an ENI in each subnet and a DNS name under localhost; bad
// requests get ELB's errors and change nothing; listeners, rules, target
// groups, targets and tags behave as on AWS; deleting cleans up the ENIs.
func TestELBv2API(t *testing.T) {
	_, region := ecsClient(t)
	cfg := srv.AWSConfig(region)
	c, e := elb.NewFromConfig(cfg), ec2.NewFromConfig(cfg)
	subnets := must[*ec2.DescribeSubnetsOutput](t)(e.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})).Subnets
	var ids []string
	for _, s := range subnets {
		ids = append(ids, aws.ToString(s.SubnetId))
	}
	vpc := aws.ToString(subnets[0].VpcId)

	_, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: []string{"subnet-00000000000000000", ids[1]}})
	wantAPIError(t, err, "SubnetNotFound", "subnet-00000000000000000")
	_, err = c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("-web"), Subnets: ids})
	wantAPIError(t, err, "ValidationError", "")
	if n := len(must[*elb.DescribeLoadBalancersOutput](t)(c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})).LoadBalancers); n != 0 {
		t.Fatalf("refused creates made %d load balancers", n)
	}

	lb := must[*elb.CreateLoadBalancerOutput](t)(c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: ids,
		Tags: []elbtypes.Tag{{Key: aws.String("team"), Value: aws.String("web")}}})).LoadBalancers[0]
	dns := aws.ToString(lb.DNSName)
	if !strings.HasPrefix(dns, "web-") || !strings.HasSuffix(dns, "."+region+".elb.localhost") || aws.ToString(lb.VpcId) != vpc ||
		len(lb.AvailabilityZones) != len(ids) || lb.Type != elbtypes.LoadBalancerTypeEnumApplication {
		t.Fatalf("load balancer: %+v", lb)
	}
	enis := must[*ec2.DescribeNetworkInterfacesOutput](t)(e.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{
		Filters: []ec2types.Filter{{Name: aws.String("description"), Values: []string{"ELB app/web/*"}}}})).NetworkInterfaces
	if len(enis) != len(ids) {
		t.Fatalf("%d ENIs for a load balancer in %d subnets", len(enis), len(ids))
	}

	tg := must[*elb.CreateTargetGroupOutput](t)(c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("web-tg"),
		Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(8080), VpcId: aws.String(vpc), TargetType: elbtypes.TargetTypeEnumIp})).TargetGroups[0]
	if aws.ToString(tg.HealthCheckPath) != "/" || aws.ToInt32(tg.HealthCheckIntervalSeconds) != 30 || aws.ToInt32(tg.HealthyThresholdCount) != 5 ||
		aws.ToString(tg.Matcher.HttpCode) != "200" {
		t.Fatalf("target group defaults: %+v", tg)
	}
	tgARN := aws.ToString(tg.TargetGroupArn)
	_, err = c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tgARN), Targets: []elbtypes.TargetDescription{{Id: aws.String("192.0.2.1")}}})
	wantAPIError(t, err, "ValidationError", "not in the VPC")
	// An address of the VPC: the first ENI's, last octet 200.
	eniIP := aws.ToString(enis[0].PrivateIpAddress)
	target := eniIP[:strings.LastIndexByte(eniIP, '.')] + ".200"
	must[*elb.RegisterTargetsOutput](t)(c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tgARN),
		Targets: []elbtypes.TargetDescription{{Id: aws.String(target)}}}))
	health := must[*elb.DescribeTargetHealthOutput](t)(c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tgARN)})).TargetHealthDescriptions
	if len(health) != 1 || health[0].TargetHealth.State != elbtypes.TargetHealthStateEnumUnused || aws.ToInt32(health[0].Target.Port) != 8080 {
		t.Fatalf("health of a target of an unused group: %+v", health)
	}

	lbARN := aws.ToString(lb.LoadBalancerArn)
	_, err = c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lbARN), Protocol: elbtypes.ProtocolEnumHttps, Port: aws.Int32(443),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(tgARN)}}})
	wantAPIError(t, err, "UnsupportedProtocol", "")
	forward := []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(tgARN)}}
	ln := must[*elb.CreateListenerOutput](t)(c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lbARN),
		Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), DefaultActions: forward})).Listeners[0]
	// The same listener again is idempotent, as on AWS; another on its
	// port is refused.
	again := must[*elb.CreateListenerOutput](t)(c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lbARN),
		Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), DefaultActions: forward})).Listeners[0]
	if aws.ToString(again.ListenerArn) != aws.ToString(ln.ListenerArn) {
		t.Fatalf("repeated CreateListener made %s", aws.ToString(again.ListenerArn))
	}
	fixedAction := []elbtypes.Action{{Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("404")}}}
	_, err = c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lbARN),
		Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), DefaultActions: fixedAction})
	wantAPIError(t, err, "DuplicateListener", "")
	health = must[*elb.DescribeTargetHealthOutput](t)(c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tgARN)})).TargetHealthDescriptions
	if health[0].TargetHealth.State == elbtypes.TargetHealthStateEnumUnused {
		t.Fatalf("target of a group a listener forwards to is still unused")
	}

	fixed := []elbtypes.Action{{Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{
		StatusCode: aws.String("418"), ContentType: aws.String("text/plain"), MessageBody: aws.String("teapot")}}}
	path := []elbtypes.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{"/tea*"}}}
	lnARN := aws.ToString(ln.ListenerArn)
	must[*elb.CreateRuleOutput](t)(c.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: aws.String(lnARN), Priority: aws.Int32(10), Conditions: path, Actions: fixed}))
	_, err = c.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: aws.String(lnARN), Priority: aws.Int32(10), Conditions: path, Actions: fixed})
	wantAPIError(t, err, "PriorityInUse", "")
	rules := must[*elb.DescribeRulesOutput](t)(c.DescribeRules(ctx, &elb.DescribeRulesInput{ListenerArn: aws.String(lnARN)})).Rules
	if len(rules) != 2 || aws.ToString(rules[1].Priority) != "default" || !aws.ToBool(rules[1].IsDefault) {
		t.Fatalf("rules: %+v", rules)
	}

	_, err = c.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(tgARN)})
	wantAPIError(t, err, "ResourceInUse", "")
	tags := must[*elb.DescribeTagsOutput](t)(c.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: []string{lbARN}})).TagDescriptions
	if len(tags) != 1 || len(tags[0].Tags) != 1 || aws.ToString(tags[0].Tags[0].Key) != "team" {
		t.Fatalf("tags: %+v", tags)
	}

	must[*elb.DeleteLoadBalancerOutput](t)(c.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(lbARN)}))
	must[*elb.DeleteTargetGroupOutput](t)(c.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(tgARN)}))
	enis = must[*ec2.DescribeNetworkInterfacesOutput](t)(e.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{
		Filters: []ec2types.Filter{{Name: aws.String("description"), Values: []string{"ELB app/web/*"}}}})).NetworkInterfaces
	if len(enis) != 0 {
		t.Fatalf("%d ENIs left after DeleteLoadBalancer", len(enis))
	}
}
