package taskrunner

import (
	"context"
	"errors"
	"maps"
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
	r.noteContainer(name, fn)
	r.publish(ctx)
}

// noteContainer changes one container's state without reporting it yet:
// the next report carries it. Each report is a write to the store, so
// details that belong to a step (image digests) go with that step's report.
func (r *Runner) noteContainer(name string, fn func(*agentapi.ContainerState)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := slices.IndexFunc(r.state.Containers, func(c agentapi.ContainerState) bool { return c.Name == name })
	if i >= 0 {
		fn(&r.state.Containers[i])
	}
}

// State returns a copy of the task's observed state.
func (r *Runner) State() agentapi.TaskState {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.state
	st.Containers = slices.Clone(st.Containers)
	return st
}

// ContainerTimes are when a container was created, started and exited on
// this host, as far as this runner saw (an adopted container's are when
// the runner adopted it).
type ContainerTimes struct {
	Created, Started, Finished time.Time
}

// noteTime records a moment of a container's life.
func (r *Runner) noteTime(name string, fn func(*ContainerTimes)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.times == nil {
		r.times = map[string]ContainerTimes{}
	}
	t := r.times[name]
	fn(&t)
	r.times[name] = t
}

// Spec is the task as it was assigned; it never changes.
func (r *Runner) Spec() *agentapi.TaskSpec { return &r.spec }

// Snapshot returns the task's spec, its observed state and its containers'
// times, for the task metadata endpoint.
func (r *Runner) Snapshot() (agentapi.TaskSpec, agentapi.TaskState, map[string]ContainerTimes) {
	st := r.State()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.spec, st, maps.Clone(r.times)
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
