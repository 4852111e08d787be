package taskrunner

import (
	"context"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
)

// healthLoop runs a container's health check command inside it, as ECS
// does: every interval, each run bounded by timeout; retries consecutive
// failures make it UNHEALTHY, one success HEALTHY; failures during
// startPeriod do not count. It ends when the task stops.
func (r *Runner) healthLoop(ctx context.Context, name, id string, hc *ecstypes.HealthCheck) {
	interval := seconds(hc.Interval, 30)
	timeout := seconds(hc.Timeout, 5)
	retries := 3
	if hc.Retries != nil {
		retries = int(*hc.Retries)
	}
	grace := time.Now().Add(seconds(hc.StartPeriod, 0))
	args := healthArgs(hc.Command)
	if args == nil {
		return
	}
	status, failures := "UNKNOWN", 0
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
		code, _, err := r.hooks.Runtime.Exec(ctx, id, args, timeout)
		next := status
		if err == nil && code == 0 {
			failures, next = 0, "HEALTHY"
		} else if time.Now().After(grace) {
			failures++
			if failures >= retries {
				next = "UNHEALTHY"
			}
		}
		if next != status {
			status = next
			select {
			case r.events <- event{name: name, health: status}:
			case <-r.stopReq:
				return
			}
		}
		t.Reset(interval)
	}
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
