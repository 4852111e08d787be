package taskrunner

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
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

// ReportWindow is how long a report of a step of the task's start or stop
// may wait for the next step's. Each report is a write to the control
// plane's store (an fsync, a watch event, an EventBridge event), and a
// launch with its image cached goes PENDING → ACTIVATING → RUNNING in
// less: it then makes one report, carrying every timestamp, instead of
// four. A step that takes longer (an image pull, a container ignoring
// SIGTERM) is still reported when the window ends, so a client sees
// PENDING while a slow pull runs, at most this late.
const ReportWindow = 250 * time.Millisecond

// reports coalesces a runner's reports: a change is marked, then sent at
// once or within the window; what is sent is always the whole current
// state, so a later report carries every earlier change.
type reports struct {
	mu    sync.Mutex // guards dirty and timer
	dirty bool       // a change not yet sent
	timer *time.Timer

	send sync.Mutex // one report at a time, in order; guards gone
	gone bool       // the control plane no longer knows the task
}

// settled says whether a change in this status is reported at once:
// RUNNING and STOPPED are what clients wait for, and while RUNNING every
// change (health, a container's exit) is news. The steps between them
// can wait for the next one.
func settled(status string) bool { return status == Running || status == Stopped }

// publish reports the current state: now if the task is RUNNING or
// STOPPED, else within the report window (sooner if a settled report
// comes first). A control plane that no longer knows the task makes the
// runner stop it.
func (r *Runner) publish(ctx context.Context) {
	r.mu.Lock()
	status := r.state.LastStatus
	r.mu.Unlock()
	r.rep.mu.Lock()
	r.rep.dirty = true
	if settled(status) || r.window <= 0 {
		r.rep.mu.Unlock()
		r.flush(ctx)
		return
	}
	if r.rep.timer == nil {
		r.rep.timer = time.AfterFunc(r.window, func() {
			if ctx.Err() == nil { // an agent going away leaves the report to the next one
				r.flush(ctx)
			}
		})
	}
	r.rep.mu.Unlock()
}

// flush sends the current state if it changed since the last report,
// retrying briefly.
func (r *Runner) flush(ctx context.Context) {
	r.rep.send.Lock()
	defer r.rep.send.Unlock()
	r.rep.mu.Lock()
	if r.rep.timer != nil {
		r.rep.timer.Stop()
		r.rep.timer = nil
	}
	dirty := r.rep.dirty
	r.rep.dirty = false
	r.rep.mu.Unlock()
	if !dirty || r.rep.gone {
		return
	}
	st := r.State() // read after the mark: it has every change marked so far
	for attempt := range 5 {
		err := r.report(context.WithoutCancel(ctx), st)
		if err == nil {
			return
		}
		if errors.Is(err, agentapi.ErrUnknownTask) {
			r.rep.gone = true
			r.Stop(StopUserInitiated, "Task no longer exists")
			return
		}
		r.log.Warn("reporting task state", "status", st.LastStatus, "attempt", attempt+1, "err", err)
		time.Sleep(time.Duration(100<<attempt) * time.Millisecond)
	}
}

// dropReports forgets a report still waiting for its window, for a runner
// whose agent is going away (the next agent reports the task afresh).
func (r *Runner) dropReports() {
	r.rep.mu.Lock()
	defer r.rep.mu.Unlock()
	if r.rep.timer != nil {
		r.rep.timer.Stop()
		r.rep.timer = nil
	}
	r.rep.dirty = false
}
