package taskrunner

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
)

// recorder is a control plane that keeps every report.
type recorder struct {
	mu   sync.Mutex
	got  []agentapi.TaskState
	err  error
	sent chan struct{}
}

func newRecorder() *recorder { return &recorder{sent: make(chan struct{}, 64)} }

func (rc *recorder) report(_ context.Context, st agentapi.TaskState) error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.got = append(rc.got, st)
	rc.sent <- struct{}{}
	return rc.err
}

func (rc *recorder) reports() []agentapi.TaskState {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]agentapi.TaskState(nil), rc.got...)
}

func (rc *recorder) statuses() []string {
	var out []string
	for _, st := range rc.reports() {
		out = append(out, st.LastStatus)
	}
	return out
}

func reportingRunner(rc *recorder, window time.Duration) *Runner {
	spec := agentapi.TaskSpec{TaskID: "t", TaskARN: "arn:t", Definition: ecstypes.TaskDefinition{
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: "app"}}}}
	r := New(spec, Hooks{}, rc.report, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	r.window = window
	return r
}

// TestReportsCoalesce: a launch whose steps follow each other within the
// window is one report, with every step's timestamps.
func TestReportsCoalesce(t *testing.T) {
	rc := newRecorder()
	r := reportingRunner(rc, time.Hour)
	ctx := t.Context()
	t0 := time.Now()
	r.setStatus(ctx, "", func(st *agentapi.TaskState) { st.PullStartedAt = t0 })
	r.setStatus(ctx, Pending, func(st *agentapi.TaskState) { st.PullStoppedAt = t0.Add(time.Millisecond) })
	r.setStatus(ctx, Activating, nil)
	if n := len(rc.reports()); n != 0 {
		t.Fatalf("%d reports before RUNNING, want them held", n)
	}
	r.setStatus(ctx, Running, func(st *agentapi.TaskState) { st.StartedAt, st.ConnectivityAt = t0, t0 })
	got := rc.reports()
	if len(got) != 1 {
		t.Fatalf("reports %v, want one", rc.statuses())
	}
	st := got[0]
	if st.LastStatus != Running || st.PullStartedAt.IsZero() || st.PullStoppedAt.IsZero() || st.StartedAt.IsZero() || st.ConnectivityAt.IsZero() {
		t.Fatalf("the one report lacks something: %+v", st)
	}
	// While RUNNING, every change is reported at once.
	r.setStatus(ctx, "", func(st *agentapi.TaskState) { st.HealthStatus = "HEALTHY" })
	if got := rc.reports(); len(got) != 2 || got[1].HealthStatus != "HEALTHY" {
		t.Fatalf("health change while RUNNING: reports %+v", got)
	}
	r.flush(ctx) // nothing new: nothing sent
	if n := len(rc.reports()); n != 2 {
		t.Fatalf("an unchanged state was reported again (%d reports)", n)
	}
}

// TestSlowStepReportedAfterWindow: a step that lasts (an image pull) is
// reported when the window ends, so that a client sees PENDING meanwhile.
func TestSlowStepReportedAfterWindow(t *testing.T) {
	rc := newRecorder()
	const window = 30 * time.Millisecond
	r := reportingRunner(rc, window)
	ctx := t.Context()
	start := time.Now()
	r.setStatus(ctx, Pending, func(st *agentapi.TaskState) { st.PullStartedAt = start })
	select {
	case <-rc.sent:
	case <-time.After(5 * time.Second):
		t.Fatal("a held report was never sent")
	}
	if took := time.Since(start); took < window {
		t.Errorf("sent after %v, before the window of %v ended", took, window)
	}
	if got := rc.statuses(); len(got) != 1 || got[0] != Pending {
		t.Fatalf("reports %v, want PENDING", got)
	}
	r.setStatus(ctx, Activating, nil)
	r.setStatus(ctx, Running, nil)
	if got := rc.statuses(); len(got) != 2 || got[1] != Running {
		t.Fatalf("reports %v, want PENDING then RUNNING", got)
	}
	time.Sleep(2 * window)
	if n := len(rc.reports()); n != 2 {
		t.Fatalf("the superseded ACTIVATING was sent as well (%d reports)", n)
	}
}

// TestHeldReportOfUnknownTaskStopsIt: the control plane's "unknown task"
// answer to a held report stops the runner, as to any other.
func TestHeldReportOfUnknownTaskStopsIt(t *testing.T) {
	rc := newRecorder()
	rc.err = agentapi.ErrUnknownTask
	r := reportingRunner(rc, 10*time.Millisecond)
	r.setStatus(t.Context(), Pending, nil)
	select {
	case <-r.stopReq:
	case <-time.After(5 * time.Second):
		t.Fatal("the runner was not stopped")
	}
	r.setStatus(t.Context(), Stopped, nil)
	if n := len(rc.reports()); n != 1 {
		t.Fatalf("%d reports, want none after the task was found unknown", n)
	}
}

// TestHeldReportDroppedWhenAgentGoes: a report still held when the agent
// goes away is left to the next agent.
func TestHeldReportDroppedWhenAgentGoes(t *testing.T) {
	rc := newRecorder()
	const window = 20 * time.Millisecond
	r := reportingRunner(rc, window)
	ctx, cancel := context.WithCancel(t.Context())
	r.setStatus(ctx, Pending, nil)
	cancel()
	r.dropReports()
	time.Sleep(3 * window)
	if n := len(rc.reports()); n != 0 {
		t.Fatalf("%d reports after the agent went, want none", n)
	}
}
