package taskrunner

import (
	"context"
	"fmt"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/runtime"
)

// Dependency conditions of dependsOn.
const (
	condStart    = "START"
	condComplete = "COMPLETE"
	condSuccess  = "SUCCESS"
	condHealthy  = "HEALTHY"
)

// depState says whether a container's dependencies are met, not yet met,
// or can never be met (then the error says why).
func (r *Runner) depState(c *ctr) (bool, error) {
	for _, dep := range c.def.DependsOn {
		d := r.ctr(dep.ContainerName)
		switch dep.Condition {
		case condStart:
			if !d.started {
				return false, nil
			}
		case condComplete:
			if !d.exited {
				return false, nil
			}
		case condSuccess:
			if !d.exited {
				return false, nil
			}
			if d.exit.Code != 0 {
				return false, fmt.Errorf("dependency container %s exited with code %d; %s needs SUCCESS", d.def.Name, d.exit.Code, c.def.Name)
			}
		case condHealthy:
			if d.health == "UNHEALTHY" || d.exited {
				return false, fmt.Errorf("dependency container %s did not become HEALTHY; %s needs it", d.def.Name, c.def.Name)
			}
			if d.health != "HEALTHY" {
				return false, nil
			}
		}
	}
	return true, nil
}

// startReady starts every container whose dependencies are met, and says
// whether it started any.
func (r *Runner) startReady(ctx context.Context) (bool, error) {
	started := false
	for progress := true; progress; {
		progress = false
		for _, c := range r.ctrs {
			if c.started || r.stopping() {
				continue
			}
			ok, err := r.depState(c)
			if err != nil {
				return started, err
			}
			if !ok {
				continue
			}
			if err := r.startContainer(ctx, c); err != nil {
				return started, fmt.Errorf("CannotStartContainerError: container %s: %w", c.def.Name, err)
			}
			progress, started = true, true
		}
	}
	return started, nil
}

// startContainer starts (or, after an agent restart, adopts) a container
// and watches its exit and health.
func (r *Runner) startContainer(ctx context.Context, c *ctr) error {
	if st := r.existing[c.def.Name]; st == "" || st == "created" {
		if _, err := r.hooks.Runtime.Start(ctx, c.id); err != nil {
			return err
		}
	}
	waitc, err := r.hooks.Runtime.Wait(ctx, c.id)
	if err != nil {
		return err
	}
	c.started = true
	r.noteTime(c.def.Name, func(t *ContainerTimes) {
		t.Started = r.now()
		if t.Created.IsZero() {
			t.Created = t.Started // adopted
		}
	})
	r.noteContainer(c.def.Name, func(cs *agentapi.ContainerState) {
		cs.LastStatus, cs.RuntimeID = Running, c.id
	})
	go r.watchExit(ctx, c, waitc)
	if hc := c.def.HealthCheck; hc != nil {
		go r.healthLoop(ctx, c.def.Name, c.id, hc)
	}
	return nil
}

// taskHealth is ECS's task health: UNHEALTHY if an essential container with
// a health check is, HEALTHY when all of those are, else UNKNOWN.
func (r *Runner) taskHealth() string {
	checked, healthy := 0, 0
	for _, c := range r.ctrs {
		if c.def.HealthCheck == nil || !essential(&c.def) {
			continue
		}
		checked++
		switch c.health {
		case "UNHEALTHY":
			return "UNHEALTHY"
		case "HEALTHY":
			healthy++
		}
	}
	if checked > 0 && healthy == checked {
		return "HEALTHY"
	}
	return "UNKNOWN"
}

// watchExit forwards a container's exit to the runner. A wait that ended
// without an exit (the agent is shutting down, or containerd went away for
// a moment) is not an exit: it waits again unless the agent is going away.
func (r *Runner) watchExit(ctx context.Context, c *ctr, waitc <-chan runtime.ExitStatus) {
	for {
		st, ok := <-waitc
		if ok && st.Err == nil {
			select {
			case r.events <- event{name: c.def.Name, exit: &st}:
			case <-r.done:
			}
			return
		}
		if ctx.Err() != nil {
			return
		}
		if ok {
			r.log.Warn("waiting for container", "container", c.def.Name, "err", st.Err)
		}
		time.Sleep(time.Second)
		var err error
		if waitc, err = r.hooks.Runtime.Wait(ctx, c.id); err != nil {
			r.log.Warn("waiting for container", "container", c.def.Name, "err", err)
			return
		}
	}
}
