package taskrunner

import (
	"cmp"
	"context"
	"slices"
	"syscall"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
)

// shutdown stops the containers (SIGTERM, then SIGKILL after each one's
// stopTimeout), removes everything the task had on the host and reports
// STOPPED.
func (r *Runner) shutdown(ctx context.Context) {
	r.mu.Lock()
	code := cmp.Or(r.stopCode, r.spec.StopCode, StopUserInitiated)
	why := cmp.Or(r.stopWhy, r.spec.StoppedReason, "Task stopped by user")
	r.mu.Unlock()
	now := r.now()
	r.setStatus(ctx, Deactivating, func(st *agentapi.TaskState) {
		st.StoppingAt, st.StopCode, st.StoppedReason = now, code, why
	})
	r.setStatus(ctx, Stopping, nil)

	live := slices.DeleteFunc(slices.Clone(r.ctrs), func(c *ctr) bool { return !c.started || c.exited })
	slices.Reverse(live) // the last started stops first
	for _, c := range live {
		_ = r.hooks.Runtime.Signal(ctx, c.id, syscall.SIGTERM)
		c.killAt = r.now().Add(time.Duration(stopTimeoutSeconds(&c.def)) * time.Second)
	}
	giveUp := r.now().Add(130 * time.Second)
	for {
		live = slices.DeleteFunc(live, func(c *ctr) bool { return c.exited })
		if len(live) == 0 || r.now().After(giveUp) {
			break
		}
		next := slices.MinFunc(live, func(a, b *ctr) int { return a.killAt.Compare(b.killAt) }).killAt
		timer := time.NewTimer(max(time.Until(next), 0))
		select {
		case ev := <-r.events:
			if ev.exit != nil {
				r.handle(ctx, ev)
			}
		case <-timer.C:
			for _, c := range live {
				if !c.exited && !r.now().Before(c.killAt) {
					_ = r.hooks.Runtime.Signal(ctx, c.id, syscall.SIGKILL)
					c.killAt = giveUp
				}
			}
		}
		timer.Stop()
	}
	for _, c := range r.ctrs {
		if !c.started {
			r.setContainer(ctx, c.def.Name, func(cs *agentapi.ContainerState) { cs.LastStatus = Stopped })
		}
	}
	r.setStatus(ctx, Deprovisioning, func(st *agentapi.TaskState) { st.ExecutionStoppedAt = r.now() })
	r.cleanup(ctx)
	r.setStatus(ctx, Stopped, func(st *agentapi.TaskState) { st.StoppedAt = r.now() })
}

// cleanup removes the task's containers, root filesystems, network,
// storage and cgroup. Every step is idempotent, so a restarted agent may
// run it again over a half-cleaned task.
func (r *Runner) cleanup(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	h := r.hooks
	if h.Logs != nil {
		h.Logs.Finish(r.spec.TaskID) // the containers have exited: their last lines too
	}
	if r.shim != nil {
		r.shim.Leave() // may wait for tasks joining its shim, so it outlives their creates
	}
	for _, c := range r.ctrs {
		if err := h.Runtime.Delete(ctx, c.id); err != nil {
			r.log.Warn("removing container", "container", c.def.Name, "err", err)
		}
	}
	if err := h.Network.Teardown(ctx, &r.spec); err != nil {
		r.log.Warn("removing network", "err", err)
	}
	if err := h.Storage.Destroy(ctx, r.spec.TaskID); err != nil {
		r.log.Warn("removing storage", "err", err)
	}
	for attempt := 0; attempt < 20; attempt++ {
		err := h.Cgroups.DeleteTask(r.spec.TaskID)
		if err == nil {
			break
		}
		if attempt == 19 {
			r.log.Warn("removing cgroup", "err", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
