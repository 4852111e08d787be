package elbv2

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

func TestCreateListener(t *testing.T) {
	e := newEnv(t)
	lb := e.mustLB(t, "web")
	tg := e.mustTG(t, "tg")
	l := e.mustListener(t, lb.LoadBalancerArn, 80, forwardTo(tg.TargetGroupArn))
	if !strings.HasPrefix(l.ListenerArn, "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/") || l.Port != 80 || l.Protocol != "HTTP" {
		t.Errorf("listener %+v", l)
	}
	// A forward to one group is echoed as AWS echoes it: with its
	// ForwardConfig, weight 1 and stickiness off.
	want := []elbv2types.Action{{Type: "forward", TargetGroupArn: tg.TargetGroupArn, ForwardConfig: &elbv2types.ForwardActionConfig{
		TargetGroups:                []elbv2types.TargetGroupTuple{{TargetGroupArn: tg.TargetGroupArn, Weight: ptr[int32](1)}},
		TargetGroupStickinessConfig: &elbv2types.TargetGroupStickinessConfig{Enabled: false}}}}
	if !equalJSON(t, l.DefaultActions, want) {
		t.Errorf("default actions\n got %s\nwant %s", jsonOf(t, l.DefaultActions), jsonOf(t, want))
	}
	again := e.mustListener(t, lb.LoadBalancerArn, 80, forwardTo(tg.TargetGroupArn))
	if again.ListenerArn != l.ListenerArn {
		t.Errorf("same settings made a new listener")
	}
	fixed := []elbv2types.Action{{Type: "fixed-response", FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: "404", ContentType: "text/plain", MessageBody: "nope"}}}
	_, err := e.CreateListener(e.ctx, &elbv2types.CreateListenerInput{LoadBalancerArn: lb.LoadBalancerArn, Protocol: "HTTP", Port: ptr[int32](80), DefaultActions: fixed})
	wantCode(t, err, "DuplicateListener", "A listener already exists on this port for this load balancer")
	l2 := e.mustListener(t, lb.LoadBalancerArn, 8080, fixed)
	redirect := []elbv2types.Action{{Type: "redirect", RedirectConfig: &elbv2types.RedirectActionConfig{Port: "8080", StatusCode: "HTTP_301"}}}
	l3 := e.mustListener(t, lb.LoadBalancerArn, 81, redirect)
	if c := l3.DefaultActions[0].RedirectConfig; c.Protocol != "#{protocol}" || c.Host != "#{host}" || c.Path != "/#{path}" || c.Query != "#{query}" || c.Port != "8080" {
		t.Errorf("redirect defaults %+v", c)
	}

	out, err := e.DescribeListeners(e.ctx, &elbv2types.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn})
	if err != nil || len(out.Listeners) != 3 || out.Listeners[0].Port != 80 || out.Listeners[1].Port != 81 || out.Listeners[2].Port != 8080 {
		t.Fatalf("DescribeListeners: %+v %v", out, err)
	}
	page, err := e.DescribeListeners(e.ctx, &elbv2types.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn, PageSize: ptr[int32](2)})
	if err != nil || len(page.Listeners) != 2 || page.NextMarker == "" {
		t.Fatalf("page: %+v %v", page, err)
	}
	page, err = e.DescribeListeners(e.ctx, &elbv2types.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn, PageSize: ptr[int32](2), Marker: page.NextMarker})
	if err != nil || len(page.Listeners) != 1 || page.Listeners[0].ListenerArn != l2.ListenerArn {
		t.Fatalf("page 2: %+v %v", page, err)
	}
	_, err = e.DescribeListeners(e.ctx, &elbv2types.DescribeListenersInput{})
	wantCode(t, err, "ValidationError", "You must specify either listener ARNs or a load balancer ARN")

	mod, err := e.ModifyListener(e.ctx, &elbv2types.ModifyListenerInput{ListenerArn: l2.ListenerArn, Port: ptr[int32](8081), DefaultActions: forwardTo(tg.TargetGroupArn)})
	if err != nil || mod.Listeners[0].Port != 8081 || mod.Listeners[0].DefaultActions[0].Type != "forward" {
		t.Fatalf("ModifyListener: %+v %v", mod, err)
	}
	_, err = e.ModifyListener(e.ctx, &elbv2types.ModifyListenerInput{ListenerArn: l2.ListenerArn, Port: ptr[int32](80)})
	wantCode(t, err, "DuplicateListener", "")
	if _, err := e.DeleteListener(e.ctx, &elbv2types.DeleteListenerInput{ListenerArn: l2.ListenerArn}); err != nil {
		t.Fatal(err)
	}
	_, err = e.DeleteListener(e.ctx, &elbv2types.DeleteListenerInput{ListenerArn: l2.ListenerArn})
	wantCode(t, err, "ListenerNotFound", "One or more listeners not found")
}

