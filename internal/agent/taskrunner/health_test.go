package taskrunner

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/runtime"
)

func TestHealthTracker(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type check struct {
		at      time.Duration // after the container started
		passed  bool
		status  string // after the check
		changed bool
	}
	cases := []struct {
		name   string
		hc     ecstypes.HealthCheck
		checks []check
	}{
		{"one success is HEALTHY", ecstypes.HealthCheck{}, []check{
			{0, true, "HEALTHY", true}, {time.Second, true, "HEALTHY", false},
		}},
		{"three failures (the default) are UNHEALTHY", ecstypes.HealthCheck{}, []check{
			{time.Second, false, "UNKNOWN", false}, {2 * time.Second, false, "UNKNOWN", false}, {3 * time.Second, false, "UNHEALTHY", true},
			{4 * time.Second, true, "HEALTHY", true},
		}},
		{"a success resets the count", ecstypes.HealthCheck{Retries: ptr(int32(2))}, []check{
			{0, true, "HEALTHY", true}, {time.Second, false, "HEALTHY", false}, {2 * time.Second, true, "HEALTHY", false},
			{3 * time.Second, false, "HEALTHY", false}, {4 * time.Second, false, "UNHEALTHY", true},
		}},
		{"failures in the start period do not count", ecstypes.HealthCheck{Retries: ptr(int32(1)), StartPeriod: ptr(int32(10))}, []check{
			{time.Second, false, "UNKNOWN", false}, {9 * time.Second, false, "UNKNOWN", false}, {11 * time.Second, false, "UNHEALTHY", true},
		}},
		{"a success in the start period counts", ecstypes.HealthCheck{StartPeriod: ptr(int32(10))}, []check{
			{time.Second, true, "HEALTHY", true},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHealthTracker(&tc.hc, t0)
			for i, c := range tc.checks {
				changed := h.observe(t0.Add(c.at), c.passed)
				if h.status != c.status || changed != c.changed {
					t.Fatalf("check %d: status %s (changed %v), want %s (changed %v)", i, h.status, changed, c.status, c.changed)
				}
			}
		})
	}
}

func TestCheckResult(t *testing.T) {
	long := strings.Repeat("x", maxHealthOutput+10)
	cases := []struct {
		name     string
		code     int
		out      []byte
		err      error
		wantCode int
		wantOut  string
	}{
		{"passed", 0, []byte("ok\n"), nil, 0, "ok\n"},
		{"failed", 3, []byte("down\n"), nil, 3, "down\n"},
		{"long output is cut", 1, []byte(long), nil, 1, long[:maxHealthOutput]},
		{"timed out", -1, nil, fmt.Errorf("exec: %w", runtime.ErrExecTimeout), -1, "Health check exceeded timeout (5s)"},
		{"could not run", -1, nil, errors.New("exec in c: no such file"), -1, "exec in c: no such file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out := checkResult(tc.code, tc.out, tc.err, 5*time.Second)
			if code != tc.wantCode || out != tc.wantOut {
				t.Fatalf("checkResult = %d, %.40q; want %d, %.40q", code, out, tc.wantCode, tc.wantOut)
			}
		})
	}
}

// TestNoteHealth: the detail changes with the status, as the ECS agent
// keeps it; the exit code only from a check that made it UNHEALTHY.
func TestNoteHealth(t *testing.T) {
	r := runnerWith(ecstypes.ContainerDefinition{Name: "app"})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return now }
	if len(r.HealthDetails()) != 0 {
		t.Fatal("detail before any change")
	}
	r.noteHealth("app", "HEALTHY", 0, "ok")
	if h := r.HealthDetails()["app"]; h != (ContainerHealth{Since: now, Output: "ok"}) {
		t.Fatalf("after HEALTHY: %+v", h)
	}
	now = now.Add(time.Minute)
	r.noteHealth("app", "UNHEALTHY", 7, "down")
	if h := r.HealthDetails()["app"]; h != (ContainerHealth{Since: now, ExitCode: 7, Output: "down"}) {
		t.Fatalf("after UNHEALTHY: %+v", h)
	}
	now = now.Add(time.Minute)
	r.noteHealth("app", "HEALTHY", 0, "up again")
	if h := r.HealthDetails()["app"]; h != (ContainerHealth{Since: now, ExitCode: 7, Output: "up again"}) {
		t.Fatalf("after HEALTHY again: %+v", h)
	}
	details := r.HealthDetails()
	details["app"] = ContainerHealth{}
	if r.HealthDetails()["app"].Since.IsZero() {
		t.Fatal("HealthDetails returned the runner's own map")
	}
}
