package agent

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/agent/fakes"
	"github.com/berth-dev/berth/internal/agent/shimgroup"
	"github.com/berth-dev/berth/internal/agent/taskrunner"
	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/runtime"
)

// hostView adapts the fakes to the agent's Host interface.
type hostView struct {
	rt   *fakes.Runtime
	host *fakes.Host
}

func (h hostView) Containers(ctx context.Context) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for _, c := range h.rt.Containers {
		task, name := c.Spec.Labels[taskrunner.LabelTaskID], c.Spec.Labels[taskrunner.LabelContainer]
		if out[task] == nil {
			out[task] = map[string]string{}
		}
		status := "created"
		if c.Started {
			status = "running"
		}
		out[task][name] = status
	}
	return out, nil
}

func (h hostView) Leftovers(ctx context.Context) ([]string, error) {
	var ids []string
	for id := range h.host.Storage {
		ids = append(ids, id)
	}
	return ids, nil
}

func (h hostView) Remove(ctx context.Context, taskID string, containers []string) error {
	for _, c := range containers {
		_ = h.rt.Delete(ctx, taskrunner.ContainerID(taskID, c))
	}
	_ = h.host.Destroy(ctx, taskID)
	_ = h.host.DeleteTask(taskID)
	return h.host.Teardown(ctx, &agentapi.TaskSpec{TaskID: taskID})
}

type rig struct {
	cp   *fakes.ControlPlane
	rt   *fakes.Runtime
	host *fakes.Host
	stop func()
}

