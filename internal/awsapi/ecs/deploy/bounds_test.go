package deploy

import (
	"testing"
	"time"
)

func TestBounds(t *testing.T) {
	tests := []struct {
		desired, minP, maxP int
		lower, upper        int
	}{
		{4, 100, 200, 4, 8},
		{4, 50, 200, 2, 8},
		{4, 50, 100, 2, 4},
		{4, 0, 100, 0, 4},
		{3, 50, 150, 2, 4},   // 1.5 up, 4.5 down
		{1, 100, 200, 1, 2},  // the default single-task service
		{1, 100, 150, 1, 1},  // stalls: no room either way
		{1, 50, 200, 1, 2},   // 0.5 rounds up to 1
		{0, 100, 200, 0, 0},  // desired 0 stops everything
		{10, 66, 133, 7, 13}, // 6.6 up, 13.3 down
		{7, 0, 100, 0, 7},
		{5, 100, 100, 5, 5},
		{2, 1, 101, 1, 2},
		{-1, 100, 200, 0, 0},
	}
	for _, tt := range tests {
		lower, upper := Bounds(tt.desired, tt.minP, tt.maxP)
		if lower != tt.lower || upper != tt.upper {
			t.Errorf("Bounds(%d, %d, %d) = %d, %d; want %d, %d",
				tt.desired, tt.minP, tt.maxP, lower, upper, tt.lower, tt.upper)
		}
	}
}

func TestPercentsDefaults(t *testing.T) {
	minP, maxP := Config{}.Percents()
	if minP != 100 || maxP != 200 {
		t.Fatalf("defaults = %d, %d; want 100, 200", minP, maxP)
	}
	zero, fifty := 0, 150
	minP, maxP = Config{MinimumHealthyPercent: &zero, MaximumPercent: &fifty}.Percents()
	if minP != 0 || maxP != 150 {
		t.Fatalf("explicit = %d, %d; want 0, 150", minP, maxP)
	}
}

func TestFailureThreshold(t *testing.T) {
	for desired, want := range map[int]int{0: 3, 1: 3, 5: 3, 6: 3, 7: 4, 8: 4, 10: 5, 399: 200, 400: 200, 1000: 200} {
		if got := FailureThreshold(desired); got != want {
			t.Errorf("FailureThreshold(%d) = %d; want %d", desired, got, want)
		}
	}
}

func TestThrottleDelay(t *testing.T) {
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{0, 0}, {2, 0}, {3, 30 * time.Second}, {4, time.Minute}, {8, 16 * time.Minute},
		{9, 27 * time.Minute}, {100, 27 * time.Minute},
	}
	for _, tt := range tests {
		if got := ThrottleDelay(tt.failures); got != tt.want {
			t.Errorf("ThrottleDelay(%d) = %v; want %v", tt.failures, got, tt.want)
		}
	}
}

func TestEventTexts(t *testing.T) {
	tests := []struct{ got, want string }{
		{StartedEvent("web", []string{"a", "b"}), "(service web) has started 2 tasks: (task a) (task b)."},
		{StoppedEvent("web", []string{"a"}), "(service web) has stopped 1 running tasks: (task a)."},
		{SteadyStateEvent("web"), "(service web) has reached a steady state."},
		{ThrottledEvent("web"), "(service web) is unable to consistently start tasks successfully."},
		{scalingReason("ecs-svc/1"), "Scaling activity initiated by (deployment ecs-svc/1)"},
		{elbReason("tg"), "Task failed ELB health checks in (target-group tg)"},
		{completedReason("ecs-svc/1"), "ECS deployment ecs-svc/1 completed."},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q; want %q", tt.got, tt.want)
		}
	}
}
