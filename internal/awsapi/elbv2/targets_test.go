package elbv2

import (
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

func target(ip string, port int32) elbv2types.TargetDescription {
	t := elbv2types.TargetDescription{Id: ip}
	if port != 0 {
		t.Port = &port
	}
	return t
}

// health returns "ip:port state reason" of every target DescribeTargetHealth shows.
func (e *env) health(t *testing.T, tgARN string, targets ...elbv2types.TargetDescription) []string {
	t.Helper()
	out, err := e.DescribeTargetHealth(e.ctx, &elbv2types.DescribeTargetHealthInput{TargetGroupArn: tgARN, Targets: targets})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range out.TargetHealthDescriptions {
		s := d.Target.Id + ":" + itoa32(*d.Target.Port) + " " + d.TargetHealth.State
		if d.TargetHealth.Reason != "" {
			s += " " + d.TargetHealth.Reason
		}
		got = append(got, s)
	}
	return got
}

func itoa32(n int32) string { return strconv.Itoa(int(n)) }

// fakeHealth is a HealthSource answering from a map keyed "ip:port".
type fakeHealth struct {
	mu sync.Mutex
	m  map[string]Health
}

func (f *fakeHealth) TargetHealth(_ string, ip string, port int) (Health, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h, ok := f.m[ip+":"+itoa32(int32(port))]
	return h, ok
}

func TestTargetsLifecycle(t *testing.T) {
	e := newEnv(t)
	tg := e.mustTG(t, "tg")
	_, err := e.RegisterTargets(e.ctx, &elbv2types.RegisterTargetsInput{TargetGroupArn: tg.TargetGroupArn,
		Targets: []elbv2types.TargetDescription{target("10.0.2.7", 0), target("10.0.1.5", 8080), target("10.0.1.5", 0), target("10.0.1.5", 8080)}})
	if err != nil {
		t.Fatal(err)
	}
	// Not used by a load balancer yet: unused, Target.NotInUse.
	if got := e.health(t, tg.TargetGroupArn); !slices.Equal(got, []string{
		"10.0.1.5:80 unused Target.NotInUse", "10.0.1.5:8080 unused Target.NotInUse", "10.0.2.7:80 unused Target.NotInUse"}) {
		t.Errorf("unused group: %v", got)
	}
	out, _ := e.DescribeTargetHealth(e.ctx, &elbv2types.DescribeTargetHealthInput{TargetGroupArn: tg.TargetGroupArn})
	d := out.TargetHealthDescriptions[2]
	if d.Target.AvailabilityZone != "us-east-1b" || d.HealthCheckPort != "80" ||
		d.TargetHealth.Description != "Target group is not configured to receive traffic from the load balancer" {
		t.Errorf("description %s", jsonOf(t, d))
	}

	lb := e.mustLB(t, "web")
	e.mustListener(t, lb.LoadBalancerArn, 80, forwardTo(tg.TargetGroupArn))
	if got := e.health(t, tg.TargetGroupArn, target("10.0.2.7", 0)); !slices.Equal(got, []string{"10.0.2.7:80 initial Elb.RegistrationInProgress"}) {
		t.Errorf("in use, no health source: %v", got)
	}
	src := &fakeHealth{m: map[string]Health{
		"10.0.2.7:80":   {State: HealthHealthy},
		"10.0.1.5:8080": {State: HealthUnhealthy, Reason: "Target.Timeout", Description: "Request timed out"},
	}}
	e.SetHealthSource(src)
	if got := e.health(t, tg.TargetGroupArn); !slices.Equal(got, []string{
		"10.0.1.5:80 initial Elb.RegistrationInProgress", "10.0.1.5:8080 unhealthy Target.Timeout", "10.0.2.7:80 healthy"}) {
		t.Errorf("with health source: %v", got)
	}
	if got := e.health(t, tg.TargetGroupArn, target("10.0.9.9", 0), target("10.0.1.5", 0)); !slices.Equal(got, []string{
		"10.0.9.9:80 unused Target.NotRegistered", "10.0.1.5:80 initial Elb.RegistrationInProgress", "10.0.1.5:8080 unhealthy Target.Timeout"}) {
		t.Errorf("asked targets: %v", got)
	}
	m, err := e.TargetHealthOf(e.ctx, testAccount, testRegion, tg.TargetGroupArn)
	if err != nil || len(m) != 3 || m["10.0.2.7:80"].State != HealthHealthy || m["10.0.1.5:8080"].Reason != "Target.Timeout" {
		t.Errorf("TargetHealthOf: %v %v", m, err)
	}

	// Deregistration drains for the deregistration delay (300 s), then the
	// target is gone: at once from every answer, from the record on Expire.
	if _, err := e.DeregisterTargets(e.ctx, &elbv2types.DeregisterTargetsInput{TargetGroupArn: tg.TargetGroupArn,
		Targets: []elbv2types.TargetDescription{target("10.0.2.7", 0), target("10.0.3.3", 0)}}); err != nil {
		t.Fatal(err)
	}
	if got := e.health(t, tg.TargetGroupArn, target("10.0.2.7", 80)); !slices.Equal(got, []string{"10.0.2.7:80 draining Target.DeregistrationInProgress"}) {
		t.Errorf("deregistered: %v", got)
	}
	snap, _ := e.Snapshot(e.ctx)
	if tc := snap.TargetGroups[0].Targets[2]; !tc.Draining || !tc.DrainUntil.Equal(e.clock.Now().Add(300*time.Second)) {
		t.Errorf("snapshot target %+v", tc)
	}
	e.clock.Advance(299 * time.Second)
	if n, err := e.Expire(e.ctx, e.clock.Now()); n != 0 || err != nil {
		t.Errorf("Expire before the delay: %d %v", n, err)
	}
	e.clock.Advance(time.Second)
	if got := e.health(t, tg.TargetGroupArn); len(got) != 2 {
		t.Errorf("after the delay: %v", got)
	}
	if n, err := e.Expire(e.ctx, e.clock.Now()); n != 1 || err != nil {
		t.Errorf("Expire: %d %v", n, err)
	}

	// Registering a draining target again stops its draining; a delay of
	// 0 removes at once.
	_, _ = e.DeregisterTargets(e.ctx, &elbv2types.DeregisterTargetsInput{TargetGroupArn: tg.TargetGroupArn, Targets: []elbv2types.TargetDescription{target("10.0.1.5", 0)}})
	_, _ = e.RegisterTargets(e.ctx, &elbv2types.RegisterTargetsInput{TargetGroupArn: tg.TargetGroupArn, Targets: []elbv2types.TargetDescription{target("10.0.1.5", 0)}})
	if got := e.health(t, tg.TargetGroupArn, target("10.0.1.5", 80)); !slices.Equal(got, []string{"10.0.1.5:80 initial Elb.RegistrationInProgress"}) {
		t.Errorf("registered again: %v", got)
	}
	_, _ = e.ModifyTargetGroupAttributes(e.ctx, &elbv2types.ModifyTargetGroupAttributesInput{TargetGroupArn: tg.TargetGroupArn,
		Attributes: []elbv2types.TargetGroupAttribute{{Key: "deregistration_delay.timeout_seconds", Value: "0"}}})
	if err := e.DeregisterIPTarget(e.ctx, testAccount, testRegion, tg.TargetGroupArn, "10.0.1.5", 80); err != nil {
		t.Fatal(err)
	}
	if got := e.health(t, tg.TargetGroupArn); !slices.Equal(got, []string{"10.0.1.5:8080 unhealthy Target.Timeout"}) {
		t.Errorf("after a delay-0 deregistration: %v", got)
	}

	// Health checks off: unavailable.
	_, _ = e.ModifyTargetGroup(e.ctx, &elbv2types.ModifyTargetGroupInput{TargetGroupArn: tg.TargetGroupArn, HealthCheckEnabled: ptr(false)})
	if got := e.health(t, tg.TargetGroupArn); !slices.Equal(got, []string{"10.0.1.5:8080 unavailable Target.HealthCheckDisabled"}) {
		t.Errorf("health checks off: %v", got)
	}
}

func TestRegisterTargetsInvalid(t *testing.T) {
	e := newEnv(t)
	tg := e.mustTG(t, "tg")
	for _, tc := range []struct {
		name       string
		targets    []elbv2types.TargetDescription
		code, want string
	}{
		{"none", nil, "ValidationError", "Value null at 'targets'"},
		{"instance id", []elbv2types.TargetDescription{target("i-0123", 0)}, "ValidationError", "The IP address 'i-0123' is not a valid IPv4 address"},
		{"ipv6", []elbv2types.TargetDescription{target("2001:db8::1", 0)}, "ValidationError", "not a valid IPv4 address"},
		{"port", []elbv2types.TargetDescription{target("10.0.1.5", 70000)}, "ValidationError", "at 'targets.1.member.port'"},
		{"outside, no zone", []elbv2types.TargetDescription{target("192.168.1.1", 0)}, "ValidationError", "The Availability Zone is required for IP address '192.168.1.1' because it is not in the VPC"},
		{"outside, all", []elbv2types.TargetDescription{{Id: "192.168.1.1", AvailabilityZone: "all"}}, "InvalidTarget", "outside the target group's VPC 'vpc-1'"},
		{"in vpc, no subnet", []elbv2types.TargetDescription{target("10.0.200.1", 0)}, "InvalidTarget", "not in any subnet of VPC 'vpc-1'"},
		{"in vpc, all", []elbv2types.TargetDescription{{Id: "10.0.1.5", AvailabilityZone: "all"}}, "ValidationError", "cannot have its Availability Zone overridden to 'all' from 'us-east-1a'"},
		{"second bad", []elbv2types.TargetDescription{target("10.0.1.5", 0), target("10.0.2", 0)}, "ValidationError", "'10.0.2'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.storeDump(t)
			_, err := e.RegisterTargets(e.ctx, &elbv2types.RegisterTargetsInput{TargetGroupArn: tg.TargetGroupArn, Targets: tc.targets})
			wantCode(t, err, tc.code, tc.want)
			if !mapsEqual(before, e.storeDump(t)) {
				t.Fatal("a refused RegisterTargets changed the store")
			}
		})
	}
	_, err := e.RegisterTargets(e.ctx, &elbv2types.RegisterTargetsInput{TargetGroupArn: tg.TargetGroupArn + "0", Targets: []elbv2types.TargetDescription{target("10.0.1.5", 0)}})
	wantCode(t, err, "ValidationError", "is not a valid target group ARN")
	_, err = e.RegisterTargets(e.ctx, &elbv2types.RegisterTargetsInput{TargetGroupArn: tg.TargetGroupArn[:len(tg.TargetGroupArn)-16] + "0000000000000000",
		Targets: []elbv2types.TargetDescription{target("10.0.1.5", 0)}})
	wantCode(t, err, "TargetGroupNotFound", "One or more target groups not found")
}

