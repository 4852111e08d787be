package deploy

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// ErrNoPrimary is returned when the deployments hold no PRIMARY one, or
// more than one: the controller must repair the service record first.
var ErrNoPrimary = errors.New("deploy: service must have exactly one PRIMARY deployment")

// taskView is a task with the planner's classification.
type taskView struct {
	Task
	occupying bool // RUNNING or PENDING for the upper bound
	live      bool // occupying and not already asked to stop
	healthy   bool // counts toward the lower bound
	unhealthy bool // failed health checks after the grace period
	stopped   bool // stopped by this plan
}

// planner holds the working state of one Compute call.
type planner struct {
	in           Input
	deps         []Deployment
	primary      int
	lower, upper int
	tasks        []*taskView
	occupancy    int
	healthy      int
	plan         Plan
}

// Compute plans one pass for a service. It is pure: the same Input always
// gives the same Plan. The only error is ErrNoPrimary.
//
// Within a pass it: trips the circuit breaker (and rolls back) when the
// primary's failed tasks reach FailureThreshold; stops tasks of older
// deployments that are not healthy, then healthy ones while the healthy
// count stays at or above the lower bound; stops unhealthy primary tasks
// once their replacements are healthy, or first when the upper bound leaves
// no room to start a replacement; scales the primary in or out within the
// bounds; and marks the primary COMPLETED and the others INACTIVE at steady
// state.
func Compute(in Input) (Plan, error) {
	p := &planner{in: in, deps: append([]Deployment(nil), in.Deployments...), primary: -1}
	for i, d := range p.deps {
		if d.Status == StatusPrimary {
			if p.primary >= 0 {
				return Plan{}, ErrNoPrimary
			}
			p.primary = i
		}
	}
	if p.primary < 0 {
		return Plan{}, ErrNoPrimary
	}
	desired := max(in.Config.DesiredCount, 0)
	minP, maxP := in.Config.Percents()
	p.lower, p.upper = Bounds(desired, minP, maxP)

	p.circuitBreaker(desired)
	p.classify()
	prim := p.deps[p.primary]
	progressing := prim.RolloutState != RolloutFailed

	wait := throttleWait(in.Backoff, prim.CreatedAt, in.Now)
	canLaunch := progressing && wait == 0

	p.drainOld(progressing)
	launch := p.primaryTasks(desired, canLaunch)
	if launch > 0 {
		p.plan.Start = Start{DeploymentID: prim.ID, TaskDefinition: prim.TaskDefinition, Count: launch}
	}
	if wait > 0 && p.primaryNeed(desired) > 0 {
		p.plan.Throttled = true
		p.plan.RequeueAfter = wait
		p.plan.Events = append(p.plan.Events, ThrottledEvent(in.Config.ServiceName))
	}
	if len(p.plan.Stops) > 0 {
		ids := make([]string, len(p.plan.Stops))
		for i, s := range p.plan.Stops {
			ids[i] = s.TaskID
		}
		p.plan.Events = append(p.plan.Events, StoppedEvent(in.Config.ServiceName, ids))
	}
	p.updateDeployments(desired)
	p.steadyState(desired)
	p.collectChanges()
	return p.plan, nil
}

// circuitBreaker fails the primary when its failed tasks reach the
// threshold and, with rollback, makes the newest COMPLETED deployment
// PRIMARY again (ECS moves it from COMPLETED back to IN_PROGRESS; with no
// COMPLETED deployment the failed one stays PRIMARY and launches stop).
func (p *planner) circuitBreaker(desired int) {
	cb := p.in.Config.CircuitBreaker
	prim := &p.deps[p.primary]
	if !cb.Enable || prim.RolloutState != RolloutInProgress || prim.FailedTasks < FailureThreshold(desired) {
		return
	}
	prim.RolloutState = RolloutFailed
	prim.RolloutStateReason = reasonCircuitBreaker
	p.plan.Events = append(p.plan.Events, DeploymentFailedEvent(p.in.Config.ServiceName, prim.ID))
	if !cb.Rollback {
		return
	}
	target := -1
	for i, d := range p.deps {
		if i == p.primary || d.RolloutState != RolloutCompleted {
			continue
		}
		if target < 0 || d.CreatedAt.After(p.deps[target].CreatedAt) {
			target = i
		}
	}
	if target < 0 {
		return
	}
	failedID := prim.ID
	prim.Status = StatusActive
	prim.DesiredCount = 0
	t := &p.deps[target]
	t.Status = StatusPrimary
	t.RolloutState = RolloutInProgress
	t.RolloutStateReason = rollbackReason(failedID)
	t.FailedTasks = 0
	p.primary = target
	p.plan.RolledBackTo = t.ID
}

