package elbv2

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

func TestCreateLoadBalancer(t *testing.T) {
	e := newEnv(t)
	lb := e.mustLB(t, "Web-1")
	if !regexp.MustCompile(`^arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/Web-1/[0-9a-f]{16}$`).MatchString(lb.LoadBalancerArn) {
		t.Errorf("ARN %s", lb.LoadBalancerArn)
	}
	if !regexp.MustCompile(`^web-1-[1-9][0-9]{9}\.us-east-1\.elb\.localhost$`).MatchString(lb.DNSName) {
		t.Errorf("DNSName %s", lb.DNSName)
	}
	if lb.Scheme != "internet-facing" || lb.Type != "application" || lb.IpAddressType != "ipv4" || lb.VpcId != "vpc-1" ||
		lb.CanonicalHostedZoneId != "Z35SXDOTRQ7X7K" || lb.State.Code != "provisioning" || lb.CreatedTime == nil ||
		!slices.Equal(lb.SecurityGroups, []string{"sg-default1"}) {
		t.Errorf("load balancer %+v", lb)
	}
	want := []elbv2types.AvailabilityZone{
		{ZoneName: "us-east-1a", SubnetId: "subnet-a", LoadBalancerAddresses: []elbv2types.LoadBalancerAddress{}},
		{ZoneName: "us-east-1b", SubnetId: "subnet-b", LoadBalancerAddresses: []elbv2types.LoadBalancerAddress{}},
	}
	if !slices.EqualFunc(lb.AvailabilityZones, want, func(a, b elbv2types.AvailabilityZone) bool {
		return a.ZoneName == b.ZoneName && a.SubnetId == b.SubnetId && a.LoadBalancerAddresses != nil
	}) {
		t.Errorf("zones %+v", lb.AvailabilityZones)
	}
	if e.net.eniCount() != 2 {
		t.Errorf("%d ENIs, want one per subnet", e.net.eniCount())
	}

	// provisioning for ProvisioningTime, then active
	describe := func() string {
		out, err := e.DescribeLoadBalancers(e.ctx, &elbv2types.DescribeLoadBalancersInput{LoadBalancerArns: []string{lb.LoadBalancerArn}})
		if err != nil {
			t.Fatal(err)
		}
		return out.LoadBalancers[0].State.Code
	}
	if s := describe(); s != "provisioning" {
		t.Errorf("state %s at once", s)
	}
	e.clock.Advance(ProvisioningTime)
	if s := describe(); s != "active" {
		t.Errorf("state %s after %v", s, ProvisioningTime)
	}

	internal, err := e.CreateLoadBalancer(e.ctx, &elbv2types.CreateLoadBalancerInput{Name: "intra", Scheme: "internal",
		SubnetMappings: []elbv2types.SubnetMapping{{SubnetId: "subnet-a"}, {SubnetId: "subnet-b"}}, SecurityGroups: []string{"sg-web"}})
	if err != nil {
		t.Fatal(err)
	}
	if dns := internal.LoadBalancers[0].DNSName; !strings.HasPrefix(dns, "internal-intra-") || internal.LoadBalancers[0].Scheme != "internal" {
		t.Errorf("internal load balancer %+v", internal.LoadBalancers[0])
	}
	other, err := e.CreateLoadBalancer(e.in(testAccount, "eu-west-1"), &elbv2types.CreateLoadBalancerInput{Name: "Web-1", Subnets: []string{"subnet-a", "subnet-b"}})
	if err != nil {
		t.Fatal(err)
	}
	if z := other.LoadBalancers[0].CanonicalHostedZoneId; z != "Z32O12XQLNTSW2" {
		t.Errorf("eu-west-1 zone %s", z)
	}
}

