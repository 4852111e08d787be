package tasktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// albFixture is a load balancer with a listener on port 80 forwarding to
// an ip target group on port 8080, in the default VPC; tasks of group
// taskSG accept 8080 from the load balancer's group only.
type albFixture struct {
	e                 *ec2.Client
	elb               *elb.Client
	lbARN, tgARN, dns string
	lbSG, taskSG      string
	subnets           []string
	addrs             []string // the load balancer's ENI addresses
}

func newALB(t *testing.T, c *ecs.Client, name string) *albFixture {
	t.Helper()
	cfg := srv.AWSConfig(c.Options().Region)
	f := &albFixture{e: ec2.NewFromConfig(cfg), elb: elb.NewFromConfig(cfg)}
	subnets := must(f.e.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}}))(t).Subnets
	vpc := aws.ToString(subnets[0].VpcId)
	for _, s := range subnets {
		f.subnets = append(f.subnets, aws.ToString(s.SubnetId))
	}
	f.lbSG = group(t, f.e, vpc, name+"-lb")
	allowTCP(t, f.e, f.lbSG, 80, "0.0.0.0/0")
	f.taskSG = group(t, f.e, vpc, name+"-task")
	allowTCP(t, f.e, f.taskSG, 8080, f.lbSG)
	tg := must(f.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(name), Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(8080), VpcId: aws.String(vpc), TargetType: elbtypes.TargetTypeEnumIp, HealthCheckPath: aws.String("/health"),
		HealthCheckIntervalSeconds: aws.Int32(5), HealthCheckTimeoutSeconds: aws.Int32(2),
		HealthyThresholdCount: aws.Int32(2), UnhealthyThresholdCount: aws.Int32(2)}))(t).TargetGroups[0]
	f.tgARN = aws.ToString(tg.TargetGroupArn)
	must(f.elb.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: tg.TargetGroupArn,
		Attributes: []elbtypes.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("3")}}}))(t)
	lb := must(f.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String(name), Subnets: f.subnets,
		SecurityGroups: []string{f.lbSG}}))(t).LoadBalancers[0]
	f.lbARN, f.dns = aws.ToString(lb.LoadBalancerArn), aws.ToString(lb.DNSName)
	must(f.elb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(80), DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroupArn}}}))(t)
	enis := must(f.e.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{
		{Name: aws.String("description"), Values: []string{"ELB app/" + name + "/*"}}}}))(t).NetworkInterfaces
	for _, e := range enis {
		f.addrs = append(f.addrs, aws.ToString(e.PrivateIpAddress))
	}
	t.Cleanup(func() {
		_, _ = f.elb.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(f.lbARN)})
		_, _ = f.elb.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(f.tgARN)})
	})
	return f
}

// healthy counts the group's healthy targets.
func (f *albFixture) healthy(t *testing.T) int {
	t.Helper()
	n := 0
	for _, d := range must(f.elb.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(f.tgARN)}))(t).TargetHealthDescriptions {
		if d.TargetHealth.State == elbtypes.TargetHealthStateEnumHealthy {
			n++
		}
	}
	return n
}