func (p *planner) classify() {
	for _, t := range p.in.Tasks {
		v := &taskView{Task: t}
		switch t.LastStatus {
		case TaskProvisioning, TaskPending, TaskActivating, TaskRunning:
			v.occupying = true
		}
		v.live = v.occupying && t.DesiredStatus != TaskStopped
		running := v.live && t.LastStatus == TaskRunning
		v.healthy = running && t.Health == HealthHealthy
		v.unhealthy = running && !t.InGracePeriod &&
			(t.Health == HealthContainerUnhealthy || t.Health == HealthTargetUnhealthy)
		if v.occupying {
			p.occupancy++
		}
		if v.healthy {
			p.healthy++
		}
		p.tasks = append(p.tasks, v)
	}
}

func (p *planner) stop(v *taskView, reason string) {
	v.stopped = true
	p.occupancy--
	if v.healthy {
		p.healthy--
	}
	p.plan.Stops = append(p.plan.Stops, Stop{TaskID: v.ID, Reason: reason})
}

func healthReason(v *taskView) string {
	if v.Health == HealthTargetUnhealthy {
		return elbReason(v.TargetGroup)
	}
	return reasonContainerHealth
}

func (p *planner) isPrimary(v *taskView) bool { return v.DeploymentID == p.deps[p.primary].ID }

// drainOld stops tasks of non-primary deployments: first those not healthy
// (free with respect to the lower bound), then, while the primary is not
// FAILED, healthy ones as long as the healthy count stays >= lower.
func (p *planner) drainOld(progressing bool) {
	var healthyOld []*taskView
	for _, v := range p.tasks {
		if !v.live || p.isPrimary(v) {
			continue
		}
		switch {
		case v.unhealthy:
			p.stop(v, healthReason(v))
		case !v.healthy:
			p.stop(v, scalingReason(v.DeploymentID))
		default:
			healthyOld = append(healthyOld, v)
		}
	}
	if !progressing {
		return
	}
	// Oldest deployment first, then oldest task: the newest old tasks stay
	// longest, like ECS scaling in older deployments first.
	created := map[string]time.Time{}
	for _, d := range p.deps {
		created[d.ID] = d.CreatedAt
	}
	sort.SliceStable(healthyOld, func(i, j int) bool {
		a, b := healthyOld[i], healthyOld[j]
		if !created[a.DeploymentID].Equal(created[b.DeploymentID]) {
			return created[a.DeploymentID].Before(created[b.DeploymentID])
		}
		return a.StartedAt.Before(b.StartedAt)
	})
	for _, v := range healthyOld {
		if p.healthy-1 < p.lower {
			break
		}
		p.stop(v, scalingReason(v.DeploymentID))
	}
}

// primaryNeed is how many more tasks the primary needs to reach desired,
// counting neither stopped nor unhealthy tasks.
func (p *planner) primaryNeed(desired int) int {
	good := 0
	for _, v := range p.tasks {
		if v.live && !v.stopped && !v.unhealthy && p.isPrimary(v) {
			good++
		}
	}
	return desired - good
}