func TestCreateListenerInvalid(t *testing.T) {
	e := newEnv(t)
	lb := e.mustLB(t, "web")
	other := e.mustLB(t, "other")
	tg := e.mustTG(t, "tg")
	tg2 := e.mustTG(t, "tg2")
	e.mustListener(t, other.LoadBalancerArn, 80, forwardTo(tg2.TargetGroupArn))
	vpc2, err := e.CreateTargetGroup(e.ctx, &elbv2types.CreateTargetGroupInput{Name: "far", Protocol: "HTTP", Port: ptr[int32](80), VpcId: "vpc-2", TargetType: "ip"})
	if err != nil {
		t.Fatal(err)
	}
	farARN := vpc2.TargetGroups[0].TargetGroupArn
	missing := strings.Replace(tg.TargetGroupArn, "/tg/", "/gone/", 1)
	weighted := func(tuples ...elbv2types.TargetGroupTuple) []elbv2types.Action {
		return []elbv2types.Action{{Type: "forward", ForwardConfig: &elbv2types.ForwardActionConfig{TargetGroups: tuples}}}
	}
	tuple := func(arn string, w int32) elbv2types.TargetGroupTuple {
		return elbv2types.TargetGroupTuple{TargetGroupArn: arn, Weight: &w}
	}
	for _, tc := range []struct {
		name       string
		protocol   string
		port       *int32
		actions    []elbv2types.Action
		code, want string
	}{
		{"https", "HTTPS", ptr[int32](443), forwardTo(tg.TargetGroupArn), "UnsupportedProtocol", "HTTPS listeners"},
		{"tcp", "TCP", ptr[int32](80), forwardTo(tg.TargetGroupArn), "UnsupportedProtocol", "Protocol 'TCP'"},
		{"no protocol", "", ptr[int32](80), forwardTo(tg.TargetGroupArn), "ValidationError", "protocol must be specified"},
		{"no port", "HTTP", nil, forwardTo(tg.TargetGroupArn), "ValidationError", "port must be specified"},
		{"port range", "HTTP", ptr[int32](70000), forwardTo(tg.TargetGroupArn), "ValidationError", "at 'port'"},
		{"no actions", "HTTP", ptr[int32](80), nil, "ValidationError", "Value null at 'defaultActions'"},
		{"bad type", "HTTP", ptr[int32](80), []elbv2types.Action{{Type: "drop"}}, "ValidationError", "at 'defaultActions.1.member.type'"},
		{"authenticate", "HTTP", ptr[int32](80), []elbv2types.Action{{Type: "authenticate-oidc"}}, "InvalidLoadBalancerAction", "HTTPS listener"},
		{"two actions", "HTTP", ptr[int32](80), append(forwardTo(tg.TargetGroupArn), forwardTo(tg.TargetGroupArn)...), "InvalidLoadBalancerAction", "only one"},
		{"forward nowhere", "HTTP", ptr[int32](80), []elbv2types.Action{{Type: "forward"}}, "ValidationError", "must have a target group ARN"},
		{"missing group", "HTTP", ptr[int32](80), forwardTo(missing), "TargetGroupNotFound", "Target group '" + missing + "' not found"},
		{"bad group ARN", "HTTP", ptr[int32](80), forwardTo("tg"), "ValidationError", "'tg' is not a valid target group ARN"},
		{"other vpc", "HTTP", ptr[int32](80), forwardTo(farARN), "InvalidConfigurationRequest", "same VPC"},
		{"used elsewhere", "HTTP", ptr[int32](80), forwardTo(tg2.TargetGroupArn), "TargetGroupAssociationLimit", "cannot be associated with more than one load balancer: " + tg2.TargetGroupArn},
		{"weight", "HTTP", ptr[int32](80), weighted(tuple(tg.TargetGroupArn, 1000)), "ValidationError", "weight '1000'"},
		{"six groups", "HTTP", ptr[int32](80), weighted(tuple("a", 1), tuple("b", 1), tuple("c", 1), tuple("d", 1), tuple("e", 1), tuple("f", 1)), "ValidationError", "at most 5 target groups"},
		{"group twice", "HTTP", ptr[int32](80), weighted(tuple(tg.TargetGroupArn, 1), tuple(tg.TargetGroupArn, 2)), "ValidationError", "more than once"},
		{"arn and config differ", "HTTP", ptr[int32](80), []elbv2types.Action{{Type: "forward", TargetGroupArn: tg.TargetGroupArn,
			ForwardConfig: &elbv2types.ForwardActionConfig{TargetGroups: []elbv2types.TargetGroupTuple{tuple(tg2.TargetGroupArn, 1)}}}}, "ValidationError", "names that one target group"},
		{"sticky without duration", "HTTP", ptr[int32](80), []elbv2types.Action{{Type: "forward", ForwardConfig: &elbv2types.ForwardActionConfig{
			TargetGroups: []elbv2types.TargetGroupTuple{tuple(tg.TargetGroupArn, 1)}, TargetGroupStickinessConfig: &elbv2types.TargetGroupStickinessConfig{Enabled: true}}}}, "ValidationError", "stickiness"},
		{"fixed status", "HTTP", ptr[int32](80), []elbv2types.Action{{Type: "fixed-response", FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: "302"}}}, "ValidationError", "fixedResponseConfig.statusCode"},
		{"fixed body", "HTTP", ptr[int32](80), []elbv2types.Action{{Type: "fixed-response", FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: "200", MessageBody: strings.Repeat("x", 1025)}}}, "ValidationError", "fixedResponseConfig.messageBody"},
		{"fixed type", "HTTP", ptr[int32](80), []elbv2types.Action{{Type: "fixed-response", FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: "200", ContentType: "image/png"}}}, "ValidationError", "content type 'image/png'"},
		{"fixed without config", "HTTP", ptr[int32](80), []elbv2types.Action{{Type: "fixed-response"}}, "ValidationError", "must have a FixedResponseConfig"},
		{"mixed config", "HTTP", ptr[int32](80), []elbv2types.Action{{Type: "fixed-response", TargetGroupArn: tg.TargetGroupArn, FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: "200"}}}, "ValidationError", "settings of a 'forward' action"},
		{"redirect loop", "HTTP", ptr[int32](80), []elbv2types.Action{{Type: "redirect", RedirectConfig: &elbv2types.RedirectActionConfig{StatusCode: "HTTP_302"}}}, "InvalidLoadBalancerAction", "creates a loop"},
		{"redirect code", "HTTP", ptr[int32](80), []elbv2types.Action{{Type: "redirect", RedirectConfig: &elbv2types.RedirectActionConfig{StatusCode: "HTTP_307", Host: "x"}}}, "ValidationError", "redirectConfig.statusCode"},
		{"certificates", "HTTP", ptr[int32](80), forwardTo(tg.TargetGroupArn), "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &elbv2types.CreateListenerInput{LoadBalancerArn: lb.LoadBalancerArn, Protocol: tc.protocol, Port: tc.port, DefaultActions: tc.actions}
			if tc.code == "" {
				in.Certificates = []elbv2types.Certificate{{CertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/x"}}
				tc.code, tc.want = "ValidationError", "apply only to HTTPS listeners"
			}
			before := e.storeDump(t)
			_, err := e.CreateListener(e.ctx, in)
			wantCode(t, err, tc.code, tc.want)
			if !mapsEqual(before, e.storeDump(t)) {
				t.Fatal("a refused CreateListener changed the store")
			}
		})
	}
	_, err = e.CreateListener(e.ctx, &elbv2types.CreateListenerInput{LoadBalancerArn: strings.Replace(lb.LoadBalancerArn, "/web/", "/gone/", 1),
		Protocol: "HTTP", Port: ptr[int32](80), DefaultActions: forwardTo(tg.TargetGroupArn)})
	wantCode(t, err, "LoadBalancerNotFound", "")
}

