package elbv2

import (
	"net/netip"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

func TestSnapshot(t *testing.T) {
	e := newEnv(t)
	lb := e.mustLB(t, "web")
	blue, green := e.mustTG(t, "blue"), e.mustTG(t, "green")
	e.mustTG(t, "idle")
	_, _ = e.ModifyLoadBalancerAttributes(e.ctx, &elbv2types.ModifyLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn,
		Attributes: []elbv2types.LoadBalancerAttribute{{Key: "idle_timeout.timeout_seconds", Value: "30"}}})
	l := e.mustListener(t, lb.LoadBalancerArn, 80, []elbv2types.Action{{Type: "forward", ForwardConfig: &elbv2types.ForwardActionConfig{
		TargetGroups: []elbv2types.TargetGroupTuple{{TargetGroupArn: blue.TargetGroupArn, Weight: ptr[int32](3)}, {TargetGroupArn: green.TargetGroupArn}}}}})
	_, err := e.CreateRule(e.ctx, &elbv2types.CreateRuleInput{ListenerArn: l.ListenerArn, Priority: 5, Actions: forwardTo(green.TargetGroupArn),
		Conditions: []elbv2types.RuleCondition{{Field: "host-header", Values: []string{"*.example.com"}},
			{Field: "http-request-method", HttpRequestMethodConfig: &elbv2types.HttpRequestMethodConditionConfig{Values: []string{"GET"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	e.mustRule(t, l.ListenerArn, 2, blue.TargetGroupArn, "/api/*")
	e.mustListener(t, lb.LoadBalancerArn, 8080, []elbv2types.Action{{Type: "fixed-response",
		FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: "503", ContentType: "text/plain", MessageBody: "down"}}})
	if err := e.RegisterIPTarget(e.ctx, testAccount, testRegion, blue.TargetGroupArn, "10.0.1.7", 8080); err != nil {
		t.Fatal(err)
	}

	snap, err := e.Snapshot(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.LoadBalancers) != 1 || len(snap.TargetGroups) != 3 || snap.Revision == 0 {
		t.Fatalf("snapshot %+v", snap)
	}
	c := snap.LoadBalancers[0]
	if c.Account != testAccount || c.Region != testRegion || c.DNSName != lb.DNSName || c.VpcID != "vpc-1" || len(c.ENIs) != 2 ||
		c.IdleTimeout != 30*time.Second || !c.HTTP2 || len(c.Listeners) != 2 {
		t.Fatalf("load balancer %+v", c)
	}
	l80 := c.Listeners[0]
	if l80.Port != 80 || len(l80.Rules) != 2 || l80.Rules[0].Priority != 2 || l80.Rules[1].Priority != 5 {
		t.Fatalf("listener %+v", l80)
	}
	if got := l80.DefaultActions[0].Forward; len(got) != 2 || got[0].Weight != 3 || got[1].Weight != 1 {
		t.Errorf("weighted forward %+v", got)
	}
	r5 := l80.Rules[1]
	if len(r5.Conditions) != 2 || r5.Conditions[0].Field != "host-header" || r5.Conditions[0].Values[0] != "*.example.com" ||
		r5.Conditions[1].Values[0] != "GET" || r5.Actions[0].Forward[0].ARN != green.TargetGroupArn {
		t.Errorf("rule %+v", r5)
	}
	if f := c.Listeners[1].DefaultActions[0].FixedResponse; f == nil || f.StatusCode != 503 || f.Body != "down" {
		t.Errorf("fixed response %+v", f)
	}
	b := snap.TargetGroups[0]
	if b.Name != "blue" || b.Port != 80 || b.DeregistrationDelay != 300*time.Second || b.Algorithm != "round_robin" ||
		len(b.LoadBalancerARNs) != 1 || len(b.Targets) != 1 || b.Targets[0].IP != netip.MustParseAddr("10.0.1.7") ||
		b.Targets[0].Port != 8080 || b.Targets[0].AvailabilityZone != "us-east-1a" || b.Stickiness.Duration != 86400*time.Second {
		t.Errorf("target group %+v", b)
	}
	if h := b.HealthCheck; !h.Enabled || h.PortFor(8080) != 8080 || !h.Matches(200) || h.Matches(204) || h.Interval != 30*time.Second {
		t.Errorf("health check %+v", h)
	}
	if idle := snap.TargetGroups[2]; idle.Name != "idle" || idle.LoadBalancerARNs != nil {
		t.Errorf("unused group %+v", idle)
	}
}

func TestHealthCheckMatches(t *testing.T) {
	for _, tc := range []struct {
		matcher string
		yes, no []int
	}{
		{"200", []int{200}, []int{201, 500}},
		{"200,202", []int{200, 202}, []int{201}},
		{"200-299", []int{200, 250, 299}, []int{300, 199}},
		{"200-204,301,400-499", []int{204, 301, 404}, []int{205, 302, 500}},
	} {
		h := HealthCheck{Matcher: tc.matcher, Port: "9000"}
		for _, code := range tc.yes {
			if !h.Matches(code) {
				t.Errorf("%s should match %d", tc.matcher, code)
			}
		}
		for _, code := range tc.no {
			if h.Matches(code) {
				t.Errorf("%s should not match %d", tc.matcher, code)
			}
		}
		if h.PortFor(80) != 9000 {
			t.Errorf("PortFor with a fixed port")
		}
	}
	for _, bad := range []string{"", "2000", "199", "500", "299-200", "20x", "200,,201", "200-"} {
		if validHTTPCodes(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestWatchPrefixesCoverKinds(t *testing.T) {
	p := WatchPrefixes()
	if len(p) != len(Kinds) {
		t.Fatalf("prefixes %v for kinds %v", p, Kinds)
	}
	for i, k := range Kinds {
		if p[i] != "/"+k+"/" {
			t.Errorf("prefix %s for kind %s", p[i], k)
		}
	}
}
