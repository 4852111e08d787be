package tmds

import (
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
)

func TestEndpointID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{32}-[0-9]{10}$`)
	seen := map[string]string{}
	for _, name := range []string{"app", "sidecar", "a", "", "log_router", "x-ray-daemon"} {
		id := EndpointID(taskIDA, name)
		if !re.MatchString(id) {
			t.Errorf("%q: %q is not Fargate's form", name, id)
		}
		if id != EndpointID(taskIDA, name) {
			t.Errorf("%q: not stable", name)
		}
		if other, dup := seen[id]; dup {
			t.Errorf("%q and %q share %s", name, other, id)
		}
		seen[id] = name
	}
	if EndpointID(taskIDA, "app")[33:] != EndpointID(taskIDB, "app")[33:] {
		t.Error("the digits depend on the task")
	}
}

func TestEnv(t *testing.T) {
	id := EndpointID(taskIDA, "app")
	want := []string{
		"ECS_CONTAINER_METADATA_URI=http://169.254.170.2/v3/" + id,
		"ECS_CONTAINER_METADATA_URI_V4=http://169.254.170.2/v4/" + id,
		"ECS_AGENT_URI=http://169.254.170.2/api/" + id,
		"AWS_EXECUTION_ENV=AWS_ECS_FARGATE",
	}
	if diff := cmp.Diff(want, Env(id, "")); diff != "" {
		t.Errorf("without a role (-want +got):\n%s", diff)
	}
	want = append(want, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/cred-1")
	if diff := cmp.Diff(want, Env(id, "cred-1")); diff != "" {
		t.Errorf("with a role (-want +got):\n%s", diff)
	}
}

func TestStatuses(t *testing.T) {
	tests := []struct {
		task, container string
		created, pulled bool
		wantTask        string
		wantContainer   string
	}{
		{"PROVISIONING", "PENDING", false, false, "NONE", "NONE"},
		{"PENDING", "PENDING", false, true, "NONE", "PULLED"},
		{"PENDING", "PENDING", true, true, "CREATED", "CREATED"},
		{"ACTIVATING", "RUNNING", true, true, "RUNNING", "RUNNING"},
		{"RUNNING", "RUNNING", true, true, "RUNNING", "RUNNING"},
		{"DEACTIVATING", "RUNNING", true, true, "RUNNING", "RUNNING"},
		{"STOPPING", "STOPPED", true, true, "RUNNING", "STOPPED"},
		{"DEPROVISIONING", "STOPPED", true, true, "STOPPED", "STOPPED"},
		{"STOPPED", "STOPPED", true, true, "STOPPED", "STOPPED"},
	}
	for _, tt := range tests {
		task := NewTask(agentapi.TaskSpec{TaskID: taskIDA, Definition: ecstypes.TaskDefinition{
			ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: "app"}},
		}}, agentapi.TaskState{LastStatus: tt.task, Containers: []agentapi.ContainerState{{Name: "app", LastStatus: tt.container}}})
		if tt.created {
			task.Containers[0].CreatedAt = t0
		}
		if tt.pulled {
			task.State.PullStoppedAt = t0
		}
		r := taskResponse(task, v4, false, nil)
		if r.KnownStatus != tt.wantTask || r.Containers[0].KnownStatus != tt.wantContainer {
			t.Errorf("%s/%s: %s/%s, want %s/%s", tt.task, tt.container, r.KnownStatus, r.Containers[0].KnownStatus, tt.wantTask, tt.wantContainer)
		}
		wantDesired := "RUNNING"
		if tt.container == "STOPPED" {
			wantDesired = "STOPPED"
		}
		if r.Containers[0].DesiredStatus != wantDesired {
			t.Errorf("%s/%s: container desired %s", tt.task, tt.container, r.Containers[0].DesiredStatus)
		}
	}
}

func TestLimitsAndOverrides(t *testing.T) {
	task := fixtureTask(taskIDA, addrA)
	task.Spec.Overrides = &ecstypes.TaskOverride{ContainerOverrides: []ecstypes.ContainerOverride{
		{Name: "sidecar", Cpu: ptr(int32(1)), Memory: ptr(int32(64))},
		{Name: "app", Cpu: ptr(int32(512))},
	}}
	task.Spec.DesiredStatus = "STOPPED"
	task.Spec.EphemeralGiB = 0
	task.Spec.MemoryMiB = 0
	task.State.Containers[0].ExitCode = ptr(int32(137))
	r := taskResponse(task, v4, false, nil)
	app, side := r.Containers[0], r.Containers[1]
	if app.Limits != (ContainerLimits{CPU: 512, Memory: 512}) || side.Limits != (ContainerLimits{CPU: 2, Memory: 64}) {
		t.Errorf("limits %+v and %+v", app.Limits, side.Limits)
	}
	if *r.Limits != (TaskLimits{CPU: 0.25}) || r.EphemeralStorageMetrics.Reserved != 20496 || r.DesiredStatus != "STOPPED" || app.DesiredStatus != "STOPPED" {
		t.Errorf("task limits %+v, ephemeral %+v, desired %s/%s", r.Limits, r.EphemeralStorageMetrics, r.DesiredStatus, app.DesiredStatus)
	}
	if app.ExitCode == nil || *app.ExitCode != 137 || side.ExitCode != nil {
		t.Errorf("exit codes %v %v", app.ExitCode, side.ExitCode)
	}
	task.Spec.EphemeralGiB = 50
	task.Containers[0].ARN = ""
	task.Containers[0].FinishedAt = t0.Add(time.Hour)
	r = taskResponse(task, v4, false, nil)
	if r.EphemeralStorageMetrics.Reserved != 50*1024+16 {
		t.Errorf("reserved %d for 50 GiB", r.EphemeralStorageMetrics.Reserved)
	}
	arn := regexp.MustCompile(`^arn:aws:ecs:us-east-1:123456789012:container/MyCluster/` + taskIDA + `/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if !arn.MatchString(r.Containers[0].ContainerARN) || r.Containers[0].ContainerARN == r.Containers[1].ContainerARN {
		t.Errorf("derived ARNs %s, %s", r.Containers[0].ContainerARN, r.Containers[1].ContainerARN)
	}
	if r.Containers[0].FinishedAt.IsZero() {
		t.Error("FinishedAt left out")
	}
	// No ENI (not yet attached): no networks, no zone.
	task.Spec.ENI = nil
	if r := taskResponse(task, v4, false, nil); r.AvailabilityZone != "" || r.Containers[0].Networks != nil {
		t.Errorf("without an ENI: zone %q, networks %v", r.AvailabilityZone, r.Containers[0].Networks)
	}
}

