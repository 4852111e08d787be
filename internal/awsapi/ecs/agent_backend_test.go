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