func start(t *testing.T, setup func(*rig)) *rig {
	t.Helper()
	r := &rig{cp: fakes.NewControlPlane(), rt: fakes.NewRuntime("app:1"), host: fakes.NewHost()}
	if setup != nil {
		setup(r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := New(Config{
		Node: agentapi.Node{ID: "node-1", CPU: 2048, MemoryMiB: 4096},
		API:  r.cp,
		Hooks: taskrunner.Hooks{Runtime: r.rt, Storage: r.host, Cgroups: r.host, Network: r.host,
			Shims: shimgroup.New(2, 2), LogDir: t.TempDir(), NodeID: "node-1"},
		Host: hostView{r.rt, r.host},
		Log:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	done := make(chan struct{})
	go func() { _ = a.Run(ctx); close(done) }()
	r.stop = func() { cancel(); <-done }
	t.Cleanup(r.stop)
	return r
}

func spec(id string, ctrs ...ecstypes.ContainerDefinition) agentapi.TaskSpec {
	return agentapi.TaskSpec{Account: "1", Region: "r", TaskID: id, TaskARN: "arn:task/c/" + id,
		Definition: ecstypes.TaskDefinition{ContainerDefinitions: ctrs}, CPU: 256, MemoryMiB: 512, DesiredStatus: "RUNNING"}
}

func ctr(name string, essential bool) ecstypes.ContainerDefinition {
	return ecstypes.ContainerDefinition{Name: name, Image: "app:1", EntryPoint: []string{"/app"}, Essential: &essential}
}

func (r *rig) waitStatus(t *testing.T, arn, want string) agentapi.TaskState {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, _ := r.cp.State(arn)
		if st.LastStatus == want {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s is %q, want %s", arn, st.LastStatus, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEssentialExitStopsTaskAndCleansUp(t *testing.T) {
	r := start(t, nil)
	s := spec("t1", ctr("app", true), ctr("side", false))
	r.cp.Assign(s)
	st := r.waitStatus(t, s.TaskARN, "RUNNING")
	if st.StartedAt.IsZero() || st.PullStartedAt.IsZero() || len(st.Containers) != 2 || st.Containers[0].RuntimeID == "" {
		t.Fatalf("running state %+v", st)
	}
	r.rt.Exit(taskrunner.ContainerID("t1", "side"), 0) // non-essential: keeps running
	time.Sleep(50 * time.Millisecond)
	if st, _ := r.cp.State(s.TaskARN); st.LastStatus != "RUNNING" {
		t.Fatalf("non-essential exit stopped the task: %s", st.LastStatus)
	}
	r.rt.Exit(taskrunner.ContainerID("t1", "app"), 3)
	st = r.waitStatus(t, s.TaskARN, "STOPPED")
	if st.StopCode != "EssentialContainerExited" || *st.Containers[0].ExitCode != 3 || *st.Containers[1].ExitCode != 0 {
		t.Fatalf("stopped state %+v", st)
	}
	if r.host.Has("t1") || r.rt.Count() != 0 {
		t.Fatal("the task left something on the host")
	}
}

func TestStopRequestSignalsAndReports(t *testing.T) {
	r := start(t, nil)
	s := spec("t2", ctr("app", true))
	r.cp.Assign(s)
	r.waitStatus(t, s.TaskARN, "RUNNING")
	s.DesiredStatus, s.StopCode, s.StoppedReason = "STOPPED", "UserInitiated", "bye"
	r.cp.Assign(s)
	st := r.waitStatus(t, s.TaskARN, "STOPPED")
	if st.StopCode != "UserInitiated" || st.StoppedReason != "bye" || *st.Containers[0].ExitCode != 128+int32(syscall.SIGTERM) {
		t.Fatalf("stopped %+v", st)
	}
	if st.StoppingAt.IsZero() || st.ExecutionStoppedAt.IsZero() || st.StoppedAt.IsZero() {
		t.Fatalf("stop timestamps %+v", st)
	}
}

func TestUnassignedTaskIsStopped(t *testing.T) {
	r := start(t, nil)
	s := spec("t3", ctr("app", true))
	r.cp.Assign(s)
	r.waitStatus(t, s.TaskARN, "RUNNING")
	r.cp.Unassign(s.TaskARN)
	deadline := time.Now().Add(10 * time.Second)
	for r.host.Has("t3") || r.rt.Count() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("an unassigned task was not cleaned up")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestMissingImageFailsToStart(t *testing.T) {
	r := start(t, nil)
	c := ctr("app", true)
	c.Image = "nope:1"
	s := spec("t4", c)
	r.cp.Assign(s)
	st := r.waitStatus(t, s.TaskARN, "STOPPED")
	if st.StopCode != "TaskFailedToStart" || !strings.HasPrefix(st.StoppedReason, "CannotPullContainerError") {
		t.Fatalf("stopped %+v", st)
	}
}

func TestTasksShareShims(t *testing.T) {
	r := start(t, nil)
	group := func(task, name string) string { return r.rt.ShimGroup(taskrunner.ContainerID(task, name)) }
	a := spec("s1", ctr("app", true), ctr("side", true))
	r.cp.Assign(a)
	r.waitStatus(t, a.TaskARN, "RUNNING")
	if g := group("s1", "app"); g == "" || g != group("s1", "side") {
		t.Fatalf("a task's containers in groups %q and %q, want one", g, group("s1", "side"))
	}
	b := spec("s2", ctr("app", true))
	r.cp.Assign(b)
	r.waitStatus(t, b.TaskARN, "RUNNING")
	if group("s2", "app") != group("s1", "app") {
		t.Fatalf("second task in group %q, want the running first's %q", group("s2", "app"), group("s1", "app"))
	}
	c := spec("s3", ctr("app", true)) // the group has taken its two tasks
	r.cp.Assign(c)
	r.waitStatus(t, c.TaskARN, "RUNNING")
	if group("s3", "app") == group("s1", "app") {
		t.Fatalf("third task joined the full group %q", group("s1", "app"))
	}
}

func TestStartAdoptsAndRemovesLeftovers(t *testing.T) {
	s := spec("t5", ctr("app", true))
	r := start(t, func(r *rig) {
		// Before the agent starts: t5's container runs (a previous agent
		// started it), and an unknown task left storage behind.
		r.cp.Assign(s)
		_ = r.rt.Create(context.Background(), fakeSpec("t5", "app"))
		_, _ = r.rt.Start(context.Background(), taskrunner.ContainerID("t5", "app"))
		_ = r.host.Create(context.Background(), "ghost", 20)
	})
	r.waitStatus(t, s.TaskARN, "RUNNING")
	if r.host.Has("ghost") {
		t.Fatal("the leftover of an unknown task was kept")
	}
	if r.rt.Count() != 1 {
		t.Fatalf("containers: %d, want the adopted one", r.rt.Count())
	}
}

func fakeSpec(task, name string) runtime.ContainerSpec {
	return runtime.ContainerSpec{ID: taskrunner.ContainerID(task, name),
		Labels: map[string]string{taskrunner.LabelTaskID: task, taskrunner.LabelContainer: name}}
}
