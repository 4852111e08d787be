package taskrunner

import (
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/runtime"
)

func ptr[T any](v T) *T { return &v }

func TestEffectiveDefinition(t *testing.T) {
	spec := &agentapi.TaskSpec{
		Definition: ecstypes.TaskDefinition{ContainerDefinitions: []ecstypes.ContainerDefinition{
			{Name: "a", Command: []string{"x"}, Environment: []ecstypes.KeyValuePair{{Name: "K", Value: "1"}, {Name: "L", Value: "2"}}, Cpu: 10},
			{Name: "b", Command: []string{"y"}},
		}},
		Overrides: &ecstypes.TaskOverride{ContainerOverrides: []ecstypes.ContainerOverride{
			{Name: "a", Command: []string{"z"}, Environment: []ecstypes.KeyValuePair{{Name: "L", Value: "3"}, {Name: "M", Value: "4"}}, Cpu: ptr(int32(20)), Memory: ptr(int32(64))},
		}},
	}
	defs := effectiveDefinition(spec)
	a := defs[0]
	if !slices.Equal(a.Command, []string{"z"}) || a.Cpu != 20 || *a.Memory != 64 {
		t.Fatalf("override not applied: %+v", a)
	}
	want := []ecstypes.KeyValuePair{{Name: "K", Value: "1"}, {Name: "L", Value: "3"}, {Name: "M", Value: "4"}}
	if !slices.Equal(a.Environment, want) {
		t.Fatalf("env %v, want %v", a.Environment, want)
	}
	if !slices.Equal(defs[1].Command, []string{"y"}) {
		t.Fatal("a container without override changed")
	}
	if spec.Definition.ContainerDefinitions[0].Command[0] != "x" || len(spec.Definition.ContainerDefinitions[0].Environment) != 2 {
		t.Fatal("the spec itself was modified")
	}
}

func TestContainerEnv(t *testing.T) {
	platform := []string{"AWS_REGION=eu-west-1", "B=platform", "C=p=q"}
	env := containerEnv([]string{"PATH=/bin", "A=img", "AWS_REGION=img"}, platform, &ecstypes.ContainerDefinition{Environment: []ecstypes.KeyValuePair{{Name: "A", Value: "def"}, {Name: "B", Value: "x=y"}}})
	if !slices.Equal(env, []string{"PATH=/bin", "A=def", "AWS_REGION=eu-west-1", "B=x=y", "C=p=q"}) {
		t.Fatalf("env %v", env)
	}
	if env := containerEnv(nil, nil, &ecstypes.ContainerDefinition{}); len(env) != 1 || env[0][:5] != "PATH=" {
		t.Fatalf("default PATH missing: %v", env)
	}
}

func TestHealthArgs(t *testing.T) {
	for _, tc := range []struct {
		in, want []string
	}{
		{[]string{"CMD-SHELL", "curl -f localhost"}, []string{"/bin/sh", "-c", "curl -f localhost"}},
		{[]string{"CMD", "/bin/check", "-v"}, []string{"/bin/check", "-v"}},
		{[]string{"NONE"}, nil},
		{nil, nil},
		{[]string{"CMD-SHELL"}, nil},
	} {
		if got := healthArgs(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("healthArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestStopTimeout(t *testing.T) {
	for in, want := range map[*int32]int{nil: 30, ptr(int32(5)): 5, ptr(int32(500)): 120, ptr(int32(-1)): 0} {
		if got := stopTimeoutSeconds(&ecstypes.ContainerDefinition{StopTimeout: in}); got != want {
			t.Errorf("stopTimeout(%v) = %d, want %d", in, got, want)
		}
	}
}

// runnerWith builds a runner over containers for the dependency logic.
func runnerWith(defs ...ecstypes.ContainerDefinition) *Runner {
	spec := agentapi.TaskSpec{TaskID: "t", Definition: ecstypes.TaskDefinition{ContainerDefinitions: defs}}
	return New(spec, Hooks{}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
}

func TestDependencies(t *testing.T) {
	dep := func(name, cond string) []ecstypes.ContainerDependency {
		return []ecstypes.ContainerDependency{{ContainerName: name, Condition: cond}}
	}
	cases := []struct {
		name    string
		cond    string
		setup   func(d *ctr)
		ready   bool
		failure bool
	}{
		{"START before start", condStart, func(d *ctr) {}, false, false},
		{"START after start", condStart, func(d *ctr) { d.started = true }, true, false},
		{"COMPLETE running", condComplete, func(d *ctr) { d.started = true }, false, false},
		{"COMPLETE exited 1", condComplete, func(d *ctr) { d.exited, d.exit = true, runtime.ExitStatus{Code: 1} }, true, false},
		{"SUCCESS exited 0", condSuccess, func(d *ctr) { d.exited = true }, true, false},
		{"SUCCESS exited 1", condSuccess, func(d *ctr) { d.exited, d.exit = true, runtime.ExitStatus{Code: 1} }, false, true},
		{"HEALTHY unknown", condHealthy, func(d *ctr) { d.health = "UNKNOWN" }, false, false},
		{"HEALTHY healthy", condHealthy, func(d *ctr) { d.health = "HEALTHY" }, true, false},
		{"HEALTHY unhealthy", condHealthy, func(d *ctr) { d.health = "UNHEALTHY" }, false, true},
		{"HEALTHY but exited", condHealthy, func(d *ctr) { d.exited = true }, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runnerWith(ecstypes.ContainerDefinition{Name: "dep"}, ecstypes.ContainerDefinition{Name: "app", DependsOn: dep("dep", tc.cond)})
			tc.setup(r.ctr("dep"))
			ready, err := r.depState(r.ctr("app"))
			if ready != tc.ready || (err != nil) != tc.failure {
				t.Fatalf("depState = %v, %v; want ready %v, failure %v", ready, err, tc.ready, tc.failure)
			}
		})
	}
}

func TestTaskHealth(t *testing.T) {
	hc := &ecstypes.HealthCheck{Command: []string{"CMD", "true"}}
	r := runnerWith(ecstypes.ContainerDefinition{Name: "a", HealthCheck: hc}, ecstypes.ContainerDefinition{Name: "b", HealthCheck: hc},
		ecstypes.ContainerDefinition{Name: "side", HealthCheck: hc, Essential: ptr(false)})
	if h := r.taskHealth(); h != "UNKNOWN" {
		t.Fatalf("initial %s", h)
	}
	r.ctr("a").health, r.ctr("b").health = "HEALTHY", "HEALTHY"
	r.ctr("side").health = "UNHEALTHY" // not essential: does not count
	if h := r.taskHealth(); h != "HEALTHY" {
		t.Fatalf("all essential healthy: %s", h)
	}
	r.ctr("b").health = "UNHEALTHY"
	if h := r.taskHealth(); h != "UNHEALTHY" {
		t.Fatalf("one essential unhealthy: %s", h)
	}
}
