package taskrunner

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
)

// setStatus changes the task's status (unless status is "") and fields,
// then reports the whole state.
func (r *Runner) setStatus(ctx context.Context, status string, fn func(*agentapi.TaskState)) {
	r.mu.Lock()
	if status != "" {
		r.state.LastStatus = status
	}
	if fn != nil {
		fn(&r.state)
	}
	r.mu.Unlock()
	r.publish(ctx)
}

// setContainer changes one container's state and reports.
func (r *Runner) setContainer(ctx context.Context, name string, fn func(*agentapi.ContainerState)) {
	r.mu.Lock()
	i := slices.IndexFunc(r.state.Containers, func(c agentapi.ContainerState) bool { return c.Name == name })
	if i >= 0 {
		fn(&r.state.Containers[i])
	}
	r.mu.Unlock()
	r.publish(ctx)
}

// State returns a copy of the task's observed state.
func (r *Runner) State() agentapi.TaskState {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.state
	st.Containers = slices.Clone(st.Containers)
	return st
}

// publish reports the current state, retrying briefly. A control plane
// that no longer knows the task makes the runner stop it.
func (r *Runner) publish(ctx context.Context) {
	st := r.State()
	if r.gone {
		return
	}
	for attempt := range 5 {
		err := r.report(context.WithoutCancel(ctx), st)
		if err == nil {
			return
		}
		if errors.Is(err, agentapi.ErrUnknownTask) {
			r.gone = true
			r.Stop(StopUserInitiated, "Task no longer exists")
			return
		}
		r.log.Warn("reporting task state", "status", st.LastStatus, "attempt", attempt+1, "err", err)
		time.Sleep(time.Duration(100<<attempt) * time.Millisecond)
	}
}
