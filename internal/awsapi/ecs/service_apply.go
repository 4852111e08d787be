package ecs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/ecs/deploy"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/awsapi/shape"
	"github.com/berth-dev/berth/internal/store"
)

// keptInactiveDeployments is how many INACTIVE deployments a service
// record keeps (the newest COMPLETED one is a rollback target).
const keptInactiveDeployments = 3

// apply carries out a plan: stops (draining load-balanced tasks first),
// launches, and target registration.
func (p *servicePass) apply(ctx context.Context, plan deploy.Plan) error {
	r := p.rec
	cluster, _ := p.sc.clusterName(r.Service.ClusterArn)
	for id, d := range r.Draining {
		if p.now.Before(d.StopAt) {
			continue
		}
		if err := p.s.stopServiceTask(ctx, p.sc, cluster, id, d.Reason, false); err != nil {
			return err
		}
		delete(r.Draining, id)
	}
	for _, st := range plan.Stops {
		if err := p.stop(ctx, cluster, st); err != nil {
			return err
		}
	}
	if err := p.syncTargets(ctx); err != nil {
		return err
	}
	if plan.Start.Count > 0 {
		if err := p.launch(ctx, plan.Start); err != nil {
			return err
		}
	}
	p.events = append(p.events, plan.Events...)
	return nil
}

// stop stops one task: at once, or, when it is registered with target
// groups, after deregistering it and waiting out the deregistration delay
// (the task shows DEACTIVATING meanwhile, as on ECS).
func (p *servicePass) stop(ctx context.Context, cluster string, st deploy.Stop) error {
	r := p.rec
	if !r.Registered[st.TaskID] || p.s.LB == nil {
		return p.s.stopServiceTask(ctx, p.sc, cluster, st.TaskID, st.Reason, false)
	}
	t := p.task(st.TaskID)
	delay := time.Duration(0)
	for _, lb := range r.Service.LoadBalancers {
		if t != nil {
			if err := p.deregister(ctx, t, lb); err != nil {
				return err
			}
		}
		if info, err := p.s.LB.TargetGroup(ctx, p.sc.account, p.sc.region, lb.TargetGroupArn); err == nil {
			delay = max(delay, info.DeregistrationDelay)
		}
	}
	delete(r.Registered, st.TaskID)
	if r.Draining == nil {
		r.Draining = map[string]drainingTask{}
	}
	r.Draining[st.TaskID] = drainingTask{StopAt: p.now.Add(delay), Reason: st.Reason}
	return p.s.stopServiceTask(ctx, p.sc, cluster, st.TaskID, st.Reason, true)
}

func (p *servicePass) task(id string) *ecstypes.Task {
	for _, t := range p.tasks {
		if taskIDOf(t.TaskArn) == id {
			return t
		}
	}
	return nil
}

// syncTargets registers the service's RUNNING tasks with its target groups
// and deregisters those that stopped or are stopping without a drain.
func (p *servicePass) syncTargets(ctx context.Context) error {
	r := p.rec
	if p.s.LB == nil || len(r.Service.LoadBalancers) == 0 {
		return nil
	}
	seen := map[string]bool{}
	for _, t := range p.tasks {
		id := taskIDOf(t.TaskArn)
		seen[id] = true
		running := t.LastStatus == statusRunning && t.DesiredStatus == statusRunning && taskIP(t) != ""
		switch {
		case running && !r.Registered[id]:
			for _, lb := range r.Service.LoadBalancers {
				if err := p.s.LB.RegisterTarget(ctx, p.sc.account, p.sc.region, lb.TargetGroupArn, taskIP(t), int(*lb.ContainerPort)); err != nil {
					return fmt.Errorf("registering task %s: %w", id, err)
				}
			}
			if r.Registered == nil {
				r.Registered = map[string]bool{}
			}
			r.Registered[id] = true
		case !running && r.Registered[id]:
			for _, lb := range r.Service.LoadBalancers {
				if err := p.deregister(ctx, t, lb); err != nil {
					return err
				}
			}
			delete(r.Registered, id)
		}
	}
	for id := range r.Registered {
		if !seen[id] {
			delete(r.Registered, id) // expired record; its targets left with it
		}
	}
	return nil
}