func TestGoAPI(t *testing.T) {
	e := newEnv(t)
	tg := e.mustTG(t, "svc")
	info, err := e.TargetGroupInfo(e.ctx, testAccount, testRegion, tg.TargetGroupArn)
	if err != nil {
		t.Fatal(err)
	}
	if info.Port != 80 || info.VpcID != "vpc-1" || info.TargetType != "ip" || info.DeregistrationDelay != 300*time.Second ||
		info.HealthCheck.Path != "/" || info.HealthCheck.Interval != 30*time.Second || info.LoadBalancerARNs != nil {
		t.Errorf("info %+v", info)
	}
	lb := e.mustLB(t, "web")
	e.mustListener(t, lb.LoadBalancerArn, 80, forwardTo(tg.TargetGroupArn))
	info, _ = e.TargetGroupInfo(e.ctx, testAccount, testRegion, tg.TargetGroupArn)
	if !slices.Equal(info.LoadBalancerARNs, []string{lb.LoadBalancerArn}) {
		t.Errorf("used by %v", info.LoadBalancerARNs)
	}
	for _, arn := range []string{"nope", tg.TargetGroupArn[:len(tg.TargetGroupArn)-16] + "0000000000000000"} {
		if _, err := e.TargetGroupInfo(e.ctx, testAccount, testRegion, arn); !errors.Is(err, ErrTargetGroupNotFound) {
			t.Errorf("TargetGroupInfo(%s) = %v", arn, err)
		}
	}
	if _, err := e.TargetGroupInfo(e.ctx, "210987654321", testRegion, tg.TargetGroupArn); !errors.Is(err, ErrTargetGroupNotFound) {
		t.Errorf("another account's: %v", err)
	}
	if err := e.RegisterIPTarget(e.ctx, testAccount, testRegion, tg.TargetGroupArn, "10.0.1.9", 8080); err != nil {
		t.Fatal(err)
	}
	if err := e.RegisterIPTarget(e.ctx, testAccount, testRegion, tg.TargetGroupArn, "10.0.1.9", 8080); err != nil {
		t.Fatalf("registering twice: %v", err)
	}
	wantCode(t, e.RegisterIPTarget(e.ctx, testAccount, testRegion, tg.TargetGroupArn, "172.31.1.9", 8080), "ValidationError", "not in the VPC")
	if got := e.health(t, tg.TargetGroupArn); !slices.Equal(got, []string{"10.0.1.9:8080 initial Elb.RegistrationInProgress"}) {
		t.Errorf("registered in process: %v", got)
	}
	if err := e.DeregisterIPTarget(e.ctx, testAccount, testRegion, tg.TargetGroupArn, "10.0.1.9", 8080); err != nil {
		t.Fatal(err)
	}
	m, _ := e.TargetHealthOf(e.ctx, testAccount, testRegion, tg.TargetGroupArn)
	if m["10.0.1.9:8080"].State != HealthDraining {
		t.Errorf("after DeregisterIPTarget: %v", m)
	}
}
