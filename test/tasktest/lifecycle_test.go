package tasktest

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestRunToRunningAndStop(t *testing.T) {
	c := setup(t)
	td := register(t, c, "web", nil, container("web", "/testapp", "serve"))
	out, err := c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("tasks"), TaskDefinition: aws.String(td),
		LaunchType: types.LaunchTypeFargate, NetworkConfiguration: network(t, c), StartedBy: aws.String("tester"),
		Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	first := out.Tasks[0]
	if aws.ToString(first.LastStatus) != "PROVISIONING" || aws.ToString(first.DesiredStatus) != "RUNNING" || first.CreatedAt == nil {
		t.Fatalf("RunTask answered %s/%s", aws.ToString(first.LastStatus), aws.ToString(first.DesiredStatus))
	}
	arn := aws.ToString(first.TaskArn)
	task := waitStatus(t, c, arn, "RUNNING", time.Minute)
	if aws.ToString(task.LastStatus) != "RUNNING" {
		t.Fatalf("task stopped: %s %s", task.StopCode, aws.ToString(task.StoppedReason))
	}
	web := ctr(task, "web")
	if aws.ToString(web.LastStatus) != "RUNNING" || aws.ToString(web.RuntimeId) == "" || aws.ToString(web.ImageDigest) == "" {
		t.Fatalf("container %+v", web)
	}
	if task.PullStartedAt == nil || task.PullStoppedAt == nil || task.StartedAt == nil {
		t.Fatalf("timestamps: pull %v-%v started %v", task.PullStartedAt, task.PullStoppedAt, task.StartedAt)
	}
	list, err := c.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("tasks"), StartedBy: aws.String("tester")})
	if err != nil || len(list.TaskArns) != 1 || list.TaskArns[0] != arn {
		t.Fatalf("list-tasks: %v %v", list, err)
	}
	cl, _ := c.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{"tasks"}})
	if cl.Clusters[0].RunningTasksCount != 1 {
		t.Fatalf("runningTasksCount %d", cl.Clusters[0].RunningTasksCount)
	}
	_, err = c.DeleteCluster(ctx, &ecs.DeleteClusterInput{Cluster: aws.String("tasks")})
	if apiErrorCode(err) != "ClusterContainsTasksException" {
		t.Fatalf("delete-cluster with a running task: %v", err)
	}

	if _, err := c.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("tasks"), Task: aws.String(arn), Reason: aws.String("done here")}); err != nil {
		t.Fatal(err)
	}
	task = waitStatus(t, c, arn, "STOPPED", time.Minute)
	if task.StopCode != types.TaskStopCodeUserInitiated || aws.ToString(task.StoppedReason) != "done here" {
		t.Fatalf("stop: %s %q", task.StopCode, aws.ToString(task.StoppedReason))
	}
	if task.StoppingAt == nil || task.ExecutionStoppedAt == nil || task.StoppedAt == nil {
		t.Fatalf("stop timestamps %v %v %v", task.StoppingAt, task.ExecutionStoppedAt, task.StoppedAt)
	}
	// testapp exits 0 on SIGTERM.
	if code := ctr(task, "web").ExitCode; code == nil || *code != 0 {
		t.Fatalf("exit code %v", code)
	}
	stopped, _ := c.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("tasks"), DesiredStatus: types.DesiredStatusStopped})
	if len(stopped.TaskArns) != 1 {
		t.Fatalf("stopped list %v", stopped.TaskArns)
	}
}

func TestEssentialExit(t *testing.T) {
	c := setup(t)
	side := container("side", "/testapp", "exit", "-code", "0")
	side.Essential = aws.Bool(false)
	td := register(t, c, "ess", nil,
		container("main", "/testapp", "exit", "-code", "3", "-after", "2s"), side)
	arn := run(t, c, td, nil)
	task := waitStatus(t, c, arn, "STOPPED", time.Minute)
	if task.StopCode != types.TaskStopCodeEssentialContainerExited || aws.ToString(task.StoppedReason) != "Essential container in task exited" {
		t.Fatalf("stop %s %q", task.StopCode, aws.ToString(task.StoppedReason))
	}
	if code := ctr(task, "main").ExitCode; code == nil || *code != 3 {
		t.Fatalf("main exit %v", code)
	}
	if code := ctr(task, "side").ExitCode; code == nil || *code != 0 {
		t.Fatalf("side exit %v", code)
	}
}