// get GETs path through the load balancer as curl would reach its DNS
// name: on the host's loopback address, with the name as Host.
func (f *albFixture) get(client *http.Client, path string) (int, map[string]any, error) {
	req, err := http.NewRequest("GET", "http://"+srv.ELBHostAddr+":80"+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Host = f.dns
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	_ = json.Unmarshal(b, &v)
	return resp.StatusCode, v, nil
}

// TestServiceBehindLoadBalancer: a service's tasks are registered with
// its target group and answer through the load balancer (on the host by
// name, on its own addresses, and from a task by the VPC resolver); a
// rolling update under a continuous client loses no request and keeps
// the healthy count; a task whose target turns unhealthy is replaced;
// deleting the service drains its targets.
func TestServiceBehindLoadBalancer(t *testing.T) {
	c := setup(t)
	f := newALB(t, c, "alb-svc")
	web := container("web", "/testapp", "serve")
	web.PortMappings = []types.PortMapping{{ContainerPort: aws.Int32(8080)}}
	web.StopTimeout = aws.Int32(5)
	rev1 := register(t, c, "alb-web", nil, web)
	createService(t, c, "alb", rev1, 2, func(in *ecs.CreateServiceInput) {
		in.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups = []string{f.taskSG}
		in.LoadBalancers = []types.LoadBalancer{{TargetGroupArn: aws.String(f.tgARN), ContainerName: aws.String("web"), ContainerPort: aws.Int32(8080)}}
		in.HealthCheckGracePeriodSeconds = aws.Int32(10)
	})
	waitSteady(t, c, "alb", 2, 2*time.Minute)
	waitFor(t, "two healthy targets", time.Minute, func() bool { return f.healthy(t) == 2 })

	client := &http.Client{Timeout: 5 * time.Second}
	code, body, err := f.get(client, "/")
	if err != nil || code != 200 {
		t.Fatalf("through the load balancer: %d %v", code, err)
	}
	if h, _ := body["headers"].(map[string]any); h == nil || h["X-Forwarded-For"] == nil || h["X-Forwarded-Port"] == nil {
		t.Errorf("forwarded headers missing: %v", body["headers"])
	}
	if from, _, _ := strings.Cut(fmt.Sprint(body["remote_addr"]), ":"); !slices.Contains(f.addrs, from) {
		t.Errorf("the target saw %v, not one of the load balancer's addresses %v", body["remote_addr"], f.addrs)
	}
	// On its own address, from the host — when the host routes the VPC's
	// block to this server's router (another berth on the host may hold
	// 172.31.0.0/16 for its own default VPC: then the block is not routed
	// here, as the README says).
	out, err := exec.Command("ip", "route", "get", f.addrs[0]).Output()
	if err != nil || !strings.Contains(string(out), " dev bh") {
		t.Fatalf("%s does not route to a berth VPC uplink here: %s %v", f.addrs[0], out, err)
	}
	if slices.ContainsFunc(routerNames(t), func(r [2]string) bool { return strings.Contains(string(out), " dev "+r[1]+" ") }) {
		resp, err := client.Get("http://" + f.addrs[0] + "/")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("on the load balancer's address: %v %v", resp, err)
		}
		resp.Body.Close()
	} else {
		t.Logf("%s routes to another server's VPC router (%s): not asked from the host", f.addrs[0], strings.TrimSpace(string(out)))
	}
	// From a task, by name through the VPC resolver.
	if code, out := probe(t, c, f.subnets[0], nil, "/testapp", "fetch", "-timeout", "3s", "http://"+f.dns+"/health"); code != 0 || !strings.HasPrefix(out, "HTTP 200") {
		t.Errorf("from a task by name: exit %d: %s", code, out)
	}

	// A rolling update under a continuous client.
	var sent, failed atomic.Int64
	var firstErr sync.Once
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			code, _, err := f.get(client, "/")
			sent.Add(1)
			if err != nil || code != 200 {
				failed.Add(1)
				firstErr.Do(func() { t.Logf("first failed request: %d %v", code, err) })
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	rev2 := register(t, c, "alb-web", nil, web)
	must(c.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("tasks"), Service: aws.String("alb"), TaskDefinition: aws.String(rev2)}))(t)
	minHealthy, peak := 2, 0
	waitFor(t, "the rollout behind the load balancer", 3*time.Minute, func() bool {
		svc := describeService(t, c, "alb")
		peak = max(peak, int(svc.RunningCount+svc.PendingCount))
		minHealthy = min(minHealthy, f.healthy(t))
		return len(svc.Deployments) == 1 && aws.ToString(svc.Deployments[0].TaskDefinition) == rev2 &&
			svc.Deployments[0].RolloutState == types.DeploymentRolloutStateCompleted
	})
	close(stop)
	wg.Wait()
	if failed.Load() > 0 {
		t.Errorf("%d of %d requests failed during the rollout", failed.Load(), sent.Load())
	}
	if peak > 4 || minHealthy < 2 {
		t.Errorf("rollout went to %d tasks (max 4) and down to %d healthy targets (min 2)", peak, minHealthy)
	}

	// A target that fails its health checks is replaced after the grace
	// period. (First the old targets finish draining, so that /fail goes
	// to a task of the service as it now is.)
	waitFor(t, "only the new targets left", time.Minute, func() bool {
		return len(must(f.elb.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(f.tgARN)}))(t).TargetHealthDescriptions) == 2 &&
			f.healthy(t) == 2
	})
	if code, _, err := f.get(client, "/fail"); err != nil || code != 200 {
		t.Fatalf("/fail: %d %v", code, err)
	}
	waitFor(t, "a task stopped for failing ELB health checks", 2*time.Minute, func() bool {
		for _, task := range serviceTasks(t, c, "alb", types.DesiredStatusStopped) {
			if strings.Contains(aws.ToString(task.StoppedReason), "failed ELB health checks in (target-group "+f.tgARN+")") {
				return true
			}
		}
		return false
	})
	waitFor(t, "two healthy targets again", 2*time.Minute, func() bool { return f.healthy(t) == 2 })

	// The load balancer's security group decides who reaches it: without
	// its rule for 0.0.0.0/0, neither the host nor a task does; with it
	// back, both do.
	perm := []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
		IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}
	must(f.e.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(f.lbSG), IpPermissions: perm}))(t)
	quick := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	waitFor(t, "the host shut out", 30*time.Second, func() bool { _, _, err := f.get(quick, "/"); return err != nil })
	if code, out := probe(t, c, f.subnets[0], nil, "/testapp", "fetch", "-timeout", "2s", "http://"+f.dns+"/health"); code == 0 {
		t.Errorf("a task reached the load balancer its group does not admit: %s", out)
	}
	must(f.e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(f.lbSG), IpPermissions: perm}))(t)
	waitFor(t, "the host let in again", 30*time.Second, func() bool { code, _, err := f.get(quick, "/"); return err == nil && code == 200 })

	// Deleting the service drains its targets away.
	must(c.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: aws.String("tasks"), Service: aws.String("alb"), Force: aws.Bool(true)}))(t)
	waitFor(t, "the service to drain", 2*time.Minute, func() bool {
		return aws.ToString(describeService(t, c, "alb").Status) == "INACTIVE"
	})
	waitFor(t, "the targets to go", time.Minute, func() bool {
		return len(must(f.elb.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(f.tgARN)}))(t).TargetHealthDescriptions) == 0
	})
	if code, _, err := f.get(client, "/"); err != nil || code != 503 {
		t.Errorf("with no targets: %d %v, want 503", code, err)
	}
}
