package tasktest

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// createService creates a FARGATE service in cluster "tasks", deleted
// (forced) when the test ends.
func createService(t *testing.T, c *ecs.Client, name, taskDef string, desired int32, mutate func(*ecs.CreateServiceInput)) types.Service {
	t.Helper()
	in := &ecs.CreateServiceInput{Cluster: aws.String("tasks"), ServiceName: aws.String(name), TaskDefinition: aws.String(taskDef),
		DesiredCount: aws.Int32(desired), LaunchType: types.LaunchTypeFargate, NetworkConfiguration: network(t, c)}
	if mutate != nil {
		mutate(in)
	}
	out, err := c.CreateService(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = c.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: aws.String("tasks"), Service: aws.String(name), Force: aws.Bool(true)})
		waitFor(t, "service "+name+" INACTIVE", 3*time.Minute, func() bool {
			return aws.ToString(describeService(t, c, name).Status) == "INACTIVE"
		})
	})
	return *out.Service
}

func describeService(t *testing.T, c *ecs.Client, name string) types.Service {
	t.Helper()
	out, err := c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("tasks"), Services: []string{name}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Services) != 1 {
		t.Fatalf("describe service %s: %+v", name, out.Failures)
	}
	return out.Services[0]
}

// serviceTasks lists the service's tasks with the given desired status.
func serviceTasks(t *testing.T, c *ecs.Client, name string, desired types.DesiredStatus) []types.Task {
	t.Helper()
	arns, err := c.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("tasks"), ServiceName: aws.String(name), DesiredStatus: desired})
	if err != nil {
		t.Fatal(err)
	}
	if len(arns.TaskArns) == 0 {
		return nil
	}
	out, err := c.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("tasks"), Tasks: arns.TaskArns})
	if err != nil {
		t.Fatal(err)
	}
	return out.Tasks
}

// waitSteady waits until the service runs desired tasks, all of its
// PRIMARY deployment, with nothing pending, and says so in its events.
func waitSteady(t *testing.T, c *ecs.Client, name string, desired int32, timeout time.Duration) types.Service {
	t.Helper()
	var svc types.Service
	waitFor(t, "service "+name+" steady", timeout, func() bool {
		svc = describeService(t, c, name)
		return svc.RunningCount == desired && svc.PendingCount == 0 && len(svc.Deployments) == 1 &&
			svc.Deployments[0].RolloutState == types.DeploymentRolloutStateCompleted && len(svc.Events) > 0 &&
			strings.HasSuffix(aws.ToString(svc.Events[0].Message), "has reached a steady state.") &&
			len(serviceTasks(t, c, name, types.DesiredStatusRunning)) == int(desired)
	})
	return svc
}

// TestServiceKeepsDesiredCount: a service replaces a task stopped under
// it, scales out and in, rolls to a new revision without going past
// maximumPercent, and drains when deleted.
func TestServiceKeepsDesiredCount(t *testing.T) {
	c := setup(t)
	rev1 := register(t, c, "svc-keep", nil, container("web", "/testapp", "serve"))
	createService(t, c, "keep", rev1, 2, nil)
	svc := waitSteady(t, c, "keep", 2, 2*time.Minute)
	tasks := serviceTasks(t, c, "keep", types.DesiredStatusRunning)
	for _, task := range tasks {
		if aws.ToString(task.Group) != "service:keep" || aws.ToString(task.StartedBy) != aws.ToString(svc.Deployments[0].Id) {
			t.Fatalf("service task group %q startedBy %q", aws.ToString(task.Group), aws.ToString(task.StartedBy))
		}
	}

	// A task stopped by hand is replaced.
	victim := aws.ToString(tasks[0].TaskArn)
	if _, err := c.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("tasks"), Task: aws.String(victim)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a replacement", 2*time.Minute, func() bool {
		running := serviceTasks(t, c, "keep", types.DesiredStatusRunning)
		if len(running) != 2 {
			return false
		}
		for _, task := range running {
			if aws.ToString(task.TaskArn) == victim || aws.ToString(task.LastStatus) != "RUNNING" {
				return false
			}
		}
		return true
	})

	// Scale out, then in: ECS's scale-in reason names the deployment.
	update := func(in *ecs.UpdateServiceInput) {
		t.Helper()
		in.Cluster, in.Service = aws.String("tasks"), aws.String("keep")
		if _, err := c.UpdateService(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	update(&ecs.UpdateServiceInput{DesiredCount: aws.Int32(3)})
	waitSteady(t, c, "keep", 3, 2*time.Minute)
	update(&ecs.UpdateServiceInput{DesiredCount: aws.Int32(1)})
	waitSteady(t, c, "keep", 1, 2*time.Minute)
	stopped := serviceTasks(t, c, "keep", types.DesiredStatusStopped)
	scaledIn := 0
	for _, task := range stopped {
		if strings.HasPrefix(aws.ToString(task.StoppedReason), "Scaling activity initiated by (deployment ecs-svc/") &&
			task.StopCode == types.TaskStopCodeServiceSchedulerInitiated {
			scaledIn++
		}
	}
	if scaledIn != 2 {
		t.Fatalf("%d tasks stopped by scale-in, want 2", scaledIn)
	}

	// A new revision rolls out: never more than maximumPercent (200 % of
	// 2) tasks at once; the old deployment goes away.
	update(&ecs.UpdateServiceInput{DesiredCount: aws.Int32(2)})
	waitSteady(t, c, "keep", 2, 2*time.Minute)
	rev2 := register(t, c, "svc-keep", nil, container("web", "/testapp", "serve"))
	update(&ecs.UpdateServiceInput{TaskDefinition: aws.String(rev2)})
	peak := 0
	waitFor(t, "the rollout to "+rev2, 3*time.Minute, func() bool {
		svc := describeService(t, c, "keep")
		peak = max(peak, int(svc.RunningCount+svc.PendingCount))
		return len(svc.Deployments) == 1 && aws.ToString(svc.Deployments[0].TaskDefinition) == rev2 &&
			svc.Deployments[0].RolloutState == types.DeploymentRolloutStateCompleted && svc.RunningCount == 2
	})
	if peak > 4 {
		t.Fatalf("%d tasks at once during the rollout, maximumPercent allows 4", peak)
	}
	for _, task := range serviceTasks(t, c, "keep", types.DesiredStatusRunning) {
		if aws.ToString(task.TaskDefinitionArn) != rev2 {
			t.Fatalf("task of %s still running after the rollout", aws.ToString(task.TaskDefinitionArn))
		}
	}

	// Deleting drains: every task stops, then the service is INACTIVE.
	if _, err := c.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: aws.String("tasks"), Service: aws.String("keep"), Force: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the service to drain", 2*time.Minute, func() bool {
		return aws.ToString(describeService(t, c, "keep").Status) == "INACTIVE"
	})
	if left := serviceTasks(t, c, "keep", types.DesiredStatusRunning); len(left) != 0 {
		t.Fatalf("%d tasks left running after delete", len(left))
	}
}