func TestHostClockDrift(t *testing.T) {
	d := hostClockDrift(time.Date(2025, 1, 2, 3, 4, 5, 600, time.UTC))
	if d == nil {
		t.Skip("adjtimex refused")
	}
	if d.ClockSynchronizationStatus != "SYNCHRONIZED" && d.ClockSynchronizationStatus != "NOT_SYNCHRONIZED" || d.ClockErrorBound < 0 ||
		!d.ReferenceTimestamp.Equal(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("%+v", d)
	}
}

// TestContainerARNFromSpec: v4 shows the container ARNs ECS gave the
// containers (DescribeTasks' containerArn), carried by the spec.
func TestContainerARNFromSpec(t *testing.T) {
	task := fixtureTask(taskIDA, addrA)
	want := task.Spec.ContainerARNs["app"]
	r := taskResponse(task, v4, false, nil)
	if got := r.Containers[0].ContainerARN; got != want {
		t.Errorf("app ContainerARN %s, want the spec's %s", got, want)
	}
	if got := r.Containers[1].ContainerARN; got == "" || got == want {
		t.Errorf("sidecar (no ARN in the spec) ContainerARN %q", got)
	}
	if r := taskResponse(task, v3, false, nil); r.Containers[0].ContainerARN != "" {
		t.Errorf("v3 shows ContainerARN %s", r.Containers[0].ContainerARN)
	}
}
