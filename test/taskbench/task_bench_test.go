// Package taskbench measures real task launches through the real binary:
// RunTask → RUNNING latency with the image cached, and the sustained launch
// rate. Run with `make bench` (root and containerd needed); figures are
// reported as metrics, never asserted.
package taskbench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/berth-dev/berth/internal/testutil"
	"github.com/berth-dev/berth/internal/testutil/testimage"
)

var srv *testutil.Server

func TestMain(m *testing.M) {
	flag.Parse()
	_, err := exec.LookPath("containerd")
	if flag.Lookup("test.bench").Value.String() == "" || os.Geteuid() != 0 || err != nil {
		os.Exit(m.Run()) // nothing to measure here
	}
	os.Setenv("BERTH_CONTAINERD_NAMESPACE", fmt.Sprintf("berth-bench-%d", os.Getpid()))
	// 100 Fargate-sized tasks do not fit a 2-core host; the sleeping test
	// tasks use almost nothing, so the bench declares room for them.
	os.Setenv("BERTH_NODE_CPU", "262144")
	os.Setenv("BERTH_NODE_MEMORY_MIB", "262144")
	os.Exit(testutil.Shared(m, &srv))
}

var (
	once sync.Once
	ctx  = context.Background()
	net  *types.NetworkConfiguration // the default VPC's first subnet
)

func setup(b *testing.B) *ecs.Client {
	c := ecs.NewFromConfig(srv.AWSConfig(""))
	once.Do(func() {
		archive, err := testimage.Default(ctx, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		srv.LoadImage(b, archive)
		subnets, err := ec2.NewFromConfig(srv.AWSConfig("")).DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
		if err != nil {
			b.Fatal(err)
		}
		net = &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{aws.ToString(subnets.Subnets[0].SubnetId)}}}
		if _, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("bench")}); err != nil {
			b.Fatal(err)
		}
		_, err = c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
			Family: aws.String("bench"), NetworkMode: types.NetworkModeAwsvpc,
			RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
			Cpu:                     aws.String("256"), Memory: aws.String("512"),
			ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("berth-test/app:latest"),
				Command: []string{"sleep", "-seconds", "-1"}, StopTimeout: aws.Int32(2)}},
		})
		if err != nil {
			b.Fatal(err)
		}
	})
	return c
}

func runTasks(b *testing.B, c *ecs.Client, n int) []string {
	out, err := c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("bench"), TaskDefinition: aws.String("bench"),
		LaunchType: types.LaunchTypeFargate, NetworkConfiguration: net, Count: aws.Int32(int32(n))})
	if err != nil {
		b.Fatal(err)
	}
	if len(out.Failures) > 0 {
		b.Fatalf("placement: %s", aws.ToString(out.Failures[0].Reason))
	}
	var arns []string
	for _, t := range out.Tasks {
		arns = append(arns, aws.ToString(t.TaskArn))
	}
	return arns
}

// waitAll polls until every task has status and returns when each was
// first seen so. The poll interval grows with the number of tasks, so that
// describing 100 tasks does not eat the CPU the launches need (a 50 ms
// granularity over a multi-second launch of 100 is noise).
func waitAll(b *testing.B, c *ecs.Client, arns []string, status string) map[string]time.Time {
	interval := 5 * time.Millisecond
	if len(arns) > 10 {
		interval = 50 * time.Millisecond
	}
	seen := map[string]time.Time{}
	deadline := time.Now().Add(5 * time.Minute)
	for len(seen) < len(arns) {
		for chunk := range slices.Chunk(arns, 100) {
			out, err := c.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("bench"), Tasks: chunk})
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			for _, t := range out.Tasks {
				arn := aws.ToString(t.TaskArn)
				if _, ok := seen[arn]; !ok && aws.ToString(t.LastStatus) == status {
					seen[arn] = now
				}
				if status == "RUNNING" && aws.ToString(t.LastStatus) == "STOPPED" {
					b.Fatalf("task stopped: %s", aws.ToString(t.StoppedReason))
				}
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d tasks %s after 5 minutes", len(seen), len(arns), status)
		}
		time.Sleep(interval)
	}
	return seen
}

func stopAll(b *testing.B, c *ecs.Client, arns []string) {
	for _, arn := range arns {
		if _, err := c.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("bench"), Task: aws.String(arn)}); err != nil {
			b.Fatal(err)
		}
	}
	waitAll(b, c, arns, "STOPPED")
}

// BenchmarkRunTaskToRunning launches one task at a time and measures
// RunTask → RUNNING as a client polling DescribeTasks sees it.
func BenchmarkRunTaskToRunning(b *testing.B) {
	c := setup(b)
	var lat []time.Duration
	var all []string
	for b.Loop() {
		t0 := time.Now()
		arns := runTasks(b, c, 1)
		lat = append(lat, waitAll(b, c, arns, "RUNNING")[arns[0]].Sub(t0))
		all = append(all, arns...)
		if len(all) >= 20 {
			b.StopTimer()
			stopAll(b, c, all)
			all = nil
			b.StartTimer()
		}
	}
	b.StopTimer()
	stopAll(b, c, all)
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[(len(lat)-1)*99/100].Milliseconds()), "p99-ms")
}

// BenchmarkLaunchRate starts 100 tasks (ten RunTask calls of 10, as fast as
// the API takes them) and reports how many reach RUNNING per second.
func BenchmarkLaunchRate(b *testing.B) {
	c := setup(b)
	var launched int
	var busy, took time.Duration
	for b.Loop() {
		t0, busy0 := time.Now(), hostBusy(b)
		var arns []string
		for range 10 {
			arns = append(arns, runTasks(b, c, 10)...)
		}
		seen := waitAll(b, c, arns, "RUNNING")
		busy += hostBusy(b) - busy0
		launched += len(arns)
		last := t0
		for _, at := range seen {
			if at.After(last) {
				last = at
			}
		}
		took += last.Sub(t0)
		// Over every batch so far, not the last one alone: a shared host
		// makes single batches swing.
		b.ReportMetric(float64(launched)/took.Seconds(), "tasks/s")
		// What a launch costs the whole host (berth, containerd, shims,
		// runc, the kernel): steadier than the rate on a shared machine.
		b.ReportMetric(float64(busy.Milliseconds())/float64(launched), "host-cpu-ms/task")
		b.StopTimer()
		stopAll(b, c, arns)
		b.StartTimer()
	}
}

// hostBusy is the CPU time the host has spent busy (all CPUs), from
// /proc/stat.
func hostBusy(b *testing.B) time.Duration {
	f, err := os.ReadFile("/proc/stat")
	if err != nil {
		b.Fatal(err)
	}
	line, _, _ := strings.Cut(string(f), "\n")
	fields := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	var ticks int64
	for i, name := range []string{"user", "nice", "system", "", "", "irq", "softirq"} {
		if name == "" {
			continue
		}
		n, err := strconv.ParseInt(fields[i+1], 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}
