package elbv2

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

func TestCreateTargetGroupDefaults(t *testing.T) {
	e := newEnv(t)
	tg := e.mustTG(t, "api")
	if !regexp.MustCompile(`^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/[0-9a-f]{16}$`).MatchString(tg.TargetGroupArn) {
		t.Errorf("ARN %s", tg.TargetGroupArn)
	}
	want := elbv2types.TargetGroup{TargetGroupArn: tg.TargetGroupArn, TargetGroupName: "api", Protocol: "HTTP", Port: ptr[int32](80),
		VpcId: "vpc-1", HealthCheckProtocol: "HTTP", HealthCheckPort: "traffic-port", HealthCheckEnabled: true,
		HealthCheckIntervalSeconds: 30, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 5, UnhealthyThresholdCount: 2,
		HealthCheckPath: "/", Matcher: &elbv2types.Matcher{HttpCode: "200"}, LoadBalancerArns: []string{},
		TargetType: "ip", ProtocolVersion: "HTTP1", IpAddressType: "ipv4"}
	if !equalJSON(t, tg, want) {
		t.Errorf("target group\n got %s\nwant %s", jsonOf(t, tg), jsonOf(t, want))
	}
	https, err := e.CreateTargetGroup(e.ctx, &elbv2types.CreateTargetGroupInput{Name: "secure", Protocol: "HTTPS", Port: ptr[int32](443), VpcId: "vpc-1", TargetType: "ip",
		HealthCheckPath: "/healthz", HealthCheckIntervalSeconds: ptr[int32](10), HealthCheckTimeoutSeconds: ptr[int32](3),
		HealthCheckEnabled: ptr(false), Matcher: &elbv2types.Matcher{HttpCode: "200-299,302"}})
	if err != nil {
		t.Fatal(err)
	}
	h := https.TargetGroups[0]
	if h.HealthCheckProtocol != "HTTPS" || h.HealthCheckPath != "/healthz" || h.HealthCheckIntervalSeconds != 10 ||
		h.HealthCheckTimeoutSeconds != 3 || h.HealthCheckEnabled || h.Matcher.HttpCode != "200-299,302" {
		t.Errorf("HTTPS target group %+v", h)
	}
	attrs, err := e.DescribeTargetGroupAttributes(e.ctx, &elbv2types.DescribeTargetGroupAttributesInput{TargetGroupArn: tg.TargetGroupArn})
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"deregistration_delay.timeout_seconds": "300", "stickiness.enabled": "false",
		"stickiness.type": "lb_cookie", "load_balancing.algorithm.type": "round_robin", "slow_start.duration_seconds": "0"} {
		if i := slices.IndexFunc(attrs.Attributes, func(a elbv2types.TargetGroupAttribute) bool { return a.Key == key }); i < 0 || attrs.Attributes[i].Value != want {
			t.Errorf("attribute %s: want %s in %+v", key, want, attrs.Attributes)
		}
	}
}

