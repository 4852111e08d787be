package deploy

import (
	"fmt"
	"math/rand"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// sim is a fake service: it applies plans to a task list and advances task
// lifecycles one step per pass, like a controller and agents would.
type sim struct {
	t        *testing.T
	in       Input
	next     int
	crashDef string // task definition whose tasks never reach RUNNING
	sickDef  string // task definition whose tasks turn container-unhealthy
	plans    []Plan
}

func newSim(t *testing.T, desired, minP, maxP int, running int) *sim {
	s := &sim{t: t}
	s.in = Input{
		Config: Config{ServiceName: "web", DesiredCount: desired, MinimumHealthyPercent: &minP, MaximumPercent: &maxP},
		Deployments: []Deployment{{ID: "ecs-svc/1", Status: StatusPrimary, RolloutState: RolloutCompleted,
			TaskDefinition: "td:1", CreatedAt: t0, DesiredCount: desired}},
		Now: t0,
	}
	for range running {
		s.addTask("ecs-svc/1", TaskRunning, HealthHealthy)
	}
	return s
}

func (s *sim) addTask(dep, status string, h Health) {
	s.next++
	s.in.Tasks = append(s.in.Tasks, Task{ID: fmt.Sprintf("t%d", s.next), DeploymentID: dep,
		LastStatus: status, DesiredStatus: TaskRunning, Health: h, StartedAt: s.in.Now})
}

// deploy starts a rolling update to a new task definition.
func (s *sim) deploy(id, td string) {
	for i := range s.in.Deployments {
		if s.in.Deployments[i].Status == StatusPrimary {
			s.in.Deployments[i].Status = StatusActive
		}
	}
	s.in.Deployments = append(s.in.Deployments, Deployment{ID: id, Status: StatusPrimary,
		RolloutState: RolloutInProgress, TaskDefinition: td, CreatedAt: s.in.Now, DesiredCount: s.in.Config.DesiredCount})
}

func (s *sim) dep(id string) *Deployment {
	for i := range s.in.Deployments {
		if s.in.Deployments[i].ID == id {
			return &s.in.Deployments[i]
		}
	}
	s.t.Fatalf("no deployment %s", id)
	return nil
}

func (s *sim) tdOf(dep string) string { return s.dep(dep).TaskDefinition }

// counts returns tasks RUNNING or PENDING, and healthy RUNNING tasks.
func (s *sim) counts() (occupying, healthy int) {
	for _, t := range s.in.Tasks {
		switch t.LastStatus {
		case TaskProvisioning, TaskPending, TaskActivating, TaskRunning:
			occupying++
			if t.LastStatus == TaskRunning && t.Health == HealthHealthy && t.DesiredStatus != TaskStopped {
				healthy++
			}
		}
	}
	return occupying, healthy
}

func (s *sim) checkBounds(when string, lowerHeld bool) {
	s.t.Helper()
	minP, maxP := s.in.Config.Percents()
	lower, upper := Bounds(s.in.Config.DesiredCount, minP, maxP)
	occ, healthy := s.counts()
	if occ > upper {
		s.t.Fatalf("%s: %d tasks RUNNING/PENDING > upper bound %d", when, occ, upper)
	}
	if lowerHeld && healthy < lower {
		s.t.Fatalf("%s: %d healthy < lower bound %d", when, healthy, lower)
	}
}

// step runs one pass: plan, apply, check bounds, advance lifecycles.
func (s *sim) step() Plan {
	s.t.Helper()
	_, healthyBefore := s.counts()
	minP, _ := s.in.Config.Percents()
	lower, _ := Bounds(s.in.Config.DesiredCount, minP, 0)
	lowerHeld := healthyBefore >= lower
	p, err := Compute(s.in)
	if err != nil {
		s.t.Fatal(err)
	}
	s.plans = append(s.plans, p)
	for _, st := range p.Stops {
		for i := range s.in.Tasks {
			if s.in.Tasks[i].ID == st.TaskID {
				s.in.Tasks[i].DesiredStatus = TaskStopped
				s.in.Tasks[i].LastStatus = TaskStopping
			}
		}
	}
	for _, d := range p.Deployments {
		*s.dep(d.ID) = d
	}
	for range p.Start.Count {
		if p.Start.TaskDefinition != s.tdOf(p.Start.DeploymentID) {
			s.t.Fatalf("start with %s for %s", p.Start.TaskDefinition, p.Start.DeploymentID)
		}
		s.addTask(p.Start.DeploymentID, TaskPending, HealthUnknown)
	}
	s.checkBounds(fmt.Sprintf("pass %d after apply", len(s.plans)), lowerHeld)
	s.advance()
	s.checkBounds(fmt.Sprintf("pass %d after advance", len(s.plans)), lowerHeld)
	s.in.Now = s.in.Now.Add(10 * time.Second)
	return p
}

// advance moves each task one lifecycle step.
func (s *sim) advance() {
	kept := s.in.Tasks[:0]
	for _, t := range s.in.Tasks {
		td := s.tdOf(t.DeploymentID)
		switch {
		case t.LastStatus == TaskStopping:
			t.LastStatus = TaskStopped
		case t.LastStatus == TaskStopped:
			continue // forget it, as the store would after a while
		case t.LastStatus == TaskPending && td == s.crashDef:
			t.LastStatus, t.DesiredStatus = TaskStopped, TaskStopped
			s.dep(t.DeploymentID).FailedTasks++
			s.in.Backoff.ConsecutiveFailures++
			s.in.Backoff.LastFailure = s.in.Now
		case t.LastStatus == TaskPending:
			t.LastStatus, t.StartedAt = TaskRunning, s.in.Now
			s.in.Backoff = Backoff{}
		case t.LastStatus == TaskRunning && t.Health == HealthUnknown && td == s.sickDef:
			t.Health = HealthContainerUnhealthy
		case t.LastStatus == TaskRunning && t.Health == HealthUnknown:
			t.Health = HealthHealthy
		}
		kept = append(kept, t)
	}
	s.in.Tasks = kept
}

// runUntilSteady steps until a plan reports steady state.
func (s *sim) runUntilSteady(limit int) {
	s.t.Helper()
	for range limit {
		if s.step().Steady {
			return
		}
	}
	s.t.Fatalf("not steady after %d passes; last plan %v", limit, s.plans[len(s.plans)-1])
}

func TestRollingUpdate(t *testing.T) {
	tests := []struct {
		desired, minP, maxP int
		maxPasses           int
	}{
		{4, 100, 200, 6}, {4, 50, 200, 6}, {4, 50, 100, 8}, {4, 0, 100, 6},
		{1, 100, 200, 6}, {1, 0, 100, 6}, {3, 50, 150, 10}, {10, 90, 110, 30},
		{0, 100, 200, 3}, {6, 100, 117, 30},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("d%d-min%d-max%d", tt.desired, tt.minP, tt.maxP), func(t *testing.T) {
			s := newSim(t, tt.desired, tt.minP, tt.maxP, tt.desired)
			s.deploy("ecs-svc/2", "td:2")
			s.runUntilSteady(tt.maxPasses)
			if d := s.dep("ecs-svc/2"); d.RolloutState != RolloutCompleted || d.RolloutStateReason != "ECS deployment ecs-svc/2 completed." {
				t.Fatalf("primary = %+v", d)
			}
			if d := s.dep("ecs-svc/1"); d.Status != StatusInactive {
				t.Fatalf("old deployment = %+v", d)
			}
			for _, task := range s.in.Tasks {
				if task.LastStatus != TaskStopped && task.DeploymentID != "ecs-svc/2" {
					t.Fatalf("old task left: %+v", task)
				}
			}
		})
	}
}

