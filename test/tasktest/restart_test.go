package tasktest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/berth-dev/berth/internal/testutil"
	"github.com/berth-dev/berth/internal/testutil/testimage"
)

// TestRestartKeepsTasks stops the server under a running task and starts
// it again: the task is still RUNNING, in the same container, and stops
// normally afterwards; what belonged to no task is removed at start.
func TestRestartKeepsTasks(t *testing.T) {
	s := testutil.StartServer(t, "BERTH_CONTAINERD_NAMESPACE="+testNamespace+"-restart")
	archive, err := testimage.Default(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s.LoadImage(t, archive)
	c := ecs.NewFromConfig(s.AWSConfig(""))
	if _, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("tasks")}); err != nil {
		t.Fatal(err)
	}
	web := container("web", "/testapp", "serve")
	web.StopTimeout = aws.Int32(5)
	td := register(t, c, "web", nil, web)
	// In a VPC of its own, reachable from the host through a group.
	e := ec2.NewFromConfig(s.AWSConfig(""))
	vpc := newVPC(t, e, freeBlock(t))
	sg := group(t, e, vpc.id, "web")
	allowTCP(t, e, sg, 8080, "0.0.0.0/0")
	run := func() string {
		out := must(c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("tasks"), TaskDefinition: aws.String(td), LaunchType: types.LaunchTypeFargate,
			NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{
				Subnets: []string{vpc.subnets[0]}, SecurityGroups: []string{sg}}}}))(t)
		return aws.ToString(out.Tasks[0].TaskArn) // stopped by the test itself, across the restart
	}
	arn := run()
	before := waitStatus(t, c, arn, "RUNNING", time.Minute)
	ip := detail(before.Attachments[0], "privateIPv4Address")
	// A second task, launched once the first runs, shares its shim.
	arn2 := run()
	ip2 := detail(waitStatus(t, c, arn2, "RUNNING", time.Minute).Attachments[0], "privateIPv4Address")
	shims := func() int {
		out, _ := exec.Command("pgrep", "-c", "-f", "containerd-shim-runc-v2 -namespace "+testNamespace+"-restart ").Output()
		n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
		return n
	}
	if n := shims(); n != 1 {
		t.Fatalf("%d shims for two tasks launched one after the other, want 1", n)
	}

	// Leftovers of a task nobody knows: a storage dir and network state.
	orphan := filepath.Join(s.DataDir, "tasks", "0123456789abcdef0123456789abcdef")
	orphanNet := filepath.Join(s.DataDir, "network", "0123456789abcdef0123456789abcdef")
	for _, dir := range []string{orphan, orphanNet} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
	}

	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	c = ecs.NewFromConfig(s.AWSConfig(""))
	time.Sleep(time.Second) // let the agent adopt and report
	after := describe(t, c, arn)
	if aws.ToString(after.LastStatus) != "RUNNING" {
		t.Fatalf("after restart the task is %s (%s)", aws.ToString(after.LastStatus), aws.ToString(after.StoppedReason))
	}
	if aws.ToString(ctr(after, "web").RuntimeId) != aws.ToString(ctr(before, "web").RuntimeId) {
		t.Fatal("the container changed across the restart")
	}
	waitFor(t, "the orphans to be removed", 10*time.Second, func() bool {
		_, err := os.Stat(orphan)
		_, errNet := os.Stat(orphanNet)
		return os.IsNotExist(err) && os.IsNotExist(errNet)
	})
	// Its network came through: the host still reaches it, and the VPC
	// resolver (served by the agent) answers again.
	if _, err := hostGet(t, ip); err != nil {
		t.Fatalf("host → task after the restart: %v", err)
	}

	if _, err := c.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("tasks"), Task: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	stopped := waitStatus(t, c, arn, "STOPPED", time.Minute)
	if code := ctr(stopped, "web").ExitCode; code == nil || *code != 0 {
		t.Fatalf("exit code after adoption: %v", code)
	}
	// The first task's containers are gone from the shared shim; the
	// second's live on in it.
	time.Sleep(time.Second)
	if st := describe(t, c, arn2); aws.ToString(st.LastStatus) != "RUNNING" {
		t.Fatalf("the task sharing the stopped one's shim is %s (%s)", aws.ToString(st.LastStatus), aws.ToString(st.StoppedReason))
	}
	if _, err := hostGet(t, ip2); err != nil {
		t.Fatalf("host → second task after the first stopped: %v", err)
	}
	if _, err := c.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("tasks"), Task: aws.String(arn2)}); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, c, arn2, "STOPPED", time.Minute)
	waitFor(t, "the shared shim to exit", 10*time.Second, func() bool { return shims() == 0 })
	// Nothing of the task is left on the host.
	id := arn[strings.LastIndex(arn, "/")+1:]
	waitFor(t, "cleanup", 10*time.Second, func() bool {
		_, errStorage := os.Stat(filepath.Join(s.DataDir, "tasks", id))
		_, errNetns := os.Stat("/var/run/netns/berth-" + id)
		routers, _ := os.ReadDir(filepath.Join(s.DataDir, "network", ".routers"))
		return os.IsNotExist(errStorage) && os.IsNotExist(errNetns) && len(routers) == 0
	})
}
