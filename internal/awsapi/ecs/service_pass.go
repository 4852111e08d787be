package ecs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/ecs/deploy"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/awsapi/shape"
	"github.com/berth-dev/berth/internal/store"
)

// eventRepeat is how long ECS waits before it repeats an event identical
// to the newest one ("Service event messages").
const eventRepeat = 6 * time.Hour

// taskSettleTime is how long a task must have been RUNNING before it counts
// as healthy: a container that exits at once still reaches RUNNING for a
// moment, and must not complete a deployment (nor reset the crash-loop
// backoff) in that moment.
const taskSettleTime = 3 * time.Second

// servicePass is the working state of one pass over one service.
type servicePass struct {
	s     *Service
	sc    scope
	key   string
	rec   *serviceRecord
	tasks []*ecstypes.Task // the service's tasks, STOPPED ones included
	now   time.Time
	// health of each target group's targets by "ip:port"
	targets map[string]map[string]TargetHealth
	events  []string
}

// reconcileService runs one pass for the service at key.
func (s *Service) reconcileService(ctx context.Context, key string) error {
	rec, _, err := s.services().Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	acct, region, ok := keyScope(key)
	if !ok {
		return nil
	}
	p := &servicePass{s: s, sc: scope{account: acct, region: region}, key: key, rec: rec, now: s.now()}
	if rec.Service.Status == serviceInactive {
		if p.now.Sub(rec.InactiveAt) > inactiveServiceTTL {
			return s.store.Delete(ctx, key, 0)
		}
		return nil
	}
	ctx = protocol.WithRequest(ctx, &protocol.RequestInfo{RequestID: protocol.NewRequestID(), Service: "ecs",
		Operation: "ServiceScheduler", Region: region,
		Principal: protocol.Principal{AccountID: acct, ARN: "arn:aws:iam::" + acct + ":role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"}})
	if err := p.load(ctx); err != nil {
		return err
	}
	p.countFailures()
	in := p.plannerInput()
	plan, err := deploy.Compute(in)
	if err != nil {
		return fmt.Errorf("planning %s: %w", key, err)
	}
	if err := p.apply(ctx, plan); err != nil {
		return err
	}
	return p.save(ctx, plan)
}

