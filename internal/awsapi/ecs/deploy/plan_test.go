package deploy

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestComputeNeedsOnePrimary(t *testing.T) {
	for _, deps := range [][]Deployment{nil, {{ID: "a", Status: StatusPrimary}, {ID: "b", Status: StatusPrimary}}} {
		if _, err := Compute(Input{Deployments: deps}); !errors.Is(err, ErrNoPrimary) {
			t.Fatalf("err = %v; want ErrNoPrimary", err)
		}
	}
}

func TestScaleOutAndIn(t *testing.T) {
	s := newSim(t, 2, 100, 200, 2)
	s.runUntilSteady(2)
	s.in.Config.DesiredCount = 5
	if p := s.step(); p.Start.Count != 3 || p.Start.DeploymentID != "ecs-svc/1" {
		t.Fatalf("scale out planned %v", p)
	}
	s.runUntilSteady(4)
	s.in.Config.DesiredCount = 1
	p := s.step()
	if len(p.Stops) != 4 || p.Stops[0].Reason != "Scaling activity initiated by (deployment ecs-svc/1)" {
		t.Fatalf("scale in planned %+v", p.Stops)
	}
	if !strings.HasPrefix(p.Events[0], "(service web) has stopped 4 running tasks: (task ") {
		t.Fatalf("events %q", p.Events)
	}
	s.runUntilSteady(3)
}

func TestReplaceStoppedTask(t *testing.T) {
	s := newSim(t, 3, 100, 200, 3)
	s.in.Tasks[1].LastStatus, s.in.Tasks[1].DesiredStatus = TaskStopped, TaskStopped
	if p := s.step(); p.Start.Count != 1 || p.Steady {
		t.Fatalf("planned %v", p)
	}
	s.runUntilSteady(3)
}

func TestUnhealthyReplacement(t *testing.T) {
	tests := []struct {
		name       string
		minP, maxP int
		firstStart int // launches on the first pass
		firstStops int // stops on the first pass
	}{
		{"start first when max allows", 100, 200, 1, 0},
		{"stop first at max 100", 50, 100, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, 3, tt.minP, tt.maxP, 3)
			s.in.Tasks[0].Health = HealthTargetUnhealthy
			s.in.Tasks[0].TargetGroup = "web-tg"
			s.in.Tasks[0].InGracePeriod = true
			if p := s.step(); p.Start.Count != 0 || len(p.Stops) != 0 {
				t.Fatalf("acted within grace period: %v", p)
			}
			s.in.Tasks[0].InGracePeriod = false
			p := s.step()
			if p.Start.Count != tt.firstStart || len(p.Stops) != tt.firstStops {
				t.Fatalf("first pass %v", p)
			}
			s.runUntilSteady(4)
			var reason string
			for _, pl := range s.plans {
				for _, st := range pl.Stops {
					reason = st.Reason
				}
			}
			if reason != "Task failed ELB health checks in (target-group web-tg)" {
				t.Fatalf("stop reason %q", reason)
			}
		})
	}
}

func TestContainerUnhealthyReason(t *testing.T) {
	s := newSim(t, 1, 0, 100, 1)
	s.in.Tasks[0].Health = HealthContainerUnhealthy
	p := s.step()
	if len(p.Stops) != 1 || p.Stops[0].Reason != "Task failed container health checks" || p.Start.Count != 1 {
		t.Fatalf("planned %v %+v", p, p.Stops)
	}
}

func TestCircuitBreaker(t *testing.T) {
	for _, rollback := range []bool{false, true} {
		name := "no rollback"
		if rollback {
			name = "rollback"
		}
		t.Run(name, func(t *testing.T) {
			s := newSim(t, 4, 100, 200, 4)
			s.in.Config.CircuitBreaker = CircuitBreaker{Enable: true, Rollback: rollback}
			s.crashDef = "td:2"
			s.deploy("ecs-svc/2", "td:2")
			failedAt := -1
			for i := range 20 {
				p := s.step()
				if s.dep("ecs-svc/2").RolloutState == RolloutFailed {
					failedAt = i
					if !containsEvent(p.Events, "(service web) (deployment ecs-svc/2) deployment failed: tasks failed to start.") {
						t.Fatalf("events %q", p.Events)
					}
					if rollback && p.RolledBackTo != "ecs-svc/1" {
						t.Fatalf("rolled back to %q", p.RolledBackTo)
					}
					break
				}
			}
			if failedAt < 0 {
				t.Fatal("circuit breaker never tripped")
			}
			d2 := s.dep("ecs-svc/2")
			if d2.FailedTasks < FailureThreshold(4) || d2.RolloutStateReason != "ECS deployment circuit breaker: tasks failed to start." {
				t.Fatalf("failed deployment %+v", d2)
			}
			if !rollback {
				if d2.Status != StatusPrimary {
					t.Fatalf("failed deployment without rollback should stay PRIMARY: %+v", d2)
				}
				for range 3 {
					if p := s.step(); p.Start.Count != 0 {
						t.Fatalf("FAILED deployment still launching: %v", p)
					}
				}
				_, healthy := s.counts()
				if healthy != 4 {
					t.Fatalf("old tasks should keep serving, healthy = %d", healthy)
				}
				return
			}
			s.runUntilSteady(10)
			d1 := s.dep("ecs-svc/1")
			if d1.Status != StatusPrimary || d1.RolloutState != RolloutCompleted {
				t.Fatalf("rollback target %+v", d1)
			}
			if d2 := s.dep("ecs-svc/2"); d2.Status != StatusInactive || d2.RolloutState != RolloutFailed {
				t.Fatalf("failed deployment after rollback %+v", d2)
			}
		})
	}
}

