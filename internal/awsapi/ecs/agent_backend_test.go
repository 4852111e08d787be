package ecs

import (
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
)

func TestApplyStateNeverGoesBack(t *testing.T) {
	task := ecstypes.Task{LastStatus: statusProvisioning, DesiredStatus: statusRunning, Version: 1,
		Containers: []ecstypes.Container{{Name: "app", LastStatus: statusPending}}}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	applyState(&task, agentapi.TaskState{LastStatus: statusRunning, StartedAt: t0,
		Containers: []agentapi.ContainerState{{Name: "app", LastStatus: statusRunning, RuntimeID: "rid"}}})
	if task.LastStatus != statusRunning || task.StartedAt == nil || task.Containers[0].RuntimeId != "rid" || task.Version != 2 {
		t.Fatalf("after RUNNING: %+v", task)
	}
	// A late PENDING report changes nothing, and a second startedAt is ignored.
	applyState(&task, agentapi.TaskState{LastStatus: statusPending, StartedAt: t0.Add(time.Hour)})
	if task.LastStatus != statusRunning || !task.StartedAt.Equal(t0) || task.Version != 2 {
		t.Fatalf("went back: %+v", task)
	}
	code := int32(137)
	applyState(&task, agentapi.TaskState{LastStatus: statusStopped, StopCode: "EssentialContainerExited", StoppedReason: "Essential container in task exited",
		Containers: []agentapi.ContainerState{{Name: "app", LastStatus: statusStopped, ExitCode: &code, Reason: "OutOfMemoryError: Container killed due to memory usage"}}})
	c := task.Containers[0]
	if task.LastStatus != statusStopped || task.DesiredStatus != statusStopped || task.StopCode != "EssentialContainerExited" ||
		c.LastStatus != statusStopped || *c.ExitCode != 137 || c.Reason == "" {
		t.Fatalf("after STOPPED: %+v", task)
	}
	// A user's stop code, set by StopTask, is kept.
	task2 := ecstypes.Task{LastStatus: statusRunning, StopCode: "UserInitiated", StoppedReason: "bye"}
	applyState(&task2, agentapi.TaskState{LastStatus: statusStopped, StopCode: "EssentialContainerExited"})
	if task2.StopCode != "UserInitiated" || task2.StoppedReason != "bye" {
		t.Fatalf("user stop code overwritten: %s %s", task2.StopCode, task2.StoppedReason)
	}
}

func TestApplyStateMovesTheENIAttachment(t *testing.T) {
	task := ecstypes.Task{LastStatus: statusProvisioning, Attachments: []ecstypes.Attachment{{Type: attachmentENI, Status: attachPrecreated}}}
	for _, step := range []struct{ status, want string }{
		{statusPending, attachAttached}, {statusRunning, attachAttached},
		{statusDeprovision, attachDetaching}, {statusStopped, attachDeleted},
	} {
		applyState(&task, agentapi.TaskState{LastStatus: step.status})
		if got := task.Attachments[0].Status; got != step.want {
			t.Fatalf("at %s: attachment %s, want %s", step.status, got, step.want)
		}
	}
}

// TestApplyStateTakesCoalescedReports: an agent sends one report for steps
// that followed each other quickly (PROVISIONING straight to RUNNING, or
// RUNNING straight to STOPPED); every timestamp it carries lands, in one
// new version.
func TestApplyStateTakesCoalescedReports(t *testing.T) {
	task := ecstypes.Task{LastStatus: statusProvisioning, DesiredStatus: statusRunning, Version: 1,
		Attachments: []ecstypes.Attachment{{Type: attachmentENI, Status: attachPrecreated}},
		Containers:  []ecstypes.Container{{Name: "app", LastStatus: statusPending}}}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	applyState(&task, agentapi.TaskState{LastStatus: statusRunning,
		PullStartedAt: at(0), PullStoppedAt: at(2), StartedAt: at(40), ConnectivityAt: at(40),
		Containers: []agentapi.ContainerState{{Name: "app", LastStatus: statusRunning, RuntimeID: "rid", ImageDigest: "sha256:d"}}})
	if task.PullStartedAt == nil || task.PullStoppedAt == nil || task.StartedAt == nil || task.ConnectivityAt == nil {
		t.Errorf("a timestamp of the coalesced report is missing: %+v", task)
	}
	if task.LastStatus != statusRunning || task.Connectivity != "CONNECTED" || task.Version != 2 ||
		task.Attachments[0].Status != attachAttached || task.Containers[0].ImageDigest != "sha256:d" {
		t.Fatalf("after one report to RUNNING: %+v", task)
	}

	code := int32(143)
	applyState(&task, agentapi.TaskState{LastStatus: statusStopped, StopCode: "UserInitiated", StoppedReason: "bye",
		StoppingAt: at(1000), ExecutionStoppedAt: at(1100), StoppedAt: at(1200),
		Containers: []agentapi.ContainerState{{Name: "app", LastStatus: statusStopped, ExitCode: &code}}})
	if task.StoppingAt == nil || task.ExecutionStoppedAt == nil || task.StoppedAt == nil || task.StopCode != "UserInitiated" ||
		task.Version != 3 || task.Attachments[0].Status != attachDeleted || *task.Containers[0].ExitCode != 143 {
		t.Fatalf("after one report to STOPPED: %+v", task)
	}
}