func TestCreateTargetGroupInvalid(t *testing.T) {
	base := func(mod func(*elbv2types.CreateTargetGroupInput)) elbv2types.CreateTargetGroupInput {
		in := elbv2types.CreateTargetGroupInput{Name: "tg", Protocol: "HTTP", Port: ptr[int32](80), VpcId: "vpc-1", TargetType: "ip"}
		mod(&in)
		return in
	}
	for _, tc := range []struct {
		name       string
		in         elbv2types.CreateTargetGroupInput
		code, want string
	}{
		{"no name", base(func(in *elbv2types.CreateTargetGroupInput) { in.Name = "" }), "ValidationError", "Value null at 'name'"},
		{"long name", base(func(in *elbv2types.CreateTargetGroupInput) { in.Name = strings.Repeat("t", 33) }), "ValidationError", "Target group name '" + strings.Repeat("t", 33) + "' cannot be longer than '32' characters"},
		{"bad name", base(func(in *elbv2types.CreateTargetGroupInput) { in.Name = "t.g" }), "ValidationError", "alphanumeric characters or hyphens"},
		{"default type", base(func(in *elbv2types.CreateTargetGroupInput) { in.TargetType = "" }), "ValidationError", "target type 'instance' is not supported"},
		{"lambda", base(func(in *elbv2types.CreateTargetGroupInput) { in.TargetType = "lambda" }), "ValidationError", "target type 'lambda'"},
		{"no port", base(func(in *elbv2types.CreateTargetGroupInput) { in.Port = nil }), "ValidationError", "A protocol, a port and a VPC ID must be specified"},
		{"port 0", base(func(in *elbv2types.CreateTargetGroupInput) { in.Port = ptr[int32](0) }), "ValidationError", "Value '0' at 'port'"},
		{"tcp", base(func(in *elbv2types.CreateTargetGroupInput) { in.Protocol = "TCP" }), "ValidationError", "protocol 'TCP' is not supported"},
		{"bad protocol", base(func(in *elbv2types.CreateTargetGroupInput) { in.Protocol = "FTP" }), "ValidationError", "at 'protocol'"},
		{"grpc", base(func(in *elbv2types.CreateTargetGroupInput) { in.ProtocolVersion = "GRPC" }), "ValidationError", "HTTP/1.1"},
		{"ipv6", base(func(in *elbv2types.CreateTargetGroupInput) { in.IpAddressType = "ipv6" }), "ValidationError", "IPv4 only"},
		{"no vpc", base(func(in *elbv2types.CreateTargetGroupInput) { in.VpcId = "vpc-9" }), "ValidationError", "The VPC ID 'vpc-9' is not found"},
		{"interval", base(func(in *elbv2types.CreateTargetGroupInput) { in.HealthCheckIntervalSeconds = ptr[int32](4) }), "ValidationError", "at 'healthCheckIntervalSeconds'"},
		{"timeout >= interval", base(func(in *elbv2types.CreateTargetGroupInput) {
			in.HealthCheckIntervalSeconds, in.HealthCheckTimeoutSeconds = ptr[int32](5), ptr[int32](5)
		}), "ValidationError", "Health check interval must be greater than the timeout."},
		{"thresholds", base(func(in *elbv2types.CreateTargetGroupInput) { in.HealthyThresholdCount = ptr[int32](11) }), "ValidationError", "at 'healthyThresholdCount'"},
		{"path", base(func(in *elbv2types.CreateTargetGroupInput) { in.HealthCheckPath = "health" }), "ValidationError", "must begin with '/'"},
		{"hc port", base(func(in *elbv2types.CreateTargetGroupInput) { in.HealthCheckPort = "70000" }), "ValidationError", "Health check port '70000'"},
		{"hc tcp", base(func(in *elbv2types.CreateTargetGroupInput) { in.HealthCheckProtocol = "TCP" }), "ValidationError", "Health check protocol 'TCP'"},
		{"matcher", base(func(in *elbv2types.CreateTargetGroupInput) { in.Matcher = &elbv2types.Matcher{HttpCode: "200-600"} }), "ValidationError", "matcher HTTP code '200-600'"},
		{"grpc matcher", base(func(in *elbv2types.CreateTargetGroupInput) { in.Matcher = &elbv2types.Matcher{GrpcCode: "0"} }), "ValidationError", "GrpcCode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			_, err := e.CreateTargetGroup(e.ctx, &tc.in)
			wantCode(t, err, tc.code, tc.want)
			if len(e.storeDump(t)) != 0 {
				t.Fatal("a refused create left a record")
			}
		})
	}
}

func TestCreateTargetGroupIdempotent(t *testing.T) {
	e := newEnv(t)
	tg := e.mustTG(t, "api")
	again := e.mustTG(t, "api")
	if again.TargetGroupArn != tg.TargetGroupArn {
		t.Fatalf("same settings made a new target group %s", again.TargetGroupArn)
	}
	_, err := e.CreateTargetGroup(e.ctx, &elbv2types.CreateTargetGroupInput{Name: "api", Protocol: "HTTP", Port: ptr[int32](8080), VpcId: "vpc-1", TargetType: "ip"})
	wantCode(t, err, "DuplicateTargetGroupName", "A target group with the same name 'api' exists, but with different settings")
}

