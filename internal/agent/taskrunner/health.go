package taskrunner

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/runtime"
)

// maxHealthOutput is how much of a check's output is kept, as Docker
// keeps it for the ECS agent.
const maxHealthOutput = 4096

// healthLoop runs a container's health check command inside it, as ECS
// does: every interval, each run bounded by timeout; retries consecutive
// failures make it UNHEALTHY, one success HEALTHY; failures during
// startPeriod do not count. It ends when the task stops.
func (r *Runner) healthLoop(ctx context.Context, name, id string, hc *ecstypes.HealthCheck) {
	interval := seconds(hc.Interval, 30)
	timeout := seconds(hc.Timeout, 5)
	args := healthArgs(hc.Command)
	if args == nil {
		return
	}
	h := newHealthTracker(hc, r.now())
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.stopReq:
			return
		case <-t.C:
		}
		code, out, err := r.hooks.Runtime.Exec(ctx, id, args, timeout)
		if h.observe(r.now(), err == nil && code == 0) {
			code, output := checkResult(code, out, err, timeout)
			r.noteHealth(name, h.status, code, output)
			select {
			case r.events <- event{name: name, health: h.status}:
			case <-r.stopReq:
				return
			}
		}
		t.Reset(interval)
	}
}

// healthTracker is a container's health status as its checks come in.
type healthTracker struct {
	retries  int
	grace    time.Time // failures before it do not count
	status   string    // UNKNOWN, HEALTHY or UNHEALTHY
	failures int       // consecutive ones that counted
}

func newHealthTracker(hc *ecstypes.HealthCheck, start time.Time) *healthTracker {
	retries := 3
	if hc.Retries != nil {
		retries = int(*hc.Retries)
	}
	return &healthTracker{retries: retries, grace: start.Add(seconds(hc.StartPeriod, 0)), status: "UNKNOWN"}
}

// observe applies one check's outcome at now and says whether the status
// changed.
func (h *healthTracker) observe(now time.Time, passed bool) bool {
	next := h.status
	if passed {
		h.failures, next = 0, "HEALTHY"
	} else if now.After(h.grace) {
		h.failures++
		if h.failures >= h.retries {
			next = "UNHEALTHY"
		}
	}
	changed := next != h.status
	h.status = next
	return changed
}

// ContainerHealth is the detail of a container's health status, as the
// ECS agent keeps it for the task metadata endpoint.
type ContainerHealth struct {
	Since    time.Time // when the status last changed
	ExitCode int       // of the last check that made it UNHEALTHY
	Output   string    // of the check that changed the status
}

// checkResult is one check's exit code and output as Docker records
// them: a check that could not run or ran too long is -1 with why.
func checkResult(code int, out []byte, err error, timeout time.Duration) (int, string) {
	switch {
	case errors.Is(err, runtime.ErrExecTimeout):
		return -1, fmt.Sprintf("Health check exceeded timeout (%s)", timeout)
	case err != nil:
		return -1, err.Error()
	}
	if len(out) > maxHealthOutput {
		out = out[:maxHealthOutput]
	}
	return code, string(out)
}

// noteHealth records a change of a container's health status to status,
// made by a check that exited with code and output out. As the ECS agent
// does, the exit code is kept only from a check that made the container
// UNHEALTHY.
func (r *Runner) noteHealth(name, status string, code int, out string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.health == nil {
		r.health = map[string]ContainerHealth{}
	}
	h := r.health[name]
	h.Since, h.Output = r.now(), out
	if status == "UNHEALTHY" {
		h.ExitCode = code
	}
	r.health[name] = h
}

// HealthDetails returns the health detail of the containers whose health
// status has changed at least once, by name.
func (r *Runner) HealthDetails() map[string]ContainerHealth {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.health)
}

func seconds(v *int32, def int) time.Duration {
	if v == nil {
		return time.Duration(def) * time.Second
	}
	return time.Duration(*v) * time.Second
}

// healthArgs turns ECS's ["CMD-SHELL", "cmd"] or ["CMD", "arg", …] into
// an argv; NONE or an empty command disables the check.
func healthArgs(cmd []string) []string {
	if len(cmd) == 0 {
		return nil
	}
	switch cmd[0] {
	case "CMD-SHELL":
		if len(cmd) < 2 {
			return nil
		}
		return []string{"/bin/sh", "-c", cmd[1]}
	case "CMD":
		return cmd[1:]
	case "NONE":
		return nil
	}
	return cmd
}