func TestCreateLoadBalancerIdempotent(t *testing.T) {
	e := newEnv(t)
	first := e.mustLB(t, "web")
	again, err := e.CreateLoadBalancer(e.ctx, &elbv2types.CreateLoadBalancerInput{Name: "web", Subnets: []string{"subnet-b", "subnet-a"}, SecurityGroups: []string{"sg-default1"}})
	if err != nil {
		t.Fatal(err)
	}
	if again.LoadBalancers[0].LoadBalancerArn != first.LoadBalancerArn || e.net.eniCount() != 2 {
		t.Fatalf("same settings made %s (%d ENIs), want the existing %s", again.LoadBalancers[0].LoadBalancerArn, e.net.eniCount(), first.LoadBalancerArn)
	}
	for _, in := range []*elbv2types.CreateLoadBalancerInput{
		{Name: "web", Subnets: []string{"subnet-a", "subnet-b"}, Scheme: "internal"},
		{Name: "web", Subnets: []string{"subnet-a", "subnet-b"}, SecurityGroups: []string{"sg-web"}},
		{Name: "web", Subnets: []string{"subnet-c", "subnet-b"}},
	} {
		_, err := e.CreateLoadBalancer(e.ctx, in)
		wantCode(t, err, "DuplicateLoadBalancerName", "A load balancer with the same name 'web' exists, but with different settings")
	}
	if e.net.eniCount() != 2 {
		t.Fatalf("%d ENIs after refused creates", e.net.eniCount())
	}
}

func TestCreateLoadBalancerInvalid(t *testing.T) {
	two := []string{"subnet-a", "subnet-b"}
	for _, tc := range []struct {
		name       string
		in         elbv2types.CreateLoadBalancerInput
		code, want string
	}{
		{"no name", elbv2types.CreateLoadBalancerInput{Subnets: two}, "ValidationError", "Value null at 'name'"},
		{"long name", elbv2types.CreateLoadBalancerInput{Name: strings.Repeat("a", 33), Subnets: two}, "ValidationError", "cannot be longer than '32' characters"},
		{"underscore", elbv2types.CreateLoadBalancerInput{Name: "a_b", Subnets: two}, "ValidationError", "alphanumeric characters or hyphens"},
		{"leading hyphen", elbv2types.CreateLoadBalancerInput{Name: "-ab", Subnets: two}, "ValidationError", "cannot begin or end with '-'"},
		{"internal-", elbv2types.CreateLoadBalancerInput{Name: "Internal-x", Subnets: two}, "ValidationError", "cannot begin with 'internal-'"},
		{"network", elbv2types.CreateLoadBalancerInput{Name: "a", Subnets: two, Type: "network"}, "ValidationError", "Application Load Balancers only"},
		{"bad type", elbv2types.CreateLoadBalancerInput{Name: "a", Subnets: two, Type: "classic"}, "ValidationError", "enum value set: [application, network, gateway]"},
		{"bad scheme", elbv2types.CreateLoadBalancerInput{Name: "a", Subnets: two, Scheme: "public"}, "ValidationError", "at 'scheme'"},
		{"dualstack", elbv2types.CreateLoadBalancerInput{Name: "a", Subnets: two, IpAddressType: "dualstack"}, "ValidationError", "IPv4 only"},
		{"one subnet", elbv2types.CreateLoadBalancerInput{Name: "a", Subnets: []string{"subnet-a", "subnet-a"}}, "ValidationError", "At least two subnets in two different Availability Zones must be specified"},
		{"no subnets", elbv2types.CreateLoadBalancerInput{Name: "a"}, "ValidationError", "At least two subnets"},
		{"one zone", elbv2types.CreateLoadBalancerInput{Name: "a", Subnets: []string{"subnet-a", "subnet-c"}}, "InvalidConfigurationRequest", "multiple subnets in the same Availability Zone"},
		{"both forms", elbv2types.CreateLoadBalancerInput{Name: "a", Subnets: two, SubnetMappings: []elbv2types.SubnetMapping{{SubnetId: "subnet-a"}}}, "ValidationError", "not both"},
		{"eip", elbv2types.CreateLoadBalancerInput{Name: "a", SubnetMappings: []elbv2types.SubnetMapping{{SubnetId: "subnet-a", AllocationId: "eipalloc-1"}, {SubnetId: "subnet-b"}}}, "InvalidConfigurationRequest", "Elastic IP"},
		{"missing subnet", elbv2types.CreateLoadBalancerInput{Name: "a", Subnets: []string{"subnet-a", "subnet-zz"}}, "SubnetNotFound", "subnet-zz"},
		{"two vpcs", elbv2types.CreateLoadBalancerInput{Name: "a", Subnets: []string{"subnet-a", "subnet-y"}}, "InvalidSubnet", ""},
		{"foreign group", elbv2types.CreateLoadBalancerInput{Name: "a", Subnets: two, SecurityGroups: []string{"sg-default2"}}, "InvalidSecurityGroup", "sg-default2"},
		{"too many groups", elbv2types.CreateLoadBalancerInput{Name: "a", Subnets: two, SecurityGroups: []string{"sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6"}}, "ValidationError", "at most 5 security groups"},
		{"aws tag", elbv2types.CreateLoadBalancerInput{Name: "a", Subnets: two, Tags: []elbv2types.Tag{{Key: "aws:x"}}}, "ValidationError", "reserved"},
		{"duplicate tag", elbv2types.CreateLoadBalancerInput{Name: "a", Subnets: two, Tags: []elbv2types.Tag{{Key: "k"}, {Key: "k", Value: "v"}}}, "DuplicateTagKeys", "'k'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			before := e.storeDump(t)
			_, err := e.CreateLoadBalancer(e.ctx, &tc.in)
			wantCode(t, err, tc.code, tc.want)
			if after := e.storeDump(t); len(after) != len(before) || e.net.eniCount() != 0 {
				t.Fatalf("a refused create left %d records and %d ENIs", len(after), e.net.eniCount())
			}
		})
	}
}

