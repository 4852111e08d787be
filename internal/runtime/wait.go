package runtime

import (
	"context"
	"fmt"
	"time"

	tasksapi "github.com/containerd/containerd/api/services/tasks/v1"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/protobuf"
)

// ExitStatus is how a container's init process ended.
type ExitStatus struct {
	// Code is the exit code; 128+n when killed by signal n (137 for
	// SIGKILL, 143 for SIGTERM), as Docker and ECS report it.
	Code     int
	ExitedAt time.Time
	// OOMKilled: the kernel OOM killer killed a process of the container
	// (its own memory limit or the task's), as Docker's State.OOMKilled.
	OOMKilled bool
	// Err is set, with Code -1, when waiting was abandoned before the exit:
	// ctx ended, the Runtime closed, or the task vanished. Wait again.
	Err error
}

// waitRetry is the pause before asking again while containerd restarts.
const waitRetry = 250 * time.Millisecond

// Wait reports the exit of container id on the returned channel (one value,
// then closed). It works for containers started before a restart of berth or
// containerd: an exit that happened meanwhile is reported at once, and a
// containerd restart during the wait is ridden out.
func (r *Runtime) Wait(ctx context.Context, id string) (<-chan ExitStatus, error) {
	ctx = r.ctx(ctx)
	c, err := r.client.LoadContainer(ctx, id)
	if err != nil {
		return nil, containerErr("wait for", id, err)
	}
	if _, err := c.Task(ctx, nil); err != nil {
		return nil, containerErr("wait for", id, err)
	}
	// Read now: the exit is reported from the container's own cgroup.
	spec, err := c.Spec(ctx)
	if err != nil {
		return nil, containerErr("wait for", id, err)
	}
	var cgroupsPath string
	if spec.Linux != nil {
		cgroupsPath = spec.Linux.CgroupsPath
	}
	ch := make(chan ExitStatus, 1)
	go func() {
		defer close(ch)
		ch <- r.waitExit(ctx, id, cgroupsPath)
	}()
	return ch, nil
}

func (r *Runtime) waitExit(ctx context.Context, id, cgroupsPath string) ExitStatus {
	for {
		resp, err := r.client.TaskService().Wait(ctx, &tasksapi.WaitRequest{ContainerID: id})
		if err == nil {
			st := ExitStatus{Code: int(resp.ExitStatus), ExitedAt: protobuf.FromTimestamp(resp.ExitedAt)}
			// The shim keeps the cgroup until the task is deleted, and the
			// kernel counts the kill before the process dies.
			st.OOMKilled = oomKills(cgroupsPath) > 0
			return st
		}
		err = errdefs.FromGRPC(err)
		select {
		case <-r.closed:
			return ExitStatus{Code: -1, Err: fmt.Errorf("wait for container %s: %w", id, ErrClosed)}
		default:
		}
		if ctx.Err() != nil || !errdefs.IsUnavailable(err) {
			return ExitStatus{Code: -1, Err: containerErr("wait for", id, err)}
		}
		r.log.Debug("containerd unavailable while waiting; retrying", "container", id, "err", err)
		select {
		case <-ctx.Done():
		case <-r.closed:
		case <-time.After(waitRetry):
		}
	}
}