func TestRollingUpdateStalls(t *testing.T) {
	// min 100 / max 100 leaves no room to start or stop: ECS stalls too.
	s := newSim(t, 2, 100, 100, 2)
	s.deploy("ecs-svc/2", "td:2")
	for range 5 {
		if p := s.step(); p.Start.Count != 0 || len(p.Stops) != 0 || p.Steady {
			t.Fatalf("stalled service planned %v", p)
		}
	}
}

// TestRandomConfigurations checks the bounds at every pass for random
// configurations, deployments and scaling, and that each rollout completes.
func TestRandomConfigurations(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	for i := range 300 {
		desired := rng.Intn(12)
		minP := rng.Intn(101)
		maxP := 100 + rng.Intn(101)
		lower, upper := Bounds(desired, minP, maxP)
		name := fmt.Sprintf("%d-d%d-min%d-max%d", i, desired, minP, maxP)
		t.Run(name, func(t *testing.T) {
			s := newSim(t, desired, minP, maxP, desired)
			s.deploy("ecs-svc/2", "td:2")
			if upper <= desired && lower >= desired && desired > 0 {
				return // no room either way: stalls, covered above
			}
			s.runUntilSteady(4*desired + 6)
			// Scale to a new random count, then deploy again.
			s.in.Config.DesiredCount = rng.Intn(12)
			lower, upper = Bounds(s.in.Config.DesiredCount, minP, maxP)
			s.runUntilSteady(4*desired + 30)
			if upper <= s.in.Config.DesiredCount && lower >= s.in.Config.DesiredCount && s.in.Config.DesiredCount > 0 {
				return
			}
			s.deploy("ecs-svc/3", "td:3")
			s.runUntilSteady(4*s.in.Config.DesiredCount + 6)
		})
	}
}