func (p *servicePass) deregister(ctx context.Context, t *ecstypes.Task, lb ecstypes.LoadBalancer) error {
	if taskIP(t) == "" {
		return nil
	}
	err := p.s.LB.DeregisterTarget(ctx, p.sc.account, p.sc.region, lb.TargetGroupArn, taskIP(t), int(*lb.ContainerPort))
	if err != nil && !errors.Is(err, ErrNoTargetGroup) {
		return fmt.Errorf("deregistering task %s: %w", taskIDOf(t.TaskArn), err)
	}
	return nil
}

// launch starts tasks for the primary deployment, ten per RunTask call.
func (p *servicePass) launch(ctx context.Context, st deploy.Start) error {
	svc := &p.rec.Service
	var dep *ecstypes.Deployment
	for i := range svc.Deployments {
		if svc.Deployments[i].Id == st.DeploymentID {
			dep = &svc.Deployments[i]
		}
	}
	if dep == nil {
		return fmt.Errorf("deployment %s of %s not found", st.DeploymentID, p.key)
	}
	in := &ecstypes.RunTaskRequest{
		Cluster: svc.ClusterArn, TaskDefinition: st.TaskDefinition, LaunchType: dep.LaunchType,
		CapacityProviderStrategy: dep.CapacityProviderStrategy, NetworkConfiguration: dep.NetworkConfiguration,
		StartedBy: dep.Id, Group: serviceGroup(svc.ServiceName), EnableExecuteCommand: svc.EnableExecuteCommand,
		EnableECSManagedTags: svc.EnableECSManagedTags,
	}
	switch svc.PropagateTags {
	case "SERVICE":
		in.Tags = slices.Clone(svc.Tags)
	case "TASK_DEFINITION":
		in.PropagateTags = "TASK_DEFINITION"
	}
	if svc.EnableECSManagedTags {
		in.Tags = mergeTags(in.Tags, []ecstypes.Tag{{Key: "aws:ecs:serviceName", Value: svc.ServiceName}})
	}
	var started []string
	for left := st.Count; left > 0; left -= 10 {
		n := int32(min(left, 10))
		in.Count = &n
		out, err := p.s.runTask(ctx, in, true)
		if err != nil {
			p.events = append(p.events, fmt.Sprintf("(service %s) failed to launch a task with (error %s).", svc.ServiceName, errorText(err)))
			break
		}
		for _, t := range out.Tasks {
			started = append(started, taskIDOf(t.TaskArn))
		}
		if len(out.Failures) > 0 {
			p.events = append(p.events, fmt.Sprintf("(service %s) was unable to place a task. Reason: %s.", svc.ServiceName, out.Failures[0].Reason))
			break
		}
	}
	if len(started) > 0 {
		p.events = append(p.events, deploy.StartedEvent(svc.ServiceName, started))
	}
	return nil
}

func errorText(err error) string {
	var pe interface{ ErrorMessage() string }
	if errors.As(err, &pe) {
		return pe.ErrorMessage()
	}
	return err.Error()
}