func TestNonEssentialExitKeepsRunning(t *testing.T) {
	c := setup(t)
	side := container("side", "/testapp", "exit", "-code", "1")
	side.Essential = aws.Bool(false)
	td := register(t, c, "nonessential", nil, container("main", "/testapp", "serve"), side)
	arn := run(t, c, td, nil)
	waitStatus(t, c, arn, "RUNNING", time.Minute)
	waitFor(t, "side to exit", 30*time.Second, func() bool { return ctr(describe(t, c, arn), "side").ExitCode != nil })
	time.Sleep(500 * time.Millisecond)
	if st := aws.ToString(describe(t, c, arn).LastStatus); st != "RUNNING" {
		t.Fatalf("task %s after a non-essential exit", st)
	}
}

func TestDependsOnAndVolumes(t *testing.T) {
	c := setup(t)
	initC := container("init", "/bin/sh", "-c", "echo from-init > /shared/msg; echo private > /private.txt")
	initC.Essential = aws.Bool(false)
	initC.MountPoints = []types.MountPoint{{SourceVolume: aws.String("shared"), ContainerPath: aws.String("/shared")}}
	app := container("app", "/bin/sh", "-c", "cat /data/msg; ls /private.txt 2>&1; touch /data/x 2>&1 || echo read-only; exec /testapp serve")
	app.DependsOn = []types.ContainerDependency{{ContainerName: aws.String("init"), Condition: types.ContainerConditionSuccess}}
	app.MountPoints = []types.MountPoint{{SourceVolume: aws.String("shared"), ContainerPath: aws.String("/data"), ReadOnly: aws.Bool(true)}}
	td := register(t, c, "deps", func(in *ecs.RegisterTaskDefinitionInput) {
		in.Volumes = []types.Volume{{Name: aws.String("shared")}}
	}, initC, app)
	arn := run(t, c, td, nil)
	waitStatus(t, c, arn, "RUNNING", time.Minute)
	waitFor(t, "app output", 20*time.Second, func() bool { return strings.Contains(logs(arn, "app"), "read-only") })
	out := logs(arn, "app")
	if !strings.Contains(out, "from-init") {
		t.Fatalf("app did not see init's volume write: %q", out)
	}
	if !strings.Contains(out, "No such file") {
		t.Fatalf("app saw init's writable layer: %q", out)
	}
}

func TestHealthChecks(t *testing.T) {
	c := setup(t)
	good := container("good", "/testapp", "serve")
	good.HealthCheck = &types.HealthCheck{Command: []string{"CMD", "/testapp", "fetch", "http://127.0.0.1:8080/health"},
		Interval: aws.Int32(5), Timeout: aws.Int32(2), Retries: aws.Int32(1)}
	td := register(t, c, "healthy", nil, good)
	arn := run(t, c, td, nil)
	waitFor(t, "HEALTHY", time.Minute, func() bool { return describe(t, c, arn).HealthStatus == types.HealthStatusHealthy })

	bad := container("bad", "/testapp", "serve")
	bad.HealthCheck = &types.HealthCheck{Command: []string{"CMD-SHELL", "exit 1"}, Interval: aws.Int32(5), Timeout: aws.Int32(2), Retries: aws.Int32(2)}
	td = register(t, c, "unhealthy", nil, bad)
	arn = run(t, c, td, nil)
	waitFor(t, "UNHEALTHY", time.Minute, func() bool {
		task := describe(t, c, arn)
		return task.HealthStatus == types.HealthStatusUnhealthy && ctr(task, "bad").HealthStatus == types.HealthStatusUnhealthy
	})
}

func TestStopTimeoutKills(t *testing.T) {
	c := setup(t)
	stubborn := container("stubborn", "/testapp", "trap", "-signal", "TERM", "-ignore")
	stubborn.StopTimeout = aws.Int32(2)
	td := register(t, c, "stubborn", nil, stubborn)
	arn := run(t, c, td, nil)
	waitStatus(t, c, arn, "RUNNING", time.Minute)
	time.Sleep(300 * time.Millisecond) // let the app install its handler
	if _, err := c.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("tasks"), Task: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	task := waitStatus(t, c, arn, "STOPPED", time.Minute)
	if code := ctr(task, "stubborn").ExitCode; code == nil || *code != 137 {
		t.Fatalf("exit code %v, want 137 (SIGKILL)", code)
	}
	if d := task.ExecutionStoppedAt.Sub(*task.StoppingAt); d < 2*time.Second {
		t.Fatalf("killed after %s, before its stopTimeout of 2s", d)
	}
}