// primaryTasks scales the primary deployment and replaces its unhealthy
// tasks; it returns how many tasks to launch.
func (p *planner) primaryTasks(desired int, canLaunch bool) int {
	var good, unhealthy []*taskView
	goodHealthy := 0
	for _, v := range p.tasks {
		if !v.live || v.stopped || !p.isPrimary(v) {
			continue
		}
		if v.unhealthy {
			unhealthy = append(unhealthy, v)
			continue
		}
		good = append(good, v)
		if v.healthy {
			goodHealthy++
		}
	}
	need := desired - len(good)
	if need < 0 {
		for _, v := range unhealthy {
			p.stop(v, healthReason(v))
		}
		p.scaleIn(good, -need)
		return 0
	}
	// Replacements already healthy: their unhealthy predecessors can go.
	ready := min(len(unhealthy), max(0, goodHealthy+len(unhealthy)-desired))
	if !canLaunch {
		ready = len(unhealthy)
	}
	for _, v := range unhealthy[:ready] {
		p.stop(v, healthReason(v))
	}
	unhealthy = unhealthy[ready:]
	if !canLaunch {
		return 0
	}
	// No room under the upper bound to start replacements first: stop the
	// unhealthy tasks first (they do not count toward the lower bound).
	if short := need - (p.upper - p.occupancy); short > 0 {
		for _, v := range unhealthy[:min(short, len(unhealthy))] {
			p.stop(v, healthReason(v))
		}
	}
	return max(0, min(need, p.upper-p.occupancy))
}

// scaleIn stops n primary tasks: not-yet-healthy ones first, then the most
// recently started, never taking the healthy count below the lower bound.
func (p *planner) scaleIn(good []*taskView, n int) {
	sort.SliceStable(good, func(i, j int) bool {
		if good[i].healthy != good[j].healthy {
			return !good[i].healthy
		}
		return good[i].StartedAt.After(good[j].StartedAt)
	})
	reason := scalingReason(p.deps[p.primary].ID)
	for _, v := range good {
		if n == 0 {
			return
		}
		if v.healthy && p.healthy-1 < p.lower {
			continue
		}
		p.stop(v, reason)
		n--
	}
}

// updateDeployments keeps each deployment's desired count and moves
// drained older deployments to INACTIVE.
func (p *planner) updateDeployments(desired int) {
	remaining := map[string]int{}
	occupied := map[string]bool{}
	for _, v := range p.tasks {
		if v.occupying {
			occupied[v.DeploymentID] = true
		}
		if v.live && !v.stopped {
			remaining[v.DeploymentID]++
		}
	}
	for i := range p.deps {
		d := &p.deps[i]
		if i == p.primary {
			d.DesiredCount = desired
			continue
		}
		if d.Status == StatusInactive {
			continue
		}
		d.DesiredCount = remaining[d.ID]
		if !occupied[d.ID] {
			d.Status = StatusInactive
		}
	}
}

// steadyState detects steady state: nothing to do, the primary runs exactly
// desired healthy tasks, and no other deployment has tasks left.
func (p *planner) steadyState(desired int) {
	prim := &p.deps[p.primary]
	if len(p.plan.Stops) > 0 || p.plan.Start.Count > 0 || prim.RolloutState == RolloutFailed {
		return
	}
	healthy := 0
	for _, v := range p.tasks {
		if !v.occupying {
			continue
		}
		if !p.isPrimary(v) || !v.healthy {
			return
		}
		healthy++
	}
	if healthy != desired {
		return
	}
	svc := p.in.Config.ServiceName
	if prim.RolloutState != RolloutCompleted {
		prim.RolloutState = RolloutCompleted
		prim.RolloutStateReason = completedReason(prim.ID)
		p.plan.Events = append(p.plan.Events, DeploymentCompletedEvent(svc, prim.ID))
	}
	for i := range p.deps {
		if i != p.primary {
			p.deps[i].Status = StatusInactive
		}
	}
	p.plan.Steady = true
	p.plan.Events = append(p.plan.Events, SteadyStateEvent(svc))
}

// collectChanges lists the deployments whose state differs from the input.
func (p *planner) collectChanges() {
	for i, d := range p.deps {
		if d != p.in.Deployments[i] {
			p.plan.Deployments = append(p.plan.Deployments, d)
		}
	}
}

// String summarises a plan for logs and test failures.
func (pl Plan) String() string {
	return fmt.Sprintf("start %d (%s) stop %d changes %d steady %v throttled %v",
		pl.Start.Count, pl.Start.DeploymentID, len(pl.Stops), len(pl.Deployments), pl.Steady, pl.Throttled)
}