// load reads the service's tasks and the health of its targets.
func (p *servicePass) load(ctx context.Context) error {
	svc := &p.rec.Service
	cluster, _ := p.sc.clusterName(svc.ClusterArn)
	prefix := store.Prefix(kindTask, p.sc.account, p.sc.region) + cluster + "/"
	group := serviceGroup(svc.ServiceName)
	// Every pass reads the cluster's task records; decoding only those
	// whose bytes hold the service's group keeps a pass near O(own tasks)
	// in CPU. Records are encoding/json output, so the group is there as
	// json.Marshal writes it.
	enc, _ := json.Marshal(group)
	needle := append([]byte(`"group":`), enc...)
	mine := func(obj store.Object) bool { return bytes.Contains(obj.Value, needle) }
	err := p.s.tasks().ScanWhere(ctx, prefix, "", mine, func(_ store.Object, r *taskRecord) bool {
		if r.Task.Group == group {
			t := r.Task
			p.tasks = append(p.tasks, &t)
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("listing tasks of %s: %w", p.key, err)
	}
	if p.s.LB == nil || len(svc.LoadBalancers) == 0 {
		return nil
	}
	p.targets = map[string]map[string]TargetHealth{}
	for _, lb := range svc.LoadBalancers {
		if _, done := p.targets[lb.TargetGroupArn]; done {
			continue
		}
		h, err := p.s.LB.TargetHealth(ctx, p.sc.account, p.sc.region, lb.TargetGroupArn)
		if err != nil && !errors.Is(err, ErrNoTargetGroup) {
			return fmt.Errorf("reading target health of %s: %w", lb.TargetGroupArn, err)
		}
		p.targets[lb.TargetGroupArn] = h
	}
	return nil
}

// failureStop tells whether a stopped task counts as a failed launch for
// the circuit breaker and the throttle: it could not start, its essential
// container exited, or the service stopped it for failing health checks.
func failureStop(t *ecstypes.Task) bool {
	switch t.StopCode {
	case "TaskFailedToStart", "EssentialContainerExited":
		return true
	case "ServiceSchedulerInitiated":
		return strings.HasPrefix(t.StoppedReason, "Task failed")
	}
	return false
}

// countFailures adds each newly STOPPED failed task to its deployment's
// failedTasks and to the crash-loop backoff; a task that reached RUNNING
// and is healthy resets the backoff.
func (p *servicePass) countFailures() {
	r := p.rec
	live := map[string]bool{}
	for _, t := range p.tasks {
		id := taskIDOf(t.TaskArn)
		live[id] = true
		if t.LastStatus != statusStopped {
			if t.LastStatus == statusRunning && r.Backoff.ConsecutiveFailures > 0 && p.health(t) == deploy.HealthHealthy {
				r.Backoff = deploy.Backoff{}
			}
			continue
		}
		if r.Counted[id] || !failureStop(t) {
			continue
		}
		if r.Counted == nil {
			r.Counted = map[string]bool{}
		}
		r.Counted[id] = true
		r.Backoff.ConsecutiveFailures++
		r.Backoff.LastFailure = p.now
		for i := range r.Service.Deployments {
			if d := &r.Service.Deployments[i]; d.Id == t.StartedBy {
				d.FailedTasks++
			}
		}
	}
	for id := range r.Counted {
		if !live[id] {
			delete(r.Counted, id) // the stopped task has expired
		}
	}
}

func taskIDOf(arn string) string {
	return arn[strings.LastIndexByte(arn, '/')+1:]
}

// plannerInput is what the planner reads of the service and its tasks.
func (p *servicePass) plannerInput() deploy.Input {
	svc := &p.rec.Service
	dc := svc.DeploymentConfiguration
	cfg := deploy.Config{ServiceName: svc.ServiceName, DesiredCount: int(svc.DesiredCount)}
	if dc != nil {
		if dc.MinimumHealthyPercent != nil {
			v := int(*dc.MinimumHealthyPercent)
			cfg.MinimumHealthyPercent = &v
		}
		if dc.MaximumPercent != nil {
			v := int(*dc.MaximumPercent)
			cfg.MaximumPercent = &v
		}
		if cb := dc.DeploymentCircuitBreaker; cb != nil {
			cfg.CircuitBreaker = deploy.CircuitBreaker{Enable: cb.Enable, Rollback: cb.Rollback}
		}
	}
	in := deploy.Input{Config: cfg, Backoff: p.rec.Backoff, Now: p.now}
	for _, d := range svc.Deployments {
		in.Deployments = append(in.Deployments, deploy.Deployment{
			ID: d.Id, Status: deploy.DeploymentStatus(d.Status), RolloutState: deploy.RolloutState(d.RolloutState),
			RolloutStateReason: d.RolloutStateReason, TaskDefinition: d.TaskDefinition, CreatedAt: d.CreatedAt.Time,
			FailedTasks: int(d.FailedTasks), DesiredCount: int(d.DesiredCount),
		})
	}
	grace := time.Duration(0)
	if g := svc.HealthCheckGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	for _, t := range p.tasks {
		if t.LastStatus == statusStopped {
			continue
		}
		v := deploy.Task{ID: taskIDOf(t.TaskArn), DeploymentID: t.StartedBy, LastStatus: t.LastStatus,
			DesiredStatus: t.DesiredStatus, Health: p.health(t)}
		if t.StartedAt != nil {
			v.StartedAt = t.StartedAt.Time
			v.InGracePeriod = p.now.Sub(v.StartedAt) < grace
		}
		if v.Health == deploy.HealthTargetUnhealthy {
			v.TargetGroup = p.unhealthyGroup(t)
		}
		in.Tasks = append(in.Tasks, v)
	}
	return in
}

// health is the verdict on a RUNNING task: its container health checks,
// then the health of its targets.
func (p *servicePass) health(t *ecstypes.Task) deploy.Health {
	if t.LastStatus != statusRunning {
		return deploy.HealthUnknown
	}
	switch t.HealthStatus {
	case "UNHEALTHY":
		return deploy.HealthContainerUnhealthy
	case "UNKNOWN":
		if hasHealthChecks(t) {
			return deploy.HealthUnknown
		}
	}
	if t.StartedAt == nil || p.now.Sub(t.StartedAt.Time) < taskSettleTime {
		return deploy.HealthUnknown
	}
	if p.targets == nil {
		return deploy.HealthHealthy
	}
	verdict := deploy.HealthHealthy
	for _, lb := range p.rec.Service.LoadBalancers {
		h, ok := p.targets[lb.TargetGroupArn][targetOf(t, lb)]
		switch {
		case !ok || h.State == "initial" || h.State == "draining" || h.State == "unused":
			verdict = deploy.HealthUnknown
		case h.State == "unhealthy":
			return deploy.HealthTargetUnhealthy
		}
	}
	return verdict
}

func (p *servicePass) unhealthyGroup(t *ecstypes.Task) string {
	for _, lb := range p.rec.Service.LoadBalancers {
		if p.targets[lb.TargetGroupArn][targetOf(t, lb)].State == "unhealthy" {
			return lb.TargetGroupArn
		}
	}
	return ""
}

// hasHealthChecks tells whether any container of the task has a health
// check (its health starts UNKNOWN and must turn HEALTHY).
func hasHealthChecks(t *ecstypes.Task) bool {
	for _, c := range t.Containers {
		if c.HealthStatus != "" {
			return true
		}
	}
	return false
}

// taskIP is the private address of a task's ENI, "" before it has one.
func taskIP(t *ecstypes.Task) string {
	for _, a := range t.Attachments {
		for _, d := range a.Details {
			if d.Name == "privateIPv4Address" {
				return d.Value
			}
		}
	}
	return ""
}

// targetOf is the "ip:port" a task is registered as in a target group.
func targetOf(t *ecstypes.Task, lb ecstypes.LoadBalancer) string {
	return taskIP(t) + ":" + strconv.Itoa(int(*lb.ContainerPort))
}

// addEvent records a service event, newest first, unless it repeats the
// newest one within six hours.
func addEvent(svc *ecstypes.Service, msg string, now time.Time) {
	if len(svc.Events) > 0 && svc.Events[0].Message == msg && now.Sub(svc.Events[0].CreatedAt.Time) < eventRepeat {
		return
	}
	ev := ecstypes.ServiceEvent{Id: protocol.NewUUID(), CreatedAt: shape.NewTime(now), Message: msg}
	svc.Events = append([]ecstypes.ServiceEvent{ev}, svc.Events...)
	if len(svc.Events) > maxServiceEvents {
		svc.Events = svc.Events[:maxServiceEvents]
	}
}