func TestCreateLoadBalancerENIFailure(t *testing.T) {
	e := newEnv(t)
	e.net.failENI = &NetworkError{Code: "InvalidSubnet", Message: "The subnet 'subnet-a' has no free addresses"}
	_, err := e.CreateLoadBalancer(e.ctx, &elbv2types.CreateLoadBalancerInput{Name: "a", Subnets: []string{"subnet-a", "subnet-b"}})
	wantCode(t, err, "InvalidSubnet", "no free addresses")
	e.net.failENI = errors.New("netlink: boom")
	_, err = e.CreateLoadBalancer(e.ctx, &elbv2types.CreateLoadBalancerInput{Name: "a", Subnets: []string{"subnet-a", "subnet-b"}})
	if _, ok := errAsClient(err); ok || err == nil {
		t.Fatalf("a network failure should be internal, got %v", err)
	}
	if len(e.storeDump(t)) != 0 {
		t.Fatal("a failed create left a record")
	}
}

func TestDescribeLoadBalancers(t *testing.T) {
	e := newEnv(t)
	var arns []string
	for _, n := range []string{"c", "a", "b"} {
		arns = append(arns, e.mustLB(t, n).LoadBalancerArn)
	}
	names := func(lbs []elbv2types.LoadBalancer) (out []string) {
		for _, lb := range lbs {
			out = append(out, lb.LoadBalancerName)
		}
		return out
	}
	var got []string
	var marker string
	for pages := 0; ; pages++ {
		out, err := e.DescribeLoadBalancers(e.ctx, &elbv2types.DescribeLoadBalancersInput{PageSize: ptr[int32](2), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, names(out.LoadBalancers)...)
		if marker = out.NextMarker; marker == "" {
			if pages != 1 {
				t.Errorf("%d pages, want 2", pages+1)
			}
			break
		}
	}
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("paged names %v", got)
	}
	out, err := e.DescribeLoadBalancers(e.ctx, &elbv2types.DescribeLoadBalancersInput{Names: []string{"b", "c"}})
	if err != nil || !slices.Equal(names(out.LoadBalancers), []string{"b", "c"}) {
		t.Errorf("by names: %v %v", names(out.LoadBalancers), err)
	}
	out, err = e.DescribeLoadBalancers(e.ctx, &elbv2types.DescribeLoadBalancersInput{LoadBalancerArns: arns[:1]})
	if err != nil || !slices.Equal(names(out.LoadBalancers), []string{"c"}) {
		t.Errorf("by ARN: %v %v", names(out.LoadBalancers), err)
	}
	_, err = e.DescribeLoadBalancers(e.ctx, &elbv2types.DescribeLoadBalancersInput{Names: []string{"a", "nope", "Nor_this"}})
	wantCode(t, err, "LoadBalancerNotFound", "Load balancers '[nope, Nor_this]' not found")
	_, err = e.DescribeLoadBalancers(e.ctx, &elbv2types.DescribeLoadBalancersInput{LoadBalancerArns: []string{strings.Replace(arns[0], "/c/", "/z/", 1)}})
	wantCode(t, err, "LoadBalancerNotFound", "One or more load balancers not found")
	_, err = e.DescribeLoadBalancers(e.ctx, &elbv2types.DescribeLoadBalancersInput{LoadBalancerArns: []string{"arn:aws:ecs:us-east-1:123456789012:cluster/x"}})
	wantCode(t, err, "ValidationError", "is not a valid load balancer ARN")
	_, err = e.DescribeLoadBalancers(e.ctx, &elbv2types.DescribeLoadBalancersInput{PageSize: ptr[int32](401)})
	wantCode(t, err, "ValidationError", "Value '401' at 'pageSize' failed to satisfy constraint: Member must have value less than or equal to 400")
	_, err = e.DescribeLoadBalancers(e.ctx, &elbv2types.DescribeLoadBalancersInput{Names: []string{"a"}, LoadBalancerArns: arns})
	wantCode(t, err, "ValidationError", "cannot be specified at the same time")
	// Another account or region sees none of them.
	out, err = e.DescribeLoadBalancers(e.in("210987654321", testRegion), &elbv2types.DescribeLoadBalancersInput{})
	if err != nil || out.LoadBalancers == nil || len(out.LoadBalancers) != 0 {
		t.Errorf("other account: %+v %v", out, err)
	}
	_, err = e.DescribeLoadBalancers(e.in(testAccount, "us-west-2"), &elbv2types.DescribeLoadBalancersInput{LoadBalancerArns: arns[:1]})
	wantCode(t, err, "LoadBalancerNotFound", "")
}