// stopServiceTask stops a service task with ECS's ServiceSchedulerInitiated
// code. With drain, only the task record changes (DEACTIVATING, desired
// STOPPED) and the agent is told later, when the drain is over.
func (s *Service) stopServiceTask(ctx context.Context, sc scope, cluster, id, reason string, drain bool) error {
	rec, _, err := s.tasks().Mutate(ctx, taskKey(sc, cluster, id), func(r *taskRecord) error {
		t := &r.Task
		if s.markStopping(t, "ServiceSchedulerInitiated", reason) && drain && t.LastStatus == statusRunning {
			t.LastStatus = statusDeactivating
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stopping task %s: %w", id, err)
	}
	if !drain && rec.NodeID != "" && rec.Task.LastStatus != statusStopped {
		return s.stopAssignment(ctx, rec.NodeID, sc, id, rec.Task.StopCode, rec.Task.StoppedReason)
	}
	return nil
}

// save writes what the pass learnt into the service record. The record
// may have changed since it was read (an UpdateService): the controller's
// own fields are carried over, and deployment changes are applied only
// when the deployments are still those the plan was made for.
func (p *servicePass) save(ctx context.Context, plan deploy.Plan) error {
	var becameInactive bool
	_, _, err := p.s.services().Mutate(ctx, p.key, func(r *serviceRecord) error {
		before, _ := json.Marshal(r)
		p.merge(r, plan)
		becameInactive = false
		if r.Service.Status == serviceDraining && p.drained(plan) {
			r.Service.Status, r.InactiveAt = serviceInactive, p.now
			becameInactive = true
		}
		after, _ := json.Marshal(r)
		if string(before) == string(after) {
			return errUnchanged
		}
		return nil
	})
	if errors.Is(err, errUnchanged) || errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if becameInactive {
		cluster, _ := p.sc.clusterName(p.rec.Service.ClusterArn)
		_, _, err := p.s.clusters().Mutate(ctx, clusterKey(p.sc, cluster), func(c *ecstypes.Cluster) error {
			if c.ActiveServicesCount > 0 {
				c.ActiveServicesCount--
			}
			return nil
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

var errUnchanged = errors.New("unchanged")

// drained tells whether a DRAINING service has no task left.
func (p *servicePass) drained(plan deploy.Plan) bool {
	if plan.Start.Count > 0 || len(p.rec.Draining) > 0 {
		return false
	}
	for _, t := range p.tasks {
		if t.LastStatus != statusStopped {
			return false
		}
	}
	return true
}

// merge applies the pass to a fresh copy r of the record.
func (p *servicePass) merge(r *serviceRecord, plan deploy.Plan) {
	r.Backoff, r.Draining, r.Registered, r.Counted = p.rec.Backoff, p.rec.Draining, p.rec.Registered, p.rec.Counted
	svc := &r.Service
	same := len(svc.Deployments) == len(p.rec.Service.Deployments)
	for i := range svc.Deployments {
		if same && svc.Deployments[i].Id != p.rec.Service.Deployments[i].Id {
			same = false
		}
	}
	now := shape.NewTime(p.now)
	if same {
		for i := range svc.Deployments {
			d := &svc.Deployments[i]
			d.FailedTasks = p.rec.Service.Deployments[i].FailedTasks
			for _, c := range plan.Deployments {
				if c.ID != d.Id {
					continue
				}
				if d.Status != string(c.Status) || d.RolloutState != string(c.RolloutState) || d.RolloutStateReason != c.RolloutStateReason {
					d.Status, d.RolloutState, d.RolloutStateReason, d.UpdatedAt = string(c.Status), string(c.RolloutState), c.RolloutStateReason, now
				}
				if d.Status != string(deploy.StatusPrimary) {
					d.DesiredCount = int32(c.DesiredCount)
				}
			}
			if d.Id == plan.RolledBackTo {
				svc.TaskDefinition = d.TaskDefinition
			}
		}
		for _, msg := range p.events {
			addEvent(svc, msg, p.now)
		}
	}
	p.count(svc)
	trimDeployments(svc)
}

// count sets the running and pending counts of the service and of each
// deployment from its tasks.
func (p *servicePass) count(svc *ecstypes.Service) {
	running, pending := map[string]int32{}, map[string]int32{}
	for _, t := range p.tasks {
		if t.DesiredStatus != statusRunning {
			continue
		}
		switch t.LastStatus {
		case statusRunning:
			running[t.StartedBy]++
		case statusProvisioning, statusPending, statusActivating:
			pending[t.StartedBy]++
		}
	}
	svc.RunningCount, svc.PendingCount = 0, 0
	for i := range svc.Deployments {
		d := &svc.Deployments[i]
		d.RunningCount, d.PendingCount = running[d.Id], pending[d.Id]
		svc.RunningCount += d.RunningCount
		svc.PendingCount += d.PendingCount
	}
}

// trimDeployments drops the oldest INACTIVE deployments beyond those kept.
func trimDeployments(svc *ecstypes.Service) {
	kept := 0
	svc.Deployments = slices.DeleteFunc(svc.Deployments, func(d ecstypes.Deployment) bool {
		if d.Status != string(deploy.StatusInactive) {
			return false
		}
		kept++
		return kept > keptInactiveDeployments
	})
}