func TestDescribeModifyDeleteTargetGroups(t *testing.T) {
	e := newEnv(t)
	lb := e.mustLB(t, "web")
	a, b := e.mustTG(t, "a"), e.mustTG(t, "b")
	e.mustListener(t, lb.LoadBalancerArn, 80, forwardTo(a.TargetGroupArn))

	out, err := e.DescribeTargetGroups(e.ctx, &elbv2types.DescribeTargetGroupsInput{})
	if err != nil || len(out.TargetGroups) != 2 {
		t.Fatalf("all: %+v %v", out, err)
	}
	if got := out.TargetGroups[0].LoadBalancerArns; !slices.Equal(got, []string{lb.LoadBalancerArn}) {
		t.Errorf("a used by %v", got)
	}
	if got := out.TargetGroups[1].LoadBalancerArns; got == nil || len(got) != 0 {
		t.Errorf("b used by %v, want []", got)
	}
	byLB, err := e.DescribeTargetGroups(e.ctx, &elbv2types.DescribeTargetGroupsInput{LoadBalancerArn: lb.LoadBalancerArn})
	if err != nil || len(byLB.TargetGroups) != 1 || byLB.TargetGroups[0].TargetGroupName != "a" {
		t.Errorf("by load balancer: %+v %v", byLB, err)
	}
	_, err = e.DescribeTargetGroups(e.ctx, &elbv2types.DescribeTargetGroupsInput{Names: []string{"a", "zz"}})
	wantCode(t, err, "TargetGroupNotFound", "Target groups '[zz]' not found")
	_, err = e.DescribeTargetGroups(e.ctx, &elbv2types.DescribeTargetGroupsInput{Names: []string{"a"}, TargetGroupArns: []string{a.TargetGroupArn}})
	wantCode(t, err, "ValidationError", "Only one of")
	page, err := e.DescribeTargetGroups(e.ctx, &elbv2types.DescribeTargetGroupsInput{PageSize: ptr[int32](1)})
	if err != nil || len(page.TargetGroups) != 1 || page.NextMarker == "" {
		t.Fatalf("page 1: %+v %v", page, err)
	}
	page, err = e.DescribeTargetGroups(e.ctx, &elbv2types.DescribeTargetGroupsInput{PageSize: ptr[int32](1), Marker: page.NextMarker})
	if err != nil || len(page.TargetGroups) != 1 || page.TargetGroups[0].TargetGroupName != "b" || page.NextMarker != "" {
		t.Fatalf("page 2: %+v %v", page, err)
	}

	mod, err := e.ModifyTargetGroup(e.ctx, &elbv2types.ModifyTargetGroupInput{TargetGroupArn: b.TargetGroupArn,
		HealthCheckPath: "/ping", HealthCheckIntervalSeconds: ptr[int32](6), HealthCheckTimeoutSeconds: ptr[int32](2), HealthCheckEnabled: ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	if m := mod.TargetGroups[0]; m.HealthCheckPath != "/ping" || m.HealthCheckIntervalSeconds != 6 || m.HealthCheckEnabled || m.HealthyThresholdCount != 5 {
		t.Errorf("modified %+v", m)
	}
	before := e.storeDump(t)
	_, err = e.ModifyTargetGroup(e.ctx, &elbv2types.ModifyTargetGroupInput{TargetGroupArn: b.TargetGroupArn, HealthCheckTimeoutSeconds: ptr[int32](10)})
	wantCode(t, err, "ValidationError", "Health check interval must be greater than the timeout.")
	if !mapsEqual(before, e.storeDump(t)) {
		t.Error("a refused ModifyTargetGroup changed the store")
	}

	_, err = e.DeleteTargetGroup(e.ctx, &elbv2types.DeleteTargetGroupInput{TargetGroupArn: a.TargetGroupArn})
	wantCode(t, err, "ResourceInUse", "Target group '"+a.TargetGroupArn+"' is currently in use by a listener or a rule")
	for range 2 {
		if _, err := e.DeleteTargetGroup(e.ctx, &elbv2types.DeleteTargetGroupInput{TargetGroupArn: b.TargetGroupArn}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = e.DescribeTargetGroups(e.ctx, &elbv2types.DescribeTargetGroupsInput{TargetGroupArns: []string{b.TargetGroupArn}})
	wantCode(t, err, "TargetGroupNotFound", "One or more target groups not found")
}

func TestTargetGroupAttributes(t *testing.T) {
	e := newEnv(t)
	tg := e.mustTG(t, "tg")
	out, err := e.ModifyTargetGroupAttributes(e.ctx, &elbv2types.ModifyTargetGroupAttributesInput{TargetGroupArn: tg.TargetGroupArn,
		Attributes: []elbv2types.TargetGroupAttribute{{Key: "deregistration_delay.timeout_seconds", Value: "0"}, {Key: "stickiness.enabled", Value: "true"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range out.Attributes {
		got[a.Key] = a.Value
	}
	if got["deregistration_delay.timeout_seconds"] != "0" || got["stickiness.enabled"] != "true" || got["stickiness.type"] != "lb_cookie" {
		t.Errorf("attributes %v", got)
	}
	for _, tc := range []struct{ key, value, want string }{
		{"deregistration_delay.timeout_seconds", "3601", "from 0 to 3600"},
		{"slow_start.duration_seconds", "10", "0 or an integer from 30 to 900"},
		{"stickiness.type", "source_ip", "lb_cookie, app_cookie"},
		{"proxy_protocol_v2.enabled", "true", "Target group attribute key 'proxy_protocol_v2.enabled' is not recognized"},
	} {
		_, err := e.ModifyTargetGroupAttributes(e.ctx, &elbv2types.ModifyTargetGroupAttributesInput{TargetGroupArn: tg.TargetGroupArn,
			Attributes: []elbv2types.TargetGroupAttribute{{Key: tc.key, Value: tc.value}}})
		wantCode(t, err, "ValidationError", tc.want)
	}
}
