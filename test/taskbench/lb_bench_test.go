package taskbench

import (
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

// BenchmarkLoadBalancer measures what a load balancer adds to a request:
// the same GET, over a kept-alive connection, straight to a real task and
// through its ALB (by the host's loopback and Host header, as curl of the
// DNS name goes, and on the load balancer's own VPC address), p50 and p99
// of each; then requests/s through it with 8 concurrent clients.
func BenchmarkLoadBalancer(b *testing.B) {
	c := setup(b)
	cfg := srv.AWSConfig("")
	e, lbc := ec2.NewFromConfig(cfg), elb.NewFromConfig(cfg)
	subnets, err := e.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil {
		b.Fatal(err)
	}
	vpc := subnets.Subnets[0].VpcId
	var ids []string
	for _, s := range subnets.Subnets {
		ids = append(ids, aws.ToString(s.SubnetId))
	}
	sg, err := e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("lbbench"), Description: aws.String("bench"), VpcId: vpc})
	if err != nil {
		b.Fatal(err)
	}
	// The group admits the load balancer's port and the task's from
	// anywhere: the host measures both.
	for _, port := range []int32{80, 8080} {
		if _, err := e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []ec2types.IpPermission{{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}); err != nil {
			b.Fatal(err)
		}
	}
	tg, err := lbc.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("bench"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(8080),
		VpcId: vpc, TargetType: elbtypes.TargetTypeEnumIp, HealthCheckPath: aws.String("/health"),
		HealthCheckIntervalSeconds: aws.Int32(5), HealthCheckTimeoutSeconds: aws.Int32(2)})
	if err != nil {
		b.Fatal(err)
	}
	tgARN := tg.TargetGroups[0].TargetGroupArn
	lb, err := lbc.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("bench"), Subnets: ids, SecurityGroups: []string{aws.ToString(sg.GroupId)}})
	if err != nil {
		b.Fatal(err)
	}
	lbARN, dns := lb.LoadBalancers[0].LoadBalancerArn, aws.ToString(lb.LoadBalancers[0].DNSName)
	b.Cleanup(func() {
		_, _ = lbc.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: lbARN})
		_, _ = lbc.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: tgARN})
	})
	if _, err := lbc.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lbARN, Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tgARN}}}); err != nil {
		b.Fatal(err)
	}
	if _, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("lbbench"), NetworkMode: types.NetworkModeAwsvpc,
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("web"), Image: aws.String("berth-test/app:latest"),
			Command: []string{"serve"}, StopTimeout: aws.Int32(2)}}}); err != nil {
		b.Fatal(err)
	}
	run, err := c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("bench"), TaskDefinition: aws.String("lbbench"), LaunchType: types.LaunchTypeFargate,
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: ids[:1], SecurityGroups: []string{aws.ToString(sg.GroupId)}}}})
	if err != nil || len(run.Tasks) != 1 {
		b.Fatalf("run-task: %v %+v", err, run)
	}
	arn := aws.ToString(run.Tasks[0].TaskArn)
	defer stopAll(b, c, []string{arn})
	waitAll(b, c, []string{arn}, "RUNNING")
	d, err := c.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("bench"), Tasks: []string{arn}})
	if err != nil {
		b.Fatal(err)
	}
	var ip string
	for _, kv := range d.Tasks[0].Attachments[0].Details {
		if aws.ToString(kv.Name) == "privateIPv4Address" {
			ip = aws.ToString(kv.Value)
		}
	}
	if _, err := lbc.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tgARN, Targets: []elbtypes.TargetDescription{{Id: aws.String(ip)}}}); err != nil {
		b.Fatal(err)
	}
	enis, err := e.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{{Name: aws.String("description"), Values: []string{"ELB app/bench/*"}}}})
	if err != nil {
		b.Fatal(err)
	}
	lbIP := aws.ToString(enis.NetworkInterfaces[0].PrivateIpAddress)
	for _, addr := range []string{ip, lbIP} {
		out, err := exec.Command("ip", "route", "get", addr).Output()
		if err != nil || !strings.Contains(string(out), " dev bh") {
			b.Fatalf("%s does not route to a berth VPC uplink here: %s %v", addr, out, err)
		}
	}
	deadline := time.Now().Add(time.Minute)
	for {
		h, err := lbc.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: tgARN})
		if err == nil && len(h.TargetHealthDescriptions) == 1 && h.TargetHealthDescriptions[0].TargetHealth.State == elbtypes.TargetHealthStateEnumHealthy {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("target not healthy after a minute: %v %+v", err, h)
		}
		time.Sleep(200 * time.Millisecond)
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 5 * time.Second}
	try := func(url, host string) error {
		req, _ := http.NewRequest("GET", url, nil)
		if host != "" {
			req.Host = host
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("%s: %d", url, resp.StatusCode)
		}
		return nil
	}
	get := func(url, host string) {
		if err := try(url, host); err != nil {
			b.Fatal(err)
		}
	}
	sample := func(n int, url, host string) (p50, p99 time.Duration) {
		ds := make([]time.Duration, n)
		for i := range ds {
			start := time.Now()
			get(url, host)
			ds[i] = time.Since(start)
		}
		slices.Sort(ds)
		return ds[n/2], ds[n*99/100]
	}
	direct, viaHost, viaVPC := "http://"+ip+":8080/health", "http://"+srv.ELBHostAddr+"/health", "http://"+lbIP+"/health"
	for _, u := range []string{direct, viaHost, viaVPC} { // warm the connections
		get(u, dns)
	}
	b.ResetTimer()
	for range b.N {
		const n = 2000
		d50, d99 := sample(n, direct, "")
		h50, h99 := sample(n, viaHost, dns)
		v50, v99 := sample(n, viaVPC, "")
		us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
		b.ReportMetric(us(d50), "p50-direct-µs")
		b.ReportMetric(us(d99), "p99-direct-µs")
		b.ReportMetric(us(h50-d50), "p50-added-host-µs")
		b.ReportMetric(us(h99-d99), "p99-added-host-µs")
		b.ReportMetric(us(v50-d50), "p50-added-vpc-µs")
		b.ReportMetric(us(v99-d99), "p99-added-vpc-µs")

		var done, failed atomic.Int64
		var wg sync.WaitGroup
		end := time.Now().Add(3 * time.Second)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(end) {
					if try(viaHost, dns) != nil {
						failed.Add(1)
					}
					done.Add(1)
				}
			}()
		}
		wg.Wait()
		if failed.Load() > 0 {
			b.Fatalf("%d of %d requests failed under load", failed.Load(), done.Load())
		}
		b.ReportMetric(float64(done.Load())/3, "lb-req/s")
	}
}