func TestWeightedForward(t *testing.T) {
	e := newEnv(t)
	lb := e.mustLB(t, "web")
	blue, green := e.mustTG(t, "blue"), e.mustTG(t, "green")
	actions := []elbv2types.Action{{Type: "forward", ForwardConfig: &elbv2types.ForwardActionConfig{
		TargetGroups:                []elbv2types.TargetGroupTuple{{TargetGroupArn: blue.TargetGroupArn, Weight: ptr[int32](90)}, {TargetGroupArn: green.TargetGroupArn, Weight: ptr[int32](10)}},
		TargetGroupStickinessConfig: &elbv2types.TargetGroupStickinessConfig{Enabled: true, DurationSeconds: ptr[int32](300)}}}}
	l := e.mustListener(t, lb.LoadBalancerArn, 80, actions)
	got := l.DefaultActions[0]
	if got.TargetGroupArn != "" || len(got.ForwardConfig.TargetGroups) != 2 || *got.ForwardConfig.TargetGroups[1].Weight != 10 ||
		*got.ForwardConfig.TargetGroupStickinessConfig.DurationSeconds != 300 {
		t.Errorf("weighted forward %s", jsonOf(t, got))
	}
	out, err := e.DescribeTargetGroups(e.ctx, &elbv2types.DescribeTargetGroupsInput{LoadBalancerArn: lb.LoadBalancerArn})
	if err != nil || len(out.TargetGroups) != 2 {
		t.Fatalf("both groups are used: %+v %v", out, err)
	}
}