func TestDeleteLoadBalancer(t *testing.T) {
	e := newEnv(t)
	lb := e.mustLB(t, "web")
	tg := e.mustTG(t, "tg")
	l := e.mustListener(t, lb.LoadBalancerArn, 80, forwardTo(tg.TargetGroupArn))
	e.mustRule(t, l.ListenerArn, 1, tg.TargetGroupArn, "/api/*")

	_, err := e.ModifyLoadBalancerAttributes(e.ctx, &elbv2types.ModifyLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn,
		Attributes: []elbv2types.LoadBalancerAttribute{{Key: "deletion_protection.enabled", Value: "true"}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.DeleteLoadBalancer(e.ctx, &elbv2types.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn})
	wantCode(t, err, "OperationNotPermitted", "deletion protection is enabled")
	_, err = e.ModifyLoadBalancerAttributes(e.ctx, &elbv2types.ModifyLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn,
		Attributes: []elbv2types.LoadBalancerAttribute{{Key: "deletion_protection.enabled", Value: "false"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.DeleteLoadBalancer(e.ctx, &elbv2types.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn}); err != nil {
		t.Fatal(err)
	}
	if e.net.eniCount() != 0 || len(e.net.deleted) != 2 {
		t.Errorf("ENIs left %d, deleted %v", e.net.eniCount(), e.net.deleted)
	}
	_, err = e.DescribeListeners(e.ctx, &elbv2types.DescribeListenersInput{ListenerArns: []string{l.ListenerArn}})
	wantCode(t, err, "ListenerNotFound", "")
	// The target group is free again, and deleting twice is fine.
	if _, err := e.DeleteTargetGroup(e.ctx, &elbv2types.DeleteTargetGroupInput{TargetGroupArn: tg.TargetGroupArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.DeleteLoadBalancer(e.ctx, &elbv2types.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn}); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
	_, err = e.DeleteLoadBalancer(e.ctx, &elbv2types.DeleteLoadBalancerInput{LoadBalancerArn: "web"})
	wantCode(t, err, "ValidationError", "'web' is not a valid load balancer ARN")
	// A new load balancer of the same name is not found by the old ARN.
	e.mustLB(t, "web")
	_, err = e.DescribeLoadBalancers(e.ctx, &elbv2types.DescribeLoadBalancersInput{LoadBalancerArns: []string{lb.LoadBalancerArn}})
	wantCode(t, err, "LoadBalancerNotFound", "")
}

func TestLoadBalancerAttributes(t *testing.T) {
	e := newEnv(t)
	lb := e.mustLB(t, "web")
	out, err := e.DescribeLoadBalancerAttributes(e.ctx, &elbv2types.DescribeLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn})
	if err != nil {
		t.Fatal(err)
	}
	get := func(attrs []elbv2types.LoadBalancerAttribute, key string) string {
		for _, a := range attrs {
			if a.Key == key {
				return a.Value
			}
		}
		return "<absent>"
	}
	for key, want := range map[string]string{"idle_timeout.timeout_seconds": "60", "deletion_protection.enabled": "false",
		"routing.http2.enabled": "true", "access_logs.s3.bucket": ""} {
		if got := get(out.Attributes, key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	mod, err := e.ModifyLoadBalancerAttributes(e.ctx, &elbv2types.ModifyLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn,
		Attributes: []elbv2types.LoadBalancerAttribute{{Key: "idle_timeout.timeout_seconds", Value: "120"}, {Key: "routing.http2.enabled", Value: "false"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(mod.Attributes) != len(out.Attributes) || get(mod.Attributes, "idle_timeout.timeout_seconds") != "120" || get(mod.Attributes, "routing.http2.enabled") != "false" {
		t.Errorf("modified attributes %+v", mod.Attributes)
	}
	for _, tc := range []struct{ key, value, want string }{
		{"idle_timeout.timeout_seconds", "0", "from 1 to 4000"},
		{"deletion_protection.enabled", "yes", "true or false"},
		{"no.such.key", "1", "Load balancer attribute key 'no.such.key' is not recognized"},
		{"access_logs.s3.enabled", "true", "no S3"},
	} {
		before := e.storeDump(t)
		_, err := e.ModifyLoadBalancerAttributes(e.ctx, &elbv2types.ModifyLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn,
			Attributes: []elbv2types.LoadBalancerAttribute{{Key: "idle_timeout.timeout_seconds", Value: "30"}, {Key: tc.key, Value: tc.value}}})
		wantCode(t, err, "ValidationError", tc.want)
		if after := e.storeDump(t); !mapsEqual(before, after) {
			t.Errorf("%s=%s changed the store", tc.key, tc.value)
		}
	}
}

func TestSetSecurityGroups(t *testing.T) {
	e := newEnv(t)
	lb := e.mustLB(t, "web")
	out, err := e.SetSecurityGroups(e.ctx, &elbv2types.SetSecurityGroupsInput{LoadBalancerArn: lb.LoadBalancerArn, SecurityGroups: []string{"sg-web", "sg-web"}})
	if err != nil || !slices.Equal(out.SecurityGroupIds, []string{"sg-web"}) {
		t.Fatalf("SetSecurityGroups: %+v %v", out, err)
	}
	_, err = e.SetSecurityGroups(e.ctx, &elbv2types.SetSecurityGroupsInput{LoadBalancerArn: lb.LoadBalancerArn, SecurityGroups: []string{"sg-default2"}})
	wantCode(t, err, "InvalidSecurityGroup", "")
	_, err = e.SetSecurityGroups(e.ctx, &elbv2types.SetSecurityGroupsInput{LoadBalancerArn: lb.LoadBalancerArn, SecurityGroups: []string{}})
	wantCode(t, err, "InvalidConfigurationRequest", "at least one security group")
	d, _ := e.DescribeLoadBalancers(e.ctx, &elbv2types.DescribeLoadBalancersInput{})
	if !slices.Equal(d.LoadBalancers[0].SecurityGroups, []string{"sg-web"}) {
		t.Errorf("groups %v", d.LoadBalancers[0].SecurityGroups)
	}
}
