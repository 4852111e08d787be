// Package tasktest runs real tasks — containerd, runc, cgroups, loop-mounted
// ephemeral storage — through the real berth binary with aws-sdk-go-v2. It
// needs root and containerd (CI installs it); elsewhere it skips.
package tasktest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/testutil"
	"github.com/berth-dev/berth/internal/testutil/testimage"
)

var (
	srv      *testutil.Server
	imageRef = "berth-test/app:latest"
	ctx      = context.Background()
)

// testNamespace keeps this package's containers apart from any other
// berth on the host.
var testNamespace = fmt.Sprintf("berth-test-%d", os.Getpid())

func TestMain(m *testing.M) {
	if os.Geteuid() != 0 {
		fmt.Println("tasktest: skipped: needs root")
		os.Exit(0)
	}
	if _, err := exec.LookPath("containerd"); err != nil {
		fmt.Println("tasktest: skipped: containerd is not installed")
		os.Exit(0)
	}
	os.Setenv("BERTH_CONTAINERD_NAMESPACE", testNamespace)
	// 1 "GiB" of ephemeral storage is 1 MiB here, so tests can fill a
	// task's disk quickly.
	os.Setenv("BERTH_TEST_EPHEMERAL_MIB_PER_GIB", "1")
	// Room for a dozen small tasks at once (TestSubnetExhausted) on a
	// 2-core host; the huge task of TestPlacementFailure still won't fit.
	os.Setenv("BERTH_NODE_CPU", "8192")
	os.Setenv("BERTH_NODE_MEMORY_MIB", "32768")
	os.Exit(testutil.Shared(m, &srv))
}

var imageLoaded = false

// setup loads the test image (once) and returns a client in a region of
// the test's own, with a cluster named "tasks" in it.
func setup(t *testing.T) *ecs.Client {
	t.Helper()
	if !imageLoaded {
		archive, err := testimage.Default(ctx, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		srv.LoadImage(t, archive)
		imageLoaded = true
	}
	c := ecs.NewFromConfig(srv.AWSConfig(testutil.Region(t)))
	if _, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("tasks")}); err != nil {
		t.Fatal(err)
	}
	return c
}

// container is a container definition of the test image running args
// (the first as entryPoint, the rest as command).
func container(name string, args ...string) types.ContainerDefinition {
	return types.ContainerDefinition{Name: aws.String(name), Image: aws.String(imageRef), EntryPoint: args[:1], Command: args[1:]}
}

// register registers a Fargate task definition of the given containers.
func register(t *testing.T, c *ecs.Client, family string, mutate func(*ecs.RegisterTaskDefinitionInput), ctrs ...types.ContainerDefinition) string {
	t.Helper()
	in := &ecs.RegisterTaskDefinitionInput{
		Family: aws.String(family), NetworkMode: types.NetworkModeAwsvpc,
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		Cpu:                     aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: ctrs,
	}
	if mutate != nil {
		mutate(in)
	}
	out, err := c.RegisterTaskDefinition(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn)
}

// network is the awsvpc configuration of the client's region's first
// default subnet (and the default security group).
func network(t testing.TB, c *ecs.Client) *types.NetworkConfiguration {
	t.Helper()
	e := ec2.NewFromConfig(srv.AWSConfig(c.Options().Region))
	out, err := e.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil {
		t.Fatal(err)
	}
	return &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{aws.ToString(out.Subnets[0].SubnetId)}}}
}

// run starts one task, stopped when the test ends, and returns its ARN.
func run(t *testing.T, c *ecs.Client, taskDef string, overrides *types.TaskOverride) string {
	t.Helper()
	arn := start(t, c, taskDef, overrides)
	t.Cleanup(func() {
		_, _ = c.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("tasks"), Task: aws.String(arn)})
		waitStatus(t, c, arn, "STOPPED", 3*time.Minute)
	})
	return arn
}

// start starts one task and returns its ARN.
func start(t *testing.T, c *ecs.Client, taskDef string, overrides *types.TaskOverride) string {
	t.Helper()
	out, err := c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("tasks"), TaskDefinition: aws.String(taskDef),
		LaunchType: types.LaunchTypeFargate, NetworkConfiguration: network(t, c), Overrides: overrides})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Failures) > 0 {
		t.Fatalf("run-task failures: %s %s", aws.ToString(out.Failures[0].Reason), aws.ToString(out.Failures[0].Detail))
	}
	return aws.ToString(out.Tasks[0].TaskArn)
}

func describe(t *testing.T, c *ecs.Client, arn string) types.Task {
	t.Helper()
	out, err := c.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("tasks"), Tasks: []string{arn}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tasks) != 1 {
		t.Fatalf("describe %s: %+v", arn, out.Failures)
	}
	return out.Tasks[0]
}

// waitStatus polls until the task's lastStatus is want (or STOPPED, which
// ends every wait) and returns it.
func waitStatus(t *testing.T, c *ecs.Client, arn, want string, timeout time.Duration) types.Task {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		task := describe(t, c, arn)
		st := aws.ToString(task.LastStatus)
		if st == want || st == "STOPPED" {
			return task
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s is %s after %s, want %s", arn, st, timeout, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logs returns what a container of a task wrote to stdout.
func logs(taskARN, container string) string {
	id := taskARN[strings.LastIndex(taskARN, "/")+1:]
	b, _ := os.ReadFile(filepath.Join(srv.DataDir, "logs", id, container+".stdout.log"))
	return string(b)
}

func ctr(task types.Task, name string) types.Container {
	for _, c := range task.Containers {
		if aws.ToString(c.Name) == name {
			return c
		}
	}
	return types.Container{}
}

func apiErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}