func TestOOMKill(t *testing.T) {
	c := setup(t)
	hog := container("hog", "/testapp", "alloc", "-mib", "256", "-hold", "30s")
	hog.Memory = aws.Int32(64)
	td := register(t, c, "hog", nil, hog)
	arn := run(t, c, td, nil)
	task := waitStatus(t, c, arn, "STOPPED", time.Minute)
	h := ctr(task, "hog")
	if h.ExitCode == nil || *h.ExitCode != 137 || aws.ToString(h.Reason) != "OutOfMemoryError: Container killed due to memory usage" {
		t.Fatalf("hog: exit %v reason %q", h.ExitCode, aws.ToString(h.Reason))
	}
}

func TestMissingImage(t *testing.T) {
	c := setup(t)
	td := register(t, c, "missing", nil, types.ContainerDefinition{Name: aws.String("x"), Image: aws.String("127.0.0.1:1/nope:latest")})
	arn := run(t, c, td, nil)
	task := waitStatus(t, c, arn, "STOPPED", time.Minute)
	if task.StopCode != types.TaskStopCodeTaskFailedToStart || !strings.HasPrefix(aws.ToString(task.StoppedReason), "CannotPullContainerError") {
		t.Fatalf("stop %s %q", task.StopCode, aws.ToString(task.StoppedReason))
	}
}

func TestPlacementFailure(t *testing.T) {
	c := setup(t)
	td := register(t, c, "huge", func(in *ecs.RegisterTaskDefinitionInput) {
		in.Cpu, in.Memory = aws.String("16384"), aws.String("122880")
	}, container("x", "/testapp", "serve"))
	out, err := c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("tasks"), TaskDefinition: aws.String(td),
		LaunchType: types.LaunchTypeFargate, NetworkConfiguration: network(t, c)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tasks) != 0 || len(out.Failures) != 1 || !strings.HasPrefix(aws.ToString(out.Failures[0].Reason), "RESOURCE:") {
		t.Fatalf("tasks %d failures %+v", len(out.Tasks), out.Failures)
	}
}

func TestOverrides(t *testing.T) {
	c := setup(t)
	app := container("app", "/bin/sh", "-c", "echo A=$A B=$B; sleep 600")
	app.Environment = []types.KeyValuePair{{Name: aws.String("A"), Value: aws.String("1")}, {Name: aws.String("B"), Value: aws.String("2")}}
	app.StopTimeout = aws.Int32(2) // sh as PID 1 ignores SIGTERM
	td := register(t, c, "over", nil, app)
	arn := run(t, c, td, &types.TaskOverride{ContainerOverrides: []types.ContainerOverride{{
		Name:        aws.String("app"),
		Command:     []string{"-c", "echo overridden A=$A B=$B; sleep 600"},
		Environment: []types.KeyValuePair{{Name: aws.String("B"), Value: aws.String("3")}},
	}}})
	waitStatus(t, c, arn, "RUNNING", time.Minute)
	waitFor(t, "output", 20*time.Second, func() bool { return strings.Contains(logs(arn, "app"), "overridden A=1 B=3") })
	task := describe(t, c, arn)
	if len(task.Overrides.ContainerOverrides) != 1 {
		t.Fatalf("overrides not recorded: %+v", task.Overrides)
	}
}

func TestEphemeralStorageLimit(t *testing.T) {
	c := setup(t)
	// 21 "GiB" is 21 MiB in this test server (BERTH_TEST_EPHEMERAL_MIB_PER_GIB=1).
	w := container("writer", "/bin/sh", "-c", "/testapp write -path /big -mib 40 2>&1; echo exit=$?; sleep 600")
	w.StopTimeout = aws.Int32(2)
	td := register(t, c, "disk", func(in *ecs.RegisterTaskDefinitionInput) {
		in.EphemeralStorage = &types.EphemeralStorage{SizeInGiB: 21}
	}, w)
	arn := run(t, c, td, nil)
	waitStatus(t, c, arn, "RUNNING", time.Minute)
	waitFor(t, "writer to hit the limit", 30*time.Second, func() bool { return strings.Contains(logs(arn, "writer"), "exit=") })
	if out := logs(arn, "writer"); !strings.Contains(out, "no space left on device") || !strings.Contains(out, "exit=1") {
		t.Fatalf("writer output: %q", out)
	}
}