func TestCircuitBreakerNoCompletedDeploymentStalls(t *testing.T) {
	in := Input{
		Config:      Config{ServiceName: "web", DesiredCount: 2, CircuitBreaker: CircuitBreaker{Enable: true, Rollback: true}},
		Deployments: []Deployment{{ID: "ecs-svc/1", Status: StatusPrimary, RolloutState: RolloutInProgress, FailedTasks: 3}},
		Now:         t0,
	}
	p, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	if p.RolledBackTo != "" || p.Start.Count != 0 || len(p.Deployments) != 1 || p.Deployments[0].RolloutState != RolloutFailed {
		t.Fatalf("planned %v %+v", p, p.Deployments)
	}
}

func TestThrottle(t *testing.T) {
	in := Input{
		Config:      Config{ServiceName: "web", DesiredCount: 2},
		Deployments: []Deployment{{ID: "ecs-svc/1", Status: StatusPrimary, RolloutState: RolloutInProgress, CreatedAt: t0}},
		Backoff:     Backoff{ConsecutiveFailures: 4, LastFailure: t0.Add(time.Minute)},
	}
	tests := []struct {
		name      string
		now       time.Time
		created   time.Time
		throttled bool
		requeue   time.Duration
	}{
		{"within delay", t0.Add(90 * time.Second), t0, true, 30 * time.Second},
		{"delay over", t0.Add(2 * time.Minute), t0, false, 0},
		{"new deployment resets", t0.Add(90 * time.Second), t0.Add(80 * time.Second), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := in
			in.Now = tt.now
			in.Deployments = []Deployment{in.Deployments[0]}
			in.Deployments[0].CreatedAt = tt.created
			p, err := Compute(in)
			if err != nil {
				t.Fatal(err)
			}
			if p.Throttled != tt.throttled || p.RequeueAfter != tt.requeue {
				t.Fatalf("planned %v requeue %v", p, p.RequeueAfter)
			}
			if tt.throttled != (p.Start.Count == 0) {
				t.Fatalf("start %d while throttled=%v", p.Start.Count, tt.throttled)
			}
			if tt.throttled && !containsEvent(p.Events, "(service web) is unable to consistently start tasks successfully.") {
				t.Fatalf("events %q", p.Events)
			}
		})
	}
}

func TestCrashLoopIsThrottledInSimulation(t *testing.T) {
	s := newSim(t, 2, 100, 200, 0)
	s.crashDef = "td:1"
	throttled := false
	for range 10 {
		if p := s.step(); p.Throttled {
			throttled = true
			if p.Start.Count != 0 || p.RequeueAfter <= 0 {
				t.Fatalf("throttled plan %v", p)
			}
		}
	}
	if !throttled {
		t.Fatal("crash loop never throttled")
	}
}

func TestSteadyStateEvents(t *testing.T) {
	s := newSim(t, 2, 100, 200, 2)
	p := s.step()
	if !p.Steady || len(p.Events) != 1 || p.Events[0] != "(service web) has reached a steady state." {
		t.Fatalf("planned %v events %q", p, p.Events)
	}
	s.deploy("ecs-svc/2", "td:2")
	s.runUntilSteady(6)
	last := s.plans[len(s.plans)-1]
	want := []string{"(service web) (deployment ecs-svc/2) deployment completed.", "(service web) has reached a steady state."}
	if strings.Join(last.Events, "|") != strings.Join(want, "|") {
		t.Fatalf("events %q", last.Events)
	}
}

func containsEvent(events []string, want string) bool {
	for _, e := range events {
		if e == want {
			return true
		}
	}
	return false
}