// TestServiceCircuitBreakerRollsBack: a revision whose container exits at
// once fails its deployment and the service returns to the last good one.
func TestServiceCircuitBreakerRollsBack(t *testing.T) {
	c := setup(t)
	good := register(t, c, "svc-cb", nil, container("web", "/testapp", "serve"))
	createService(t, c, "cb", good, 1, func(in *ecs.CreateServiceInput) {
		in.DeploymentConfiguration = &types.DeploymentConfiguration{
			DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true}}
	})
	waitSteady(t, c, "cb", 1, 2*time.Minute)
	bad := register(t, c, "svc-cb", nil, container("web", "/testapp", "exit", "-code", "3"))
	if _, err := c.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("tasks"), Service: aws.String("cb"), TaskDefinition: aws.String(bad)}); err != nil {
		t.Fatal(err)
	}
	var svc types.Service
	t.Cleanup(func() {
		if t.Failed() {
			for _, d := range svc.Deployments {
				t.Logf("deployment %s %s %s %s failed %d running %d", aws.ToString(d.Id), aws.ToString(d.Status), aws.ToString(d.TaskDefinition), d.RolloutState, d.FailedTasks, d.RunningCount)
			}
			for _, ev := range svc.Events {
				t.Logf("event %s", aws.ToString(ev.Message))
			}
		}
	})
	waitFor(t, "the circuit breaker", 2*time.Minute, func() bool {
		svc = describeService(t, c, "cb")
		return aws.ToString(svc.TaskDefinition) == good
	})
	var failed *types.Deployment
	for i, d := range svc.Deployments {
		if aws.ToString(d.TaskDefinition) == bad {
			failed = &svc.Deployments[i]
		}
	}
	if failed != nil && failed.RolloutState != types.DeploymentRolloutStateFailed {
		t.Fatalf("bad deployment: %s %s", failed.RolloutState, aws.ToString(failed.RolloutStateReason))
	}
	rolledBack := false
	for _, ev := range svc.Events {
		if strings.HasSuffix(aws.ToString(ev.Message), "deployment failed: tasks failed to start.") {
			rolledBack = true
		}
	}
	if !rolledBack {
		t.Fatalf("no \"deployment failed\" event in %d events", len(svc.Events))
	}
	waitSteady(t, c, "cb", 1, 3*time.Minute)
}

// TestServiceReplacesUnhealthyTask: a task whose container health check
// starts failing is stopped with ECS's reason and replaced.
func TestServiceReplacesUnhealthyTask(t *testing.T) {
	c := setup(t)
	web := container("web", "/testapp", "serve")
	// Healthy for the first 10 seconds after the first check, then not.
	web.HealthCheck = &types.HealthCheck{Command: []string{"CMD-SHELL",
		`[ -e /tmp/t ] || date +%s > /tmp/t; [ $(( $(date +%s) - $(cat /tmp/t) )) -lt 10 ]`},
		Interval: aws.Int32(5), Timeout: aws.Int32(2), Retries: aws.Int32(1)}
	td := register(t, c, "svc-health", nil, web)
	createService(t, c, "health", td, 1, nil)
	waitSteady(t, c, "health", 1, 2*time.Minute)
	sick := serviceTasks(t, c, "health", types.DesiredStatusRunning)[0]
	waitFor(t, "the unhealthy task to be stopped", 2*time.Minute, func() bool {
		return aws.ToString(describe(t, c, aws.ToString(sick.TaskArn)).DesiredStatus) == "STOPPED"
	})
	task := describe(t, c, aws.ToString(sick.TaskArn))
	if got := aws.ToString(task.StoppedReason); !strings.Contains(got, "failed container health checks") {
		t.Fatalf("stopped reason %q", got)
	}
	waitFor(t, "a replacement", 2*time.Minute, func() bool {
		for _, r := range serviceTasks(t, c, "health", types.DesiredStatusRunning) {
			if aws.ToString(r.TaskArn) != aws.ToString(sick.TaskArn) && aws.ToString(r.LastStatus) == "RUNNING" {
				return true
			}
		}
		return false
	})
}
